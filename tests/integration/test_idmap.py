"""Idmapped mounts (config.md "mounts": uidMappings/gidMappings, options idmap and ridmap;
mount_setattr(MOUNT_ATTR_IDMAP), Linux >= 5.12).

A mount's mapping reads each file's owner on disk as a containerID and shows it as the
matching hostID: with {"containerID": 1000, "hostID": 2000}, a file owned by 1000 on the
host is owned by 2000 on the mount. Without mappings of its own, an idmap mount takes the
container's user namespace mappings, so files owned by the host's root belong to the
container's root.

runc 1.1 predates idmapped mounts: it ignores uidMappings and hands idmap/ridmap to the
filesystem, so these tests expect ocirun's behaviour (runc >= 1.2's) and skip on it.
"""

import os

import pytest

from conftest import wait_for

pytestmark = pytest.mark.runc_differs

USERNS_MAP = [{"containerID": 0, "hostID": 100000, "size": 65536}]


@pytest.fixture(autouse=True)
def _needs_idmap(runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 has no idmapped mounts")


def make_source(bundle, owner=(1000, 1000), name="src"):
    """A directory beside the rootfs with a file f owned by owner and one r owned by root."""
    src = os.path.join(bundle.path, name)
    os.makedirs(src)
    os.chmod(src, 0o777)
    for fname, (uid, gid) in (("f", owner), ("r", (0, 0))):
        p = os.path.join(src, fname)
        with open(p, "w") as f:
            f.write("x")
        os.chown(p, uid, gid)
    return src


def idmapped_mount(bundle, src, dest, options, uid=None, gid=None):
    if os.path.isdir(src):
        # Made here: the root of a user namespace cannot write to the host root's rootfs.
        bundle.mkdir(dest)
    bundle.add_mount(dest, "bind", src, options)
    if uid is not None:
        bundle.config["mounts"][-1]["uidMappings"] = uid
        bundle.config["mounts"][-1]["gidMappings"] = gid
    return bundle.config["mounts"][-1]


def owners(runtime, bundle, paths):
    r = runtime.sh(bundle, "stat -c '%u:%g' " + " ".join(paths))
    assert r.rc == 0, r
    return r.out.split()


def userns(bundle):
    bundle.add_namespace("user")
    bundle.linux["uidMappings"] = USERNS_MAP
    bundle.linux["gidMappings"] = USERNS_MAP


def test_mount_mappings_without_user_namespace(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap"],
                   uid=[{"containerID": 1000, "hostID": 2000, "size": 1}],
                   gid=[{"containerID": 1000, "hostID": 3000, "size": 1}])
    # root (0) is not in the mount's mapping: the overflow id.
    assert owners(runtime, bundle, ["/mnt/idm/f", "/mnt/idm/r"]) == ["2000:3000",
                                                                      "65534:65534"]


def test_files_created_through_the_mount_map_back(runtime, bundle):
    src = make_source(bundle)
    # The kernel refuses writes to an inode whose owner the mount does not map.
    os.chown(src, 1000, 1000)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind"],  # mappings alone mean idmap (runc 1.2)
                   uid=[{"containerID": 1000, "hostID": 2000, "size": 1}],
                   gid=[{"containerID": 1000, "hostID": 3000, "size": 1}])
    bundle.process["user"] = {"uid": 2000, "gid": 3000}
    r = runtime.sh(bundle, "echo hi > /mnt/idm/new && stat -c '%u:%g' /mnt/idm/new")
    assert r.rc == 0, r
    assert r.out.split() == ["2000:3000"]
    st = os.stat(os.path.join(src, "new"))
    assert (st.st_uid, st.st_gid) == (1000, 1000)


def test_mount_mappings_with_user_namespace(runtime, bundle):
    # The container's root is host uid 100000; the mount shows host root's files as ids
    # that the container maps to its own root.
    userns(bundle)
    src = make_source(bundle, owner=(5, 6))
    idmapped_mount(bundle, src, "/mnt/idm", ["rbind", "idmap"], uid=USERNS_MAP,
                   gid=USERNS_MAP)
    bundle.mkdir("/mnt/plain")
    bundle.add_mount("/mnt/plain", "bind", src, ["rbind"])
    out = owners(runtime, bundle, ["/mnt/idm/r", "/mnt/idm/f", "/mnt/plain/r"])
    assert out == ["0:0", "5:6", "65534:65534"]


def test_idmap_takes_the_container_mappings(runtime, bundle):
    userns(bundle)
    src = make_source(bundle, owner=(5, 6))
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap"])
    assert owners(runtime, bundle, ["/mnt/idm/r", "/mnt/idm/f"]) == ["0:0", "5:6"]


def test_idmap_takes_a_joined_user_namespace(runtime, bundle, holder):
    # The joined namespace keeps host root as its root (the init joins it as host root and
    # creates the mount points), and maps 1.. to 100001..: host uid 5 is unmapped there,
    # but the idmapped mount shows it as 100005, the container's 5.
    h = holder.spawn(["unshare", "--user", "sleep", "60"])
    wait_for(lambda: os.readlink("/proc/%d/ns/user" % h.pid) !=
             os.readlink("/proc/self/ns/user"), what="unshare")
    for f in ("uid_map", "gid_map"):
        with open("/proc/%d/%s" % (h.pid, f), "w") as m:
            m.write("0 0 1\n1 100001 65535\n")
    bundle.add_namespace("user", "/proc/%d/ns/user" % h.pid)
    src = make_source(bundle, owner=(5, 6))
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap"])
    bundle.add_mount("/mnt/plain", "bind", src, ["bind"])
    assert owners(runtime, bundle, ["/mnt/idm/f", "/mnt/plain/f"]) == ["5:6", "65534:65534"]


def run_with_submount(runtime, bundle, src, script):
    """Run the container in the foreground from a private mount namespace in which a tmpfs
    is mounted on src/sub (the host's mounts stay untouched)."""
    sub = os.path.join(src, "sub")
    os.makedirs(sub)
    bundle.sh(script)
    bundle.save()
    cid = runtime.new_id()
    setup = ("mount -t tmpfs -o mode=0777 tmpfs {sub} && echo y > {sub}/g && "
             "chown 1000:1000 {sub}/g && exec \"$@\"").format(sub=sub)
    argv = (["unshare", "-m", "--propagation", "private", "sh", "-c", setup, "sh"] +
            runtime.argv("run", "--bundle", bundle.path, cid))
    r = runtime.cmd(raw_argv=argv)
    assert r.rc == 0, r
    return r.out.split()


MAP_1000 = ([{"containerID": 1000, "hostID": 2000, "size": 1}],
            [{"containerID": 1000, "hostID": 2000, "size": 1}])


def test_ridmap_maps_submounts(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["rbind", "ridmap"], *MAP_1000)
    out = run_with_submount(runtime, bundle, src, "stat -c '%u' /mnt/idm/f /mnt/idm/sub/g")
    assert out == ["2000", "2000"]


def test_idmap_maps_only_the_top_mount(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["rbind", "idmap"], *MAP_1000)
    out = run_with_submount(runtime, bundle, src, "stat -c '%u' /mnt/idm/f /mnt/idm/sub/g")
    assert out == ["2000", "1000"]


def test_idmapped_mount_keeps_its_flags(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap", "ro", "nosuid"], *MAP_1000)
    r = runtime.sh(bundle, "grep ' /mnt/idm ' /proc/self/mountinfo; touch /mnt/idm/x")
    assert r.rc != 0, r
    fields = r.out.split()
    assert "ro" in fields[5].split(",") and "nosuid" in fields[5].split(","), r.out
    assert "idmapped" in fields[5].split(","), r.out
    assert not os.path.exists(os.path.join(src, "x"))


def test_idmapped_file_bind(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, os.path.join(src, "f"), "/etc/idmapped-file", ["bind", "idmap"],
                   *MAP_1000)
    assert owners(runtime, bundle, ["/etc/idmapped-file"]) == ["2000:2000"]


# ---- refusals: nothing is created ----


def refused(runtime, bundle, *words):
    cid = runtime.new_id()
    r = runtime.create(cid, bundle)
    assert r.rc != 0, r
    for w in words:
        assert w in r.err, r
    assert runtime.cmd("state", cid).rc != 0
    return r


def test_idmap_on_a_non_bind_mount_is_refused(runtime, bundle):
    bundle.add_mount("/mnt/t", "tmpfs", "tmpfs", ["idmap"])
    bundle.config["mounts"][-1]["uidMappings"] = MAP_1000[0]
    bundle.config["mounts"][-1]["gidMappings"] = MAP_1000[1]
    refused(runtime, bundle, "mounts[%d]" % (len(bundle.config["mounts"]) - 1),
            "only supported for bind mounts")


def test_idmap_without_mappings_or_user_namespace_is_refused(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "ridmap"])
    refused(runtime, bundle, "mounts[%d].uidMappings" % (len(bundle.config["mounts"]) - 1),
            "no user namespace")


def test_overlapping_mount_mappings_are_refused(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap"],
                   uid=[{"containerID": 0, "hostID": 1000, "size": 10},
                        {"containerID": 5, "hostID": 5000, "size": 1}],
                   gid=MAP_1000[1])
    refused(runtime, bundle, "mounts[%d].uidMappings[1]" % (len(bundle.config["mounts"]) - 1),
            "overlaps")


def test_empty_mount_mapping_is_refused(runtime, bundle):
    src = make_source(bundle)
    idmapped_mount(bundle, src, "/mnt/idm", ["bind", "idmap"], uid=MAP_1000[0],
                   gid=[{"containerID": 0, "hostID": 1000, "size": 0}])
    refused(runtime, bundle, "mounts[%d].gidMappings[0]" % (len(bundle.config["mounts"]) - 1),
            "size must not be 0")


def test_filesystem_without_idmap_support_is_refused(runtime, bundle):
    # sysfs does not allow idmapped mounts (no FS_ALLOW_IDMAP).
    idmapped_mount(bundle, "/sys/kernel", "/mnt/sys", ["bind", "idmap"], *MAP_1000)
    refused(runtime, bundle, "mounts[%d]" % (len(bundle.config["mounts"]) - 1),
            "does not support idmapped mounts")


def test_missing_source_is_refused(runtime, bundle):
    idmapped_mount(bundle, os.path.join(bundle.path, "nope"), "/mnt/idm", ["bind", "idmap"],
                   *MAP_1000)
    refused(runtime, bundle, "mounts[%d]" % (len(bundle.config["mounts"]) - 1), "nope")
