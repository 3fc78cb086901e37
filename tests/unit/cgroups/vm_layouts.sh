#!/bin/sh
# Run the cgroup live test on all three layouts in the throw-away v2 VM:
#   /work/shared/tools/vmrun BUILD -- BUILD/../path/to/vm_layouts.sh BUILD
# First as booted (v2); then the VM's cgroup2 is replaced by a systemd-style hybrid (v1
# controllers, net_cls,net_prio included, on tmpfs plus cgroup2 at unified, which keeps
# hugetlb, rdma and misc), and last the unified mount is dropped (v1). Never run this on a
# real host: it remounts /sys/fs/cgroup.
set -u
B=${1:?build dir}/tests/unit/cgroups
[ -e /sys/fs/cgroup/cgroup.controllers ] || { echo "not a cgroup v2 VM" >&2; exit 2; }
rc=0
echo "== v2"; "$B/test_cgroup_live_asan" || rc=1
"$B/test_cgroup_pure_asan" || rc=1
# v1 controllers can be mounted only once v2 no longer delegates them, which a child cgroup
# that still enables one prevents: the integration tests that ran before may leave empty
# ones behind (criu's restores create cgroups of their own), removed here deepest first.
find /sys/fs/cgroup -mindepth 1 -type d | sort -r | while read -r d; do
	rmdir "$d" 2>/dev/null && echo "vm_layouts: removed a leftover cgroup $d" >&2
done
left=$(find /sys/fs/cgroup -mindepth 1 -type d)
[ -z "$left" ] || { echo "vm_layouts: cgroups still in use, layouts not switched:" $left >&2; exit 1; }
echo "-cpuset -cpu -io -memory -pids -rdma -misc -hugetlb" > /sys/fs/cgroup/cgroup.subtree_control
umount /sys/fs/cgroup && mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup || exit 2
for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
	mkdir /sys/fs/cgroup/$c && mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c || exit 2
done
# net_cls and net_prio exist only in v1 (the team's hosts do not mount them): co-mounted as
# systemd does, so that linux.resources.network is applied and read back.
mkdir /sys/fs/cgroup/net_cls,net_prio &&
	mount -t cgroup -o net_cls,net_prio cgroup /sys/fs/cgroup/net_cls,net_prio || exit 2
mkdir /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd || exit 2
mount -t cgroup2 cgroup2 /sys/fs/cgroup/unified || exit 2
# The caller sits in a memory cgroup of its own, as on the team's host, so that default and
# relative paths resolve differently per hierarchy.
mkdir /sys/fs/cgroup/memory/caller || exit 2
in_caller() { sh -c 'echo $$ > /sys/fs/cgroup/memory/caller/cgroup.procs && exec "$@"' sh "$@"; }
echo "== hybrid"; OCIRUN_TEST_MAY_DELEGATE=1 in_caller "$B/test_cgroup_live_asan" || rc=1
umount /sys/fs/cgroup/unified
echo "== v1"; in_caller "$B/test_cgroup_live_asan" || rc=1
exit $rc
