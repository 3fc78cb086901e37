"""checkpoint and restore (issue 9): memory pages sent to a page server, lazy restore over
userfaultfd, and a container whose mounts and resources criu must be told about.  Needs
criu (runs in the VM, see test_checkpoint.py); the flag refusals run everywhere."""

import os
import random
import shutil
import subprocess

import pytest

from conftest import wait_for
from test_checkpoint import (CR_TIMEOUT, QUICK, SLOW, assert_consecutive, assert_running,
                             checkpoint, counts, image_dir, restore, start_counter,
                             wait_count)
from test_checkpoint import criu, criu_unusable  # noqa: F401 (fixtures)


def _port():
    return random.randrange(20000, 60000)


def _criu(*args):
    return subprocess.run([shutil.which("criu") or "/usr/sbin/criu", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=CR_TIMEOUT)


@SLOW
def test_page_server(runtime, bundle, container_id, criu):
    """--page-server: the pages go to `criu page-server`, the rest to the image path; with
    both in one directory the restore goes on counting."""
    cid, _ = start_counter(runtime, bundle, container_id)
    pages, image = image_dir(runtime, "pages"), image_dir(runtime)
    os.makedirs(pages)
    port = _port()
    p = _criu("page-server", "--images-dir", pages, "--port", str(port), "-d",
              "-o", os.path.join(pages, "ps.log"))
    assert p.returncode == 0, p
    checkpoint(runtime, cid, image, "--page-server", "127.0.0.1:%d" % port).ok()
    assert any(f.startswith("pages-") for f in os.listdir(pages)), os.listdir(pages)
    assert not any(f.startswith("pages-") for f in os.listdir(image))
    for f in os.listdir(pages):
        shutil.copy(os.path.join(pages, f), image)
    n = len(counts(bundle))
    restore(runtime, cid, bundle, image).ok()
    runtime.track(cid)
    assert_consecutive(wait_count(bundle, n + 3, "the restored counter"))


@SLOW
def test_lazy_pages(runtime, bundle, container_id, criu):
    """--lazy-pages with --page-server and --status-fd: the dump says on the status fd when
    it serves pages; `criu lazy-pages` on the restoring side fetches them as the restored
    process faults; the checkpoint ends when all are sent."""
    cid, _ = start_counter(runtime, bundle, container_id)
    image = image_dir(runtime)
    os.makedirs(image)
    port = _port()
    rd, wr = os.pipe()
    dump = subprocess.Popen(
        runtime.argv("checkpoint", "--image-path", image, "--lazy-pages", "--page-server",
                     "127.0.0.1:%d" % port, "--status-fd", str(wr), cid),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        pass_fds=(wr,))
    os.close(wr)
    try:
        ready = os.read(rd, 1)
        assert ready == b"\0", (ready, dump.poll())
        p = _criu("lazy-pages", "--page-server", "--address", "127.0.0.1", "--port", str(port),
                  "--images-dir", image, "-d", "-o", os.path.join(image, "lazy-pages.log"))
        assert p.returncode == 0, p
        n = len(counts(bundle))
        # The dump holds the old container until its pages are all sent: on the same host
        # the restored one takes another id.
        new = cid + "-r"
        runtime.track(new)
        restore(runtime, new, bundle, image, "--lazy-pages").ok()
        out, err = dump.communicate(timeout=CR_TIMEOUT)
        assert dump.returncode == 0, err
        assert_consecutive(wait_count(bundle, n + 3, "the lazily restored counter"))
    finally:
        os.close(rd)
        if dump.poll() is None:
            dump.kill()
            dump.wait()


@SLOW
def test_readonly_root_binds_and_resources(runtime, bundle, container_id, criu, tmp_path):
    """A read-only rootfs, a bind mount from the host and resources: after a restore into a
    new id the root is still read-only, the bind is there again (the counter goes on in it)
    and the new cgroup has the config's limits."""
    data = tmp_path / "data"
    data.mkdir()
    bundle.mkdir("/data")
    bundle.add_mount("/data", "bind", str(data), ["rbind", "rw"])
    bundle.config["root"]["readonly"] = True
    bundle.linux.setdefault("resources", {})["pids"] = {"limit": 42}
    bundle.sh("exec </dev/null >/dev/null 2>&1; i=0; "
              "while :; do i=$((i+1)); echo $i >> /data/count; sleep 0.2; done")
    cid = container_id
    runtime.create(cid, bundle).ok()
    runtime.start(cid).ok()

    def values():
        try:
            return [int(l) for l in (data / "count").read_text().split()]
        except OSError:
            return []
    wait_for(lambda: len(values()) >= 3, timeout=90, what="the counter")
    image = image_dir(runtime)
    checkpoint(runtime, cid, image).ok()
    n = len(values())
    new = cid + "-r"
    runtime.track(new)
    restore(runtime, new, bundle, image).ok()
    wait_for(lambda: len(values()) >= n + 3, timeout=90, what="the restored counter")
    assert_consecutive(values())
    r = runtime.cmd("exec", new, "sh", "-c", "echo x > /probe")
    assert r.rc != 0 and "Read-only file system" in r.err + r.out, r
    pid = runtime.state(new)["pid"]
    with open("/proc/%d/cgroup" % pid) as f:
        lines = f.read()
    assert new in lines and cid + "\n" not in lines, lines
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        path = lines.strip().split("::", 1)[1]
        with open("/sys/fs/cgroup%s/pids.max" % path) as f:
            assert f.read().strip() == "42"
    runtime.delete(new, "--force").ok()


@QUICK
@pytest.mark.runc_differs  # runc passes a malformed address on to criu
def test_bad_page_server_refused(runtime, bundle, container_id, tmp_path):
    cid, pid = runtime.start_detached(bundle, "sleep", "1000", cid=container_id)
    r = runtime.cmd("checkpoint", "--page-server", "nowhere", "--image-path",
                    str(tmp_path / "img"), cid)
    assert r.rc == 1 and "--page-server" in r.err and "ADDRESS:PORT" in r.err, r
    assert_running(runtime, cid, pid)
