#!/usr/bin/env python3
"""report.py RESULTS_DIR RUNTIMES: read what run.sh left in RESULTS_DIR (hyperfine JSON
exports s<N>-r<round>.json, samples.jsonl for the non-timing measurements), print the
table, and write table.md, summary.json and the gnuplot data and plot (results.png)."""
import glob
import json
import os
import re
import statistics
import subprocess
import sys

# id: (title, unit shown, scale from the raw unit, baseline subtracted)
SCENARIOS = {
    "1": ("run /bin/true", "ms", 1e3, True),
    "2": ("create, start, poll state, delete", "ms", 1e3, True),
    "3": ("exec /bin/true (running container)", "ms", 1e3, True),
    "4": ("run, large config (seccomp, 20 binds)", "ms", 1e3, True),
    "5": ("100 containers, 8 in parallel (wall)", "s", 1, True),
    "6a": ("peak RSS of `run` (time -f %M)", "MiB", 1 / 1024, False),
    "6b": ("smallest memory.limit running /bin/true", "KiB", 1 / 1024, False),
    "7a": ("binary size (own file)", "MiB", 1 / 1048576, False),
    "7b": ("state of a running container", "ms", 1e3, True),
}
NOTES = {}
FAILS = {}  # (scenario, runtime) -> runs that exited non-zero (or timed out), left out
COLORS = {"ocirun": "#2a9d3a", "runc": "#3366cc", "crun": "#e08a00"}


def quartiles(v):
    if len(v) == 1:
        return v[0], v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], statistics.median(v), q[2]


def load(res):
    """-> {scenario: {name: [values in raw unit]}} with name 'baseline' for the wrapper."""
    data = {}
    for path in sorted(glob.glob(os.path.join(res, "s*-r*.json"))):
        scen = os.path.basename(path)[1:].split("-r")[0]
        with open(path) as f:
            for r in json.load(f)["results"]:
                codes = r.get("exit_codes") or [0] * len(r["times"])
                ok = [t for t, c in zip(r["times"], codes) if c == 0]
                data.setdefault(scen, {}).setdefault(r["command"], []).extend(ok)
                bad = len(r["times"]) - len(ok)
                if bad:
                    key = (scen, r["command"])
                    FAILS[key] = FAILS.get(key, 0) + bad
    sp = os.path.join(res, "samples.jsonl")
    if os.path.exists(sp):
        with open(sp) as f:
            for line in f:
                s = json.loads(line)
                data.setdefault(s["scenario"], {})[s["runtime"]] = s["values"]
                if s.get("note"):
                    NOTES[(s["scenario"], s["runtime"])] = s["note"]
    return data


def fmt(x):
    if x is None:
        return "—"
    a = abs(x)
    return "%.0f" % x if a >= 100 else "%.1f" % x if a >= 10 else "%.2f" % x if a >= 1 \
        else "%.3f" % x


def main():
    res, runtimes = sys.argv[1], sys.argv[2].split(",")
    failed = {}
    fp = os.path.join(res, "failed.txt")
    if os.path.exists(fp):
        for line in open(fp):
            scen, rt, why = line.rstrip("\n").split("\t", 2)
            failed[(scen, rt)] = why
    ref = "ocirun" if "ocirun" in runtimes else runtimes[0]
    data = load(res)
    rows, summary = [], {"reference": ref, "runtimes": runtimes, "scenarios": {}}
    for scen, (title, unit, scale, sub) in SCENARIOS.items():
        if scen not in data and not any(k[0] == scen for k in failed):
            continue
        d = data.get(scen, {})
        base = statistics.median(d["baseline"]) if sub and "baseline" in d else 0.0
        stats = {}
        for rt in runtimes:
            if d.get(rt):
                v = [(x - base) * scale for x in d[rt]]
                q1, med, q3 = quartiles(v)
                stats[rt] = {"median": med, "q1": q1, "q3": q3, "iqr": q3 - q1, "n": len(v)}
        summary["scenarios"][scen] = {"title": title, "unit": unit,
                                      "baseline": base * scale if sub else None,
                                      "stats": stats}
        for rt in runtimes:
            s = stats.get(rt)
            if s is None:
                why = failed.get((scen, rt), "not measured")
                if FAILS.get((scen, rt)):
                    why = "all %d runs failed" % FAILS[(scen, rt)]
                rows.append((scen, title, rt, None, None, None, unit, why))
                continue
            r = stats.get(ref)
            ratio = s["median"] / r["median"] if r and r["median"] > 0 else None
            note = NOTES.get((scen, rt), "n=%d" % s["n"])
            if FAILS.get((scen, rt)):
                note += ", %d runs failed (left out)" % FAILS[(scen, rt)]
            rows.append((scen, title, rt, s["median"], s["iqr"] if s["n"] > 1 else None,
                         ratio, unit, note))
    # plain table
    hdr = ("scenario", "runtime", "median", "IQR", "× " + ref, "")
    lines = []
    w = max(len("%s %s" % (r[0], r[1])) for r in rows) if rows else 10
    lines.append("%-*s  %-7s %11s %9s %9s  %s" % (w, *hdr))
    last = None
    for scen, title, rt, med, iqr, ratio, unit, note in rows:
        label = "%s %s" % (scen, title) if scen != last else ""
        last = scen
        lines.append("%-*s  %-7s %11s %9s %9s  %s" % (
            w, label, rt, (fmt(med) + " " + unit) if med is not None else "FAILED",
            fmt(iqr) if iqr is not None else "", ("%.2f" % ratio) if ratio else "—",
            note))
    table = "\n".join(lines)
    print(table)
    # markdown
    md = ["| scenario | " + " | ".join(runtimes) + " |",
          "| --- | " + " | ".join("---:" for _ in runtimes) + " |"]
    for scen, (title, unit, _s, _b) in SCENARIOS.items():
        if scen not in summary["scenarios"]:
            continue
        st = summary["scenarios"][scen]["stats"]
        cells = []
        for rt in runtimes:
            s = st.get(rt)
            if s is None:
                cells.append("failed")
                continue
            c = "%s %s" % (fmt(s["median"]), unit)
            if FAILS.get((scen, rt)):
                c += " [%d runs failed]" % FAILS[(scen, rt)]
            if s["n"] > 1:
                c += " ± %s" % fmt(s["iqr"] / 2)
            if rt != ref and st.get(ref) and st[ref]["median"] > 0:
                c += " (×%.2f)" % (s["median"] / st[ref]["median"])
            cells.append(c)
        md.append("| %s %s | %s |" % (scen, title.replace("|", "\\|"), " | ".join(cells)))
    with open(os.path.join(res, "table.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(res, "table.txt"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(res, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    plot(res, runtimes, summary)
    phases(res, summary)


def phases(res, summary):
    """ocirun --debug logs 'phase NAME: X ms since start' as create/init go: median time
    spent in each phase (since the previous one) over the runs in phases-<bundle>.log."""
    out = []
    for bundle, scen in (("true", "1"), ("large", "4")):
        path = os.path.join(res, "phases-%s.log" % bundle)
        if not os.path.exists(path):
            continue
        runs, cur = [], None
        for line in open(path, errors="replace"):
            m = re.search(r"phase (.+?): ([0-9.]+) ms since start", line)
            if not m:
                continue
            if m.group(1) == "parse" or cur is None:
                cur = []
                runs.append(cur)
            cur.append((m.group(1), float(m.group(2))))
        if not runs:
            continue
        # The init's lines reach the log after the parent's "init-ready": order by time.
        for r in runs:
            r.sort(key=lambda p: p[1])
        names = [n for n, _ in max(runs, key=len)]
        deltas = {n: [] for n in names}
        for r in runs:
            prev = 0.0
            for n, t in r:
                if n in deltas:
                    deltas[n].append(t - prev)
                prev = t
        ends = [r[-1][1] for r in runs]
        out.append("ocirun phases, `run` of the %s bundle (median of %d runs, ms spent in each"
                   " phase, ending at the named point):" % (bundle, len(runs)))
        for n in names:
            if deltas[n]:
                out.append("  %-28s %7.2f" % (n, statistics.median(deltas[n])))
        out.append("  %-28s %7.2f" % ("= " + names[-1], statistics.median(ends)))
        # What the phases cannot see: the caller's exec and the read-only re-exec before
        # main, and the exit after "deleted". Taken from the scenario's timed median (net of
        # the wrapper), not from these --debug runs, whose wall time counts the shell's own
        # forks around them.
        timed = summary["scenarios"].get(scen, {}).get("stats", {}).get("ocirun")
        if timed and names[-1] == "deleted":
            out.append("  %-28s %7.2f  (scenario %s's median, %.2f ms, minus the above: the"
                       " two execs of the runtime before main, and its exit)"
                       % ("execs and exit", timed["median"] - statistics.median(ends), scen,
                          timed["median"]))
    if out:
        text = "\n".join(out)
        print()
        print(text)
        with open(os.path.join(res, "phases.txt"), "w") as f:
            f.write(text + "\n")


def plot(res, runtimes, summary):
    scens = list(summary["scenarios"].items())
    if not scens:
        return
    pdir = os.path.join(res, "plot")
    os.makedirs(pdir, exist_ok=True)
    cols = 3
    nrows = (len(scens) + cols - 1) // cols
    g = ['set terminal pngcairo size %d,%d font "sans,10"' % (cols * 380, nrows * 300),
         'set output "%s"' % os.path.join(res, "results.png"),
         'set multiplot layout %d,%d title "%s — median, bars: IQR'
         ' (namespace wrapper cost subtracted)"' % (nrows, cols, " / ".join(runtimes)),
         "set style fill solid 0.8 border -1", "set boxwidth 0.6", "unset key",
         "set yrange [0:*]", "set xrange [-0.6:%f]" % (len(runtimes) - 0.4),
         "set grid ytics"]
    for scen, s in scens:
        path = os.path.join(pdir, "s%s.dat" % scen)
        with open(path, "w") as f:
            for i, rt in enumerate(runtimes):
                st = s["stats"].get(rt)
                if st:
                    color = int(COLORS.get(rt, "#888888")[1:], 16)
                    f.write("%d %s %g %g %g %d\n" % (i, rt, max(st["median"], 0),
                                                     max(st["q1"], 0), max(st["q3"], 0),
                                                     color))
                else:
                    f.write("%d %s NaN NaN NaN 0\n" % (i, rt + "(failed)"))
        title = "%s. %s" % (scen, s["title"].replace("`", ""))
        g.append('set title "%s" noenhanced' % title.replace('"', "'"))
        g.append('set ylabel "%s"' % s["unit"])
        g.append("plot \"%s\" using 1:3:6:xtic(2) with boxes lc rgb variable, "
                 "'' using 1:3:4:5 with yerrorbars lc rgb \"black\" pt 0 ps 0" % path)
    g.append("unset multiplot")
    gp = os.path.join(pdir, "plot.gp")
    with open(gp, "w") as f:
        f.write("\n".join(g) + "\n")
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if r.returncode != 0:
        print("gnuplot failed:\n" + r.stderr, file=sys.stderr)


if __name__ == "__main__":
    main()
