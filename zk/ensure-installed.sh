#!/usr/bin/env bash
# Makes sure Apache ZooKeeper from Debian's `zookeeper` package (server jar and a Java runtime)
# is installed: installs it with apt-get when run as root, and otherwise says what to install.
# Used by `.ci/run` and, when the jar is missing, by `josef zk start` (src/coordination/zk-install.ts).
set -euo pipefail

zk_jar=/usr/share/java/zookeeper.jar

if [[ -f $zk_jar ]] && command -v java >/dev/null 2>&1; then
  exit 0
fi

hint="or run Josef against a ZooKeeper you already have: JOSEF_ZK=host:port[,host:port...]"

if [[ $(id -u) -ne 0 ]]; then
  cat >&2 <<MSG
josef: Apache ZooKeeper is not installed ($zk_jar or java is missing).
Install Debian's zookeeper package as root:
  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends zookeeper
$hint
MSG
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "josef: no apt-get here; install Apache ZooKeeper 3.8 so that $zk_jar exists, $hint" >&2
  exit 1
fi

# Another apt or dpkg (an unattended upgrade, an install already under way) may hold the package
# locks. Wait for it, up to 10 minutes, rather than fight it.
lock_timeout_s=600
apt_wait=(-o "DPkg::Lock::Timeout=$lock_timeout_s")
deadline=$((SECONDS + lock_timeout_s))
until apt_log=$(apt-get "${apt_wait[@]}" update 2>&1); do
  if ! grep -q 'Could not get lock' <<<"$apt_log" || ((SECONDS >= deadline)); then
    echo "$apt_log" >&2
    exit 1
  fi
  echo "josef: waiting for another apt/dpkg to release its lock..." >&2
  sleep 5
done
DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y --no-install-recommends zookeeper

if [[ ! -f $zk_jar ]]; then
  echo "josef: installed the zookeeper package but $zk_jar is still missing" >&2
  exit 1
fi
