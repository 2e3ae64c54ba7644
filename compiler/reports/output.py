"""Write score results to CSV or JSON, whole or not at all.

Output goes to a temporary file in the target's directory, which is renamed
over the target only after it was completely written; a failure removes the
temporary file and leaves any earlier output untouched.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from pathlib import Path

from assessc.backends.results import ScoreRun
from assessc.runtime.decimals import show


class OutputError(Exception):
    pass


@contextlib.contextmanager
def atomic_open(path: str | Path, *, text: bool = False):
    """A handle on a temporary file beside ``path`` that replaces ``path``
    only if the block completes; on any failure the temporary file goes and
    ``path`` is left as it was."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise OutputError(f"cannot write `{target}`: folder `{directory}` does not exist")
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        mode = {"mode": "w", "encoding": "utf-8", "newline": ""} if text else {"mode": "wb"}
        with os.fdopen(fd, **mode) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException as error:
        try:
            os.unlink(temp)
        except FileNotFoundError:
            pass
        if isinstance(error, OSError):
            raise OutputError(f"cannot write `{target}`: {error.strerror}") from None
        raise


def atomic_write(path: str | Path, data: bytes) -> None:
    with atomic_open(path) as handle:
        handle.write(data)


def node_ids(run: ScoreRun) -> list[str]:
    """Node ids in a stable order: the first result's order, total last."""
    if not run.results:
        return []
    ids = [i for i in run.results[0].nodes if i != "total"]
    return ids


def run_to_csv(run: ScoreRun) -> bytes:
    ranks = {row.entity: row for row in run.ranking()}
    ids = node_ids(run)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entity", "total", "rank", "tied_with", "vetoed", *ids])
    for result in run.results:
        row = ranks[result.entity]
        writer.writerow([result.entity, show(result.total), row.rank, ";".join(row.tied_with),
                         ";".join(result.vetoed), *(show(result.value(i)) for i in ids)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def run_to_json(run: ScoreRun) -> bytes:
    ranks = {row.entity: row for row in run.ranking()}
    data = {
        "policy": run.policy_name,
        "entities": [
            {
                "entity": result.entity,
                "total": show(result.total),
                "rank": ranks[result.entity].rank,
                "tied_with": list(ranks[result.entity].tied_with),
                "vetoed": list(result.vetoed),
                "nodes": {i: show(score.value) for i, score in result.nodes.items()},
            }
            for result in run.results
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_run(run: ScoreRun, path: str | Path) -> None:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        atomic_write(path, run_to_csv(run))
    elif suffix == ".json":
        atomic_write(path, run_to_json(run))
    else:
        raise OutputError(f"cannot write `{path}`: use a .csv or .json file name")
