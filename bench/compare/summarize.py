#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Summary of bench/compare/compare.sh: reads "REP SYSTEM FIGURE VALUE" lines,
# prints a table of medians [min-max], writes PREFIX.json, PREFIX.md and
# PREFIX.png (gnuplot). Ratios to DRBD (protocol C) and to the local disk are
# taken within each repetition, then their median is reported.
#   summarize.py RESULTS PREFIX MACHINE_JSON PARAMS_JSON
import json, os, statistics, subprocess, sys, tempfile

results, prefix, machine, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])

LABELS = {
    "local": "local disk alone (the limit)",
    "tls": "netraid as shipped (TLS)",
    "before": "netraid --no-tls, the build before the change (NETRAID_BEFORE_BUILD_DIR)",
    "plain": "netraid --no-tls",
    "bmfile": "EXPERIMENT: netraid --no-tls, md bitmap in a file on n1's disk",
    "drbdC": "DRBD 8.4 protocol C",
    "drbdA": "DRBD 8.4 protocol A",
    "stock": "stock md + nbd-client + nbdkit file",
    "stock4": "the same with 4 NBD connections (nbd-client -C 4)",
    "rawnode": "bare NBD leg, nbdkit in node n2",
    "rawhost": "bare NBD leg, nbdkit on the host",
}
# figure: (heading, unit, higher is better)
FIGS = {
    "seq_write_mb_s": ("1M seq write", "MB/s", True),
    "seq_read_mb_s": ("1M seq read", "MB/s", True),
    "qd1_iops": ("4K dsync QD1", "IOPS", True),
    "qd1_p50_ms": ("QD1 p50", "ms", False),
    "qd1_p99_ms": ("QD1 p99", "ms", False),
    "qd16_iops": ("4K QD16", "IOPS", True),
    "randread_iops": ("4K rand read QD1", "IOPS", True),
    "randread_p50_ms": ("rand read p50", "ms", False),
    "initial_sync_s": ("initial sync", "s", False),
    "resync1_s": ("resync 1%", "s", False),
    "resync1_mib": ("resync 1% copied", "MiB", False),
    "resync10_s": ("resync 10%", "s", False),
    "resync10_mib": ("resync 10% copied", "MiB", False),
    "qd1_nbd_writes_per_io": ("NBD writes / QD1 write", "", False),
    "qd1_nbd_flushes_per_io": ("NBD flushes / QD1 write", "", False),
}

data = {}  # sys -> fig -> rep -> value
for line in open(results):
    p = line.split()
    if len(p) != 4:
        continue
    rep, sysname, fig, val = int(p[0]), p[1], p[2], float(p[3])
    data.setdefault(sysname, {}).setdefault(fig, {})[rep] = val


def stats(vals):
    v = sorted(vals)
    return {"values": v, "median": round(statistics.median(v), 3), "min": v[0], "max": v[-1], "n": len(v)}


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.0f}" if abs(x) >= 100 else (f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}")


def cell(st):
    if not st:
        return "-"
    if st["n"] == 1 or st["min"] == st["max"]:
        return fmt(st["median"])
    return f"{fmt(st['median'])} [{fmt(st['min'])}-{fmt(st['max'])}]"


systems = [s for s in LABELS if s in data]
targets = sorted((s for s in data if s.startswith("targets")), key=lambda s: int(s[7:]))
out = {"machine": machine, "params": params, "labels": LABELS, "units": {f: FIGS[f][1] for f in FIGS},
       "systems": {}, "ratios": {}, "targets": {}}
for s in systems:
    out["systems"][s] = {f: stats(list(r.values())) for f, r in data[s].items()}


def ratio(s, ref, f):
    # per repetition, then the median: both measured in the same repetition
    if ref not in data or f not in data[ref] or f not in data[s]:
        return None
    rs = [data[s][f][r] / data[ref][f][r] for r in data[s][f] if r in data[ref][f] and data[ref][f][r]]
    return round(statistics.median(rs), 3) if rs else None


for s in systems:
    out["ratios"][s] = {f: {"to_drbdC": ratio(s, "drbdC", f), "to_local": ratio(s, "local", f)} for f in data[s]}
for t in targets:
    out["targets"][int(t[7:])] = {f: stats(list(r.values())) for f, r in data[t].items()}
json.dump(out, open(prefix + ".json", "w"), indent=1)

perf = ["seq_write_mb_s", "seq_read_mb_s", "qd1_iops", "qd1_p50_ms", "qd1_p99_ms", "qd16_iops", "randread_iops"]
sync = ["initial_sync_s", "resync1_s", "resync1_mib", "resync10_s", "resync10_mib", "qd1_nbd_writes_per_io", "qd1_nbd_flushes_per_io"]


def table(figs, with_ratio=False):
    figs = [f for f in figs if any(f in data[s] for s in systems)]
    head = "| system | " + " | ".join(f"{FIGS[f][0]} ({FIGS[f][1]})" if FIGS[f][1] else FIGS[f][0] for f in figs) + " |"
    rows = [head, "|---" * (len(figs) + 1) + "|"]
    for s in systems:
        rows.append(f"| {s} | " + " | ".join(cell(out["systems"][s].get(f)) for f in figs) + " |")
    return "\n".join(rows)


def ratio_table(figs):
    figs = [f for f in figs if any(f in data[s] for s in systems)]
    rows = ["| system | " + " | ".join(FIGS[f][0] + " vs DRBD C / vs local" for f in figs) + " |", "|---" * (len(figs) + 1) + "|"]
    for s in systems:
        cells = []
        for f in figs:
            r = out["ratios"][s].get(f, {})
            a, b = r.get("to_drbdC"), r.get("to_local")
            cells.append("-" if a is None and b is None else
                         f"{'-' if a is None else format(a, '.2f')} / {'-' if b is None else format(b, '.2f')}")
        rows.append(f"| {s} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


md = []
md.append(f"Repetitions: {params['reps']}, disks {params['disk_mib']} MiB, fio runs of {params['runtime_s']} s, "
          f"seed {params['seed']}, bitmap chunk {params['chunk_kib']} KiB; wall time {params['wall_s']} s; "
          f"load average at the end {machine.get('loadavg_at_end')}.")
md.append("Cells: median [min-max] over the repetitions.\n")
md.append(table(perf) + "\n")
md.append(table(sync) + "\n")
md.append("Ratios (median of the per-repetition ratios; above 1 is better for rates, worse for times):\n")
md.append(ratio_table(["seq_write_mb_s", "seq_read_mb_s", "qd1_iops", "qd16_iops", "randread_iops"]) + "\n")
md.append("Times (below 1 is better):\n")
md.append(ratio_table(["initial_sync_s", "resync1_s", "resync10_s"]) + "\n")
if "before" in data and "plain" in data:
    # the change measured within each repetition: after / before
    rows = ["| figure | before | after (plain) | after / before |", "|---|---|---|---|"]
    for f in perf + sync:
        if f in data["before"] and f in data["plain"]:
            rs = [data["plain"][f][r] / data["before"][f][r] for r in data["plain"][f] if r in data["before"][f] and data["before"][f][r]]
            out.setdefault("change", {})[f] = round(statistics.median(rs), 3) if rs else None
            rows.append(f"| {FIGS[f][0]} | {cell(out['systems']['before'].get(f))} | {cell(out['systems']['plain'].get(f))} | "
                        + (f"{statistics.median(rs):.2f}" if rs else "-") + " |")
    md.append("The change, `before` vs `plain` (same disks, same repetitions):\n")
    md.append("\n".join(rows) + "\n")
    json.dump(out, open(prefix + ".json", "w"), indent=1)
if targets:
    md.append("netraid as shipped (TLS), one source to N targets:\n")
    md.append("| targets | 1M seq write (MB/s) | 4K dsync QD1 (IOPS) |\n|---|---|---|")
    for t in targets:
        md.append(f"| {t[7:]} | {cell(out['targets'][int(t[7:])].get('seq_write_mb_s'))} | {cell(out['targets'][int(t[7:])].get('qd1_iops'))} |")
    md.append("")
md.append("Systems: " + "; ".join(f"`{s}` {LABELS[s]}" for s in systems) + ".")
open(prefix + ".md", "w").write("\n".join(md) + "\n")
print("\n".join(md))

# The chart: medians with min-max bars, one panel per figure.
panels = [("seq_write_mb_s", "1 MiB O_DIRECT seq write, MB/s"), ("seq_read_mb_s", "1 MiB O_DIRECT seq read, MB/s"),
          ("qd1_iops", "4 KiB rand write O_DSYNC QD1, IOPS"), ("qd16_iops", "4 KiB rand write QD16, IOPS"),
          ("resync10_s" if any("resync10_s" in data[s] for s in systems) else "resync1_s", "partial resync, s (lower is better)"),
          ("targets", "netraid 1 MiB seq write, MB/s, by targets")]
tmp = tempfile.mkdtemp()
plot = [f"set terminal pngcairo size 1500,900 font ',9'", f"set output '{prefix}.png'",
        "set multiplot layout 2,3 title 'netraid vs DRBD 8.4 vs stock md+nbd (UML lab, %s)'" % machine.get("cpu", "").replace("'", ""),
        "set style data histogram", "set style histogram errorbars gap 1 lw 1", "set style fill solid 0.6 border -1",
        "set boxwidth 0.8", "set termoption noenhanced", "set offsets 0, 0, graph 0.1, 0", "set xtics rotate by -35 scale 0", "set grid ytics", "unset key", "set yrange [0:*]"]
for i, (f, title) in enumerate(panels):
    path = os.path.join(tmp, f"p{i}.dat")
    with open(path, "w") as fh:
        if f == "targets":
            for t in targets:
                st = out["targets"][int(t[7:])].get("seq_write_mb_s")
                if st:
                    fh.write(f"{t[7:]} {st['median']} {st['min']} {st['max']}\n")
        else:
            for s in systems:
                st = out["systems"][s].get(f)
                if st:
                    fh.write(f"{s} {st['median']} {st['min']} {st['max']}\n")
    if os.path.getsize(path) == 0:
        continue
    plot.append(f"set title '{title}'")
    plot.append(f"plot '{path}' using 2:3:4:xtic(1) lc rgb '#4a7ab5'")
plot.append("unset multiplot")
try:
    subprocess.run(["gnuplot"], input="\n".join(plot), text=True, check=True, capture_output=True)
except (OSError, subprocess.CalledProcessError) as e:
    print(f"(no chart: gnuplot failed: {getattr(e, 'stderr', e)})", file=sys.stderr)
print(f"\n(JSON {prefix}.json, chart {prefix}.png, table {prefix}.md)")
