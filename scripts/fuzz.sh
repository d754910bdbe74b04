#!/usr/bin/env bash
# Builds every fuzz target with clang-14 + libFuzzer and runs each for N seconds
# on a scratch copy of its seed corpus. Crashes are left as crash-* files.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-fuzz}
secs=${2:-60}
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DPOSTINO_FUZZ=ON -DPOSTINO_TESTS=OFF >/dev/null
targets=$(cd fuzz && for d in */; do [ -f "$d/CMakeLists.txt" ] && echo "fuzz_${d%/}"; done)
# shellcheck disable=SC2086
ninja -C "$build" $targets
for t in $targets; do
  name=${t#fuzz_}
  work=$(mktemp -d)
  cp -r "fuzz/$name/corpus/." "$work/"
  echo "== $t for ${secs}s"
  "$build/fuzz/$name/$t" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 "$work" 2>&1 |
    grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" || true
  rm -rf "$work"
done
