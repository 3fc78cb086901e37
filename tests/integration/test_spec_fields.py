"""config.json fields that no other file covers (docs/spec-coverage.md lists every field and
its test): tmpcopyup, filesystem options handed to mount(2) as data, the memory and blkio
settings other than limits, resources whose controller this host lacks, and the fields of
other platforms, which a Linux runtime ignores."""

import os

import pytest

import cgutil
from test_config import mountinfo


def run_ok(runtime, bundle, script):
    r = runtime.sh(bundle, script)
    assert r.rc == 0, r
    return r.out


# ---- mounts ----


def test_tmpcopyup_copies_the_covered_directory(runtime, bundle):
    bundle.mkdir("/data/sub")
    bundle.write_file("/data/sub/f", "hello\n")
    os.symlink("sub/f", bundle.rootfs_path("/data/link"))
    os.chown(bundle.rootfs_path("/data/sub"), 1000, 1000)
    bundle.add_mount("/data", "tmpfs", "tmpfs", ["tmpcopyup", "mode=755"])
    out = run_ok(runtime, bundle, "cat /data/link; stat -c '%u %F' /data/sub; "
                                  "echo new > /data/sub/g; grep ' /data ' /proc/self/mountinfo")
    lines = out.splitlines()
    assert lines[0] == "hello"
    assert lines[1] == "1000 directory"
    assert mountinfo("\n".join(lines[2:]))["/data"]["fstype"] == "tmpfs"
    # Writes go to the tmpfs, not to the rootfs underneath.
    assert not os.path.exists(bundle.rootfs_path("/data/sub/g"))


def test_unknown_mount_option_is_filesystem_data(runtime, bundle):
    # Not in the spec's table: handed to the filesystem (mount(2)'s data), as the spec says.
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["nr_inodes=100", "nosuid"])
    out = run_ok(runtime, bundle, "grep ' /mnt/t ' /proc/self/mountinfo")
    mi = mountinfo(out)["/mnt/t"]
    assert "nr_inodes=100" in mi["super"], mi
    assert "nosuid" in mi["opts"], mi


def test_option_the_filesystem_rejects_names_the_mount(runtime, bundle):
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["no_such_tmpfs_option"])
    bundle.set_args("true")
    cid = runtime.new_id()
    r = runtime.create(cid, bundle)
    assert r.rc != 0, r
    assert "/mnt/t" in r.err, r
    assert runtime.cmd("state", cid).rc != 0


# ---- linux.resources beyond the limits ----


def sleeper(runtime, bundle, **resources):
    bundle.linux.setdefault("resources", {}).update(resources)
    return runtime.start_detached(bundle, "sleep", "1000")


@pytest.mark.skipif(cgutil.V2, reason="cgroup v2 has no swappiness or oom_control files")
def test_memory_swappiness_and_disable_oom_killer(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, memory={"swappiness": 17, "disableOOMKiller": True})
    if not cgutil.has_file(pid, "memory", "memory.swappiness"):
        pytest.skip("no memory.swappiness")
    assert cgutil.read(pid, "memory", "memory.swappiness") == "17"
    oom = dict(l.split() for l in cgutil.read(pid, "memory", "memory.oom_control").splitlines())
    assert oom["oom_kill_disable"] == "1"


@pytest.mark.runc_differs
@pytest.mark.skipif(cgutil.V2, reason="v1 files")
def test_memory_kernel_tcp_and_use_hierarchy(runtime, bundle):
    # The v1 files, as the spec describes them. runc 1.1.5 leaves kmem.tcp unlimited.
    cid, pid = sleeper(runtime, bundle, memory={"kernelTCP": 32 << 20, "useHierarchy": True})
    if not cgutil.has_file(pid, "memory", "memory.kmem.tcp.limit_in_bytes"):
        pytest.skip("no memory.kmem.tcp")
    if not runtime.is_runc:
        assert cgutil.read(pid, "memory", "memory.kmem.tcp.limit_in_bytes") == str(32 << 20)
    assert cgutil.read(pid, "memory", "memory.use_hierarchy") == "1"


@pytest.mark.runc_differs
def test_memory_kernel_is_ignored_with_a_warning(runtime, bundle):
    # Deprecated (the kernel dropped kmem limits in 5.16); runc 1.1 still writes it.
    if runtime.is_runc:
        pytest.skip("runc 1.1 writes memory.kmem.limit_in_bytes")
    bundle.linux.setdefault("resources", {})["memory"] = {"kernel": 64 << 20}
    r = runtime.sh(bundle, "echo ok")
    assert r.rc == 0 and r.out == "ok\n", r
    assert "linux.resources.memory.kernel" in r.err and "ignored" in r.err, r


def refused_naming(runtime, bundle, field):
    bundle.set_args("true")
    cid = runtime.new_id()
    r = runtime.create(cid, bundle)
    assert r.rc != 0, r
    if not runtime.is_runc:
        assert field in r.err, r
    assert runtime.cmd("state", cid).rc != 0


@pytest.mark.skipif(cgutil.V2, reason="v1 blkio files")
def test_blkio_leaf_weight_without_cfq_is_refused(runtime, bundle):
    # leafWeight needs CFQ, gone since Linux 5.0: no file, so it cannot be honoured.
    probe = runtime.make_bundle()
    cid, pid = runtime.start_detached(probe, "sleep", "1000")
    if cgutil.has_file(pid, "blkio", "blkio.leaf_weight"):
        pytest.skip("this kernel has CFQ")
    bundle.linux.setdefault("resources", {})["blockIO"] = {"leafWeight": 500}
    refused_naming(runtime, bundle, "linux.resources.blockIO.leafWeight")


def test_blkio_weight_device(runtime, bundle):
    disk = root_disk()
    if disk is None:
        pytest.skip("/ is not on a block device")
    with open("/sys/dev/block/%d:%d/queue/scheduler" % disk) as f:
        bfq = "[bfq]" in f.read()
    bundle.linux.setdefault("resources", {})["blockIO"] = {
        "weightDevice": [{"major": disk[0], "minor": disk[1], "weight": 500}]}
    if not bfq:
        # Only BFQ weights a device: the kernel refuses the rule (EOPNOTSUPP).
        refused_naming(runtime, bundle, "linux.resources.blockIO.weightDevice[0]")
        return
    cid, pid = runtime.start_detached(bundle, "sleep", "1000")
    name = "io.bfq.weight" if cgutil.V2 else "blkio.bfq.weight_device"
    assert "%d:%d 500" % disk in cgutil.read(pid, "io" if cgutil.V2 else "blkio", name)


def test_memory_swappiness_out_of_range_is_refused(runtime, bundle):
    if cgutil.V2:
        pytest.skip("ignored on cgroup v2, as runc")
    bundle.linux.setdefault("resources", {})["memory"] = {"swappiness": 101}
    bundle.set_args("true")
    r = runtime.create(runtime.new_id(), bundle)
    assert r.rc != 0 and "swappiness" in r.err, r


def root_disk():
    """major:minor of the whole disk that holds /, or None."""
    st = os.stat("/")
    dev = "%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
    sysdir = "/sys/dev/block/" + dev
    if not os.path.exists(sysdir):
        return None
    if os.path.exists(os.path.join(sysdir, "partition")):
        with open(os.path.join(sysdir, "..", "dev")) as f:
            dev = f.read().strip()
    return tuple(int(x) for x in dev.split(":"))


def test_blkio_throttle_devices(runtime, bundle):
    disk = root_disk()
    if disk is None:
        pytest.skip("/ is not on a block device")
    major, minor = disk

    def rate(r):
        return [{"major": major, "minor": minor, "rate": r}]

    cid, pid = sleeper(runtime, bundle, blockIO={
        "throttleReadBpsDevice": rate(1 << 20), "throttleWriteBpsDevice": rate(2 << 20),
        "throttleReadIOPSDevice": rate(300), "throttleWriteIOPSDevice": rate(400)})
    dev = "%d:%d" % (major, minor)
    if cgutil.V2:
        line = cgutil.read(pid, "io", "io.max")
        assert line is not None, "no io.max"
        assert "%s rbps=%d wbps=%d riops=300 wiops=400" % (dev, 1 << 20, 2 << 20) in line, line
        return
    for name, want in (("read_bps_device", 1 << 20), ("write_bps_device", 2 << 20),
                       ("read_iops_device", 300), ("write_iops_device", 400)):
        got = cgutil.read(pid, "blkio", "blkio.throttle." + name)
        assert got == "%s %d" % (dev, want), (name, got)


# ---- resources whose controller is missing: refused, naming the field ----

MISSING = [
    ("hugetlb", "hugepageLimits", [{"pageSize": "2MB", "limit": 8 << 20}]),
    ("net_cls", "network", {"classID": 1048577}),
    ("net_prio", "network", {"priorities": [{"name": "lo", "priority": 1}]}),
    ("rdma", "rdma", {"mlx4_0": {"hcaHandles": 3, "hcaObjects": 100}}),
]


def controller_present(controller):
    """Mounted as a v1 hierarchy, or available in a cgroup2 mount (v2, or hybrid's)."""
    if not cgutil.V2 and controller in cgutil._v1_mounts():
        return True
    with open("/proc/self/mountinfo") as f:
        v2_mounts = [l.split()[4] for l in f if " - cgroup2 " in l]
    for m in v2_mounts:
        try:
            with open(os.path.join(m, "cgroup.controllers")) as f:
                if controller in f.read().split():
                    return True
        except OSError:
            pass
    return False


@pytest.mark.parametrize("controller,key,value", MISSING, ids=[m[0] for m in MISSING])
def test_resource_without_its_controller_is_refused(runtime, bundle, controller, key, value):
    if controller_present(controller):
        pytest.skip("this host has the %s controller" % controller)
    bundle.linux.setdefault("resources", {})[key] = value
    bundle.set_args("true")
    cid = runtime.new_id()
    r = runtime.create(cid, bundle)
    assert r.rc != 0, r
    if not runtime.is_runc:  # runc: "cannot set net_cls limit: container could not join..."
        assert "linux.resources." + key in r.err, r
    assert runtime.cmd("state", cid).rc != 0


# ---- fields of other platforms ----


def test_other_platforms_fields_are_ignored(runtime, bundle):
    # windows, solaris, vm, zos, freebsd and the Windows-only process fields describe other
    # runtimes' containers; a Linux runtime ignores them (runc too).
    bundle.config["windows"] = {"layerFolders": ["C:\\layers\\1"], "ignoreFlushesDuringBoot": True}
    bundle.config["solaris"] = {"milestone": "svc:/milestone/container:default"}
    bundle.config["vm"] = {"kernel": {"path": "/nonexistent/vmlinuz"}}
    bundle.config["zos"] = {"namespaces": [{"type": "mount"}]}
    bundle.config["freebsd"] = {"jail": {"host": "new"}}
    bundle.process["commandLine"] = "cmd.exe /c echo"
    bundle.process["user"]["username"] = "ContainerUser"
    assert run_ok(runtime, bundle, "echo ok; id -u") == "ok\n0\n"


# ---- process.execCPUAffinity (exec only; test_process.py: not the init) ----


@pytest.mark.runc_differs
@pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")
@pytest.mark.parametrize("affinity,want", [({"initial": "0", "final": "1"}, "1"),
                                           ({"initial": "1"}, None)])
def test_exec_cpu_affinity(runtime, bundle, affinity, want):
    # runc 1.1 predates execCPUAffinity (runc 1.2).
    if runtime.is_runc:
        pytest.skip("runc 1.1 has no execCPUAffinity")
    bundle.process["execCPUAffinity"] = affinity
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    r = runtime.cmd("exec", cid, "grep", "Cpus_allowed_list", "/proc/self/status")
    assert r.rc == 0, r
    got = r.out.split()[-1]
    if want is None:
        # Only initial: after joining the cgroup the process may use every CPU it allows.
        with open("/proc/1/status") as f:
            want = [l.split()[-1] for l in f if l.startswith("Cpus_allowed_list")][0]
    assert got == want, r


def test_exec_cpu_affinity_out_of_range_is_refused(runtime, bundle):
    if runtime.is_runc:
        pytest.skip("runc 1.1 has no execCPUAffinity")
    bundle.process["execCPUAffinity"] = {"final": "4096"}
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    r = runtime.cmd("exec", cid, "true")
    assert r.rc != 0 and "execCPUAffinity.final" in r.err, r
