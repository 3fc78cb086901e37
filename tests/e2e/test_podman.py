"""podman (cgroupfs, --network none) running its containers with the runtime under test."""

import json
import os
import re
import time

import pytest

from engines import IMAGE, PTY_COLS, PTY_ROWS, cgroup_dir, read, wait_for

# A container whose PID 1 reports and handles SIGTERM and SIGUSR1.
TRAPPER = ("trap 'echo got-TERM; exit 42' TERM; trap 'echo got-USR1' USR1; "
           "echo started; while :; do sleep 0.1; done")


def proc_status(text):
    """/proc/PID/status lines ("Key:\tvalue") in text, as a dict."""
    return {k.strip(): v.strip() for k, v in
            (l.split(":", 1) for l in text.splitlines() if ":" in l)}


# --------------------------------------------------------------------------
# run --rm, exit codes
# --------------------------------------------------------------------------


def test_run_rm_echo(pm):
    name = pm.name("echo")
    p = pm.run("--rm", "--name", name, IMAGE, "echo", "hello from podman")
    assert p.stdout == "hello from podman\n"
    assert pm("container", "exists", name, check=False).returncode == 1


def test_run_rm_stdin(pm):
    p = pm.run("--rm", "-i", IMAGE, "sh", "-c", "tr a-z A-Z; echo end",
               input="piped through\n")
    assert p.stdout == "PIPED THROUGH\nend\n"


@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_exit_code(pm, code):
    p = pm.run("--rm", IMAGE, "sh", "-c", f"echo out; exit {code}", check=False)
    assert p.returncode == code, p.stderr
    assert p.stdout == "out\n"


def test_exit_code_command_not_found(pm):
    # podman maps the runtime's "not found" error of `create` to 127 (as docker does).
    p = pm.run("--rm", IMAGE, "/no/such/binary", check=False)
    assert p.returncode == 127, p.stderr
    assert "/no/such/binary" in p.stderr, p.stderr


def test_exit_code_not_executable(pm):
    # ... and "permission denied" to 126.
    p = pm.run("--rm", IMAGE, "/etc/passwd", check=False)
    assert p.returncode == 126, p.stderr
    assert "permission denied" in p.stderr.lower(), p.stderr


def test_wait_exit_code_detached(pm):
    name = pm.name("wait")
    pm.run_d(name, "sh", "-c", "sleep 0.3; exit 7")
    p = pm("wait", name)
    assert p.stdout.strip() == "7"
    assert pm.inspect(name, "{{.State.ExitCode}}") == "7"


# --------------------------------------------------------------------------
# run -d, ps, exec, logs, stop, rm
# --------------------------------------------------------------------------


def test_detached_lifecycle(pm):
    name = pm.name("life")
    cid = pm.run_d(name, "sh", "-c", TRAPPER)
    assert re.fullmatch(r"[0-9a-f]{64}", cid)

    ps = pm("ps", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Status}}").stdout
    assert any(l.startswith(f"{cid} {name} Up") for l in ps.splitlines()), ps
    assert pm.status(name) == "running"

    assert pm("exec", name, "echo", "from exec").stdout == "from exec\n"
    p = pm("exec", name, "sh", "-c", "echo err >&2; exit 3", check=False)
    assert p.returncode == 3 and "err" in p.stderr
    # exec runs in the container's namespaces: it sees PID 1 as the container's sh.
    assert pm("exec", name, "cat", "/proc/1/cmdline").stdout.startswith("sh\0-c\0")

    wait_for(lambda: "started" in pm("logs", name).stdout, 10, "'started' in logs")

    t0 = time.monotonic()
    pm("stop", name)                           # SIGTERM, default 10 s grace
    took = time.monotonic() - t0
    assert took < 8, f"stop took {took:.1f}s: SIGTERM was not delivered/handled"
    assert pm.status(name) == "exited"
    assert pm.inspect(name, "{{.State.ExitCode}}") == "42"
    assert "got-TERM" in pm("logs", name).stdout
    ps = pm("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Status}}").stdout
    assert f"{cid} Exited (42)" in ps, ps

    pm("rm", name)
    assert pm("container", "exists", name, check=False).returncode == 1
    assert pm.runtime.state(cid).returncode != 0, "runtime state left after podman rm"


def test_stop_timeout_kills(pm):
    # PID 1 has no SIGTERM handler: the kernel drops the signal, podman must SIGKILL.
    name = pm.name("stopt")
    pm.run_d(name, "sleep", "1000")
    t0 = time.monotonic()
    p = pm("stop", "-t", "1", name)
    took = time.monotonic() - t0
    assert 0.9 <= took < 10, f"stop -t 1 took {took:.1f}s"
    assert pm.status(name) == "exited"
    assert pm.inspect(name, "{{.State.ExitCode}}") == "137"
    assert "resorting to SIGKILL" in p.stderr, p.stderr
    pm("rm", name)


def test_restart_after_stop(pm):
    name = pm.name("restart")
    pm.run_d(name, "sh", "-c", TRAPPER)
    pm("stop", name)
    pm("start", name)
    assert pm.status(name) == "running"
    assert pm("exec", name, "echo", "again").stdout == "again\n"


# --------------------------------------------------------------------------
# terminals
# --------------------------------------------------------------------------


def test_run_tty(pm):
    p = pm.run("--rm", "-t", IMAGE, "tty")
    assert re.fullmatch(r"/dev/pts/\d+\r?\n", p.stdout), repr(p.stdout)


def test_run_interactive_tty_session(pm):
    # A person at a terminal: podman's own stdin/stdout is a pty, the shell is interactive.
    rc, out = pm.pty("run", "--rm", "-it", *pm.s.run_opts(), IMAGE, "sh",
                     send=b"tty; stty size; echo done-$((6*7)); exit 7\r", send_after=b"# ")
    text = out.decode(errors="replace")
    assert rc == 7, text
    assert re.search(r"/dev/pts/\d+", text), text
    assert "done-42" in text, text
    # the terminal's size reached the container's terminal
    assert f"{PTY_ROWS} {PTY_COLS}" in text, text


def test_exec_tty(pm):
    name = pm.name("exectty")
    pm.run_d(name, "sleep", "1000")
    p = pm("exec", "-t", name, "tty")
    assert re.fullmatch(r"/dev/pts/\d+\r?\n", p.stdout), repr(p.stdout)
    rc, out = pm.pty("exec", "-it", name, "sh",
                     send=b"tty; stty size; echo exec-$((2*21)); exit 5\r", send_after=b"# ")
    text = out.decode(errors="replace")
    assert rc == 5, text
    assert re.search(r"/dev/pts/\d+", text) and "exec-42" in text, text
    assert f"{PTY_ROWS} {PTY_COLS}" in text, text


# --------------------------------------------------------------------------
# pause, kill
# --------------------------------------------------------------------------


def test_pause_unpause(pm):
    name = pm.name("pause")
    pm.run_d(name, "sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/n; sleep 0.1; done")
    pid = pm.pid(name)
    freezer = os.path.join(cgroup_dir("freezer", pid), "freezer.state")
    pm("pause", name)
    assert pm.status(name) == "paused"
    assert read(freezer) == "FROZEN"
    pm("unpause", name)
    assert pm.status(name) == "running"
    assert read(freezer) == "THAWED"
    n1 = int(pm("exec", name, "cat", "/tmp/n").stdout)
    wait_for(lambda: int(pm("exec", name, "cat", "/tmp/n").stdout) > n1, 10,
             "the container to run again after unpause")


def test_kill_signal(pm):
    name = pm.name("kill")
    pm.run_d(name, "sh", "-c", TRAPPER)
    wait_for(lambda: "started" in pm("logs", name).stdout, 10, "'started' in logs")
    pm("kill", "-s", "USR1", name)
    wait_for(lambda: "got-USR1" in pm("logs", name).stdout, 10, "'got-USR1' in logs")
    assert pm.status(name) == "running"
    pm("kill", "-s", "KILL", name)
    wait_for(lambda: pm.status(name) == "exited", 10, "the container to exit")
    assert pm.inspect(name, "{{.State.ExitCode}}") == "137"


# --------------------------------------------------------------------------
# resources, identity, filesystem, security
# --------------------------------------------------------------------------


def test_resource_limits_in_cgroup(pm):
    name = pm.name("res")
    cid = pm.run_d(name, "sleep", "1000",
                   opts=["--memory", "64m", "--cpus", "0.5", "--pids-limit", "33"])
    pid = pm.pid(name)
    mem = cgroup_dir("memory", pid)
    cpu = cgroup_dir("cpu", pid)
    pids = cgroup_dir("pids", pid)
    for d in (mem, cpu, pids):
        assert d.endswith(f"{pm.s.cgroup_parent}/libpod-{cid}"), d
        assert str(pid) in read(os.path.join(d, "cgroup.procs")).split()
    assert read(os.path.join(mem, "memory.limit_in_bytes")) == str(64 * 1024 * 1024)
    assert read(os.path.join(cpu, "cpu.cfs_period_us")) == "100000"
    assert read(os.path.join(cpu, "cpu.cfs_quota_us")) == "50000"
    assert read(os.path.join(pids, "pids.max")) == "33"


def test_pids_limit_enforced(pm):
    # A child shell forks 12 sleeps under a limit of 8 tasks and dies on the first
    # failed fork; the parent then counts the container's processes without forking.
    p = pm.run("--rm", "--pids-limit", "8", IMAGE, "sh", "-c",
               "sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 5 & done'; "
               "set -- /proc/[0-9]*; echo running=$#", check=False, timeout=30)
    m = re.search(r"running=(\d+)", p.stdout)
    assert m, p.stdout + p.stderr
    assert 2 <= int(m.group(1)) <= 8, p.stdout
    assert "can't fork" in p.stderr, p.stderr


def test_user(pm):
    p = pm.run("--rm", "--user", "1000:1000", IMAGE, "sh", "-c",
               "id -u; id -g; grep -E '^(Uid|Gid)' /proc/self/status")
    lines = p.stdout.splitlines()
    assert lines[:2] == ["1000", "1000"], p.stdout
    st = proc_status(p.stdout)
    assert st["Uid"].split() == ["1000"] * 4 and st["Gid"].split() == ["1000"] * 4


def test_read_only(pm):
    p = pm.run("--rm", "--read-only", IMAGE, "sh", "-c",
               "touch /x 2>&1; echo rc=$?; touch /tmp/y && echo tmp-writable; "
               "touch /run/z && echo run-writable; grep ' / ' /proc/mounts", check=False)
    assert "Read-only file system" in p.stdout, p.stdout + p.stderr
    assert "rc=1" in p.stdout
    assert "tmp-writable" in p.stdout and "run-writable" in p.stdout
    root = [l for l in p.stdout.splitlines() if " / " in l and "rc=" not in l]
    assert root and " ro," in root[-1] + ",", p.stdout


def test_env_and_workdir(pm):
    p = pm.run("--rm", "--env", "FOO=bar", "--env", "SPACED=a b  c", "--workdir", "/home",
               IMAGE, "sh", "-c", 'pwd; echo "$FOO|$SPACED|$PATH"; echo "$HOSTNAME"')
    lines = p.stdout.splitlines()
    assert lines[0] == "/home"
    assert lines[1] == "bar|a b  c|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert lines[2]


# containers.conf default_capabilities (see engines.Podman), as a mask
DEFAULT_CAPS = 0x800405fb


def test_default_capabilities(pm):
    st = proc_status(pm.run("--rm", IMAGE, "cat", "/proc/self/status").stdout)
    assert int(st["CapBnd"], 16) == DEFAULT_CAPS, st["CapBnd"]
    assert int(st["CapEff"], 16) == DEFAULT_CAPS, st["CapEff"]
    assert st["NoNewPrivs"] == "0"


def test_cap_drop_all(pm):
    p = pm.run("--rm", "--cap-drop", "ALL", IMAGE, "sh", "-c",
               "cat /proc/self/status; chown 1000 /tmp 2>&1; echo chown=$?")
    st = proc_status(p.stdout)
    for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(st[k], 16) == 0, f"{k}: {st[k]}"
    assert "chown=1" in p.stdout, p.stdout


def test_default_seccomp_profile(pm):
    st = proc_status(pm.run("--rm", IMAGE, "cat", "/proc/self/status").stdout)
    assert st["Seccomp"] == "2"
    assert int(st.get("Seccomp_filters", "1")) >= 1
    # processes started with exec are filtered too
    name = pm.name("seccomp")
    pm.run_d(name, "sleep", "1000")
    st = proc_status(pm("exec", name, "cat", "/proc/self/status").stdout)
    assert st["Seccomp"] == "2"


def test_seccomp_unconfined(pm):
    st = proc_status(pm.run("--rm", "--security-opt", "seccomp=unconfined", IMAGE,
                            "cat", "/proc/self/status").stdout)
    assert st["Seccomp"] == "0"


# --------------------------------------------------------------------------
# top, stats
# --------------------------------------------------------------------------


def test_top(pm):
    name = pm.name("top")
    pm.run_d(name, "sh", "-c", "sleep 1000 & sleep 2000")
    out = wait_for(lambda: (lambda o: "sleep 2000" in o and "sleep 1000" in o and o)(
        pm("top", name).stdout), 10, "both sleeps in podman top")
    assert out.splitlines()[0].split()[:2] == ["USER", "PID"]
    p = pm("top", name, "pid", "user", "comm").stdout.splitlines()
    assert p[0].split() == ["PID", "USER", "COMMAND"]
    rows = [l.split() for l in p[1:]]
    # busybox sh execs its last command: PID 1 is `sleep 2000`
    assert ["1", "root", "sleep"] in rows, p
    assert len(rows) == 2 and all(r[2] == "sleep" for r in rows), p


def test_stats_no_stream(pm):
    name = pm.name("stats")
    pm.run_d(name, "sh", "-c", "sleep 1000 & sleep 1000")
    wait_for(lambda: len(pm("top", name, "pid").stdout.split()) >= 3, 10, "2 processes")
    p = pm("stats", "--no-stream", "--format", "json", name)
    s = json.loads(p.stdout)
    assert len(s) == 1 and s[0]["name"] == name, s
    assert s[0]["pids"] == "2", s
    used = s[0]["mem_usage"].split("/")[0].strip()
    assert used and not used.startswith("0B"), s
    table = pm("stats", "--no-stream", name).stdout
    assert name in table and "CPU %" in table


# --------------------------------------------------------------------------
# more of what engines ask of a runtime
# --------------------------------------------------------------------------


def test_exec_user_env_workdir(pm):
    name = pm.name("execopts")
    pm.run_d(name, "sleep", "1000")
    p = pm("exec", "--user", "1000:1000", "--env", "X=y", "--workdir", "/tmp", name,
           "sh", "-c", 'id -u; id -g; echo "$X"; pwd')
    assert p.stdout.splitlines() == ["1000", "1000", "y", "/tmp"], p.stdout


def test_rm_force_paused(pm):
    name = pm.name("rmpaused")
    cid = pm.run_d(name, "sleep", "1000")
    pm("pause", name)
    pm("rm", "--force", "--time", "0", name)
    assert pm("container", "exists", name, check=False).returncode == 1
    assert pm.runtime.state(cid).returncode != 0, "runtime state left after podman rm -f"


def test_bind_mounts_and_tmpfs(pm, tmp_path):
    host = tmp_path / "data"
    host.mkdir()
    (host / "in").write_text("from host\n")
    p = pm.run("--rm", "-v", f"{host}:/data", "-v", f"{host}:/ro:ro",
               "--tmpfs", "/scratch:size=1m,mode=1777", IMAGE, "sh", "-c",
               "cat /data/in; echo from-container > /data/out; "
               "touch /ro/x 2>&1; echo ro=$?; grep ' /scratch ' /proc/mounts")
    assert p.stdout.startswith("from host\n"), p.stdout
    assert "ro=1" in p.stdout and "Read-only file system" in p.stdout, p.stdout
    assert re.search(r"tmpfs /scratch tmpfs \S*size=1024k", p.stdout), p.stdout
    assert (host / "out").read_text() == "from-container\n"


def test_hostname_sysctl_oom_nnp(pm):
    p = pm.run("--rm", "--hostname", "e2e-host", "--sysctl", "net.ipv4.ip_forward=1",
               "--oom-score-adj", "500", "--security-opt", "no-new-privileges", IMAGE,
               "sh", "-c", "hostname; cat /proc/sys/net/ipv4/ip_forward "
               "/proc/self/oom_score_adj; grep NoNewPrivs /proc/self/status")
    lines = p.stdout.splitlines()
    assert lines[:3] == ["e2e-host", "1", "500"], p.stdout
    assert lines[3].split() == ["NoNewPrivs:", "1"], p.stdout


def test_privileged(pm):
    p = pm.run("--rm", "--privileged", IMAGE, "sh", "-c",
               "grep -E '^(CapEff|Seccomp):' /proc/self/status; ls /dev | wc -l")
    st = proc_status(p.stdout)
    caps = int(st["CapEff"], 16)
    assert caps & (1 << 21) and bin(caps).count("1") >= 38, st   # all, with CAP_SYS_ADMIN
    assert st["Seccomp"] == "0"
    assert int(p.stdout.split()[-1]) > 20, p.stdout             # the host's devices


def test_user_namespace(pm):
    p = pm.run("--rm", "--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536", IMAGE,
               "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; "
               "touch /new && echo rootfs-writable")
    maps = [l.split() for l in p.stdout.splitlines()[:2]]
    assert maps == [["0", "200000", "65536"]] * 2, p.stdout
    assert "rootfs-writable" in p.stdout


def test_update_resources(pm):
    # `podman update` is `<runtime> update --resources FILE`.
    name = pm.name("update")
    pm.run_d(name, "sleep", "1000", opts=["--memory", "64m", "--cpus", "0.5"])
    pid = pm.pid(name)
    pm("update", "--memory", "128m", "--cpus", "0.25", "--cpu-shares", "512", name)
    assert read(os.path.join(cgroup_dir("memory", pid), "memory.limit_in_bytes")) == \
        str(128 * 1024 * 1024)
    assert read(os.path.join(cgroup_dir("cpu", pid), "cpu.cfs_quota_us")) == "25000"
    assert read(os.path.join(cgroup_dir("cpu", pid), "cpu.shares")) == "512"
