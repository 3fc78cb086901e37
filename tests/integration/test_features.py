"""`features`: the document validates against the spec's schema (data/schema, v1.3.0), and
what it claims holds: every listed mount option, namespace, seccomp action, operator,
architecture and supported flag is accepted in a real container; what it says is not
supported is refused, not silently ignored.
"""

import json
import os
import shutil
import re
import subprocess

import pytest

from conftest import DATA

jsonschema = pytest.importorskip("jsonschema")  # Debian: python3-jsonschema (scripts/deps.sh)

SCHEMA_DIR = os.path.join(DATA, "schema")
HOOKS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
         "poststop"]


@pytest.fixture
def features(runtime):
    r = runtime.cmd("features")
    assert r.rc == 0, r
    return json.loads(r.out)


def validate(doc):
    with open(os.path.join(SCHEMA_DIR, "features-schema.json")) as f:
        schema = json.load(f)
    resolver = jsonschema.RefResolver("file://%s/" % SCHEMA_DIR, schema)
    jsonschema.Draft4Validator(schema, resolver=resolver).validate(doc)


def test_validates_against_the_spec_schema(features):
    validate(features)


def test_schema_catches_a_broken_document(features):
    # The validator itself works: a wrong type is reported.
    broken = dict(features, hooks="prestart")
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_versions_and_hooks(runtime, features):
    assert features["ociVersionMin"] == "1.0.0"
    if not runtime.is_runc:
        assert features["ociVersionMax"] == "1.3.0"
    assert features["hooks"] == HOOKS


def test_output_format_like_runc(runtime):
    r = runtime.cmd("features").ok()
    # runc's JSON encoder: 4-space indent, a newline at the end.
    assert r.out.startswith('{\n    "ociVersionMin": ')
    assert r.out.endswith("}\n")


def test_no_arguments(runtime):
    r = runtime.cmd("features", "extra")
    assert r.rc != 0, r


def test_help(runtime):
    r = runtime.cmd("features", "--help")
    assert r.rc == 0, r
    assert "features" in r.out and "show the enabled features" in r.out


def test_linux_lists(runtime, features):
    lx = features["linux"]
    assert {"cgroup", "ipc", "mount", "network", "pid", "user", "uts"} <= set(lx["namespaces"])
    assert lx["capabilities"][0] == "CAP_CHOWN"
    assert "CAP_SYS_ADMIN" in lx["capabilities"]
    sc = lx["seccomp"]
    assert sc["enabled"] is True
    assert "SCMP_ACT_ERRNO" in sc["actions"] and "SCMP_CMP_EQ" in sc["operators"]
    if not runtime.is_runc:
        assert "time" in lx["namespaces"]
        assert set(sc["supportedFlags"]) <= set(sc["knownFlags"])
        assert lx["memoryPolicy"]["modes"] and lx["memoryPolicy"]["flags"]


def test_values_true_to_this_build(runtime, features):
    if runtime.is_runc:
        pytest.skip("describes ocirun's build")
    lx = features["linux"]
    # cgroups/ drives v1, hybrid and v2 and applies rdma limits; no systemd driver.
    assert lx["cgroup"] == {"v1": True, "v2": True, "systemd": False, "systemdUser": False,
                            "rdma": True}
    assert lx["apparmor"] == {"enabled": True}
    assert lx["selinux"] == {"enabled": False}
    assert lx["intelRdt"]["enabled"] is False
    assert lx["mountExtensions"] == {"idmap": {"enabled": True}}
    assert lx["netDevices"] == {"enabled": True}
    ann = features["annotations"]
    # A criu binary is on PATH (scripts/deps.sh installs Debian's criu); the message code is
    # linked in.
    has_criu = shutil.which("criu") is not None
    assert ann["org.opencontainers.runc.checkpoint.enabled"] == ("true" if has_criu else "false")
    assert "potentiallyUnsafeConfigAnnotations" not in features


def test_libseccomp_version_annotation(runtime, features):
    version = runtime.cmd("--version").ok().out
    m = re.search(r"libseccomp: (\S+)", version)
    assert m, version
    assert features["annotations"]["io.github.seccomp.libseccomp.version"] == m.group(1)


# --------------------------------------------------------------------------
# What is listed works
# --------------------------------------------------------------------------

# Options that need a source to bind or an existing mount: tried on a bind mount.
BIND_ONLY = {"bind", "rbind", "remount"}
# Idmapped mounts: bind mounts only, and mappings of their own without a user namespace.
IDMAP = {"idmap", "ridmap"}


@pytest.mark.runc_differs
def test_every_mount_option_is_accepted(runtime, features):
    # One container, one tmpfs per option (bind ones on a bind mount of /tmp's dir).
    b = runtime.make_bundle()
    names = features["mountOptions"]
    if runtime.is_runc:
        # runc 1.1 lists "defaults" but hands it to the filesystem as data (EINVAL), and
        # passes "remount" to the first mount(2) of a bind mount (EINVAL).
        names = [n for n in names if n not in ("defaults", "remount")]
    for i, opt in enumerate(names):
        if opt in BIND_ONLY | IDMAP:
            continue
        b.add_mount("/mnt/o%d" % i, "tmpfs", "tmpfs", [opt])
    for i, opt in enumerate(sorted((BIND_ONLY | IDMAP) & set(names))):
        extra = ["bind"] if opt in {"remount"} | IDMAP else []
        b.add_mount("/mnt/b%d" % i, "bind", b.rootfs_path("/home"), extra + [opt])
        if opt in IDMAP:
            ident = [{"containerID": 0, "hostID": 0, "size": 65536}]
            b.config["mounts"][-1]["uidMappings"] = ident
            b.config["mounts"][-1]["gidMappings"] = ident
    b.sh("ls /mnt | wc -l")
    r = runtime.run(runtime.new_id(), b)
    assert r.rc == 0, r
    assert int(r.out.strip()) == len(names)


@pytest.mark.parametrize("ns", ["cgroup", "ipc", "mount", "network", "pid", "uts", "time"])
def test_listed_namespaces_are_accepted(runtime, features, bundle, ns):
    if ns not in features["linux"]["namespaces"]:
        pytest.skip("%s not listed" % ns)
    if ns == "time" and not os.path.exists("/proc/self/ns/time"):
        pytest.skip("no time namespaces on this kernel")
    bundle.add_namespace(ns)
    f = {"mount": "mnt", "network": "net"}.get(ns, ns)
    r = runtime.sh(bundle, "readlink /proc/self/ns/%s" % f)
    assert r.rc == 0, r
    assert r.out.strip() != os.readlink("/proc/self/ns/%s" % f)


def seccomp_config(syscall_rule, arches=None, flags=None):
    s = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [syscall_rule]}
    if arches:
        s["architectures"] = arches
    if flags:
        s["flags"] = flags
    return s


def test_listed_seccomp_actions_are_accepted(runtime, features, bundle):
    for action in features["linux"]["seccomp"]["actions"]:
        if action == "SCMP_ACT_NOTIFY":
            continue  # needs a listener (test_seccomp's business)
        rule = {"names": ["acct"], "action": action}
        bundle.linux["seccomp"] = seccomp_config(rule)
        r = runtime.sh(bundle, "true")
        assert r.rc == 0, (action, r)


def test_listed_seccomp_operators_are_accepted(runtime, features, bundle):
    rules = []
    for op in features["linux"]["seccomp"]["operators"]:
        arg = {"index": 0, "value": 1, "op": op}
        if op == "SCMP_CMP_MASKED_EQ":
            arg["valueTwo"] = 1
        rules.append({"names": ["acct"], "action": "SCMP_ACT_ERRNO", "args": [arg]})
    bundle.linux["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules}
    r = runtime.sh(bundle, "true")
    assert r.rc == 0, r


# A filter can only hold architectures of the native byte order (libseccomp: EDOM).
LITTLE_ENDIAN_ARCHS = {"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
                       "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
                       "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_RISCV64",
                       "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_SH"}


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="byte order of the test list")
def test_listed_seccomp_archs_are_accepted(runtime, features, bundle):
    archs = sorted(set(features["linux"]["seccomp"]["archs"]) & LITTLE_ENDIAN_ARCHS)
    assert "SCMP_ARCH_X86_64" in archs
    rule = {"names": ["acct"], "action": "SCMP_ACT_ERRNO"}
    bundle.linux["seccomp"] = seccomp_config(rule, arches=archs)
    r = runtime.sh(bundle, "true")
    assert r.rc == 0, r


def test_supported_seccomp_flags_work(runtime, features, bundle):
    flags = features["linux"]["seccomp"].get("supportedFlags")
    if flags is None:
        pytest.skip("no supportedFlags (runc 1.1)")
    for flag in flags:
        rule = {"names": ["acct"], "action": "SCMP_ACT_ERRNO"}
        bundle.linux["seccomp"] = seccomp_config(rule, flags=[flag])
        r = runtime.sh(bundle, "true")
        assert r.rc == 0, (flag, r)


# --------------------------------------------------------------------------
# What is not supported is refused
# --------------------------------------------------------------------------


def test_systemd_cgroup_matches_features(runtime, features, bundle):
    r = runtime.cmd("--systemd-cgroup", "run", "--bundle", bundle.save().path,
                    runtime.new_id())
    if features["linux"]["cgroup"]["systemd"]:
        return  # (runc: needs a systemd-style cgroupsPath; not this test's business)
    assert r.rc != 0 and "systemd" in r.err, r


def test_unsupported_idmap_mounts_are_refused(runtime, features, bundle):
    idmap = features["linux"].get("mountExtensions", {}).get("idmap", {}).get("enabled")
    if idmap is not False:
        pytest.skip("idmap mounts supported (or not described)")
    bundle.add_mount("/mnt", "bind", bundle.rootfs_path("/home"), ["rbind"])
    bundle.config["mounts"][-1]["uidMappings"] = [{"containerID": 0, "hostID": 1000,
                                                   "size": 1}]
    bundle.config["mounts"][-1]["gidMappings"] = [{"containerID": 0, "hostID": 1000,
                                                   "size": 1}]
    r = runtime.sh(bundle, "true")
    assert r.rc != 0 and "uidMappings" in r.err, r


def test_net_devices_unknown_device_is_refused(runtime, features, bundle):
    # Supported or not, a device that does not exist cannot be silently skipped.
    if runtime.is_runc:
        pytest.skip("runc 1.1 ignores linux.netDevices")
    bundle.linux["netDevices"] = {"nosuchdev0": {}}
    r = runtime.sh(bundle, "true")
    assert r.rc != 0, r
    if not runtime.is_runc:
        assert "netDevices" in r.err and "nosuchdev0" in r.err, r


def test_unsupported_intel_rdt_is_refused(runtime, features, bundle):
    if features["linux"].get("intelRdt", {}).get("enabled") is not False:
        pytest.skip("Intel RDT supported (or not described)")
    bundle.linux["intelRdt"] = {"closID": "guaranteed_group"}
    r = runtime.sh(bundle, "true")
    assert r.rc != 0 and "intelRdt" in r.err, r
