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


def _finding(code, span, message, help=None, accepts=()) -> Finding:
    return Finding(Diagnostic(code, span, message, help), tuple(accepts))


def numbering_gaps(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    parents = [(policy.span, policy.accepts, policy.items)] + [(n.span, n.accepts, n.children)
                                                             for n in policy.all_nodes()]
    for span, accepts, children in parents:
        numbers = sorted(int(c.id.rsplit(".", 1)[-1]) for c in children if c.id.rsplit(".", 1)[-1].isdigit())
        if len(numbers) < 2:
            continue
        missing = sorted(set(range(numbers[0], numbers[-1] + 1)) - set(numbers))
        if missing:
            first = next(c for c in children if c.id.rsplit(".", 1)[-1] == str(numbers[0]))
            parent = first.id.rsplit(".", 1)[0] if "." in first.id else "the policy"
            shown = ", ".join(str(m) for m in missing)
            yield _finding(codes.NUMBERING_GAP, span,
                           f"items of {parent if parent == 'the policy' else f'`{parent}`'} are numbered "
                           f"{numbers[0]}..{numbers[-1]} without {shown}",
                           "renumber the items, or accept the finding if the rule book numbers them so", accepts)


def weights_total(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    tops = list(_outermost_weighted(policy.items))
    if not tops:
        return
    from assessc.backends.interp import NoRow, _Env, _lookup

    attributes = sorted(_attribute_facts(policy, tops), key=lambda f: f.name)
    combos = list(itertools.islice(itertools.product(*(f.type.member_names for f in attributes)), _MAX_KINDS))
    for combo in combos:
        values = {f.name: member for f, member in zip(attributes, combo)}
        env = _Env(values)
        try:
            weights = []
            for node, chain in tops:
                if all(n.applies is None or env.eval(n.applies) for n in chain):
                    weight = node.weight
                    weights.append(_lookup(weight.table, env.eval(weight.key)) if isinstance(weight, ir.Lookup)
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
