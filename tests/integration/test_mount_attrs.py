"""Recursive mount attributes (rro, rnosuid, ... runc >= 1.1, mount_setattr(AT_RECURSIVE)):
they reach every mount of an rbind, where the plain options reach only the top one.

The source is /sys/fs/cgroup, which has the cgroup hierarchies mounted under it, so an
rbind of it carries submounts (its pids hierarchy, or cgroup2's root on a v2 host).
"""

import pytest

from test_config import mountinfo

SRC = "/sys/fs/cgroup"


def submount():
    """A mount point under SRC (relative)."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4]
            if mp.startswith(SRC + "/") and "/" not in mp[len(SRC) + 1:]:
                return mp[len(SRC) + 1:]
    pytest.skip("nothing is mounted under %s" % SRC)


def opts_inside(runtime, bundle, options):
    sub = submount()
    bundle.add_mount("/mnt/rb", "bind", SRC, ["rbind"] + options)
    r = runtime.sh(bundle, "cat /proc/self/mountinfo")
    assert r.rc == 0, r
    mi = mountinfo(r.out)
    return mi["/mnt/rb"]["opts"], mi["/mnt/rb/" + sub]["opts"]


@pytest.mark.parametrize("opt,flag", [("rro", "ro"), ("rnosuid", "nosuid"), ("rnodev", "nodev"),
                                      ("rnoexec", "noexec"), ("rnoatime", "noatime"),
                                      ("rnodiratime", "nodiratime"),
                                      ("rnosymfollow", "nosymfollow")])
def test_recursive_attribute_reaches_submounts(runtime, bundle, opt, flag):
    top, sub = opts_inside(runtime, bundle, [opt])
    assert flag in top, top
    assert flag in sub, sub


def test_plain_ro_is_not_recursive(runtime, bundle):
    top, sub = opts_inside(runtime, bundle, ["ro"])
    assert "ro" in top, top
    # The host's hierarchies are mounted rw (cgroup v1) or ro (a read-only /sys on some
    # hosts): the plain option must not have changed the submount either way.
    with open("/proc/self/mountinfo") as f:
        host = mountinfo(f.read())
    assert ("ro" in sub) == ("ro" in host[SRC + "/" + submount()]["opts"]), (sub, host)


@pytest.mark.runc_differs
def test_later_option_wins(runtime, bundle):
    # rrw after rro clears it again: options apply in order. runc 1.1 keeps ro.
    if runtime.is_runc:
        pytest.skip("runc 1.1 keeps the first of rro/rrw")
    top, sub = opts_inside(runtime, bundle, ["rro", "rrw"])
    with open("/proc/self/mountinfo") as f:
        host = mountinfo(f.read())
    host_sub_ro = "ro" in host[SRC + "/" + submount()]["opts"]
    if not host_sub_ro:
        assert "rw" in sub, sub


@pytest.mark.runc_differs
def test_recursive_atime_field(runtime, bundle):
    # The atime setting is one field: rstrictatime replaces an earlier rnoatime. runc 1.1
    # asks the kernel for both and gets EINVAL.
    if runtime.is_runc:
        pytest.skip("runc 1.1 fails with EINVAL")
    top, sub = opts_inside(runtime, bundle, ["rnoatime", "rstrictatime"])
    for o in (top, sub):
        assert "noatime" not in o and "relatime" not in o, o


@pytest.mark.runc_differs
def test_recursive_attribute_on_a_tmpfs(runtime, bundle):
    # The spec does not limit them to bind mounts; runc 1.1 ignores them on others.
    if runtime.is_runc:
        pytest.skip("runc 1.1 applies recursive attributes to bind mounts only")
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["rnoexec", "rro"])
    r = runtime.sh(bundle, "cat /proc/self/mountinfo")
    assert r.rc == 0, r
    o = mountinfo(r.out)["/mnt/t"]["opts"]
    assert "noexec" in o and "ro" in o, o


def test_unknown_recursive_option_is_data(runtime, bundle):
    # Not one of the table's: handed to the filesystem, which refuses it.
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["rnosuchthing"])
    r = runtime.sh(bundle, "true")
    assert r.rc != 0, r
