#!/usr/bin/env bash
# Build revmon and pass its tests: once as a normal build, once under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the unit tests once
# more under valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)

echo "== style"
scripts/check-style.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREVMON_TESTS=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
(cd build && ctest -LE valgrind --output-on-failure -j"$jobs")

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DREVMON_SANITIZE=ON -DREVMON_TESTS=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under sanitizers"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --output-on-failure -j"$jobs")

echo "== unit tests under valgrind"
(cd build && ctest -L valgrind --output-on-failure -j"$jobs")

echo "== fuzz targets (15 s each)"
tests/fuzz/run.sh 15
