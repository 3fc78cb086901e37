"""exec: a new process in a running container, with runc's flags and exit statuses."""

import json
import os
import re
import signal
import subprocess
import time

import pytest

from conftest import pid_alive, read_text, wait_for

NS_FILES = ("cgroup", "ipc", "mnt", "net", "pid", "uts", "user", "time")


def status_fields(text):
    out = {}
    for line in text.splitlines():
        k, _, v = line.partition(":")
        out[k] = v.strip()
    return out


def running(runtime, bundle, *flags):
    """A started container whose init just sleeps; returns (cid, host pid)."""
    return runtime.start_detached(bundle, "sleep", "1000", flags=flags)


def host_ns(pid, name):
    return os.readlink("/proc/%d/ns/%s" % (pid, name))


# --------------------------------------------------------------------------
# Namespaces and cgroup
# --------------------------------------------------------------------------


def _check_same_namespaces(runtime, cid, pid):
    script = "for n in %s; do echo $n $(readlink /proc/self/ns/$n); done" % " ".join(NS_FILES)
    r = runtime.cmd("exec", cid, "sh", "-c", script).ok()
    inside = dict(line.split(" ", 1) for line in r.out.splitlines())
    for name in NS_FILES:
        if not os.path.exists("/proc/self/ns/" + name):
            continue
        assert inside[name] == host_ns(pid, name), (name, inside)
    return inside


def test_exec_joins_every_namespace(runtime, bundle):
    cid, pid = running(runtime, bundle)
    inside = _check_same_namespaces(runtime, cid, pid)
    # the default config has new pid, net, ipc, uts and mount namespaces
    for name in ("pid", "net", "ipc", "uts", "mnt"):
        assert inside[name] != host_ns(os.getpid(), name), name


def test_exec_joins_user_namespace(runtime, bundle):
    bundle.add_namespace("user")
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    cid, pid = running(runtime, bundle)
    inside = _check_same_namespaces(runtime, cid, pid)
    assert inside["user"] != host_ns(os.getpid(), "user")
    r = runtime.cmd("exec", cid, "sh", "-c", "id -u; cat /proc/self/uid_map").ok()
    lines = r.out.splitlines()
    assert lines[0] == "0"
    assert lines[1].split() == ["0", "100000", "65536"]
    # the exec'd process is the mapped root on the host
    r = runtime.cmd("exec", "-d", "--pid-file", os.path.join(runtime.workdir, "p"),
                    cid, "sleep", "30").ok()
    p = int(read_text(os.path.join(runtime.workdir, "p")))
    assert status_fields(read_text("/proc/%d/status" % p))["Uid"].split()[0] == "100000"


def test_exec_joins_time_namespace(runtime, bundle):
    if not runtime.info.supports_namespace("time"):
        pytest.skip("%s does not support the time namespace" % runtime.info.name)
    bundle.add_namespace("time")
    bundle.linux["timeOffsets"] = {"boottime": {"secs": 864000, "nanosecs": 0}}
    cid, pid = running(runtime, bundle)
    _check_same_namespaces(runtime, cid, pid)
    r = runtime.cmd("exec", cid, "cat", "/proc/uptime").ok()
    assert float(r.out.split()[0]) > 864000


def test_exec_joins_cgroup(runtime, bundle):
    bundle.add_namespace("cgroup")
    cid, pid = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "cat", "/proc/self/cgroup").ok()
    # in the container's cgroup namespace, at its root like the init
    assert r.out == runtime.cmd("exec", cid, "cat", "/proc/1/cgroup").ok().out
    pidfile = os.path.join(runtime.workdir, "pid")
    runtime.cmd("exec", "-d", "--pid-file", pidfile, cid, "sleep", "30").ok()
    p = int(read_text(pidfile))
    assert read_text("/proc/%d/cgroup" % p) == read_text("/proc/%d/cgroup" % pid)


def test_exec_in_created_container(runtime, bundle, container_id):
    bundle.set_args("sleep", "1000")
    runtime.create(container_id, bundle).ok()
    r = runtime.cmd("exec", container_id, "echo", "hello").ok()
    assert r.out == "hello\n"
    assert runtime.status(container_id) == "created"


# --------------------------------------------------------------------------
# Process attributes: env, cwd, user, capabilities, limits
# --------------------------------------------------------------------------


def test_exec_env_merge(runtime, bundle):
    bundle.process["env"] = ["PATH=/bin:/usr/bin", "TERM=xterm", "ZED=1"]
    cid, _ = running(runtime, bundle)
    # (runc's flag parser refuses -e and --env in one command line)
    r = runtime.cmd("exec", "-e", "ZED=2", "-e", "NEW=3", "-e", "TERM=dumb", cid,
                    "/bin/env").ok()
    # runc: a repeated key keeps its place and takes the last value; HOME comes last
    assert r.out.splitlines() == ["PATH=/bin:/usr/bin", "TERM=dumb", "ZED=2", "NEW=3",
                                  "HOME=/root"]


def test_exec_env_from_config_with_duplicates(runtime, bundle):
    bundle.process["env"] = ["PATH=/bin", "A=1", "A=2"]
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "/bin/env").ok()
    assert r.out.splitlines() == ["PATH=/bin", "A=2", "HOME=/root"]


@pytest.mark.parametrize("entry,word", [("FOO", "invalid environment variable"),
                                        ("=x", "name can't be empty")])
def test_exec_env_invalid(runtime, bundle, entry, word):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", "-e", entry, cid, "true")
    assert r.rc == 255, r
    assert word in r.err and entry in r.err, r


def test_exec_cwd(runtime, bundle):
    bundle.process["cwd"] = "/home"
    cid, _ = running(runtime, bundle)
    assert runtime.cmd("exec", cid, "pwd").ok().out == "/home\n"
    assert runtime.cmd("exec", "--cwd", "/tmp", cid, "pwd").ok().out == "/tmp\n"


def test_exec_cwd_missing(runtime, bundle):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", "--cwd", "/nonexistent", cid, "pwd")
    assert r.rc == 255, r
    # runc: chdir to cwd ("/nonexistent") set in config.json failed: no such file or directory
    assert "chdir" in r.err and "/nonexistent" in r.err, r
    assert "exec failed" in r.err


def test_exec_user(runtime, bundle):
    bundle.process["user"] = {"uid": 0, "gid": 100, "additionalGids": [7, 8]}
    cid, _ = running(runtime, bundle)
    assert runtime.cmd("exec", cid, "id").ok().out.split() == \
        ["uid=0(root)", "gid=100", "groups=7,8"]
    assert runtime.cmd("exec", "-u", "1000:1000", cid, "id", "-u").ok().out == "1000\n"
    # a uid alone keeps the config's gid; -g adds to the config's groups
    r = runtime.cmd("exec", "--user", "1000", "-g", "9", "-g", "10", cid, "id").ok()
    assert r.out.split() == ["uid=1000(user)", "gid=100", "groups=7,8,9,10"]


def test_exec_user_home(runtime, bundle):
    bundle.process["env"] = ["PATH=/bin"]
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", "-u", "1000", cid, "sh", "-c", "echo $HOME").ok()
    assert r.out == "/home/user\n"


@pytest.mark.parametrize("user,word", [("user", "uid"), ("1000:abc", "gid"),
                                       ("-5", "0-2147483647")])
def test_exec_user_invalid(runtime, bundle, user, word):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", "-u", user, cid, "id")
    assert r.rc == 255, r
    assert word in r.err, r


def test_exec_additional_gids_invalid(runtime, bundle):
    cid, _ = running(runtime, bundle)
    # a flag parse error: usage, status 1 (runc: invalid value "x" for flag -g)
    r = runtime.cmd("exec", "-g", "x", cid, "id")
    assert r.rc == 1, r
    assert "invalid value" in r.err and "x" in r.err, r


def _caps(runtime, cid, *flags):
    r = runtime.cmd("exec", *flags, cid, "grep", "^Cap", "/proc/self/status").ok()
    return {k: int(v, 16) for k, v in status_fields(r.out).items()}


CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SYS_ADMIN, CAP_AUDIT_WRITE = 5, 10, 21, 29


def test_exec_capabilities_like_the_init(runtime, bundle):
    cid, pid = running(runtime, bundle)
    caps = _caps(runtime, cid)
    init = {k: int(v, 16) for k, v in status_fields(read_text("/proc/%d/status" % pid)).items()
            if k.startswith("Cap")}
    assert caps == init
    want = (1 << CAP_KILL) | (1 << CAP_NET_BIND_SERVICE) | (1 << CAP_AUDIT_WRITE)
    assert caps["CapBnd"] == caps["CapPrm"] == caps["CapEff"] == want
    assert caps["CapInh"] == 0


def test_exec_cap_flag(runtime, bundle):
    bundle.process["capabilities"]["inheritable"] = ["CAP_KILL"]
    cid, _ = running(runtime, bundle)
    caps = _caps(runtime, cid, "--cap", "CAP_SYS_ADMIN")
    admin = 1 << CAP_SYS_ADMIN
    for s in ("CapBnd", "CapPrm", "CapEff"):
        assert caps[s] & admin, (s, caps)
    # never to the inheritable set (CVE-2022-29162), so not to the ambient one either
    assert caps["CapInh"] == 1 << CAP_KILL
    assert caps["CapAmb"] == 1 << CAP_KILL
    # the flag only applies to that exec
    assert not _caps(runtime, cid)["CapEff"] & admin


def test_exec_cap_unknown_is_ignored(runtime, bundle):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", "-c", "CAP_FOO", cid, "true")
    assert r.rc == 0, r
    assert "CAP_FOO" in r.err  # a warning


def test_exec_no_new_privs(runtime, bundle):
    bundle.process["noNewPrivileges"] = False
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "grep", "NoNewPrivs", "/proc/self/status").ok()
    assert r.out.split()[1] == "0"
    r = runtime.cmd("exec", "--no-new-privs", cid, "grep", "NoNewPrivs", "/proc/self/status")
    assert r.ok().out.split()[1] == "1"


def test_exec_rlimits_and_oom_score_adj(runtime, bundle):
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]
    bundle.process["oomScoreAdj"] = 123
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "sh", "-c",
                    "ulimit -n; ulimit -H -n; cat /proc/self/oom_score_adj").ok()
    assert r.out.split() == ["256", "512", "123"]


def test_exec_seccomp(runtime, bundle):
    bundle.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}],
    }
    bundle.writable()
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "sh", "-c", "mkdir /tmp/x; echo rc=$?; "
                    "grep ^Seccomp: /proc/self/status")
    assert "rc=1" in r.out and "Operation not permitted" in r.err, r
    assert r.out.splitlines()[-1].split() == ["Seccomp:", "2"]


def _lsm_active(name):
    try:
        with open("/sys/kernel/security/lsm") as f:
            return name in f.read().split(",")
    except OSError:
        return False


@pytest.mark.parametrize("flag,lsm", [("--apparmor", "apparmor"),
                                      ("--process-label", "selinux")])
def test_exec_lsm_flags_without_the_lsm(runtime, bundle, flag, lsm):
    if _lsm_active(lsm):
        pytest.skip("%s is active on this host" % lsm)
    cid, _ = running(runtime, bundle)
    # a profile or label that cannot be applied is an error, never silently dropped
    r = runtime.cmd("exec", flag, "nonexistent-label", cid, "true")
    assert r.rc == 255, r
    assert lsm in r.err.lower(), r


def test_exec_process_json(runtime, bundle):
    cid, _ = running(runtime, bundle)
    proc = {"args": ["sh", "-c", "echo $A; pwd; id -u; id -G"], "cwd": "/tmp",
            "env": ["PATH=/bin", "A=from-json"],
            "user": {"uid": 1000, "gid": 1000, "additionalGids": [5]}}
    path = os.path.join(runtime.workdir, "process.json")
    with open(path, "w") as f:
        json.dump(proc, f)
    r = runtime.cmd("exec", "--process", path, cid).ok()
    assert r.out.splitlines() == ["from-json", "/tmp", "1000", "1000 5"]
    r = runtime.cmd("exec", "-p", path, cid).ok()
    assert r.out.splitlines()[0] == "from-json"


def test_exec_process_json_invalid(runtime, bundle):
    cid, _ = running(runtime, bundle)
    path = os.path.join(runtime.workdir, "process.json")
    with open(path, "w") as f:
        f.write('{"args": [], "cwd": "/"}')
    r = runtime.cmd("exec", "-p", path, cid)
    assert r.rc == 255, r
    assert "args" in r.err, r


# --------------------------------------------------------------------------
# Exit statuses, signals, errors
# --------------------------------------------------------------------------


def test_exec_exit_status(runtime, bundle):
    cid, _ = running(runtime, bundle)
    assert runtime.cmd("exec", cid, "sh", "-c", "exit 42").rc == 42
    assert runtime.cmd("exec", cid, "true").rc == 0
    # killed by a signal: 128 + N
    assert runtime.cmd("exec", cid, "sh", "-c", "kill -9 $$").rc == 137
    assert runtime.status(cid) == "running"


def test_exec_output_and_input(runtime, bundle):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "sh", "-c", "read x; echo got:$x; echo err >&2",
                    input="line\n")
    assert r.rc == 0, r
    assert r.out == "got:line\n"
    assert r.err == "err\n"


def test_exec_not_found(runtime, bundle):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid, "nonexistent-cmd")
    assert r.rc == 255, r
    # runc: exec: "nonexistent-cmd": executable file not found in $PATH
    assert "nonexistent-cmd" in r.err and "executable file not found in $PATH" in r.err, r


def test_exec_no_args(runtime, bundle):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", cid)
    assert r.rc == 255, r
    assert "args cannot be empty" in r.err, r


def test_exec_missing_container(runtime):
    r = runtime.cmd("exec", "nonexistent-container", "true")
    assert r.rc == 255, r
    assert "does not exist" in r.err, r


def test_exec_stopped_container(runtime, bundle, container_id):
    runtime.start_detached(bundle, "true", cid=container_id)
    runtime.wait_status(container_id, "stopped")
    r = runtime.cmd("exec", container_id, "true")
    assert r.rc == 255, r
    assert "cannot exec in a stopped container" in r.err, r


def test_exec_paused_container(runtime, bundle):
    cid, _ = running(runtime, bundle)
    runtime.cmd("pause", cid).ok()
    r = runtime.cmd("exec", cid, "true")
    assert r.rc == 255, r
    assert "cannot exec in a paused container" in r.err and "--ignore-paused" in r.err, r
    # --ignore-paused: the process joins the frozen cgroup and runs once it thaws
    out = os.path.join(runtime.workdir, "ignore-paused.out")
    with open(out, "wb") as f:
        p = subprocess.Popen(runtime.argv("exec", "--ignore-paused", cid, "echo", "thawed"),
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        try:
            time.sleep(0.5)
            assert p.poll() is None and read_text(out) == ""
            runtime.cmd("resume", cid).ok()
            assert p.wait(timeout=20) == 0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert read_text(out) == "thawed\n"


def test_exec_signals_forwarded(runtime, bundle):
    cid, _ = running(runtime, bundle)
    out = os.path.join(runtime.workdir, "sig.out")
    with open(out, "wb") as f:
        p = subprocess.Popen(runtime.argv("exec", cid, "sh", "-c",
                                          "trap 'echo got-term; exit 3' TERM; echo ready; "
                                          "while :; do sleep 0.05; done"),
                             stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: "ready" in read_text(out), what="exec ready")
            p.send_signal(signal.SIGTERM)
            assert p.wait(timeout=20) == 3
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert "got-term" in read_text(out)


def cgroup_dirs(pid):
    """The directories of pid's cgroup in every hierarchy mounted on the host."""
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.split(" - ")
            fstype, _, opts = post.split()
            if fstype in ("cgroup", "cgroup2"):
                mounts.append((fstype, pre.split()[4], set(opts.split(","))))
    dirs = []
    for line in read_text("/proc/%d/cgroup" % pid).splitlines():
        _, ctrls, path = line.split(":", 2)
        for fstype, mp, opts in mounts:
            if (not ctrls and fstype == "cgroup2") or \
                    (ctrls and fstype == "cgroup" and set(ctrls.split(",")) <= opts):
                dirs.append(mp + path)
                break
    return dirs


def test_exec_sub_cgroup(runtime, bundle):
    cid, pid = running(runtime, bundle)
    for d in cgroup_dirs(pid):
        sub = os.path.join(d, "sub")
        os.mkdir(sub)
        # a v1 cpuset cgroup takes no process before it has cpus and mems
        for f in ("cpuset.cpus", "cpuset.mems"):
            if os.path.exists(os.path.join(d, f)) and not os.path.exists(
                    os.path.join(d, "cgroup.controllers")):
                with open(os.path.join(sub, f), "w") as out:
                    out.write(read_text(os.path.join(d, f)))
    pidfile = os.path.join(runtime.workdir, "sub.pid")
    runtime.cmd("exec", "-d", "--pid-file", pidfile, "--cgroup", "sub", cid,
                "sleep", "30").ok()
    p = int(read_text(pidfile))
    assert sorted(cgroup_dirs(p)) == sorted(os.path.join(d, "sub") for d in cgroup_dirs(pid))
    r = runtime.cmd("ps", "-f", "json", cid).ok()
    assert p in json.loads(r.out)


def test_exec_sub_cgroup_missing(runtime, bundle):
    cid, _ = running(runtime, bundle)
    # runc: "error adding pid N to cgroups: ... no such file or directory"
    r = runtime.cmd("exec", "--cgroup", "nonexistent-sub", cid, "true")
    assert r.rc == 255, r
    assert "nonexistent-sub" in r.err, r
    r = runtime.cmd("exec", "--cgroup", "../escape", cid, "true")
    assert r.rc == 255, r


# --------------------------------------------------------------------------
# Detached exec and pid files
# --------------------------------------------------------------------------


def test_exec_detach_pid_file(runtime, bundle):
    cid, pid = running(runtime, bundle)
    piddir = os.path.join(runtime.workdir, "pids")
    os.mkdir(piddir)
    pidfile = os.path.join(piddir, "exec.pid")
    t0 = time.monotonic()
    r = runtime.cmd("exec", "-d", "--pid-file", pidfile, cid, "sh", "-c",
                    "echo started; while [ ! -e /dev/shm/go ]; do sleep 0.05; done; echo done")
    assert r.rc == 0, r
    assert time.monotonic() - t0 < 15
    content = read_text(pidfile)
    assert re.match(r"^\d+$", content), repr(content)
    # written atomically: nothing else is left in the directory
    assert os.listdir(piddir) == ["exec.pid"]
    p = int(content)
    assert pid_alive(p)
    assert host_ns(p, "pid") == host_ns(pid, "pid")
    assert p in [int(x) for x in json.loads(runtime.cmd("ps", "-f", "json", cid).ok().out)]
    # the caller's stdout reached the process directly and outlives the runtime
    wait_for(lambda: "started" in read_text(r.out_path), what="detached output")
    with open("/proc/%d/root/dev/shm/go" % pid, "w"):
        pass
    wait_for(lambda: "done" in read_text(r.out_path), what="detached output after exit")
    wait_for(lambda: not pid_alive(p), what="exec'd process exit")


def test_exec_foreground_pid_file(runtime, bundle):
    cid, _ = running(runtime, bundle)
    pidfile = os.path.join(runtime.workdir, "fg.pid")
    runtime.cmd("exec", "--pid-file", pidfile, cid, "true").ok()
    assert re.match(r"^\d+$", read_text(pidfile))


@pytest.mark.parametrize("flags,word", [
    (("-t", "-d"), "cannot allocate tty"),
    (("--console-socket", "/nonexistent.sock"), "console socket"),
    (("-t", "--console-socket", "/nonexistent.sock"), "console socket"),
])
def test_exec_terminal_flag_errors(runtime, bundle, flags, word):
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("exec", *flags, cid, "true")
    assert r.rc == 255, r
    assert word in r.err, r
