#!/bin/bash
# Install, build, and run every test: C unit tests (plain and ASan/UBSan), then the
# integration tests on real containers (in parallel, each with a timeout).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
echo "== unit tests"
meson test -C build --print-errorlogs --num-processes 2
echo "== integration tests"
/usr/bin/python3 -m pytest tests/integration -n 2 --runtime "$PWD/build/src/ocirun" "$@"
