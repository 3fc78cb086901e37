"""`events`: one stats event (--stats) in runc's format, the stream every --interval, OOM
events, and the end of the stream when the container exits."""

import json
import os
import subprocess
import time

import pytest

import cgutil
from conftest import read_text, wait_for

# Outgrows a 32 MiB limit once /tmp/go exists: the test creates it when events is watching (an
# OOM before that is not an event; on the emulated VM, starting events took over the 0.5 s
# that a fixed sleep used to give it).
OOM_SCRIPT = ("while [ ! -e /tmp/go ]; do sleep 0.05; done; "
              "dd if=/dev/zero of=/dev/null bs=64M count=1; sleep 1000")


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


def _whole_disk(st_dev):
    """"MAJ:MIN" of the disk under a filesystem's device (the disk itself, or the parent of a
    partition), None when the filesystem is not on a block device (tmpfs, overlay, 9p)."""
    dev = "%d:%d" % (os.major(st_dev), os.minor(st_dev))
    sysdir = "/sys/dev/block/" + dev
    if not os.path.exists(sysdir):
        return None
    if os.path.exists(os.path.join(sysdir, "partition")):
        with open(os.path.join(os.path.realpath(sysdir), "..", "dev")) as f:
            return f.read().strip()
    return dev


def _kernel_write_bytes(pid, disk):
    """Bytes written to disk that the kernel accounts to pid's cgroup: v1's io_service_bytes
    ("MAJ:MIN Write N" lines; BFQ's, CFQ's or the throttle layer's file), v2's io.stat
    ("MAJ:MIN rbytes=N wbytes=N ...")."""
    if cgutil.V2:
        for line in (cgutil.read(pid, "io", "io.stat") or "").splitlines():
            f = line.split()
            if f and f[0] == disk:
                return int(dict(kv.split("=", 1) for kv in f[1:]).get("wbytes", 0))
        return 0
    best = 0
    for name in ("blkio.bfq.io_service_bytes_recursive", "blkio.io_service_bytes_recursive",
                 "blkio.throttle.io_service_bytes_recursive"):
        for line in (cgutil.read(pid, "blkio", name) or "").splitlines():
            f = line.split()
            if len(f) == 3 and f[0] == disk and f[1] == "Write":
                best = max(best, int(f[2]))
    return best


def test_stats_blkio_direct_write(runtime, bundle, container_id):
    """An O_DIRECT write from the container to a disk-backed bind mount is its own I/O (no
    page cache, no writeback thread): blkio's ioServiceBytesRecursive (runc's name) shows a
    Write entry for that disk of at least the bytes written."""
    data_dir = os.path.join(runtime.workdir, "disk-data")
    os.mkdir(data_dir)
    disk = _whole_disk(os.stat(data_dir).st_dev)
    if disk is None:
        pytest.skip("%s is not on a block device here" % runtime.workdir)
    major, minor = (int(x) for x in disk.split(":"))
    bundle.add_mount("/data", "bind", data_dir, ["rbind", "rw"])
    bundle.sh("dd if=/dev/zero of=/data/f bs=64k count=16 oflag=direct && echo written; "
              "sleep 1000")
    r = runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    wait_for(lambda: "written" in read_text(r.out_path), what="the direct write")
    pid = runtime.state(container_id)["pid"]
    if _kernel_write_bytes(pid, disk) < 1 << 20:
        pytest.skip("the kernel does not account this write to the cgroup (disk %s)" % disk)
    entries = stats(runtime, container_id)["blkio"].get("ioServiceBytesRecursive", [])
    writes = [e for e in entries if e.get("major") == major and e.get("minor", 0) == minor
              and e.get("op") == "Write"]
    assert len(writes) == 1 and writes[0].get("value", 0) >= 1 << 20, entries


def test_stats_hugetlb(runtime, bundle):
    """One hugetlb entry per page size of the kernel, keyed as runc keys them ("2MB"), with
    its failcnt. Where the container's cgroup has no hugetlb files (a hybrid host whose
    cgroup2 root does not delegate hugetlb, as here) there is nothing to show: the VM (v2)
    runs it."""
    where = cgutil.hierarchy_of("hugetlb")
    sizes = cgutil.hugepage_sizes()
    if where is None or not sizes:
        pytest.skip("no hugetlb controller or no huge page sizes on this host")
    if cgutil.HYBRID and where == "v2" and "hugetlb" not in cgutil.v2_subtree_control():
        pytest.skip("hugetlb is in this hybrid host's cgroup2 mount and not delegated there")
    cid, _ = runtime.start_detached(bundle, "sleep", "1000")
    h = stats(runtime, cid)["hugetlb"]
    assert sorted(h) == sorted(sizes), h
    for size in sizes:
        assert h[size].get("failcnt") == 0, h
        assert h[size].get("usage", 0) == 0, h


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


def holds_pidfd(pid):
    """Whether process pid holds a pidfd (events opens one of the init before it waits)."""
    d = "/proc/%d/fd" % pid
    try:
        fds = os.listdir(d)
    except OSError:
        return False
    for fd in fds:
        try:
            if "pidfd" in os.readlink(os.path.join(d, fd)):  # anon_inode:[pidfd], pidfd:[N]
                return True
        except OSError:
            pass
    return False


def test_stream_ends_with_container(runtime, bundle, streams, container_id):
    """An exit between two events ends the stream at once, not at the next interval."""
    if runtime.is_runc:
        pytest.skip("runc 1.1 streams until the container is deleted")
    # The process exits once events watches it (a fixed `sleep 1` lost that race on the
    # emulated VM, where events then found the container stopped).
    bundle.set_args("sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.05; done")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    s = streams(runtime, container_id, "--interval", "60s")
    wait_for(lambda: holds_pidfd(s.p.pid), timeout=30, what="events watching the init")
    with open(os.path.join(bundle.rootfs, "tmp", "go"), "w"):
        pass
    t0 = time.monotonic()
    assert s.p.wait(timeout=15) == 0
    assert time.monotonic() - t0 < 10
    assert s.events() == []


def test_oom_event(runtime, bundle, streams):
    """A container that outgrows its memory limit is OOM-killed, and events says so."""
    bundle.linux["resources"] = {"memory": {"limit": 32 << 20, "swap": 32 << 20}}
    cid, pid = runtime.start_detached(bundle, "sh", "-c", OOM_SCRIPT)
    s = streams(runtime, cid, "--interval", "200ms")
    # The first stats event comes after the OOM watch is set up.
    wait_for(lambda: s.of_type("stats"), timeout=30, what="a stats event")
    with open(os.path.join(bundle.rootfs, "tmp", "go"), "w"):
        pass
    wait_for(lambda: s.of_type("oom"), timeout=30, what="an oom event")
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
