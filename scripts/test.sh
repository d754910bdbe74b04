#!/usr/bin/env bash
# Builds into $1 with CMake args $2, then runs the whole suite against that build:
# GoogleTest units and fuzz seed corpora (CTest), then the pytest integration
# suite against the real binary. Non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
args=${2:-}
jobs=$(nproc)
# Reuse compiled objects across build directories when ccache is there (not required).
if command -v ccache >/dev/null 2>&1; then args="$args -DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; fi

echo "== build ($build) $args"
# shellcheck disable=SC2086
cmake -S . -B "$build" -G Ninja $args >/dev/null
ninja -C "$build" -j"$jobs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "== unit tests and fuzz seed corpora ($build)"
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 600

echo "== integration tests ($build)"
export POSTINO_BIN="$PWD/$build/postino"
set +e
/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration
rc=$?
set -e
# pytest exit 5 = no tests collected: that is a failure here, not a pass.
exit $rc
