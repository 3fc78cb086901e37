"""Escape classes of issue 5 that the core runtime closes (see SECURITY.md)."""
import errno
import os

import pytest

from conftest import read_text, wait_for


def test_runtime_binary_on_readonly_mount_while_in_container(runtime, bundle):
    # CVE-2019-5736: the init runs runtime code until start; its /proc/<pid>/exe must be on
    # a read-only mount, so that a container process holding it cannot reopen it for
    # writing once the runtime has exited. (While the binary runs, ETXTBSY hides EROFS, so
    # the mount flag is what is read first.)
    if runtime.is_runc:
        pytest.skip("runc 1.1 protects itself with a memfd copy instead")
    bundle.set_args("true")
    cid = runtime.new_id()
    runtime.create(cid, bundle).ok()
    pid = runtime.state(cid)["pid"]
    assert os.statvfs("/proc/%d/exe" % pid).f_flag & os.ST_RDONLY, \
        "runtime binary reachable on a writable mount"
    fd = os.open("/proc/%d/exe" % pid, os.O_PATH)
    try:
        runtime.delete(cid, "--force").ok()
        with pytest.raises(OSError) as exc:
            os.close(os.open("/proc/self/fd/%d" % fd, os.O_WRONLY))
        # EROFS; ETXTBSY only while another test's ocirun happens to run
        assert exc.value.errno in (errno.EROFS, errno.ETXTBSY)
    finally:
        os.close(fd)


def test_no_runtime_fds_and_cwd_inside(runtime, bundle):
    # CVE-2024-21626: only stdio reaches the container, and its cwd is inside it.
    r = runtime.run_in(bundle, "sh", "-c", "ls /proc/self/fd; readlink /proc/self/cwd")
    assert r.rc == 0, r
    lines = r.out.split()
    fds = sorted(int(x) for x in lines[:-1])
    # ls opens one directory fd (3) to list /proc/self/fd
    assert fds in ([0, 1, 2], [0, 1, 2, 3]), r.out
    assert lines[-1] == "/"


def test_apparmor_profile_without_apparmor_is_refused(runtime, bundle):
    if os.path.exists("/sys/module/apparmor/parameters/enabled"):
        pytest.skip("AppArmor is present on this host")
    bundle.set_args("true")
    bundle.process["apparmorProfile"] = "some-profile"
    r = runtime.run(runtime.new_id(), bundle)
    if runtime.is_runc:
        # runc 1.1 ignores the profile where AppArmor is off
        return
    assert r.rc == 1, r
    assert "apparmorProfile" in r.err and "not enabled" in r.err, r.err


def test_selinux_label_without_selinux_is_refused(runtime, bundle):
    # runc's behaviour: a process label where SELinux is off is an error
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is on")
    bundle.set_args("true")
    bundle.process["selinuxLabel"] = "system_u:system_r:container_t:s0"
    r = runtime.run(runtime.new_id(), bundle)
    assert r.rc == 1, r
    assert "selinux is disabled or not supported" in r.err, r.err


def test_mount_label_unused_without_selinux(runtime, bundle):
    if os.path.exists("/sys/fs/selinux/enforce"):
        pytest.skip("SELinux is on")
    if runtime.is_runc:
        pytest.skip("runc 1.1 passes context= to mount(2) anyway and the kernel refuses it")
    bundle.config["linux"]["mountLabel"] = "system_u:object_r:container_file_t:s0"
    r = runtime.run_in(bundle, "echo", "ran")
    assert r.rc == 0 and r.out == "ran\n", r


# The container's init is the attacker (CVE-2019-5736 with CAP_SYS_PTRACE): it replaces its
# /etc/passwd with a FIFO (its own hard link in the bundle: the shared rootfs is untouched),
# then waits for the runtime's exec child to appear in its pid namespace (the one process that is not busybox),
# which stays in runtime code, blocked opening the container's /etc/passwd (a FIFO; the
# runtime reads it for HOME), until the attacker lets it go. Meanwhile it tries to write to
# the runtime's /proc/<pid>/exe and keeps a read fd to it; once the child has exec'd the
# user's program, it tries to reopen that fd for writing, as the published exploit does.
EXE_ATTACK = r'''
rm /etc/passwd && mkfifo /etc/passwd && echo armed
while :; do
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    e=$(readlink "$d/exe" 2>/dev/null) || continue
    [ -n "$e" ] && [ "$e" != /bin/busybox ] && break 2
  done
  sleep 0.02
done
echo "found $p"
exec 3< "/proc/$p/exe" && echo held
err=$( { echo x >> "/proc/$p/exe"; } 2>&1 ) && echo "during: WRITTEN" || echo "during: $err"
echo "root:x:0:0:root:/root:/bin/sh" > /etc/passwd
while [ "$(readlink /proc/$p/exe 2>/dev/null)" = "$e" ]; do sleep 0.02; done
err=$( { echo x >> /proc/self/fd/3; } 2>&1 ) && echo "after: WRITTEN" || echo "after: $err"
exec sleep 1000
'''


def _sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_runtime_exe_not_writable_during_exec(runtime, bundle, container_id):
    before = _sha256(runtime.path)
    bundle.writable()
    for s in ("bounding", "effective", "permitted"):
        bundle.process["capabilities"][s].append("CAP_SYS_PTRACE")
    bundle.sh(EXE_ATTACK)
    r = runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    wait_for(lambda: "armed" in read_text(r.out_path), what="the FIFO in place")
    ex = runtime.cmd("exec", container_id, "true", timeout=30)
    assert ex.rc == 0, (ex, read_text(r.out_path))
    out = wait_for(lambda: "after: " in read_text(r.out_path) and read_text(r.out_path),
                   what="the attempt after the exec")
    lines = dict(l.split(": ", 1) for l in out.splitlines() if ": " in l)
    assert "held" in out.splitlines(), out
    refusals = ("Text file busy", "Read-only file system", "Permission denied",
                "Operation not permitted")
    for when in ("during", "after"):
        assert when in lines and any(x in lines[when] for x in refusals), out
    assert _sha256(runtime.path) == before
