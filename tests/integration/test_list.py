"""`list`: table, json and quiet output."""

import json
import os
import pwd

HEADER = ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]


def tabwriter(rows, minwidth=12, padding=3):
    """Go's text/tabwriter as runc uses it: NewWriter(out, 12, 1, 3, ' ', 0).
    Every cell but the last of a line is padded to its column's width."""
    ncol = len(rows[0]) - 1
    widths = [max(minwidth, max(len(r[i]) for r in rows) + padding) for i in range(ncol)]
    return "".join("".join(r[i].ljust(widths[i]) for i in range(ncol)) + r[-1] + "\n"
                   for r in rows)


def _three_containers(runtime, bundle):
    """One created, one running, one stopped; ids sorted c < r < s."""
    ids = {}
    bundle.set_args("sleep", "60")
    ids["created"] = runtime.new_id("a")
    runtime.create(ids["created"], bundle).ok()
    ids["running"] = runtime.new_id("b")
    runtime.start_detached(bundle, "sleep", "60", cid=ids["running"])
    ids["stopped"] = runtime.new_id("c")
    runtime.start_detached(bundle, "true", cid=ids["stopped"])
    runtime.wait_status(ids["stopped"], "stopped")
    return ids


def test_list_empty(runtime):
    r = runtime.cmd("list").ok()
    assert r.out == "ID          PID         STATUS      BUNDLE      CREATED     OWNER\n"
    r = runtime.cmd("list", "--format", "json").ok()
    assert json.loads(r.out) in (None, [])
    assert r.out == "null\n"  # runc marshals its empty (nil) slice
    r = runtime.cmd("list", "-q").ok()
    assert r.out == ""


def test_list_json(runtime, bundle):
    ids = _three_containers(runtime, bundle)
    r = runtime.cmd("list", "--format", "json").ok()
    assert r.out.endswith("\n") and "\n" not in r.out[:-1]  # one line
    items = json.loads(r.out)
    assert [i["id"] for i in items] == sorted(ids.values())
    owner = pwd.getpwuid(os.getuid()).pw_name
    for item in items:
        st = runtime.state(item["id"])
        assert list(item) == ["ociVersion", "id", "pid", "status", "bundle", "rootfs",
                              "created", "owner"]
        for k in ("ociVersion", "id", "pid", "status", "bundle", "rootfs", "created"):
            assert item[k] == st[k], k
        # unlike `state`, `list` names the owner of the state dir
        assert item["owner"] == owner
    by_id = {i["id"]: i for i in items}
    for status, cid in ids.items():
        assert by_id[cid]["status"] == status
    assert by_id[ids["stopped"]]["pid"] == 0
    assert by_id[ids["running"]]["pid"] > 0


def test_list_json_annotations(runtime, bundle, container_id):
    bundle.config["annotations"] = {"k": "v"}
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    items = json.loads(runtime.cmd("list", "-f", "json").ok().out)
    assert items[0]["annotations"] == {"k": "v"}
    assert list(items[0])[-2:] == ["annotations", "owner"]


def test_list_table(runtime, bundle):
    _three_containers(runtime, bundle)
    items = json.loads(runtime.cmd("list", "--format", "json").ok().out)
    r = runtime.cmd("list").ok()
    rows = [HEADER] + [[i["id"], str(i["pid"]), i["status"], i["bundle"], i["created"],
                        i["owner"]] for i in items]
    assert r.out == tabwriter(rows)
    r2 = runtime.cmd("list", "--format", "table").ok()
    assert r2.out == r.out


def test_list_quiet(runtime, bundle):
    ids = _three_containers(runtime, bundle)
    for flag in ("-q", "--quiet"):
        r = runtime.cmd("list", flag).ok()
        assert r.out == "".join(i + "\n" for i in sorted(ids.values()))
    # quiet wins over the format
    r = runtime.cmd("list", "-q", "-f", "json").ok()
    assert r.out == "".join(i + "\n" for i in sorted(ids.values()))


def test_list_bad_format(runtime):
    r = runtime.cmd("list", "--format", "yaml")
    assert r.rc == 1, r
    assert "format" in r.err  # runc: "invalid format option"


def test_list_after_delete(runtime, bundle, container_id):
    bundle.set_args("sleep", "60")
    runtime.create(container_id, bundle).ok()
    assert runtime.cmd("list", "-q").ok().out == container_id + "\n"
    runtime.delete(container_id).ok()
    assert runtime.cmd("list", "-q").ok().out == ""


def test_list_missing_root_is_empty(runtime):
    other = os.path.join(runtime.workdir, "no-such-root")
    r = runtime.cmd(raw_argv=[runtime.path, "--root", other, "list"]).ok()
    assert r.out.split() == HEADER
