"""Completion by responsible unit (002's responsibility table).

For each responsible unit (责任单位) the items it answers for, whether each
is complete, and the evidence still missing. The lowest items that carry
`requires` are listed; an item with several responsible units is listed
under each.
"""

from __future__ import annotations

import attrs

from assessc.backends import results as R
from assessc.ir import nodes as ir
from assessc.reports.tables import format_table

NO_UNIT = "(no responsible unit)"


@attrs.frozen
class Row:
    unit: str
    entity: str
    item: str
    title: str
    complete: bool
    missing: tuple[str, ...]


def rows_of(run: R.ScoreRun, policy: ir.Policy) -> list[Row]:
    out = []
    checked = [n for n in policy.all_nodes() if n.requires]
    for result in run.results:
        for node in checked:
            score = result.nodes[node.id]
            if not score.applicable or score.complete is None:
                continue
            for unit in node.meta.responsible or (NO_UNIT,):
                out.append(Row(unit, result.entity, node.id, node.title, score.complete, score.missing))
    return out


def summary(rows: list[Row]) -> list[list[str]]:
    units: dict[str, list[Row]] = {}
    for row in rows:
        units.setdefault(row.unit, []).append(row)
    table = []
    for unit, mine in sorted(units.items(), key=lambda kv: (-sum(not r.complete for r in kv[1]), kv[0])):
        done = sum(r.complete for r in mine)
        table.append([unit, str(len(mine)), str(done), str(len(mine) - done)])
    return table


HEADER = ["unit", "entity", "item", "title", "complete", "missing evidence"]


def rows(found: list[Row]) -> list[list[str]]:
    return [[r.unit, r.entity, r.item, r.title, "yes" if r.complete else "no", "; ".join(r.missing)] for r in found]


def text(found: list[Row], title: str) -> str:
    out = [f"{title}: completion by responsible unit", "",
           format_table(["unit", "items", "complete", "incomplete"], summary(found), right={1, 2, 3}), ""]
    for unit in sorted({r.unit for r in found}):
        open_items = [r for r in found if r.unit == unit and not r.complete]
        if not open_items:
            continue
        out.append(f"{unit}: {len(open_items)} incomplete")
        for r in open_items:
            out.append(f"  {r.item} {r.title}" + (f" [{r.entity}]" if len({x.entity for x in found}) > 1 else ""))
            for missing in r.missing:
                out.append(f"      missing: {missing}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def json_data(found: list[Row]) -> list[dict]:
    return [{"unit": r.unit, "entity": r.entity, "item": r.item, "title": r.title, "complete": r.complete,
             "missing": list(r.missing)} for r in found]
