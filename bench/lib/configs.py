#!/usr/bin/env python3
"""configs.py: the bundles the benchmark runs, all derived from one bundle made with the
runtime's `spec` defaults (scripts/mkbundle.sh) and sharing its busybox rootfs.

  configs.py variants BASE_BUNDLE SECCOMP_JSON WORKDIR
      writes WORKDIR/bundles/{sleep,large}/config.json and the bind-mount sources
  configs.py memlimit BASE_BUNDLE OUT_BUNDLE BYTES
      writes OUT_BUNDLE/config.json: BASE's config with linux.resources.memory.limit
"""
import copy
import json
import os
import sys

# Podman's (containers/common) default masked and read-only paths.
PODMAN_MASKED = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                 "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats",
                 "/proc/interrupts", "/sys/dev/block", "/sys/devices/virtual/powercap",
                 "/sys/firmware", "/sys/fs/selinux"]
PODMAN_READONLY = ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                   "/proc/sysrq-trigger"]
NAMESPACES = ["pid", "network", "ipc", "uts", "mount", "cgroup"]


def load(bundle):
    with open(os.path.join(bundle, "config.json")) as f:
        c = json.load(f)
    root = c["root"]["path"]
    if not os.path.isabs(root):
        c["root"]["path"] = os.path.abspath(os.path.join(bundle, root))
    return c


def save(c, bundle):
    os.makedirs(bundle, exist_ok=True)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(c, f, indent=2)


def touch(path, is_dir):
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "a").close()


def large(base, seccomp_path, work):
    c = copy.deepcopy(base)
    rootfs = c["root"]["path"]
    with open(seccomp_path) as f:
        c["linux"]["seccomp"] = json.load(f)
    c["linux"]["namespaces"] = [{"type": t} for t in NAMESPACES]
    c["linux"]["maskedPaths"] = PODMAN_MASKED
    c["linux"]["readonlyPaths"] = PODMAN_READONLY
    c["hostname"] = "bench"
    # 20 bind mounts: the 4 files podman binds into every container, 16 volumes (every
    # other one read-only). Sources live in WORKDIR; mount points are made in the rootfs
    # beforehand so that no runtime has to create them.
    src = os.path.join(work, "binds")
    binds = []
    for name in ("hosts", "resolv.conf", "hostname"):
        binds.append((os.path.join(src, name), "/etc/" + name, False, ["bind", "rprivate"]))
    binds.append((os.path.join(src, "containerenv"), "/run/.containerenv", False,
                  ["bind", "rprivate", "ro"]))
    for i in range(16):
        opts = ["rbind", "rprivate", "nosuid", "nodev"] + (["ro"] if i % 2 else [])
        binds.append((os.path.join(src, "vol%02d" % i), "/data/vol%02d" % i, True, opts))
    for source, dest, is_dir, opts in binds:
        touch(source, is_dir)
        touch(rootfs + dest, is_dir)
        c["mounts"].append({"destination": dest, "type": "bind", "source": source,
                            "options": opts})
    assert len(binds) == 20
    return c


def main():
    cmd = sys.argv[1]
    if cmd == "variants":
        base_dir, seccomp_path, work = sys.argv[2:5]
        base = load(base_dir)
        sleep = copy.deepcopy(base)
        sleep["process"]["args"] = ["sleep", "1000"]
        save(sleep, os.path.join(work, "bundles", "sleep"))
        save(large(base, seccomp_path, work), os.path.join(work, "bundles", "large"))
    elif cmd == "memlimit":
        base_dir, out, limit = sys.argv[2], sys.argv[3], int(sys.argv[4])
        c = load(base_dir)
        c["linux"].setdefault("resources", {})["memory"] = {"limit": limit}
        save(c, out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
