"""Lints on a policy's structure: item numbering, weights, points matrices.

* W0512 — numbered sibling items with a gap (1, 2, 3, 4, 6: 001 task 4 has no item 5).
* W0513 — the weights that count for some kind of entity do not add up to 100%.
  The kinds of entity are the combinations of the enum facts that weights and
  `applies if` conditions read (001 task 1: 木里 / 五县 / the rest); for each,
  the weights of the outermost weighted items that apply are added up.
* W0514 — a points matrix without a row (or column) for a value its ledger
  field allows (an award level missing from the matrix): an entry with that
  value stops scoring (D0609), as a lookup without a row does.
"""

from __future__ import annotations

import itertools
from typing import Iterator

from assessc.diagnostics import Diagnostic, codes
from assessc.graph.bounds import Bounds
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.ir.walk import body_exprs, facts_of_expr
from assessc.lint.checks import Finding
from assessc.runtime.decimals import CONTEXT, show, sum_of

_MAX_KINDS = 256  # combinations of entity attributes examined for W0513
_GAPS_SHOWN = 10  # W0512 lists this many gaps, then counts the rest
_LONGEST_NUMBER = 18  # digits of an item number W0512 reads; longer keys number nothing


def _finding(code, span, message, help=None, accepts=()) -> Finding:
    return Finding(Diagnostic(code, span, message, help), tuple(accepts))


def numbering_gaps(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    parents = [(policy.span, policy.accepts, policy.items)] + [(n.span, n.accepts, n.children)
                                                             for n in policy.all_nodes()]
    for span, accepts, children in parents:
        # a key is numbered if it is all digits (`01` and full-width `１` are 1 too); keys
        # longer than any rule book's numbering are left out
        keys = (c.id.rsplit(".", 1)[-1] for c in children)
        numbers = sorted({int(key) for key in keys if key.isdecimal() and len(key) <= _LONGEST_NUMBER})
        gaps = [(low + 1, high - 1) for low, high in zip(numbers, numbers[1:]) if high > low + 1]
        if not gaps:
            continue
        parent = children[0].id.rsplit(".", 1)[0] if "." in children[0].id else None
        yield _finding(codes.NUMBERING_GAP, span,
                       f"items of {f'`{parent}`' if parent else 'the policy'} are numbered "
                       f"{numbers[0]}..{numbers[-1]} without {_describe_gaps(gaps)}",
                       "renumber the items, or accept the finding if the rule book numbers them so", accepts)


def _describe_gaps(gaps: list[tuple[int, int]]) -> str:
    """The missing numbers as ranges, ``5, 7..9``; past the first few, how many more."""
    shown = ", ".join(str(low) if low == high else f"{low}..{high}" for low, high in gaps[:_GAPS_SHOWN])
    rest = gaps[_GAPS_SHOWN:]
    if rest:
        missing = sum(high - low + 1 for low, high in rest)
        shown += f" and {missing} more in {len(rest)} more gap{'s' if len(rest) != 1 else ''}"
    return shown


def weights_total(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    tops = list(_outermost_weighted(policy.items))
    if not tops:
        return
    from assessc.core.exact import Env, NoRow, lookup

    attributes = sorted(_attribute_facts(policy, tops), key=lambda f: f.name)
    combos = list(itertools.islice(itertools.product(*(f.type.member_names for f in attributes)), _MAX_KINDS))
    for combo in combos:
        values = {f.name: member for f, member in zip(attributes, combo)}
        env = Env(values)
        try:
            weights = []
            for node, chain in tops:
                if all(n.applies is None or env.eval(n.applies) for n in chain):
                    weight = node.weight
                    weights.append(lookup(weight.table, env.eval(weight.key)) if isinstance(weight, ir.Lookup)
                                   else env.eval(weight.expr))
            total = sum_of(weights)
        except (KeyError, TypeError, ArithmeticError):  # reads other facts, or cannot be computed: not decidable here
            continue
        except NoRow:  # a kind of entity the weight table has no row for: W0520 reports it
            continue
        if total != 1:
            kind = ", ".join(f"{f.name} = {m}" for f, m in zip(attributes, combo)) or "every entity"
            yield _finding(codes.WEIGHTS_NOT_100, policy.span,
                           f"for {kind}, the weights add up to {show(total.scaleb(2, CONTEXT))}%, not 100%",
                           "check each weight and `applies if`", policy.accepts)


def _outermost_weighted(nodes, chain=()):
    for node in nodes:
        here = chain + (node,)
        if node.weight is not None:
            yield node, here
        else:
            yield from _outermost_weighted(node.children, here)


def _attribute_facts(policy: ir.Policy, tops) -> set:
    names: set[str] = set()
    for node, chain in tops:
        if isinstance(node.weight, (ir.Lookup, ir.Value)):
            for expr in body_exprs(node.weight):
                names |= facts_of_expr(expr)
        for n in chain:
            names |= facts_of_expr(n.applies)
    facts = [policy.fact(n) for n in names]
    return {f for f in facts if f is not None and f.type.kind is Kind.ENUM}


def matrix_coverage(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    seen: set[tuple[str, str]] = set()
    for node in policy.all_nodes():
        for term in node.terms:
            body = term.body
            if not (isinstance(body, ir.LedgerSum) and isinstance(body.table, ir.Matrix)) or not body.table.name:
                continue
            matrix, ledger = body.table, body.ledger
            rows_field, columns_field = ledger.type.field(body.field), ledger.type.field(body.column_field)
            missing_rows = [m for m in rows_field.type.member_names if m not in {r.member for r in matrix.rows}]
            missing_columns = [m for m in columns_field.type.member_names if m not in matrix.columns]
            key = (matrix.name, ledger.name)
            if (missing_rows or missing_columns) and key not in seen:
                seen.add(key)
                parts = []
                if missing_rows:
                    parts.append(f"no row for {', '.join(f'`{m}`' for m in missing_rows)} of `{rows_field.name}`")
                if missing_columns:
                    parts.append(f"no column for {', '.join(f'`{m}`' for m in missing_columns)} of "
                                 f"`{columns_field.name}`")
                yield _finding(codes.MATRIX_GAP, term.span, f"matrix `{matrix.name}` has " + " and ".join(parts),
                               "an entry with such a value stops scoring (D0609); add the row or column (0 points say so on purpose)", node.accepts)


CHECKS = (numbering_gaps, weights_total, matrix_coverage)
