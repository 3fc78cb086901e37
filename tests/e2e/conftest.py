"""Fixtures of the engine end-to-end tests (podman and containerd running their
containers with the runtime under test).

    tests/e2e/run.sh                          # ocirun from build/src/ocirun
    tests/e2e/run.sh --runtime /usr/sbin/runc # the suite checked against runc

Everything the engines keep lives in one temporary directory (/tmp/ocirun-e2e-*):
podman's --root/--runroot/--tmpdir and config files, containerd's config.toml, root,
state and socket. Container cgroups go under one parent named after that directory.
At the end (also after a failure or a timeout) every container is removed, containerd
is stopped by its pid, mounts under the directory are unmounted, processes started
from it are killed by pid, the cgroup tree is removed and the directory deleted.
Leaks found on the way (runtime state or cgroups that survived the engine's own
removal) fail the test that left them.
"""

import os
import secrets
import signal
import shutil
import tempfile

import pytest

import engines
from engines import Containerd, Podman, Runtime

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def pytest_addoption(parser):
    parser.addoption(
        "--runtime", action="store",
        default=os.environ.get("OCIRUN") or os.path.join(REPO, "build", "src", "ocirun"),
        help="runc-compatible runtime the engines use (default: $OCIRUN or "
             "<repo>/build/src/ocirun)")


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    # A CI limit or a `kill` ends the run like ^C: fixtures are torn down, so the
    # engines, containers and cgroups are still cleaned up.
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGHUP, _interrupted)


def pytest_sessionstart(session):
    rt = session.config.getoption("--runtime")
    if not (os.path.isfile(rt) and os.access(rt, os.X_OK)):
        pytest.exit(f"runtime {rt} is not an executable file: build ocirun with "
                    f"scripts/build.sh or pass --runtime PATH", returncode=4)


def pytest_report_header(config):
    rt = config.getoption("--runtime")
    p = engines.run([rt, "--version"], check=False, timeout=10)
    first = (p.stdout or p.stderr).strip().splitlines()
    return [f"runtime: {os.path.abspath(rt)} ({first[0] if first else 'no --version'})"]


class Session:
    def __init__(self, runtime_path):
        self.workdir = tempfile.mkdtemp(prefix="ocirun-e2e-", dir="/tmp")
        os.chmod(self.workdir, 0o755)
        self.cgroup_parent = "/" + os.path.basename(self.workdir)
        self.runtime = Runtime(runtime_path, self.workdir)
        self.rootfs_tar = engines.busybox_rootfs_tar(os.path.join(self.workdir, "busybox.tar"))

    def cleanup(self):
        problems = []
        left = engines.unmount_under(self.workdir)
        if left:
            problems.append(f"mounts that would not go: {left}")
        pids = engines.with_descendants(engines.pids_mentioning(self.workdir))
        if pids:
            problems.append(f"processes still running from {self.workdir}: "
                            + "; ".join(f"{p}: {engines._cmdline(p)[:200]}" for p in pids))
            engines.kill_pids(pids)
            for p in pids:
                engines.wait_gone(p, 5)
            engines.unmount_under(self.workdir)
        problems += engines.remove_cgroup_tree(self.cgroup_parent)
        shutil.rmtree(self.workdir, ignore_errors=True)
        return problems


@pytest.fixture(scope="session")
def e2e(request):
    s = Session(request.config.getoption("--runtime"))
    yield s
    problems = s.cleanup()
    if problems:
        pytest.fail("session cleanup:\n" + "\n".join(problems), pytrace=False)


# --------------------------------------------------------------------------
# podman
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def podman_session(e2e):
    if not shutil.which("podman") or not shutil.which("conmon"):
        pytest.skip("podman/conmon not installed (tests/e2e/run.sh installs them)")
    p = Podman(e2e.workdir, e2e.runtime, e2e.cgroup_parent)
    try:
        p.import_image(e2e.rootfs_tar)
        yield p
    finally:
        problems = p.cleanup()
        if problems:
            pytest.fail("podman cleanup:\n" + "\n".join(problems), pytrace=False)


class PodmanScope:
    """One test's view of podman: unique container names, removed after the test with
    a check that the runtime kept no state and no cgroup of them."""

    def __init__(self, session, test):
        self.s = session
        self.test = test
        self.names = []

    def __call__(self, *args, **kw):
        return self.s(*args, **kw)

    def pty(self, *args, **kw):
        return self.s.pty(*args, **kw)

    @property
    def runtime(self):
        return self.s.runtime

    def name(self, prefix="c"):
        n = f"{prefix}-{secrets.token_hex(4)}"
        self.names.append(n)
        return n

    def run(self, *args, **kw):
        """`podman run` with the suite's options (no network, no pull, our cgroup parent)."""
        return self.s("run", *self.s.run_opts(), *args, **kw)

    def run_d(self, name, *args, **kw):
        """`podman run -d --name name ... IMAGE args`; returns the full container id."""
        opts = [a for a in kw.pop("opts", [])]
        p = self.s("run", "-d", "--name", name, *self.s.run_opts(), *opts,
                   engines.IMAGE, *args, **kw)
        return p.stdout.strip().splitlines()[-1]

    def inspect(self, name, fmt):
        return self.s.inspect(name, fmt)

    def pid(self, name):
        return int(self.inspect(name, "{{.State.Pid}}"))

    def status(self, name):
        return self.inspect(name, "{{.State.Status}}")

    def cleanup(self):
        problems = []
        ids = []
        for n in self.names:
            p = self.s("inspect", "--format", "{{.Id}}", n, check=False)
            if p.returncode == 0 and p.stdout.strip():
                ids.append(p.stdout.strip())
        if ids:
            self.s.ids.update(ids)
            p = self.s("rm", "--force", "--time", "0", *ids, check=False, timeout=60)
            if p.returncode != 0:
                problems.append(f"podman rm -f: {p.stderr.strip()}")
        for cid in ids:
            st = self.s.runtime.state(cid)
            if st.returncode == 0:
                problems.append(f"{cid[:12]}: runtime state left after podman rm: "
                                f"{st.stdout.strip()[:300]}")
                self.s.runtime.force_delete(cid)
            for mnt in engines.cgroup_mounts():
                d = os.path.join(mnt, self.s.cgroup_parent.strip("/"), "libpod-" + cid)
                if os.path.isdir(d):
                    problems.append(f"{cid[:12]}: cgroup left after podman rm: {d}")
                    engines.remove_cgroup_tree(os.path.join(self.s.cgroup_parent,
                                                            "libpod-" + cid))
        return problems


@pytest.fixture
def pm(podman_session, request):
    scope = PodmanScope(podman_session, request.node.name)
    yield scope
    problems = scope.cleanup()
    if problems:
        pytest.fail("leak after the test:\n" + "\n".join(problems), pytrace=False)


# --------------------------------------------------------------------------
# containerd
# --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def containerd_session(e2e):
    if not shutil.which("containerd") or not shutil.which("ctr") \
            or not shutil.which("containerd-shim-runc-v2"):
        pytest.skip("containerd not installed (tests/e2e/run.sh installs it)")
    c = Containerd(e2e.workdir, e2e.runtime, e2e.cgroup_parent)
    try:
        c.start()
        c.import_image(engines.oci_archive(e2e.rootfs_tar,
                                           os.path.join(e2e.workdir, "busybox-oci.tar")))
        yield c
    finally:
        problems = c.cleanup()
        if problems:
            pytest.fail("containerd cleanup:\n" + "\n".join(problems)
                        + "\ncontainerd log:\n" + c.log_tail(), pytrace=False)


class CtrScope:
    """One test's view of containerd: unique container ids, removed after the test with
    a check that the runtime kept no state and no cgroup of them."""

    def __init__(self, session):
        self.s = session
        self.ids = []

    def __call__(self, *args, **kw):
        return self.s.ctr(*args, **kw)

    @property
    def runtime(self):
        return self.s.runtime

    def id(self, prefix="c"):
        cid = f"{prefix}-{secrets.token_hex(4)}"
        self.ids.append(cid)
        return cid

    def run(self, cid, *args, opts=(), **kw):
        """`ctr run [opts] IMAGE cid args` with the runtime under test."""
        return self.s.ctr("run", *self.s.run_opts(cid), *opts, engines.IMAGE, cid, *args, **kw)

    def cgroup(self, controller, cid):
        return os.path.join(engines.CGROUP_ROOT, controller,
                            self.s.cgroup_parent.strip("/"), cid)

    def task_status(self, cid):
        for line in self.s.ctr("task", "ls").stdout.splitlines()[1:]:
            f = line.split()
            if f and f[0] == cid:
                return f[2]
        return None

    def cleanup(self):
        problems = []
        root = os.path.join(self.s.runc_root, engines.NAMESPACE)
        for cid in self.ids:
            problems += self.s.remove(cid)
            st = self.s.runtime.state(cid, root=root)
            if st.returncode == 0:
                problems.append(f"{cid}: runtime state left after ctr task delete: "
                                f"{st.stdout.strip()[:300]}")
                self.s.runtime.force_delete(cid, root=root)
            for mnt in engines.cgroup_mounts():
                d = os.path.join(mnt, self.s.cgroup_parent.strip("/"), cid)
                if os.path.isdir(d):
                    problems.append(f"{cid}: cgroup left after ctr task delete: {d}")
                    engines.remove_cgroup_tree(os.path.join(self.s.cgroup_parent, cid))
        return problems


@pytest.fixture
def ctr(containerd_session):
    scope = CtrScope(containerd_session)
    yield scope
    problems = scope.cleanup()
    if problems:
        pytest.fail("leak after the test:\n" + "\n".join(problems), pytrace=False)
