"""The linux.resources entries that test_cgroups.py leaves out: each one set in config.json
reaches the cgroup file that holds it on v1, hybrid or v2 (cgutil converts as runc does),
`update` changes what runc's update changes and leaves the rest, and values the kernel
refuses fail create (or update) with an error that names the resource and the value.

What v2 has no file for (swappiness, disableOOMKiller, useHierarchy, leafWeight, the
network classes) is ignored there, as runc ignores it. On a hybrid host, hugetlb and the
`unified` keys go to the cgroup2 mount (runc 1.1 cannot set them there).
"""

import json
import os

import pytest

import cgutil
from conftest import wait_for

V1 = not cgutil.V2


def start(runtime, bundle, **resources):
    """A running container (sleep) with the given linux.resources; (cid, pid)."""
    bundle.linux.setdefault("resources", {}).update(resources)
    return runtime.start_detached(bundle, "sleep", "1000")


def refused(runtime, bundle, container_id, **resources):
    """create with these resources fails, leaving no state; the Result."""
    bundle.linux.setdefault("resources", {}).update(resources)
    bundle.set_args("true")
    r = runtime.create(container_id, bundle).failed()
    assert not os.path.exists(os.path.join(runtime.root, container_id)), r
    return r


def names(runtime, r, field, value, runc_words):
    """ocirun's error names the resource (its config path) and the value; runc's names the
    cgroup file or says runc_words."""
    if runtime.is_runc:
        assert runc_words in r.err, r.err
    else:
        assert field in r.err and str(value) in r.err, r.err


def update_json(runtime, cid, doc):
    return runtime.cmd("update", "-r", "-", cid, input=json.dumps(doc))


def stored(runtime, cid):
    """linux.resources of ocirun's stored config.json."""
    with open(os.path.join(runtime.root, cid, "config.json")) as f:
        return json.load(f)["linux"]["resources"]


def runc_11(runtime):
    return runtime.is_runc and "runc version 1.1." in runtime.info.version


# ---------------------------------------------------------------- memory


def test_memory_swappiness(runtime, bundle):
    """v1 memory.swappiness; v2 has no such knob and runc ignores it there. runc's update
    does not take it: the value set at create stays."""
    cid, pid = start(runtime, bundle, memory={"limit": 64 << 20, "swappiness": 30})
    assert cgutil.memory_swappiness(pid) == (30 if V1 else None)
    update_json(runtime, cid, {"memory": {"limit": 80 << 20, "swappiness": 70}}).ok()
    assert cgutil.memory_limit(pid) == 80 << 20
    assert cgutil.memory_swappiness(pid) == (30 if V1 else None)


@pytest.mark.skipif(cgutil.V2, reason="cgroup v2 has no swappiness; runtimes ignore it there")
def test_memory_swappiness_refused(runtime, bundle, container_id):
    r = refused(runtime, bundle, container_id, memory={"swappiness": 101})
    names(runtime, r, "linux.resources.memory.swappiness", 101, "swappiness")


def test_memory_disable_oom_killer(runtime, bundle):
    """v1: past its limit the process waits (under_oom) instead of being killed. v2 has no
    such switch (runc ignores it): the kernel OOM-kills as ever."""
    bundle.linux.setdefault("resources", {})["memory"] = {
        "limit": 32 << 20, "swap": 32 << 20, "disableOOMKiller": True}
    # The string grows in user space: a fault there waits for memory, where one inside a
    # system call (read into a fresh buffer) would just fail with EFAULT.
    bundle.set_args("sh", "-c", "awk 'BEGIN { s = \"x\"; for (;;) s = s s }'; sleep 1000")
    cid, pid = runtime.start_detached(bundle)
    if V1:
        assert cgutil.oom_control(pid)["oom_kill_disable"] == 1
        wait_for(lambda: cgutil.oom_control(pid)["under_oom"] == 1, timeout=20,
                 what="the container to wait under OOM")
        assert cgutil.oom_control(pid)["oom_kill"] == 0
    else:
        assert cgutil.oom_control(pid) is None
        wait_for(lambda: "oom_kill 1" in cgutil.read(pid, "memory", "memory.events"),
                 timeout=20, what="the OOM kill")


@pytest.mark.parametrize("value", [True, pytest.param(False, marks=pytest.mark.runc_differs)])
def test_memory_use_hierarchy(runtime, bundle, container_id, value):
    """v1 memory.use_hierarchy; Linux 5.x+ refuses to turn it off (EINVAL), which fails
    create naming the field, where runc 1.1 ignores useHierarchy altogether. v2 is always
    hierarchical: both ignore it there."""
    if V1 and not value and not runtime.is_runc:
        r = refused(runtime, bundle, container_id, memory={"useHierarchy": value})
        names(runtime, r, "linux.resources.memory.useHierarchy", 0, None)
        return
    cid, pid = start(runtime, bundle, memory={"useHierarchy": value})
    if V1:
        assert cgutil.read(pid, "memory", "memory.use_hierarchy") == "1"


# About 32 MB held by awk (its last string), made in user space: quick even in the VM.
HOG = "awk 'BEGIN { s = \"x\"; while (length(s) < 24000000) s = s s; system(\"sleep 1000\") }'"


@pytest.mark.parametrize("check", [True, False])
def test_memory_check_before_update(runtime, bundle, check):
    """With checkBeforeUpdate, update refuses a limit below the current usage (v2: ocirun
    compares it with memory.current), naming the limit; the old one stays. Without it, v2
    takes the limit and the kernel OOM-kills; v1's kernel refuses such a limit by itself
    (EBUSY) either way."""
    if runc_11(runtime) and check and cgutil.V2:
        pytest.skip("runc 1.1 knows no checkBeforeUpdate")
    bundle.linux.setdefault("resources", {})["memory"] = {
        "limit": 128 << 20, "swap": 128 << 20, "checkBeforeUpdate": check}
    bundle.set_args("sh", "-c", HOG)
    cid, pid = runtime.start_detached(bundle)
    wait_for(lambda: cgutil.memory_usage(pid) > 20 << 20, timeout=120, what="the memory hog")
    cgdir = cgutil.cg_dir(pid, "memory")
    r = runtime.cmd("update", "--memory", "8m", "--memory-swap", "8m", cid)
    if check or V1:
        r.failed()
        names(runtime, r, "linux.resources.memory.limit", 8 << 20, "memory")
        assert cgutil.memory_limit(pid) == 128 << 20
        if not runtime.is_runc:
            assert stored(runtime, cid)["memory"]["limit"] == 128 << 20
    else:
        r.ok()
        # the init may be gone already: read its cgroup by path
        with open(os.path.join(cgdir, "memory.max")) as f:
            assert int(f.read()) == 8 << 20

        def oom_killed():
            with open(os.path.join(cgdir, "memory.events")) as f:
                return "oom_kill 0" not in f.read()
        wait_for(oom_killed, timeout=20, what="the OOM kill")


def test_memory_limit_too_small(runtime, bundle, container_id):
    """A limit below what the init needs to set the container up fails create, naming the
    limit and leaving nothing. ocirun writes the limit before the init joins its cgroup, so
    the init itself runs out (the OOM killer takes it, and create says so) where the write
    used to fail with EBUSY; runc refuses the write (its init is in the cgroup already)."""
    r = refused(runtime, bundle, container_id, memory={"limit": 64 << 10})
    names(runtime, r, "linux.resources.memory.limit", 64 << 10, "memory limit")
    if not runtime.is_runc:
        assert "OOM killer" in r.err, r.err


def test_memory_swap_below_limit_refused(runtime, bundle, container_id):
    r = refused(runtime, bundle, container_id, memory={"limit": 64 << 20, "swap": 32 << 20})
    names(runtime, r, "linux.resources.memory.swap", 32 << 20, "swap")


# ---------------------------------------------------------------- cpu


def test_cpuset_mems_update(runtime, bundle):
    cid, pid = start(runtime, bundle, cpu={"mems": "0"})
    assert cgutil.read(pid, "cpuset", "cpuset.mems") == "0"
    runtime.cmd("update", "--cpuset-mems", "0", "--cpuset-cpus", "0", cid).ok()
    assert cgutil.read(pid, "cpuset", "cpuset.mems") == "0"
    assert cgutil.read(pid, "cpuset", "cpuset.cpus") == "0"


@pytest.mark.parametrize("field,value", [("cpus", "999"), ("mems", "63")])
def test_cpuset_refused(runtime, bundle, container_id, field, value):
    """CPUs and memory nodes the host lacks: the kernel refuses them (EINVAL)."""
    r = refused(runtime, bundle, container_id, cpu={field: value})
    names(runtime, r, "linux.resources.cpu." + field, value, "cpuset." + field)


@pytest.mark.parametrize("flag,field", [("--cpuset-cpus", "cpus"), ("--cpuset-mems", "mems")])
def test_cpuset_update_refused(runtime, bundle, flag, field):
    cid, pid = start(runtime, bundle, cpu={"cpus": "0", "mems": "0"})
    r = runtime.cmd("update", flag, "999", cid).failed()
    names(runtime, r, "linux.resources.cpu." + field, "999", "cpuset." + field)
    assert cgutil.read(pid, "cpuset", "cpuset." + field) == "0"


@pytest.mark.parametrize("shares", [1, pytest.param(262145, marks=pytest.mark.runc_differs)])
def test_cpu_shares_refused(runtime, bundle, container_id, shares):
    """Outside cpu.shares' range 2-262144: v1's kernel clamps (the runtime reads it back and
    refuses); v2's conversion to cpu.weight would clamp, ocirun refuses as on v1. runc 1.1's
    conversion overflows for 1 (the kernel refuses that cpu.weight) but turns 262145 into
    the top weight 10000."""
    if runtime.is_runc and cgutil.V2 and shares > 262144:
        cid, pid = start(runtime, bundle, cpu={"shares": shares})
        assert cgutil.read(pid, "cpu", "cpu.weight") == "10000"
        return
    r = refused(runtime, bundle, container_id, cpu={"shares": shares})
    names(runtime, r, "linux.resources.cpu.shares", shares,
          "allowed cpu-shares" if V1 else "cpu.weight")


@pytest.mark.skipif(cgutil.V2, reason="cgroup v2 has no realtime bandwidth")
def test_cpu_rt_period_update(runtime, bundle):
    if not os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_period_us"):
        pytest.skip("the kernel has no RT group scheduling")
    cid, pid = start(runtime, bundle, cpu={"realtimePeriod": 1000000, "realtimeRuntime": 0})
    assert cgutil.read(pid, "cpu", "cpu.rt_period_us") == "1000000"
    runtime.cmd("update", "--cpu-rt-period", "500000", cid).ok()
    assert cgutil.read(pid, "cpu", "cpu.rt_period_us") == "500000"


@pytest.mark.runc_differs
@pytest.mark.skipif(V1, reason="v1 has realtime bandwidth (test_cgroups.py)")
def test_cpu_realtime_refused_on_v2(runtime, bundle, container_id):
    """cgroup v2 has no RT bandwidth: asking for it fails, naming the field, rather than
    dropping the guarantee silently as runc 1.1 does."""
    if runtime.is_runc:
        start(runtime, bundle, cpu={"realtimeRuntime": 10000, "realtimePeriod": 1000000})
        return
    r = refused(runtime, bundle, container_id, cpu={"realtimeRuntime": 10000,
                                                    "realtimePeriod": 1000000})
    names(runtime, r, "linux.resources.cpu.realtime", "", "realtime")


# ---------------------------------------------------------------- block I/O


def need_block_device():
    dev = cgutil.block_device()
    if dev is None:
        pytest.skip("no block device on this host")
    return dev


def throttle_entry(dev, rate):
    major, minor = dev.split(":")
    return {"major": int(major), "minor": int(minor), "rate": rate}


THROTTLES = [("throttleReadBpsDevice", "rbps"), ("throttleWriteBpsDevice", "wbps"),
             ("throttleReadIOPSDevice", "riops"), ("throttleWriteIOPSDevice", "wiops")]


@pytest.mark.parametrize("field,key", THROTTLES)
def test_blkio_throttle(runtime, bundle, field, key):
    """v1 blkio.throttle.*_device, v2 io.max "MAJ:MIN rbps=.. wbps=.. riops=.. wiops=.."
    (the other keys stay max). runc's update does not take throttles: they stay."""
    dev = need_block_device()
    cid, pid = start(runtime, bundle, blockIO={field: [throttle_entry(dev, 1048576)]})
    assert cgutil.blkio_throttle(pid, key, dev) == 1048576
    others = [k for _, k in THROTTLES if k != key]
    assert [cgutil.blkio_throttle(pid, k, dev) for k in others] == [None, None, None]
    update_json(runtime, cid, {"blockIO": {field: [throttle_entry(dev, 2097152)]},
                               "pids": {"limit": 30}}).ok()
    assert cgutil.pids_limit(pid) == 30
    assert cgutil.blkio_throttle(pid, key, dev) == 1048576


def test_blkio_throttle_all(runtime, bundle):
    """All four on one device: one io.max line on v2."""
    dev = need_block_device()
    cid, pid = start(runtime, bundle, blockIO={
        "throttleReadBpsDevice": [throttle_entry(dev, 4096000)],
        "throttleWriteBpsDevice": [throttle_entry(dev, 2048000)],
        "throttleReadIOPSDevice": [throttle_entry(dev, 300)],
        "throttleWriteIOPSDevice": [throttle_entry(dev, 200)]})
    assert [cgutil.blkio_throttle(pid, k, dev) for _, k in THROTTLES] == \
        [4096000, 2048000, 300, 200]


@pytest.mark.runc_differs
def test_blkio_throttle_zero_is_unlimited(runtime, bundle, container_id):
    """A rate of 0 means no limit: v1 removes it, ocirun writes max to v2's io.max. runc
    1.1 writes "wbps=0" there, which the kernel refuses (ERANGE)."""
    dev = need_block_device()
    blkio = {"throttleReadBpsDevice": [throttle_entry(dev, 4096000)],
             "throttleWriteBpsDevice": [throttle_entry(dev, 0)]}
    if runtime.is_runc and cgutil.V2:
        refused(runtime, bundle, container_id, blockIO=blkio)
        return
    cid, pid = start(runtime, bundle, blockIO=blkio)
    assert [cgutil.blkio_throttle(pid, k, dev) for _, k in THROTTLES] == \
        [4096000, None, None, None]


@pytest.mark.parametrize("field,key", THROTTLES[:1] + THROTTLES[3:])
def test_blkio_throttle_no_such_device(runtime, bundle, container_id, field, key):
    """A device the host does not have: the kernel refuses it (ENODEV)."""
    r = refused(runtime, bundle, container_id,
                blockIO={field: [{"major": 4000, "minor": 4000, "rate": 1000}]})
    names(runtime, r, "linux.resources.blockIO.%s[0]" % field, "4000:4000",
          "blkio.throttle" if V1 else "io.max")


def cgroup_files(runtime, controller):
    """Files of a new container cgroup for controller (some are not on the root cgroup, and
    some only with some kernels or I/O schedulers): a plain container is asked."""
    cid, pid = runtime.start_detached(runtime.make_bundle(), "sleep", "1000")
    files = set(os.listdir(cgutil.cg_dir(pid, controller)))
    runtime.delete(cid, "--force").ok()
    return files


def scheduler(dev):
    """The active I/O scheduler of block device "MAJ:MIN"."""
    with open("/sys/dev/block/%s/queue/scheduler" % dev) as f:
        return f.read().split("[")[1].split("]")[0]


@pytest.mark.parametrize("weight", [5, 1001])
def test_blkio_weight_range(runtime, bundle, container_id, weight):
    """BFQ's weights are 1-1000; v1's blkio.weight and io.weight (converted from the
    blkio range 10-1000) take less: out of range, create fails naming the field."""
    files = cgroup_files(runtime, "blkio" if V1 else "io")
    name = next((f for f in ("blkio.bfq.weight", "blkio.weight", "io.bfq.weight", "io.weight")
                 if f in files), None)
    if name is None:
        pytest.skip("no I/O weight file (no BFQ or io.weight here)")
    if weight <= 1000 and "bfq" in name:
        cid, pid = start(runtime, bundle, blockIO={"weight": weight})
        assert cgutil.blkio_weight(pid) == (name, weight)
        return
    r = refused(runtime, bundle, container_id, blockIO={"weight": weight})
    names(runtime, r, "linux.resources.blockIO.weight", weight, name)


def test_blkio_leaf_weight(runtime, bundle, container_id):
    """v1 blkio.leaf_weight, a CFQ file (CFQ is gone since Linux 5.0): without it, create
    fails naming it (runc too). v2 has no leaf weight; both runtimes ignore it there."""
    if V1 and "blkio.leaf_weight" not in cgroup_files(runtime, "blkio"):
        r = refused(runtime, bundle, container_id, blockIO={"leafWeight": 300})
        names(runtime, r, "linux.resources.blockIO.leafWeight", 300, "blkio.leaf_weight")
        return
    cid, pid = start(runtime, bundle, blockIO={"leafWeight": 300})
    if V1:
        assert cgutil.read(pid, "blkio", "blkio.leaf_weight") == "300"


def test_blkio_weight_device(runtime, bundle, container_id):
    """Per-device weights are BFQ's (or CFQ's): v1 blkio.bfq.weight_device, v2 io.bfq.weight
    "MAJ:MIN weight" lines. For a device that another scheduler drives the kernel refuses
    them (EOPNOTSUPP) and create fails naming the field. v2 without BFQ has no file for
    them at all: ignored (ocirun warns), as runc ignores them."""
    dev = need_block_device()
    major, minor = (int(n) for n in dev.split(":"))
    entry = {"major": major, "minor": minor, "weight": 200}
    controller = "blkio" if V1 else "io"
    files = [f for f in ("blkio.bfq.weight_device", "blkio.weight_device", "io.bfq.weight")
             if f in cgroup_files(runtime, controller)]
    if files and scheduler(dev) in ("bfq", "cfq"):
        cid, pid = start(runtime, bundle, blockIO={"weightDevice": [entry]})
        assert "%s 200" % dev in cgutil.read(pid, controller, files[0]).splitlines()
    elif V1 or files:
        r = refused(runtime, bundle, container_id, blockIO={"weightDevice": [entry]})
        names(runtime, r, "linux.resources.blockIO.weightDevice[0]", "200",
              files[0] if files else "blkio.weight_device")
    else:
        start(runtime, bundle, blockIO={"weightDevice": [entry]})


# ---------------------------------------------------------------- hugetlb


def need_hugetlb(runtime):
    where = cgutil.hierarchy_of("hugetlb")
    if where is None:
        pytest.skip("no hugetlb cgroup controller on this host")
    # ocirun delegates hugetlb down from the cgroup2 root of a hybrid host, which nothing
    # else there uses: a change to the host, made only on a throw-away one.
    if (cgutil.HYBRID and where == "v2" and not runtime.is_runc and
            "hugetlb" not in cgutil.v2_subtree_control() and
            os.environ.get("OCIRUN_TEST_MAY_DELEGATE") != "1"):
        pytest.skip("hugetlb is not delegated from this hybrid host's cgroup2 root, and "
                    "enabling it would change the host (OCIRUN_TEST_MAY_DELEGATE=1 allows it)")
    sizes = cgutil.hugepage_sizes()
    if not sizes:
        pytest.skip("the kernel has no huge pages")
    return where, sizes


@pytest.mark.runc_differs
def test_hugepage_limits(runtime, bundle, container_id):
    """hugetlb.<size>.limit_in_bytes (v1) or hugetlb.<size>.max (v2, and the cgroup2 mount
    of a hybrid host, where runc 1.1 fails: its v1 driver has no hugetlb hierarchy)."""
    where, sizes = need_hugetlb(runtime)
    limits = [{"pageSize": s, "limit": (i + 2) * (2 << 20) * 512 ** (s.endswith("GB"))}
              for i, s in enumerate(sizes)]
    if runtime.is_runc and cgutil.HYBRID and where == "v2":
        refused(runtime, bundle, container_id, hugepageLimits=limits)
        return
    cid, pid = start(runtime, bundle, hugepageLimits=limits)
    for l in limits:
        assert cgutil.hugetlb_limit(pid, l["pageSize"]) == l["limit"], l
    # runc's update does not take hugepage limits: they stay
    update_json(runtime, cid, {"hugepageLimits": [{"pageSize": sizes[0], "limit": 0}]}).ok()
    assert cgutil.hugetlb_limit(pid, sizes[0]) == limits[0]["limit"]


@pytest.mark.parametrize("size", ["3MB", "2 MB"])
def test_hugepage_size_refused(runtime, bundle, container_id, size):
    need_hugetlb(runtime)
    r = refused(runtime, bundle, container_id,
                hugepageLimits=[{"pageSize": size, "limit": 4 << 20}])
    names(runtime, r, "linux.resources.hugepageLimits[0]", size, "hugetlb")


# ---------------------------------------------------------------- network, rdma


@pytest.mark.parametrize("network,controller,file,expected", [
    ({"classID": 0x100001}, "net_cls", "net_cls.classid", "1048577"),
    ({"priorities": [{"name": "lo", "priority": 5}]}, "net_prio", "net_prio.ifpriomap", "lo 5"),
])
def test_network(runtime, bundle, container_id, network, controller, file, expected):
    """v1 net_cls.classid and net_prio.ifpriomap. On v2 there are no such controllers and
    runc ignores both (ocirun warns); a v1 host without the controller mounted fails create
    naming it."""
    if V1 and not cgutil.v1_mounted(controller):
        r = refused(runtime, bundle, container_id, network=network)
        names(runtime, r, "linux.resources.network", controller, controller)
        return
    bundle.linux.setdefault("resources", {})["network"] = network
    bundle.set_args("sleep", "1000")
    r = runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    if V1:
        assert expected in cgutil.read(pid, controller, file).splitlines()
    elif not runtime.is_runc:
        assert "linux.resources.network: ignored" in r.err


def test_rdma_refused(runtime, bundle, container_id):
    """No such RDMA device (or no rdma controller at all): create fails naming it."""
    r = refused(runtime, bundle, container_id,
                rdma={"ocitest0": {"hcaHandles": 2, "hcaObjects": 10}})
    names(runtime, r, "linux.resources.rdma", "", "rdma")


def test_rdma(runtime, bundle):
    if cgutil.hierarchy_of("rdma") is None:
        pytest.skip("no rdma cgroup controller on this host")
    try:
        dev = sorted(os.listdir("/sys/class/infiniband"))[0]
    except (FileNotFoundError, IndexError):
        pytest.skip("no RDMA device on this host")
    cid, pid = start(runtime, bundle, rdma={dev: {"hcaHandles": 2, "hcaObjects": 10}})
    line = cgutil.v2_read(pid, "rdma.max") if cgutil.hierarchy_of("rdma") == "v2" else \
        cgutil.read(pid, "rdma", "rdma.max")
    assert "%s hca_handle=2 hca_object=10" % dev in line.splitlines()


# ---------------------------------------------------------------- unified


def need_v2_mount():
    if cgutil.v2_mount() is None:
        pytest.skip("no cgroup2 hierarchy on this host (pure v1)")


@pytest.mark.runc_differs
def test_unified(runtime, bundle, container_id):
    """Keys are file names of the cgroup2 directory; update -r changes them. A core file
    (cgroup.*) works on the cgroup2 mount of a hybrid host as well (runc 1.1 refuses
    `unified` on anything but a pure v2 host)."""
    need_v2_mount()
    unified = {"cgroup.max.descendants": "7"}
    if V1 and runtime.is_runc:
        r = refused(runtime, bundle, container_id, unified=unified)
        assert "cannot use unified on cgroup v1" in r.err
        return
    if cgutil.V2:
        unified["pids.max"] = "42"
    cid, pid = start(runtime, bundle, unified=unified)
    assert cgutil.v2_read(pid, "cgroup.max.descendants") == "7"
    if cgutil.V2:
        assert cgutil.pids_limit(pid) == 42
    update_json(runtime, cid, {"unified": {"cgroup.max.descendants": "9"}}).ok()
    assert cgutil.v2_read(pid, "cgroup.max.descendants") == "9"


def test_unified_overrides_named(runtime, bundle):
    """The unified map is written last: it wins over the named setting of the same file."""
    if not cgutil.V2:
        pytest.skip("needs memory in the cgroup2 hierarchy")
    cid, pid = start(runtime, bundle, memory={"limit": 64 << 20},
                     unified={"memory.max": str(96 << 20)})
    assert cgutil.memory_limit(pid) == 96 << 20


def unified_errors():
    cases = [
        ("nodot", "must be a file name of the form CONTROLLER.PARAMETER",
         "must be in the form CONTROLLER.PARAMETER"),
        ("no/such.max", "must be a file name", "must be a file name (no slashes)"),
        ("nosuch.max", "controller nosuch is not", "not available"),
        ("cgroup.max.descendants", "-3", "cgroup.max.descendants"),
    ]
    if cgutil.HYBRID:
        cases.append(("memory.max", "controller memory is not in this hybrid host's cgroup v2",
                      None))
    return cases


@pytest.mark.runc_differs
@pytest.mark.parametrize("key,words,runc_words", unified_errors())
def test_unified_refused(runtime, bundle, container_id, key, words, runc_words):
    """Bad keys and values fail create naming the key; runc's messages differ, and runc 1.1
    refuses `unified` on a hybrid host altogether."""
    need_v2_mount()
    value = "-3" if key == "cgroup.max.descendants" else "1"
    r = refused(runtime, bundle, container_id, unified={key: value})
    if runtime.is_runc:
        if V1:
            assert "cannot use unified on cgroup v1" in r.err
        elif runc_words:
            assert runc_words in r.err, r.err
        return
    # (the log quotes the key's quotes: \")
    assert "linux.resources.unified[" in r.err and key in r.err, r.err
    assert words in r.err, r.err
