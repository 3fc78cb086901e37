"""linux.resources in real containers: each resource set in config.json reaches the
container's cgroup files (v1, hybrid or v2 alike, see cgutil), has its effect where that is
cheap to see, and `update` changes it again. Then where the cgroup is: absolute, nested,
relative and default cgroupsPath, and nothing left behind."""

import os
import random
import string

import pytest

import cgutil
from conftest import CGROUP_ROOT, pid_alive, wait_for


def add_cap(bundle, cap):
    caps = bundle.process.setdefault("capabilities", {})
    for kind in ("bounding", "effective", "permitted"):
        if cap not in caps.setdefault(kind, []):
            caps[kind].append(cap)


def with_resources(bundle, **resources):
    bundle.linux.setdefault("resources", {}).update(resources)
    return bundle


def sleeper(runtime, bundle, **resources):
    with_resources(bundle, **resources)
    return runtime.start_detached(bundle, "sleep", "1000")


def need_file(pid, controller, name):
    if not cgutil.has_file(pid, controller, name):
        pytest.skip("this kernel has no %s" % name)


def rand(n=6):
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(n))


# ---------------------------------------------------------------- memory


def test_memory(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, memory={"limit": 64 << 20, "reservation": 32 << 20,
                                                "swap": 128 << 20})
    assert cgutil.memory_limit(pid) == 64 << 20
    assert cgutil.memory_reservation(pid) == 32 << 20
    assert cgutil.memory_swap(pid) in (128 << 20, "n/a")
    runtime.cmd("update", "--memory", "100m", "--memory-reservation", "50m",
                "--memory-swap", "200m", cid).ok()
    assert cgutil.memory_limit(pid) == 100 << 20
    assert cgutil.memory_reservation(pid) == 50 << 20
    assert cgutil.memory_swap(pid) in (200 << 20, "n/a")


def test_memory_limit_oom_kills(runtime, bundle):
    """Past its limit (and with no swap to go to) a process is OOM-killed; test_events.py
    checks that `events` reports it."""
    with_resources(bundle, memory={"limit": 32 << 20, "swap": 32 << 20})
    r = runtime.sh(bundle, "dd if=/dev/zero of=/dev/null bs=64M count=1; echo rc=$?")
    assert "rc=137" in r.out, r
    r = runtime.sh(bundle, "dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null; echo rc=$?")
    assert "rc=0" in r.out, r


# ---------------------------------------------------------------- cpu


def test_cpu_shares(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, cpu={"shares": 2048})
    assert cgutil.cpu_weight_matches(pid, 2048)
    runtime.cmd("update", "--cpu-share", "512", cid).ok()
    assert cgutil.cpu_weight_matches(pid, 512)


def test_cpu_quota_period(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, cpu={"quota": 50000, "period": 100000})
    assert cgutil.cpu_quota_period(pid) == (50000, 100000)
    runtime.cmd("update", "--cpu-quota", "25000", "--cpu-period", "50000", cid).ok()
    assert cgutil.cpu_quota_period(pid) == (25000, 50000)


def test_cpu_burst(runtime, bundle):
    if runtime.is_runc and "1.1." in runtime.info.version:
        pytest.skip("runc 1.1 knows no cpu burst")
    cid, pid = sleeper(runtime, bundle, cpu={"quota": 50000, "period": 100000, "burst": 10000})
    if cgutil.cpu_burst(pid) is None:
        pytest.skip("this kernel has no cpu burst")
    assert cgutil.cpu_burst(pid) == 10000
    runtime.cmd("update", "--cpu-burst", "20000", cid).ok()
    assert cgutil.cpu_burst(pid) == 20000
    runtime.cmd("update", "--cpu-burst", "0", cid).ok()
    assert cgutil.cpu_burst(pid) == 0


def test_cpu_idle(runtime, bundle):
    if runtime.is_runc and "1.1." in runtime.info.version:
        pytest.skip("runc 1.1 ignores cpu.idle")
    cid, pid = sleeper(runtime, bundle, cpu={"idle": 1})
    need_file(pid, "cpu", "cpu.idle")
    assert cgutil.read(pid, "cpu", "cpu.idle") == "1"
    runtime.cmd("update", "--cpu-idle", "0", cid).ok()
    assert cgutil.read(pid, "cpu", "cpu.idle") == "0"
    # an idle group refuses shares: updating both must still work
    runtime.cmd("update", "--cpu-idle", "1", "--cpu-share", "300", cid).ok()
    assert cgutil.read(pid, "cpu", "cpu.idle") == "1"
    runtime.cmd("update", "--cpu-idle", "0", "--cpu-share", "300", cid).ok()
    assert cgutil.cpu_weight_matches(pid, 300)


@pytest.mark.skipif(cgutil.V2, reason="cgroup v2 has no realtime bandwidth")
def test_cpu_realtime(runtime, bundle):
    if not os.path.exists(os.path.join(CGROUP_ROOT, "cpu", "cpu.rt_runtime_us")):
        pytest.skip("the kernel has no RT group scheduling")
    cid, pid = sleeper(runtime, bundle, cpu={"realtimePeriod": 1000000,
                                             "realtimeRuntime": 10000})
    assert cgutil.read(pid, "cpu", "cpu.rt_period_us") == "1000000"
    assert cgutil.read(pid, "cpu", "cpu.rt_runtime_us") == "10000"
    runtime.cmd("update", "--cpu-rt-runtime", "20000", cid).ok()
    assert cgutil.read(pid, "cpu", "cpu.rt_runtime_us") == "20000"


def test_cpuset(runtime, bundle):
    bundle.sh("grep Cpus_allowed_list /proc/self/status; sleep 1000")
    cid, pid = sleeper(runtime, bundle, cpu={"cpus": "0", "mems": "0"})
    assert cgutil.read(pid, "cpuset", "cpuset.cpus") == "0"
    assert cgutil.read(pid, "cpuset", "cpuset.mems") == "0"
    with open("/proc/%d/status" % pid) as f:
        assert "Cpus_allowed_list:\t0\n" in f.read()
    if os.cpu_count() < 2:
        return
    runtime.cmd("update", "--cpuset-cpus", "0-1", "--cpuset-mems", "0", cid).ok()
    assert cgutil.read(pid, "cpuset", "cpuset.cpus") == "0-1"


def test_cpuset_refused(runtime, bundle, container_id):
    """A CPU the host does not have fails create, and leaves nothing behind."""
    with_resources(bundle, cpu={"cpus": "4095"})
    bundle.set_args("true")
    r = runtime.create(container_id, bundle).failed()
    assert "cpus" in r.err or "cpuset" in r.err


# ---------------------------------------------------------------- pids, blkio


def test_pids_limit(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, pids={"limit": 10})
    assert cgutil.pids_limit(pid) == 10
    runtime.cmd("update", "--pids-limit", "50", cid).ok()
    assert cgutil.pids_limit(pid) == 50
    runtime.cmd("update", "--pids-limit", "-1", cid).ok()
    assert cgutil.pids_limit(pid) is None


def test_pids_limit_stops_forks(runtime, bundle):
    with_resources(bundle, pids={"limit": 5})
    r = runtime.sh(bundle, "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; echo all-forked")
    assert "all-forked" not in r.out
    assert "fork" in r.out + r.err


def test_blkio_weight(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, blockIO={"weight": 300})
    found = cgutil.blkio_weight(pid)
    if found is None:
        pytest.skip("no I/O weight file (no BFQ or io.weight here)")
    name, value = found
    assert value == cgutil.blkio_expected(name, 300)
    runtime.cmd("update", "--blkio-weight", "700", cid).ok()
    assert cgutil.blkio_weight(pid)[1] == cgutil.blkio_expected(name, 700)


# ---------------------------------------------------------------- devices

# Major 42 is reserved for demos: no driver. Opening such a node fails with ENXIO once the
# device cgroup lets it through, and with EPERM when the device cgroup refuses it.
DEVICE_SCRIPT = """
mknod /dev/d1 c 42 1 && mknod /dev/d2 c 42 2 && mknod /dev/d3 c 42 3 || echo mknod-failed
for d in d1 d2 d3; do
  echo "$d read: $(cat /dev/$d 2>&1 >/dev/null)"
  echo "$d write: $( (echo x > /dev/$d) 2>&1)"
done
cat /dev/null && echo null-ok
"""


def device_results(out):
    res = {}
    for line in out.splitlines():
        if " read: " in line or " write: " in line:
            name, _, msg = line.partition(": ")
            res[name] = "EPERM" if "not permitted" in msg else \
                "ENXIO" if "No such device" in msg else msg
    return res


def test_devices(runtime, bundle):
    add_cap(bundle, "CAP_MKNOD")
    with_resources(bundle, devices=[
        {"allow": False, "access": "rwm"},
        {"allow": True, "type": "c", "major": 42, "minor": 1, "access": "rw"},
        {"allow": True, "type": "c", "major": 42, "minor": 3, "access": "r"},
    ])
    r = runtime.sh(bundle, DEVICE_SCRIPT)
    assert "mknod-failed" not in r.out, r
    assert "null-ok" in r.out
    assert device_results(r.out) == {
        "d1 read": "ENXIO", "d1 write": "ENXIO",
        "d2 read": "EPERM", "d2 write": "EPERM",
        "d3 read": "ENXIO", "d3 write": "EPERM",
    }, r.out


def test_devices_allow_all(runtime, bundle):
    add_cap(bundle, "CAP_MKNOD")
    with_resources(bundle, devices=[{"allow": True, "access": "rwm"}])
    r = runtime.sh(bundle, DEVICE_SCRIPT)
    assert set(device_results(r.out).values()) == {"ENXIO"}, r.out


def test_devices_not_updated(runtime, bundle):
    """update leaves the device rules alone, whatever --resources says (as runc)."""
    add_cap(bundle, "CAP_MKNOD")
    bundle.sh("sleep 1000")
    cid, pid = runtime.start_detached(bundle)
    runtime.cmd("update", "-r", "-", cid, input='{"devices": [{"allow": true, "access": "rwm"}]}').ok()
    r = runtime.cmd("exec", cid, "sh", "-c", DEVICE_SCRIPT).ok()
    assert device_results(r.out)["d1 read"] == "EPERM", r.out


# ---------------------------------------------------------------- where the cgroup is


def hierarchies():
    """Mount points of every cgroup hierarchy on this host."""
    mps = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            fstype = parts[parts.index("-") + 1]
            if fstype in ("cgroup", "cgroup2") and parts[4].startswith(CGROUP_ROOT):
                mps.append(parts[4])
    return mps


def leftovers(name):
    """Directories called name right under any hierarchy's root or the caller's cgroups."""
    found = []
    for mp in hierarchies():
        for dirpath, dirnames, _ in os.walk(mp):
            if name in dirnames:
                found.append(os.path.join(dirpath, name))
    return found


def proc_cgroups(pid):
    """controller list -> path, from /proc/<pid>/cgroup."""
    with open("/proc/%d/cgroup" % pid) as f:
        return dict(line.rstrip("\n").split(":", 2)[1:] for line in f)


def test_nested_absolute_path(runtime, bundle, container_id, cgroup_top):
    top = cgroup_top
    path = "/%s/a/b/%s" % (top, container_id)
    bundle.linux["cgroupsPath"] = path
    cid, pid = sleeper(runtime, bundle, pids={"limit": 20})
    cgroups = proc_cgroups(pid)
    assert all(p == path for c, p in cgroups.items()), cgroups
    assert cgutil.pids_limit(pid) == 20
    runtime.cmd("update", "--pids-limit", "30", cid).ok()
    assert cgutil.pids_limit(pid) == 30
    runtime.delete(cid, "--force").ok()
    # The leaf goes with the container. Its parents stay, as with runc: the runtime cannot
    # tell whether other cgroups use them by then.
    assert not os.path.exists(cgutil.CGROUP_ROOT + ("" if cgutil.V2 else "/pids") + path)
    remove_tree_of(top)


def remove_tree_of(name):
    for d in sorted(leftovers(name), key=len, reverse=True):
        for dirpath, _, _ in sorted(os.walk(d), key=lambda t: len(t[0]), reverse=True):
            os.rmdir(dirpath)
    assert leftovers(name) == []


@pytest.fixture
def cgroup_top(runtime):
    """A fresh top-level cgroup name; whatever a failing test left under it goes (its
    containers first)."""
    name = "ocitest-%s" % rand()
    yield name
    if leftovers(name):
        for cid in list(runtime.ids):
            runtime.cmd("delete", "--force", cid, timeout=10)
        remove_tree_of(name)


def test_relative_path(runtime, bundle, container_id):
    """Relative to the caller's cgroup in each hierarchy (which on a hybrid host may differ
    between controllers), as runc's cgroupfs driver resolves it."""
    rel = "rel-%s/%s" % (rand(), container_id)
    bundle.linux["cgroupsPath"] = rel
    cid, pid = sleeper(runtime, bundle, memory={"limit": 48 << 20})
    for ctrl in ("memory", "pids", "cpu"):
        own = cgutil.own_cgroup(ctrl)
        got = cgutil.own_cgroup(ctrl, pid)
        if own is None:
            continue
        assert got == (own.rstrip("/") + "/" + rel), (ctrl, own, got)
    assert cgutil.memory_limit(pid) == 48 << 20
    runtime.delete(cid, "--force").ok()
    assert not os.path.exists(cgutil.CGROUP_ROOT + ("" if cgutil.V2 else "/memory") +
                              cgutil.own_cgroup("memory").rstrip("/") + "/" + rel)
    remove_tree_of(rel.split("/")[0])


def test_default_path(runtime, bundle):
    """No cgroupsPath: "<own>/<id>" per hierarchy on v1 and hybrid, "/<id>" on v2."""
    cid, pid = sleeper(runtime, bundle)
    for ctrl in ("memory", "pids"):
        got = cgutil.own_cgroup(ctrl, pid)
        if cgutil.V2:
            assert got == "/" + cid
        else:
            own = cgutil.own_cgroup(ctrl)
            assert got == own.rstrip("/") + "/" + cid, (ctrl, own, got)


def test_init_joins_its_cgroup_itself(runtime, bundle):
    """The init places itself before it runs anything else (create logs how with --debug):
    clone3's CLONE_INTO_CGROUP on cgroup v2 (and a hybrid host's unified mount), "0"
    written to each v1 hierarchy's tasks file, which unlike the parent writing the init's
    pid does not wait for an RCU grace period."""
    if runtime.is_runc:
        pytest.skip("ocirun's --debug log")
    cid = runtime.new_id()
    bundle.set_args("sleep", "1000")
    r = runtime.create(cid, bundle, global_args=("--debug",)).ok()
    hybrid = not cgutil.V2 and os.path.ismount(CGROUP_ROOT + "/unified")
    method = {(True, False): "CLONE_INTO_CGROUP", (False, True): "CLONE_INTO_CGROUP and v1 tasks",
              (False, False): "v1 tasks"}[(cgutil.V2, hybrid)]
    assert "the init joins by %s\"" % method in r.err, r.err
    pid = runtime.state(cid)["pid"]
    for ctrl, path in proc_cgroups(pid).items():
        assert path.endswith("/" + cid), (ctrl, path)


def test_double_fork_init_in_cgroup(runtime, bundle, holder):
    """A namespace joined by path and a new pid namespace: an intermediate process joins
    the cgroup and forks the init, which is in the container's cgroup everywhere and alone
    there."""
    p = holder.spawn(["unshare", "--net", "sleep", "300"])
    ns = "/proc/%d/ns/net" % p.pid
    wait_for(lambda: os.readlink(ns) != os.readlink("/proc/self/ns/net"), what="holder unshared")
    bundle.add_namespace("network", ns)
    cid, pid = sleeper(runtime, bundle, pids={"limit": 10})
    cgroups = proc_cgroups(pid)
    assert all(path.endswith("/" + cid) for path in cgroups.values()), cgroups
    assert cgutil.read(pid, "pids", "pids.current").strip() == "1"


def test_same_cgroup_for_exec(runtime, bundle):
    """A process exec'd into the container lands in the container's cgroups, all of them:
    it sees the same /proc/<pid>/cgroup as the init."""
    cid, pid = sleeper(runtime, bundle)
    r = runtime.cmd("exec", cid, "sh", "-c", "cat /proc/1/cgroup; echo --; cat /proc/self/cgroup").ok()
    init, own = r.out.split("--\n")
    assert init == own


def test_shared_cgroup(runtime, bundle, container_id, cgroup_top):
    """A cgroupsPath that already holds processes (another container's) is joined with
    runc's warning; deleting the second container spares the first one's processes."""
    top = cgroup_top
    bundle.linux["cgroupsPath"] = "/%s/%s" % (top, container_id)
    first, pid1 = sleeper(runtime, bundle)
    bundle.set_args("sleep", "1000")
    second = runtime.new_id()
    r = runtime.create(second, bundle).ok()
    assert "container's cgroup is not empty: 1 process(es) found" in r.err
    runtime.start(second).ok()
    pid2 = runtime.state(second)["pid"]
    assert proc_cgroups(pid2) == proc_cgroups(pid1)
    runtime.delete(second, "--force").ok()
    assert runtime.status(first) == "running"
    assert pid_alive(pid1)
    runtime.delete(first, "--force").ok()
    remove_tree_of(top)


def test_frozen_cgroup_refused(runtime, bundle, container_id, cgroup_top):
    """A frozen pre-existing cgroup would hang the init: create refuses it (runc's words),
    leaves no state, and does not touch the processes already there."""
    top = cgroup_top
    bundle.linux["cgroupsPath"] = "/%s/%s" % (top, container_id)
    first, pid1 = sleeper(runtime, bundle)
    runtime.cmd("pause", first).ok()
    second = runtime.new_id()
    r = runtime.create(second, bundle).failed()
    assert "container's cgroup unexpectedly frozen" in r.err
    assert not os.path.exists(os.path.join(runtime.root, second))
    assert runtime.status(first) == "paused"
    runtime.cmd("resume", first).ok()
    assert pid_alive(pid1)
    runtime.delete(first, "--force").ok()
    remove_tree_of(top)
