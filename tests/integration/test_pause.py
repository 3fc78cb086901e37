"""pause / resume: the cgroup freezer, as state and list report it and as the processes
feel it, and what kill and delete do to a paused container."""

import json
import os
import time

import pytest

import cgutil
from conftest import pid_alive, wait_for

# As pid 1 of its namespace, sh ignores SIGTERM unless it traps it.
COUNTER = ("trap 'exit 3' TERM; "
           "i=0; while :; do i=$((i+1)); echo $i > /tmp/cnt; sleep 0.05; done")


def counter(runtime, bundle, cid=None):
    """A running container that counts in /tmp/cnt; returns (cid, pid, read_count)."""
    bundle.writable()
    cid, pid = runtime.start_detached(bundle, "sh", "-c", COUNTER, cid=cid)
    path = bundle.rootfs_path("tmp/cnt")

    def count():
        try:
            with open(path) as f:
                return int(f.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            return 0

    wait_for(lambda: count() > 0, what="the counter to start")
    return cid, pid, count


def frozen(pid):
    """The kernel's view of pid's cgroup: frozen or not."""
    if cgutil.V2:
        events = cgutil.read(pid, "", "cgroup.events")
        return "frozen 1" in events.splitlines()
    return cgutil.read(pid, "freezer", "freezer.state") == "FROZEN"


def list_status(runtime, cid):
    r = runtime.cmd("list", "--format", "json").ok()
    return {c["id"]: c["status"] for c in json.loads(r.out)}[cid]


def test_pause_resume(runtime, bundle):
    cid, pid, count = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    assert runtime.status(cid) == "paused"
    assert list_status(runtime, cid) == "paused"
    r = runtime.cmd("list").ok()
    assert [l.split()[2] for l in r.out.splitlines() if l.startswith(cid)] == ["paused"]
    assert frozen(pid)
    # nothing runs: the counter stands still
    before = count()
    time.sleep(0.5)
    assert count() == before
    runtime.cmd("resume", cid).ok()
    assert runtime.status(cid) == "running"
    assert list_status(runtime, cid) == "running"
    assert not frozen(pid)
    wait_for(lambda: count() > before + 2, what="the counter to move again")


def test_pause_created(runtime, bundle, container_id):
    """A created container can be paused and resumed too, as in runc."""
    bundle.set_args("sleep", "1000")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    runtime.cmd("pause", container_id).ok()
    assert frozen(pid)
    assert runtime.status(container_id) == "paused"
    assert list_status(runtime, container_id) == "paused"
    assert "container not running" in runtime.cmd("pause", container_id).failed().err
    r = runtime.start(container_id).failed()
    assert "cannot start a container in the paused state" in r.err
    runtime.cmd("resume", container_id).ok()
    assert not frozen(pid)
    assert runtime.status(container_id) == "created"
    runtime.start(container_id).ok()
    assert runtime.status(container_id) == "running"


def test_pause_twice(runtime, bundle):
    cid, _, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    r = runtime.cmd("pause", cid).failed()
    assert "container not running" in r.err
    assert runtime.status(cid) == "paused"


def test_resume_not_paused(runtime, bundle):
    cid, _, _ = counter(runtime, bundle)
    r = runtime.cmd("resume", cid).failed()
    assert "container not paused" in r.err
    assert runtime.status(cid) == "running"


def test_pause_stopped(runtime, bundle, container_id):
    bundle.set_args("true")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    runtime.wait_status(container_id, "stopped")
    assert "container not running" in runtime.cmd("pause", container_id).failed().err
    assert "container not paused" in runtime.cmd("resume", container_id).failed().err


@pytest.mark.parametrize("cmd", ["pause", "resume"])
def test_missing_container(runtime, cmd):
    r = runtime.cmd(cmd, "t-no-such-ctr").failed()
    assert "does not exist" in r.err


def test_kill_paused(runtime, bundle):
    """SIGKILL reaches a paused container's init (runc thaws it for that)."""
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    runtime.kill(cid, "KILL").ok()
    runtime.wait_status(cid, "stopped")
    wait_for(lambda: not pid_alive(pid), what="the init to die")
    runtime.delete(cid).ok()


def test_kill_all_paused(runtime, bundle):
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    runtime.cmd("kill", "--all", cid, "KILL").ok()
    runtime.wait_status(cid, "stopped")
    runtime.delete(cid).ok()


def test_term_paused_waits_for_resume(runtime, bundle):
    """Other signals stay pending while frozen: the container keeps its status until
    resumed, then acts on them."""
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    runtime.kill(cid, "TERM").ok()
    time.sleep(0.3)
    assert runtime.status(cid) == "paused"
    assert pid_alive(pid)
    runtime.cmd("resume", cid).ok()
    runtime.wait_status(cid, "stopped")


def test_delete_paused(runtime, bundle):
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    r = runtime.delete(cid).failed()
    assert "not stopped" in r.err
    assert runtime.status(cid) == "paused"
    runtime.delete(cid, "--force").ok()
    assert runtime.cmd("state", cid).rc != 0
    wait_for(lambda: not pid_alive(pid), what="the init to die")


def test_exec_paused(runtime, bundle):
    cid, _, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    r = runtime.cmd("exec", cid, "true").failed()
    assert "paused" in r.err


def test_ps_paused(runtime, bundle):
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    r = runtime.cmd("ps", "--format", "json", cid).ok()
    assert pid in json.loads(r.out)


def test_state_survives_pause_of_host_view(runtime, bundle):
    """The status comes from the cgroup, not from a file: thawing the cgroup behind the
    runtime's back shows as running."""
    cid, pid, _ = counter(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    if cgutil.V2:
        path = os.path.join(cgutil.cg_dir(pid, ""), "cgroup.freeze")
        value = "0"
    else:
        path = os.path.join(cgutil.cg_dir(pid, "freezer"), "freezer.state")
        value = "THAWED"
    with open(path, "w") as f:
        f.write(value)
    wait_for(lambda: runtime.status(cid) == "running", what="the status to follow the cgroup")
