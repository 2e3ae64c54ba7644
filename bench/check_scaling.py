"""How `assessc check` grows with the number of indicators:
``python3 bench/check_scaling.py [--sizes 1000,10000,100000]``.

Each size is the benchmark policy (:mod:`policy`) with that many indicators
(sections of 50 to 500), checked by ``python -m assessc check`` in a process of
its own. The figure is the process's CPU time (user + system), which a shared
machine's load changes far less than the wall time, and its peak memory. The
exponent between two sizes is log(t2/t1) / log(n2/n1): 1 is linear.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from policy import make_policy, to_assess  # noqa: E402

#: indicators -> (sections, indicators per section)
SHAPES = {1_000: (20, 50), 10_000: (100, 100), 100_000: (200, 500)}


def check_once(python: str, path: Path) -> tuple[float, int]:
    """CPU seconds and peak memory (KB) of one `assessc check` of ``path``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([python, "-m", "assessc", "check", str(path)], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"check of {path} failed: {done.stderr[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, after.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=1, help="checks per size; the least CPU time is kept")
    parser.add_argument("--python", default=sys.executable,
                        help="the interpreter whose assessc is measured (another installation, to compare)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(s) for s in args.sizes.split(",")):
            sections, leaves = SHAPES.get(size, (max(1, size // 100), 100))
            path = Path(folder) / f"check_{size}.assess"
            path.write_text(to_assess(make_policy(sections, leaves)), encoding="utf-8")
            best = min(check_once(args.python, path) for _ in range(args.repeat))
            rows.append((sections * leaves, path.stat().st_size, *best))
            print(f"{sections * leaves:>8,} indicators  {path.stat().st_size / 1e6:6.1f} MB  "
                  f"{best[0]:8.2f} s CPU  {best[1] / 1024:7.0f} MB peak", flush=True)
    for (n1, _, t1, _), (n2, _, t2, _) in zip(rows, rows[1:]):
        print(f"exponent {n1:,} -> {n2:,}: {math.log(t2 / t1) / math.log(n2 / n1):.2f}")


if __name__ == "__main__":
    main()
