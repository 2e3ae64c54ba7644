"""Which lead unit deducted points, and why (F28; the question 001 opens with).

Every deduction of every entity — a rule whose amount is negative, or an item
zeroed by a condition — is listed under the lead unit (牵头考核单位) of the
item it belongs to, with the item, the rule's text, the amount, how it was
computed and the policy line; so is the give-back of an `until zero` floor
(扣完为止), so that an item's rows add up to what it really lost. An item
with several lead units lists the deduction under each. Rows keep the order
of the facts file and of the policy.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import attrs

from assessc.backends import results as R
from assessc.reports.tables import format_table
from assessc.runtime.decimals import show, sum_of

NO_LEAD = "(no lead unit)"


@attrs.frozen
class Deduction:
    lead: str
    entity: str
    item: str
    item_title: str
    rule: str
    amount: Decimal
    detail: str
    where: str


def deductions(run: R.ScoreRun) -> list[Deduction]:
    out = []
    for result in run.results:
        for node_id, score in result.nodes.items():
            for line in score.lines:
                if not ((line.amount < 0 and line.kind in (R.TERM, R.ZERO)) or line.kind == R.FLOOR):
                    continue
                where = f"{Path(line.span.path).name}:{line.span.line}" if line.span else ""
                for lead in line.lead or (NO_LEAD,):
                    out.append(Deduction(lead, result.entity, node_id, score.title, line.label, line.amount,
                                         line.detail, where))
    return sorted(out, key=lambda d: d.lead)  # stable: entities and items keep their order


HEADER = ["lead unit", "entity", "item", "rule", "points", "how", "line"]


def rows(found: list[Deduction]) -> list[list[str]]:
    return [[d.lead, d.entity, f"{d.item} {d.item_title}", d.rule, d.amount, d.detail, d.where] for d in found]


def text(found: list[Deduction], title: str) -> str:
    out = [f"{title}: deductions by lead unit", ""]
    leads = sorted({d.lead for d in found})
    for lead in leads:
        mine = [d for d in found if d.lead == lead]
        total = sum_of(d.amount for d in mine)
        out.append(f"{lead}: {len(mine)} deduction{'s' if len(mine) != 1 else ''}, {show(total)} points")
        table = [[d.entity, d.item, d.rule, show(d.amount), d.detail, d.where] for d in mine]
        out.append(format_table(["entity", "item", "rule", "points", "how", "line"], table, right={3}))
        out.append("")
    if not leads:
        out.append("no deductions")
    return "\n".join(out).rstrip() + "\n"


def json_data(found: list[Deduction]) -> list[dict]:
    return [{"lead": d.lead, "entity": d.entity, "item": d.item, "item_title": d.item_title, "rule": d.rule,
             "points": show(d.amount), "how": d.detail, "line": d.where} for d in found]
