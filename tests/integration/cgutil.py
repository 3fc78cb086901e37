"""Reading a container's cgroup files, on a v1/hybrid host and on a cgroup v2 host alike.

The container's cgroup is found the way the kernel reports it: the line of
/proc/<pid>/cgroup for the controller (v1), or the single "0::" line (v2),
joined to the mount point of that hierarchy.  Values are converted the way
runc converts them, so a test can state one expectation for both versions.
"""

import os

CGROUP_ROOT = "/sys/fs/cgroup"
V2 = os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))

UNLIMITED_V1 = 9223372036854771712  # PAGE_COUNTER_MAX pages, as v1 shows "no limit"


def _v1_mounts():
    """controller -> mount point of the v1 hierarchy that has it."""
    mounts = {}
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            if parts[sep + 1] != "cgroup":
                continue
            for opt in parts[sep + 3].split(","):
                mounts.setdefault(opt, parts[4])
    return mounts


def own_cgroup(controller, pid="self"):
    """pid's cgroup path for controller (v2: its only cgroup), or None."""
    with open("/proc/%s/cgroup" % pid) as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if V2:
                if ctrls == "":
                    return path
            elif controller in ctrls.split(","):
                return path
    return None


def cg_dir(pid, controller):
    """Directory of pid's cgroup that holds controller's files, or None."""
    path = own_cgroup(controller, pid)
    if path is None:
        return None
    mount = CGROUP_ROOT if V2 else _v1_mounts().get(controller)
    if mount is None:
        return None
    return mount + ("" if path == "/" else path)


def read(pid, controller, name):
    """The stripped contents of a cgroup file of pid, or None if it does not exist."""
    d = cg_dir(pid, controller)
    if d is None:
        return None
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def has_file(pid, controller, name):
    return read(pid, controller, name) is not None


# ---- runc's conversions between the OCI (v1) values and v2 files -----------------


def shares_to_weight(shares):
    return 0 if shares == 0 else 1 + ((shares - 2) * 9999) // 262142


def blkio_to_io_weight(weight):
    return 0 if weight == 0 else 1 + ((weight - 10) * 9999) // 990


# ---- one accessor per resource, in OCI terms ---------------------------------------


def memory_limit(pid):
    """The memory limit in bytes, None when unlimited."""
    if V2:
        v = read(pid, "memory", "memory.max")
        return None if v == "max" else int(v)
    v = int(read(pid, "memory", "memory.limit_in_bytes"))
    return None if v >= UNLIMITED_V1 else v


def memory_swap(pid):
    """OCI memory.swap (memory+swap) in bytes; None when unlimited; "n/a" without swap
    accounting."""
    if V2:
        swap = read(pid, "memory", "memory.swap.max")
        if swap is None:
            return "n/a"
        limit = memory_limit(pid)
        if swap == "max" or limit is None:
            return None
        return int(swap) + limit
    v = read(pid, "memory", "memory.memsw.limit_in_bytes")
    if v is None:
        return "n/a"
    return None if int(v) >= UNLIMITED_V1 else int(v)


def memory_reservation(pid):
    if V2:
        v = read(pid, "memory", "memory.low")
        return None if v == "max" else int(v)
    v = int(read(pid, "memory", "memory.soft_limit_in_bytes"))
    return None if v >= UNLIMITED_V1 else v


def cpu_weight_matches(pid, shares):
    """True when the cgroup's cpu weight is what the given shares become."""
    if V2:
        return int(read(pid, "cpu", "cpu.weight")) == shares_to_weight(shares)
    return int(read(pid, "cpu", "cpu.shares")) == shares


def cpu_quota_period(pid):
    """(quota or None when unlimited, period)."""
    if V2:
        quota, period = read(pid, "cpu", "cpu.max").split()
        return (None if quota == "max" else int(quota)), int(period)
    quota = int(read(pid, "cpu", "cpu.cfs_quota_us"))
    return (None if quota < 0 else quota), int(read(pid, "cpu", "cpu.cfs_period_us"))


def cpu_burst(pid):
    """The burst in microseconds, None when the kernel has no burst file."""
    v = read(pid, "cpu", "cpu.max.burst" if V2 else "cpu.cfs_burst_us")
    return None if v is None else int(v)


def pids_limit(pid):
    """pids.max as an int, None for "max"."""
    v = read(pid, "pids", "pids.max")
    return None if v == "max" else int(v)


def blkio_weight(pid):
    """(file, weight) of the cgroup's I/O weight file, or None when it has none. The file
    may read "100" or "default 100" (BFQ and v2)."""
    names = ("io.bfq.weight", "io.weight") if V2 else ("blkio.bfq.weight", "blkio.weight")
    for name in names:
        v = read(pid, "blkio", name)
        if v is not None:
            return name, int(v.splitlines()[0].split()[-1])
    return None


def blkio_expected(name, weight):
    """What an OCI blockIO.weight reads as in file name: BFQ takes it as is, io.weight has
    its own range (runc converts)."""
    return blkio_to_io_weight(weight) if name == "io.weight" else weight


# ---- the cgroup v2 hierarchy: the whole host on v2, the extra mount of a hybrid host ----


def v2_mount():
    """Mount point of the cgroup2 hierarchy (v2: the root; hybrid: e.g. .../unified), or
    None on a pure v1 host."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            if parts[parts.index("-") + 1] == "cgroup2":
                return parts[4]
    return None


HYBRID = not V2 and v2_mount() is not None


def v2_dir(pid):
    """pid's directory in the cgroup2 hierarchy, or None without one."""
    mount = v2_mount()
    if mount is None:
        return None
    with open("/proc/%s/cgroup" % pid) as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if hid == "0" and ctrls == "":
                return mount + ("" if path == "/" else path)
    return None


def v2_read(pid, name):
    """A file of pid's cgroup2 directory (v2 or hybrid), None when missing."""
    d = v2_dir(pid)
    try:
        with open(os.path.join(d, name)) as f:
            return f.read().strip()
    except (FileNotFoundError, TypeError):
        return None


def v2_controllers():
    """Controllers the cgroup2 root offers (empty on a pure v1 host)."""
    mount = v2_mount()
    if mount is None:
        return set()
    with open(os.path.join(mount, "cgroup.controllers")) as f:
        return set(f.read().split())


def v2_subtree_control():
    """Controllers the cgroup2 root delegates to its children."""
    mount = v2_mount()
    if mount is None:
        return set()
    with open(os.path.join(mount, "cgroup.subtree_control")) as f:
        return set(f.read().split())


def v1_mounted(controller):
    return not V2 and controller in _v1_mounts()


def hierarchy_of(controller):
    """"v1" when a v1 hierarchy has the controller, "v2" when the cgroup2 one offers it
    (on a hybrid host too: hugetlb there), None when neither does."""
    if v1_mounted(controller):
        return "v1"
    return "v2" if controller in v2_controllers() else None


# ---- memory knobs that only v1 has ---------------------------------------------


def memory_swappiness(pid):
    """memory.swappiness (v1); None on v2, which has no such file."""
    v = None if V2 else read(pid, "memory", "memory.swappiness")
    return None if v is None else int(v)


def oom_control(pid):
    """memory.oom_control (v1) as a dict: oom_kill_disable, under_oom, oom_kill."""
    v = None if V2 else read(pid, "memory", "memory.oom_control")
    return None if v is None else {k: int(n) for k, n in (l.split() for l in v.splitlines())}


def memory_usage(pid):
    v = read(pid, "memory", "memory.current" if V2 else "memory.usage_in_bytes")
    return int(v)


# ---- block I/O per device --------------------------------------------------------

THROTTLE_V1 = {"rbps": "blkio.throttle.read_bps_device",
               "wbps": "blkio.throttle.write_bps_device",
               "riops": "blkio.throttle.read_iops_device",
               "wiops": "blkio.throttle.write_iops_device"}


def blkio_throttle(pid, key, dev):
    """The throttle key (rbps, wbps, riops, wiops) of device "MAJ:MIN"; None when not
    limited. v1 keeps a file per key ("MAJ:MIN rate" lines), v2 one io.max line per device
    ("MAJ:MIN rbps=.. wbps=.. riops=.. wiops=..", "max" for no limit)."""
    if V2:
        for line in (read(pid, "io", "io.max") or "").splitlines():
            fields = line.split()
            if fields and fields[0] == dev:
                v = dict(f.split("=", 1) for f in fields[1:]).get(key, "max")
                return None if v == "max" else int(v)
        return None
    for line in (read(pid, "blkio", THROTTLE_V1[key]) or "").splitlines():
        d, rate = line.split()
        if d == dev:
            return int(rate)
    return None


def block_device():
    """"MAJ:MIN" of a whole block device of the host (not a partition), preferring a real
    disk over loop and zram devices; None when there is none."""
    found = []
    try:
        names = sorted(os.listdir("/sys/block"))
    except FileNotFoundError:
        return None
    for name in names:
        try:
            with open("/sys/block/%s/dev" % name) as f:
                dev = f.read().strip()
        except OSError:
            continue
        found.append((name.startswith(("loop", "zram", "ram")), dev))
    return sorted(found)[0][1] if found else None


# ---- hugetlb ------------------------------------------------------------------------


def hugepage_sizes():
    """Page sizes as the cgroup files name them ("2MB", "1GB"), from /sys/kernel/mm/hugepages."""
    sizes = []
    try:
        entries = os.listdir("/sys/kernel/mm/hugepages")
    except FileNotFoundError:
        return sizes
    for e in sorted(entries, key=lambda s: int(s.split("-")[1].rstrip("kB"))):
        kb = int(e.split("-")[1].rstrip("kB"))
        for unit, size in (("GB", 1 << 20), ("MB", 1 << 10), ("KB", 1)):
            if kb % size == 0:
                sizes.append("%d%s" % (kb // size, unit))
                break
    return sizes


def hugetlb_limit(pid, size):
    """The hugetlb limit of page size size in bytes (None: unlimited), from the hierarchy
    that has the controller (on a hybrid host, possibly the cgroup2 one)."""
    where = hierarchy_of("hugetlb")
    if where == "v1":
        v = int(read(pid, "hugetlb", "hugetlb.%s.limit_in_bytes" % size))
        return None if v >= UNLIMITED_V1 else v
    v = v2_read(pid, "hugetlb.%s.max" % size)
    return None if v in (None, "max") else int(v)
