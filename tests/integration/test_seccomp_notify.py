"""SCMP_ACT_NOTIFY: the runtime hands the listener fd and the container process state to
the seccomp agent at linux.seccomp.listenerPath (config-linux.md, "Seccomp"), which then
answers the container's notified syscalls. The agent here is a small Python receiver."""
import errno
import fcntl
import json
import os
import select
import socket
import struct
import threading

import pytest

from conftest import read_text, wait_for

# <linux/seccomp.h>: struct seccomp_notif is 80 bytes, struct seccomp_notif_resp 24.
NOTIF_SIZE = 80
RESP_SIZE = 24
SECCOMP_IOCTL_NOTIF_RECV = 0xC0000000 | (NOTIF_SIZE << 16) | (ord("!") << 8) | 0
SECCOMP_IOCTL_NOTIF_SEND = 0xC0000000 | (RESP_SIZE << 16) | (ord("!") << 8) | 1

ARCH = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]


class Agent:
    """Accepts connections on a unix socket; from each, the state JSON and the seccomp fd.
    Answers every notification: the n-th one (from 1) fails with answers[n-1] as errno, or
    succeeds with 0 when that is 0 (the syscall is not run)."""

    def __init__(self, path, answers=()):
        self.path = path
        self.answers = list(answers)
        self.states = []
        self.notified = []      # syscall numbers, in order
        self.errors = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.stop = threading.Event()
        self.fds = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _accept(self):
        conn, _ = self.sock.accept()
        with conn:
            data = b""
            fds = []
            # Up to the end of the document, not EOF: runc's run keeps the connection.
            state = None
            while state is None:
                msg, got, _, _ = socket.recv_fds(conn, 65536, 4)
                fds += got
                if not msg:
                    raise AssertionError("state cut short: %r" % data)
                data += msg
                try:
                    state = json.loads(data)
                except ValueError:
                    pass
        self.states.append((state, len(fds)))
        self.fds += fds

    def _answer(self, fd):
        req = bytearray(NOTIF_SIZE)
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req, True)
        except OSError as e:
            if e.errno == errno.ENOENT:  # the task was killed meanwhile
                return
            raise
        nid, pid, _flags, nr = struct.unpack_from("=QIIi", req)
        self.notified.append(nr)
        n = len(self.notified)
        err = self.answers[n - 1] if n <= len(self.answers) else errno.EPERM
        resp = struct.pack("=QqiI", nid, 0, -err if err else 0, 0)
        try:
            fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, bytearray(resp), True)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise

    def _run(self):
        try:
            while not self.stop.is_set():
                watch = [self.sock] + self.fds
                ready, _, _ = select.select(watch, [], [], 0.1)
                for r in ready:
                    if r is self.sock:
                        self._accept()
                    else:
                        self._answer(r)
        except Exception as e:  # reported by the test
            self.errors.append(repr(e))

    def close(self):
        self.stop.set()
        self.thread.join(10)
        self.sock.close()
        for fd in self.fds:
            os.close(fd)
        self.fds = []


@pytest.fixture
def agent(runtime):
    made = []

    def make(answers=()):
        a = Agent(os.path.join(runtime.workdir, "agent%d.sock" % len(made)), answers)
        made.append(a)
        return a
    yield make
    for a in made:
        a.close()


def notify_profile(path, names=("mkdir", "mkdirat"), metadata=None):
    s = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ARCH, "listenerPath": path,
         "syscalls": [{"names": list(names), "action": "SCMP_ACT_NOTIFY"}]}
    if metadata is not None:
        s["listenerMetadata"] = metadata
    return s


MKDIRS = ("mkdir /tmp/a && echo made-a; test -d /tmp/a || echo no-a; "
          "mkdir /tmp/b 2>&1 || echo failed-b")


def check_mkdirs(out, a):
    assert not a.errors, a.errors
    assert "made-a" in out and "no-a" in out, out
    assert "No space left on device" in out and "failed-b" in out, out
    assert len(a.notified) == 2, a.notified


@pytest.mark.timeout(60)
@pytest.mark.parametrize("nnp", [True, False])
def test_notify_agent_gets_state_at_create_and_answers(runtime, bundle, agent, nnp):
    # The agent gets the fd while the container is created (runc's order: the filter is
    # loaded before the start wait), and its answers are what mkdir returns: a success
    # without the directory, then ENOSPC.
    a = agent(answers=[0, errno.ENOSPC])
    bundle.linux["seccomp"] = notify_profile(a.path, metadata="agent-meta")
    bundle.process["noNewPrivileges"] = nnp
    bundle.config["annotations"] = {"org.example.k": "v"}
    bundle.writable().sh(MKDIRS)
    cid = runtime.new_id()
    created = runtime.create(cid, bundle).ok()
    pid = runtime.state(cid)["pid"]
    wait_for(lambda: a.states, what="the agent to get the state")
    assert len(a.states) == 1, a.states
    state, nfds = a.states[0]
    assert nfds == 1
    # The state document as the hooks get it; ocirun's also names the rootfs.
    assert state["state"].pop("rootfs", bundle.rootfs) == bundle.rootfs
    assert state == {
        "ociVersion": state["ociVersion"], "fds": ["seccompFd"], "pid": pid,
        "metadata": "agent-meta",
        "state": {"ociVersion": state["state"]["ociVersion"], "id": cid,
                  "status": "creating", "pid": pid, "bundle": bundle.path,
                  "annotations": {"org.example.k": "v"}},
    }, state
    assert a.notified == [], "a notified syscall ran before start"
    runtime.start(cid).ok()
    runtime.wait_status(cid, "stopped")
    check_mkdirs(read_text(created.out_path), a)


@pytest.mark.timeout(60)
def test_notify_run_without_metadata(runtime, bundle, agent):
    a = agent(answers=[0, errno.ENOSPC])
    bundle.linux["seccomp"] = notify_profile(a.path)
    bundle.writable().sh(MKDIRS)
    r = runtime.run(runtime.new_id(), bundle)
    assert r.rc == 0, r
    check_mkdirs(r.out, a)
    state = a.states[0][0]
    assert "metadata" not in state, state
    assert state["pid"] == state["state"]["pid"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("nnp", [True, False])
def test_notify_exec(runtime, bundle, agent, nnp):
    # An exec process gets its own filter and listener: the agent gets a second state,
    # runc's for exec: status running, pid the exec process's, state.pid the init's.
    a = agent(answers=[0, errno.ENOSPC, 0, errno.ENOSPC])
    bundle.linux["seccomp"] = notify_profile(a.path, metadata="m")
    bundle.process["noNewPrivileges"] = nnp
    bundle.writable()
    cid, init_pid = runtime.start_detached(bundle, "sleep", "100")
    pid_file = os.path.join(runtime.workdir, "exec.pid")
    r = runtime.cmd("exec", "--pid-file", pid_file, cid, "sh", "-c", MKDIRS)
    assert r.rc == 0, r
    check_mkdirs(r.out, a)
    assert len(a.states) == 2, a.states
    state, nfds = a.states[1]
    assert nfds == 1
    exec_pid = int(read_text(pid_file))
    assert state["pid"] == exec_pid and exec_pid != init_pid, state
    assert state["metadata"] == "m" and state["fds"] == ["seccompFd"]
    assert state["state"]["id"] == cid and state["state"]["pid"] == init_pid, state
    assert state["state"]["status"] == "running", state


@pytest.mark.timeout(60)
def test_notify_without_agent_fails_cleanly(runtime, bundle):
    # Nobody listens: create fails naming the socket, and leaves nothing (leak check).
    path = os.path.join(runtime.workdir, "nobody.sock")
    bundle.linux["seccomp"] = notify_profile(path)
    bundle.set_args("true")
    cid = runtime.new_id()
    r = runtime.create(cid, bundle)
    assert r.rc == 1, r
    if not runtime.is_runc:
        assert "nobody.sock" in r.err and "seccomp" in r.err, r.err
    assert runtime.cmd("state", cid).rc != 0


@pytest.mark.timeout(60)
def test_notify_exec_without_agent_fails(runtime, bundle, agent):
    # The agent is gone by the time of the exec: the exec fails before its process runs.
    a = agent()
    bundle.linux["seccomp"] = notify_profile(a.path)
    cid, _ = runtime.start_detached(bundle, "sleep", "100")
    a.close()
    os.unlink(a.path)
    r = runtime.cmd("exec", cid, "echo", "ran")
    assert r.rc != 0 and "ran" not in r.out, r
    if not runtime.is_runc:
        assert r.rc == 255 and a.path in r.err, r
    assert runtime.status(cid) == "running"
