"""`assessc score` as a user runs it, at 10^4, 10^5 and 10^6 entities: wall time and peak
memory of the whole command, for each engine.

    python3 bench/cli_scale.py --n 10000 100000 1000000 --engine interp batch

Facts are the benchmark policy's (bench/policy.py), written once per size as CSV in a scratch
folder; each run is `/usr/bin/time -v python -m assessc score POLICY FACTS --engine E -o out.csv`
in a fresh process, so the figures include reading the facts, ranking and writing every item's
score. Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from policy import make_facts, make_policy, to_assess, write_csv  # noqa: E402


def run(policy: Path, facts: Path, engine: str, out: Path) -> dict:
    command = ["/usr/bin/time", "-v", sys.executable, "-m", "assessc", "score", str(policy), str(facts),
               "--engine", engine, "--no-progress", "-o", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=HERE.parent)
    err = done.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err).group(1)
    seconds = sum(float(part) * 60**k for k, part in enumerate(reversed(wall.split(":"))))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) * 1024
    engine_line = next((line for line in err.splitlines() if line.startswith("assessc: engine")), "")
    return {"engine": engine, "status": done.returncode, "seconds": round(seconds, 1), "peak_rss_mb": rss >> 20,
            "output_mb": round(out.stat().st_size / 2**20, 1) if out.exists() else None, "ran": engine_line}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--engine", nargs="+", default=["interp", "batch"])
    parser.add_argument("--dir", default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    bench = make_policy()
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        folder = Path(scratch)
        policy = folder / "bench.assess"
        policy.write_text(to_assess(bench), encoding="utf-8")
        for n in args.n:
            facts = folder / f"facts_{n}.csv"
            write_csv(bench, make_facts(bench, n), facts)
            for engine in args.engine:
                result = run(policy, facts, engine, folder / "out.csv")
                print(json.dumps({"n": n, "facts_mb": round(facts.stat().st_size / 2**20, 1), **result}), flush=True)
                (folder / "out.csv").unlink(missing_ok=True)
            facts.unlink()


if __name__ == "__main__":
    main()
