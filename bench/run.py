"""Run every benchmark and print ratios against hand-written baselines measured in
the same run: ``python3 bench/run.py`` (a few minutes; ``--quick`` for a
smaller smoke run). Each measurement is its own process (see :mod:`engines`);
the results go to ``bench/results/latest.json`` and ``bench/RESULTS.md``.

Absolute times on a shared machine move by up to 2× between runs; the ratios,
measured side by side, are what the targets in docs/benchmarks.md are about.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS = ["guangxi_2017", "zhonglou_2020", "liangshan_2017", "jinfeng_2020", "hubei_2017"]


def measure(*args: str, timeout: int = 1800) -> dict | None:
    """One measurement in a fresh process; None (and a note) if it could not run."""
    command = [sys.executable, str(HERE / "engines.py"), *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  ! {' '.join(args)}: {last}", flush=True)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def check_seconds(seed: str, reps: int, bytecode: str) -> dict:
    """Wall time of the whole `assessc check` command, process start included, as
    an installation runs it: with Python's bytecode cache (kept in ``bytecode``,
    outside the tree) and the parser cache."""
    path = ROOT / "policies" / f"{seed}.assess"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = bytecode
    times = []
    for _ in range(reps + 1):  # the first run may fill the caches
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assessc", "check", str(path)], capture_output=True, cwd=ROOT,
                       check=True, env=env)
        times.append(time.perf_counter() - start)
    return {"first": times[0], "min": min(times[1:]), "median": sorted(times[1:])[len(times[1:]) // 2]}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for package in ("assessc", "numpy", "duckdb", "pyarrow", "openfisca-core", "lark", "sqlglot"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "packages": versions,
            "date": time.strftime("%Y-%m-%d")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions")
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args()
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    reps = 3 if args.quick else 7
    big = sizes[-1]
    results: dict = {"machine": machine(), "quick": args.quick, "latency": {}, "batch": {}, "memory": {}}

    print("single entity (µs per entity, best of", reps, "runs over 2,000 entities)", flush=True)
    for engine in ("hw_int", "hw_decimal", "hw_rule_table", "assess_python", "assess_interp"):
        found = measure("latency", engine, "--reps", str(reps))
        results["latency"][engine] = found
        if found:
            print(f"  {engine:16s} {found['min'] * 1e6:9.2f}  (median {found['median'] * 1e6:.2f})", flush=True)

    print("batch (entities per second, best of runs; wrong = totals whose cents differ from exact)", flush=True)
    engines = ["hw_numpy", "assess_batch", "assess_batch_all", "hw_duckdb", "assess_sql", "assess_sql_cast"]
    if not args.no_openfisca:
        engines.append("openfisca")
    for n in sizes:
        for engine in engines:
            times = reps if n < 1_000_000 else max(3, reps // 2)
            if "duckdb" in engine or "sql" in engine:  # a run is short, and planning makes it noisy
                times = max(times, 30 if n <= 100_000 else 10)
            found = measure("batch", engine, "--n", str(n), "--reps", str(times))
            results["batch"][f"{engine}@{n}"] = found
            if found:
                print(f"  {engine:16s} n={n:>9,}  {found['per_second']:14,.0f}/s  wrong {found['wrong_totals']}",
                      flush=True)

    print("compile", flush=True)
    results["compile"] = measure("compile", "--reps", str(reps))
    if results["compile"]:
        c = results["compile"]
        print(f"  {c['indicators']} indicators: {c['min']:.3f} s (first {c['first']:.3f} s)", flush=True)
    results["check"] = {}
    bytecode = tempfile.mkdtemp(prefix="assess-bench-pycache-")
    for seed in SEEDS:
        results["check"][seed] = found = check_seconds(seed, reps, bytecode)
        print(f"  assessc check {seed:16s} {found['min']:.3f} s (first {found['first']:.3f} s)", flush=True)

    print(f"memory at n={big:,} (peak RSS, MiB)", flush=True)
    for which in ("bench", "guangxi"):
        for engine in ("facts", "assess_batch", "assess_batch_all"):
            found = measure("memory", engine, "--n", str(big), "--policy", which)
            results["memory"][f"{which}:{engine}"] = found
            if found:
                print(f"  {which:8s} {engine:16s} {found['peak_rss'] / 2**20:8.0f}", flush=True)

    results["targets"] = targets(results, sizes)
    print("\ntargets (ratios measured in this run)")
    for row in results["targets"]:
        print(f"  {'PASS' if row['met'] else 'MISS' if row['met'] is False else '  - '}  {row['what']}: {row['shown']}")
    write(results, Path(args.out))


def _ratio(a, b):
    return a / b if a and b else None


def targets(r: dict, sizes: list[int]) -> list[dict]:
    rows = []

    def add(what, value, goal, met, shown=None):
        rows.append({"what": what, "value": value, "goal": goal, "met": met,
                     "shown": shown if shown is not None else (f"{value:.2f}× ({goal})" if value else "not measured")})

    lat = {k: (v["min"] if v else None) for k, v in r["latency"].items()}
    x = _ratio(lat.get("assess_python"), lat.get("hw_int"))
    add("generated Python scorer vs hand-written int fixed point, time per entity", x, "≤ 1.2×", x is not None and x <= 1.2)
    x = _ratio(lat.get("assess_python"), lat.get("hw_decimal"))
    add("generated Python scorer vs hand-written Decimal, time per entity", x, "< 1×", x is not None and x < 1)
    x = _ratio(lat.get("assess_interp"), lat.get("hw_rule_table"))
    add("reference interpreter vs hand-written rule-table loop, time per entity", x, "≤ 5×", x is not None and x <= 5)
    b = r["batch"]

    def rate(engine, n):
        found = b.get(f"{engine}@{n}")
        return found["per_second"] if found else None

    for n in sizes:
        x = _ratio(rate("assess_batch", n), rate("hw_numpy", n))
        goal = n >= 100_000
        add(f"batch engine vs hand-written chunked NumPy int64, throughput at {n:,}", x, "≥ 1.0×" if goal else "info",
            (x is not None and x >= 1.0) if goal else None)
    for n in sizes:
        x = _ratio(rate("assess_sql", n), rate("hw_duckdb", n))
        add(f"generated SQL vs hand-written DuckDB DECIMAL SELECT, throughput at {n:,}", x, "≥ 0.8×",
            x is not None and x >= 0.8)
    for n in sizes:
        x = _ratio(rate("assess_sql_cast", n), rate("hw_duckdb", n))
        add(f"generated SQL casting every fact (a table of any types) vs the same SELECT, throughput at {n:,}", x,
            "info", None)
    big = sizes[-1]
    x = _ratio(rate("assess_batch", big), rate("openfisca", big))
    add(f"batch engine vs OpenFisca, throughput at {big:,}", x, "≥ 4×", x is not None and x >= 4 if x else None)
    wrong = {k: v["wrong_totals"] for k, v in b.items() if v}
    ours = sum(v for k, v in wrong.items() if k.startswith("assess_"))
    theirs = wrong.get(f"openfisca@{big}")
    add("wrong totals: assess engines (all sizes) / OpenFisca at the largest size", ours,
        "0 for assess", ours == 0, f"{ours} / {theirs if theirs is not None else 'not measured'}"
        + (f" ({100 * theirs / big:.2f} %)" if theirs else ""))
    c = r.get("compile")
    add("1,000-indicator policy parsed, checked and lowered", c["min"] if c else None, "< 1 s",
        c is not None and c["min"] < 1, f"{c['min']:.3f} s (< 1 s)" if c else None)
    for label, pick in (("fastest", min), ("slowest", max)):
        seed = pick(r["check"], key=lambda k: r["check"][k]["min"], default=None)
        took = r["check"][seed]["min"] if seed else None
        add(f"`assessc check` on a seed policy, whole command, {label} seed ({seed})", took, "< 0.3 s",
            took is not None and took < 0.3, f"{took:.3f} s (< 0.3 s)" if took else None)
    for which in ("bench", "guangxi"):
        facts = r["memory"].get(f"{which}:facts")
        for engine, goal in (("assess_batch", True), ("assess_batch_all", False)):
            found = r["memory"].get(f"{which}:{engine}")
            x = _ratio(found and found["peak_rss"], facts and facts["peak_rss"])
            label = "totals and ranks" if engine == "assess_batch" else "every item's value kept too"
            add(f"peak RSS at {big:,}, {which} policy, {label}, vs facts table + interpreter", x,
                "≤ 1.5×" if goal else "info", (x is not None and x <= 1.5) if goal else None)
    return rows


def write(results: dict, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _atomic(folder / "latest.json", json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    _atomic(HERE / "RESULTS.md", markdown(results))
    print(f"\nwrote {folder / 'latest.json'} and {HERE / 'RESULTS.md'}")


def _atomic(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def markdown(r: dict) -> str:
    m = r["machine"]
    lines = ["# Benchmark results", "",
             f"`python3 bench/run.py{' --quick' if r['quick'] else ''}` on {m['date']}: {m['cpu']}, {m['cores']} cores, "
             f"{m['memory']}, {m['system']}, Python {m['python']}; "
             + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
             "The method is in [docs/benchmarks.md](../docs/benchmarks.md).", "",
             "## Targets", "", "| | what | ratio (target) |", "|---|---|---|"]
    for row in r["targets"]:
        mark = "met" if row["met"] else "missed" if row["met"] is False else ""
        lines.append(f"| {mark} | {row['what']} | {row['shown']} |")
    lines += ["", "## Single entity", "", "| engine | µs per entity, min | median |", "|---|---|---|"]
    for engine, found in r["latency"].items():
        if found:
            lines.append(f"| {engine} | {found['min'] * 1e6:.2f} | {found['median'] * 1e6:.2f} |")
    lines += ["", "## Batch", "", "| engine | entities | per second (best) | wrong totals |", "|---|---|---|---|"]
    for key, found in r["batch"].items():
        if found:
            engine, n = key.split("@")
            lines.append(f"| {engine} | {int(n):,} | {found['per_second']:,.0f} | {found['wrong_totals']} |")
    lines += ["", "## Compile and check", ""]
    if r.get("compile"):
        c = r["compile"]
        lines.append(f"- {c['indicators']} indicators parsed, checked and lowered: {c['min']:.3f} s "
                     f"(median {c['median']:.3f} s; first in a fresh process {c['first']:.3f} s)")
    for seed, found in r["check"].items():
        lines.append(f"- `assessc check policies/{seed}.assess`: {found['min']:.3f} s (first run {found['first']:.3f} s)")
    lines += ["", "## Memory", "", "| policy | process | peak RSS (MiB) | facts table (MiB) |", "|---|---|---|---|"]
    for key, found in r["memory"].items():
        if found:
            which, engine = key.split(":")
            lines.append(f"| {which} | {engine} | {found['peak_rss'] / 2**20:.0f} | {found['facts_bytes'] / 2**20:.0f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
