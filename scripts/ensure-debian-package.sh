#!/usr/bin/env bash
# Makes sure one of Debian's packages is installed, told by a file it installs:
#   scripts/ensure-debian-package.sh PACKAGE FILE
# Installs PACKAGE (scripts/apt-install.sh) when FILE is missing and this runs as root; otherwise
# says what to install. Used by .ci/run and by the tests that drive a real Prometheus or Chromium
# (tests/helpers/debian-package.ts), so a fresh machine gets them the same way everywhere.
set -euo pipefail

if (($# != 2)); then
  echo "usage: $0 PACKAGE FILE" >&2
  exit 2
fi
package=$1
file=$2

if [[ -e $file ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
josef: $file is missing: Debian's $package package is not installed.
Install it as root:
  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $package
MSG
  exit 1
fi

bash "$(dirname "$0")/apt-install.sh" "$package"

if [[ ! -e $file ]]; then
  echo "josef: installed the $package package but $file is still missing" >&2
  exit 1
fi
