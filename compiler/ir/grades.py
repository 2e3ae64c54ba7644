"""Grades (等次) by score, the vetoes that fix a grade, and what outcome conditions read of the scores.

``grades ["title"] [of ITEM] { 优秀: 90..  良好: 75..<90  合格: 60..74.9  不合格: ..<60 }`` lowers to
an :class:`~assessc.ir.nodes.GradeScheme`; ``veto "…" grade G if C`` to a
:class:`~assessc.ir.nodes.GradeVeto`. Outcome conditions (``demote``, ``rank last``, ``flag``) read
the scores through four calls, each an :class:`~assessc.ir.nodes.Call` whose argument, if any, is
the item id as a text constant:

* ``total()`` — the entity's total (after rounding; 0 under a veto that zeroes it);
* ``score(ITEM)`` — an item's value (``score(1)``, ``score(1.2)``, ``score("1.2.3")``, ``score(加分)``);
* ``grade()`` — the entity's grade in the scheme of the total, an enum of the band names;
* ``grade(ITEM)`` — its grade in the scheme ``of ITEM``.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import attrs

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl import ast
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType

T = ExprType

#: the calls an outcome condition reads the scores with
SCORE_READS = ("total", "score", "grade")


@attrs.frozen
class ScoredNames:
    """What outcome conditions may read: the item ids and each grade scheme's bands by what it grades."""

    ids: frozenset
    grades: Mapping  # item id, or None for the total -> band names


def read_of(call: ir.Call) -> tuple[str, str | None]:
    """(function, item id or None) of a score read."""
    return call.func, (call.args[0].value if call.args else None)


def key_of(func: str, item: str | None) -> str:
    """The name a score read goes by where values are passed around: ``total``, ``score:1.2``,
    ``grade``, ``grade:1``."""
    return func if item is None else f"{func}:{item}"


def reads_of(outcomes: ir.Outcomes) -> set[tuple[str, str | None]]:
    """Every score read of the outcome conditions, as (function, item)."""
    from assessc.ir.walk import subexpressions

    found = set()
    for rule in outcomes.rules:
        for expr in subexpressions(rule.condition):
            if isinstance(expr, ir.Call) and expr.func in SCORE_READS:
                found.add(read_of(expr))
    return found


def _item_id(arg: ast.Expr) -> str | None:
    """The item id an argument of ``score``/``grade`` names, as written."""
    if isinstance(arg, ast.Number) and not arg.is_percent and arg.value >= 0:
        return str(arg.value)
    if isinstance(arg, ast.Name):
        return arg.name
    if isinstance(arg, ast.StringLit):
        return arg.value
    return None


def resolve_read(node: ast.Call, scored: ScoredNames | None, bag: DiagnosticBag) -> ir.Expr:
    """``total()``, ``score(ITEM)``, ``grade()`` or ``grade(ITEM)`` in an outcome condition."""
    name = node.func.name
    if scored is None:
        bag.add(codes.MISPLACED, node.span, f"`{name}()` is known only after scoring",
                "read the scores in a `demote`, `rank last` or `flag` condition inside `outcomes`")
        return ir.Invalid(T.ENUM if name == "grade" else T.NUMBER, node.span)
    want = T.ENUM if name == "grade" else T.NUMBER
    if name == "total":
        if node.args:
            bag.add(codes.TYPE_MISMATCH, node.span, "`total()` takes no arguments", "write `total()`")
            return ir.Invalid(want, node.span)
        return ir.Call("total", (), span=node.span)
    if len(node.args) > 1 or (name == "score" and not node.args):
        bag.add(codes.TYPE_MISMATCH, node.span, f"`{name}` takes {'one item id' if name == 'score' else 'at most one item id'}",
                f"e.g. `{name}(1.2)`, or `{name}(\"1.2.3\")` for a deeper id")
        return ir.Invalid(want, node.span)
    item = None
    if node.args:
        item = _item_id(node.args[0])
        if item is None or item not in scored.ids:
            bag.add(codes.UNDEFINED_NAME, node.args[0].span, f"no item `{item or '…'}` to read the {name} of",
                    "name an item by its id: `score(1.2)`, `score(加分)`, `score(\"1.2.3\")`")
            return ir.Invalid(want, node.span)
    args = (ir.Const(item, T.TEXT, node.args[0].span),) if item is not None else ()
    if name == "grade" and item not in scored.grades:
        what = "the total" if item is None else f"item `{item}`"
        bag.add(codes.UNKNOWN_GRADE, node.span, f"no `grades` of {what} to read the grade from",
                "declare them in `outcomes`: `grades \"等次\" { 优秀: 90..  合格: 60..<90  不合格: ..<60 }`"
                + ("" if item is None else f" with `of {item}`"))
        return ir.Invalid(want, node.span)
    return ir.Call(name, args, type=want, span=node.span)


def grade_names(call: ir.Call, scored: ScoredNames | None) -> tuple[str, ...] | None:
    """The band names a ``grade()`` read can take (None when the expression is no grade read)."""
    if scored is None or not isinstance(call, ir.Call) or call.func != "grade":
        return None
    return scored.grades.get(read_of(call)[1])


# ---- lowering ---------------------------------------------------------------------------


def lower_grades(rule: ast.GradeBands, ids: set[str], bag: DiagnosticBag) -> ir.GradeScheme:
    if rule.item is not None and rule.item not in ids:
        bag.add(codes.UNDEFINED_NAME, rule.item_span, f"no item `{rule.item}` to grade")
    bands: list[ir.GradeBand] = []
    seen: dict[str, ir.GradeBand] = {}
    for band in rule.bands:
        low = band.low.value if band.low is not None else None
        high = band.high.value if band.high is not None else None
        if low is not None and high is not None and (low > high or (low == high and (band.low_open or band.high_open))):
            bag.add(codes.BAD_RANGE, band.span, f"grade `{band.name}` holds no score: its low end is not below its high end",
                    "write the low end first: `良好: 75..<90`")
            continue
        if band.name in seen:
            bag.add(codes.DUPLICATE_NAME, band.span, f"grade `{band.name}` is declared twice in these grades",
                    "give each grade one band; a score between two bands belongs to neither")
            continue
        lowered = ir.GradeBand(band.name, band.label, low, band.low_open, high, band.high_open, band.span)
        seen[band.name] = lowered
        bands.append(lowered)
    title = rule.title or ("grade" if rule.item is None else f"grade of {rule.item}")
    return ir.GradeScheme(title, rule.item, tuple(bands), rule.span)


def check_schemes(schemes: Iterable[ir.GradeScheme], bag: DiagnosticBag) -> None:
    """At most one `grades` per thing graded: the total, or an item."""
    seen: dict[str | None, ir.GradeScheme] = {}
    for scheme in schemes:
        if scheme.item in seen:
            what = "the total" if scheme.item is None else f"item `{scheme.item}`"
            bag.add(codes.DUPLICATE_NAME, scheme.span, f"a second `grades` of {what}",
                    "an entity has one grade of each score: merge the bands into one `grades`")
        else:
            seen[scheme.item] = scheme


def lower_grade_veto(stmt: ast.Veto, condition: ir.Expr, schemes: Iterable[ir.GradeScheme],
                     bag: DiagnosticBag) -> ir.GradeVeto:
    """``veto "…" grade G if C``: G must be a grade of the total's `grades`."""
    of_total = [s for s in schemes if s.item is None]
    if not of_total:
        bag.add(codes.UNKNOWN_GRADE, stmt.grade_span or stmt.span,
                f"`veto … grade {stmt.grade}` fixes a grade, but the policy declares no `grades` of the total",
                "declare them in `outcomes`: `grades \"等次\" { 优秀: 90..  合格: 60..<90  不合格: ..<60 }`; "
                "or write `veto \"…\" if …` to set the total to 0")
    elif stmt.grade not in of_total[0].names:
        bag.add(codes.UNKNOWN_GRADE, stmt.grade_span or stmt.span, f"`{stmt.grade}` is not a grade of `{of_total[0].title}`",
                "the grades are: " + ", ".join(of_total[0].names))
    return ir.GradeVeto(stmt.reason, stmt.grade, condition, stmt.span)


def scored_names(schemes: Iterable[ir.GradeScheme], ids: Iterable[str]) -> ScoredNames:
    grades: dict = {}
    for scheme in schemes:
        grades.setdefault(scheme.item, scheme.names)  # a second scheme of one score is E0202
    return ScoredNames(frozenset(ids), grades)


