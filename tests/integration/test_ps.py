"""ps: the container's processes, as `ps` on the host shows them, or their pids as JSON."""

import json
import os

from conftest import read_text


def running(runtime, bundle):
    return runtime.start_detached(bundle, "sleep", "1000")


def exec_detached(runtime, cid, *args):
    pidfile = os.path.join(runtime.workdir, "exec-%d.pid" % len(os.listdir(runtime.workdir)))
    runtime.cmd("exec", "-d", "--pid-file", pidfile, cid, *args).ok()
    return int(read_text(pidfile))


def pid_column(out):
    lines = out.splitlines()
    col = lines[0].split().index("PID")
    return lines[0], [int(line.split()[col]) for line in lines[1:]]


def test_ps_default_table(runtime, bundle):
    cid, pid = running(runtime, bundle)
    epid = exec_detached(runtime, cid, "sleep", "999")
    r = runtime.cmd("ps", cid).ok()
    header, pids = pid_column(r.out)
    # `ps -ef` by default: its header, then only the container's lines
    assert header.split()[:3] == ["UID", "PID", "PPID"]
    assert sorted(pids) == sorted([pid, epid])
    assert "sleep 1000" in r.out and "sleep 999" in r.out


def test_ps_options(runtime, bundle):
    cid, pid = running(runtime, bundle)
    # everything after the id goes to ps, flags included
    r = runtime.cmd("ps", cid, "-o", "pid,comm").ok()
    header, pids = pid_column(r.out)
    assert header.split() == ["PID", "COMMAND"]
    assert pids == [pid]
    assert r.out.splitlines()[1].split() == [str(pid), "sleep"]
    # options may also follow "--" before the id
    r = runtime.cmd("ps", "--", cid, "-o", "pid,args").ok()
    assert pid_column(r.out)[1] == [pid]


def test_ps_json(runtime, bundle):
    cid, pid = running(runtime, bundle)
    r = runtime.cmd("ps", "--format", "json", cid).ok()
    assert json.loads(r.out) == [pid]
    epid = exec_detached(runtime, cid, "sleep", "999")
    r = runtime.cmd("ps", "-f", "json", cid).ok()
    assert sorted(json.loads(r.out)) == sorted([pid, epid])
    assert r.out.endswith("]\n")


def test_ps_created_container(runtime, bundle, container_id):
    bundle.set_args("sleep", "1000")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    assert json.loads(runtime.cmd("ps", "-f", "json", container_id).ok().out) == [pid]


def test_ps_stopped_container(runtime, bundle, container_id):
    runtime.start_detached(bundle, "true", cid=container_id)
    runtime.wait_status(container_id, "stopped")
    r = runtime.cmd("ps", container_id).ok()
    assert len(r.out.splitlines()) == 1  # the header alone
    # runc prints Go's encoding of an empty (nil) list
    assert runtime.cmd("ps", "-f", "json", container_id).ok().out == "null\n"


def test_ps_errors(runtime, bundle):
    r = runtime.cmd("ps", "nonexistent")
    assert r.rc == 1 and "does not exist" in r.err, r
    cid, _ = running(runtime, bundle)
    r = runtime.cmd("ps", "--format", "yaml", cid)
    assert r.rc == 1 and "invalid format option" in r.err, r
    r = runtime.cmd("ps", cid, "-o", "comm")
    assert r.rc == 1 and "couldn't find PID field in ps output" in r.err, r
    # ps itself fails: its exit status and output make the message
    r = runtime.cmd("ps", cid, "--no-such-option")
    assert r.rc == 1 and "exit status 1" in r.err, r
    r = runtime.cmd("ps")
    assert r.rc == 1, r
