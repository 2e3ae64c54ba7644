"""Explain one entity's score: every point gained or lost, and why.

The text form walks the tree from the total down. Each node shows its value
against its max, then its lines — start, each rule with the facts it read,
each child item, and each adjustment (cap, floor, zeroing, veto, rounding) —
whose amounts add up to the node's value. Each line names the rule's text,
its lead unit and its source line.
"""

from __future__ import annotations

from pathlib import Path

from assessc.backends import results as R
from assessc.runtime.decimals import show
from assessc.backends.wording import _visible_direction


def _signed(value) -> str:
    text = show(value)
    return text if text.startswith("-") else "+" + text


def _where(line: R.Line) -> str:
    if line.span is None:
        return ""
    return f"{Path(line.span.path).name}:{line.span.line}"


def grade_lines(policy, standing, result: R.EntityResult) -> list[str]:
    """One line per `grades` scheme: the entity's grade and why (the band its score lies in, or the
    veto that fixed it), from its :class:`~assessc.backends.outcomes.Standing`."""
    from assessc.backends.outcomes import grade_why

    return ["grade " + grade_why(policy, g, result.total if g.item is None else result.value(g.item))
            for g in standing.grades]


def explain_text(result: R.EntityResult, policy_title: str, grades: list[str] | None = None,
                 vetoed: tuple[str, ...] | None = None) -> str:
    """``grades``: the lines of :func:`grade_lines`; ``vetoed``: the vetoes that hold, the grade
    vetoes included (default: the result's, which zero the total)."""
    out = [f"{result.entity}: {policy_title}", f"total {show(result.total)}"]
    out.extend(grades or ())
    vetoed = result.vetoed if vetoed is None else vetoed
    if vetoed:
        out.append("VETOED: " + "; ".join(vetoed))
    out.append("")
    _node(result, "total", 0, out)
    return _visible_direction("\n".join(out) + "\n")


def _node(result: R.EntityResult, node_id: str, depth: int, out: list[str]) -> None:
    score = result.nodes[node_id]
    pad = "    " * depth
    for line in score.lines:
        lead = f"  [{'、'.join(line.lead)}]" if line.lead else ""
        where = _where(line)
        if line.kind == R.CHILD:
            child = result.nodes[line.source_id]
            cap = f" / {show(child.max)}" if child.max is not None else ""
            how = f"  = {line.detail}" if line.detail else ""
            out.append(f"{pad}{_signed(line.amount):>7}  {line.source_id} {line.label}  ({show(child.value)}{cap}){how}"
                       f"{lead}  {where}".rstrip())
            _node(result, line.source_id, depth + 1, out)
        else:
            detail = f"  = {line.detail}" if line.detail else ""
            out.append(f"{pad}{_signed(line.amount):>7}  {line.label}{detail}{lead}  {where}".rstrip())


def explain_json(result: R.EntityResult, standing=None, grades: list[str] | None = None) -> dict:
    """``standing``/``grades``: the entity's standing and :func:`grade_lines`, for a policy with grades."""
    extra = {}
    if standing is not None and standing.grades:
        extra = {"grade": standing.grade,
                 "grades": [{"scheme": g.scheme, "of": g.item, "grade": g.grade, "vetoed": g.vetoed, "why": why}
                            for g, why in zip(standing.grades, grades or [""] * len(standing.grades))]}
    return {
        "entity": result.entity,
        "total": show(result.total),
        "vetoed": list(standing.vetoed if standing is not None else result.vetoed),
        **extra,
        "nodes": {
            node_id: {
                "title": score.title,
                "value": show(score.value),
                "max": show(score.max) if score.max is not None else None,
                "lines": [
                    {
                        "kind": line.kind,
                        "source": line.source_id,
                        "label": line.label,
                        "amount": show(line.amount),
                        "detail": line.detail,
                        "lead": list(line.lead),
                        "file": line.span.path if line.span else None,
                        "line": line.span.line if line.span else None,
                    }
                    for line in score.lines
                ],
            }
            for node_id, score in result.nodes.items()
        },
    }
