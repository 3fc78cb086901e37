"""runc's command-line flags: every flag runc 1.1 (and 1.2/1.3 on create/run) accepts on
spec/create/run/start/delete/kill/list/state is accepted and listed in --help; usage
errors as runc reports them; the flags that no other file tests: run --no-subreaper,
--pidfd-socket, systemd socket activation (LISTEN_FDS)."""

import array
import json
import os
import signal
import socket
import threading

import pytest

from conftest import wait_for

# runc 1.1.5 --help of each command (the long names; short aliases in ALIASES).
RUNC11_FLAGS = {
    "create": ["bundle", "console-socket", "pid-file", "no-pivot", "no-new-keyring",
               "preserve-fds"],
    "run": ["bundle", "console-socket", "detach", "keep", "pid-file", "no-subreaper",
            "no-pivot", "no-new-keyring", "preserve-fds"],
    "start": [],
    "delete": ["force"],
    "kill": ["all"],
    "list": ["format", "quiet"],
    "state": [],
    "spec": ["bundle", "rootless"],
    "ps": ["format"],
    "pause": [],
    "resume": [],
    "features": [],
    "checkpoint": ["image-path", "work-path", "parent-path", "leave-running", "tcp-established",
                   "ext-unix-sk", "shell-job", "lazy-pages", "status-fd", "page-server",
                   "file-locks", "pre-dump", "manage-cgroups-mode", "empty-ns", "auto-dedup"],
    "restore": ["console-socket", "image-path", "work-path", "tcp-established", "ext-unix-sk",
                "shell-job", "file-locks", "manage-cgroups-mode", "bundle", "detach",
                "pid-file", "no-subreaper", "no-pivot", "empty-ns", "auto-dedup", "lazy-pages",
                "lsm-profile", "lsm-mount-context"],
}
# Added by runc 1.2/1.3 on these commands.
RUNC13_FLAGS = {"create": ["pidfd-socket"], "run": ["pidfd-socket"]}
ALIASES = {("create", "bundle"): "b", ("run", "bundle"): "b", ("run", "detach"): "d",
           ("delete", "force"): "f", ("kill", "all"): "a", ("list", "format"): "f",
           ("list", "quiet"): "q", ("spec", "bundle"): "b", ("ps", "format"): "f",
           ("restore", "bundle"): "b", ("restore", "detach"): "d"}
EXACT_ARGS = {"create": 1, "run": 1, "start": 1, "delete": 1, "state": 1, "list": 0,
              "spec": 0, "features": 0, "pause": 1, "resume": 1}


def name(runtime):
    return "runc" if runtime.is_runc else "ocirun"


def err_text(r):
    """stderr with the log line's quoting undone."""
    return r.err.replace('\\"', '"')


def help_text(runtime, cmd):
    r = runtime.cmd(cmd, "--help")
    assert r.rc == 0, r
    return r.out


# --------------------------------------------------------------------------
# --help and the flag table
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", sorted(RUNC11_FLAGS))
def test_help_lists_every_runc_flag(runtime, cmd):
    out = help_text(runtime, cmd)
    assert out.startswith("NAME:\n   %s %s - " % (name(runtime), cmd)), out
    assert "\nUSAGE:\n   %s %s" % (name(runtime), cmd) in out, out
    flags = list(RUNC11_FLAGS[cmd])
    if not runtime.is_runc:
        flags += RUNC13_FLAGS.get(cmd, [])
    for f in flags:
        assert "--%s" % f in out, (cmd, f, out)
        alias = ALIASES.get((cmd, f))
        if alias:
            assert "-%s" % alias in out, (cmd, alias, out)
    if flags:
        assert "\nOPTIONS:\n" in out


@pytest.mark.parametrize("cmd", ["create", "run", "start", "state", "spec", "delete", "kill",
                                 "list", "pause", "resume", "features"])
def test_help_explains_at_runc_depth(runtime, cmd):
    out = help_text(runtime, cmd)
    # Beyond NAME/USAGE/OPTIONS: what the arguments are, a description or an example.
    assert "DESCRIPTION:" in out or "EXAMPLE" in out, out
    if "<container-id>" in out.split("USAGE:")[1].splitlines()[1]:
        assert 'Where "<container-id>"' in out, out


@pytest.mark.parametrize("form", ["--help", "-h", "-help"])
def test_help_forms(runtime, form):
    r = runtime.cmd("create", form)
    assert r.rc == 0 and "create" in r.out, r


def test_global_help_lists_commands(runtime):
    r = runtime.cmd("--help").ok()
    for cmd in RUNC11_FLAGS:
        assert "   %s" % cmd in r.out, (cmd, r.out)


@pytest.mark.parametrize("cmd,flag", [(c, f) for c in RUNC11_FLAGS for f in RUNC11_FLAGS[c]])
def test_every_runc_flag_is_defined(runtime, cmd, flag):
    # Parsing stops at the first unknown flag with this message, before anything runs.
    args = [cmd, "--" + flag]
    if flag in ("bundle", "console-socket", "pid-file", "format", "pidfd-socket"):
        args.append("/nonexistent")
    elif flag == "preserve-fds":
        args.append("0")
    r = runtime.cmd(*args, "t-flags-nonexistent")
    assert "flag provided but not defined" not in r.err, r


@pytest.mark.parametrize("flag", ["pidfd-socket"])
@pytest.mark.parametrize("cmd", ["create", "run"])
def test_runc13_flags_are_defined(runtime, cmd, flag):
    if runtime.is_runc:
        pytest.skip("runc 1.1 predates --%s" % flag)
    r = runtime.cmd(cmd, "--" + flag, "/nonexistent", "t-flags-nonexistent")
    assert "flag provided but not defined" not in r.err, r


# --------------------------------------------------------------------------
# Usage errors, as runc reports them
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", sorted(EXACT_ARGS))
def test_wrong_number_of_arguments(runtime, cmd):
    n = EXACT_ARGS[cmd]
    r = runtime.cmd(cmd, *["a%d" % i for i in range(n + 1)])
    assert r.rc == 1, r
    # The program as invoked, as runc (os.Args[0]).
    assert '%s: "%s" requires exactly %d argument(s)' % (runtime.path, cmd, n) in err_text(r), r
    assert r.out.startswith("Incorrect Usage."), r
    if n:
        r = runtime.cmd(cmd)
        assert r.rc == 1, r
        assert "requires exactly %d argument(s)" % n in err_text(r), r


def test_kill_argument_bounds(runtime):
    r = runtime.cmd("kill")
    assert r.rc == 1 and '"kill" requires a minimum of 1 argument(s)' in err_text(r), r
    r = runtime.cmd("kill", "a", "KILL", "extra")
    assert r.rc == 1 and '"kill" requires a maximum of 2 argument(s)' in err_text(r), r


@pytest.mark.parametrize("cmd", ["exec", "ps"])
def test_minimum_arguments(runtime, cmd):
    r = runtime.cmd(cmd)
    assert r.rc == 1 and '"%s" requires a minimum of 1 argument(s)' % cmd in err_text(r), r


def test_unknown_flag(runtime):
    r = runtime.cmd("run", "--bogus", "x")
    assert r.rc == 1, r
    assert "flag provided but not defined: -bogus" in r.err, r
    assert r.out.startswith("Incorrect Usage"), r


def test_unknown_global_flag(runtime):
    r = runtime.cmd("--bogus", "list")
    assert r.rc == 1 and "flag provided but not defined: -bogus" in r.err, r


def test_flag_needs_an_argument(runtime):
    r = runtime.cmd("list", "--format")
    assert r.rc == 1 and "flag needs an argument: -format" in r.err, r


def test_invalid_int_value(runtime, bundle):
    r = runtime.cmd("run", "--preserve-fds", "abc", "x")
    assert r.rc == 1 and 'invalid value "abc" for flag -preserve-fds' in err_text(r), r


def test_invalid_list_format(runtime):
    r = runtime.cmd("list", "--format", "yaml")
    assert r.rc == 1 and "invalid format option" in r.err, r


def test_bool_flag_with_value(runtime, bundle, container_id):
    runtime.create(container_id, bundle).ok()
    runtime.delete(container_id, "--force=true").ok()
    assert runtime.cmd("state", container_id).rc != 0


def test_unknown_command(runtime):
    r = runtime.cmd("frobnicate")
    assert r.rc != 0, r


# checkpoint and restore failures that happen before criu runs, so they are checked on
# any host (the rest of checkpoint/restore is in test_checkpoint.py, which needs a kernel
# where `criu check` passes).


def _running(runtime, bundle):
    cid, pid = runtime.start_detached(bundle, "sleep", "1000")
    return cid, pid


def _untouched(runtime, cid, pid):
    st = runtime.state(cid)
    assert st["status"] == "running" and st["pid"] == pid, st


def test_checkpoint_of_missing_container(runtime, container_id):
    r = runtime.cmd("checkpoint", "--image-path", "/tmp/none", container_id)
    assert r.rc == 1 and "does not exist" in r.err, r


def test_checkpoint_of_created_container_refused(runtime, bundle, container_id, tmp_path):
    bundle.set_args("sleep", "1000")
    runtime.create(container_id, bundle).ok()
    r = runtime.cmd("checkpoint", "--image-path", str(tmp_path / "img"), container_id)
    assert r.rc == 1 and "cannot be checkpointed in created state" in r.err, r
    assert runtime.status(container_id) == "created"


def test_checkpoint_without_criu_binary(runtime, bundle, tmp_path):
    """--criu naming a binary that does not exist: a clear error, the container untouched."""
    cid, pid = _running(runtime, bundle)
    r = runtime.cmd("checkpoint", "--image-path", str(tmp_path / "img"), cid,
                    global_args=("--criu", "/nonexistent/criu"))
    assert r.rc == 1 and "/nonexistent/criu" in r.err, r
    _untouched(runtime, cid, pid)


@pytest.mark.runc_differs  # runc 1.1 accepts "hard" as soft mode at this point
def test_checkpoint_bad_cgroups_mode(runtime, bundle, tmp_path):
    cid, pid = _running(runtime, bundle)
    r = runtime.cmd("checkpoint", "--manage-cgroups-mode", "hard", "--image-path",
                    str(tmp_path / "img"), cid)
    assert r.rc == 1 and "--manage-cgroups-mode" in r.err and "hard" in r.err, r
    _untouched(runtime, cid, pid)


@pytest.mark.runc_differs  # runc names only the file it failed to open
def test_restore_bad_image_path_leaves_nothing(runtime, bundle, container_id, tmp_path):
    r = runtime.cmd("restore", "-d", "--image-path", str(tmp_path / "missing"), "--bundle",
                    bundle.path, container_id)
    assert r.rc == 1 and "--image-path" in r.err and "missing" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0
    empty = tmp_path / "empty"
    empty.mkdir()
    r = runtime.cmd("restore", "-d", "--image-path", str(empty), "--bundle", bundle.path,
                    container_id)
    assert r.rc == 1 and "not a checkpoint" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


@pytest.mark.runc_differs  # runc passes the labels to criu
def test_restore_lsm_flags_refused(runtime, bundle, container_id, tmp_path):
    r = runtime.cmd("restore", "-d", "--lsm-profile", "apparmor:x", "--image-path",
                    str(tmp_path), "--bundle", bundle.path, container_id)
    assert r.rc == 1 and "--lsm-profile" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


def test_version_says_whether_criu_works(runtime, runtime_info):
    if runtime_info.is_runc:
        pytest.skip("runc is built with CRIU support")
    r = runtime.cmd("--version")
    assert r.rc == 0
    assert "\ncriu: /" in r.out or "\ncriu: unavailable: " in r.out, r
    r = runtime.cmd("--version", global_args=("--criu", "/nonexistent/criu"))
    assert "criu: unavailable: no /nonexistent/criu binary" in r.out, r


# --------------------------------------------------------------------------
# Global flags
# --------------------------------------------------------------------------


def test_log_json(runtime, bundle, tmp_path):
    log = tmp_path / "log.json"
    r = runtime.cmd("state", "t-no-such", global_args=("--log", str(log), "--log-format", "json"))
    assert r.rc == 1, r
    lines = [json.loads(l) for l in log.read_text().splitlines() if l.strip()]
    assert any(l.get("level") == "error" and "does not exist" in l.get("msg", "")
               for l in lines), lines


def test_invalid_log_format(runtime):
    r = runtime.cmd("list", global_args=("--log-format", "xml"))
    assert r.rc == 1, r


def test_criu_flag_accepted(runtime):
    runtime.cmd("list", global_args=("--criu", "/usr/sbin/criu")).ok()


def test_systemd_cgroup_refused_clearly(runtime, bundle, container_id):
    if runtime.is_runc:
        pytest.skip("runc has a systemd cgroup driver")
    r = runtime.cmd("run", "--bundle", bundle.save().path, container_id,
                    global_args=("--systemd-cgroup",))
    assert r.rc == 1 and "systemd" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


# --------------------------------------------------------------------------
# run --no-subreaper
# --------------------------------------------------------------------------


@pytest.mark.parametrize("extra_ns", [None, "time"])
def test_run_no_subreaper_keeps_exit_status(runtime, bundle, extra_ns):
    # With a time namespace the init is forked once more inside the runtime's child: it
    # must still be the runtime's child, or run could not wait for it without subreaping.
    if extra_ns:
        if not os.path.exists("/proc/self/ns/time") or runtime.is_runc:
            pytest.skip("no time namespaces (or runc 1.1, which has none)")
        bundle.add_namespace(extra_ns)
    r = runtime.sh(bundle, "exit 7", flags=("--no-subreaper",))
    assert r.rc == 7, r


def test_run_no_subreaper_signal_status(runtime, bundle):
    # Not pid 1 of a pid namespace, which ignores signals it has no handler for.
    bundle.remove_namespace("pid")
    r = runtime.sh(bundle, "kill -TERM $$; sleep 5", flags=("--no-subreaper",))
    assert r.rc == 128 + signal.SIGTERM, r


# --------------------------------------------------------------------------
# --pidfd-socket
# --------------------------------------------------------------------------


class PidfdReceiver:
    """A unix socket that accepts one connection and keeps the fd sent over it."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.fd = None
        self.name = None
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        self.sock.settimeout(20)
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(1024, socket.CMSG_SPACE(fds.itemsize))
            for level, typ, data in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds.frombytes(data[:fds.itemsize])
            self.name = msg.decode(errors="replace")
            self.fd = fds[0] if fds else None

    def wait(self):
        self.thread.join(20)
        return self.fd

    def close(self):
        self.sock.close()
        if self.fd is not None:
            os.close(self.fd)


@pytest.fixture
def pidfd_receiver(tmp_path):
    r = PidfdReceiver(str(tmp_path / "pidfd.sock"))
    yield r
    r.close()


def pidfd_pid(fd):
    with open("/proc/self/fdinfo/%d" % fd) as f:
        for line in f:
            if line.startswith("Pid:"):
                return int(line.split()[1])
    return None


@pytest.mark.parametrize("cmd", ["create", "run"])
def test_pidfd_socket_receives_the_init(runtime, bundle, container_id, pidfd_receiver, cmd):
    if runtime.is_runc:
        pytest.skip("runc 1.1 predates --pidfd-socket")
    bundle.sh("sleep 60")
    if cmd == "create":
        runtime.create(container_id, bundle, "--pidfd-socket", pidfd_receiver.path).ok()
    else:
        runtime.run(container_id, bundle, "-d", "--pidfd-socket", pidfd_receiver.path).ok()
    fd = pidfd_receiver.wait()
    assert fd is not None
    st = runtime.state(container_id)
    assert pidfd_pid(fd) == st["pid"]
    # The caller can signal exactly that process through it.
    signal.pidfd_send_signal(fd, signal.SIGKILL)
    runtime.wait_status(container_id, "stopped")
    runtime.delete(container_id).ok()


def test_pidfd_socket_missing_fails_before_anything(runtime, bundle, container_id, tmp_path):
    if runtime.is_runc:
        pytest.skip("runc 1.1 predates --pidfd-socket")
    r = runtime.create(container_id, bundle, "--pidfd-socket", str(tmp_path / "none.sock"))
    assert r.rc == 1 and "pidfd-socket" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


# --------------------------------------------------------------------------
# systemd socket activation: LISTEN_FDS before --preserve-fds
# --------------------------------------------------------------------------


def test_listen_fds_are_passed_with_preserve_fds(runtime, bundle, container_id, tmp_path):
    f3 = tmp_path / "three"
    f3.write_text("socket-activated\n")
    f4 = tmp_path / "four"
    f4.write_text("preserved\n")
    bundle.sh("env | grep ^LISTEN_ | sort; cat <&3; cat <&4; test ! -e /proc/self/fd/5 && echo no5")
    bundle.save()
    # LISTEN_PID must be the runtime's own pid: exec keeps the shell's.
    argv = ["/bin/sh", "-c", 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$@"', "sh"] + runtime.argv(
        "run", "--preserve-fds", "1", "--bundle", bundle.path, container_id)
    with open(f3) as a, open(f4) as b:
        r = runtime.cmd(raw_argv=argv, pass_fds={3: a.fileno(), 4: b.fileno()})
    assert r.rc == 0, r
    assert r.out.split("\n")[:5] == ["LISTEN_FDS=1", "LISTEN_PID=1", "socket-activated",
                                     "preserved", "no5"], r


def test_listen_fds_for_another_process_are_ignored(runtime, bundle, container_id):
    bundle.sh("env | grep ^LISTEN_ || echo none; test -e /proc/self/fd/3 || echo no3")
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_PID="1")
    r = runtime.run(container_id, bundle, env=env)
    assert r.rc == 0, r
    assert r.out.split() == ["none", "no3"], r
