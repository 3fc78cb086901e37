"""Terminals: process.terminal with --console-socket (the pty master handed over with
SCM_RIGHTS), and run/exec in the foreground relaying the caller's terminal (raw mode,
restored, window size propagated), driven through a pty as a user's shell would be."""

import fcntl
import os
import re
import select
import socket
import struct
import subprocess
import termios
import threading
import time

import pytest

from conftest import pid_alive, read_text, wait_for


class Term:
    """Talk to a pty master: send lines, wait for output matching a pattern."""

    def __init__(self, fd):
        self.fd = fd
        self.buf = b""
        self.pos = 0

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, pattern, timeout=10):
        """Wait for pattern in the output after the last match; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; output so far:\n%s"
                                     % (pattern, self.buf.decode(errors="replace")))
            if not self._read(left):
                raise AssertionError("terminal closed while waiting for %r; output:\n%s"
                                     % (pattern, self.buf.decode(errors="replace")))

    def _read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], min(timeout, 0.2))
        if r:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            self.buf += data
        return True

    def run(self, line, timeout=10):
        """Type a command whose output is marked, return what it printed."""
        n = getattr(self, "_n", 0) + 1
        self._n = n
        # The shell echoes the typed line; only the expansion "<n>-end" marks the output.
        self.send("%s; echo @@$((%d+0))-end\r" % (line, n))
        m = self.expect(r"\r?\n([^@]*?)\r?\n?@@%d-end" % n, timeout)
        return m.group(1).decode(errors="replace").replace("\r", "")

    def set_size(self, rows, cols):
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def lflag(self):
        return termios.tcgetattr(self.fd)[3]


class ConsoleSocket:
    """The caller's end of --console-socket: receives the pty master."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.fds = []
        self.msg = None
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(30)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            self.msg, self.fds, _, _ = socket.recv_fds(conn, 1024, 4)

    def master(self, timeout=20):
        self.thread.join(timeout)
        assert len(self.fds) == 1, "no pty master received (got %r)" % (self.fds,)
        return self.fds[0]

    def close(self):
        self.sock.close()
        for fd in self.fds:
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def console(runtime):
    socks = []

    def make():
        c = ConsoleSocket(os.path.join(runtime.workdir, "console%d.sock" % len(socks)))
        socks.append(c)
        return c
    yield make
    for c in socks:
        c.close()


def tty_bundle(bundle, *args, rows=None, cols=None):
    bundle.process["terminal"] = True
    bundle.process["env"] = ["PATH=/bin", "TERM=xterm", "PS1=$ "]
    if rows:
        bundle.process["consoleSize"] = {"height": rows, "width": cols}
    bundle.set_args(*(args or ("sh",)))
    return bundle


def check_is_pty_master(fd):
    assert os.readlink("/proc/self/fd/%d" % fd) in ("/dev/ptmx", "/dev/pts/ptmx")
    # a master answers TIOCGPTN (_IOR('T', 0x30, unsigned int)) with its slave's number
    n = struct.unpack("I", fcntl.ioctl(fd, 0x80045430, b"\0" * 4))[0]
    assert n >= 0


# --------------------------------------------------------------------------
# --console-socket
# --------------------------------------------------------------------------


def test_console_socket_create_start(runtime, bundle, container_id, console):
    tty_bundle(bundle, rows=33, cols=111)
    cs = console()
    runtime.create(container_id, bundle, "--console-socket", cs.path).ok()
    master = cs.master()
    check_is_pty_master(master)
    runtime.start(container_id).ok()
    t = Term(master)
    assert t.run("tty").strip() == "/dev/pts/0"
    assert t.run("stty size").strip() == "33 111"
    # the pty is also /dev/console (runc binds it there)
    assert t.run("stat -c '%t:%T' /dev/console /dev/pts/0").split() == ["88:0", "88:0"]
    # stdio is the pty and nothing else of the runtime is open
    fds = t.run("ls /proc/self/fd").split()
    assert set(fds) <= {"0", "1", "2", "3", "10"}, fds  # 3: ls's dir; 10: the shell's tty
    t.send("exit 3\r")
    runtime.wait_status(container_id, "stopped")


def test_console_socket_run_detach(runtime, bundle, container_id, console):
    tty_bundle(bundle)
    cs = console()
    runtime.run(container_id, bundle, "-d", "--console-socket", cs.path).ok()
    t = Term(cs.master())
    assert t.run("echo $((6*7))").strip() == "42"
    assert runtime.status(container_id) == "running"


def test_console_socket_exec(runtime, bundle, console):
    cid, pid = runtime.start_detached(bundle, "sleep", "1000")
    cs = console()
    pidfile = os.path.join(runtime.workdir, "exec.pid")
    runtime.cmd("exec", "-t", "-d", "--pid-file", pidfile, "--console-socket", cs.path,
                cid, "sh").ok()
    t = Term(cs.master())
    epid = int(read_text(pidfile))
    assert pid_alive(epid)
    out = t.run("tty; readlink /proc/self/ns/pid; echo $PPID")
    tty, ns, ppid = out.split()
    assert tty.startswith("/dev/pts/")
    assert ns == os.readlink("/proc/%d/ns/pid" % pid)
    assert ppid == "0"  # its parent, the runtime, is outside the pid namespace
    # job control in the exec'd shell
    t.send("sleep 100 &\r")
    assert "Running" in t.run("jobs")
    t.run("kill %1")
    t.send("exit\r")
    wait_for(lambda: not pid_alive(epid), what="exec'd shell exit")


def test_console_socket_exec_console_size(runtime, bundle, console):
    bundle.process["consoleSize"] = {"height": 20, "width": 70}
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    cs = console()
    runtime.cmd("exec", "-t", "-d", "--console-socket", cs.path, cid, "sh").ok()
    t = Term(cs.master())
    # the config's consoleSize applies to exec -t too
    assert t.run("stty size").strip() == "20 70"
    t.send("exit\r")


@pytest.mark.parametrize("terminal,flags,word", [
    (True, (), "cannot allocate tty"),
    (False, ("--console-socket", "SOCK"), "cannot use console socket"),
])
def test_create_terminal_errors(runtime, bundle, container_id, console, terminal, flags,
                                word):
    bundle.process["terminal"] = terminal
    flags = [console().path if f == "SOCK" else f for f in flags]
    r = runtime.create(container_id, bundle, *flags)
    assert r.rc == 1, r
    assert word in r.err, r
    assert runtime.cmd("state", container_id).rc == 1


def test_run_foreground_refuses_console_socket(runtime, bundle, container_id, console):
    tty_bundle(bundle)
    r = runtime.run(container_id, bundle, "--console-socket", console().path)
    assert r.rc == 1, r
    assert "cannot use console socket" in r.err, r


# --------------------------------------------------------------------------
# The caller's terminal, relayed by run/exec in the foreground
# --------------------------------------------------------------------------


class Session(Term):
    """The runtime started on a new pty, as from a user's terminal."""

    def __init__(self, argv, rows=24, cols=80):
        master, slave = os.openpty()
        super().__init__(master)
        self.set_size(rows, cols)
        self.cooked = self.lflag()

        def ctty():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True, preexec_fn=ctty)
        os.close(slave)

    def wait(self, timeout=20):
        """The runtime's exit status, once it has exited; drains the output."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        if self.proc.poll() is None:
            raise AssertionError("runtime still running; output:\n%s"
                                 % self.buf.decode(errors="replace"))
        while self._read(0.1) and select.select([self.fd], [], [], 0)[0]:
            pass
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.fd)


@pytest.fixture
def sessions():
    made = []

    def make(argv, **kw):
        s = Session(argv, **kw)
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


def test_run_interactive_shell(runtime, bundle, container_id, sessions):
    tty_bundle(bundle)
    bundle.save()
    s = sessions(runtime.argv("run", "--bundle", bundle.path, container_id), rows=40, cols=132)
    s.expect(r"\$ ")
    assert s.run("tty").strip() == "/dev/pts/0"
    # the caller's window size, and the caller's terminal in raw mode meanwhile
    assert s.run("stty size").strip() == "40 132"
    lflag = s.lflag()
    assert not lflag & termios.ICANON and not lflag & termios.ECHO
    # job control: a background job, Ctrl-C for the foreground one, Ctrl-Z, fg
    s.send("sleep 100 &\r")
    assert re.search(r"\[1\]\+? +Running +sleep 100", s.run("jobs"))
    s.send("sleep 50\r")
    time.sleep(0.3)
    s.send("\x03")
    assert s.run("echo status=$?").strip().endswith("status=130")
    s.send("fg %1\r")
    s.expect("sleep 100")
    time.sleep(0.3)
    s.send("\x1a")
    s.expect("Stopped")
    assert re.search(r"\[1\]\+? +Stopped +sleep 100", s.run("jobs"))
    s.run("kill -9 %1")
    # a new window size reaches the container (SIGWINCH)
    s.set_size(20, 70)
    time.sleep(0.3)
    wait_for(lambda: s.run("stty size").strip() == "20 70", timeout=10, what="resize")
    s.send("exit 7\r")
    assert s.wait() == 7
    # the caller's terminal is as it was
    assert s.lflag() == s.cooked
    assert runtime.cmd("state", container_id).rc == 1  # run deleted the container


def test_run_tty_output_of_short_process(runtime, bundle, container_id, sessions):
    tty_bundle(bundle, "sh", "-c", "stty size; echo bye")
    bundle.save()
    s = sessions(runtime.argv("run", "--bundle", bundle.path, container_id), rows=30, cols=100)
    assert s.wait() == 0
    out = s.buf.decode(errors="replace")
    assert "30 100" in out and "bye" in out, out


def test_exec_interactive_tty(runtime, bundle, sessions):
    cid, pid = runtime.start_detached(bundle, "sleep", "1000")
    s = sessions(runtime.argv("exec", "-t", "-e", "PS1=$ ", cid, "sh"), rows=25, cols=90)
    s.expect(r"\$ ")
    assert s.run("tty").strip().startswith("/dev/pts/")
    assert s.run("stty size").strip() == "25 90"
    s.set_size(30, 100)
    time.sleep(0.3)
    wait_for(lambda: s.run("stty size").strip() == "30 100", timeout=10, what="resize")
    s.send("sleep 50\r")
    time.sleep(0.3)
    s.send("\x03")
    assert s.run("echo status=$?").strip().endswith("status=130")
    s.send("exit 4\r")
    assert s.wait() == 4
    assert s.lflag() == s.cooked
    assert runtime.status(cid) == "running"


def test_exec_tty_process_killed(runtime, bundle, sessions):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    s = sessions(runtime.argv("exec", "-t", cid, "sh", "-c", "echo up; kill -9 $$"))
    assert s.wait() == 137
    assert "up" in s.buf.decode(errors="replace")
