#!/usr/bin/env bash
# Makes sure the Kafka clients the end-to-end tests run against Josef are installed: Debian's
# `kcat` and `python3-confluent-kafka` (both librdkafka) and `python3-kafka` (kafka-python).
# Installs them with apt-get when run as root, and otherwise says what to install. Debian's Python
# packages are seen by /usr/bin/python3 only, not by another python3 that may come first on the
# PATH, so that is the one checked (and the one the tests run). KafkaJS is an npm devDependency.
# Used by `.ci/run` and by the tests' globalSetup when the run includes tests/e2e/.
set -euo pipefail

python=/usr/bin/python3
packages=(kcat python3-confluent-kafka python3-kafka)
python_modules='import confluent_kafka, kafka'

if command -v kcat >/dev/null 2>&1 && [[ -x $python ]] && "$python" -c "$python_modules" 2>/dev/null; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  cat >&2 <<MSG
josef: the Kafka clients the tests run are not installed (kcat, or confluent_kafka and kafka for $python).
Install Debian's packages as root:
  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${packages[*]}
MSG
  exit 1
fi

bash "$(dirname "$0")/apt-install.sh" "${packages[@]}"

if ! "$python" -c "$python_modules" || ! command -v kcat >/dev/null 2>&1; then
  echo "josef: installed ${packages[*]} but kcat, or $python's confluent_kafka or kafka, is still missing" >&2
  exit 1
fi
