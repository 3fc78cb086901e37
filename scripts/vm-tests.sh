#!/bin/bash
# The cgroup-relevant tests on a cgroup v2 host. The team's host is hybrid, so this boots one
# throw-away VM (/work/shared/tools/vmrun: Debian's 6.1 kernel, cgroup v2 only, the host's
# userland read-only, this repository shared read-write) and runs in it
#   1. the integration tests of cgroups, update, pause, events, lifecycle and kill, on v2, and
#      those of checkpoint/restore (test_checkpoint.py: criu cannot start on the host's kernel,
#      `criu check` passes in the VM);
#   2. the cgroup unit tests on the v2, hybrid and v1 layouts (tests/unit/cgroups/vm_layouts.sh
#      remounts the VM's /sys/fs/cgroup, so it comes last).
# The VM emulates in software (10-30x slower than the host): one boot for everything, and a
# generous per-test timeout.
#
#   scripts/vm-tests.sh [BUILD_DIR] [PYTEST_ARGS...]    BUILD_DIR defaults to ./build
# Environment: VMRUN (default ../shared/tools/vmrun, else /work/shared/tools/vmrun), VM_TEST_TIMEOUT (per test, seconds,
# default 300), VM_TEST_FILTER (pytest -k expression; "test_checkpoint" selects
# test_checkpoint.py, test_checkpoint_pages.py and test_flags.py's quick refusals).
# PYTEST_ARGS come after the default --runtime, so `--runtime /usr/sbin/runc` checks the tests
# against runc.
set -euo pipefail
cd "$(dirname "$0")/.."

filter=${VM_TEST_FILTER:-cgroup or update or pause or events or lifecycle or kill or test_checkpoint}
per_test=${VM_TEST_TIMEOUT:-300}

# Inside the guest (which gets no environment from the host: all comes as arguments).
if [ "${1:-}" = --in-vm ]; then
	build=$2 filter=$3 per_test=$4
	shift 4
	[ -e /sys/fs/cgroup/cgroup.controllers ] || { echo "vm-tests: not a cgroup v2 VM" >&2; exit 2; }
	rc=0
	# The guest has no disk of its own: null_blk gives the I/O throttle tests a block device.
	modprobe null_blk 2>/dev/null || echo "vm-tests: no null_blk, the block I/O tests skip" >&2
	echo "== [vm, cgroup v2] integration tests: -k '$filter'"
	start=$(date +%s)
	/usr/bin/python3 -m pytest tests/integration -k "$filter" -n 2 -q -o timeout="$per_test" \
		-p no:cacheprovider --runtime "$build/src/ocirun" "$@" || rc=1
	echo "== [vm] integration tests took $(( $(date +%s) - start )) s"
	# criu restore runs in the restored container's cgroup and rewrites its kerndat cache
	# there; that tmpfs page keeps the deleted container's memory cgroup alive (dying), and a
	# v2 root with a dying memory cgroup cannot give the controller to v1 (vm_layouts.sh).
	rm -f /run/criu.kdat
	# criu's restores rewrite their kernel-feature cache from inside a container's cgroup:
	# the file pins a dying memory cgroup, and v1's memory controller could not be mounted.
	rm -f /run/criu.kdat
	echo "== [vm] cgroup unit tests on the v2, hybrid and v1 layouts"
	start=$(date +%s)
	sh tests/unit/cgroups/vm_layouts.sh "$build" || rc=1
	echo "== [vm] unit tests took $(( $(date +%s) - start )) s"
	exit $rc
fi

build=$(cd "${1:-build}" && pwd)
[ $# -gt 0 ] && shift
[ -x "$build/src/ocirun" ] || { echo "vm-tests: no $build/src/ocirun (run scripts/build.sh)" >&2; exit 2; }
# CI lays shared/ beside the checkout; the team's machines have it at /work/shared.
vmrun=${VMRUN:-$PWD/../shared/tools/vmrun}
[ -f "$vmrun" ] || vmrun=/work/shared/tools/vmrun
[ -f "$vmrun" ] || { echo "vm-tests: $vmrun not found" >&2; exit 2; }
start=$(date +%s)
rc=0
# The whole run, boot included, is bounded: a hung guest must not hang CI.
VMRUN_TIMEOUT=${VMRUN_TIMEOUT:-1500} \
	bash "$vmrun" "$PWD" -- bash scripts/vm-tests.sh --in-vm "$build" "$filter" "$per_test" "$@" || rc=$?
echo "== vm-tests: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
