"""`kill`: signal names and numbers, the default signal, --all, errors."""

import os
import random

import pytest

from conftest import pid_alive, read_text, wait_for

# Init traps three signals and exits with a code naming the one it got.
TRAPPER = ('trap "echo got-TERM; exit 11" TERM; trap "echo got-USR1; exit 12" USR1; '
           'trap "echo got-HUP; exit 13" HUP; echo ready; '
           'while :; do sleep 0.05; done')


@pytest.fixture
def trapper(runtime, bundle, container_id):
    bundle.sh(TRAPPER)
    r = runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    wait_for(lambda: "ready" in read_text(r.out_path), what="trap handlers installed")
    return container_id, r.out_path


@pytest.mark.parametrize("sig,got", [
    ("TERM", "TERM"), ("SIGTERM", "TERM"), ("15", "TERM"),
    ("USR1", "USR1"), ("SIGUSR1", "USR1"), ("10", "USR1"),
    ("HUP", "HUP"), ("SIGHUP", "HUP"), ("1", "HUP"),
    # runc upper-cases the name first, so lower case works too
    ("usr1", "USR1"), ("sigterm", "TERM"),
])
def test_kill_signal(runtime, trapper, sig, got):
    cid, out = trapper
    runtime.kill(cid, sig).ok()
    wait_for(lambda: "got-" + got in read_text(out), what="signal delivered")
    runtime.wait_status(cid, "stopped")


def test_kill_default_is_sigterm(runtime, trapper):
    cid, out = trapper
    runtime.kill(cid).ok()
    wait_for(lambda: "got-TERM" in read_text(out), what="SIGTERM delivered")
    runtime.wait_status(cid, "stopped")


@pytest.mark.parametrize("sig", ["KILL", "SIGKILL", "9"])
def test_kill_sigkill(runtime, bundle, container_id, sig):
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    runtime.kill(cid, sig).ok()
    runtime.wait_status(cid, "stopped")
    wait_for(lambda: not pid_alive(pid), what="init dead")


def test_kill_created_container(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    runtime.kill(container_id, "KILL").ok()
    runtime.wait_status(container_id, "stopped")
    wait_for(lambda: not pid_alive(pid), what="init dead")
    runtime.delete(container_id).ok()


def _pids_in_pidns(init_pid):
    ns = os.readlink("/proc/%d/ns/pid" % init_pid)
    pids = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                if os.readlink("/proc/%s/ns/pid" % e) == ns and pid_alive(int(e)):
                    pids.append(int(e))
            except OSError:
                pass
    return pids


BACKGROUND = ('trap "echo got-USR1" USR1; sleep 1000 & sleep 1001 & echo ready; '
              'while :; do sleep 0.05; done')


def _start_background(runtime, bundle, cid):
    bundle.sh(BACKGROUND)
    r = runtime.create(cid, bundle).ok()
    runtime.start(cid).ok()
    wait_for(lambda: "ready" in read_text(r.out_path), what="ready")
    pid = runtime.state(cid)["pid"]
    wait_for(lambda: len([p for p in _pids_in_pidns(pid) if b"sleep\x00100" in _cmdline(p)])
             == 2, what="both background sleeps")
    children = [p for p in _pids_in_pidns(pid) if b"sleep\x00100" in _cmdline(p)]
    return pid, children, r.out_path


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


@pytest.mark.parametrize("flag", ["--all", "-a"])
def test_kill_all_kills_every_process(runtime, bundle, container_id, flag):
    pid, children, _ = _start_background(runtime, bundle, container_id)
    runtime.cmd("kill", flag, container_id, "KILL").ok()
    for p in [pid] + children:
        wait_for(lambda: not pid_alive(p), what="pid %d dead" % p)
    runtime.wait_status(container_id, "stopped")


def test_kill_all_signals_non_init_processes(runtime, bundle, container_id):
    """USR1 with --all reaches the background processes (default action:
    die) while init, which handles it, lives on; without --all only init gets it."""
    pid, children, out = _start_background(runtime, bundle, container_id)
    runtime.kill(container_id, "USR1").ok()
    wait_for(lambda: "got-USR1" in read_text(out), what="init got USR1")
    assert all(pid_alive(p) for p in children)
    runtime.cmd("kill", "--all", container_id, "USR1").ok()
    for p in children:
        wait_for(lambda: not pid_alive(p), what="background pid %d dead" % p)
    assert pid_alive(pid)
    assert runtime.status(container_id) == "running"


def test_kill_stopped_container_fails(runtime, bundle, container_id):
    runtime.start_detached(bundle, "true", cid=container_id)
    runtime.wait_status(container_id, "stopped")
    r = runtime.kill(container_id, "KILL")
    assert r.rc == 1, r
    assert "not running" in r.err  # runc: "container not running"
    r = runtime.kill(container_id)
    assert r.rc == 1, r


@pytest.mark.parametrize("sig", ["FOO", "SIGFOO"])
def test_kill_unknown_signal(runtime, bundle, container_id, sig):
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    r = runtime.kill(cid, sig)
    assert r.rc == 1, r
    assert sig in r.err  # runc: unknown signal "FOO"
    assert pid_alive(pid) and runtime.status(cid) == "running"


def test_kill_signal_zero(runtime, bundle, container_id):
    # signal 0 checks the process exists and sends nothing
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    runtime.kill(cid, "0").ok()
    assert pid_alive(pid) and runtime.status(cid) == "running"


# ---------------------------------------------------------------- escaped processes

def _same_cgroup(pid, cgroup_text):
    try:
        with open("/proc/%d/cgroup" % pid) as f:
            return f.read() == cgroup_text
    except OSError:
        return False


def _in_cgroup_of(init_pid, cmdline):
    """Live pids in init_pid's cgroups (every hierarchy alike) running cmdline."""
    with open("/proc/%d/cgroup" % init_pid) as f:
        text = f.read()
    return [int(e) for e in os.listdir("/proc") if e.isdigit() and int(e) != init_pid
            and _same_cgroup(int(e), text) and _cmdline(int(e)) == cmdline
            and pid_alive(int(e))]


def _ppid(pid):
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def _start_with_escaped(runtime, bundle, cid):
    """A container without a pid namespace whose shell leaves an orphan behind, then becomes
    the init (exec sleep): the orphan is reparented out of the init's tree (to the host's
    init or a subreaper), so only the cgroup still says it belongs to the container. The
    sleep lengths are unique to this test run, and the orphan is found by its cgroup."""
    n = random.randrange(100000, 900000)
    bundle.remove_namespace("pid")
    bundle.sh("(sleep %d &); exec sleep %d" % (n, n + 1))
    runtime.create(cid, bundle).ok()
    runtime.start(cid).ok()
    init = runtime.state(cid)["pid"]
    wait_for(lambda: _cmdline(init) == b"sleep\x00%d\x00" % (n + 1), what="init exec'd sleep")
    orphans = wait_for(lambda: _in_cgroup_of(init, b"sleep\x00%d\x00" % n),
                       what="the orphaned sleep in the container's cgroup")
    assert len(orphans) == 1 and _ppid(orphans[0]) != init
    return init, orphans[0]


def test_kill_all_reaches_escaped_process(runtime, bundle, container_id):
    init, orphan = _start_with_escaped(runtime, bundle, container_id)
    runtime.cmd("kill", "--all", container_id, "KILL").ok()
    wait_for(lambda: not pid_alive(orphan), what="the escaped process %d dead" % orphan)
    wait_for(lambda: not pid_alive(init), what="init dead")
    runtime.wait_status(container_id, "stopped")
    runtime.delete(container_id).ok()


@pytest.mark.parametrize("flags", [(), ("--force",)], ids=["delete", "delete-force"])
def test_delete_kills_escaped_process(runtime, bundle, container_id, flags):
    """The init dies alone (kill without --all); the escaped process outlives it, and
    deleting the stopped container kills it so that its cgroup can go."""
    init, orphan = _start_with_escaped(runtime, bundle, container_id)
    runtime.kill(container_id, "KILL").ok()
    runtime.wait_status(container_id, "stopped")
    assert pid_alive(orphan)
    runtime.delete(container_id, *flags).ok()
    wait_for(lambda: not pid_alive(orphan), what="the escaped process %d dead" % orphan)
    assert runtime.cmd("state", container_id).rc != 0
