#!/bin/bash
# The cgroup-relevant tests on a cgroup v2 host. The team's host is hybrid, so this boots one
# throw-away VM (/work/shared/tools/vmrun: Debian's 6.1 kernel, cgroup v2 only, the host's
# userland read-only, this repository shared read-write) and runs in it
#   1. the integration tests of cgroups, update, pause, events, lifecycle and kill, on v2;
#   2. the cgroup unit tests on the v2, hybrid and v1 layouts (tests/unit/cgroups/vm_layouts.sh
#      remounts the VM's /sys/fs/cgroup, so it comes last);
# then boots a second VM for the checkpoint/restore tests (test_checkpoint*.py: criu cannot
# start on the host's kernel, `criu check` passes in the VM). With VM_TEST_FILTER set, one
# boot runs that selection, and the layout tests unless the selection names checkpoint tests.
# The VM emulates in software (10-30x slower than the host): few boots, and a generous
# per-test timeout.
#
#   scripts/vm-tests.sh [BUILD_DIR] [PYTEST_ARGS...]    BUILD_DIR defaults to ./build
# Environment: VMRUN (default ../shared/tools/vmrun, else /work/shared/tools/vmrun), VM_TEST_TIMEOUT (per test, seconds,
# default 300), VM_TEST_FILTER (pytest -k expression; "test_checkpoint" selects
# test_checkpoint.py, test_checkpoint_pages.py and test_flags.py's quick refusals).
# PYTEST_ARGS come after the default --runtime, so `--runtime /usr/sbin/runc` checks the tests
# against runc.
set -euo pipefail
cd "$(dirname "$0")/.."

# Two boots by default: the cgroup tests and the layout unit tests, then checkpoint/restore.
# criu restores from inside the container's cgroup (as with runc), and what it writes on the
# guest's tmpfs stays charged to memory cgroups that are gone; a dying memory cgroup keeps
# vm_layouts.sh from giving the memory controller to v1. A fresh guest avoids that.
main_filter="(cgroup or update or pause or events or lifecycle or kill) and not test_checkpoint"
ckpt_filter="test_checkpoint"
filter=${VM_TEST_FILTER:-}
per_test=${VM_TEST_TIMEOUT:-300}

# Inside the guest (which gets no environment from the host: all comes as arguments).
if [ "${1:-}" = --in-vm ]; then
	build=$2 filter=$3 per_test=$4 layouts=$5
	shift 5
	[ -e /sys/fs/cgroup/cgroup.controllers ] || { echo "vm-tests: not a cgroup v2 VM" >&2; exit 2; }
	rc=0
	# The guest has no disk of its own: null_blk gives the I/O throttle tests a block device.
	modprobe null_blk 2>/dev/null || echo "vm-tests: no null_blk, the block I/O tests skip" >&2
	echo "== [vm, cgroup v2] integration tests: -k '$filter'"
	start=$(date +%s)
	/usr/bin/python3 -m pytest tests/integration -k "$filter" -n 2 -q -o timeout="$per_test" \
		-p no:cacheprovider --runtime "$build/src/ocirun" "$@" || rc=1
	echo "== [vm] integration tests took $(( $(date +%s) - start )) s"
	[ "$layouts" = 1 ] || exit $rc
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
# Each boot, tests included, is bounded: a hung guest must not hang CI.
boot() {
	VMRUN_TIMEOUT=${VMRUN_TIMEOUT:-1500} \
		bash "$vmrun" "$PWD" -- bash scripts/vm-tests.sh --in-vm "$build" "$@" || rc=1
}
if [ -n "$filter" ]; then
	layouts=1
	case $filter in *checkpoint*) layouts=0 ;; esac
	boot "$filter" "$per_test" "$layouts" "$@"
else
	boot "$main_filter" "$per_test" 1 "$@"
	boot "$ckpt_filter" "$per_test" 0 "$@"
fi
echo "== vm-tests: exit $rc after $(( $(date +%s) - start )) s"
exit $rc
