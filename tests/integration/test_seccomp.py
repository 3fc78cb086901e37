"""linux.seccomp as the container sees it, and ocirun's cache of compiled filters: the
runtime compiles a profile once (libseccomp), keyed by its content, and later containers
and execs with the same profile load the stored program. A damaged entry must never
weaken the filter."""
import os
import random
import re

import pytest

CACHE_DIR = "/run/ocirun-cache/seccomp"


def unique_profile():
    # EDQUOT for mkdir; the personality rule (the default's action, so not in the program)
    # only makes this profile's content, and so its cache entry, the test's own.
    return {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 122},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": random.randrange(1 << 40), "op": "SCMP_CMP_EQ"}]},
        ],
    }


def run_mkdir(runtime, bundle):
    r = runtime.sh(bundle, "mkdir /tmp/x; echo rc=$?; grep ^Seccomp: /proc/self/status",
                   global_args=("--debug",))
    assert r.rc == 0, r
    assert "rc=1" in r.out and "Disk quota exceeded" in r.err, r
    assert "Seccomp:\t2" in r.out, r
    return r.err


def entry_of(log, what):
    m = re.search(r"seccomp cache: %s ([0-9a-f]{64}\.bpf)" % what, log)
    assert m, log
    return os.path.join(CACHE_DIR, m.group(1))


@pytest.fixture
def ocirun_only(runtime):
    if runtime.is_runc:
        pytest.skip("ocirun's own cache")


def test_profile_cached_and_enforced(runtime, bundle, ocirun_only):
    bundle.linux["seccomp"] = unique_profile()
    bundle.writable()
    path = entry_of(run_mkdir(runtime, bundle), "miss, stored")
    try:
        st = os.lstat(path)
        assert st.st_uid == os.geteuid() and st.st_mode & 0o077 == 0
        assert entry_of(run_mkdir(runtime, bundle), "hit") == path
        # exec compiles nothing either: the container's profile is in the cache
        cid, _ = runtime.start_detached(bundle, "sleep", "1000")
        r = runtime.cmd("exec", cid, "sh", "-c", "mkdir /tmp/y; echo rc=$?",
                        global_args=("--debug",))
        assert "rc=1" in r.out and "Disk quota exceeded" in r.err, r
        assert entry_of(r.err, "hit") == path
    finally:
        os.unlink(path)


@pytest.mark.parametrize("damage", ["flip", "truncate", "symlink"])
def test_damaged_entry_recompiled(runtime, bundle, ocirun_only, damage):
    bundle.linux["seccomp"] = unique_profile()
    bundle.writable()
    path = entry_of(run_mkdir(runtime, bundle), "miss, stored")
    try:
        size = os.path.getsize(path)
        if damage == "flip":
            # an instruction of the program: a RET_ERRNO answer could become RET_ALLOW
            with open(path, "r+b") as f:
                f.seek(size // 2)
                b = f.read(1)
                f.seek(size // 2)
                f.write(bytes([b[0] ^ 0xff]))
        elif damage == "truncate":
            os.truncate(path, size - 8)
        else:
            # a valid entry, even: only a regular file in its own name is used
            decoy = path + ".decoy"
            os.rename(path, decoy)
            os.symlink(decoy, path)
        log = run_mkdir(runtime, bundle)
        assert "seccomp cache: hit" not in log, log
        assert entry_of(log, "miss, stored") == path
        assert not os.path.islink(path) and os.path.getsize(path) == size
    finally:
        for p in (path, path + ".decoy"):
            if os.path.lexists(p):
                os.unlink(p)


@pytest.mark.parametrize("nnp", [False, True])
def test_init_calls_nothing_the_profile_kills(runtime, bundle, nnp):
    """Without noNewPrivileges the filter goes in before the init waits for start; from
    there the init calls nothing of its own that the profile may refuse. ocirun's init
    flushes its CPU's LRU batch with madvise before that wait, only when no filter is in:
    a profile that kills on madvise still runs its process, with or without
    noNewPrivileges."""
    bundle.linux["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["madvise"], "action": "SCMP_ACT_KILL_PROCESS"}],
    }
    bundle.process["noNewPrivileges"] = nnp
    r = runtime.run_in(bundle, "echo", "ran")
    assert r.rc == 0 and "ran" in r.out, r
