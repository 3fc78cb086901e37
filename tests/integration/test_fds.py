"""File descriptors and stdio: --preserve-fds, systemd socket activation (LISTEN_FDS),
stdio passed straight to detached containers, no runtime fd reaching a container process,
and sd_notify proxied through NOTIFY_SOCKET."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time

import pytest

from conftest import pid_alive, read_text, wait_for


def fd_targets(pid):
    """{fd: link target} of a host pid."""
    d = "/proc/%d/fd" % pid
    out = {}
    for name in os.listdir(d):
        try:
            out[int(name)] = os.readlink(os.path.join(d, name))
        except OSError:
            pass
    return out


class ExtraFds:
    """Files open in the test at known fds, passed to the runtime (not close-on-exec)."""

    def __init__(self, workdir, n, first=3):
        self.paths = {}
        self.fds = {}
        for i in range(n):
            p = os.path.join(workdir, "fd%d.txt" % (first + i))
            with open(p, "w") as f:
                f.write("content of fd %d\n" % (first + i))
            self.fds[first + i] = os.open(p, os.O_RDONLY)
            self.paths[first + i] = p

    def pass_fds(self):
        return dict(self.fds)

    def close(self):
        for fd in self.fds.values():
            os.close(fd)


@pytest.fixture
def extra_fds(runtime):
    made = []

    def make(n, first=3):
        e = ExtraFds(runtime.workdir, n, first)
        made.append(e)
        return e
    yield make
    for e in made:
        e.close()


@pytest.fixture
def procs():
    """Runtime processes started by a test, killed at teardown if still running."""
    made = []

    def spawn(argv, stdout=subprocess.DEVNULL, **kw):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                             stderr=subprocess.DEVNULL, **kw)
        made.append(p)
        return p
    yield spawn
    for p in made:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


SHOW_FDS = "for f in 3 4 5 6; do if [ -e /proc/self/fd/$f ]; then echo fd$f; cat <&$f; fi; done"


# --------------------------------------------------------------------------
# --preserve-fds
# --------------------------------------------------------------------------


def test_preserve_fds_run(runtime, bundle, extra_fds):
    fds = extra_fds(3)
    r = runtime.sh(bundle, SHOW_FDS, flags=("--preserve-fds", "2"), pass_fds=fds.pass_fds())
    assert r.rc == 0, r
    assert r.out.splitlines() == ["fd3", "content of fd 3", "fd4", "content of fd 4"]


def test_preserve_fds_create_start(runtime, bundle, container_id, extra_fds):
    fds = extra_fds(2)
    bundle.sh(SHOW_FDS)
    r = runtime.create(container_id, bundle, "--preserve-fds", "1", pass_fds=fds.pass_fds())
    r.ok()
    runtime.start(container_id).ok()
    runtime.wait_status(container_id, "stopped")
    assert read_text(r.out_path).splitlines() == ["fd3", "content of fd 3"]


def test_preserve_fds_exec(runtime, bundle, extra_fds):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    fds = extra_fds(3)
    r = runtime.cmd("exec", "--preserve-fds", "2", cid, "sh", "-c", SHOW_FDS,
                    pass_fds=fds.pass_fds()).ok()
    assert r.out.splitlines() == ["fd3", "content of fd 3", "fd4", "content of fd 4"]
    r = runtime.cmd("exec", cid, "sh", "-c", SHOW_FDS, pass_fds=fds.pass_fds()).ok()
    assert r.out == ""


# --------------------------------------------------------------------------
# No fd of the runtime reaches a container process
# --------------------------------------------------------------------------


def _only_stdio(pid, out_path, foreground=False):
    fds = fd_targets(pid)
    assert sorted(fds) == [0, 1, 2], fds
    if foreground:
        # the runtime relays a foreground process's stdio through pipes of its own
        assert all(t.startswith("pipe:") for t in fds.values()), fds
        return
    assert fds[0] == "/dev/null"
    assert fds[1] == out_path


def test_no_fd_leak_run(runtime, bundle, extra_fds, procs):
    fds = extra_fds(3)
    bundle.set_args("sleep", "1000")
    cid = runtime.new_id()
    out = os.path.join(runtime.workdir, "run.out")
    with open(out, "wb") as f:
        p = procs(runtime.argv("run", "--bundle", bundle.save().path, cid),
                         stdout=f, pass_fds=list(fds.fds.values()))
    wait_for(lambda: runtime.cmd("state", cid).rc == 0 and runtime.status(cid) == "running",
             what="container running")
    assert p.poll() is None
    pid = runtime.state(cid)["pid"]
    # "running" comes once the exec fifo is consumed, a moment before the execve that closes
    # the runtime's own (close-on-exec) fds: wait for the process to be sleep.
    wait_for(lambda: read_text("/proc/%d/cmdline" % pid).startswith("sleep"),
             what="the execve of sleep")
    _only_stdio(pid, out, foreground=True)


def test_no_fd_leak_create_start(runtime, bundle, container_id, extra_fds):
    fds = extra_fds(3)
    bundle.set_args("sleep", "1000")
    r = runtime.create(container_id, bundle, pass_fds=fds.pass_fds()).ok()
    runtime.start(container_id, pass_fds=fds.pass_fds()).ok()
    _only_stdio(runtime.state(container_id)["pid"], r.out_path)


def test_no_fd_leak_exec(runtime, bundle, extra_fds, procs):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    fds = extra_fds(3)
    # detached
    pidfile = os.path.join(runtime.workdir, "exec.pid")
    r = runtime.cmd("exec", "-d", "--pid-file", pidfile, cid, "sleep", "999",
                    pass_fds=fds.pass_fds()).ok()
    _only_stdio(int(read_text(pidfile)), r.out_path)
    # in the foreground, while the runtime waits for it
    out = os.path.join(runtime.workdir, "fg.out")
    pidfile = os.path.join(runtime.workdir, "fg.pid")
    with open(out, "wb") as f:
        p = procs(runtime.argv("exec", "--pid-file", pidfile, cid, "sleep", "998"),
                         stdout=f, pass_fds=list(fds.fds.values()))
    wait_for(lambda: read_text(pidfile), what="exec pid file")
    _only_stdio(int(read_text(pidfile)), out, foreground=True)
    assert p.poll() is None


def test_no_fd_leak_inside(runtime, bundle, extra_fds):
    """What the container sees of itself: stdio and the fd ls reads /proc/self/fd with."""
    fds = extra_fds(4)
    r = runtime.sh(bundle, "ls /proc/self/fd", pass_fds=fds.pass_fds())
    assert r.rc == 0, r
    assert sorted(int(x) for x in r.out.split())[:3] == [0, 1, 2]
    assert len(r.out.split()) == 4, r.out
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    r = runtime.cmd("exec", cid, "ls", "/proc/self/fd", pass_fds=fds.pass_fds()).ok()
    assert len(r.out.split()) == 4, r.out


# --------------------------------------------------------------------------
# Foreground stdio: pipes relayed by the runtime (runc's setupProcessPipes)
# --------------------------------------------------------------------------


def test_foreground_stdio_is_relayed(runtime, bundle):
    """Never the caller's terminal: the process gets pipes even when the caller has a tty."""
    master, slave = os.openpty()
    try:
        script = "for i in 0 1 2; do [ -t $i ] && echo tty$i; readlink /proc/self/fd/$i; done"
        bundle.sh(script)
        cid = runtime.new_id()
        p = subprocess.run(runtime.argv("run", "--bundle", bundle.save().path, cid),
                           stdin=slave, stdout=subprocess.PIPE, stderr=slave, timeout=20)
        assert p.returncode == 0
        lines = p.stdout.decode().splitlines()
        assert len(lines) == 3 and all(x.startswith("pipe:") for x in lines), lines
        exec_cid, _ = runtime.start_detached(bundle, "sleep", "1000")
        p = subprocess.run(runtime.argv("exec", exec_cid, "sh", "-c", script),
                           stdin=slave, stdout=subprocess.PIPE, stderr=slave, timeout=20)
        lines = p.stdout.decode().splitlines()
        assert len(lines) == 3 and all(x.startswith("pipe:") for x in lines), lines
    finally:
        os.close(master)
        os.close(slave)


def test_foreground_stdio_user_namespace(runtime, bundle):
    """The pipes belong to the container's root, which can reopen them."""
    bundle.add_namespace("user")
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    r = runtime.sh(bundle, "echo via-dev-stdout > /dev/stdout; echo via-dev-stderr > /dev/stderr",
                   input="")
    assert r.rc == 0, r
    assert r.out == "via-dev-stdout\n" and r.err == "via-dev-stderr\n", r


def test_exec_waits_for_its_output(runtime, bundle):
    """As runc: exec returns once every writer of the process's output is gone."""
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    t0 = time.monotonic()
    r = runtime.cmd("exec", cid, "sh", "-c", "(sleep 1; echo late) & echo early").ok()
    assert r.out == "early\nlate\n"
    assert time.monotonic() - t0 >= 0.9
    # a background child without the output does not hold it
    t0 = time.monotonic()
    r = runtime.cmd("exec", cid, "sh", "-c", "sleep 5 >/dev/null 2>&1 & echo quick").ok()
    assert r.out == "quick\n"
    assert time.monotonic() - t0 < 4


def test_foreground_large_output_and_input(runtime, bundle):
    r = runtime.sh(bundle, "wc -c; head -c 3000000 /dev/zero | tr '\\0' x",
                   input="y" * 1000000)
    assert r.rc == 0, r
    first, rest = r.out.split("\n", 1)
    assert first.strip() == "1000000"
    assert rest == "x" * 3000000


# --------------------------------------------------------------------------
# Socket activation: LISTEN_FDS
# --------------------------------------------------------------------------


def _activated(runtime, argv, pid_ok=True, **kw):
    """Run the runtime as systemd would after socket activation: LISTEN_FDS=2 and LISTEN_PID
    its own pid (the shell's, which execs it)."""
    script = 'LISTEN_PID=%s LISTEN_FDS=2 exec "$@"' % ("$$" if pid_ok else "1")
    return runtime.cmd(raw_argv=["sh", "-c", script, "sh"] + argv, **kw)


def test_listen_fds_run(runtime, bundle, extra_fds):
    fds = extra_fds(3)
    bundle.process["env"] = ["PATH=/bin", "LISTEN_FDS=9"]
    bundle.sh("echo LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID; " + SHOW_FDS)
    cid = runtime.new_id()
    argv = runtime.argv("run", "--bundle", bundle.save().path, "--preserve-fds", "1", cid)
    r = _activated(runtime, argv, pass_fds=fds.pass_fds())
    assert r.rc == 0, r
    # fds 3 and 4 are the activation's, 5 the --preserve-fds one after them
    assert r.out.splitlines() == ["LISTEN_FDS=2 LISTEN_PID=1", "fd3", "content of fd 3",
                                  "fd4", "content of fd 4", "fd5", "content of fd 5"]


def test_listen_fds_not_ours(runtime, bundle, extra_fds):
    fds = extra_fds(2)
    bundle.sh("echo LISTEN_FDS=$LISTEN_FDS; " + SHOW_FDS)
    cid = runtime.new_id()
    argv = runtime.argv("run", "--bundle", bundle.save().path, cid)
    # LISTEN_PID names another process: the fds are not for us
    r = _activated(runtime, argv, pid_ok=False, pass_fds=fds.pass_fds())
    assert r.rc == 0, r
    assert r.out.splitlines() == ["LISTEN_FDS="]


# --------------------------------------------------------------------------
# Detached stdio: the caller's pipes go straight to the container process
# --------------------------------------------------------------------------


class Pipes:
    """A runtime command with its stdio on pipes the test holds."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    def wait_runtime(self):
        assert self.proc.wait(timeout=20) == 0, self.proc.stderr.read()

    def talk(self, line):
        """Write a line to the container, then read its stdout and stderr to EOF: EOF means
        the container exited and nothing else (no runtime process) holds the pipes."""
        self.proc.stdin.write(line.encode())
        self.proc.stdin.close()
        result = {}

        def drain(name, f):
            result[name] = f.read().decode()
        threads = [threading.Thread(target=drain, args=("out", self.proc.stdout)),
                   threading.Thread(target=drain, args=("err", self.proc.stderr))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert not any(t.is_alive() for t in threads), "container stdio not closed"
        return result["out"], result["err"]


ECHO = "read x; echo out:$x; echo err:$x >&2"


def test_detached_stdio_create(runtime, bundle, container_id):
    bundle.sh(ECHO)
    p = Pipes(runtime.argv("create", "--bundle", bundle.save().path, container_id))
    p.wait_runtime()
    runtime.start(container_id).ok()
    assert p.talk("hello\n") == ("out:hello\n", "err:hello\n")
    runtime.wait_status(container_id, "stopped")


def test_detached_stdio_run_detach(runtime, bundle, container_id):
    bundle.sh(ECHO)
    p = Pipes(runtime.argv("run", "-d", "--bundle", bundle.save().path, container_id))
    p.wait_runtime()
    assert p.talk("hi\n") == ("out:hi\n", "err:hi\n")


def test_detached_stdio_exec(runtime, bundle):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    p = Pipes(runtime.argv("exec", "-d", cid, "sh", "-c", ECHO))
    p.wait_runtime()
    assert p.talk("there\n") == ("out:there\n", "err:there\n")


# --------------------------------------------------------------------------
# NOTIFY_SOCKET
# --------------------------------------------------------------------------

SDNOTIFY_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
/* sdnotify MSG...: each MSG as one datagram to $NOTIFY_SOCKET, as sd_notify sends it. */
int main(int argc, char **argv)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!path || strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, "sdnotify: NOTIFY_SOCKET unset\n");
		return 2;
	}
	strcpy(sa.sun_path, path);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	for (int i = 1; i < argc; i++) {
		size_t n = strlen(argv[i]);
		for (size_t j = 0; j + 1 < n; j++)
			if (argv[i][j] == '\\' && argv[i][j + 1] == 'n') {
				argv[i][j] = '\n';
				memmove(argv[i] + j + 1, argv[i] + j + 2, n - j - 1);
				n--;
			}
		if (sendto(s, argv[i], n, 0, (struct sockaddr *)&sa, sizeof sa) < 0) {
			perror("sdnotify");
			return 1;
		}
	}
	return 0;
}
"""


@pytest.fixture(scope="session")
def sdnotify(tmp_path_factory):
    """A static sd_notify client for the busybox rootfs (busybox has none)."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler for the sd_notify helper")
    d = tmp_path_factory.mktemp("sdnotify")
    src = d / "sdnotify.c"
    src.write_text(SDNOTIFY_C)
    out = d / "sdnotify"
    r = subprocess.run([cc, "-static", "-O2", "-o", str(out), str(src)], capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot build a static sd_notify helper: %s" % r.stderr.decode()[-300:])
    return str(out)


class HostNotify:
    """The host's NOTIFY_SOCKET (what systemd listens on): records datagrams, and closes
    any fd passed with them, as systemd acknowledges BARRIER=1."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.msgs = []
        self.stop = False
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        self.sock.settimeout(0.2)
        while not self.stop:
            try:
                msg, fds, _, _ = socket.recv_fds(self.sock, 4096, 4)
            except socket.timeout:
                continue
            except OSError:
                return
            for fd in fds:
                os.close(fd)
            self.msgs.append((msg.decode(), len(fds)))

    def close(self):
        self.stop = True
        self.thread.join(5)
        self.sock.close()


@pytest.fixture
def host_notify(runtime):
    h = HostNotify(os.path.join(runtime.workdir, "host-notify.sock"))
    yield h
    h.close()


def notify_env(host):
    env = dict(os.environ)
    env["NOTIFY_SOCKET"] = host.path
    return env


def notify_bundle(bundle, sdnotify, script):
    shutil.copy(sdnotify, bundle.rootfs_path("/bin/sdnotify"))
    return bundle.sh(script)


def check_forwarded(host, mainpid):
    """runc's sequence: READY=..., MAINPID=<pid>, then BARRIER=1 with a pipe (newer runc)."""
    wait_for(lambda: len(host.msgs) >= 2, what="notifications on the host socket")
    msgs = list(host.msgs)
    assert msgs[0] == ("READY=1\n", 0), msgs
    assert msgs[1] == ("MAINPID=%d\n" % mainpid, 0), msgs
    assert msgs[2:] in ([], [("BARRIER=1", 1)]), msgs


def test_notify_socket_create_start(runtime, bundle, container_id, sdnotify, host_notify):
    notify_bundle(bundle, sdnotify, "echo $NOTIFY_SOCKET; sleep 0.3; sdnotify READY=1; "
                  "sleep 1000")
    env = notify_env(host_notify)
    r = runtime.create(container_id, bundle, env=env).ok()
    assert host_notify.msgs == []
    # start returns once READY came through
    runtime.start(container_id, env=env).ok()
    check_forwarded(host_notify, runtime.state(container_id)["pid"])
    assert read_text(r.out_path) == "/run/notify/notify.sock\n"


def test_notify_socket_run(runtime, bundle, container_id, sdnotify, host_notify, procs):
    notify_bundle(bundle, sdnotify, "sdnotify STATUS=starting 'READY=1\\nSTATUS=up'; "
                  "while [ ! -e /dev/shm/go ]; do sleep 0.05; done")
    p = procs(runtime.argv("run", "--bundle", bundle.save().path, container_id),
                     env=notify_env(host_notify))
    # the run process stays what systemd watches: MAINPID is its pid
    check_forwarded(host_notify, p.pid)
    pid = runtime.state(container_id)["pid"]
    with open("/proc/%d/root/dev/shm/go" % pid, "w"):
        pass
    assert p.wait(timeout=20) == 0


def test_notify_socket_run_detach(runtime, bundle, container_id, sdnotify, host_notify):
    notify_bundle(bundle, sdnotify, "sleep 0.3; sdnotify READY=1; sleep 1000")
    runtime.run(container_id, bundle, "-d", env=notify_env(host_notify)).ok()
    check_forwarded(host_notify, runtime.state(container_id)["pid"])


def test_notify_socket_container_exits_first(runtime, bundle, container_id, sdnotify,
                                             host_notify):
    notify_bundle(bundle, sdnotify, "exit 0")
    env = notify_env(host_notify)
    runtime.create(container_id, bundle, env=env).ok()
    t0 = time.monotonic()
    runtime.start(container_id, env=env).ok()
    assert time.monotonic() - t0 < 10
    assert host_notify.msgs == []


def test_notify_socket_in_container(runtime, bundle, container_id, sdnotify, host_notify):
    # start waits for READY=1; a user other than root may send it
    notify_bundle(bundle, sdnotify, "sdnotify READY=1; sleep 1000")
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    env = notify_env(host_notify)
    runtime.create(container_id, bundle, env=env).ok()
    runtime.start(container_id, env=env).ok()
    pid = runtime.state(container_id)["pid"]
    environ = read_text("/proc/%d/environ" % pid).split("\0")
    assert "NOTIFY_SOCKET=/run/notify/notify.sock" in environ
    mounts = [line.split() for line in read_text("/proc/%d/mountinfo" % pid).splitlines()]
    m = [x for x in mounts if x[4] == "/run/notify"]
    assert len(m) == 1, mounts
    assert {"ro", "nosuid", "nodev", "noexec"} <= set(m[0][5].split(","))
    # exec'd processes get the config's env, without it (runc reads the bundle's config)
    check_forwarded(host_notify, pid)
    r = runtime.cmd("exec", container_id, "/bin/env", env=env).ok()
    assert "NOTIFY_SOCKET" not in r.out
    r = runtime.cmd("exec", container_id, "stat", "-c", "%A", "/run/notify/notify.sock",
                    env=env).ok()
    assert r.out.strip() == "srwxrwxrwx"


def test_no_notify_socket(runtime, bundle):
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    r = runtime.sh(bundle, "echo [$NOTIFY_SOCKET]; test -e /run/notify && echo mounted; true",
                   env=env)
    assert r.rc == 0, r
    assert r.out == "[]\n"
