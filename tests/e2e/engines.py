"""Helpers for the engine end-to-end tests: a busybox image built locally, podman and
containerd with all their state in one temporary directory, and a cleanup that leaves
nothing behind (containers, daemons, mounts, cgroups, runtime state).

Nothing here touches the network: images are built from Debian's busybox-static,
podman containers get `--network none`, containerd runs without its CRI plugin (so
without CNI) and ctr gives each container a new network namespace holding only
loopback.
"""

import gzip
import hashlib
import io
import json
import os
import fcntl
import pty
import select
import struct
import termios
import shutil
import signal
import subprocess
import tarfile
import time

BUSYBOX = "/bin/busybox"
CGROUP_ROOT = "/sys/fs/cgroup"
IMAGE = "localhost/busybox:e2e"
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# Default limit (seconds) of one engine command.
CMD_TIMEOUT = 30


class CmdError(AssertionError):
    pass


def run(argv, *, env=None, timeout=CMD_TIMEOUT, check=True, input=None, cwd=None):
    """Run argv, capture text output; on check, a non-zero exit raises with all output."""
    try:
        p = subprocess.run(argv, env=env, input=input, cwd=cwd, capture_output=True,
                           text=True, timeout=timeout,
                           stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise CmdError(f"timed out after {timeout}s: {' '.join(argv)}\n"
                       f"stdout: {e.stdout!r}\nstderr: {e.stderr!r}") from None
    if check and p.returncode != 0:
        raise CmdError(f"exit {p.returncode}: {' '.join(argv)}\n"
                       f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


PTY_ROWS, PTY_COLS = 37, 111


def run_pty(argv, *, env=None, timeout=CMD_TIMEOUT, send=None, send_after=None):
    """Run argv with a new pseudo-terminal as stdin/stdout/stderr (as a person at a
    terminal would), PTY_ROWS x PTY_COLS. send: bytes written once send_after (bytes) has
    been seen in the output (or at once when send_after is None).
    Returns (exit status, output bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", PTY_ROWS, PTY_COLS, 0, 0))
    try:
        p = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=slave,
                             start_new_session=True, close_fds=True)
    finally:
        os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            if send is not None and (send_after is None or send_after in out):
                os.write(master, send)
                send = None
            left = deadline - time.monotonic()
            if left <= 0:
                raise CmdError(f"timed out after {timeout}s: {' '.join(argv)}\noutput: {out!r}")
            r, _, _ = select.select([master], [], [], min(left, 0.2))
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every slave side is closed
                    chunk = b""
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                # Exited; drain what is left without blocking.
                r, _, _ = select.select([master], [], [], 0.2)
                if not r:
                    break
        rc = p.wait(timeout=max(1, deadline - time.monotonic()))
        return rc, out
    except BaseException:
        if p.poll() is None:
            p.kill()
            p.wait()
        raise
    finally:
        os.close(master)


# --------------------------------------------------------------------------
# Images
# --------------------------------------------------------------------------


def busybox_rootfs_tar(path):
    """A tarball shaped like the busybox image: busybox-static and its applets in /bin,
    /etc/passwd and /etc/group with root and user 1000. No /run, no /var/tmp: the runtime
    has to create the mount points the engine asks for."""
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    with tarfile.open(path, "w") as t:
        def add_dir(name, mode=0o755):
            ti = tarfile.TarInfo(name)
            ti.type = tarfile.DIRTYPE
            ti.mode = mode
            t.addfile(ti)

        def add_file(name, data, mode=0o644):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mode = mode
            t.addfile(ti, io.BytesIO(data))

        for d in ("bin", "dev", "etc", "home", "proc", "root", "sys", "usr", "var"):
            add_dir(d, 0o700 if d == "root" else 0o755)
        add_dir("tmp", 0o1777)
        with open(BUSYBOX, "rb") as f:
            add_file("bin/busybox", f.read(), 0o755)
        for a in sorted(set(applets)):
            if a == "busybox" or "/" in a:
                continue
            ti = tarfile.TarInfo("bin/" + a)
            ti.type = tarfile.SYMTYPE
            ti.linkname = "busybox"
            ti.mode = 0o777
            t.addfile(ti)
        add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                               b"user:x:1000:1000:user:/home/user:/bin/sh\n"
                               b"nobody:x:65534:65534:nobody:/home:/bin/false\n")
        add_file("etc/group", b"root:x:0:\nuser:x:1000:\nnogroup:x:65534:\n")
    return path


def _digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def oci_archive(rootfs_tar, path, name=IMAGE):
    """An OCI image layout tarball (oci-layout, index.json, blobs) with one gzip layer
    made of rootfs_tar, importable with `ctr image import`."""
    with open(rootfs_tar, "rb") as f:
        raw = f.read()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as g:
        g.write(raw)
    layer = buf.getvalue()
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=" + IMAGE_PATH], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [_digest(raw)]},
        "history": [{"created_by": "ocirun tests/e2e", "comment": "busybox-static"}],
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _digest(layer), "size": len(layer)}],
    }).encode()
    index = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": _digest(manifest), "size": len(manifest),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {"io.containerd.image.name": name,
                            "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]},
        }],
    }).encode()
    with tarfile.open(path, "w") as t:
        def add(n, data):
            ti = tarfile.TarInfo(n)
            ti.size = len(data)
            ti.mode = 0o644
            t.addfile(ti, io.BytesIO(data))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", index)
        for b in (layer, config, manifest):
            add("blobs/sha256/" + _digest(b)[len("sha256:"):], b)
    return path


# --------------------------------------------------------------------------
# Host state: cgroups, mounts, processes
# --------------------------------------------------------------------------


def cgroup_mounts():
    """Every cgroup hierarchy directory under /sys/fs/cgroup (v1 controllers, the
    named systemd hierarchy and the unified one)."""
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            parts = line.split()
            sep = parts.index("-")
            if parts[sep + 1] in ("cgroup", "cgroup2") and parts[4].startswith(CGROUP_ROOT):
                out.append(parts[4])
    return out


def cgroup_dir(controller, pid):
    """Host path of pid's cgroup in a v1 controller's hierarchy."""
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            _, ctrls, path = line.rstrip("\n").split(":", 2)
            if controller in ctrls.split(","):
                return os.path.join(CGROUP_ROOT, controller, path.lstrip("/"))
    raise AssertionError(f"pid {pid} has no {controller} cgroup: {open(f'/proc/{pid}/cgroup').read()}")


def read(path):
    with open(path) as f:
        return f.read().strip()


def remove_cgroup_tree(name):
    """Remove /sys/fs/cgroup/*/<name> in every hierarchy, deepest first. Processes
    still in it (ours: the tree is named after this session) are thawed and killed."""
    leaks = []
    for mnt in cgroup_mounts():
        top = os.path.join(mnt, name.strip("/"))
        if not os.path.isdir(top):
            continue
        dirs = [d for d, _, _ in os.walk(top)]
        for d in sorted(dirs, key=len, reverse=True):
            for attempt in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    pids = _cgroup_pids(d)
                    if attempt == 0 and pids:
                        leaks.append(f"{d}: pids {pids}")
                    _thaw(d)
                    for pid in pids:
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.1)
            else:
                leaks.append(f"{d}: could not be removed")
    return leaks


def _cgroup_pids(d):
    try:
        return [int(x) for x in read(os.path.join(d, "cgroup.procs")).split()]
    except OSError:
        return []


def _thaw(d):
    state = os.path.join(d, "freezer.state")
    if os.path.exists(state):
        try:
            with open(state, "w") as f:
                f.write("THAWED")
        except OSError:
            pass


def mounts_under(prefix):
    prefix = prefix.rstrip("/") + "/"
    out = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].replace("\\040", " ")
            if (mp + "/").startswith(prefix):
                out.append(mp)
    return out


def unmount_under(prefix):
    """Lazily unmount every mount point under prefix, deepest first."""
    left = []
    for mp in sorted(set(mounts_under(prefix)), key=len, reverse=True):
        r = subprocess.run(["umount", "-l", mp], capture_output=True, text=True)
        if r.returncode != 0 and mp in mounts_under(prefix):
            left.append(f"{mp}: {r.stderr.strip()}")
    return left


def pids_mentioning(text):
    """Pids of processes whose command line contains text (our temporary directory or
    our containerd socket: processes this session started)."""
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit() or int(e) == os.getpid():
            continue
        try:
            with open(f"/proc/{e}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmd:
            out.append(int(e))
    return out


def with_descendants(pids):
    """pids and every process descending from them."""
    children = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], list(pids)
    while todo:
        p = todo.pop()
        if p in out or p == os.getpid():
            continue
        out.append(p)
        todo += children.get(p, [])
    return out


def kill_pids(pids, sig=signal.SIGKILL):
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists(f"/proc/{pid}") or _is_zombie(pid):
            return True
        time.sleep(0.05)
    return False


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_for(cond, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = cond()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# --------------------------------------------------------------------------
# The runtime under test
# --------------------------------------------------------------------------


class Runtime:
    """The runc-compatible binary under test, copied into the session's directory so
    that a concurrent rebuild cannot swap it mid-run (same basename: podman decides
    from it whether the runtime speaks JSON logs)."""

    def __init__(self, path, workdir):
        self.source = os.path.abspath(path)
        d = os.path.join(workdir, "bin")
        os.makedirs(d, exist_ok=True)
        self.path = os.path.join(d, os.path.basename(self.source))
        shutil.copy2(self.source, self.path)
        os.chmod(self.path, 0o755)
        p = run([self.path, "--version"], check=False, timeout=10)
        self.version = (p.stdout or p.stderr).strip()
        self.name = os.path.basename(self.path)

    def state(self, cid, root=None):
        argv = [self.path] + (["--root", root] if root else []) + ["state", cid]
        return run(argv, check=False, timeout=10)

    def force_delete(self, cid, root=None):
        argv = [self.path] + (["--root", root] if root else []) + ["delete", "--force", cid]
        return run(argv, check=False, timeout=20)


# --------------------------------------------------------------------------
# podman
# --------------------------------------------------------------------------


class Podman:
    """podman with its own --root/--runroot/--tmpdir, containers.conf, storage.conf and
    registries.conf in workdir/podman, cgroupfs, and the runtime under test."""

    def __init__(self, workdir, runtime, cgroup_parent):
        self.dir = os.path.join(workdir, "podman")
        self.runtime = runtime
        self.cgroup_parent = cgroup_parent
        self.root = os.path.join(self.dir, "root")
        self.runroot = os.path.join(self.dir, "runroot")
        self.tmpdir = os.path.join(self.dir, "tmp")
        for d in (self.root, self.runroot, self.tmpdir):
            os.makedirs(d, exist_ok=True)
        conf = os.path.join(self.dir, "containers.conf")
        with open(conf, "w") as f:
            f.write(f"""# ocirun tests/e2e: everything podman keeps lives under {self.dir}
[containers]
# podman's default rlimits (RLIMIT_NOFILE 1048576, RLIMIT_NPROC) are above this
# machine's hard limits and root here lacks CAP_SYS_RESOURCE: inherit them instead.
default_ulimits = []
netns = "none"
# = tests/e2e/test_podman.py DEFAULT_CAPS
default_capabilities = ["CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
  "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{self.dir}/events.log"
lock_type = "file"
tmp_dir = "{self.tmpdir}"
volume_path = "{self.root}/volumes"
runtime_supports_json = ["crun", "runc", "ocirun"]

[network]
network_config_dir = "{self.dir}/networks"
""")
        storage = os.path.join(self.dir, "storage.conf")
        with open(storage, "w") as f:
            f.write(f'[storage]\ndriver = "overlay"\ngraphroot = "{self.root}"\n'
                    f'runroot = "{self.runroot}"\n')
        registries = os.path.join(self.dir, "registries.conf")
        with open(registries, "w") as f:
            f.write("unqualified-search-registries = []\n")
        tmp = os.path.join(self.dir, "tmpfiles")   # podman's and conmon's temporary files
        os.makedirs(tmp, exist_ok=True)
        self.env = dict(os.environ, CONTAINERS_CONF=conf, CONTAINERS_STORAGE_CONF=storage,
                        CONTAINERS_REGISTRIES_CONF=registries, TMPDIR=tmp)
        self.base = ["podman", "--root", self.root, "--runroot", self.runroot,
                     "--tmpdir", self.tmpdir, "--runtime", runtime.path,
                     "--cgroup-manager=cgroupfs", "--events-backend", "file"]
        self.ids = set()  # full ids of every container created this session

    def __call__(self, *args, check=True, timeout=CMD_TIMEOUT, input=None):
        return run(self.base + [str(a) for a in args], env=self.env, check=check,
                   timeout=timeout, input=input)

    def pty(self, *args, timeout=CMD_TIMEOUT, send=None, send_after=None):
        return run_pty(self.base + [str(a) for a in args], env=self.env, timeout=timeout,
                       send=send, send_after=send_after)

    def run_opts(self):
        """Options of every `podman run`/`create` here: no network, no pull, our cgroup parent."""
        return ["--network", "none", "--pull", "never", "--cgroup-parent", self.cgroup_parent]

    def import_image(self, rootfs_tar):
        self("import", "--quiet",
             "--change", f"ENV PATH={IMAGE_PATH}", "--change", 'CMD ["sh"]',
             rootfs_tar, IMAGE, timeout=60)

    def remember(self, name):
        p = self("inspect", "--format", "{{.Id}}", name, check=False)
        if p.returncode == 0 and p.stdout.strip():
            self.ids.add(p.stdout.strip())

    def inspect(self, name, fmt):
        return self("inspect", "--format", fmt, name).stdout.strip()

    def all_ids(self):
        p = self("ps", "-a", "--no-trunc", "--format", "{{.ID}}", check=False)
        return set(p.stdout.split()) if p.returncode == 0 else set()

    def cleanup(self):
        """Remove every container; return a list of problems (leaks) found on the way."""
        problems = []
        self.ids |= self.all_ids()
        p = self("rm", "--all", "--force", "--time", "0", check=False, timeout=120)
        if p.returncode != 0:
            problems.append(f"podman rm -af: {p.stderr.strip()}")
        for cid in sorted(self.ids):
            if self.runtime.state(cid).returncode == 0:
                problems.append(f"runtime state of {cid[:12]} left after podman rm")
                self.runtime.force_delete(cid)
        return problems


# --------------------------------------------------------------------------
# containerd
# --------------------------------------------------------------------------


NAMESPACE = "ocirun-e2e"


class Containerd:
    """containerd with its own config.toml, root, state and sockets in workdir/containerd,
    no CRI plugin (no CNI), started here and stopped by its pid. Tasks run through the
    runc v2 shim with the runtime under test as the shim's runc binary."""

    def __init__(self, workdir, runtime, cgroup_parent):
        self.dir = os.path.join(workdir, "containerd")
        self.runtime = runtime
        self.cgroup_parent = cgroup_parent
        self.root = os.path.join(self.dir, "root")
        self.state = os.path.join(self.dir, "state")
        self.runc_root = os.path.join(self.dir, "runc")
        self.fifo_dir = os.path.join(self.dir, "fifo")
        self.address = os.path.join(self.dir, "containerd.sock")
        self.config = os.path.join(self.dir, "config.toml")
        self.log = os.path.join(self.dir, "containerd.log")
        for d in (self.root, self.state, self.runc_root, self.fifo_dir):
            os.makedirs(d, exist_ok=True)
        with open(self.config, "w") as f:
            f.write(f"""# ocirun tests/e2e: everything containerd keeps lives under {self.dir}
version = 2
root = "{self.root}"
state = "{self.state}"
disabled_plugins = [
  "io.containerd.grpc.v1.cri",
  "io.containerd.internal.v1.opt",
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing",
]

[grpc]
  address = "{self.address}"

[ttrpc]
  address = "{self.address}.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

[plugins."io.containerd.runtime.v1.linux"]
  runtime_root = "{self.dir}/runtime-v1"
""")
        self.proc = None
        self.logf = None
        self.ids = set()
        # The runc shim puts its sockets in /run/containerd/s whatever the config says.
        self.had_run_containerd = os.path.exists("/run/containerd")

    def start(self, timeout=20):
        self.logf = open(self.log, "ab")
        tmp = os.path.join(self.dir, "tmpfiles")   # the shims' temporary files
        os.makedirs(tmp, exist_ok=True)
        self.proc = subprocess.Popen(["containerd", "--config", self.config],
                                     stdin=subprocess.DEVNULL, stdout=self.logf,
                                     stderr=subprocess.STDOUT, start_new_session=True,
                                     env=dict(os.environ, TMPDIR=tmp))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CmdError(f"containerd exited {self.proc.returncode}:\n{self.log_tail()}")
            if os.path.exists(self.address) and self.ctr("version", check=False,
                                                         timeout=5).returncode == 0:
                return
            time.sleep(0.1)
        raise CmdError(f"containerd did not answer in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n=40):
        try:
            with open(self.log, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def ctr(self, *args, check=True, timeout=CMD_TIMEOUT, input=None):
        return run(["ctr", "--address", self.address, "--namespace", NAMESPACE]
                   + [str(a) for a in args], check=check, timeout=timeout, input=input)

    def run_opts(self, cid):
        """Options of every `ctr run` here: the runtime under test, its own state root,
        our fifo dir and a cgroup under this session's parent."""
        self.ids.add(cid)
        return ["--runc-binary", self.runtime.path, "--runc-root", self.runc_root,
                "--fifo-dir", self.fifo_dir, "--cgroup", f"{self.cgroup_parent}/{cid}"]

    def import_image(self, oci_tar):
        self.ctr("image", "import", "--all-platforms", oci_tar, timeout=60)

    def remove(self, cid):
        """Kill and delete the task and the container cid, whatever state it is in."""
        problems = []
        t = self.ctr("task", "ls", "--quiet", check=False)
        if cid in t.stdout.split():
            self.ctr("task", "resume", cid, check=False)
            self.ctr("task", "kill", "--signal", "SIGKILL", cid, check=False)
            p = None
            for _ in range(50):
                p = self.ctr("task", "delete", "--force", cid, check=False)
                if p.returncode == 0 or "not found" in p.stderr:
                    break
                time.sleep(0.1)
            if p is not None and p.returncode != 0 and "not found" not in p.stderr:
                problems.append(f"ctr task delete {cid}: {p.stderr.strip()}")
        c = self.ctr("container", "ls", "--quiet", check=False)
        if cid in c.stdout.split():
            p = self.ctr("container", "delete", cid, check=False)
            if p.returncode != 0:
                problems.append(f"ctr container delete {cid}: {p.stderr.strip()}")
        return problems

    def shim_pids(self):
        return [p for p in pids_mentioning(f"-address {self.address}")
                if "containerd-shim" in _cmdline(p)]

    def cleanup(self):
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            c = self.ctr("container", "ls", "--quiet", check=False)
            for cid in sorted(set(c.stdout.split()) | self.ids):
                problems += self.remove(cid)
            for cid in sorted(self.ids):
                if self.runtime.state(cid, root=os.path.join(self.runc_root, NAMESPACE)
                                      ).returncode == 0:
                    problems.append(f"runtime state of {cid} left after ctr task delete")
                    self.runtime.force_delete(cid, root=os.path.join(self.runc_root, NAMESPACE))
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                problems.append("containerd ignored SIGTERM for 15s")
                self.proc.kill()
                self.proc.wait()
        shims = self.shim_pids()
        if shims:
            problems.append(f"shims left running: {shims}")
            kill_pids(shims)
            for pid in shims:
                wait_gone(pid, 5)
        if self.logf:
            self.logf.close()
        if not self.had_run_containerd:
            for d in ("/run/containerd/s", "/run/containerd"):
                try:
                    os.rmdir(d)
                except OSError:
                    pass
        return problems


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""
