"""linux.netDevices: a device of the runtime's network namespace moved into the
container's, renamed, with its permanent global addresses, up; never moved back.

Nothing of the host's is touched: each test runs the runtime under `unshare -n`, in a
network namespace of its own where it creates a veth pair (v0, v1) to move v0.
runc 1.1 predates netDevices (it ignores the field), so these run on other runtimes.
"""

import re

import pytest

SETUP = ("ip link add v0 type veth peer name v1 && "
         "ip addr add 10.1.2.3/24 dev v0 && "
         "ip -6 addr add fd00::5/64 dev v0 nodad && "
         "ip addr add 10.9.9.9/24 dev v0 valid_lft 300 preferred_lft 300")

# In the container: its links and addresses, one per line.
SHOW = "ip -o link show; ip -o addr show"


@pytest.fixture(autouse=True)
def newer_than_runc11(runtime):
    if runtime.is_runc:
        pytest.skip("runc 1.1 ignores linux.netDevices")


def run_in_private_netns(runtime, bundle, cid, after=""):
    """Run the container from a fresh network namespace holding v0/v1; `after` runs
    there once the runtime is done (its output follows a ---- line)."""
    bundle.save()
    argv = ["unshare", "-n", "sh", "-c",
            '%s && "$@"; rc=$?; echo ----; %s; exit $rc' % (SETUP, after or "true"),
            "sh"] + runtime.argv("run", "--bundle", bundle.path, cid)
    return runtime.cmd(raw_argv=argv)


def links(out):
    return {m.group(1): m.group(0) for m in re.finditer(r"^\d+: ([^:@\s]+)[@:].*$", out, re.M)}


def addrs(out, dev):
    return re.findall(r"^\d+: %s\s+inet6? (\S+)" % re.escape(dev), out, re.M)


def test_moved_renamed_with_permanent_addresses_and_up(runtime, bundle, container_id):
    bundle.linux["netDevices"] = {"v0": {"name": "ceth0"}}
    bundle.sh(SHOW)
    r = run_in_private_netns(runtime, bundle, container_id, after="ip -o link show")
    assert r.rc == 0, r
    inside, outside = r.out.split("----\n")
    ls = links(inside)
    assert "ceth0" in ls and "v0" not in ls, inside
    assert re.search(r"<[^>]*\bUP\b", ls["ceth0"]), ls["ceth0"]
    got = addrs(inside, "ceth0")
    assert "10.1.2.3/24" in got and "fd00::5/64" in got, inside
    # An address with a lifetime is not permanent: the spec carries only permanent ones.
    assert "10.9.9.9/24" not in got, inside
    # Gone from the runtime's namespace. A veth dies with the container's namespace (its
    # peer with it); the runtime never moves anything back.
    assert "v0" not in links(outside), outside


def test_name_defaults_to_the_host_name(runtime, bundle, container_id):
    bundle.linux["netDevices"] = {"v0": {}}
    bundle.sh(SHOW)
    r = run_in_private_netns(runtime, bundle, container_id)
    assert r.rc == 0, r
    assert "v0" in links(r.out.split("----\n")[0]), r.out


def test_name_template(runtime, bundle, container_id):
    bundle.linux["netDevices"] = {"v0": {"name": "net%d"}}
    bundle.sh(SHOW)
    r = run_in_private_netns(runtime, bundle, container_id)
    assert r.rc == 0, r
    assert "net0" in links(r.out.split("----\n")[0]), r.out


def test_name_taken_in_the_container_is_an_error(runtime, bundle, container_id):
    bundle.linux["netDevices"] = {"v0": {"name": "lo"}}
    r = run_in_private_netns(runtime, bundle, container_id)
    assert r.rc != 0, r
    assert "netDevices" in r.err and "lo" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


def test_missing_device_fails_before_anything(runtime, bundle, container_id):
    bundle.linux["netDevices"] = {"v7": {}}
    r = run_in_private_netns(runtime, bundle, container_id)
    # (the log line escapes the quotes)
    assert r.rc != 0 and 'netDevices["v7"]' in r.err.replace('\\"', '"'), r
    assert runtime.cmd("state", container_id).rc != 0


def test_needs_a_network_namespace(runtime, bundle, container_id):
    bundle.remove_namespace("network")
    bundle.linux["netDevices"] = {"v0": {}}
    r = run_in_private_netns(runtime, bundle, container_id)
    assert r.rc != 0 and "netDevices" in r.err and "network namespace" in r.err, r


def test_devices_are_in_place_for_prestart_hooks(runtime, bundle, container_id, tmp_path):
    # The hook runs in the runtime's namespace; it looks into the container's through the
    # init's pid from the state.
    out = tmp_path / "hook.out"
    script = 'pid=$(sed -n \'s/.*"pid":\\([0-9]*\\).*/\\1/p\'); nsenter -t "$pid" -n ip -o link show > %s' % out
    bundle.config["hooks"] = {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", script]}]}
    bundle.linux["netDevices"] = {"v0": {"name": "ceth0"}}
    bundle.sh("true")
    r = run_in_private_netns(runtime, bundle, container_id)
    assert r.rc == 0, r
    assert "ceth0" in out.read_text(), out.read_text()
