#!/usr/bin/env bash
# Build revmon and run the main job on the built-in tenant simulator.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target revmon
exec build/plugin/revmon report -v "$@"
