"""Plain-text tables that line up with Chinese text (wide characters)."""

from __future__ import annotations

import unicodedata

from assessc.backends.results import ScoreRun
from assessc.ir import nodes as ir
from assessc.runtime.decimals import show


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int, right: bool = False) -> str:
    fill = " " * max(0, size - width(text))
    return fill + text if right else text + fill


def format_table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    sizes = [max(width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(pad(c, sizes[i], i in right) for i, c in enumerate(header)).rstrip(),
             "  ".join("-" * s for s in sizes)]
    for row in rows:
        lines.append("  ".join(pad(c, sizes[i], i in right) for i, c in enumerate(row)).rstrip())
    return "\n".join(lines)


def ranking_table(run: ScoreRun, policy: ir.Policy) -> str:
    """Entities in rank order; tied ranks are marked `=` and named in a note."""
    label = policy.entity_label or policy.entity
    rows, notes = [], []
    ranking = run.ranking()
    for row in ranking:
        rank = f"{row.rank}=" if row.tied_with else str(row.rank)
        flags = "vetoed" if row.vetoed else ""
        rows.append([rank, row.entity, show(row.total), flags])
    ties: dict[int, list[str]] = {}
    for row in ranking:
        if row.tied_with:
            ties.setdefault(row.rank, []).append(row.entity)
    for rank, names in ties.items():
        notes.append(f"tie at rank {rank}: {', '.join(names)} (not broken)")
    title = f"{policy.title} — {len(run.results)} {label}"
    table = format_table(["rank", label, "total", ""], rows, right={2})
    return "\n".join([title, "", table, *([""] + notes if notes else [])])
