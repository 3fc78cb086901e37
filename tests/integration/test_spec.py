"""`spec`: the default config.json, --rootless, --bundle, no overwrite."""

import json
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import DATA, read_text

RUNC = shutil.which("runc") or "/usr/sbin/runc"


def reference(rootless):
    """runc's default spec: from the installed runc, else the stored copy."""
    if os.access(RUNC, os.X_OK):
        d = tempfile.mkdtemp(prefix="ocitest-spec-")
        try:
            argv = [RUNC, "spec", "--bundle", d] + (["--rootless"] if rootless else [])
            subprocess.run(argv, check=True, capture_output=True, timeout=30)
            with open(os.path.join(d, "config.json")) as f:
                return json.load(f)
        finally:
            shutil.rmtree(d)
    name = "runc-spec-rootless.json" if rootless else "runc-spec.json"
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def _fix_rootless_ids(cfg):
    # runc --rootless maps the caller's euid/egid; the stored copy was made as root.
    for key, val in (("uidMappings", os.geteuid()), ("gidMappings", os.getegid())):
        for m in cfg.get("linux", {}).get(key, []):
            m["hostID"] = val
    return cfg


def _compare(got, want):
    # ociVersion is the spec version the runtime implements; runc 1.1 writes
    # "1.0.2-dev", a newer runtime may write a newer 1.x.  All else is identical.
    assert got.get("ociVersion", "").startswith("1."), got.get("ociVersion")
    got = dict(got)
    want = dict(want)
    got.pop("ociVersion", None)
    want.pop("ociVersion", None)
    assert got == want


@pytest.mark.parametrize("rootless", [False, True], ids=["default", "rootless"])
def test_spec_matches_runc(runtime, rootless):
    d = os.path.join(runtime.workdir, "b")
    os.mkdir(d)
    args = ["spec", "--bundle", d] + (["--rootless"] if rootless else [])
    r = runtime.cmd(*args).ok()
    assert r.out == ""
    with open(os.path.join(d, "config.json")) as f:
        got = json.load(f)
    want = reference(rootless)
    if rootless:
        _fix_rootless_ids(want)
    _compare(got, want)


def test_stored_copy_is_current():
    """The stored copies in data/ are what runc writes (when runc is here)."""
    if not os.access(RUNC, os.X_OK):
        pytest.skip("runc not installed")
    for rootless, name in ((False, "runc-spec.json"), (True, "runc-spec-rootless.json")):
        with open(os.path.join(DATA, name)) as f:
            stored = json.load(f)
        want = reference(rootless)
        assert _fix_rootless_ids(stored) == want


def test_spec_in_cwd(runtime):
    d = os.path.join(runtime.workdir, "cwd")
    os.mkdir(d)
    runtime.cmd("spec", cwd=d).ok()
    with open(os.path.join(d, "config.json")) as f:
        _compare(json.load(f), reference(False))


def test_spec_short_bundle_flag(runtime):
    d = os.path.join(runtime.workdir, "short")
    os.mkdir(d)
    runtime.cmd("spec", "-b", d).ok()
    assert os.path.isfile(os.path.join(d, "config.json"))


def test_spec_refuses_overwrite(runtime):
    d = os.path.join(runtime.workdir, "exists")
    os.mkdir(d)
    p = os.path.join(d, "config.json")
    with open(p, "w") as f:
        f.write("{\"keep\": true}")
    r = runtime.cmd("spec", "--bundle", d)
    assert r.rc == 1, r
    # runc: "File config.json exists. Remove it first"
    assert "config.json" in r.err and "exists" in r.err
    assert read_text(p) == "{\"keep\": true}"


def test_spec_missing_bundle_dir(runtime):
    d = os.path.join(runtime.workdir, "nope")
    r = runtime.cmd("spec", "--bundle", d)
    assert r.rc == 1, r
    assert d in r.err  # runc: "chdir <dir>: no such file or directory"
    assert not os.path.exists(d)


def test_spec_output_is_valid_for_run(runtime, bundle):
    """The generated default (only terminal off, args changed) runs as is."""
    r = runtime.sh(bundle, "echo hi")
    assert r.rc == 0, r
    assert r.out == "hi\n"
