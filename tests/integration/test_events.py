"""`events`: one stats event (--stats) in runc's format, the stream every --interval, OOM
events, and the end of the stream when the container exits."""

import json
import os
import subprocess
import time

import pytest

import cgutil
from conftest import wait_for

OOM_SCRIPT = "sleep 0.5; dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000"


def stats(runtime, cid):
    r = runtime.cmd("events", "--stats", cid).ok()
    lines = r.out.splitlines()
    assert len(lines) == 1, r.out
    ev = json.loads(lines[0])
    assert ev["type"] == "stats" and ev["id"] == cid
    return ev["data"]


class Stream:
    """`events` running in the background, its stdout read line by line."""

    def __init__(self, runtime, cid, *flags):
        self.out_path = os.path.join(runtime.workdir, "events-%s.out" % cid)
        self.out = open(self.out_path, "w")
        self.p = subprocess.Popen(runtime.argv("events", *flags, cid), stdin=subprocess.DEVNULL,
                                  stdout=self.out, stderr=subprocess.PIPE)

    def events(self):
        with open(self.out_path) as f:
            return [json.loads(l) for l in f.read().splitlines() if l.strip()]

    def of_type(self, t):
        return [e for e in self.events() if e["type"] == t]

    def close(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()
        self.out.close()


@pytest.fixture
def streams():
    opened = []

    def start(runtime, cid, *flags):
        s = Stream(runtime, cid, *flags)
        opened.append(s)
        return s

    yield start
    for s in opened:
        s.close()


def test_stats_format(runtime, bundle):
    """The document of runc's types.Stats: every section, the fields runc always writes."""
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    data = stats(runtime, cid)
    assert set(data) >= {"cpu", "memory", "pids", "blkio", "hugetlb", "intel_rdt",
                         "network_interfaces"}
    assert set(data["cpu"]) == {"usage", "throttling"}
    assert {"kernel", "user"} <= set(data["cpu"]["usage"])
    for entry in ("usage", "swap", "kernel", "kernelTCP"):
        assert {"limit", "failcnt"} <= set(data["memory"][entry])
    assert isinstance(data["memory"].get("raw", {}), dict)
    assert isinstance(data["blkio"], dict)
    assert isinstance(data["hugetlb"], dict)
    assert data["network_interfaces"] is None


def test_stats_values(runtime, bundle):
    bundle.linux["resources"] = {"memory": {"limit": 96 << 20}, "pids": {"limit": 64}}
    # two processes: the background sleep, and sh exec'ing the last one
    bundle.sh("sleep 1000 & sleep 1000")
    cid, pid = runtime.start_detached(bundle)
    wait_for(lambda: stats(runtime, cid)["pids"].get("current") == 2, what="two processes")
    data = stats(runtime, cid)
    assert data["memory"]["usage"]["limit"] == 96 << 20
    assert data["memory"]["usage"]["usage"] > 0
    assert data["pids"] == {"current": 2, "limit": 64}
    assert data["cpu"]["usage"]["total"] > 0
    if not cgutil.V2:
        assert data["cpu"]["usage"]["percpu"]
        assert "cache" in data["memory"]["raw"]
    else:
        assert "anon" in data["memory"]["raw"]


def test_stats_unlimited(runtime, bundle):
    """No pids limit: runc omits it; memory "max" is the largest uint64 on v2."""
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    data = stats(runtime, cid)
    assert "limit" not in data["pids"]
    limit = data["memory"]["usage"]["limit"]
    assert limit == (2 ** 64 - 1 if cgutil.V2 else cgutil.UNLIMITED_V1)


def test_stats_paused(runtime, bundle):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    runtime.cmd("pause", cid).ok()
    assert stats(runtime, cid)["pids"]["current"] == 1
    runtime.cmd("resume", cid).ok()


def test_stats_stopped(runtime, bundle, container_id):
    bundle.set_args("true")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    runtime.wait_status(container_id, "stopped")
    r = runtime.cmd("events", "--stats", container_id).failed()
    assert "container with id %s is not running" % container_id in r.err


def test_missing_container(runtime):
    r = runtime.cmd("events", "--stats", "t-no-such-ctr").failed()
    assert "does not exist" in r.err


@pytest.mark.parametrize("interval,words", [
    ("0", "must be greater than 0"),
    ("-1s", "must be greater than 0"),
    ("5", "parse error"),
    ("soon", "parse error"),
])
def test_bad_interval(runtime, bundle, interval, words):
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    r = runtime.cmd("events", "--interval", interval, cid, timeout=5).failed()
    assert words in r.err


def test_stream(runtime, bundle, streams):
    """Stats every interval; the stream ends when the container exits."""
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    s = streams(runtime, cid, "--interval", "200ms")
    wait_for(lambda: len(s.of_type("stats")) >= 3, timeout=15, what="three stats events")
    assert all(e["id"] == cid for e in s.events())
    runtime.kill(cid, "KILL").ok()
    if runtime.is_runc:
        # runc 1.1 goes on (and spins) until the cgroup is removed
        return
    assert s.p.wait(timeout=10) == 0


def test_stream_ends_with_container(runtime, bundle, streams, container_id):
    """An exit between two events ends the stream at once, not at the next interval."""
    if runtime.is_runc:
        pytest.skip("runc 1.1 streams until the container is deleted")
    bundle.set_args("sleep", "1")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    s = streams(runtime, container_id, "--interval", "60s")
    t0 = time.monotonic()
    assert s.p.wait(timeout=15) == 0
    assert time.monotonic() - t0 < 10
    assert s.events() == []


def test_oom_event(runtime, bundle, streams):
    """A container that outgrows its memory limit is OOM-killed, and events says so."""
    bundle.linux["resources"] = {"memory": {"limit": 32 << 20, "swap": 32 << 20}}
    cid, pid = runtime.start_detached(bundle, "sh", "-c", OOM_SCRIPT)
    s = streams(runtime, cid, "--interval", "60s")
    wait_for(lambda: s.of_type("oom"), timeout=20, what="an oom event")
    assert s.of_type("oom")[0] == {"type": "oom", "id": cid}
    # the kernel counted it
    if cgutil.V2:
        events = cgutil.read(pid, "memory", "memory.events").splitlines()
    else:
        events = cgutil.read(pid, "memory", "memory.oom_control").splitlines()
    assert "oom_kill 0" not in events and any(l.startswith("oom_kill ") for l in events)


def test_no_oom_event_without_oom(runtime, bundle, streams):
    bundle.linux["resources"] = {"memory": {"limit": 64 << 20}}
    cid, _ = runtime.start_detached(bundle, "sh", "-c", "dd if=/dev/zero of=/dev/null bs=4M count=2; sleep 1000")
    s = streams(runtime, cid, "--interval", "100ms")
    wait_for(lambda: len(s.of_type("stats")) >= 5, timeout=15, what="five stats events")
    assert s.of_type("oom") == []
