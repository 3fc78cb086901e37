"""`update`: runc's flags and --resources, what reaches the cgroup, what is stored, errors.

Each resource is also covered in test_cgroups.py (set in config.json, then updated); here
the command itself: value syntax, merging with what was there, persistence, refusals.
"""

import json
import os

import pytest

import cgutil


def stored_resources(runtime, cid):
    """linux.resources of the container's stored config.json (ocirun keeps it there)."""
    with open(os.path.join(runtime.root, cid, "config.json")) as f:
        return json.load(f).get("linux", {}).get("resources", {})


def add_cap(bundle, cap):
    caps = bundle.process.setdefault("capabilities", {})
    for kind in ("bounding", "effective", "permitted"):
        if cap not in caps.setdefault(kind, []):
            caps[kind].append(cap)


def sleeper(runtime, bundle, **resources):
    """A running container with the given linux.resources; returns (cid, pid)."""
    if resources:
        bundle.linux.setdefault("resources", {}).update(resources)
    return runtime.start_detached(bundle, "sleep", "1000")


def skip_on_old_runc(runtime, what):
    if runtime.is_runc and "1.1." in runtime.info.version:
        pytest.skip("runc 1.1 has no %s" % what)


# ---------------------------------------------------------------- values


@pytest.mark.parametrize("value,expected", [
    ("67108864", 67108864),
    ("512m", 512 << 20),
    ("1g", 1 << 30),
    ("1.5g", 3 << 29),
    ("24M", 24 << 20),
    ("10 MiB", 10 << 20),
    ("65536kb", 64 << 20),
])
def test_memory_units(runtime, bundle, value, expected):
    cid, pid = sleeper(runtime, bundle)
    runtime.cmd("update", "--memory", value, cid).ok()
    assert cgutil.memory_limit(pid) == expected
    if not runtime.is_runc:
        assert stored_resources(runtime, cid)["memory"]["limit"] == expected


@pytest.mark.parametrize("flag,value,words", [
    ("--memory", "abc", "invalid size"),
    ("--memory", "-2", "invalid size"),
    ("--memory", "12x", "invalid size"),
    ("--memory-swap", "1q", "invalid size"),
    ("--memory-reservation", "m", "invalid size"),
    ("--cpu-quota", "1.5", "cpu-quota"),
    ("--cpu-period", "-5", "cpu-period"),
    ("--cpu-rt-period", "x", "cpu-rt-period"),
    ("--pids-limit", "abc", "pids-limit"),
    ("--blkio-weight", "ten", "blkio-weight"),
])
def test_invalid_values(runtime, bundle, flag, value, words):
    cid, pid = sleeper(runtime, bundle, memory={"limit": 64 << 20})
    r = runtime.cmd("update", flag, value, cid).failed()
    assert words in r.err
    assert cgutil.memory_limit(pid) == 64 << 20
    if not runtime.is_runc:
        assert stored_resources(runtime, cid)["memory"] == {"limit": 64 << 20}


def test_memory_unlimited_lifts_swap(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, memory={"limit": 64 << 20, "swap": 64 << 20})
    assert cgutil.memory_limit(pid) == 64 << 20
    runtime.cmd("update", "--memory", "-1", cid).ok()
    assert cgutil.memory_limit(pid) is None
    assert cgutil.memory_swap(pid) in (None, "n/a")
    if not runtime.is_runc:
        assert stored_resources(runtime, cid)["memory"] == {"limit": -1, "swap": -1}


def test_memory_and_swap_grow_and_shrink(runtime, bundle):
    """The kernel wants memory <= memory+swap at every write: both orders must work."""
    cid, pid = sleeper(runtime, bundle, memory={"limit": 32 << 20, "swap": 32 << 20})
    if cgutil.memory_swap(pid) == "n/a":
        pytest.skip("no swap accounting on this kernel")
    runtime.cmd("update", "--memory", "128m", "--memory-swap", "256m", cid).ok()
    assert (cgutil.memory_limit(pid), cgutil.memory_swap(pid)) == (128 << 20, 256 << 20)
    runtime.cmd("update", "--memory", "48m", "--memory-swap", "48m", cid).ok()
    assert (cgutil.memory_limit(pid), cgutil.memory_swap(pid)) == (48 << 20, 48 << 20)


def test_zero_leaves_value_alone(runtime, bundle):
    """As runc: 0 for a limit, shares, quota or pids limit means "no change"."""
    cid, pid = sleeper(runtime, bundle, memory={"limit": 64 << 20}, pids={"limit": 40},
                       cpu={"shares": 512})
    runtime.cmd("update", "--memory", "0", "--pids-limit", "0", "--cpu-share", "0", cid).ok()
    assert cgutil.memory_limit(pid) == 64 << 20
    assert cgutil.pids_limit(pid) == 40
    assert cgutil.cpu_weight_matches(pid, 512)


def test_period_alone_keeps_quota(runtime, bundle):
    """quota and period are written together: updating one keeps the other."""
    cid, pid = sleeper(runtime, bundle, cpu={"quota": 20000, "period": 100000})
    runtime.cmd("update", "--cpu-period", "50000", cid).ok()
    assert cgutil.cpu_quota_period(pid) == (20000, 50000)
    runtime.cmd("update", "--cpu-quota", "30000", cid).ok()
    assert cgutil.cpu_quota_period(pid) == (30000, 50000)
    runtime.cmd("update", "--cpu-quota", "-1", cid).ok()
    assert cgutil.cpu_quota_period(pid) == (None, 50000)


def test_cpu_shares_alias(runtime, bundle):
    """runc spells it --cpu-share; --cpu-shares (docker's word) is accepted too."""
    if runtime.is_runc:
        pytest.skip("runc has only --cpu-share")
    cid, pid = sleeper(runtime, bundle)
    runtime.cmd("update", "--cpu-shares", "300", cid).ok()
    assert cgutil.cpu_weight_matches(pid, 300)


# ---------------------------------------------------------------- what is kept


def test_updates_accumulate(runtime, bundle):
    """Each update changes only what it names; earlier updates stay, in the cgroup and in
    the stored config, and the container still works (exec reads that config)."""
    cid, pid = sleeper(runtime, bundle, pids={"limit": 50})
    runtime.cmd("update", "--memory", "96m", cid).ok()
    runtime.cmd("update", "--cpu-share", "256", cid).ok()
    runtime.cmd("update", "--pids-limit", "60", cid).ok()
    assert cgutil.memory_limit(pid) == 96 << 20
    assert cgutil.cpu_weight_matches(pid, 256)
    assert cgutil.pids_limit(pid) == 60
    if not runtime.is_runc:
        res = stored_resources(runtime, cid)
        assert res["memory"]["limit"] == 96 << 20
        assert res["cpu"]["shares"] == 256
        assert res["pids"]["limit"] == 60
        # the rest of the config is untouched
        assert any(d.get("allow") is False for d in res["devices"])
    r = runtime.cmd("exec", cid, "echo", "still-here").ok()
    assert r.out.strip() == "still-here"


def test_failed_update_changes_nothing(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, memory={"limit": 64 << 20}, pids={"limit": 50})
    r = runtime.cmd("update", "--pids-limit", "70", "--cpuset-cpus", "4095", cid).failed()
    assert "cpus" in r.err or "cpuset" in r.err
    assert cgutil.memory_limit(pid) == 64 << 20
    if not runtime.is_runc:
        # runc 1.1 on cgroup v2 writes pids before cpuset and leaves it changed
        assert cgutil.pids_limit(pid) == 50
        res = stored_resources(runtime, cid)
        assert res["pids"] == {"limit": 50}
        assert "cpus" not in res.get("cpu", {})


# ---------------------------------------------------------------- --resources


def test_resources_file(runtime, bundle):
    cid, pid = sleeper(runtime, bundle, pids={"limit": 50})
    path = os.path.join(runtime.workdir, "res.json")
    with open(path, "w") as f:
        json.dump({"memory": {"limit": 80 << 20}, "cpu": {"shares": 700},
                   "pids": {"limit": 90}}, f)
    # the flags are ignored when --resources is given
    runtime.cmd("update", "--resources", path, "--memory", "16m", cid).ok()
    assert cgutil.memory_limit(pid) == 80 << 20
    assert cgutil.cpu_weight_matches(pid, 700)
    assert cgutil.pids_limit(pid) == 90


def test_resources_stdin(runtime, bundle):
    add_cap(bundle, "CAP_MKNOD")
    cid, pid = sleeper(runtime, bundle)
    doc = {"memory": {"limit": 72 << 20}, "pids": {"limit": 33},
           # what engines send along and update leaves alone, as runc
           "devices": [{"allow": True, "access": "rwm"}]}
    runtime.cmd("update", "-r", "-", cid, input=json.dumps(doc)).ok()
    assert cgutil.memory_limit(pid) == 72 << 20
    assert cgutil.pids_limit(pid) == 33
    # the device rules did not change: a device outside them stays denied (EPERM from the
    # device cgroup; allowed, it would be ENXIO, as major 42 has no driver)
    r = runtime.cmd("exec", cid, "sh", "-c", "mknod /dev/x c 42 0 && cat /dev/x 2>&1; true")
    assert "Operation not permitted" in r.out


@pytest.mark.parametrize("doc,words", [
    ('{"memory": {"limit": "x"}}', "limit"),
    ('{"pids": {"limit": 5}', ""),
    ('[]', ""),
])
def test_resources_invalid(runtime, bundle, doc, words):
    cid, pid = sleeper(runtime, bundle, pids={"limit": 50})
    r = runtime.cmd("update", "-r", "-", cid, input=doc).failed()
    assert words in r.err
    assert cgutil.pids_limit(pid) == 50


def test_resources_missing_file(runtime, bundle):
    cid, _ = sleeper(runtime, bundle)
    r = runtime.cmd("update", "-r", "/nonexistent/res.json", cid).failed()
    assert "/nonexistent/res.json" in r.err


# ---------------------------------------------------------------- obsolete and unsupported


def test_kernel_memory_ignored(runtime, bundle):
    """runc warns and ignores the obsolete kernel memory flags."""
    cid, pid = sleeper(runtime, bundle)
    r = runtime.cmd("update", "--kernel-memory", "64m", "--pids-limit", "20", cid).ok()
    assert "Kernel memory settings are ignored" in r.err
    assert cgutil.pids_limit(pid) == 20
    r = runtime.cmd("update", "--kernel-memory-tcp", "64m", cid).ok()
    assert "ignored" in r.err


@pytest.mark.parametrize("flag,words", [
    ("--l3-cache-schema", "Intel RDT/CAT"),
    ("--mem-bw-schema", "Intel RDT/MBA"),
])
def test_intel_rdt_refused(runtime, bundle, flag, words):
    if os.path.exists("/sys/fs/resctrl/info") and runtime.is_runc:
        pytest.skip("this host has Intel RDT: runc would apply it")
    cid, _ = sleeper(runtime, bundle)
    r = runtime.cmd("update", flag, "L3:0=f", cid).failed()
    assert words in r.err


# ---------------------------------------------------------------- container states


def test_created_container(runtime, bundle, container_id):
    bundle.set_args("sleep", "1000")
    runtime.create(container_id, bundle).ok()
    runtime.cmd("update", "--pids-limit", "25", container_id).ok()
    pid = runtime.state(container_id)["pid"]
    assert cgutil.pids_limit(pid) == 25
    runtime.start(container_id).ok()
    assert cgutil.pids_limit(pid) == 25


def test_paused_container(runtime, bundle):
    cid, pid = sleeper(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    runtime.cmd("update", "--memory", "40m", cid).ok()
    assert cgutil.memory_limit(pid) == 40 << 20
    assert runtime.status(cid) == "paused"
    runtime.cmd("resume", cid).ok()


def test_stopped_container(runtime, bundle, container_id):
    bundle.set_args("true")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    runtime.wait_status(container_id, "stopped")
    r = runtime.cmd("update", "--memory", "40m", container_id).failed()
    assert "container not running" in r.err


def test_missing_container(runtime):
    r = runtime.cmd("update", "--memory", "40m", "t-no-such-ctr").failed()
    assert "does not exist" in r.err


def test_argument_count(runtime, bundle):
    cid, _ = sleeper(runtime, bundle)
    runtime.cmd("update", "--memory", "40m").failed()
    runtime.cmd("update", "--memory", "40m", cid, "extra").failed()
