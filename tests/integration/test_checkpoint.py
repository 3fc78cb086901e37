"""checkpoint and restore with CRIU (issue 9), against runc's CLI and behaviour.

criu 3.17 cannot start on the team's host kernel (`criu check` fails its vDSO check), so the
tests that run criu skip there with that reason; they run in the VM (scripts/vm-tests.sh,
cgroup v2, Debian's 6.1 kernel), where `criu check` passes.  The refusals that come before
criu runs (unknown container, wrong state, bad flags, a criu binary that is not there) are
checked everywhere.

Containers that are checkpointed must not hold files of the host outside their mounts:
criu cannot dump a regular file it finds in no mount of the container ("Can't lookup
mount"), and the runtime commands of conftest write to such files.  So the container
processes here replace their stdio with /dev/null first, or get pipes (which runc hands to
criu as external and reconnects on restore).
"""

import json
import os
import re
import select
import shutil
import subprocess
import time

import pytest

import cgutil
from conftest import CGROUP_ROOT, pid_alive, read_text, wait_for
from test_terminal import ConsoleSocket, Term

# One checkpoint or restore in the VM takes seconds (software emulation); give each runtime
# command of them far more than conftest's 20 s.
CR_TIMEOUT = 240
# How long to wait for a container's progress (a counter moving on) in the VM.
PROGRESS_TIMEOUT = 90

# A per-test bound for the slow VM; vm-tests.sh's -o timeout does not override markers.
SLOW = pytest.mark.timeout(600)
QUICK = pytest.mark.timeout(300)


# --------------------------------------------------------------------------
# criu available?
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def criu_unusable():
    """None when `criu check` passes here, else why not (checked once per session)."""
    criu = shutil.which("criu") or "/usr/sbin/criu"
    if not os.access(criu, os.X_OK):
        return "criu is not installed (apt-get install criu)"
    try:
        p = subprocess.run([criu, "check"], stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "`criu check` timed out"
    if p.returncode != 0:
        lines = [l for l in (p.stdout + p.stderr).splitlines() if l.strip()]
        why = next((l for l in lines if "Error" in l), lines[-1] if lines else
                   "exit %d" % p.returncode)
        return ("`criu check` fails on this kernel (%s): the checkpoint/restore tests run in "
                "the VM, scripts/vm-tests.sh" % why)
    return None


@pytest.fixture
def criu(criu_unusable):
    if criu_unusable:
        pytest.skip(criu_unusable)


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


COUNTER = ("exec </dev/null >/dev/null 2>&1; i=0; "
           "while :; do i=$((i+1)); echo $i >> /tmp/count; sleep 0.2; done")


def counter_bundle(bundle):
    """A container counting into /tmp/count of its (writable) rootfs; the count lives only in
    the shell's memory, so a restored process that went on from where it was writes the next
    number, and one started afresh writes 1 again."""
    bundle.writable().sh(COUNTER)
    return bundle


def counts(bundle):
    text = read_text(bundle.rootfs_path("/tmp/count"))
    return [int(l) for l in text.split("\n")[:-1] if l.strip()]


def wait_count(bundle, at_least, what="the counter"):
    return wait_for(lambda: len(counts(bundle)) >= at_least and counts(bundle),
                    timeout=PROGRESS_TIMEOUT, interval=0.2,
                    what="%s to reach %d" % (what, at_least))


def assert_consecutive(values):
    assert values == list(range(1, len(values) + 1)), \
        "the count restarted or skipped: %r" % values


def checkpoint(runtime, cid, image, *flags, global_args=()):
    return runtime.cmd("checkpoint", "--image-path", image, *flags, cid, timeout=CR_TIMEOUT,
                       global_args=global_args)


def restore(runtime, cid, bundle, image, *flags, global_args=()):
    bundle.save()
    return runtime.cmd("restore", "-d", "--image-path", image, "--bundle", bundle.path,
                       *flags, cid, timeout=CR_TIMEOUT, global_args=global_args)


def image_dir(runtime, name="image"):
    return os.path.join(runtime.workdir, name)


def cgroups_named(cid):
    found = []
    for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
        if cid in dirnames:
            found.append(os.path.join(dirpath, cid))
    return found


def assert_gone(runtime, cid, pid=None):
    """The container is no more: as runc leaves one it checkpointed without
    --leave-running, or one whose restore failed."""
    r = runtime.cmd("state", cid)
    assert r.rc != 0 and "does not exist" in r.err, r
    assert cid not in runtime.cmd("list", "-q").ok().out.split()
    assert not os.path.exists(os.path.join(runtime.root, cid))
    assert cgroups_named(cid) == []
    if pid:
        wait_for(lambda: not pid_alive(pid), what="pid %d to be gone" % pid)


def assert_running(runtime, cid, pid):
    st = runtime.state(cid)
    assert st["status"] == "running" and st["pid"] == pid, st
    assert pid_alive(pid)


def start_counter(runtime, bundle, cid=None):
    cid, pid = runtime.start_detached(counter_bundle(bundle), cid=cid)
    wait_count(bundle, 3)
    return cid, pid


def cgroup_paths(pid):
    with open("/proc/%d/cgroup" % pid) as f:
        return [l.rstrip("\n").split(":", 2)[2] for l in f]


# --------------------------------------------------------------------------
# A counter checkpointed and restored
# --------------------------------------------------------------------------


@SLOW
def test_counter_continues_after_restore(runtime, bundle, container_id, criu):
    cid, pid = start_counter(runtime, bundle, container_id)
    image, work = image_dir(runtime), image_dir(runtime, "work")
    checkpoint(runtime, cid, image, "--work-path", work).ok()
    # runc destroys a container it checkpointed without --leave-running.
    assert_gone(runtime, cid, pid)
    before = counts(bundle)
    time.sleep(1)
    assert counts(bundle) == before, "the counter went on after the checkpoint"
    assert_consecutive(before)
    # criu's images, and runc's record of the init's stdio, in the image directory;
    # criu's log in the work directory.
    files = os.listdir(image)
    assert "inventory.img" in files and "descriptors.json" in files, files
    assert any(f.startswith("pages-") for f in files), files
    desc = json.loads(read_text(os.path.join(image, "descriptors.json")))
    assert isinstance(desc, list) and len(desc) == 3, desc
    assert os.path.getsize(os.path.join(work, "dump.log")) > 0
    assert "dump.log" not in files

    work2 = image_dir(runtime, "work2")
    restore(runtime, cid, bundle, image, "--work-path", work2).ok()
    st = runtime.state(cid)
    assert st["status"] == "running" and st["id"] == cid, st
    assert st["bundle"] == bundle.path
    assert pid_alive(st["pid"])
    assert os.path.getsize(os.path.join(work2, "restore.log")) > 0
    after = wait_count(bundle, len(before) + 3, "the restored counter")
    assert_consecutive(after)
    # The restored init is in its container's cgroup.
    assert any(cid in p for p in cgroup_paths(st["pid"])), cgroup_paths(st["pid"])


@SLOW
def test_checkpoint_restore_twice(runtime, bundle, container_id, criu):
    """A restored container checkpoints and restores again (runc's simple_cr does two
    rounds)."""
    cid, _ = start_counter(runtime, bundle, container_id)
    n = 0
    for i in range(2):
        image = image_dir(runtime, "image%d" % i)
        checkpoint(runtime, cid, image).ok()
        assert_gone(runtime, cid)
        n = len(counts(bundle))
        restore(runtime, cid, bundle, image).ok()
        assert runtime.status(cid) == "running"
        assert_consecutive(wait_count(bundle, n + 2, "the restored counter"))


@SLOW
def test_leave_running(runtime, bundle, container_id, criu):
    cid, pid = start_counter(runtime, bundle, container_id)
    n_before = len(counts(bundle))
    image = image_dir(runtime)
    checkpoint(runtime, cid, image, "--leave-running").ok()
    n_after = len(counts(bundle))
    assert "inventory.img" in os.listdir(image)
    # Still running, the same process, still counting (not left frozen).
    assert_running(runtime, cid, pid)
    wait_count(bundle, n_after + 2, "the counter after --leave-running")
    # The image restores: stop the original, then the restored process goes on from the
    # value it had at the checkpoint.
    runtime.kill(cid, "KILL").ok()
    runtime.wait_status(cid, "stopped")
    runtime.delete(cid).ok()
    os.unlink(bundle.rootfs_path("/tmp/count"))
    restore(runtime, cid, bundle, image).ok()
    first = wait_count(bundle, 2, "the restored counter")[0]
    assert n_before + 1 <= first <= n_after + 1, (n_before, n_after, counts(bundle))


@SLOW
def test_pre_dump_then_dump_with_parent(runtime, bundle, container_id, criu):
    cid, pid = start_counter(runtime, bundle, container_id)
    parent, image = image_dir(runtime, "parent"), image_dir(runtime, "image")
    checkpoint(runtime, cid, parent, "--pre-dump").ok()
    # A pre-dump leaves the container running.
    assert_running(runtime, cid, pid)
    assert os.listdir(parent)
    n = len(counts(bundle))
    wait_count(bundle, n + 2, "the counter after the pre-dump")
    # --parent-path is relative to the image directory, as criu takes it.
    checkpoint(runtime, cid, image, "--parent-path", "../parent").ok()
    assert_gone(runtime, cid, pid)
    assert os.readlink(os.path.join(image, "parent")) == "../parent"
    n = len(counts(bundle))
    restore(runtime, cid, bundle, image).ok()
    assert runtime.status(cid) == "running"
    assert_consecutive(wait_count(bundle, n + 3, "the restored counter"))


@QUICK
def test_parent_path_must_be_relative(runtime, bundle, container_id):
    """Refused before criu runs (so checked on any host); the container runs on."""
    cid, pid = runtime.start_detached(bundle, "sleep", "1000", cid=container_id)
    r = checkpoint(runtime, cid, image_dir(runtime), "--parent-path",
                   image_dir(runtime, "parent")).failed()
    assert "parent-path" in r.err and "relative" in r.err, r
    assert_running(runtime, cid, pid)


# --------------------------------------------------------------------------
# Restore into a new id; the restored container as any other
# --------------------------------------------------------------------------


@SLOW
@pytest.mark.runc_differs
def test_restore_into_new_id(runtime, bundle, container_id, criu):
    """The restored container is the new id's in every way: state, list, pid file, its own
    cgroup with the config's resources, exec, ps, kill, delete.  runc 1.1 on cgroup v2 gets
    the cgroup wrong: criu puts the restored processes back into the checkpointed id's
    cgroup (creating it again), runc's cgroup for the new id stays empty, so `ps` shows
    nothing and the old cgroup is left behind after delete."""
    bundle.linux.setdefault("resources", {})["pids"] = {"limit": 100}
    cid, pid = start_counter(runtime, bundle, container_id)
    image = image_dir(runtime)
    checkpoint(runtime, cid, image).ok()
    assert_gone(runtime, cid, pid)
    n = len(counts(bundle))
    new = runtime.new_id("new")
    pidfile = os.path.join(runtime.workdir, "restored.pid")
    restore(runtime, new, bundle, image, "--pid-file", pidfile).ok()
    st = runtime.state(new)
    assert st["status"] == "running" and st["id"] == new, st
    rpid = st["pid"]
    assert int(read_text(pidfile)) == rpid
    assert_consecutive(wait_count(bundle, n + 2, "the restored counter"))
    ids = runtime.cmd("list", "-q").ok().out.split()
    assert new in ids and cid not in ids
    paths = cgroup_paths(rpid)
    runc_old_cgroup = runtime.is_runc and any(p.endswith("/" + cid) for p in paths)
    if not runc_old_cgroup:
        # Its cgroup is the new id's, with the config's limit; the old one's is gone.
        assert any(new in p for p in paths) and not any(cid in p for p in paths), paths
        assert cgroups_named(cid) == []
        assert cgutil.read(rpid, "pids", "pids.max") == "100"
    # exec joins the restored namespaces.
    r = runtime.cmd("exec", new, "sh", "-c", "readlink /proc/self/ns/pid; cat /proc/1/cmdline",
                    timeout=CR_TIMEOUT).ok()
    ns, cmdline = r.out.split("\n", 1)
    assert ns == os.readlink("/proc/%d/ns/pid" % rpid)
    assert "/tmp/count" in cmdline
    r = runtime.cmd("ps", new, timeout=CR_TIMEOUT).ok()
    if not runc_old_cgroup:
        assert str(rpid) in r.out.split(), r
    # kill, state, delete
    runtime.kill(new, "KILL").ok()
    runtime.wait_status(new, "stopped", timeout=PROGRESS_TIMEOUT)
    wait_for(lambda: not pid_alive(rpid), what="the restored init to die")
    runtime.delete(new).ok()
    if runc_old_cgroup:
        for cg in cgroups_named(cid):
            wait_for(lambda: _try_rmdir(cg), what="runc's stray cgroup %s to go" % cg)
    assert_gone(runtime, new)


def _try_rmdir(path):
    try:
        os.rmdir(path)
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


@QUICK
def test_restore_into_existing_id_refused(runtime, bundle, container_id):
    """An id in use is refused before criu runs; the running container is untouched."""
    cid, pid = runtime.start_detached(bundle, "sleep", "1000", cid=container_id)
    os.makedirs(image_dir(runtime))
    r = restore(runtime, cid, bundle, image_dir(runtime)).failed()
    assert "exists" in r.err, r
    assert_running(runtime, cid, pid)


# --------------------------------------------------------------------------
# stdio: pipes are reconnected, a terminal goes to the new console socket
# --------------------------------------------------------------------------


class Pipes:
    """stdin and stdout/stderr pipes for a runtime command whose container inherits them."""

    def __init__(self):
        self.in_r, self.in_w = os.pipe()
        self.out_r, self.out_w = os.pipe()
        self.buf = b""

    def spawn(self, argv):
        p = subprocess.Popen(argv, stdin=self.in_r, stdout=self.out_w, stderr=self.out_w)
        # Only the container holds the far ends now.
        os.close(self.in_r)
        os.close(self.out_w)
        self.in_r = self.out_w = None
        return p

    def send(self, text):
        os.write(self.in_w, text.encode())

    def expect(self, text, timeout=PROGRESS_TIMEOUT):
        deadline = time.monotonic() + timeout
        while text.encode() not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; got %r" % (text, self.buf))
            r, _, _ = select.select([self.out_r], [], [], left)
            if r:
                data = os.read(self.out_r, 4096)
                if not data:
                    raise AssertionError("pipe closed waiting for %r; got %r" % (text, self.buf))
                self.buf += data
        return self.buf.decode(errors="replace")

    def close(self):
        for fd in (self.in_r, self.in_w, self.out_r, self.out_w):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass


@pytest.fixture
def pipes():
    made = []

    def make():
        p = Pipes()
        made.append(p)
        return p
    yield make
    for p in made:
        p.close()


@SLOW
def test_stdio_pipes_reconnected(runtime, bundle, container_id, criu, pipes):
    """A detached container on the caller's pipes: runc records them in descriptors.json and
    hands its own stdio to criu for them on restore, so the restored process talks on the
    restoring command's pipes."""
    bundle.sh("while read l; do echo \"pong $l\"; done").save()
    p1 = pipes()
    proc = p1.spawn(runtime.argv("run", "-d", "--bundle", bundle.path, container_id))
    assert proc.wait(timeout=CR_TIMEOUT) == 0, p1.buf
    p1.send("one\n")
    p1.expect("pong one")
    image = image_dir(runtime)
    checkpoint(runtime, container_id, image).ok()
    desc = json.loads(read_text(os.path.join(image, "descriptors.json")))
    assert len(desc) == 3 and all(d.startswith("pipe:[") for d in desc), desc
    assert desc[1] == desc[2]
    p2 = pipes()
    proc = p2.spawn(runtime.argv("restore", "-d", "--image-path", image, "--bundle",
                                 bundle.path, container_id))
    assert proc.wait(timeout=CR_TIMEOUT) == 0, p2.buf
    p2.send("two\n")
    p2.expect("pong two")
    assert runtime.status(container_id) == "running"


@SLOW
def test_terminal_via_console_socket(runtime, bundle, container_id, criu):
    """process.terminal: the pty's master is outside the container (the console socket's
    receiver holds it). runc dumps that without --shell-job and, on restore, sends the
    master of the new pty criu made to the new --console-socket."""
    bundle.process["terminal"] = True
    bundle.process["env"] = ["PATH=/bin", "TERM=xterm", "PS1=$ "]
    bundle.set_args("sh")
    socks = []
    try:
        socks.append(ConsoleSocket(os.path.join(runtime.workdir, "console1.sock")))
        runtime.run(container_id, bundle, "-d", "--console-socket", socks[0].path).ok()
        t = Term(socks[0].master(timeout=PROGRESS_TIMEOUT))
        t.run("X=$((6*7))", timeout=PROGRESS_TIMEOUT)
        assert t.run("echo $X", timeout=PROGRESS_TIMEOUT).strip() == "42"
        image = image_dir(runtime)
        checkpoint(runtime, container_id, image).ok()
        assert_gone(runtime, container_id)
        socks.append(ConsoleSocket(os.path.join(runtime.workdir, "console2.sock")))
        restore(runtime, container_id, bundle, image, "--console-socket", socks[1].path).ok()
        t2 = Term(socks[1].master(timeout=PROGRESS_TIMEOUT))
        # The restored shell still has its variable, and talks through the new pty.
        assert t2.run("echo $X", timeout=PROGRESS_TIMEOUT).strip() == "42"
        assert t2.run("tty", timeout=PROGRESS_TIMEOUT).strip().startswith("/dev/pts/")
        assert runtime.status(container_id) == "running"
        t2.send("exit 0\r")
        runtime.wait_status(container_id, "stopped", timeout=PROGRESS_TIMEOUT)
    finally:
        for s in socks:
            s.close()


# --------------------------------------------------------------------------
# An established TCP connection over loopback, inside the container
# --------------------------------------------------------------------------


# A server and a client in the container, connected over lo; the client sends a numbered
# line every 0.2 s, the server writes what it receives to /tmp/received (its stdin never
# ends: busybox nc closes the connection at the end of its input).  runc brings lo up in
# a new network namespace; the script does not count on it.
TCP_PAIR = """exec </dev/null >/dev/null 2>&1
ip link set lo up
sleep 100000 | nc -l -p 5000 > /tmp/received &
for t in $(seq 200); do netstat -ltn | grep -q ':5000 ' && break; sleep 0.1; done
i=0; while :; do i=$((i+1)); echo "msg $i"; sleep 0.2; done | nc 127.0.0.1 5000
"""


def tcp_bundle(bundle):
    bundle.writable().sh(TCP_PAIR)
    bundle.add_namespace("network")
    caps = bundle.process.setdefault("capabilities", {})
    for k in ("bounding", "effective", "permitted"):
        if "CAP_NET_ADMIN" not in caps.setdefault(k, []):
            caps[k].append("CAP_NET_ADMIN")
    return bundle


def received(bundle):
    text = read_text(bundle.rootfs_path("/tmp/received"))
    return [l for l in text.split("\n")[:-1]]


def wait_received(bundle, n, what="the connection"):
    return wait_for(lambda: len(received(bundle)) >= n and received(bundle),
                    timeout=PROGRESS_TIMEOUT, interval=0.2, what="%s to carry %d lines" % (what, n))


def assert_numbered(lines):
    assert lines == ["msg %d" % i for i in range(1, len(lines) + 1)], lines


def tcp_checkpoint_restore(runtime, bundle, cid):
    """Checkpoint the connected pair with --tcp-established, restore it; the restore's
    result."""
    cid, pid = runtime.start_detached(bundle, cid=cid)
    wait_received(bundle, 3)
    image, work = image_dir(runtime), image_dir(runtime, "work")
    checkpoint(runtime, cid, image, "--tcp-established").ok()
    assert_gone(runtime, cid, pid)
    n = len(received(bundle))
    return n, restore(runtime, cid, bundle, image, "--tcp-established", "--work-path", work)


def assert_connection_survived(runtime, bundle, cid, n):
    assert runtime.status(cid) == "running"
    # The same connection carries the next lines: a new one would need a new server (nc -l
    # serves one) and the client's count would not go on.
    assert_numbered(wait_received(bundle, n + 3, "the restored connection"))
    r = runtime.cmd("exec", cid, "netstat", "-tn", timeout=CR_TIMEOUT).ok()
    assert re.search(r"127\.0\.0\.1:5000 .*ESTABLISHED", r.out), r


@SLOW
@pytest.mark.runc_differs
def test_tcp_established_survives(runtime, bundle, container_id, criu):
    """The container's own network namespace.  runc 1.1 cannot restore this: it has criu
    make the namespace empty (--empty-ns net: "runc doesn't manage network devices") and
    never brings its lo up, so criu cannot connect the sockets back ("Network is
    unreachable"); the restore fails and leaves nothing.  The issue asks for it to work."""
    n, r = tcp_checkpoint_restore(runtime, tcp_bundle(bundle), container_id)
    if runtime.is_runc:
        log = os.path.join(image_dir(runtime, "work"), "restore.log")
        assert r.rc != 0 and log in r.err, r
        assert "Network is unreachable" in read_text(log)
        assert_gone(runtime, container_id)
        return
    r.ok()
    assert_connection_survived(runtime, bundle, container_id, n)


@SLOW
def test_restore_into_joined_netns(runtime, bundle, container_id, criu, holder):
    """A container that joined a network namespace by path: the namespace is external to
    criu (runc tells it so), and the restored container is back in that same namespace.
    (No TCP connection here: criu 3.17 locks an external namespace with iptables on dump and
    again on restore, and then fails to unlock it, so a connection in it stays blocked.)"""
    h = holder.spawn(["unshare", "-n", "sleep", "100000"])
    netns = "/proc/%d/ns/net" % h.pid
    wait_for(lambda: os.readlink(netns) != os.readlink("/proc/self/ns/net"),
             what="the helper's network namespace")
    counter_bundle(bundle).add_namespace("network", netns)
    cid, pid = start_counter(runtime, bundle, container_id)
    assert os.readlink("/proc/%d/ns/net" % pid) == os.readlink(netns)
    image = image_dir(runtime)
    checkpoint(runtime, cid, image).ok()
    assert_gone(runtime, cid, pid)
    n = len(counts(bundle))
    restore(runtime, cid, bundle, image).ok()
    st = runtime.state(cid)
    assert os.readlink("/proc/%d/ns/net" % st["pid"]) == os.readlink(netns)
    assert_consecutive(wait_count(bundle, n + 2, "the restored counter"))


@SLOW
def test_failed_checkpoint_leaves_container_running(runtime, bundle, container_id, criu):
    """criu refuses an established connection without --tcp-established: the checkpoint
    fails naming criu's log, and the container runs on, unfrozen, as it was."""
    cid, pid = runtime.start_detached(tcp_bundle(bundle), cid=container_id)
    wait_received(bundle, 3)
    work = image_dir(runtime, "work")
    r = checkpoint(runtime, cid, image_dir(runtime), "--work-path", work).failed()
    log = os.path.join(work, "dump.log")
    assert log in r.err, r
    assert "tcp-established" in read_text(log)
    assert_running(runtime, cid, pid)
    n = len(received(bundle))
    assert_numbered(wait_received(bundle, n + 2, "the connection after the failed dump"))


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


@QUICK
def test_checkpoint_missing_container(runtime):
    cid = runtime.new_id()
    image = image_dir(runtime)
    r = checkpoint(runtime, cid, image).failed()
    assert "does not exist" in r.err, r
    assert not os.path.exists(image)
    assert not os.path.exists(os.path.join(runtime.root, cid))


@QUICK
def test_checkpoint_created_container_refused(runtime, bundle, container_id):
    """runc checkpoints running (or paused) containers only."""
    runtime.create(container_id, bundle.set_args("sleep", "1000")).ok()
    r = checkpoint(runtime, container_id, image_dir(runtime)).failed()
    assert "created" in r.err, r
    assert runtime.status(container_id) == "created"


NO_CRIU = "/nonexistent/criu"


@QUICK
def test_checkpoint_without_criu(runtime, bundle, container_id):
    """The global --criu names a binary that is not there: a clear error, and the
    container runs on untouched."""
    cid, pid = runtime.start_detached(counter_bundle(bundle), cid=container_id)
    wait_count(bundle, 2)
    r = checkpoint(runtime, cid, image_dir(runtime), global_args=("--criu", NO_CRIU)).failed()
    assert "criu" in r.err.lower() and NO_CRIU in r.err, r
    assert_running(runtime, cid, pid)
    n = len(counts(bundle))
    assert_consecutive(wait_count(bundle, n + 2, "the counter after the failed checkpoint"))


@QUICK
def test_restore_without_criu(runtime, bundle, container_id):
    image = image_dir(runtime)
    os.makedirs(image)
    r = restore(runtime, container_id, bundle, image, global_args=("--criu", NO_CRIU)).failed()
    assert "criu" in r.err.lower(), r
    assert_gone(runtime, container_id)


@QUICK
@pytest.mark.parametrize("how", ["missing", "empty"])
def test_restore_bad_image_path(runtime, bundle, container_id, criu, how):
    """No image there: restore fails naming the path, and leaves nothing (no state, no
    cgroup, no process; the leak check looks for processes too)."""
    image = image_dir(runtime)
    if how == "empty":
        os.makedirs(image)
    r = restore(runtime, container_id, bundle, image).failed()
    assert image in r.err, r
    assert_gone(runtime, container_id)


@QUICK
def test_failed_restore_names_criu_log(runtime, bundle, container_id, criu):
    """criu runs and fails (an image directory holding runc's descriptors.json but no
    images): the error names criu's restore.log in the work directory, and nothing is
    left behind."""
    image, work = image_dir(runtime), image_dir(runtime, "work")
    os.makedirs(image)
    with open(os.path.join(image, "descriptors.json"), "w") as f:
        json.dump(["/dev/null", "/dev/null", "/dev/null"], f)
    r = restore(runtime, container_id, bundle, image, "--work-path", work).failed()
    log = os.path.join(work, "restore.log")
    assert os.path.exists(log)
    assert log in r.err, r
    assert_gone(runtime, container_id)


@QUICK
@pytest.mark.runc_differs
def test_criu_error_quotes_its_log(runtime, bundle, container_id, criu):
    """The issue asks for criu's last error lines in the message, besides its log's path;
    runc 1.1 gives the path only."""
    image, work = image_dir(runtime), image_dir(runtime, "work")
    os.makedirs(image)
    with open(os.path.join(image, "descriptors.json"), "w") as f:
        json.dump(["/dev/null", "/dev/null", "/dev/null"], f)
    r = restore(runtime, container_id, bundle, image, "--work-path", work).failed()
    log = read_text(os.path.join(work, "restore.log"))
    errors = [l.split(": ", 1)[-1].strip() for l in log.splitlines() if "Error" in l]
    assert errors, log
    if runtime.is_runc:
        assert not any(e in r.err for e in errors), r
        return
    assert any(e in r.err for e in errors), (r, errors)


# --------------------------------------------------------------------------
# --manage-cgroups-mode
# --------------------------------------------------------------------------


@SLOW
@pytest.mark.parametrize("mode", ["soft", "full", "strict",
                                  pytest.param("ignore", marks=pytest.mark.runc_differs)])
def test_manage_cgroups_mode(runtime, bundle, container_id, criu, mode):
    """Each mode criu has is taken by checkpoint and restore. runc 1.1 knows no "ignore"
    (added in runc 1.2; the issue lists it) and refuses it."""
    cid, pid = start_counter(runtime, bundle, container_id)
    image = image_dir(runtime)
    if runtime.is_runc and mode == "ignore":
        r = checkpoint(runtime, cid, image, "--manage-cgroups-mode", mode).failed()
        assert re.search(r"manage.cgroups.mode", r.err, re.I), r
        assert_running(runtime, cid, pid)
        return
    checkpoint(runtime, cid, image, "--manage-cgroups-mode", mode).ok()
    assert_gone(runtime, cid, pid)
    n = len(counts(bundle))
    restore(runtime, cid, bundle, image, "--manage-cgroups-mode", mode).ok()
    st = runtime.state(cid)
    assert st["status"] == "running", st
    assert any(cid in p for p in cgroup_paths(st["pid"])), cgroup_paths(st["pid"])
    assert_consecutive(wait_count(bundle, n + 2, "the restored counter"))


@QUICK
def test_manage_cgroups_mode_bad_value(runtime, bundle, container_id):
    """Refused by both commands before criu runs: the container runs on; no restored
    container is left."""
    cid, pid = runtime.start_detached(bundle, "sleep", "1000", cid=container_id)
    r = checkpoint(runtime, cid, image_dir(runtime), "--manage-cgroups-mode", "bogus").failed()
    assert re.search(r"manage.cgroups.mode", r.err, re.I), r
    assert_running(runtime, cid, pid)
    new = runtime.new_id("r")
    os.makedirs(image_dir(runtime, "image2"))
    r = restore(runtime, new, bundle, image_dir(runtime, "image2"),
                "--manage-cgroups-mode", "bogus").failed()
    assert re.search(r"manage.cgroups.mode", r.err, re.I), r
    assert_gone(runtime, new)


# --------------------------------------------------------------------------
# Whether CRIU support is there
# --------------------------------------------------------------------------


@QUICK
@pytest.mark.runc_differs
def test_features_and_version_say_criu(runtime, criu):
    """Where criu works, `features` says checkpointing is enabled (runc's annotation), and
    ocirun's --version names CRIU support (runc's does not)."""
    r = runtime.cmd("features").ok()
    ann = json.loads(r.out).get("annotations", {})
    assert ann.get("org.opencontainers.runc.checkpoint.enabled") == "true", ann
    version = runtime.cmd("--version").ok().out
    if runtime.is_runc:
        assert "criu" not in version.lower()
        return
    assert "criu" in version.lower(), version
