"""Fixtures for the runtime integration tests.

The suite runs against any runc-compatible runtime:

    /usr/bin/python3 -m pytest tests/integration --runtime /usr/sbin/runc -n 2

Every test gets its own state root (``--root``), its own bundle (a hard-link
copy of a busybox rootfs built once per session) and unique container ids.
After every test all containers in its root are force-deleted and a leak check
runs: no state dir, no cgroup named after one of its ids, no mount under its
bundles, no process rooted in its bundles or living in its cgroups.  A leak
fails the test (as a teardown error) after it has been cleaned up.
"""

import json
import os
import random
import re
import shutil
import signal
import string
import subprocess
import tempfile
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(HERE, "data")
BUSYBOX = "/bin/busybox"
CGROUP_ROOT = "/sys/fs/cgroup"

# Default timeout (seconds) of a single runtime command.
CMD_TIMEOUT = 20


def pytest_addoption(parser):
    parser.addoption(
        "--runtime",
        action="store",
        default=os.environ.get("OCIRUN") or os.path.join(REPO, "build", "src", "ocirun"),
        help="path of the runc-compatible runtime under test "
        "(default: $OCIRUN or <repo>/build/src/ocirun)",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "timeout(seconds): per-test timeout (pytest-timeout)")
    config.addinivalue_line("markers", "runc_differs: runc itself behaves differently; see the test")


# --------------------------------------------------------------------------
# Runtime identity
# --------------------------------------------------------------------------


class RuntimeInfo:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        self.version = ""
        try:
            p = subprocess.run([self.path, "--version"], stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=CMD_TIMEOUT)
            self.version = p.stdout
        except (OSError, subprocess.TimeoutExpired):
            pass
        first = self.version.strip().splitlines()[0] if self.version.strip() else ""
        base = os.path.basename(self.path)
        # runc prints "runc version 1.1.5+ds1"; ocirun something of its own.
        self.is_runc = first.startswith("runc version") or (not first and base == "runc")
        self.is_crun = first.startswith("crun version")
        self.name = first.split()[0] if first else base
        self._features = None

    @property
    def features(self):
        """Parsed output of `<runtime> features`, or {} when unsupported."""
        if self._features is None:
            self._features = {}
            try:
                p = subprocess.run([self.path, "features"], stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True, timeout=CMD_TIMEOUT)
                if p.returncode == 0:
                    self._features = json.loads(p.stdout)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                pass
        return self._features

    def supports_namespace(self, ns):
        nss = self.features.get("linux", {}).get("namespaces")
        return nss is None or ns in nss


@pytest.fixture(scope="session")
def runtime_info(request):
    path = request.config.getoption("--runtime")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.exit("runtime %r is not an executable file (use --runtime PATH)" % path, 2)
    if os.geteuid() != 0:
        pytest.exit("the integration tests must run as root", 2)
    return RuntimeInfo(path)


# --------------------------------------------------------------------------
# Command results
# --------------------------------------------------------------------------


class Result:
    """Outcome of one runtime command; unpacks as (rc, out, err)."""

    def __init__(self, argv, rc, out, err, out_path=None, err_path=None, timed_out=False):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.out_path = out_path
        self.err_path = err_path
        self.timed_out = timed_out

    def __iter__(self):
        return iter((self.rc, self.out, self.err))

    def __repr__(self):
        return "Result(argv=%r, rc=%r,\n  out=%r,\n  err=%r)" % (
            self.argv, self.rc, self.out[-2000:], self.err[-2000:])

    def ok(self):
        assert self.rc == 0, "command failed: %r" % self
        return self

    def failed(self):
        assert self.rc not in (0, None), "command unexpectedly succeeded: %r" % self
        return self


def read_text(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def wait_for(pred, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return False
    st = data.rsplit(")", 1)[1].split()[0]
    return st not in ("Z", "X")


# --------------------------------------------------------------------------
# Bundles
# --------------------------------------------------------------------------


PASSWD = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n"
GROUP = "root:x:0:\nuser:x:1000:\n"


@pytest.fixture(scope="session")
def rootfs_cache(tmp_path_factory):
    """A busybox rootfs built once per session (per xdist worker)."""
    if not os.path.exists(BUSYBOX):
        pytest.exit("%s is missing (apt-get install busybox-static)" % BUSYBOX, 2)
    base = tmp_path_factory.mktemp("rootfs-cache")
    root = os.path.join(str(base), "rootfs")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy2(BUSYBOX, os.path.join(root, "bin", "busybox"))
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if a == "busybox" or "/" in a:
            continue
        dst = os.path.join(root, "bin", a)
        if not os.path.lexists(dst):
            os.symlink("busybox", dst)
    for d, mode in (("proc", 0o555), ("sys", 0o555), ("dev", 0o755), ("tmp", 0o1777),
                    ("etc", 0o755), ("root", 0o700), ("home", 0o755), ("mnt", 0o755)):
        p = os.path.join(root, d)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
    home = os.path.join(root, "home", "user")
    os.makedirs(home)
    os.chown(home, 1000, 1000)
    with open(os.path.join(root, "etc", "passwd"), "w") as f:
        f.write(PASSWD)
    with open(os.path.join(root, "etc", "group"), "w") as f:
        f.write(GROUP)
    return root


def _load_fallback_spec():
    with open(os.path.join(DATA, "runc-spec.json")) as f:
        return json.load(f)


class Bundle:
    """A bundle directory: ``config`` is the dict written to config.json by save()."""

    def __init__(self, path, config):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")
        self.config = config
        self.config_path = os.path.join(path, "config.json")

    def save(self):
        tmp = self.config_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.config, f, indent=1)
        os.rename(tmp, self.config_path)
        return self

    # Convenience for the common edits -----------------------------------
    @property
    def process(self):
        return self.config["process"]

    @property
    def linux(self):
        return self.config.setdefault("linux", {})

    def set_args(self, *args):
        self.config["process"]["args"] = list(args)
        return self

    def sh(self, script):
        """Run `sh -c script` as the container process."""
        return self.set_args("sh", "-c", script)

    def writable(self):
        self.config["root"]["readonly"] = False
        return self

    def namespaces(self):
        return self.linux.setdefault("namespaces", [])

    def remove_namespace(self, nstype):
        self.linux["namespaces"] = [n for n in self.namespaces() if n["type"] != nstype]
        return self

    def add_namespace(self, nstype, path=None):
        self.remove_namespace(nstype)
        ns = {"type": nstype}
        if path is not None:
            ns["path"] = path
        self.linux["namespaces"].append(ns)
        return self

    def add_mount(self, destination, type_, source, options=None):
        m = {"destination": destination, "type": type_, "source": source}
        if options is not None:
            m["options"] = list(options)
        self.config.setdefault("mounts", []).append(m)
        return self

    def rootfs_path(self, rel):
        return os.path.join(self.rootfs, rel.lstrip("/"))

    def write_file(self, rel, content, mode=0o644):
        """Create a file in the rootfs (never modify a hard-linked file in place)."""
        p = self.rootfs_path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        if os.path.lexists(p):
            os.unlink(p)
        with open(p, "w") as f:
            f.write(content)
        os.chmod(p, mode)
        return p

    def mkdir(self, rel, mode=0o755):
        p = self.rootfs_path(rel)
        os.makedirs(p, exist_ok=True)
        os.chmod(p, mode)
        return p


# --------------------------------------------------------------------------
# The runtime under test, with a private state root
# --------------------------------------------------------------------------


def _short(name, n=14):
    name = re.sub(r"^test_", "", name)
    name = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")
    return name[:n].strip("-") or "x"


class Runtime:
    def __init__(self, info, workdir, testname, rootfs_cache):
        self.info = info
        self.path = info.path
        self.workdir = workdir
        self.root = os.path.join(workdir, "state")
        self.testname = _short(testname)
        self._rootfs_cache = rootfs_cache
        self.ids = []
        self.bundles = []
        self._n = 0
        self.is_runc = info.is_runc

    # -- commands ---------------------------------------------------------
    def argv(self, *args, global_args=()):
        return [self.path, "--root", self.root] + list(global_args) + [str(a) for a in args]

    def cmd(self, *args, timeout=CMD_TIMEOUT, stdin=None, cwd=None, env=None,
            global_args=(), pass_fds=None, raw_argv=None, input=None):
        """Run the runtime; stdout/stderr go to fresh files (a container that
        inherits them cannot block us), returned as text."""
        argv = raw_argv if raw_argv is not None else self.argv(*args, global_args=global_args)
        self._n += 1
        out_path = os.path.join(self.workdir, "cmd%03d.out" % self._n)
        err_path = os.path.join(self.workdir, "cmd%03d.err" % self._n)
        preexec = None
        keep = ()
        if pass_fds:
            # pass_fds: {target_fd: source_fd}
            mapping = dict(pass_fds)
            keep = tuple(mapping)

            def preexec():
                for tgt, src in mapping.items():
                    os.dup2(src, tgt)
        stdin_f = subprocess.DEVNULL if stdin is None else stdin
        if input is not None:
            stdin_f = subprocess.PIPE
        with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            try:
                p = subprocess.Popen(argv, stdin=stdin_f, stdout=fo, stderr=fe, cwd=cwd,
                                     env=env, pass_fds=keep, preexec_fn=preexec,
                                     start_new_session=False)
            except OSError as e:
                return Result(argv, 127, "", str(e))
            timed_out = False
            try:
                if input is not None:
                    p.communicate(input.encode() if isinstance(input, str) else input,
                                  timeout=timeout)
                else:
                    p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                p.kill()
                p.wait()
        res = Result(argv, p.returncode if not timed_out else None,
                     read_text(out_path), read_text(err_path), out_path, err_path, timed_out)
        if timed_out:
            raise AssertionError("runtime command timed out after %ss: %r" % (timeout, res))
        return res

    __call__ = cmd

    # -- ids and bundles --------------------------------------------------
    def new_id(self, tag=""):
        rnd = "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))
        cid = "t-%s%s-%s" % (self.testname, ("-" + tag) if tag else "", rnd)
        self.ids.append(cid)
        return cid

    def track(self, cid):
        """Register an id the test made itself so cleanup and leak check cover it."""
        if cid not in self.ids:
            self.ids.append(cid)
        return cid

    def make_bundle(self, name=None):
        name = name or "bundle%d" % (len(self.bundles) + 1)
        path = os.path.join(self.workdir, name)
        os.makedirs(path)
        subprocess.run(["cp", "-al", self._rootfs_cache, os.path.join(path, "rootfs")],
                       check=True)
        self.bundles.append(path)
        r = self.cmd("spec", "--bundle", path)
        if r.rc == 0 and os.path.exists(os.path.join(path, "config.json")):
            with open(os.path.join(path, "config.json")) as f:
                config = json.load(f)
        else:
            # The runtime's `spec` is broken: test_spec.py reports that; the
            # other tests go on with runc's default (stored copy).
            config = _load_fallback_spec()
        config["process"]["terminal"] = False
        b = Bundle(path, config)
        b.save()
        return b

    # -- lifecycle helpers --------------------------------------------------
    def create(self, cid, bundle, *flags, **kw):
        if isinstance(bundle, Bundle):
            bundle.save()
            bundle = bundle.path
        return self.cmd("create", "--bundle", bundle, *flags, cid, **kw)

    def start(self, cid, **kw):
        return self.cmd("start", cid, **kw)

    def run(self, cid, bundle, *flags, **kw):
        if isinstance(bundle, Bundle):
            bundle.save()
            bundle = bundle.path
        return self.cmd("run", "--bundle", bundle, *flags, cid, **kw)

    def delete(self, cid, *flags, **kw):
        return self.cmd("delete", *flags, cid, **kw)

    def kill(self, cid, *args, **kw):
        return self.cmd("kill", cid, *args, **kw)

    def state(self, cid, **kw):
        """The parsed state JSON (asserts success)."""
        r = self.cmd("state", cid, **kw).ok()
        return json.loads(r.out)

    def status(self, cid):
        return self.state(cid)["status"]

    def wait_status(self, cid, status, timeout=10):
        return wait_for(lambda: self.status(cid) == status, timeout=timeout,
                        what="container %s to be %s" % (cid, status))

    def run_in(self, bundle, *args, cid=None, flags=(), timeout=CMD_TIMEOUT, **kw):
        """Run args (or the bundle's args when none given) in a new container
        in the foreground; returns the Result (container output included)."""
        if args:
            bundle.set_args(*args)
        cid = cid or self.new_id()
        return self.run(cid, bundle, *flags, timeout=timeout, **kw)

    def sh(self, bundle, script, **kw):
        return self.run_in(bundle, "sh", "-c", script, **kw)

    def start_detached(self, bundle, *args, cid=None, flags=()):
        """create + start a container running args; returns (cid, pid)."""
        if args:
            bundle.set_args(*args)
        cid = cid or self.new_id()
        self.create(cid, bundle, *flags).ok()
        self.start(cid).ok()
        st = self.state(cid)
        return cid, st["pid"]

    # -- teardown ----------------------------------------------------------
    def cleanup_and_check(self):
        problems = []
        names = set(self.ids)
        if os.path.isdir(self.root):
            names.update(os.listdir(self.root))
        for cid in sorted(names):
            if os.path.isdir(os.path.join(self.root, cid)):
                try:
                    r = self.cmd("delete", "--force", cid, timeout=10)
                    if r.rc != 0:
                        problems.append("delete --force %s failed: %s" % (cid, r.err.strip()))
                except AssertionError as e:
                    problems.append("delete --force %s: %s" % (cid, e))
        # Give the kernel a moment to reap killed processes.
        deadline = time.monotonic() + 3
        while True:
            leaks = self._find_leaks()
            if not any(leaks.values()) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if leaks["state"]:
            problems.append("state dirs left under %s: %s" % (self.root, leaks["state"]))
        if leaks["procs"]:
            problems.append("processes left: %s" % leaks["procs"])
        if leaks["cgroups"]:
            problems.append("cgroups left: %s" % leaks["cgroups"])
        if leaks["mounts"]:
            problems.append("mounts left: %s" % leaks["mounts"])
        if any(leaks.values()):
            self._force_clean(leaks)
        self._remove_bundles()
        return problems

    def _find_leaks(self):
        leaks = {"state": [], "procs": [], "cgroups": [], "mounts": []}
        if os.path.isdir(self.root):
            leaks["state"] = sorted(e for e in os.listdir(self.root)
                                    if os.path.isdir(os.path.join(self.root, e)))
        ids = set(self.ids) | set(leaks["state"])
        # cgroups named after an id, in every hierarchy
        for dirpath, dirnames, _ in os.walk(CGROUP_ROOT):
            for d in list(dirnames):
                if d in ids:
                    leaks["cgroups"].append(os.path.join(dirpath, d))
        # mounts under a bundle or the state root
        prefixes = [b + "/" for b in self.bundles] + [self.root + "/"]
        try:
            with open("/proc/self/mountinfo") as f:
                for line in f:
                    mp = line.split()[4].replace("\\040", " ")
                    if any((mp + "/").startswith(p) for p in prefixes):
                        leaks["mounts"].append(mp)
        except OSError:
            pass
        # processes: rooted in / cwd in a bundle, or in a cgroup named after an id
        rootfs_ids = set()
        for b in self.bundles:
            try:
                s = os.stat(os.path.join(b, "rootfs"))
                rootfs_ids.add((s.st_dev, s.st_ino))
            except OSError:
                pass
        cg_re = re.compile(r"/(%s)(/|$)" % "|".join(re.escape(i) for i in ids)) if ids else None
        me = os.getpid()
        for e in os.listdir("/proc"):
            if not e.isdigit() or int(e) == me:
                continue
            pid = int(e)
            why = None
            try:
                for link in ("root", "cwd"):
                    target = os.readlink("/proc/%d/%s" % (pid, link))
                    if any((target + "/").startswith(b + "/") for b in self.bundles):
                        why = "%s=%s" % (link, target)
                    s = os.stat("/proc/%d/%s" % (pid, link))
                    if (s.st_dev, s.st_ino) in rootfs_ids:
                        why = "%s is a bundle rootfs" % link
                if why is None and cg_re is not None:
                    with open("/proc/%d/cgroup" % pid) as f:
                        for line in f:
                            path = line.rstrip("\n").split(":", 2)[2]
                            if cg_re.search(path):
                                why = "cgroup " + line.strip()
                                break
            except (OSError, IndexError):
                continue
            if why and pid_alive(pid):
                try:
                    with open("/proc/%d/cmdline" % pid, "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    cmd = "?"
                leaks["procs"].append("%d (%s; %s)" % (pid, cmd, why))
        return leaks

    def _force_clean(self, leaks):
        for p in leaks["procs"]:
            try:
                os.kill(int(p.split()[0]), signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.3)
        for mp in sorted(leaks["mounts"], key=len, reverse=True):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        for cg in sorted(leaks["cgroups"], key=len, reverse=True):
            for dirpath, _, _ in sorted(os.walk(cg), key=lambda t: len(t[0]), reverse=True):
                try:
                    os.rmdir(dirpath)
                except OSError:
                    pass
        for s in leaks["state"]:
            shutil.rmtree(os.path.join(self.root, s), ignore_errors=True)

    def _remove_bundles(self):
        # Never follow a mount point out of the bundle.
        for b in self.bundles:
            if not os.path.isdir(b):
                continue
            dev = os.lstat(b).st_dev
            for dirpath, dirnames, filenames in os.walk(b, topdown=False):
                try:
                    if os.lstat(dirpath).st_dev != dev or os.path.ismount(dirpath):
                        continue
                except OSError:
                    continue
                for fn in filenames:
                    try:
                        os.unlink(os.path.join(dirpath, fn))
                    except OSError:
                        pass
                for dn in dirnames:
                    p = os.path.join(dirpath, dn)
                    try:
                        if os.path.islink(p):
                            os.unlink(p)
                        else:
                            os.rmdir(p)
                    except OSError:
                        pass
            try:
                os.rmdir(b)
            except OSError:
                pass


@pytest.fixture
def runtime(runtime_info, rootfs_cache, request):
    workdir = tempfile.mkdtemp(prefix="ocitest-%s-" % _short(request.node.name, 20))
    os.chmod(workdir, 0o755)  # a user-namespaced container must reach its rootfs
    rt = Runtime(runtime_info, workdir, request.node.name, rootfs_cache)
    yield rt
    problems = rt.cleanup_and_check()
    shutil.rmtree(rt.root, ignore_errors=True)
    if not problems:
        shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        pytest.fail("leak check failed:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def bundle(runtime):
    """A fresh bundle: busybox rootfs + the runtime's `spec` (terminal false)."""
    return runtime.make_bundle()


@pytest.fixture
def container_id(runtime):
    return runtime.new_id()


@pytest.fixture
def is_runc(runtime_info):
    return runtime_info.is_runc


# --------------------------------------------------------------------------
# Helpers for tests
# --------------------------------------------------------------------------


class Holder:
    """A helper process (e.g. holding a namespace) killed at teardown."""

    def __init__(self):
        self.procs = []

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, **kw)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass


@pytest.fixture
def holder():
    h = Holder()
    yield h
    h.close()
