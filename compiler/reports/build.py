"""Build a named report from a scored run: as text, a table (CSV, Excel) or JSON.

Reports: ``ranking`` (ranks, awards, demotions, forced last place, flags),
``leads`` (which lead unit deducted what, and why), ``completion``
(completion by responsible unit, with the evidence missing) and
``breakdown`` (every entity's score on every item, with its completion).
"""

from __future__ import annotations

import json
from typing import Mapping

import attrs

from assessc.backends.results import ScoreRun
from assessc.backends.scored import results_of_run
from assessc.ir import nodes as ir
from assessc.reports import completion, leads, ranking
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show

KINDS = ("ranking", "leads", "completion", "breakdown")


@attrs.frozen
class Report:
    kind: str
    text: str  # the text form, as printed
    header: list[str]
    rows: list[list]  # typed cells: str, Decimal, int or None
    data: list[dict]  # the JSON rows


BREAKDOWN_HEADER = ["entity", "item", "title", "score", "max", "lead", "applicable", "complete", "missing"]


def _breakdown_rows(run: ScoreRun, policy: ir.Policy) -> list[list]:
    rows = []
    nodes = list(policy.all_nodes())
    for result in run.results:
        for node in nodes:
            score = result.nodes[node.id]
            done = None if score.complete is None else ("yes" if score.complete else "no")
            rows.append([result.entity, node.id, node.title, score.value, node.max, "、".join(node.meta.lead),
                         "yes" if score.applicable else "no", done, "; ".join(score.missing)])
        rows.append([result.entity, "total", policy.title, result.total, policy.max, "",
                     "vetoed: " + "; ".join(result.vetoed) if result.vetoed else "yes", None, ""])
    return rows


def _text_cell(value) -> str:
    return "" if value is None else show(value) if not isinstance(value, (str, int)) else str(value)


def report(kind: str, policy: ir.Policy, graph, run: ScoreRun, values: Mapping[str, Mapping[str, object]]) -> Report:
    """The report ``kind`` of ``run`` in all its forms."""
    if kind == "ranking":
        results = results_of_run(policy, graph, run, values)
        return Report(kind, ranking.text(results), ranking.header(results), ranking.rows(results),
                      ranking.json_data(results))
    if kind == "leads":
        found = leads.deductions(run)
        return Report(kind, leads.text(found, policy.title), leads.HEADER, leads.rows(found), leads.json_data(found))
    if kind == "completion":
        found = completion.rows_of(run, policy)
        return Report(kind, completion.text(found, policy.title), completion.HEADER, completion.rows(found),
                      completion.json_data(found))
    if kind == "breakdown":
        rows = _breakdown_rows(run, policy)
        data = [{h: (_text_cell(c) if c is not None else None) for h, c in zip(BREAKDOWN_HEADER, row)} for row in rows]
        shown = [[_text_cell(c) for c in row] for row in rows]
        text = f"{policy.title}: breakdown\n\n" + format_table(BREAKDOWN_HEADER, shown, right={3, 4}) + "\n"
        return Report(kind, text, BREAKDOWN_HEADER, rows, data)
    raise ValueError(f"unknown report {kind!r}")


def json_text(policy: ir.Policy, made: Report) -> str:
    return json.dumps({"policy": policy.name, "report": made.kind, "rows": made.data}, ensure_ascii=False,
                      indent=2) + "\n"


def build(kind: str, policy: ir.Policy, run: ScoreRun, values: Mapping[str, Mapping[str, object]], fmt: str,
          graph=None) -> str:
    """The report ``kind`` as text, csv or json (a string)."""
    from assessc.reports.tabular import csv_text

    if graph is None:
        from assessc.graph.from_ir import build as build_graph

        graph = build_graph(policy)
    made = report(kind, policy, graph, run, values)
    if fmt == "json":
        return json_text(policy, made)
    if fmt == "csv":
        return csv_text(made.header, made.rows)
    return made.text
