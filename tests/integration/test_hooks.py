"""OCI hooks end to end: the six kinds, their order, the state on their stdin, where they
run (runtime or container namespace), path/args/env, timeouts, and what a failing hook
does to create, start and delete.

Every hook is a small /bin/sh script that records what it saw into a directory of the
host. startContainer hooks resolve their path in the container, so their script lives in
the rootfs and the directory is bind-mounted into the container at /hooklog.
"""

import json
import os
import time

import pytest

from conftest import read_text

KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart",
         "poststop"]

# Records argv, env, the state on stdin and the namespaces into $HOOKDIR/$HOOKNAME.*
RECORDER = r"""#!/bin/sh
d="$HOOKDIR"
n="$HOOKNAME"
for a in "$@"; do printf '%s\n' "$a"; done > "$d/$n.args"
env > "$d/$n.env"
cat > "$d/$n.state"
readlink /proc/self/ns/mnt > "$d/$n.mntns"
readlink /proc/self/ns/pid > "$d/$n.pidns"
echo "$n" >> "$d/order"
exit 0
"""


class Hooks:
    """The host directory the hooks write to, and the hook entries for config.json."""

    def __init__(self, runtime, bundle):
        self.bundle = bundle
        self.dir = os.path.join(runtime.workdir, "hooklog")
        os.makedirs(self.dir, exist_ok=True)
        self.script = os.path.join(runtime.workdir, "recorder.sh")
        with open(self.script, "w") as f:
            f.write(RECORDER)
        os.chmod(self.script, 0o755)
        # The startContainer hook's path resolves in the container.
        bundle.write_file("/recorder.sh", RECORDER, 0o755)
        bundle.mkdir("/hooklog")
        bundle.add_mount("/hooklog", "bind", self.dir, ["rbind", "rw"])

    def entry(self, kind, *args, env=(), **extra):
        in_container = kind == "startContainer"
        h = {
            "path": "/recorder.sh" if in_container else self.script,
            "args": ["recorder", kind] + list(args),
            "env": ["HOOKDIR=%s" % ("/hooklog" if in_container else self.dir),
                    "HOOKNAME=%s" % kind] + list(env),
        }
        h.update(extra)
        return h

    def record_all(self, kinds=KINDS):
        self.bundle.config["hooks"] = {k: [self.entry(k)] for k in kinds}
        return self

    def failing(self, kind, script, **extra):
        """Make kind's only hook run `sh -c script` (in whichever namespace it runs)."""
        h = {"path": "/bin/sh", "args": ["sh", "-c", script]}
        h.update(extra)
        self.bundle.config.setdefault("hooks", {})[kind] = [h]
        return self

    def order(self):
        return read_text(os.path.join(self.dir, "order")).split()

    def state(self, kind):
        return json.loads(read_text(os.path.join(self.dir, kind + ".state")))

    def text(self, kind, what):
        return read_text(os.path.join(self.dir, "%s.%s" % (kind, what)))

    def ran(self, kind):
        return os.path.exists(os.path.join(self.dir, kind + ".state"))


@pytest.fixture
def hooks(runtime, bundle):
    return Hooks(runtime, bundle)


def host_ns(kind):
    return os.readlink("/proc/self/ns/%s" % kind)


def marker_script(hooks):
    """The container process leaves a marker in the hook directory when it runs."""
    return "echo ran > /hooklog/process-ran; sleep 60"


# --------------------------------------------------------------------------
# order, state, namespaces
# --------------------------------------------------------------------------


@pytest.mark.runc_differs
def test_run_runs_every_hook_once_in_order(runtime, bundle, hooks, container_id):
    """`run` (create, start, wait, delete in one process; ocirun's start and delete use the
    config that create parsed) runs each of the six kinds once, in the spec's order, with
    the status of its phase."""
    hooks.record_all()
    bundle.sh("true")
    runtime.run(container_id, bundle).ok()
    if runtime.is_runc:
        assert hooks.order() == ["prestart", "createRuntime", "createContainer", "poststart",
                                 "startContainer", "poststop"]
    else:
        assert hooks.order() == KINDS
    want = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
            "startContainer": "created", "poststart": "created" if runtime.is_runc else "running",
            "poststop": "stopped"}
    for kind in KINDS:
        st = hooks.state(kind)
        assert (st["id"], st["status"]) == (container_id, want[kind]), (kind, st)


@pytest.mark.runc_differs
def test_order_and_state_per_phase(runtime, bundle, hooks, container_id):
    bundle.config["annotations"] = {"org.example.hooks": "yes"}
    hooks.record_all()
    bundle.sh("sleep 60")
    runtime.create(container_id, bundle).ok()
    pid = runtime.state(container_id)["pid"]
    init_mnt = os.readlink("/proc/%d/ns/mnt" % pid)
    init_pidns = os.readlink("/proc/%d/ns/pid" % pid)
    if runtime.is_runc:
        # runc 1.1 runs poststart during create, before the user process (fixed in 1.2).
        assert hooks.order() == ["prestart", "createRuntime", "createContainer", "poststart"]
    else:
        assert hooks.order() == ["prestart", "createRuntime", "createContainer"]
    runtime.start(container_id).ok()
    runtime.kill(container_id, "KILL").ok()
    runtime.wait_status(container_id, "stopped")
    runtime.delete(container_id).ok()
    order = hooks.order()
    if runtime.is_runc:
        assert order == ["prestart", "createRuntime", "createContainer", "poststart",
                         "startContainer", "poststop"]
    else:
        assert order == KINDS

    expected_status = {"prestart": "creating", "createRuntime": "creating",
                       "createContainer": "creating", "startContainer": "created",
                       "poststart": "created" if runtime.is_runc else "running",
                       "poststop": "stopped"}
    for kind in KINDS:
        st = hooks.state(kind)
        assert st["id"] == container_id, (kind, st)
        assert st["bundle"] == bundle.path, (kind, st)
        assert st["status"] == expected_status[kind], (kind, st)
        assert st["ociVersion"], (kind, st)
        assert st.get("annotations") == {"org.example.hooks": "yes"}, (kind, st)
        # pid: as seen by the runtime in its namespace, by the container in the container's.
        if kind in ("createContainer", "startContainer"):
            assert st["pid"] == 1, (kind, st)
            assert hooks.text(kind, "mntns").strip() == init_mnt, kind
            assert hooks.text(kind, "pidns").strip() == init_pidns, kind
        elif kind == "poststop":
            assert st.get("pid", 0) == 0, st
        else:
            assert st["pid"] == pid, (kind, st)
        if kind not in ("createContainer", "startContainer"):
            assert hooks.text(kind, "mntns").strip() == host_ns("mnt"), kind
            assert hooks.text(kind, "pidns").strip() == host_ns("pid"), kind


def test_args_and_env_are_exactly_the_configs(runtime, bundle, hooks):
    bundle.config["hooks"] = {
        k: [hooks.entry(k, "first arg", "--x=y", env=["SPACED=a b c", "EMPTY="])]
        for k in KINDS}
    env = dict(os.environ, LEAK_FROM_RUNTIME="1")
    r = runtime.sh(bundle, "true", env=env)
    assert r.rc == 0, r
    for kind in KINDS:
        # args[0] is the hook's argv[0] (a script's $0 is its path): the rest are $1...
        assert hooks.text(kind, "args").splitlines() == [kind, "first arg", "--x=y"], kind
        hook_env = hooks.text(kind, "env").splitlines()
        assert "SPACED=a b c" in hook_env and "EMPTY=" in hook_env, (kind, hook_env)
        assert "HOOKNAME=%s" % kind in hook_env, (kind, hook_env)
        # The hook gets the env of its entry, not the runtime's.
        assert not any(v.startswith("LEAK_FROM_RUNTIME=") for v in hook_env), (kind, hook_env)


def test_hooks_run_in_order_within_a_kind(runtime, bundle, hooks):
    log = os.path.join(hooks.dir, "seq")
    bundle.config["hooks"] = {"createRuntime": [
        {"path": "/bin/sh", "args": ["sh", "-c", "echo %d >> %s" % (i, log)]}
        for i in range(5)]}
    r = runtime.sh(bundle, "true")
    assert r.rc == 0, r
    assert read_text(log).split() == ["0", "1", "2", "3", "4"]


def test_state_on_stdin_is_complete_even_when_hook_reads_slowly(runtime, bundle, hooks):
    # Large annotations make the state exceed a pipe buffer; the hook reads it late.
    bundle.config["annotations"] = {"org.example.big%d" % i: "x" * 1000 for i in range(100)}
    out = os.path.join(hooks.dir, "big.state")
    bundle.config["hooks"] = {"createRuntime": [
        {"path": "/bin/sh", "args": ["sh", "-c", "sleep 0.3; cat > %s" % out]}]}
    r = runtime.sh(bundle, "true")
    assert r.rc == 0, r
    st = json.loads(read_text(out))
    assert len(st["annotations"]) == 100


def test_hook_ignoring_stdin_is_fine(runtime, bundle, hooks):
    bundle.config["annotations"] = {"org.example.big%d" % i: "x" * 1000 for i in range(100)}
    hooks.failing("createRuntime", "exit 0")
    r = runtime.sh(bundle, "echo ok")
    assert r.rc == 0, r
    assert "ok" in r.out


def test_run_runs_all_hooks(runtime, bundle, hooks):
    hooks.record_all()
    r = runtime.sh(bundle, "echo hello")
    assert r.rc == 0, r
    assert "hello" in r.out
    assert sorted(hooks.order()) == sorted(KINDS)
    assert hooks.order()[-1] == "poststop"


def test_poststop_runs_on_delete_of_never_started_container(runtime, bundle, hooks, container_id):
    hooks.record_all(["poststop"])
    runtime.create(container_id, bundle).ok()
    assert not hooks.ran("poststop")
    runtime.delete(container_id).ok()
    assert hooks.state("poststop")["status"] == "stopped"
    assert hooks.state("poststop")["id"] == container_id


def test_poststop_runs_on_forced_delete_of_running_container(runtime, bundle, hooks, container_id):
    hooks.record_all(["poststop"])
    bundle.sh("sleep 60")
    runtime.create(container_id, bundle).ok()
    runtime.start(container_id).ok()
    runtime.delete(container_id, "--force").ok()
    assert hooks.state("poststop")["status"] == "stopped"


# --------------------------------------------------------------------------
# failures
# --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["prestart", "createRuntime", "createContainer"])
def test_failing_create_hook_fails_create_and_leaves_nothing(runtime, bundle, hooks,
                                                             container_id, kind):
    hooks.record_all(["poststop"])
    hooks.failing(kind, "echo 'hook said no' >&2; exit 3")
    bundle.sh(marker_script(hooks))
    r = runtime.create(container_id, bundle).failed()
    assert "hook said no" in r.err, r
    if not runtime.is_runc:
        assert kind in r.err, r
    assert runtime.cmd("state", container_id).rc != 0
    assert not os.path.exists(os.path.join(hooks.dir, "process-ran"))
    # The lifecycle goes on with delete: poststop hooks run (runc 1.1 too).
    assert hooks.state("poststop")["status"] == "stopped"
    # The teardown's leak check (cgroups, mounts, processes, state dir) does the rest.


def test_hook_timeout_is_enforced(runtime, bundle, hooks, container_id):
    bundle.config["hooks"] = {"createRuntime": [
        {"path": "/bin/sleep", "args": ["sleep", "30"], "timeout": 1}]}
    t0 = time.monotonic()
    r = runtime.create(container_id, bundle).failed()
    assert time.monotonic() - t0 < 10, r
    if not runtime.is_runc:
        assert "timed out" in r.err and "createRuntime" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


@pytest.mark.runc_differs
def test_hook_timeout_does_not_wait_for_its_children(runtime, bundle, hooks, container_id):
    # The hook's child keeps its stdout and stderr open after the hook is killed. runc
    # 1.1 waits for those pipes to close, i.e. for the child (here 5 s).
    hooks.failing("createRuntime", "sleep 5 & wait", timeout=1)
    t0 = time.monotonic()
    r = runtime.create(container_id, bundle).failed()
    if not runtime.is_runc:
        assert time.monotonic() - t0 < 4, r
        assert "timed out" in r.err, r


def test_hook_that_cannot_be_executed(runtime, bundle, hooks, container_id):
    bundle.config["hooks"] = {"prestart": [{"path": os.path.join(hooks.dir, "missing")}]}
    r = runtime.create(container_id, bundle).failed()
    assert "missing" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


def test_relative_hook_path_is_refused(runtime, bundle, container_id):
    bundle.config["hooks"] = {"prestart": [{"path": "sh", "args": ["sh", "-c", "true"]}]}
    r = runtime.create(container_id, bundle).failed()
    assert "sh" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


@pytest.mark.runc_differs
def test_failing_start_container_hook(runtime, bundle, hooks, container_id):
    hooks.failing("startContainer", "echo 'not today' >&2; exit 4")
    bundle.sh(marker_script(hooks))
    runtime.create(container_id, bundle).ok()
    r = runtime.start(container_id)
    if runtime.is_runc:
        # runc 1.1 reports success and the init dies after the fifo: the error only shows
        # on the init's stderr. The spec wants an error from start.
        assert r.rc == 0, r
    else:
        assert r.rc != 0, r
        assert "startContainer" in r.err and "not today" in r.err, r
    runtime.wait_status(container_id, "stopped")
    # The user process never ran.
    assert not os.path.exists(os.path.join(hooks.dir, "process-ran"))
    runtime.delete(container_id).ok()


@pytest.mark.runc_differs
def test_failing_poststart_hook_stops_the_container(runtime, bundle, hooks, container_id):
    hooks.record_all(["poststop"])
    hooks.failing("poststart", "echo 'poststart broke' >&2; exit 5")
    bundle.sh("sleep 60")
    r = runtime.create(container_id, bundle)
    if runtime.is_runc:
        # runc 1.1 runs poststart during create: create fails and the container is gone.
        assert r.rc != 0 and "poststart broke" in r.err, r
        return
    r.ok()
    r = runtime.start(container_id)
    assert r.rc != 0, r
    assert "poststart" in r.err and "poststart broke" in r.err, r
    # The spec: generate an error and stop the container; delete still works.
    assert runtime.status(container_id) == "stopped"
    runtime.delete(container_id).ok()
    assert hooks.state("poststop")["status"] == "stopped"


@pytest.mark.runc_differs
def test_failing_poststart_hook_fails_run(runtime, bundle, hooks, container_id):
    hooks.failing("poststart", "exit 5")
    r = runtime.sh(bundle, "sleep 60", cid=container_id)
    assert r.rc != 0, r
    assert runtime.cmd("state", container_id).rc != 0


def test_failing_poststop_hook_is_a_warning(runtime, bundle, hooks, container_id):
    hooks.failing("poststop", "echo 'cleanup trouble' >&2; exit 6")
    runtime.create(container_id, bundle).ok()
    r = runtime.delete(container_id)
    assert r.rc == 0, r
    assert "cleanup trouble" in r.err, r
    assert runtime.cmd("state", container_id).rc != 0


def test_remaining_poststop_hooks_run_after_a_failure(runtime, bundle, hooks, container_id):
    second = os.path.join(hooks.dir, "second")
    bundle.config["hooks"] = {"poststop": [
        {"path": "/bin/sh", "args": ["sh", "-c", "exit 1"]},
        {"path": "/bin/sh", "args": ["sh", "-c", "touch %s" % second]}]}
    runtime.create(container_id, bundle).ok()
    runtime.delete(container_id).ok()
    if runtime.is_runc:
        # runc 1.1 stops at the first failing poststop hook (checked); the spec says
        # "the remaining hooks and lifecycle continue as if the hook had succeeded".
        return
    assert os.path.exists(second)


@pytest.mark.runc_differs
def test_start_container_path_resolves_in_the_container(runtime, bundle, hooks, container_id):
    # The host's recorder script does not exist in the rootfs: the hook cannot run there.
    bundle.config["hooks"] = {"startContainer": [{"path": hooks.script}]}
    bundle.sh(marker_script(hooks))
    runtime.create(container_id, bundle).ok()
    r = runtime.start(container_id)
    if not runtime.is_runc:
        assert r.rc != 0 and "startContainer" in r.err, r
    runtime.wait_status(container_id, "stopped")
    assert not os.path.exists(os.path.join(hooks.dir, "process-ran"))
