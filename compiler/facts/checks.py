"""The policy's own checks on an entity's facts: `require CONDITION "message"` in a facts block
(a finish date not before its start, a part not above its whole …).

Each check is evaluated on the typed facts by the interpreter's evaluator
(:class:`assessc.core.exact.Env`); one that does not hold is a D0613 naming the entity, the
author's message, the condition and the facts it reads with their values. Every check of every
entity is tried, so one run shows every problem. A check that reads a fact the entity left blank
(an optional fact) is not decided for that entity."""

from __future__ import annotations

from typing import Mapping, Sequence

from assessc.backends.wording import _text as value_text  # the words explanations give a value
from assessc.core.exact import Env, NoRow
from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.ir import nodes as ir
from assessc.ir.walk import subexpressions

HELP = "correct the facts; if they are right, the policy's `require` check is wrong"


def check_entity(entity: str, values: Mapping[str, object], checks: Sequence[ir.FactCheck], bag: DiagnosticBag,
                 span=None) -> bool:
    """Add a D0613 to ``bag`` for every check ``values`` fail; whether they pass them all."""
    passed = True
    for check in checks:
        try:
            holds = Env(values).eval(check.condition)
        except KeyError:
            continue  # a fact left blank: nothing to check it against
        except (NoRow, ArithmeticError) as error:
            why = f"cannot be decided: {error}"
        else:
            if holds:
                continue
            why = "does not hold"
        passed = False
        condition = check.condition.span.text() if check.condition.span is not None else "the check"
        read = ", ".join(f"{name} = {value_text(values[name])}" for name in _facts_read(check.condition)
                         if name in values)
        bag.add(codes.FACT_CHECK_FAILED, span,
                f"entity `{entity}`: {check.message} (`{condition}` {why}" + (f": {read})" if read else ")"),
                HELP, [Note(check.span, "the check is declared here")])
    return passed


def _facts_read(expr: ir.Expr) -> list[str]:
    """The facts a condition reads, in the order it names them."""
    names: list[str] = []
    for sub in subexpressions(expr):
        if isinstance(sub, ir.FactRef) and sub.fact.name not in names:
            names.append(sub.fact.name)
    return names
