"""Build a named report from a scored run, as text, CSV or JSON.

Reports: ``ranking`` (ranks, awards, demotions, forced last place, flags),
``leads`` (which lead unit deducted what, and why), ``completion``
(completion by responsible unit, with the evidence missing) and
``breakdown`` (every entity's score on every item).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Mapping

from assessc.backends.outcomes import decide
from assessc.backends.results import ScoreRun
from assessc.ir import nodes as ir
from assessc.reports import completion, leads, ranking
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show

KINDS = ("ranking", "leads", "completion", "breakdown")


def _breakdown_rows(run: ScoreRun, policy: ir.Policy) -> list[list[str]]:
    rows = []
    nodes = list(policy.all_nodes())
    for result in run.results:
        for node in nodes:
            score = result.nodes[node.id]
            status = "" if score.applicable else "not applicable"
            rows.append([result.entity, node.id, node.title, show(score.value),
                         show(node.max) if node.max is not None else "", "、".join(node.meta.lead), status])
        rows.append([result.entity, "total", policy.title, show(result.total), show(policy.max) if policy.max else "",
                     "", "vetoed" if result.vetoed else ""])
    return rows


BREAKDOWN_HEADER = ["entity", "item", "title", "score", "max", "lead", "status"]


def build(kind: str, policy: ir.Policy, run: ScoreRun, values: Mapping[str, Mapping[str, object]], fmt: str) -> str:
    """The report ``kind`` in format ``fmt`` (text, csv or json)."""
    if kind == "ranking":
        outcomes = decide(policy, run, values)
        header, rows, data = ranking.HEADER, ranking.rows(outcomes), ranking.json_data(outcomes)
        text = ranking.text(outcomes, policy)
    elif kind == "leads":
        found = leads.deductions(run)
        header, rows, data, text = leads.HEADER, leads.rows(found), leads.json_data(found), leads.text(found, policy.title)
    elif kind == "completion":
        found = completion.rows_of(run, policy)
        header, rows, data = completion.HEADER, completion.rows(found), completion.json_data(found)
        text = completion.text(found, policy.title)
    elif kind == "breakdown":
        header, rows = BREAKDOWN_HEADER, _breakdown_rows(run, policy)
        data = [dict(zip(header, row)) for row in rows]
        text = f"{policy.title}: breakdown\n\n" + format_table(header, rows, right={3, 4}) + "\n"
    else:
        raise ValueError(f"unknown report {kind!r}")
    if fmt == "json":
        return json.dumps({"policy": policy.name, "report": kind, "rows": data}, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue()
    return text
