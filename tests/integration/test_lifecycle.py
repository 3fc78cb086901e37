"""Container lifecycle: create, start, state, delete, run and their flags."""

import json
import os
import re
import time

import pytest

from conftest import pid_alive, read_text, wait_for

# runc's state JSON keys, in runc's order ("annotations" only when the config has any).
STATE_KEYS = ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner"]
RFC3339NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")


def check_state_shape(st, cid, bundle):
    keys = [k for k in st if k != "annotations"]
    assert keys == STATE_KEYS, st
    assert st["id"] == cid
    assert st["bundle"] == bundle.path
    assert st["rootfs"] == bundle.rootfs
    assert isinstance(st["pid"], int)
    assert RFC3339NANO.match(st["created"]), st["created"]
    assert re.match(r"^1\.\d+\.\d+", st["ociVersion"]), st["ociVersion"]
    # runc's `state` always reports an empty owner (`list` fills it in).
    assert st["owner"] == ""


def test_create_start_stop_delete(runtime, bundle, container_id):
    cid = container_id
    # The container waits on a condition we control: a file it polls for.
    bundle.sh("while [ ! -e /dev/shm/go ]; do sleep 0.05; done; exit 0")
    runtime.create(cid, bundle).ok()

    st = runtime.state(cid)
    check_state_shape(st, cid, bundle)
    assert st["status"] == "created"
    assert st["pid"] > 0 and pid_alive(st["pid"])
    assert "annotations" not in st
    created = st["created"]
    pid = st["pid"]
    # created is recent (within 2 minutes of now, allowing clock skew)
    assert abs(time.time() - _parse_ts(created)) < 120

    runtime.start(cid).ok()
    st = runtime.state(cid)
    check_state_shape(st, cid, bundle)
    assert st["status"] == "running"
    assert st["pid"] == pid
    assert st["created"] == created

    # release the container process: it exits 0
    with open("/proc/%d/root/dev/shm/go" % pid, "w"):
        pass
    runtime.wait_status(cid, "stopped")
    st = runtime.state(cid)
    check_state_shape(st, cid, bundle)
    assert st["pid"] == 0  # runc reports pid 0 for a stopped container
    assert st["created"] == created

    runtime.delete(cid).ok()
    r = runtime.cmd("state", cid)
    assert r.rc == 1
    assert not os.path.exists(os.path.join(runtime.root, cid))


def _parse_ts(s):
    import datetime
    m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?Z$", s)
    dt = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    frac = float(m.group(2) or 0)
    return dt.replace(tzinfo=datetime.timezone.utc).timestamp() + frac


def test_state_annotations(runtime, bundle, container_id):
    bundle.config["annotations"] = {"org.example.key": "value", "x.y/z": "1"}
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    st = runtime.state(container_id)
    assert st["annotations"] == {"org.example.key": "value", "x.y/z": "1"}
    # annotations come right after "created", before "owner" (runc's order)
    assert list(st) == STATE_KEYS[:7] + ["annotations", "owner"]


def test_state_raw_format(runtime, bundle, container_id):
    """runc prints the state indented by two spaces, no trailing newline."""
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    r = runtime.cmd("state", container_id).ok()
    st = json.loads(r.out)
    assert r.out == json.dumps(st, indent=2)


def test_created_container_has_not_run_args(runtime, bundle, container_id):
    bundle.writable().sh("touch /tmp/ran; sleep 60")
    runtime.create(container_id, bundle).ok()
    time.sleep(0.3)
    assert not os.path.exists(bundle.rootfs_path("/tmp/ran"))
    runtime.start(container_id).ok()
    wait_for(lambda: os.path.exists(bundle.rootfs_path("/tmp/ran")), what="container ran")


def test_bundle_relative_and_default(runtime, bundle):
    bundle.set_args("sleep", "60")
    bundle.save()
    parent, name = os.path.split(bundle.path)
    c1 = runtime.new_id("rel")
    runtime.cmd("create", "--bundle", name, c1, cwd=parent).ok()
    assert runtime.state(c1)["bundle"] == bundle.path
    c2 = runtime.new_id("cwd")
    runtime.cmd("create", c2, cwd=bundle.path).ok()
    st = runtime.state(c2)
    assert st["bundle"] == bundle.path
    assert st["rootfs"] == bundle.rootfs


def test_run_foreground_exit_code(runtime, bundle):
    r = runtime.sh(bundle, "echo out; echo err >&2; exit 3")
    assert r.rc == 3, r
    assert "out" in r.out
    assert "err" in r.err


def test_run_foreground_exit_zero_removes_container(runtime, bundle, container_id):
    r = runtime.sh(bundle, "true", cid=container_id)
    assert r.rc == 0, r
    assert runtime.cmd("state", container_id).rc == 1
    assert not os.path.exists(os.path.join(runtime.root, container_id))


def test_run_killed_by_signal_in_container(runtime, bundle):
    """`kill -9 $$` in sh gives 137.  The shell must not be the pid-namespace
    init (init ignores signals it has no handler for, even SIGKILL from inside
    its namespace), so this container shares the host pid namespace."""
    bundle.remove_namespace("pid")
    r = runtime.sh(bundle, "kill -9 $$")
    assert r.rc == 137, r
    r = runtime.sh(bundle, "kill -TERM $$")
    assert r.rc == 128 + 15, r


def test_run_killed_by_signal_from_outside(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    bundle.save()
    import subprocess
    p = subprocess.Popen(runtime.argv("run", "--bundle", bundle.path, container_id),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: runtime.cmd("state", container_id).rc == 0
                 and runtime.status(container_id) == "running", what="running")
        runtime.kill(container_id, "KILL").ok()
        assert p.wait(timeout=20) == 137
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_pid1_ignores_unhandled_signal_from_inside(runtime, bundle):
    # With a pid namespace the shell is init: `kill -9 $$` is ignored.
    r = runtime.sh(bundle, "kill -9 $$; echo survived")
    assert r.rc == 0, r
    assert "survived" in r.out


def test_run_detach(runtime, bundle, container_id):
    bundle.sh("echo to-stdout; echo to-stderr >&2; while [ ! -e /dev/shm/go ]; do sleep 0.05; done")
    t0 = time.monotonic()
    r = runtime.run(container_id, bundle, "--detach")
    assert r.rc == 0, r
    assert time.monotonic() - t0 < 15
    st = runtime.state(container_id)
    assert st["status"] == "running"
    wait_for(lambda: "to-stdout" in read_text(r.out_path), what="stdout file")
    wait_for(lambda: "to-stderr" in read_text(r.err_path), what="stderr file")
    assert "to-stderr" not in read_text(r.out_path)
    with open("/proc/%d/root/dev/shm/go" % st["pid"], "w"):
        pass
    runtime.wait_status(container_id, "stopped")
    # a detached container is not removed when it exits
    runtime.delete(container_id).ok()


def test_run_detach_short_flag(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.run(container_id, bundle, "-d").ok()
    assert runtime.status(container_id) == "running"


def test_run_keep(runtime, bundle, container_id):
    bundle.sh("exit 7")
    r = runtime.run(container_id, bundle, "--keep")
    assert r.rc == 7, r
    st = runtime.state(container_id)
    assert st["status"] == "stopped"
    runtime.delete(container_id).ok()
    assert runtime.cmd("state", container_id).rc == 1


@pytest.mark.parametrize("mode", ["create", "run-detach"])
def test_pid_file(runtime, bundle, container_id, mode):
    pidfile = os.path.join(runtime.workdir, "pidfile")
    bundle.set_args("sleep", "60")
    if mode == "create":
        runtime.create(container_id, bundle, "--pid-file", pidfile).ok()
    else:
        runtime.run(container_id, bundle, "-d", "--pid-file", pidfile).ok()
    content = read_text(pidfile)
    assert re.match(r"^\d+\n?$", content), repr(content)
    pid = int(content)
    assert pid == runtime.state(container_id)["pid"]
    assert pid_alive(pid)


@pytest.mark.parametrize("mode", ["create", "exec"])
def test_pid_file_unwritable_fails_and_leaves_nothing(runtime, bundle, container_id, mode):
    """A --pid-file in a directory that does not exist: the command fails naming it, and
    create leaves no container (exec no process) behind."""
    pidfile = os.path.join(runtime.workdir, "no-such-dir", "pidfile")
    bundle.set_args("sleep", "60")
    if mode == "create":
        r = runtime.create(container_id, bundle, "--pid-file", pidfile).failed()
        assert runtime.cmd("state", container_id).rc != 0
    else:
        runtime.run(container_id, bundle, "-d").ok()
        r = runtime.cmd("exec", "-d", "--pid-file", pidfile, container_id,
                        "sleep", "61").failed()
        procs = runtime.cmd("ps", container_id).ok().out
        assert "sleep 61" not in procs, procs
    # runc names its temporary file (.pidfile) in that directory.
    assert os.path.dirname(pidfile) + "/" in r.err, r.err
    if not runtime.is_runc:
        assert "--pid-file" in r.err and pidfile in r.err, r.err


def test_no_pivot(runtime, bundle):
    r = runtime.run_in(bundle, "sh", "-c", "test -x /bin/busybox && test ! -e /usr && "
                       "test ! -e /etc/os-release && cat /etc/passwd", flags=("--no-pivot",))
    assert r.rc == 0, r
    assert "user:x:1000" in r.out


def _keys_bundle(bundle):
    bundle.linux["maskedPaths"] = [p for p in bundle.linux.get("maskedPaths", [])
                                   if p != "/proc/keys"]
    bundle.set_args("cat", "/proc/keys")
    return bundle


def test_new_session_keyring(runtime, bundle):
    """By default the container gets a new session keyring named after its id."""
    cid = runtime.new_id()
    r = runtime.run_in(_keys_bundle(bundle), cid=cid)
    assert r.rc == 0, r
    assert cid in r.out, r.out


def test_no_new_keyring(runtime, bundle):
    cid = runtime.new_id()
    r = runtime.run_in(_keys_bundle(bundle), cid=cid, flags=("--no-new-keyring",))
    assert r.rc == 0, r
    assert "keyring" in r.out  # /proc/keys is readable ...
    assert cid not in r.out    # ... and no keyring was made for this container


def test_preserve_fds(runtime, bundle):
    path = os.path.join(runtime.workdir, "fd3.txt")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        bundle.sh("echo via-fd3 >&3; ls /proc/self/fd")
        r = runtime.run_in(bundle, flags=("--preserve-fds", "1"), pass_fds={3: fd})
        assert r.rc == 0, r
        assert read_text(path) == "via-fd3\n"
        # without the flag fd 3 is not passed on
        bundle.sh("ls /proc/self/fd; echo nope >&3")
        r = runtime.run_in(bundle, pass_fds={3: fd})
        assert r.rc != 0, r
        assert read_text(path) == "via-fd3\n"
    finally:
        os.close(fd)


def test_only_stdio_inherited(runtime, bundle):
    r = runtime.sh(bundle, "ls /proc/self/fd")
    assert r.rc == 0, r
    # 0 1 2 and the fd ls opened for the directory itself
    fds = sorted(int(x) for x in r.out.split())
    assert fds[:3] == [0, 1, 2]
    assert len(fds) <= 4, fds


def test_start_running_fails(runtime, bundle, container_id):
    runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    r = runtime.start(container_id)
    assert r.rc == 1, r
    assert "running" in r.err  # runc: "cannot start an already running container"
    assert runtime.status(container_id) == "running"


def test_start_stopped_fails(runtime, bundle, container_id):
    runtime.start_detached(bundle, "true", cid=container_id)
    runtime.wait_status(container_id, "stopped")
    r = runtime.start(container_id)
    assert r.rc == 1, r
    assert "stopped" in r.err  # runc: "cannot start a container that has stopped"


def test_delete_running_needs_force(runtime, bundle, container_id):
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    r = runtime.delete(cid)
    assert r.rc == 1, r
    # runc: "cannot delete container <id> that is not stopped: running"
    assert cid in r.err and "running" in r.err
    assert runtime.status(cid) == "running"
    assert pid_alive(pid)
    runtime.delete(cid, "--force").ok()
    assert runtime.cmd("state", cid).rc == 1
    wait_for(lambda: not pid_alive(pid), what="init killed")


def test_delete_created(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    runtime.delete(container_id).ok()
    assert runtime.cmd("state", container_id).rc == 1
    wait_for(lambda: not pid_alive(pid), what="init of deleted container gone")


def test_delete_stopped(runtime, bundle, container_id):
    runtime.start_detached(bundle, "true", cid=container_id)
    runtime.wait_status(container_id, "stopped")
    runtime.delete(container_id).ok()
    assert runtime.cmd("state", container_id).rc == 1


def test_duplicate_id(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    other = runtime.make_bundle()
    r = runtime.create(container_id, other)
    assert r.rc == 1, r
    assert "exist" in r.err  # runc: "container with given ID already exists"
    r = runtime.run(container_id, other, "-d")
    assert r.rc == 1, r
    st = runtime.state(container_id)
    assert st["pid"] == pid and st["bundle"] == bundle.path


# runc's rule (1.1): ^[\w+-\.]+$ and not "." or "..".
INVALID_IDS = ["a/b", "..", ".", "a b", "a:b", "a@b", "\u00fcber", "a\nb", "x" * 1025]
VALID_IDS = ["A_b-c.d+e", "a..b", "123", ".hidden"]


@pytest.mark.parametrize("bad", INVALID_IDS, ids=lambda s: repr(s)[:20])
def test_invalid_id_rejected(runtime, bundle, bad):
    bundle.set_args("sleep", "60")
    r = runtime.create(bad, bundle)
    assert r.rc == 1, r
    assert r.err.strip()
    assert runtime.cmd("list", "-q").out.strip() == ""


def test_empty_id_rejected(runtime, bundle):
    bundle.set_args("sleep", "60")
    r = runtime.create("", bundle)
    assert r.rc == 1, r
    assert "empty" in r.err  # runc: "container id cannot be empty"


@pytest.mark.parametrize("good", VALID_IDS)
def test_valid_id_accepted(runtime, bundle, good):
    cid = runtime.track(good + "-" + os.path.basename(runtime.workdir)[-6:])
    bundle.set_args("sleep", "60")
    runtime.create(cid, bundle).ok()
    assert runtime.state(cid)["id"] == cid
    runtime.delete(cid, "--force").ok()


@pytest.mark.parametrize("command", [["state"], ["kill"], ["kill", "KILL"], ["delete"],
                                     ["start"]])
def test_missing_container(runtime, command):
    cid = runtime.new_id()
    argv = [command[0], cid] + command[1:]
    r = runtime.cmd(*argv)
    assert r.rc == 1, r
    assert "does not exist" in r.err  # runc: "container does not exist"
    assert r.out == ""  # errors go to stderr only


def test_delete_force_missing_container_succeeds(runtime):
    # runc: `delete --force` of an unknown id is not an error (exit 0, silent).
    r = runtime.cmd("delete", "--force", runtime.new_id())
    assert r.rc == 0, r


@pytest.mark.parametrize("argv", [["state"], ["state", "a", "b"], ["delete"], ["start"],
                                  ["kill"], ["kill", "a", "KILL", "x"], ["create"], ["run"],
                                  ["list", "extra"]])
def test_wrong_arg_count(runtime, argv):
    r = runtime.cmd(*argv)
    assert r.rc == 1, r
    assert r.err.strip()


def test_unknown_command(runtime):
    r = runtime.cmd("no-such-command")
    assert r.rc != 0


def test_version(runtime):
    r = runtime.cmd("--version").ok()
    assert "spec:" in r.out or "version" in r.out
    r2 = runtime.cmd("-v").ok()
    assert r2.out == r.out


@pytest.mark.parametrize("spelling", [
    ("delete", "-f", "{id}"),
    ("delete", "--force", "{id}"),
    ("delete", "-force", "{id}"),
    ("delete", "{id}", "--force"),
    ("delete", "{id}", "-f"),
])
def test_flag_spellings_delete(runtime, bundle, container_id, spelling):
    runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    runtime.cmd(*[a.format(id=container_id) for a in spelling]).ok()
    assert runtime.cmd("state", container_id).rc == 1


@pytest.mark.parametrize("style", ["double", "single", "equals", "single-equals"])
def test_flag_spellings_create(runtime, bundle, container_id, style):
    bundle.set_args("sleep", "60")
    bundle.save()
    pidfile = os.path.join(runtime.workdir, "pid")
    if style == "double":
        args = ["--bundle", bundle.path, "--pid-file", pidfile]
    elif style == "single":
        args = ["-bundle", bundle.path, "-pid-file", pidfile]
    elif style == "equals":
        args = ["--bundle=" + bundle.path, "--pid-file=" + pidfile]
    else:
        args = ["-b=" + bundle.path, "-pid-file=" + pidfile]
    r = runtime.cmd(raw_argv=[runtime.path, "--root", runtime.root, "create"] + args
                    + [container_id])
    assert r.rc == 0, r
    assert int(read_text(pidfile)) == runtime.state(container_id)["pid"]


@pytest.mark.parametrize("style", ["--root", "-root", "--root="])
def test_global_root_spellings(runtime, bundle, container_id, style):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    if style.endswith("="):
        argv = [runtime.path, style + runtime.root, "state", container_id]
    else:
        argv = [runtime.path, style, runtime.root, "state", container_id]
    r = runtime.cmd(raw_argv=argv).ok()
    assert json.loads(r.out)["id"] == container_id


def test_debug_logs_run_phases_in_order(runtime, bundle, container_id):
    """`--debug run` logs when each phase ends, the init's included, through start, exit and
    delete (what bench/run.sh's phases.txt reports); their times never go backwards."""
    if runtime.is_runc:
        pytest.skip("ocirun's --debug log")
    bundle.set_args("true")
    r = runtime.run(container_id, bundle, global_args=("--debug",)).ok()
    times = dict(re.findall(r"phase ([a-z: -]+): ([0-9.]+) ms since start", r.err))
    want = ["parse", "cgroup", "resources", "clone", "init: mounts", "init: pivot",
            "init: seccomp", "init: identity", "init-ready", "started", "exited", "deleted"]
    assert sorted(times) == sorted(want), r.err
    got = [float(times[p]) for p in want]
    assert got == sorted(got), list(zip(want, got))
