#!/bin/bash
# Install, build, and run a demo container from a busybox bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
bundle=$(mktemp -d /tmp/ocirun-demo.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
scripts/mkbundle.sh "$bundle" sh -c 'echo "hello from $(hostname), pid $$ in its own namespace"; id; ls /'
echo "+ ocirun run --bundle $bundle demo"
build/src/ocirun run --bundle "$bundle" "demo-$$"
