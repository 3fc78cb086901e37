"""Escape class 3 of SECURITY.md, attacked from a real container: symlinks planted in the
rootfs and processes of a container racing the paths that the runtime works on for another
container sharing its rootfs. Every test asserts that the attack failed: the host file or
directory it aims at is untouched, and the mount, device or mask landed inside the rootfs
(or the runtime refused with an error)."""
import os
import shutil
import subprocess

import pytest

from conftest import read_text
from test_terminal import ConsoleSocket

MARKER = "host marker\n"


@pytest.fixture
def host_dir(runtime):
    """A host directory outside every rootfs, with one file, that no container may touch."""
    made = []

    def make(name="host"):
        d = os.path.join(runtime.workdir, name)
        os.makedirs(d)
        with open(os.path.join(d, "marker"), "w") as f:
            f.write(MARKER)
        made.append(d)
        return d
    yield make
    for d in made:
        subprocess.run(["umount", "-l", d], capture_output=True)


def assert_untouched(d):
    assert not os.path.ismount(d), "%s became a mount point" % d
    assert sorted(os.listdir(d)) == ["marker"], "host dir %s touched: %s" % (d, os.listdir(d))
    assert read_text(os.path.join(d, "marker")) == MARKER


def escape_link(target):
    """A relative symlink target that climbs far above any rootfs, then down to target."""
    return "../" * 40 + target.lstrip("/")


def drop_dev_mount(bundle):
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if m["destination"].rstrip("/") != "/dev"]


RACER_C = r"""
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* racer A B [C D]: swap A with B (and C with D) atomically, forever. */
int main(int argc, char **argv)
{
	if (argc != 3 && argc != 5)
		return 2;
	for (;;)
		for (int i = 1; i + 1 < argc; i += 2)
			syscall(SYS_renameat2, AT_FDCWD, argv[i], AT_FDCWD, argv[i + 1],
				RENAME_EXCHANGE);
}
"""


@pytest.fixture(scope="session")
def racer(tmp_path_factory):
    """A static program for the busybox rootfs that swaps two paths in a loop."""
    cc = shutil.which("gcc") or shutil.which("cc")
    if not cc:
        pytest.skip("no C compiler for the racer")
    d = tmp_path_factory.mktemp("racer")
    (d / "racer.c").write_text(RACER_C)
    out = d / "racer"
    r = subprocess.run([cc, "-static", "-O2", "-o", str(out), str(d / "racer.c")],
                       capture_output=True)
    if r.returncode != 0:
        pytest.skip("cannot build a static racer: %s" % r.stderr.decode()[-300:])
    return str(out)


def start_racer(runtime, bundle, racer, *pairs):
    """Run the racer as the process of a container on bundle's (writable) rootfs."""
    shutil.copy(racer, bundle.rootfs_path("/bin/racer"))
    bundle.writable().set_args("racer", *pairs)
    cid, _ = runtime.start_detached(bundle)
    return cid


def shared_rootfs_bundle(runtime, of):
    """A second bundle whose root.path is the rootfs of bundle `of`."""
    b = runtime.make_bundle()
    b.config["root"]["path"] = of.rootfs
    b.writable()
    return b


# ---------------------------------------------------------------- planted symlinks


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_mount_destination_symlink_stays_in_rootfs(runtime, bundle, host_dir, kind):
    # A mount destination through a symlink that names a host directory: the tmpfs, the
    # bind of a directory and the bind of a file, each on a missing path below it, land
    # below that path inside the rootfs; nothing is made or mounted on the host.
    h = host_dir()
    os.symlink(h if kind == "absolute" else escape_link(h), bundle.rootfs_path("/link"))
    src = os.path.join(runtime.workdir, "src")
    os.makedirs(src)
    with open(os.path.join(src, "from-source"), "w") as f:
        f.write("x")
    bundle.add_mount("/link/tmp/t", "tmpfs", "tmpfs")
    bundle.add_mount("/link/bind/b", "bind", src, ["bind"])
    bundle.add_mount("/link/file/f", "bind", os.path.join(src, "from-source"), ["bind"])
    r = runtime.sh(bundle, "grep -o ' %s/[a-z/]* ' /proc/self/mountinfo; ls %s/bind/b"
                   % (h, h))
    assert r.rc == 0, r
    assert r.out.split() == ["%s/tmp/t" % h, "%s/bind/b" % h, "%s/file/f" % h,
                             "from-source"], r.out
    assert_untouched(h)


@pytest.mark.parametrize("dev_mount", [True, False])
def test_dev_symlink_to_host_dir(runtime, bundle, host_dir, dev_mount):
    # The rootfs's /dev is a symlink to a host directory: the /dev tmpfs, the device nodes,
    # /dev/ptmx and the /dev symlinks go inside the rootfs, never into that directory.
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 makes /dev/ptmx and the /dev symlinks in the host directory")
    h = host_dir()
    dev = bundle.rootfs_path("/dev")
    os.rmdir(dev)
    os.symlink(h, dev)
    if not dev_mount:
        drop_dev_mount(bundle)
    r = runtime.sh(bundle, "echo x > /dev/null && head -c 4 /dev/zero | wc -c")
    assert r.rc == 0, r
    assert r.out.split() == ["4"], r.out
    assert_untouched(h)


@pytest.mark.parametrize("planted", ["file", "symlink"])
def test_replaced_dev_null_never_masks(runtime, bundle, host_dir, planted):
    # CVE-2025-31133: /dev comes from a directory the container controls (a bind mount of
    # a volume) whose "null" is not the null device. maskedPaths must still get the real
    # null device (char 1:3) for files and an empty read-only tmpfs for directories, never
    # a bind of what the container planted.
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 masks with the planted file (CVE-2025-31133, fixed in 1.2.8)")
    vol = host_dir("devvol")
    null = os.path.join(vol, "null")
    decoy = bundle.write_file("/etc/decoy", "DECOY\n", 0o666)
    if planted == "file":
        with open(null, "w") as f:
            f.write("NOT-NULL\n")
    else:
        os.symlink("/etc/decoy", null)
    bundle.write_file("/etc/secret", "SECRET\n")
    bundle.mkdir("/etc/secretdir")
    bundle.write_file("/etc/secretdir/inner", "SECRET\n")
    drop_dev_mount(bundle)
    bundle.add_mount("/dev", "bind", vol, ["rbind"])
    bundle.linux["maskedPaths"] = ["/etc/secret", "/etc/secretdir"]
    r = runtime.sh(bundle, "cat /etc/secret; stat -c '%F %t:%T' /etc/secret; "
                   "ls -A /etc/secretdir; touch /etc/secretdir/x 2>&1 | grep -o Read-only")
    assert r.rc == 0, r
    assert "SECRET" not in r.out and "NOT-NULL" not in r.out and "DECOY" not in r.out, r.out
    assert r.out.splitlines() == ["character special file 1:3", "Read-only"], r.out
    # the volume still has what the container planted; the decoy is unchanged
    assert os.path.islink(null) or read_text(null) == "NOT-NULL\n"
    assert read_text(decoy) == "DECOY\n"


def test_dev_null_file_in_rootfs_is_refused(runtime, bundle):
    # Without a /dev mount the rootfs's own /dev is used: a regular file planted as
    # /dev/null is not taken for the device (the runtime refuses it, or, like runc, masks
    # with the real device anyway).
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 keeps a planted /dev/null and masks with it (CVE-2025-31133)")
    drop_dev_mount(bundle)
    bundle.write_file("/dev/null", "NOT-NULL\n", 0o666)
    bundle.write_file("/etc/secret", "SECRET\n")
    bundle.linux["maskedPaths"] = ["/etc/secret"]
    r = runtime.sh(bundle, "cat /etc/secret; stat -c '%t:%T' /etc/secret")
    if r.rc == 0:
        assert r.out.split() == ["1:3"], r.out
    else:
        assert "/dev/null" in r.err, r.err
    assert read_text(bundle.rootfs_path("/dev/null")) == "NOT-NULL\n"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_dev_console_symlink_to_host_file(runtime, bundle, host_dir, kind):
    # CVE-2025-52565 class: /dev/console is bound from the pty itself onto a plain file of
    # the rootfs; a /dev/console planted as a symlink (to a host file) is refused, never
    # followed, so the bind lands nowhere else.
    if runtime.is_runc:
        pytest.skip("runc 1.1.5 follows the symlink (inside the container)")
    h = host_dir()
    target = os.path.join(h, "marker")
    drop_dev_mount(bundle)
    os.symlink(target if kind == "absolute" else escape_link(target),
               bundle.rootfs_path("/dev/console"))
    bundle.process["terminal"] = True
    bundle.set_args("sh", "-c", "stat -c '%F %t' /dev/console > /tmp/console-type")
    bundle.writable()
    sock = ConsoleSocket(os.path.join(runtime.workdir, "console.sock"))
    try:
        cid = runtime.new_id()
        r = runtime.create(cid, bundle, "--console-socket", sock.path)
        assert r.rc == 1 and "/dev/console" in r.err, r
        assert os.path.islink(bundle.rootfs_path("/dev/console"))
    finally:
        sock.close()
    assert_untouched(h)


# ---------------------------------------------------------------- races from inside


@pytest.mark.timeout(120)
def test_exec_cwd_race(runtime, bundle, host_dir, racer):
    # A container process swaps the directory `exec --cwd` names with a symlink to a host
    # directory: the exec either fails or runs in a directory of the container.
    h = host_dir()
    bundle.mkdir("/w/in")
    bundle.write_file("/w/in/inside", "x")
    os.symlink(h, bundle.rootfs_path("/abs"))
    os.symlink(escape_link(h), bundle.rootfs_path("/rel"))
    cid = start_racer(runtime, bundle, racer, "/w", "/abs")
    for _ in range(15):
        for cwd in ("/w/in", "/abs/in"):
            r = runtime.cmd("exec", "--cwd", cwd, cid, "ls")
            assert "marker" not in r.out, r
            if r.rc == 0:
                assert r.out.split() == ["inside"], r
    assert_untouched(h)


@pytest.mark.timeout(120)
def test_shared_rootfs_mount_destination_race(runtime, bundle, host_dir, racer):
    # CVE-2024-45310 class: a container swaps a directory of its rootfs with symlinks to
    # a host directory while another container on the same rootfs is created with mounts
    # below that directory. The runtime may fail, or mount inside the rootfs; it must never
    # make a file or directory on the host, nor mount there.
    h = host_dir()
    for name in ("vol", "vol2"):
        bundle.mkdir("/" + name)
    os.symlink(h, bundle.rootfs_path("/abs"))
    os.symlink(escape_link(h), bundle.rootfs_path("/rel"))
    start_racer(runtime, bundle, racer, "/vol", "/abs", "/vol2", "/rel")
    src = os.path.join(runtime.workdir, "src")
    os.makedirs(src)
    with open(os.path.join(src, "f"), "w") as f:
        f.write("x")
    b2 = shared_rootfs_bundle(runtime, bundle)
    b2.add_mount("/vol/t1/t2", "tmpfs", "tmpfs")
    b2.add_mount("/vol2/b1/b2", "bind", src, ["bind"])
    b2.add_mount("/vol/f1/f2", "bind", os.path.join(src, "f"), ["bind"])
    b2.set_args("true")
    for _ in range(25):
        cid = runtime.new_id("b")
        runtime.create(cid, b2)
        runtime.delete(cid, "--force")
        assert_untouched(h)
    assert os.listdir(src) == ["f"]


@pytest.mark.timeout(120)
def test_shared_rootfs_readonly_bind_race(runtime, bundle, host_dir, racer):
    # A read-only bind of a host directory into one container, while a container on the
    # same rootfs swaps its destination with a symlink to another mount point (/proc):
    # the read-only flag must stay on the bind (no second lookup of the destination may
    # send it elsewhere), so the host directory is never written.
    h = host_dir()
    bundle.mkdir("/data")
    os.symlink("/proc", bundle.rootfs_path("/decoy"))
    start_racer(runtime, bundle, racer, "/data", "/decoy")
    b2 = shared_rootfs_bundle(runtime, bundle)
    b2.add_mount("/data", "bind", h, ["bind", "ro"])
    b2.sh("for d in /data /decoy; do touch $d/pwned 2>/dev/null; done; true")
    for _ in range(30):
        cid = runtime.new_id("b")
        if runtime.create(cid, b2).rc == 0:
            runtime.start(cid)
            runtime.wait_status(cid, "stopped")
        runtime.delete(cid, "--force")
        assert_untouched(h)

