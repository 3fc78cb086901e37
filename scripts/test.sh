#!/bin/bash
# Install, build, and run every test: C unit tests (plain and ASan/UBSan), then the
# integration tests on real containers (in parallel, each with a timeout), then the cgroup
# tests again on cgroup v2, and the checkpoint/restore tests, in VMs (scripts/vm-tests.sh,
# about 11 minutes; SKIP_VM_TESTS=1
# leaves them out), then podman and containerd running their containers with ocirun
# (tests/e2e). Arguments go to the host's pytest run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh >/dev/null
echo "== unit tests"
meson test -C build --print-errorlogs --num-processes 2
echo "== integration tests"
rc=0
/usr/bin/python3 -m pytest tests/integration -n 2 --runtime "$PWD/build/src/ocirun" "$@" || rc=1
if [ "${SKIP_VM_TESTS:-0}" = 1 ]; then
	echo "== cgroup v2 tests in a VM: SKIPPED (SKIP_VM_TESTS=1)"
else
	echo "== cgroup v2 tests in a VM (scripts/vm-tests.sh): cgroup, update, pause, events," \
	     "lifecycle, kill and checkpoint integration tests, cgroup unit tests on v2/hybrid/v1"
	scripts/vm-tests.sh build || { rc=1; echo "== cgroup v2 tests in a VM: FAILED"; }
fi
echo "== engines: podman and containerd with ocirun (tests/e2e)"
tests/e2e/run.sh --runtime "$PWD/build/src/ocirun" -q || { rc=1; echo "== engines: FAILED"; }
exit $rc
