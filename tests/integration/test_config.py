"""Each config.json field, observed from inside (or right outside) the container."""

import os
import re

import pytest

from conftest import read_text, wait_for

# Linux capability numbers (include/uapi/linux/capability.h)
CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"]


def capmask(names):
    m = 0
    for n in names:
        m |= 1 << CAPS.index(n)
    return m


def status_fields(text):
    d = {}
    for line in text.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            d[k.strip()] = v.strip()
    return d


def mountinfo(text):
    """Parse mountinfo into a dict: mount point -> info (last mount wins)."""
    res = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) < 10 or "-" not in f:
            continue
        sep = f.index("-")
        res[f[4]] = {"root": f[3], "opts": f[5].split(","), "optional": f[6:sep],
                     "fstype": f[sep + 1], "source": f[sep + 2],
                     "super": f[sep + 3].split(",")}
    return res


def run_ok(runtime, bundle, script, **kw):
    r = runtime.sh(bundle, script, **kw)
    assert r.rc == 0, r
    return r.out


# --------------------------------------------------------------------------
# process: args, env, cwd, user, umask
# --------------------------------------------------------------------------


def test_args_passed_exactly(runtime, bundle):
    r = runtime.run_in(bundle, "sh", "-c", 'printf "[%s]" "$@"', "sh", "a b", "", "c'd", "$HOME",
                       "\u00e9")
    assert r.rc == 0, r
    assert r.out == "[a b][][c'd][$HOME][\u00e9]"


def test_env_exact(runtime, bundle):
    bundle.process["env"] = ["PATH=/bin", "FOO=bar baz", "EMPTY=", "HOME=/home/user"]
    out = run_ok(runtime, bundle, "env")
    env = dict(line.split("=", 1) for line in out.splitlines())
    assert env["FOO"] == "bar baz"
    assert env["EMPTY"] == ""
    assert env["PATH"] == "/bin"
    assert env["HOME"] == "/home/user"
    # nothing from the host's environment leaks in (sh adds PWD/SHLVL)
    assert set(env) - {"PWD", "SHLVL", "OLDPWD"} == {"PATH", "FOO", "EMPTY", "HOME"}


def test_env_home_from_passwd(runtime, bundle):
    # runc sets HOME from the user's /etc/passwd entry when env has none
    bundle.process["env"] = ["PATH=/bin"]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    assert run_ok(runtime, bundle, 'echo "$HOME"') == "/home/user\n"


def test_cwd(runtime, bundle):
    bundle.process["cwd"] = "/home/user"
    assert run_ok(runtime, bundle, "pwd") == "/home/user\n"


def test_cwd_created_when_missing(runtime, bundle):
    bundle.process["cwd"] = "/does/not/exist"
    assert run_ok(runtime, bundle, "pwd") == "/does/not/exist\n"


def test_user_uid_gid_additional_gids(runtime, bundle):
    bundle.process["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [2000, 3000]}
    st = status_fields(run_ok(runtime, bundle, "cat /proc/self/status"))
    assert st["Uid"].split() == ["1000"] * 4
    assert st["Gid"].split() == ["1001"] * 4
    assert sorted(int(g) for g in st["Groups"].split()) == [2000, 3000]
    out = run_ok(runtime, bundle, "id -u; id -g; id -G")
    assert out.split("\n")[:2] == ["1000", "1001"]


def test_user_root_default(runtime, bundle):
    out = run_ok(runtime, bundle, "id -u; id -g; cat /proc/self/status")
    assert out.split("\n")[:2] == ["0", "0"]
    assert status_fields(out)["Groups"] == ""


@pytest.mark.parametrize("umask,expect", [(0o27, "0027"), (0o77, "0077"), (0, "0000")])
def test_umask(runtime, bundle, umask, expect):
    bundle.process["user"]["umask"] = umask
    bundle.writable()
    out = run_ok(runtime, bundle, "umask; touch /tmp/f; stat -c %a /tmp/f")
    lines = out.split()
    assert lines[0] == expect
    assert int(lines[1], 8) == 0o666 & ~umask


def test_umask_default_0022(runtime, bundle):
    assert run_ok(runtime, bundle, "umask") == "0022\n"


def test_args0_looked_up_in_container_path(runtime, bundle):
    bundle.write_file("/opt/tools/mytool", "#!/bin/sh\necho mytool-ran \"$@\"\n", 0o755)
    bundle.process["env"] = ["PATH=/opt/tools:/bin"]
    r = runtime.run_in(bundle, "mytool", "x")
    assert r.rc == 0, r
    assert r.out == "mytool-ran x\n"


def test_args0_absolute(runtime, bundle):
    r = runtime.run_in(bundle, "/bin/echo", "abs")
    assert r.rc == 0, r
    assert r.out == "abs\n"


# --------------------------------------------------------------------------
# hostname, domainname
# --------------------------------------------------------------------------


def test_hostname(runtime, bundle):
    bundle.config["hostname"] = "ctr-host"
    out = run_ok(runtime, bundle, "hostname; cat /proc/sys/kernel/hostname")
    assert out == "ctr-host\nctr-host\n"
    assert os.uname().nodename != "ctr-host"


@pytest.mark.runc_differs
def test_domainname(runtime, bundle):
    if runtime.is_runc and runtime.info.version.startswith("runc version 1.1"):
        # runc 1.1 ignores "domainname" (support came with runc 1.2).
        pytest.skip("runc 1.1 does not set the domainname")
    bundle.config["hostname"] = "ctr-host"
    bundle.config["domainname"] = "example.org"
    out = run_ok(runtime, bundle, "hostname; cat /proc/sys/kernel/domainname")
    assert out == "ctr-host\nexample.org\n"


def test_default_hostname_from_spec(runtime, bundle):
    want = bundle.config.get("hostname")
    if not want:
        pytest.skip("spec has no default hostname")
    assert run_ok(runtime, bundle, "hostname") == want + "\n"


# --------------------------------------------------------------------------
# mounts
# --------------------------------------------------------------------------


@pytest.fixture
def hostdir(runtime):
    d = os.path.join(runtime.workdir, "hostdir")
    os.mkdir(d)
    with open(os.path.join(d, "hello"), "w") as f:
        f.write("hello from host\n")
    return d


def test_bind_rw(runtime, bundle, hostdir):
    bundle.add_mount("/mnt/rw", "bind", hostdir, ["bind", "rw"])
    out = run_ok(runtime, bundle, "cat /mnt/rw/hello; echo written > /mnt/rw/new; "
                                  "grep ' /mnt/rw ' /proc/self/mountinfo")
    assert "hello from host" in out
    assert read_text(os.path.join(hostdir, "new")) == "written\n"
    mi = mountinfo(out.split("\n", 1)[1])
    assert "rw" in mi["/mnt/rw"]["opts"]


def test_bind_ro(runtime, bundle, hostdir):
    bundle.add_mount("/mnt/ro", "bind", hostdir, ["bind", "ro"])
    out = run_ok(runtime, bundle, "cat /mnt/ro/hello; if echo x > /mnt/ro/new; then echo WROTE; "
                                  "fi; grep ' /mnt/ro ' /proc/self/mountinfo")
    assert "hello from host" in out
    assert "WROTE" not in out
    assert not os.path.exists(os.path.join(hostdir, "new"))
    mi = mountinfo(out.split("\n", 1)[1])
    assert "ro" in mi["/mnt/ro"]["opts"]


def test_bind_file(runtime, bundle, hostdir):
    bundle.add_mount("/etc/hostfile", "none", os.path.join(hostdir, "hello"), ["bind", "ro"])
    assert run_ok(runtime, bundle, "cat /etc/hostfile") == "hello from host\n"


def test_bind_destination_created(runtime, bundle, hostdir):
    bundle.add_mount("/new/deep/dir", "bind", hostdir, ["rbind"])
    assert run_ok(runtime, bundle, "cat /new/deep/dir/hello") == "hello from host\n"


def test_rbind_includes_submounts(runtime, bundle):
    # /sys/fs/cgroup has the cgroup hierarchies mounted under it: rbind takes
    # them along, bind alone does not.
    bundle.add_mount("/mnt/rb", "bind", "/sys/fs/cgroup", ["rbind", "ro"])
    bundle.add_mount("/mnt/b", "bind", "/sys/fs/cgroup", ["bind", "ro"])
    out = run_ok(runtime, bundle, "test -e /mnt/rb/pids/cgroup.procs && echo RECURSIVE; "
                                  "test -e /mnt/b/pids/cgroup.procs && echo PLAIN; true")
    assert "RECURSIVE" in out
    assert "PLAIN" not in out


def test_tmpfs_size_mode(runtime, bundle):
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["nosuid", "nodev", "size=1m", "mode=750"])
    out = run_ok(runtime, bundle, "stat -c %a /mnt/t; grep ' /mnt/t ' /proc/self/mountinfo; "
                                  "dd if=/dev/zero of=/mnt/t/big bs=1k count=2048 2>/dev/null "
                                  "&& echo FITS; true")
    lines = out.split("\n", 1)
    assert lines[0] == "750"
    mi = mountinfo(lines[1])["/mnt/t"]
    assert mi["fstype"] == "tmpfs"
    assert "size=1024k" in mi["super"]
    assert "mode=750" in mi["super"]
    assert "nosuid" in mi["opts"] and "nodev" in mi["opts"]
    assert "FITS" not in out


def test_default_mounts(runtime, bundle):
    out = run_ok(runtime, bundle, "cat /proc/self/mountinfo")
    mi = mountinfo(out)
    assert mi["/proc"]["fstype"] == "proc"
    assert mi["/dev"]["fstype"] == "tmpfs"
    assert "mode=755" in mi["/dev"]["super"]
    assert mi["/dev/pts"]["fstype"] == "devpts"
    for o in ("mode=620", "ptmxmode=666", "gid=5"):
        assert o in mi["/dev/pts"]["super"], mi["/dev/pts"]
    assert mi["/dev/shm"]["fstype"] == "tmpfs"
    assert "size=65536k" in mi["/dev/shm"]["super"]
    assert mi["/dev/mqueue"]["fstype"] == "mqueue"
    assert mi["/sys"]["fstype"] == "sysfs"
    assert "ro" in mi["/sys"]["opts"]
    for m in ("/dev/shm", "/dev/mqueue", "/sys"):
        for o in ("nosuid", "noexec", "nodev"):
            assert o in mi[m]["opts"], (m, mi[m])


def test_extra_proc_mount(runtime, bundle):
    bundle.add_mount("/mnt/proc2", "proc", "proc")
    out = run_ok(runtime, bundle, "test -r /mnt/proc2/self/status && echo ok; "
                                  "grep ' /mnt/proc2 ' /proc/self/mountinfo")
    assert out.startswith("ok\n")
    assert mountinfo(out)["/mnt/proc2"]["fstype"] == "proc"


def test_cgroup_mount(runtime, bundle):
    """The cgroup mount shows the container's own cgroup: in each v1 controller, or on a
    cgroup v2 host in the one cgroup2 hierarchy."""
    v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    if v2:
        # v1 mounts bind the container's own cgroup directories; a cgroup2 mount shows the
        # root of the cgroup namespace, which is the container's cgroup only with one
        bundle.add_namespace("cgroup")
    procs_file = "/sys/fs/cgroup/%scgroup.procs" % ("" if v2 else "pids/")
    out = run_ok(runtime, bundle, "ls /sys/fs/cgroup; echo ==; cat %s;"
                                  " echo ==; cat /proc/self/mountinfo" % procs_file)
    ls, procs, mi = out.split("==\n")
    names = ls.split()
    for c in (("cgroup.controllers",) if v2 else
              ("cpu", "memory", "pids", "devices", "freezer", "blkio", "cpuset")):
        assert c in names
    # only the container's processes: init (1) and cat
    pids = [int(p) for p in procs.split()]
    assert 1 in pids and len(pids) <= 3
    mi = mountinfo(mi)
    mnt = mi["/sys/fs/cgroup" if v2 else "/sys/fs/cgroup/pids"]
    assert mnt["fstype"] == ("cgroup2" if v2 else "cgroup")
    assert "ro" in mnt["opts"]


def test_mount_order_and_shadowing(runtime, bundle, hostdir):
    # later mounts go on top of earlier ones
    bundle.add_mount("/mnt/x", "tmpfs", "tmpfs", ["size=64k"])
    bundle.add_mount("/mnt/x/inner", "bind", hostdir, ["bind"])
    assert run_ok(runtime, bundle, "cat /mnt/x/inner/hello") == "hello from host\n"


# rootfsPropagation: observed on the container's "/" mount when the runtime
# runs in a (private to the test) mount namespace whose mounts are shared.
def _root_propagation(runtime, bundle, prop):
    if prop is not None:
        bundle.linux["rootfsPropagation"] = prop
    bundle.sh("awk '$5 == \"/\"' /proc/self/mountinfo")
    bundle.save()
    cid = runtime.new_id()
    r = runtime.cmd(raw_argv=["unshare", "--mount", "--propagation", "shared"]
                    + runtime.argv("run", "--bundle", bundle.path, cid))
    assert r.rc == 0, r
    line = r.out.strip().splitlines()[-1].split()
    return line[6:line.index("-")]


@pytest.mark.parametrize("prop", [None, "slave", "rslave"])
def test_rootfs_propagation_slave(runtime, bundle, prop):
    opt = _root_propagation(runtime, bundle, prop)
    assert any(o.startswith("master:") for o in opt), opt


@pytest.mark.parametrize("prop", ["private", "rprivate"])
def test_rootfs_propagation_private(runtime, bundle, prop):
    opt = _root_propagation(runtime, bundle, prop)
    assert opt == [], opt


@pytest.mark.runc_differs
@pytest.mark.parametrize("prop", ["shared", "rshared"])
def test_rootfs_propagation_shared(runtime, bundle, prop):
    opt = _root_propagation(runtime, bundle, prop)
    assert not any(o.startswith("master:") for o in opt), opt
    if not runtime.is_runc:
        # runc 1.1 leaves "/" private here (it makes the rootfs' parent
        # private for pivot_root); the spec asks for a shared rootfs.
        assert any(o.startswith("shared:") for o in opt), opt


# --------------------------------------------------------------------------
# masked paths, readonly paths, readonly root
# --------------------------------------------------------------------------


def test_default_masked_paths(runtime, bundle):
    files = [p for p in ("/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug")
             if os.path.exists(p)]
    assert files, "no maskable /proc file on this host"
    out = run_ok(runtime, bundle, "stat -c '%t:%T' " + " ".join(files) + "; "
                                  "echo ==; ls -A /sys/firmware; echo ==; cat " + files[0]
                                  + " | wc -c")
    devs, fw, size = out.split("==\n")
    assert devs.split() == ["1:3"] * len(files)  # bind-mounted /dev/null
    assert fw.strip() == ""
    assert size.strip() == "0"


def test_custom_masked_paths(runtime, bundle):
    bundle.linux["maskedPaths"] = ["/etc/group", "/home"]
    out = run_ok(runtime, bundle, "cat /etc/group; echo ==; ls -A /home; echo ==; cat /etc/passwd")
    group, home, passwd = out.split("==\n")
    assert group == ""
    assert home == ""
    assert "user:x:1000" in passwd


def test_masked_directory_is_read_only(runtime, bundle):
    """A masked directory gets an empty read-only tmpfs: nothing can be written into it,
    even by root on a writable rootfs (a writable one would be a place to plant files)."""
    bundle.writable()
    bundle.linux["maskedPaths"] = ["/home"]
    r = runtime.sh(bundle, "touch /home/planted; echo rc=$?; mkdir /home/d; echo rc=$?; "
                           "grep ' /home ' /proc/self/mountinfo; touch /etc/ok && echo root-rw")
    assert r.rc == 0, r
    assert r.err.count("Read-only file system") == 2, r
    assert r.out.count("rc=1") == 2, r
    mi = mountinfo(r.out)
    assert mi["/home"]["fstype"] == "tmpfs" and "ro" in mi["/home"]["opts"], mi
    assert "root-rw" in r.out


def test_masked_path_missing_is_ignored(runtime, bundle):
    bundle.linux["maskedPaths"] = ["/does/not/exist"]
    assert run_ok(runtime, bundle, "echo fine") == "fine\n"


def test_default_readonly_paths(runtime, bundle):
    out = run_ok(runtime, bundle, "grep -E ' /proc/(sys|bus|fs|irq|sysrq-trigger) ' "
                                  "/proc/self/mountinfo")
    mi = mountinfo(out)
    for p in ("/proc/sys", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sysrq-trigger"):
        if p in mi:
            assert "ro" in mi[p]["opts"], (p, mi[p])
    assert "/proc/sys" in mi


def test_custom_readonly_path(runtime, bundle):
    bundle.writable()
    bundle.linux["readonlyPaths"] = ["/tmp"]
    out = run_ok(runtime, bundle, "touch /tmp/x 2>/dev/null && echo TMP-WRITTEN; "
                                  "touch /root/y && echo ROOT-WRITTEN; true")
    assert "TMP-WRITTEN" not in out
    assert "ROOT-WRITTEN" in out
    assert not os.path.exists(bundle.rootfs_path("/tmp/x"))


@pytest.mark.parametrize("readonly", [True, False])
def test_root_readonly(runtime, bundle, readonly):
    bundle.config["root"]["readonly"] = readonly
    out = run_ok(runtime, bundle, "touch /newfile 2>/dev/null && echo WROTE; "
                                  "awk '$5 == \"/\" {print $6}' /proc/self/mountinfo")
    opts = out.strip().splitlines()[-1].split(",")
    if readonly:
        assert "WROTE" not in out
        assert "ro" in opts
        assert not os.path.exists(bundle.rootfs_path("/newfile"))
    else:
        assert "WROTE" in out
        assert "rw" in opts
        assert os.path.exists(bundle.rootfs_path("/newfile"))


def test_root_path_absolute(runtime, bundle):
    bundle.config["root"]["path"] = bundle.rootfs
    assert run_ok(runtime, bundle, "echo abs-root") == "abs-root\n"


# --------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------


DEFAULT_DEVICES = {"/dev/null": "1:3", "/dev/zero": "1:5", "/dev/full": "1:7",
                   "/dev/random": "1:8", "/dev/urandom": "1:9", "/dev/tty": "5:0"}


def test_default_devices(runtime, bundle):
    paths = " ".join(DEFAULT_DEVICES)
    out = run_ok(runtime, bundle, "stat -c '%n|%F|%t:%T|%a' " + paths)
    got = {}
    for line in out.splitlines():
        n, kind, dev, mode = line.split("|")
        assert kind == "character special file", line
        assert mode == "666", line
        got[n] = ":".join(str(int(x, 16)) for x in dev.split(":"))
    assert got == DEFAULT_DEVICES


def test_default_devices_work(runtime, bundle):
    out = run_ok(runtime, bundle, "echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1; "
                                  "head -c 8 /dev/urandom | wc -c; "
                                  "echo x > /dev/full 2>/dev/null || echo full-ok")
    assert out.split("\n")[0].split() == ["00", "00", "00"]
    assert "8" in out.split("\n")[1]
    assert "full-ok" in out


def test_dev_symlinks(runtime, bundle):
    out = run_ok(runtime, bundle, "for l in fd stdin stdout stderr ptmx; do "
                                  "echo $l=$(readlink /dev/$l); done")
    links = dict(line.split("=", 1) for line in out.splitlines())
    assert links == {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
                     "stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2",
                     "ptmx": "pts/ptmx"}


def test_linux_devices_added(runtime, bundle):
    bundle.linux["devices"] = [
        {"path": "/dev/myzero", "type": "c", "major": 1, "minor": 5, "fileMode": 0o620,
         "uid": 1000, "gid": 1000},
        {"path": "/dev/sub/mynull", "type": "c", "major": 1, "minor": 3},
        {"path": "/dev/rootzero", "type": "c", "major": 1, "minor": 5, "fileMode": 0o600},
    ]
    # runc does not add linux.devices to the device cgroup by itself
    bundle.linux["resources"]["devices"].append(
        {"allow": True, "type": "c", "major": 1, "minor": 5, "access": "rwm"})
    out = run_ok(runtime, bundle, "stat -c '%F|%t:%T|%a|%u|%g' /dev/myzero; "
                                  "stat -c '%F|%t:%T' /dev/sub/mynull; "
                                  "head -c 2 /dev/rootzero | od -An -tx1")
    lines = out.splitlines()
    assert lines[0] == "character special file|1:5|620|1000|1000"
    assert lines[1] == "character special file|1:3"
    # usable
    assert lines[2].split() == ["00", "00"]


def test_device_cgroup_denies_unlisted(runtime, bundle):
    # /dev/mem-like: create a node for a device not allowed by the cgroup
    bundle.process["capabilities"]["bounding"].append("CAP_MKNOD")
    bundle.process["capabilities"]["effective"].append("CAP_MKNOD")
    bundle.process["capabilities"]["permitted"].append("CAP_MKNOD")
    out = run_ok(runtime, bundle, "mknod /dev/loopx b 7 200 2>&1 || echo mknod-denied; "
                                  "head -c 1 /dev/loopx 2>/dev/null && echo READ; true")
    assert "READ" not in out


# --------------------------------------------------------------------------
# namespaces
# --------------------------------------------------------------------------

NS_FILES = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
            "cgroup": "cgroup", "user": "user"}


def _ns_links(runtime, bundle):
    script = "; ".join("echo %s=$(readlink /proc/self/ns/%s)" % (f, f) for f in NS_FILES.values())
    out = run_ok(runtime, bundle, script)
    return dict(line.split("=", 1) for line in out.splitlines())


def host_ns(f, pid="self"):
    return os.readlink("/proc/%s/ns/%s" % (pid, f))


def test_default_namespaces(runtime, bundle):
    inside = _ns_links(runtime, bundle)
    configured = {n["type"] for n in bundle.linux["namespaces"]}
    for t, f in NS_FILES.items():
        if t in configured:
            assert inside[f] != host_ns(f), t
        else:
            assert inside[f] == host_ns(f), t


@pytest.mark.parametrize("nstype", ["pid", "network", "ipc", "uts"])
def test_namespace_not_configured_is_shared(runtime, bundle, nstype):
    bundle.remove_namespace(nstype)
    if nstype == "uts":
        bundle.config.pop("hostname", None)
    inside = _ns_links(runtime, bundle)
    assert inside[NS_FILES[nstype]] == host_ns(NS_FILES[nstype])


def test_cgroup_namespace(runtime, bundle):
    bundle.add_namespace("cgroup")
    bundle.sh("readlink /proc/self/ns/cgroup; cat /proc/self/cgroup")
    r = runtime.run_in(bundle)
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines[0] != host_ns("cgroup")
    # inside its cgroup namespace the container's cgroups are the roots
    for line in lines[1:]:
        assert line.split(":", 2)[2] == "/", line


def test_join_namespaces_by_path(runtime, bundle, holder):
    p = holder.spawn(["unshare", "--net", "--ipc", "--uts", "sleep", "300"])
    wait_for(lambda: host_ns("net", p.pid) != host_ns("net"), what="holder unshared")
    for t in ("network", "ipc", "uts"):
        bundle.add_namespace(t, "/proc/%d/ns/%s" % (p.pid, NS_FILES[t]))
    bundle.config.pop("hostname", None)
    inside = _ns_links(runtime, bundle)
    for t in ("network", "ipc", "uts"):
        f = NS_FILES[t]
        assert inside[f] == host_ns(f, p.pid), t
        assert inside[f] != host_ns(f), t


def test_join_user_namespace_becomes_its_root(runtime, bundle, holder):
    """An init that joins a user namespace by path runs as that namespace's root (as runc's
    init): its uid is a mapped one, so files it creates get mapped owners (as an unmapped
    host root, mkdir failed with EOVERFLOW)."""
    h = holder.spawn(["unshare", "--user", "sleep", "300"])
    wait_for(lambda: host_ns("user", h.pid) != host_ns("user"), what="holder unshared")
    for f in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (h.pid, f), "w") as m:
            m.write("0 100000 65536\n")
    bundle.add_namespace("user", "/proc/%d/ns/user" % h.pid)
    # runc wants the namespace's mappings in the config too
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.add_mount("/tmp", "tmpfs", "tmpfs", ["nosuid"])
    r = runtime.sh(bundle, "grep -E '^(Uid|Gid):' /proc/self/status; mkdir /tmp/d && "
                   "stat -c %u:%g /tmp/d")
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines[0].split()[1:] == ["0"] * 4
    assert lines[1].split()[1:] == ["0"] * 4
    assert lines[2] == "0:0"


def test_user_namespace_mappings(runtime, bundle):
    bundle.add_namespace("user")
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 200000, "size": 65536}]
    cid = runtime.new_id()
    bundle.sh("cat /proc/self/uid_map /proc/self/gid_map; id -u; readlink /proc/self/ns/user; "
              "sleep 60")
    r = runtime.create(cid, bundle).ok()
    runtime.start(cid).ok()
    wait_for(lambda: "user:" in read_text(r.out_path), what="output")
    out = read_text(r.out_path).splitlines()
    assert out[0].split() == ["0", "100000", "65536"]
    assert out[1].split() == ["0", "200000", "65536"]
    assert out[2] == "0"
    assert out[3] != host_ns("user")
    pid = runtime.state(cid)["pid"]
    st = status_fields(read_text("/proc/%d/status" % pid))
    assert st["Uid"].split()[0] == "100000"
    assert st["Gid"].split()[0] == "200000"


def test_user_namespace_multiple_mappings(runtime, bundle):
    bundle.add_namespace("user")
    bundle.linux["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 1000},
                                   {"containerID": 1000, "hostID": 300000, "size": 10}]
    bundle.linux["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 2000}]
    out = run_ok(runtime, bundle, "cat /proc/self/uid_map; echo ==; cat /proc/self/gid_map")
    uid, gid = out.split("==\n")
    assert [line.split() for line in uid.splitlines()] == [["0", "100000", "1000"],
                                                           ["1000", "300000", "10"]]
    assert [line.split() for line in gid.splitlines()] == [["0", "100000", "2000"]]


@pytest.mark.runc_differs
def test_time_namespace_offsets(runtime, bundle):
    if not runtime.info.supports_namespace("time"):
        # runc 1.1 predates time namespace support (runc 1.2 added it).
        pytest.skip("%s does not support the time namespace" % runtime.info.name)
    bundle.add_namespace("time")
    bundle.linux["timeOffsets"] = {"monotonic": {"secs": 86400, "nanosecs": 5},
                                   "boottime": {"secs": 172800, "nanosecs": 0}}
    out = run_ok(runtime, bundle, "cat /proc/self/timens_offsets; readlink /proc/self/ns/time;"
                                  " cat /proc/uptime")
    lines = out.splitlines()
    offs = {l.split()[0]: l.split()[1:] for l in lines[:2]}
    assert offs["monotonic"] == ["86400", "5"]
    assert offs["boottime"] == ["172800", "0"]
    assert lines[2] != host_ns("time")
    uptime = float(lines[3].split()[0])
    with open("/proc/uptime") as f:
        host_uptime = float(f.read().split()[0])
    assert uptime - host_uptime > 172000


# --------------------------------------------------------------------------
# sysctl, oomScoreAdj, rlimits
# --------------------------------------------------------------------------


def test_sysctl(runtime, bundle):
    with open("/proc/sys/net/ipv4/ip_forward") as f:
        host_fwd = f.read()
    with open("/proc/sys/kernel/shm_rmid_forced") as f:
        host_shm = f.read()
    new_fwd = "0" if host_fwd.strip() == "1" else "1"
    new_shm = "0" if host_shm.strip() == "1" else "1"
    bundle.linux["sysctl"] = {"net.ipv4.ip_forward": new_fwd, "kernel.shm_rmid_forced": new_shm}
    out = run_ok(runtime, bundle, "cat /proc/sys/net/ipv4/ip_forward "
                                  "/proc/sys/kernel/shm_rmid_forced")
    assert out.split() == [new_fwd, new_shm]
    # the host is untouched (the container has its own net and ipc namespaces)
    assert read_text("/proc/sys/net/ipv4/ip_forward") == host_fwd
    assert read_text("/proc/sys/kernel/shm_rmid_forced") == host_shm


def have_cap(name):
    st = status_fields(read_text("/proc/self/status"))
    return bool(int(st["CapEff"], 16) & (1 << CAPS.index(name)))


@pytest.mark.parametrize("adj", [500, -100, 0])
def test_oom_score_adj(runtime, bundle, adj):
    if adj < 0 and not have_cap("CAP_SYS_RESOURCE"):
        pytest.skip("lowering oom_score_adj needs CAP_SYS_RESOURCE, which this host lacks")
    bundle.process["oomScoreAdj"] = adj
    assert run_ok(runtime, bundle, "cat /proc/self/oom_score_adj") == "%d\n" % adj


def test_rlimits(runtime, bundle):
    bundle.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000},
        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 0},
    ]
    out = run_ok(runtime, bundle, "ulimit -n; ulimit -Hn; cat /proc/self/limits")
    lines = out.splitlines()
    assert lines[0] == "512"
    assert lines[1] == "1000"
    limits = {}
    for line in lines[2:]:
        m = re.match(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)", line)
        if m:
            limits[m.group(1)] = (m.group(2), m.group(3))
    assert limits["Max open files"] == ("512", "1000")
    assert limits["Max processes"] == ("300", "400")
    assert limits["Max core file size"] == ("0", "0")


# --------------------------------------------------------------------------
# capabilities, noNewPrivileges
# --------------------------------------------------------------------------


def _caps(runtime, bundle):
    st = status_fields(run_ok(runtime, bundle, "cat /proc/self/status"))
    return {k: int(st[k], 16) for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}, st


def test_capabilities_root(runtime, bundle):
    caps = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_SETUID"]
    bundle.process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    got, _ = _caps(runtime, bundle)
    m = capmask(caps)
    assert got == {"CapInh": 0, "CapPrm": m, "CapEff": m, "CapBnd": m, "CapAmb": 0}


def test_capabilities_sets_differ(runtime, bundle):
    bnd = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN", "CAP_SETUID", "CAP_SETGID"]
    prm = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_ADMIN"]
    eff = ["CAP_CHOWN", "CAP_KILL"]
    inh = ["CAP_KILL"]
    bundle.process["capabilities"] = {"bounding": bnd, "effective": eff, "permitted": prm,
                                      "inheritable": inh}
    bundle.process["noNewPrivileges"] = True
    got, _ = _caps(runtime, bundle)
    assert got["CapBnd"] == capmask(bnd)
    assert got["CapPrm"] == capmask(prm)
    # execve as uid 0 raises the effective set to the permitted set (and
    # no_new_privs keeps permitted from growing to the bounding set)
    assert got["CapEff"] == capmask(prm)
    assert got["CapInh"] == capmask(inh)
    assert got["CapAmb"] == 0


def test_capabilities_ambient_non_root(runtime, bundle):
    caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps,
                                      "inheritable": caps, "ambient": caps}
    got, st = _caps(runtime, bundle)
    m = capmask(caps)
    assert st["Uid"].split()[0] == "1000"
    assert got == {"CapInh": m, "CapPrm": m, "CapEff": m, "CapBnd": m, "CapAmb": m}


def test_capabilities_non_root_without_ambient(runtime, bundle):
    caps = ["CAP_NET_BIND_SERVICE", "CAP_KILL"]
    bundle.process["user"] = {"uid": 1000, "gid": 1000}
    bundle.process["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
    got, _ = _caps(runtime, bundle)
    # execve as a non-root user without ambient or file caps clears permitted
    # and effective; the bounding set stays
    assert got == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": capmask(caps),
                   "CapAmb": 0}


def test_capabilities_default_spec(runtime, bundle):
    """The default spec lists ambient caps but no inheritable ones: the kernel
    cannot raise them, and runc ignores that (CapAmb stays 0)."""
    got, _ = _caps(runtime, bundle)
    m = capmask(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
    assert got == {"CapInh": 0, "CapPrm": m, "CapEff": m, "CapBnd": m, "CapAmb": 0}


def test_capabilities_none(runtime, bundle):
    del bundle.process["capabilities"]
    got, _ = _caps(runtime, bundle)
    assert got == {"CapInh": 0, "CapPrm": 0, "CapEff": 0, "CapBnd": 0, "CapAmb": 0}


def test_capability_enforced(runtime, bundle):
    # without CAP_CHOWN, root cannot chown a file it does not own... it owns
    # /tmp files; use CAP_DAC_OVERRIDE: root cannot read a 000 file.
    bundle.writable()
    bundle.write_file("/secret", "s3cret\n", 0o000)
    out = run_ok(runtime, bundle, "cat /secret 2>/dev/null || echo denied")
    assert out == "denied\n"
    bundle.process["capabilities"]["effective"].append("CAP_DAC_OVERRIDE")
    bundle.process["capabilities"]["permitted"].append("CAP_DAC_OVERRIDE")
    bundle.process["capabilities"]["bounding"].append("CAP_DAC_OVERRIDE")
    out = run_ok(runtime, bundle, "cat /secret 2>/dev/null || echo denied")
    assert out == "s3cret\n"


@pytest.mark.parametrize("nnp", [True, False])
def test_no_new_privileges(runtime, bundle, nnp):
    bundle.process["noNewPrivileges"] = nnp
    st = status_fields(run_ok(runtime, bundle, "cat /proc/self/status"))
    assert st["NoNewPrivs"] == ("1" if nnp else "0")


# --------------------------------------------------------------------------
# cgroups
# --------------------------------------------------------------------------


def v1_hierarchies():
    """{controllers-string: mount point} for the host's cgroup v1 mounts."""
    res = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fl = line.split()
            sep = fl.index("-")
            if fl[sep + 1] == "cgroup":
                ctrls = [o for o in fl[sep + 3].split(",") if o not in ("rw", "ro")
                         and not o.startswith("release_agent") and o != "clone_children"
                         and o != "xattr" and o != "noprefix"]
                res[",".join(ctrls)] = fl[4]
    return res


def proc_cgroups(pid):
    res = {}
    with open("/proc/%s/cgroup" % pid) as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            res[ctrls] = path
    return res


def test_cgroup_in_every_v1_controller(runtime, bundle, container_id):
    hier = v1_hierarchies()
    if not hier:
        pytest.skip("no cgroup v1 hierarchies on this host")
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    mine = proc_cgroups("self")
    theirs = proc_cgroups(pid)
    for ctrls, mnt in hier.items():
        assert ctrls in theirs, (ctrls, theirs)
        # default cgroupsPath: <the runtime's own cgroup>/<id>
        assert theirs[ctrls] == os.path.join(mine[ctrls], cid), ctrls
        d = mnt + theirs[ctrls]
        assert os.path.isdir(d), d
        procs = read_text(os.path.join(d, "cgroup.procs")).split()
        assert str(pid) in procs
    runtime.delete(cid, "--force").ok()
    for ctrls, mnt in hier.items():
        assert not os.path.exists(mnt + theirs[ctrls]), ctrls


def test_cgroup_unified_in_hybrid(runtime, bundle, container_id):
    """runc also moves the container into the cgroup2 (unified) hierarchy."""
    if not os.path.isdir("/sys/fs/cgroup/unified") or not v1_hierarchies():
        pytest.skip("not a hybrid cgroup host")
    cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=container_id)
    mine = proc_cgroups("self")
    theirs = proc_cgroups(pid)
    assert theirs[""] == os.path.join(mine[""], cid)
    assert os.path.isdir("/sys/fs/cgroup/unified" + theirs[""])


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_cgroups_path(runtime, bundle, kind):
    hier = v1_hierarchies()
    if not hier:
        pytest.skip("no cgroup v1 hierarchies on this host")
    top = runtime.new_id("cg")  # leak check looks for this name
    rel = top + "/inner"
    bundle.linux["cgroupsPath"] = ("/" + rel) if kind == "absolute" else rel
    cid = runtime.new_id()
    mine = proc_cgroups("self")
    created_dirs = []
    try:
        cid, pid = runtime.start_detached(bundle, "sleep", "60", cid=cid)
        theirs = proc_cgroups(pid)
        for ctrls, mnt in hier.items():
            want = "/" + rel if kind == "absolute" else os.path.join(mine[ctrls], rel)
            assert theirs[ctrls] == want, ctrls
            assert os.path.isdir(mnt + want)
            created_dirs.append(os.path.dirname(mnt + want))
        runtime.delete(cid, "--force").ok()
        for ctrls, mnt in hier.items():
            assert not os.path.exists(mnt + theirs[ctrls] + "/cgroup.procs")
    finally:
        runtime.delete(cid, "--force")
        # the runtime removes the leaf; the parent it made is ours to remove
        for d in created_dirs:
            try:
                os.rmdir(d)
            except OSError:
                pass
        for d in ("/sys/fs/cgroup/unified/" + top,
                  os.path.join("/sys/fs/cgroup/unified" + mine.get("", "/"), top)):
            try:
                os.rmdir(d)
            except OSError:
                pass


def test_loopback_up_in_new_network_namespace(runtime, bundle):
    """A network namespace the container gets new has lo up (runc's init does it too), so
    that services inside can talk over 127.0.0.1 without CAP_NET_ADMIN."""
    r = runtime.run_in(bundle, "cat", "/sys/class/net/lo/flags")
    assert r.rc == 0, r
    assert int(r.out.strip(), 16) & 0x1, r   # IFF_UP
