"""Process attributes read back from inside the container: personality, scheduler,
ioPriority, memoryPolicy, CPU affinity, supplementary groups, rlimits.

runc 1.1 (Debian's reference) predates personality, scheduler, ioPriority, memoryPolicy
and the CPU affinity reset (runc 1.2/1.3): it ignores those fields, so those tests only
run on other runtimes.
"""

import os
import platform
import re
import subprocess

import pytest

from conftest import read_text, wait_for

# /proc/<pid>/stat fields (1-based, proc(5)): 19 nice, 40 rt_priority, 41 policy.
SCHED_POLICY = {"SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
                "SCHED_IDLE": 5, "SCHED_DEADLINE": 6}

STAT = "cut -d' ' -f19,40,41 /proc/self/stat"


def needs_newer_than_runc11(runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 ignores this field (added in runc 1.2/1.3)")


def run_ok(runtime, bundle, script, **kw):
    r = runtime.sh(bundle, script, **kw)
    assert r.rc == 0, r
    return r.out


def run_fails(runtime, bundle, script="true"):
    r = runtime.sh(bundle, script)
    assert r.rc != 0, r
    return r


def sched_fields(out):
    nice, rt_prio, policy = (int(x) for x in out.split())
    return nice, rt_prio, policy


def set_cpu(bundle, **cpu):
    bundle.linux.setdefault("resources", {}).setdefault("cpu", {}).update(cpu)


# --------------------------------------------------------------------------
# personality
# --------------------------------------------------------------------------


@pytest.mark.skipif(platform.machine() != "x86_64", reason="LINUX32 on x86_64 reads i686")
def test_personality_linux32(runtime, bundle):
    needs_newer_than_runc11(runtime)
    bundle.linux["personality"] = {"domain": "LINUX32"}
    assert run_ok(runtime, bundle, "uname -m").strip() == "i686"


def test_personality_linux(runtime, bundle):
    bundle.linux["personality"] = {"domain": "LINUX"}
    assert run_ok(runtime, bundle, "uname -m").strip() == platform.machine()


def test_personality_unknown_domain_is_refused(runtime, bundle):
    needs_newer_than_runc11(runtime)
    bundle.linux["personality"] = {"domain": "LINUX64"}
    r = run_fails(runtime, bundle)
    assert "personality" in r.err, r


# --------------------------------------------------------------------------
# scheduler
# --------------------------------------------------------------------------


@pytest.mark.parametrize("policy,nice", [("SCHED_BATCH", 7), ("SCHED_OTHER", 3),
                                         ("SCHED_IDLE", 0)])
def test_scheduler_normal_policies(runtime, bundle, policy, nice):
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": policy, "nice": nice}
    got_nice, _, got_policy = sched_fields(run_ok(runtime, bundle, STAT))
    assert got_policy == SCHED_POLICY[policy]
    assert got_nice == nice


@pytest.mark.parametrize("policy", ["SCHED_FIFO", "SCHED_RR"])
def test_scheduler_realtime(runtime, bundle, policy):
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": policy, "priority": 10}
    # With RT group scheduling (a v1 cpu controller) a new cgroup has no RT budget.
    if os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"):
        set_cpu(bundle, realtimeRuntime=10000, realtimePeriod=1000000)
    _, rt_prio, got_policy = sched_fields(run_ok(runtime, bundle, STAT))
    assert got_policy == SCHED_POLICY[policy]
    assert rt_prio == 10


@pytest.mark.skipif(not os.path.exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"),
                    reason="no RT group scheduling on this host")
def test_scheduler_realtime_without_budget_names_the_fix(runtime, bundle):
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 10}
    r = run_fails(runtime, bundle)
    assert "process.scheduler" in r.err and "realtimeRuntime" in r.err, r


def test_scheduler_deadline(runtime, bundle):
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": "SCHED_DEADLINE", "runtime": 10000000,
                                   "deadline": 100000000, "period": 100000000}
    # (/proc/self/sched shows the remaining runtime and the absolute deadline, not the
    # reservation, so only the policy is checked.)
    _, _, got_policy = sched_fields(run_ok(runtime, bundle, STAT))
    assert got_policy == SCHED_POLICY["SCHED_DEADLINE"]


@pytest.mark.parametrize("flags,child_nice", [(["SCHED_FLAG_RESET_ON_FORK"], 0), ([], -5)])
def test_scheduler_reset_on_fork(runtime, bundle, flags, child_nice):
    """scheduler.flags reach sched_setattr: with SCHED_FLAG_RESET_ON_FORK a child of a
    process with a negative nice starts at nice 0 (sched(7)); without it, it inherits -5.
    The subshell is a forked child (the shell execs a last command in place: hence the
    final true)."""
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": "SCHED_OTHER", "nice": -5, "flags": flags}
    out = run_ok(runtime, bundle, "cut -d' ' -f19 /proc/$$/stat; "
                                  "(cut -d' ' -f19 /proc/self/stat); true")
    assert [int(x) for x in out.split()] == [-5, child_nice], out


def test_scheduler_invalid_is_refused(runtime, bundle):
    needs_newer_than_runc11(runtime)
    bundle.process["scheduler"] = {"policy": "SCHED_FIFO", "priority": 1000}
    r = run_fails(runtime, bundle)
    assert "scheduler" in r.err, r


# --------------------------------------------------------------------------
# ioPriority (busybox ionice prints the calling process's class and level)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cls,prio,expect", [
    ("IOPRIO_CLASS_BE", 6, "best-effort: prio 6"),
    ("IOPRIO_CLASS_BE", 0, "best-effort: prio 0"),
    ("IOPRIO_CLASS_RT", 2, "realtime: prio 2"),
    ("IOPRIO_CLASS_IDLE", 0, "idle"),
])
def test_io_priority(runtime, bundle, cls, prio, expect):
    needs_newer_than_runc11(runtime)
    bundle.process["ioPriority"] = {"class": cls, "priority": prio}
    assert run_ok(runtime, bundle, "ionice").strip() == expect


def test_io_priority_default_untouched(runtime, bundle):
    assert run_ok(runtime, bundle, "ionice").strip() in ("none: prio 0", "none: prio 4")


# --------------------------------------------------------------------------
# memoryPolicy: /proc/self/numa_maps shows the task's policy on its mappings
# --------------------------------------------------------------------------


NUMA_MAPS = "head -1 /proc/self/numa_maps | cut -d' ' -f2"


@pytest.mark.skipif(not os.path.exists("/proc/self/numa_maps"), reason="no NUMA support")
@pytest.mark.parametrize("policy,expect", [
    ({"mode": "MPOL_BIND", "nodes": "0"}, "bind:0"),
    ({"mode": "MPOL_INTERLEAVE", "nodes": "0"}, "interleave:0"),
    ({"mode": "MPOL_INTERLEAVE", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]},
     "interleave=static:0"),
    ({"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES"]},
     "bind=relative:0"),
    ({"mode": "MPOL_PREFERRED", "nodes": "0"}, "prefer:0"),
    ({"mode": "MPOL_LOCAL"}, "local"),
    ({"mode": "MPOL_DEFAULT"}, "default"),
])
def test_memory_policy(runtime, bundle, policy, expect):
    needs_newer_than_runc11(runtime)
    bundle.linux["memoryPolicy"] = policy
    assert run_ok(runtime, bundle, NUMA_MAPS).strip() == expect


@pytest.mark.skipif(not os.path.exists("/proc/self/numa_maps"), reason="no NUMA support")
@pytest.mark.parametrize("policy", [
    {"mode": "MPOL_BIND"},                          # needs nodes
    {"mode": "MPOL_BIND", "nodes": "1000"},         # no such node
    {"mode": "MPOL_BIND", "nodes": "0-"},           # bad list
    {"mode": "MPOL_NOPE", "nodes": "0"},
    {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_NOPE"]},
])
def test_memory_policy_invalid_is_refused(runtime, bundle, policy):
    needs_newer_than_runc11(runtime)
    bundle.linux["memoryPolicy"] = policy
    r = run_fails(runtime, bundle)
    assert "memoryPolicy" in r.err, r


# --------------------------------------------------------------------------
# CPU affinity
# --------------------------------------------------------------------------


def cpus_allowed(text):
    return re.search(r"Cpus_allowed_list:\s*(\S+)", text).group(1)


def online_cpus():
    return read_text("/sys/devices/system/cpu/online").strip()


@pytest.mark.runc_differs
@pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")
def test_init_does_not_inherit_the_callers_affinity(runtime, bundle, container_id):
    # runc >= 1.2 resets it too; runc 1.1 keeps the caller's.
    bundle.sh("grep Cpus_allowed_list /proc/self/status")
    bundle.save()
    argv = ["taskset", "-c", "0"] + runtime.argv("run", "--bundle", bundle.path, container_id)
    r = runtime.cmd(raw_argv=argv)
    assert r.rc == 0, r
    if runtime.is_runc:
        assert cpus_allowed(r.out) == "0"
    else:
        assert cpus_allowed(r.out) == cpus_allowed(read_text("/proc/1/status"))


@pytest.mark.skipif(os.cpu_count() < 2, reason="needs two CPUs")
def test_init_affinity_follows_the_cpuset(runtime, bundle):
    needs_newer_than_runc11(runtime)
    last = online_cpus().replace(",", "-").split("-")[-1]
    set_cpu(bundle, cpus=last, mems="0")
    out = run_ok(runtime, bundle, "grep Cpus_allowed_list /proc/self/status")
    assert cpus_allowed(out) == last


def test_exec_cpu_affinity_does_not_apply_to_the_init(runtime, bundle):
    # The spec: "This setting is not applicable to the container's init process."
    bundle.process["execCPUAffinity"] = {"initial": "0", "final": "0"}
    out = run_ok(runtime, bundle, "grep Cpus_allowed_list /proc/self/status")
    if not runtime.is_runc:
        assert cpus_allowed(out) == cpus_allowed(read_text("/proc/1/status"))


# --------------------------------------------------------------------------
# user: groups, rlimits
# --------------------------------------------------------------------------


def test_groups_are_gid_and_additional_gids_only(runtime, bundle):
    # runc builds "uid:gid" from the config, so the container's /etc/group membership of
    # the user is not consulted: only additionalGids become supplementary groups.
    bundle.write_file("/etc/group", "root:x:0:\nuser:x:1000:\nextra:x:5000:user\n")
    bundle.process["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [4000]}
    out = run_ok(runtime, bundle, "grep -E '^(Uid|Gid|Groups):' /proc/self/status")
    fields = {l.split(":")[0]: l.split(":")[1].split() for l in out.splitlines()}
    assert fields["Uid"] == ["1000"] * 4
    assert fields["Gid"] == ["1000"] * 4
    assert fields["Groups"] == ["4000"]


def test_no_additional_gids_clears_the_callers_groups(runtime, bundle):
    bundle.process["user"] = {"uid": 0, "gid": 0}
    env = dict(os.environ)
    # The runtime runs with supplementary groups of its own; none may reach the container.
    argv = ["setpriv", "--groups", "10,20", "--"] + runtime.argv(
        "run", "--bundle", bundle.path, runtime.new_id())
    bundle.sh("grep '^Groups:' /proc/self/status")
    bundle.save()
    r = runtime.cmd(raw_argv=argv, env=env)
    assert r.rc == 0, r
    assert r.out.split() == ["Groups:"]


def test_rlimits_soft_and_hard_read_back(runtime, bundle):
    bundle.process["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551615},
        {"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
    ]
    out = run_ok(runtime, bundle, "cat /proc/self/limits")
    limits = {}
    for line in out.splitlines()[1:]:
        m = re.match(r"(.+?)\s{2,}(\S+)\s+(\S+)", line)
        if m:
            limits[m.group(1).strip()] = (m.group(2), m.group(3))
    assert limits["Max open files"] == ("512", "1024")
    assert limits["Max core file size"] == ("0", "unlimited")
    assert limits["Max processes"] == ("300", "400")


def test_rlimit_above_hard_is_refused(runtime, bundle):
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]
    r = run_fails(runtime, bundle)
    assert "RLIMIT_NOFILE" in r.err or "rlimit" in r.err.lower(), r


def test_unknown_rlimit_is_refused(runtime, bundle):
    bundle.process["rlimits"] = [{"type": "RLIMIT_NOPE", "soft": 1, "hard": 1}]
    r = run_fails(runtime, bundle)
    assert "RLIMIT_NOPE" in r.err, r


# --------------------------------------------------------------------------
# linux.sysctl: runc's rules for what may be set where
# --------------------------------------------------------------------------


def sysctl_run(runtime, bundle, sysctl, script="true"):
    bundle.linux["sysctl"] = sysctl
    return runtime.sh(bundle, script)


def test_sysctl_slash_separator(runtime, bundle):
    r = sysctl_run(runtime, bundle, {"net/ipv4/ip_default_ttl": "33"},
                   "cat /proc/sys/net/ipv4/ip_default_ttl")
    assert r.rc == 0 and r.out.strip() == "33", r


def test_sysctl_domainname_with_uts(runtime, bundle):
    r = sysctl_run(runtime, bundle, {"kernel.domainname": "example.org"},
                   "cat /proc/sys/kernel/domainname")
    assert r.rc == 0 and r.out.strip() == "example.org", r


def test_sysctl_mqueue_with_ipc(runtime, bundle):
    r = sysctl_run(runtime, bundle, {"fs.mqueue.msg_max": "17"},
                   "cat /proc/sys/fs/mqueue/msg_max")
    assert r.rc == 0 and r.out.strip() == "17", r


@pytest.mark.parametrize("key,value,ns", [
    ("fs.mqueue.msg_max", "17", "ipc"),
    ("kernel.shmmax", "4096", "ipc"),
    ("kernel.msgmax", "4096", "ipc"),
    ("net.ipv4.ip_default_ttl", "33", "network"),
    ("kernel.domainname", "example.org", "uts"),
])
def test_sysctl_needs_its_namespace(runtime, bundle, key, value, ns):
    bundle.remove_namespace(ns)
    if ns == "uts":
        bundle.config.pop("hostname", None)  # needs the uts namespace too
    r = sysctl_run(runtime, bundle, {key: value})
    assert r.rc != 0 and key in r.err, r


@pytest.mark.parametrize("key", ["vm.swappiness", "kernel.pid_max", "fs.file-max"])
def test_sysctl_not_namespaced_is_refused(runtime, bundle, key):
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        before = f.read()
    r = sysctl_run(runtime, bundle, {key: before.strip()})
    assert r.rc != 0 and key in r.err, r
    with open("/proc/sys/" + key.replace(".", "/")) as f:
        assert f.read() == before


def test_sysctl_hostname_conflicts_with_the_hostname_field(runtime, bundle):
    r = sysctl_run(runtime, bundle, {"kernel.hostname": "other"}, "hostname")
    assert r.rc != 0 and "kernel.hostname" in r.err and "hostname" in r.err, r


@pytest.mark.parametrize("key", ["net..ipv4.ip_forward", "net.ipv4.", ".net.ipv4.ip_forward",
                                 "net/../../etc/passwd"])
@pytest.mark.runc_differs
def test_sysctl_malformed_name_is_refused(runtime, bundle, key):
    r = sysctl_run(runtime, bundle, {key: "1"})
    if runtime.is_runc:
        # runc 1.1 only looks at the prefix and writes the path as it comes out (an
        # empty component is harmless, "net.ipv4." fails on write).
        return
    assert r.rc != 0, r


def test_sysctl_bad_value_names_the_key(runtime, bundle):
    r = sysctl_run(runtime, bundle, {"net.ipv4.ip_default_ttl": "not-a-number"})
    # (runc names the file, /proc/sys/net/ipv4/ip_default_ttl)
    assert r.rc != 0 and "ip_default_ttl" in r.err, r


def test_sysctl_in_a_joined_network_namespace(runtime, bundle, holder):
    h = holder.spawn(["unshare", "-n", "sleep", "60"])
    wait_for(lambda: os.readlink("/proc/%d/ns/net" % h.pid) != os.readlink("/proc/self/ns/net"),
             what="holder's network namespace")
    bundle.add_namespace("network", "/proc/%d/ns/net" % h.pid)
    r = sysctl_run(runtime, bundle, {"net.ipv4.ip_default_ttl": "44"})
    assert r.rc == 0, r
    out = subprocess.run(["nsenter", "-t", str(h.pid), "-n", "cat",
                          "/proc/sys/net/ipv4/ip_default_ttl"], capture_output=True, text=True)
    assert out.stdout.strip() == "44", out
