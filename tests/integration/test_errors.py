"""Failures: exit status non-zero, a message naming what was wrong, and
nothing left behind (the leak check after each test covers state dirs,
cgroups, mounts and processes; here we also check `list` stays empty).

Message checks use substrings common to runc and a runtime that names the
offending field or value; runc-only wording is marked as such."""

import json
import os

import pytest

from conftest import read_text


def check_message(runtime, err, common=(), runc=(), other=(), lower=()):
    """Every `common` substring must appear; `runc` ones only when the runtime is
    runc (its exact wording), `other` ones only when it is not (a runtime that
    names the field); `lower` ones case-insensitively."""
    for s in common:
        assert s in err, (s, err)
    for s in lower:
        assert s.lower() in err.lower(), (s, err)
    for s in (runc if runtime.is_runc else other):
        assert s in err, (s, err)


def fails_cleanly(runtime, bundle, cid=None, command="create"):
    cid = cid or runtime.new_id()
    if command == "create":
        r = runtime.create(cid, bundle)
    else:
        r = runtime.run(cid, bundle)
    assert r.rc not in (0, None), r
    assert r.err.strip(), r
    assert runtime.cmd("state", cid).rc != 0
    assert runtime.cmd("list", "-q").out.strip() == ""
    assert not os.path.exists(os.path.join(runtime.root, cid))
    return r


@pytest.fixture(params=["create", "run"])
def command(request):
    return request.param


def test_bad_json(runtime, bundle, command):
    with open(bundle.config_path, "w") as f:
        f.write('{"ociVersion": "1.0.2", bad')
    cid = runtime.new_id()
    r = runtime.cmd(command, "--bundle", bundle.path, cid)
    assert r.rc == 1, r
    assert runtime.cmd("state", cid).rc == 1
    # runc: "invalid character 'b' looking for beginning of object key string"
    check_message(runtime, r.err, runc=["invalid character"], other=["config.json"])


def test_truncated_json(runtime, bundle):
    text = json.dumps(bundle.config)
    with open(bundle.config_path, "w") as f:
        f.write(text[: len(text) // 2])
    cid = runtime.new_id()
    r = runtime.cmd("create", "--bundle", bundle.path, cid)
    assert r.rc == 1, r
    assert runtime.cmd("state", cid).rc == 1
    check_message(runtime, r.err, runc=["unexpected EOF"], other=["config.json"])


def test_json_wrong_type(runtime, bundle):
    bundle.process["args"] = "sleep 10"
    r = fails_cleanly(runtime, bundle)
    check_message(runtime, r.err, common=["args"])


def test_json_negative_uid(runtime, bundle):
    bundle.process["user"]["uid"] = -1
    r = fails_cleanly(runtime, bundle)
    check_message(runtime, r.err, common=["uid"])


@pytest.mark.runc_differs
def test_duplicate_json_keys(runtime, bundle, container_id):
    """runc (Go's encoding/json) accepts duplicate keys, the last one wins.
    ocirun must reject them, naming the key."""
    bundle.set_args("sleep", "60")
    text = json.dumps(bundle.config, indent=1)
    assert text.startswith("{\n")
    text = '{\n "hostname": "first-value",' + text[1:]
    with open(bundle.config_path, "w") as f:
        f.write(text)
    r = runtime.cmd("create", "--bundle", bundle.path, container_id)
    if runtime.is_runc:
        assert r.rc == 0, r
        runtime.delete(container_id, "--force").ok()
    else:
        assert r.rc == 1, r
        assert runtime.cmd("state", container_id).rc == 1
        check_message(runtime, r.err, common=["hostname"], lower=["duplicate"])


def test_missing_config(runtime, bundle, command):
    os.unlink(bundle.config_path)
    cid = runtime.new_id()
    r = runtime.cmd(command, "--bundle", bundle.path, cid)
    assert r.rc == 1, r
    assert runtime.cmd("state", cid).rc == 1
    # runc: "JSON specification file config.json not found"
    check_message(runtime, r.err, common=["config.json"])


def test_missing_bundle_dir(runtime):
    cid = runtime.new_id()
    d = os.path.join(runtime.workdir, "no-such-bundle")
    r = runtime.cmd("create", "--bundle", d, cid)
    assert r.rc == 1, r
    assert runtime.cmd("state", cid).rc == 1
    check_message(runtime, r.err, common=[d])


def test_missing_process(runtime, bundle):
    del bundle.config["process"]
    r = fails_cleanly(runtime, bundle)
    # runc: "process property must not be empty"
    check_message(runtime, r.err, common=["process"])


def test_missing_root(runtime, bundle):
    del bundle.config["root"]
    r = fails_cleanly(runtime, bundle)
    # runc: "root must be specified"
    check_message(runtime, r.err, common=["root"])


def test_missing_rootfs(runtime, bundle, command):
    bundle.config["root"]["path"] = "nope-rootfs"
    r = fails_cleanly(runtime, bundle, command=command)
    # runc: "invalid rootfs: stat <bundle>/nope-rootfs: no such file or directory"
    check_message(runtime, r.err, common=["nope-rootfs"])


def test_mount_source_missing(runtime, bundle, command):
    src = os.path.join(runtime.workdir, "no-such-source")
    bundle.add_mount("/mnt/x", "bind", src, ["bind"])
    bundle.set_args("sleep", "60")
    r = fails_cleanly(runtime, bundle, command=command)
    # runc: error mounting "<src>" to rootfs at "/mnt/x": stat <src>: no such file or directory
    check_message(runtime, r.err, common=[src])


def test_mount_unknown_fstype(runtime, bundle):
    bundle.add_mount("/mnt/x", "no-such-fs", "none")
    bundle.set_args("sleep", "60")
    r = fails_cleanly(runtime, bundle)
    # runc: error mounting "none" to rootfs at "/mnt/x": ... no such device
    check_message(runtime, r.err, common=["/mnt/x"])


def test_duplicate_id(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    st = runtime.state(container_id)
    other = runtime.make_bundle()
    other.set_args("sleep", "60")
    for cmd in ("create", "run"):
        r = runtime.cmd(cmd, "--bundle", other.path, container_id)
        assert r.rc == 1, r
        # runc: "container with given ID already exists"
        check_message(runtime, r.err, lower=["exists"], other=[container_id])
    assert runtime.state(container_id) == st
    assert runtime.cmd("list", "-q").out == container_id + "\n"


@pytest.mark.parametrize("bad", ["a/b", "..", "with space", "../escape"])
def test_invalid_id(runtime, bundle, bad):
    bundle.set_args("sleep", "60")
    r = runtime.create(bad, bundle)
    assert r.rc == 1, r
    # runc: "invalid container ID format"
    check_message(runtime, r.err, lower=["id"], other=[bad])
    assert runtime.cmd("list", "-q").out.strip() == ""
    assert not os.path.exists(os.path.join(runtime.workdir, "escape"))


def test_namespace_path_not_a_namespace(runtime, bundle, command):
    p = os.path.join(runtime.workdir, "not-a-netns")
    with open(p, "w") as f:
        f.write("x")
    bundle.add_namespace("network", p)
    bundle.set_args("sleep", "60")
    r = fails_cleanly(runtime, bundle, command=command)
    # runc: "failed to setns into net namespace: Invalid argument" (no path)
    check_message(runtime, r.err, lower=["namespace"], other=[p])


def test_namespace_path_missing(runtime, bundle):
    p = os.path.join(runtime.workdir, "no-such-netns")
    bundle.add_namespace("network", p)
    bundle.set_args("sleep", "60")
    r = fails_cleanly(runtime, bundle)
    check_message(runtime, r.err, common=[p])


def test_unknown_namespace_type(runtime, bundle):
    bundle.linux["namespaces"].append({"type": "bogus"})
    r = fails_cleanly(runtime, bundle)
    # runc: namespace {"bogus" ""} does not exist
    check_message(runtime, r.err, common=["bogus"])


def test_duplicate_namespace(runtime, bundle):
    bundle.linux["namespaces"].append({"type": "network"})
    r = fails_cleanly(runtime, bundle)
    # runc: "malformed spec file: duplicated ns {"network" ""}"
    check_message(runtime, r.err, common=["network"])


def test_args0_not_executable(runtime, bundle, command):
    bundle.write_file("/bin/notexec", "#!/bin/sh\necho hi\n", 0o644)
    bundle.set_args("/bin/notexec")
    r = fails_cleanly(runtime, bundle, command=command)
    # runc: exec: "/bin/notexec": permission denied
    check_message(runtime, r.err, common=["/bin/notexec"], lower=["permission denied"])


def test_args0_is_directory(runtime, bundle):
    bundle.set_args("/tmp")
    r = fails_cleanly(runtime, bundle)
    check_message(runtime, r.err, common=["/tmp"])


def test_args0_missing_absolute(runtime, bundle, command):
    bundle.set_args("/bin/no-such-program")
    r = fails_cleanly(runtime, bundle, command=command)
    # runc: exec: "/bin/no-such-program": stat /bin/no-such-program: no such file or directory
    check_message(runtime, r.err, common=["/bin/no-such-program"])


def test_args0_missing_in_path(runtime, bundle):
    bundle.set_args("no-such-program")
    r = fails_cleanly(runtime, bundle)
    # runc: exec: "no-such-program": executable file not found in $PATH
    check_message(runtime, r.err, common=["no-such-program"])


@pytest.mark.parametrize("how", ["empty", "absent"])
def test_empty_args(runtime, bundle, how):
    if how == "empty":
        bundle.process["args"] = []
    else:
        del bundle.process["args"]
    r = fails_cleanly(runtime, bundle)
    # runc: "args must not be empty"
    check_message(runtime, r.err, common=["args"])


def test_relative_cwd(runtime, bundle):
    bundle.process["cwd"] = "relative/dir"
    r = fails_cleanly(runtime, bundle)
    # runc: "Cwd must be an absolute path"
    check_message(runtime, r.err, lower=["cwd"])


def test_sysctl_needs_namespace(runtime, bundle):
    bundle.remove_namespace("network")
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": "1"}
    r = fails_cleanly(runtime, bundle)
    # runc: sysctl "net.ipv4.ip_forward" not allowed in host network namespace
    check_message(runtime, r.err, common=["net.ipv4.ip_forward"])
    assert read_text("/proc/sys/net/ipv4/ip_forward").strip() in ("0", "1")


def test_sysctl_unknown(runtime, bundle):
    bundle.linux["sysctl"] = {"kernel.no_such_knob": "1"}
    r = fails_cleanly(runtime, bundle)
    check_message(runtime, r.err, common=["kernel.no_such_knob"])


def test_unknown_rlimit(runtime, bundle):
    bundle.process["rlimits"].append({"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1})
    r = fails_cleanly(runtime, bundle)
    # runc: "wrong rlimit value: RLIMIT_BOGUS"
    check_message(runtime, r.err, common=["RLIMIT_BOGUS"])


def test_user_namespace_without_mappings(runtime, bundle):
    bundle.add_namespace("user")
    r = fails_cleanly(runtime, bundle)
    # runc: "User namespaces enabled, but no uid mappings found."
    check_message(runtime, r.err, lower=["mapping"])


def test_failure_after_fork_leaves_no_cgroup(runtime, bundle, command):
    """A failure inside the container's setup (after the cgroup exists)."""
    bundle.add_mount("/mnt/x", "bind", "/no/such/source/anywhere", ["bind"])
    cid = runtime.new_id()
    fails_cleanly(runtime, bundle, cid=cid, command=command)
    for dirpath, dirnames, _ in os.walk("/sys/fs/cgroup"):
        assert cid not in dirnames, dirpath
