"""containerd (its own daemon, runc v2 shim, no CRI/CNI) running its tasks with the
runtime under test through `ctr run --runc-binary`."""

import json
import os
import re

import pytest

from engines import IMAGE, PTY_COLS, PTY_ROWS, cgroup_dir, read, run_pty, wait_for

# ctr resizes the terminal only after the process has started: wait for the size.
STTY_SIZE = ('for i in $(seq 50); do s=$(stty size 2>/dev/null); '
             '[ -n "$s" ] && [ "$s" != "0 0" ] && break; sleep 0.1; done; echo "$s"')

TRAPPER = ("trap 'echo got-TERM; exit 42' TERM; trap 'echo got-USR1' USR1; "
           "echo started; while :; do sleep 0.1; done")


def task_pid(ctr, cid):
    for line in ctr("task", "ls").stdout.splitlines()[1:]:
        f = line.split()
        if f and f[0] == cid:
            return int(f[1])
    raise AssertionError(f"no task {cid}")


def test_run_rm_output(ctr):
    cid = ctr.id("echo")
    p = ctr.run(cid, "echo", "hello from containerd", opts=["--rm"])
    assert p.stdout == "hello from containerd\n"
    assert cid not in ctr("container", "ls", "--quiet").stdout.split()


@pytest.mark.parametrize("code", [0, 3, 42])
def test_exit_status(ctr, code):
    cid = ctr.id("exit")
    p = ctr.run(cid, "sh", "-c", f"echo out; exit {code}", opts=["--rm"], check=False)
    assert p.returncode == code, p.stderr
    assert p.stdout == "out\n"


def test_run_tty(ctr):
    cid = ctr.id("tty")
    rc, out = run_pty(["ctr", "--address", ctr.s.address, "--namespace", "ocirun-e2e",
                       "run", "--rm", "-t", *ctr.s.run_opts(cid), IMAGE, cid,
                       "sh", "-c", f"tty; {STTY_SIZE}; exit 4"])
    text = out.decode(errors="replace")
    assert rc == 4, text
    assert re.search(r"/dev/pts/\d+", text), text
    assert f"{PTY_ROWS} {PTY_COLS}" in text, text


def test_detached_lifecycle(ctr):
    cid = ctr.id("life")
    ctr.run(cid, "sh", "-c", TRAPPER, opts=["-d"])
    assert ctr.task_status(cid) == "RUNNING"
    pid = task_pid(ctr, cid)
    assert cgroup_dir("memory", pid).endswith(f"{ctr.s.cgroup_parent}/{cid}")

    # task exec: output and exit status
    p = ctr("task", "exec", "--fifo-dir", ctr.s.fifo_dir, "--exec-id", "e1", cid,
            "sh", "-c", "echo in-exec; cat /proc/1/cmdline")
    assert p.stdout.startswith("in-exec\nsh\0-c\0"), repr(p.stdout)
    p = ctr("task", "exec", "--fifo-dir", ctr.s.fifo_dir, "--exec-id", "e2", cid,
            "sh", "-c", "exit 5", check=False)
    assert p.returncode == 5, p.stderr

    # task ps: the init process, then an exec'd one beside it
    p = ctr("task", "ps", cid).stdout.splitlines()
    assert p[0].split()[0] == "PID"
    assert str(pid) in [l.split()[0] for l in p[1:]], p
    ctr("task", "exec", "--fifo-dir", ctr.s.fifo_dir, "--exec-id", "bg", "--detach", cid,
        "sleep", "1000")
    wait_for(lambda: len(ctr("task", "ps", cid).stdout.splitlines()) >= 3, 10,
             "the exec'd process in task ps")

    # pause / resume
    freezer = os.path.join(cgroup_dir("freezer", pid), "freezer.state")
    ctr("task", "pause", cid)
    assert ctr.task_status(cid) == "PAUSED"
    assert read(freezer) == "FROZEN"
    ctr("task", "resume", cid)
    assert ctr.task_status(cid) == "RUNNING"
    assert read(freezer) == "THAWED"

    # kill: SIGTERM reaches the trap, the task stops with its status
    ctr("task", "kill", "--signal", "SIGTERM", cid)
    wait_for(lambda: ctr.task_status(cid) == "STOPPED", 10, "the task to stop")
    p = ctr("task", "delete", cid)
    assert "exit code 42" in p.stderr, p.stderr
    assert cid not in ctr("task", "ls", "--quiet").stdout.split()
    assert ctr.runtime.state(cid, root=os.path.join(ctr.s.runc_root, "ocirun-e2e")
                             ).returncode != 0, "runtime state left after task delete"
    ctr("container", "delete", cid)


def test_kill_sigkill_and_all(ctr):
    cid = ctr.id("kill")
    ctr.run(cid, "sh", "-c", "sleep 1000 & sleep 1000", opts=["-d"])
    wait_for(lambda: len(ctr("task", "ps", cid).stdout.splitlines()) >= 3, 10,
             "2 processes in task ps")
    ctr("task", "kill", "--signal", "SIGKILL", "--all", cid)
    wait_for(lambda: ctr.task_status(cid) == "STOPPED", 10, "the task to stop")
    p = ctr("task", "delete", cid)
    assert "exit code 137" in p.stderr, p.stderr


def test_kill_signal_delivered(ctr):
    cid = ctr.id("usr1")
    log = os.path.join(ctr.s.dir, f"{cid}.log")
    ctr.run(cid, "sh", "-c", TRAPPER, opts=["-d", "--log-uri", f"file://{log}"])
    wait_for(lambda: os.path.exists(log) and "started" in open(log).read(), 10,
             "'started' in the task's log")
    ctr("task", "kill", "--signal", "SIGUSR1", cid)
    wait_for(lambda: "got-USR1" in open(log).read(), 10, "'got-USR1' in the task's log")
    assert ctr.task_status(cid) == "RUNNING"


def test_task_metrics(ctr):
    cid = ctr.id("metrics")
    ctr.run(cid, "sh", "-c", "sleep 1000 & sleep 1000",
            opts=["-d", "--memory-limit", str(64 * 1024 * 1024)])
    # busybox sh execs its last command: PID 1 is a sleep, the other one its child
    wait_for(lambda: len(ctr("task", "ps", cid).stdout.splitlines()) >= 3, 10,
             "2 processes in task ps")
    table = ctr("task", "metrics", cid).stdout
    rows = dict(l.split(None, 1) for l in table.splitlines() if len(l.split(None, 1)) == 2)
    assert rows.get("memory.limit_in_bytes", "").strip() == str(64 * 1024 * 1024), table
    assert int(rows["memory.usage_in_bytes"]) > 0, table
    assert rows["pids.current"].strip() == "2", table
    assert int(rows["cpuacct.usage"]) > 0, table
    m = json.loads(ctr("task", "metrics", "--format", "json", cid).stdout)
    assert m["pids"]["current"] == 2, m
    assert m["memory"]["usage"]["limit"] == 64 * 1024 * 1024, m["memory"]
    pid = task_pid(ctr, cid)
    assert read(os.path.join(cgroup_dir("memory", pid), "memory.limit_in_bytes")) == \
        str(64 * 1024 * 1024)


def test_exec_tty(ctr):
    cid = ctr.id("exectty")
    ctr.run(cid, "sleep", "1000", opts=["-d"])
    rc, out = run_pty(["ctr", "--address", ctr.s.address, "--namespace", "ocirun-e2e",
                       "task", "exec", "-t", "--fifo-dir", ctr.s.fifo_dir, "--exec-id", "t1",
                       cid, "sh", "-c", f"tty; {STTY_SIZE}; exit 6"])
    text = out.decode(errors="replace")
    assert rc == 6, text
    assert re.search(r"/dev/pts/\d+", text), text
    assert f"{PTY_ROWS} {PTY_COLS}" in text, text


def test_run_options(ctr):
    cid = ctr.id("opts")
    p = ctr.run(cid, "sh", "-c", 'pwd; echo "$FOO"; touch /x 2>&1; echo rc=$?; '
                "grep CapEff /proc/self/status",
                opts=["--rm", "--read-only", "--env", "FOO=bar baz", "--cwd", "/tmp",
                      "--cap-drop", "CAP_CHOWN"], check=False)
    lines = p.stdout.splitlines()
    assert lines[:2] == ["/tmp", "bar baz"], p.stdout + p.stderr
    assert "Read-only file system" in p.stdout and "rc=1" in p.stdout, p.stdout
    caps = int(lines[-1].split()[1], 16)
    assert caps and not caps & 1, p.stdout          # CAP_CHOWN (bit 0) dropped


def test_cpu_limits_in_cgroup(ctr):
    cid = ctr.id("cpu")
    ctr.run(cid, "sleep", "1000", opts=["-d", "--cpus", "0.5", "--cpu-shares", "512"])
    cpu = cgroup_dir("cpu", task_pid(ctr, cid))
    assert cpu == ctr.cgroup("cpu", cid)
    assert read(os.path.join(cpu, "cpu.cfs_quota_us")) == "50000"
    assert read(os.path.join(cpu, "cpu.cfs_period_us")) == "100000"
    assert read(os.path.join(cpu, "cpu.shares")) == "512"
