#!/usr/bin/env bash
# Installs Debian packages with apt-get, as root: `scripts/apt-install.sh PACKAGE...`. Another apt
# or dpkg (an unattended upgrade, an install already under way) may hold the package locks; this
# waits for it, up to 10 minutes, rather than fight it. Shared by the scripts that install what
# Josef runs with or is checked against: zk/ensure-installed.sh, scripts/ensure-kafka-clients.sh and
# scripts/ensure-debian-package.sh (Prometheus, Chromium).
# Its callers have checked that apt-get is there and that they run as root, and say what to do otherwise.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 PACKAGE..." >&2
  exit 2
fi

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
DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y --no-install-recommends "$@"
