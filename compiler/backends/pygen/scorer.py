"""Emit the scoring functions of a generated module from the policy's operations
(:mod:`assessc.core.ops`, lowered once by :mod:`assessc.core.lower`), one block per step in graph
order.

``_fast(f, entity)`` (:mod:`.fast`) reads the caller's facts, checks and converts them to integer
fixed point, and scores without building explanations; anything it does not take (a value it
cannot check quickly, more decimals than its scale, an error while scoring) makes it raise, and
the caller goes the checked exact way. ``_exact(v, L, entity)`` (:mod:`.exact`) scores validated
typed values with the interpreter's decimal arithmetic, and fills ``L`` with the interpreter's
explanation lines when ``L`` is a dict. Both run the program's steps and operations in the order
the interpreter (:mod:`assessc.backends.interp`) runs them.

Each path is an :class:`Emitter` with three tables, as the interpreter is: step class → the
method writing a step, operation class → the method writing an item's (or the total's)
operation over its running value, term body class → the method writing a body's amount. Adding
an operation is one method per path. This module holds what both paths share: which items
apply, completion, sums, and the descriptions explanation words are made from.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from assessc.core import ops
from assessc.ir.types import FactDecl

from ..describe import Described
from .exprs import Exprs
from .numbers import CompileError, Num, Pool, fits
from .text import Code, comment, literal, where

RESULT = "Result"


def place(span) -> str:
    """`  (file:line)` for a comment naming where a rule is written."""
    if span is None:
        return ""
    name = span.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"  ({comment(name, 60)}:{span.line})"


def conditional_items(program: ops.Program) -> list[str]:
    """The items that may not apply (an `applies if` of their own or above them), outermost first."""
    return list(dict.fromkeys(i for applies in program.applies for i in (applies.item, *applies.under)))


def applies_flags(program: ops.Program, condition_code, fresh, flag: dict) -> list[tuple[str, str, str]]:
    """(item, flag, test) for every `applies if`, outermost first: the flag (a variable named by
    ``fresh()``) holds where the item applies, its test reads the condition (``condition_code``)
    and the flag of the `applies if` above it. ``flag`` gets every item's flag: that of the
    innermost `applies if` at or above it."""
    out = []
    for applies in program.applies:
        parent_flag = flag.get(applies.item)  # its parent's: set by an `applies if` above it
        name = fresh()
        cond = condition_code(applies.condition)
        test = f"{parent_flag} and bool({cond})" if parent_flag else f"bool({cond})"
        out.append((applies.item, name, test))
        flag[applies.item] = name
        for item in applies.under:
            flag[item] = name
    return out


class ItemContext:
    """The item (or the total) whose operations are being written: its step, the variable holding
    its running value, and what closes after its last operation (the ``else`` of a ``zero if``)."""

    __slots__ = ("step", "var", "zeros", "outer")

    def __init__(self, step, var: str):
        self.step = step
        self.var = var
        self.zeros: list[ops.ZeroIf] = []  # the `zero if`s, written around what follows them
        self.outer: Code | None = None  # the code the `zero if`s are written into, when there are some


class Emitter:
    """The code of one scoring function (fast or exact) from a :class:`~assessc.core.ops.Program`."""

    fast: bool
    STEPS: dict  # step class -> method(self, step)
    OPS: dict  # operation class -> method(self, op, value, context) -> the new value
    BODIES: dict  # term body class -> method(self, body, ...) (each path says what it returns)

    def __init__(self, program: ops.Program, facts: tuple[FactDecl, ...], pool: Pool):
        self.program = program
        self.fact_decls = facts
        self.pool = pool
        self.code = Code()
        self.count = 0
        self.facts: dict[str, object] = {}
        self.x = Exprs(pool, self.fast, self.facts)
        self.value: dict[str, Num] = {}  # item id -> its value
        self.flag: dict[str, str | None] = {}  # item id -> its applicability flag (None: always applies)
        self.amounts: dict[str, Num] = {}  # term id -> its signed amount (fast: an expression its item takes in)
        self.vetoes_started = False
        self.items = [step.id for step in program.steps if isinstance(step, ops.ItemStep)]

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # ---- steps and operations, through the path's tables ---------------------------------------

    def steps(self) -> None:
        c = self.code
        for step in self.program.steps:
            c.at = where(step.span)
            self.STEPS[step.__class__](self, step)
        c.at = None

    def operations(self, step, var: str) -> tuple[Num, ItemContext]:
        """The step's operations over its value, written in order; returns the value."""
        context = ItemContext(step, var)
        value = None
        for op in step.ops:
            value = self.OPS[op.__class__](self, op, value, context)
        if context.zeros:
            value = self.close_zeros(value, context)
        return value, context

    def zero_if(self, op: ops.ZeroIf, value: Num, context: ItemContext) -> Num:
        """A `zero if`: what follows is written apart, and goes under the test's ``else``
        (:meth:`close_zeros`); `zero if`s in a row are tested together."""
        if not context.zeros:
            context.outer, self.code = self.code, Code()
        elif self.code.lines:  # pragma: no cover - the lowering writes an item's `zero if`s together
            raise CompileError("a `zero if` after another operation of its item", op.span)
        context.zeros.append(op)
        return value

    def close_zeros(self, value: Num, context: ItemContext) -> Num:
        """Write the item's `zero if`s around what followed them (:meth:`zero_if`); the value."""
        raise NotImplementedError

    def body(self, body: ops.Body, span, *args):
        handler = self.BODIES.get(body.__class__)
        if handler is None:
            raise CompileError(f"the Python backend cannot generate the rule form {type(body).__name__}", span)
        return handler(self, body, span, *args)

    # ---- applicability and completion ------------------------------------------------------

    def completion(self, step: ops.ItemStep) -> None:
        """Whether the item's requirements are met (the interpreter's `_completion`)."""
        complete = step.completion
        if complete is None:
            return
        c, x = self.code, self.x
        c("ms = []")
        for requirement in complete.requires:
            if requirement.evidence is not None:
                fact = requirement.evidence
                pairs = self.pool.const(tuple((m.name, m.label or m.name) for m in fact.type.members), "labels")
                c(f"ms += [label for name, label in {pairs} if name not in {self.facts[fact.name]}]",
                  where(requirement.span))
            else:
                c(f"if not {x.expr(requirement.condition)}: ms.append({literal(requirement.text)})",
                  where(requirement.span))
        if complete.children:
            inner = ", ".join(f"cp.get({literal(k)})" for k in complete.children)
            c(f"st = [s[0] for s in ({inner},) if s is not None]")
        else:
            c("st = []")
        if complete.requires:
            c(f"cp[{literal(step.id)}] = (not ms and all(st), tuple(ms))")
        else:
            c(f"if st: cp[{literal(step.id)}] = (not ms and all(st), tuple(ms))")

    # ---- shared pieces ---------------------------------------------------------------------

    def described(self, described: Described) -> tuple[str, str]:
        """A description's tree (a module constant) and its leaves' values (a reader of thunks that
        evaluate them with this function's code): the arguments of wording's functions."""
        tree = self.pool.const(described.tree, "words")
        thunks = []
        for leaf in described.leaves:
            value = self.x.expr(leaf)
            thunks.append(f"lambda: {value.code if isinstance(value, Num) else value}")
        inner = ", ".join(thunks)
        return tree, f"_leaves(({inner},))" if thunks else "_leaves(())"

    def temp(self, num: Num) -> Num:
        """``num`` evaluated once into a local variable."""
        if num.value is not None or num.code.isidentifier():
            return num
        var = self.fresh("w")
        self.code(f"{var} = {num.code}")
        return num.named(var)

    def weight_of(self, child: ops.Child) -> Num:
        """A child's weight: a lookup as a value (it must find a row), else its body's amount."""
        if child.max is None:
            raise CompileError(f"item `{child.child}` has a weight but no max", child.span)
        if isinstance(child.weight, ops.Lookup):
            return self.temp(self.x.lookup_value(child.weight.table, child.weight.key, child.span))
        return self.temp(self.amount(child.weight, child.span))

    def amount(self, body: ops.Body, span) -> Num:
        """Statements computing a body's amount; the amount."""
        raise NotImplementedError

    def fold(self, parts: list[Num]) -> Num:
        """Σ parts in the interpreter's order (sum from 0, left to right)."""
        x = self.x
        if not parts:
            return x.constant(Decimal(0)) if self.fast else Num("_ZERO", None, Fraction(0))
        if not self.fast:
            return Num(f"_sum(({', '.join(p.code for p in parts)},))", None)
        first_dec = next((i for i, p in enumerate(parts) if not p.fixed), len(parts))
        prefix, rest = parts[:first_dec], parts[first_dec:]
        total = None
        if prefix:
            scale = max(p.scale for p in prefix)
            mag = sum((p.mag for p in prefix), Fraction(0)) if all(p.mag is not None for p in prefix) else None
            if fits(mag, scale):
                low = high = None
                if all(p.low is not None and p.high is not None for p in prefix):
                    low, high = sum(p.low for p in prefix), sum(p.high for p in prefix)
                if len(prefix) == 1:
                    code = x.align(prefix[0], scale)
                elif len(prefix) <= 50:
                    code = x.align(prefix[0], scale)
                    for p in prefix[1:]:  # integers add up in any order: a negated amount is subtracted
                        if p.negated is not None and p.negated.fixed and p.negated.scale == p.scale:
                            code += f" - {x.align(p.negated, scale)}"
                        else:
                            code += f" + {x.align(p, scale)}"
                    code = f"({code})"
                else:  # a flat call: a long `+` chain nests too deep for Python's compiler
                    code = "sum((" + ", ".join(x.align(p, scale) for p in prefix) + ",))"
                total = Num(code, scale, mag, None, low, high)
            else:
                rest = parts
        if not rest:
            return total
        decs = ([x.dec(total)] if total is not None else []) + [x.dec(p) for p in rest]
        mags = [p.mag for p in parts]
        mag = None if any(m is None for m in mags) else sum(mags, Fraction(0))
        return Num(f"_sum(({', '.join(decs)},))", None, mag)

    def raw_values(self) -> str:
        """Every item's value in graph order, then the total: what a result keeps."""
        return ", ".join(self.value[i].code for i in self.items) + (", " if self.items else "") + "total"
