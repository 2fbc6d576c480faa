#!/usr/bin/env bash
# Makes sure Apache ZooKeeper from Debian's `zookeeper` package (server jar and a Java runtime)
# is installed: installs it with apt-get when run as root, and otherwise says what to install.
# Used by `.ci/run` and, when the jar is missing, by `josef zk start` (src/local/zk-install.ts).
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

bash "$(dirname "$0")/../scripts/apt-install.sh" zookeeper

if [[ ! -f $zk_jar ]]; then
  echo "josef: installed the zookeeper package but $zk_jar is still missing" >&2
  exit 1
fi
