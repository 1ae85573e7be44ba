#!/usr/bin/env bash
# Build revmon and run the main job on the built-in tenant simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
# Only the compiler, CMake and the core's libraries: the adapters and the
# tests are not built here (scripts/test.sh installs and builds them).
scripts/deps.sh --main
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREVMON_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target revmon
exec build/plugin/revmon report -v "$@"
