#!/bin/sh
# `npm run bench:setup` (as root): installs what the benchmarks measure Josef against and with.
# - compare: Debian's redis-server and nats-server. The benchmark starts its own copies on free
#   loopback ports in temporary folders; the system services the packages may start are not used.
#   The npm clients (ioredis, nats) are devDependencies, installed by `npm install`.
# - kafka-clients: librdkafka-dev and a C compiler, then builds bench/rdkafka-perf.c (librdkafka's
#   producer and consumer driven by the benchmark) into bench-data/bin/rdkafka-perf; libjemalloc2
#   for its --rdkafka-malloc jemalloc (the program with jemalloc preloaded, a diagnostic).
set -eu

packages="redis-server nats-server librdkafka-dev gcc libc6-dev libjemalloc2"
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ "$(id -u)" -ne 0 ]; then
  echo "bench:setup: run as root (it calls apt-get install $packages)" >&2
  exit 1
fi

# apt-cache knows nothing before the first update on a fresh machine.
missing=""
for p in $packages; do
  if ! apt-cache show "$p" >/dev/null 2>&1; then missing="$missing $p"; fi
done
if [ -n "$missing" ]; then apt-get update; fi

installable=""
for p in $packages; do
  if apt-cache show "$p" >/dev/null 2>&1; then
    installable="$installable $p"
  else
    echo "bench:setup: $p is not packaged for this system; the benchmark that needs it will say so" >&2
  fi
done
if [ -n "$installable" ]; then
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $installable
fi

for bin in redis-server nats-server; do
  if command -v "$bin" >/dev/null 2>&1; then echo "bench:setup: $("$bin" --version 2>&1 | head -n 1)"; fi
done

mkdir -p "$root/bench-data/bin"
cc -O2 -Wall -Wextra -o "$root/bench-data/bin/rdkafka-perf" "$root/bench/rdkafka-perf.c" -lrdkafka
echo "bench:setup: built bench-data/bin/rdkafka-perf against librdkafka $(dpkg-query -W -f '${Version}' librdkafka-dev 2>/dev/null || echo '(version unknown)')"
