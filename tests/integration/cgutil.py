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
