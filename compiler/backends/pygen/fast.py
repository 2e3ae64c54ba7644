"""The fast path, ``_fast(f, entity)``: the program's steps in integer fixed point, written to cost
little more than a hand-written scorer.

A fact is checked with inline comparisons (:mod:`.facts`); a rule's amount is an expression its
item's sum takes in; the compiler bounds every fixed-point value (``Num.low``/``Num.high``), and a
cap or floor that cannot bite, or a lookup band's end that no key lies beyond, is left out; an
amount made of constants, constant multiples and lookups is computed at the scale of the sum it
goes into, so that the sum needs no multiplication (a first run of the emitter finds those
scales, :meth:`FastEmitter.consumed`); and its result keeps the total and the fact values,
working out the value of every node again only when asked for (``_fast(kept values, _UNITS)``).
Any error while scoring makes the caller go the exact way, which reports it: the order of the
statements here decides no error message.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from assessc.core import ops
from assessc.ir.types import FactDecl, Kind
from assessc.runtime.decimals import CONTEXT

from .numbers import Num, Pool, decimals, fits, hull, units
from .facts import FastFacts, ceil_units, floor_units
from .scorer import RESULT, Emitter, ItemContext, applies_flags, place
from .text import Code, comment, literal, where

_ZERO_INTERVAL = (Fraction(0), Fraction(0))


class FastEmitter(FastFacts, Emitter):
    fast = True

    def __init__(self, program: ops.Program, facts: tuple[FactDecl, ...], pool: Pool,
                 targets: dict[str, int] | None = None):
        """``targets``: the scale at which each item's amount is added into its parent, from a
        first run (:meth:`consumed`). An amount made of constants, constant multiples and lookups
        is computed at that scale directly: the sum then needs no multiplication."""
        super().__init__(program, facts, pool)
        self.targets = targets or {}
        # A result keeps the fact values it scored and works out the other values again when they
        # are asked for, unless a ledger makes those values too big to keep: then it keeps every
        # node's value.
        self.lazy = not any(f.type.kind is Kind.LEDGER for f in facts)
        self.consumed_at: dict[str, int] = {}
        self.owned: set[str] = set()  # variables of lookups that only their term's amount reads
        #: child id -> how it counts in its parent
        self.child: dict[str, ops.Child] = {child.child: child for step in program.steps
                                             if isinstance(step, (ops.ItemStep, ops.TotalStep))
                                             for child in ops.children(step)}

    def consumed(self) -> dict[str, int]:
        """Item id -> the fixed-point scale of the sum its amount is added into (once
        :meth:`function` has run)."""
        return dict(self.consumed_at)

    def target(self, item: str) -> int | None:
        """The scale to compute a leaf item's amount at, when it is worth it (None: its own)."""
        step = self.program.by_id[item]
        child = self.child.get(item)
        if (any(isinstance(op, (ops.Scale, ops.Round)) or (isinstance(op, ops.Sum) and op.children) for op in step.ops)
                or (child is not None and child.weight is not None)):
            return None
        return self.targets.get(item)

    # ---- the function --------------------------------------------------------------------

    def function(self) -> Code:
        c = self.code
        c("def _fast(f, entity):")
        with c.indent():
            c('"""Score checked fast-path input in integer fixed point; raise if the input is not for it."""')
            if self.program.tracks_completion:
                c("cp = {}")
            if self.lazy:
                c("if entity is not _UNITS:")
                with c.indent():
                    self.fast_facts()
                    if not self.kept:
                        c("pass")
                if self.kept:
                    c("else:  # the fact values a result kept: every node's value is asked for")
                    with c.indent():
                        c(f"{', '.join(self.kept)}, = f")
            else:
                self.fast_facts()
            for item, flag, test in applies_flags(self.program, self.x.expr, lambda: self.fresh("a"), self.flag):
                c(f"{flag} = {test}  # {comment(item, 30)} applies if …", where(self.program.by_id[item].span))
            self.optional_check()
            self.steps()
            self.finish()
        return c

    def finish(self) -> None:
        c = self.code
        raw = self.raw_values()
        inactive = self.inactive_expr()
        comp = "cp" if self.program.tracks_completion else "_NO_COMPLETION"
        more = "_FAST" if inactive == "_NO_ITEMS" and comp == "_NO_COMPLETION" else f"(_SCALES, {inactive}, {comp})"
        if self.lazy:
            c("if entity is _UNITS:")
            with c.indent():
                c(f"return ({raw},)")
            c(f"r = _new({RESULT})  # the total now, every other value when asked for (Result.values)")
        else:
            c(f"r = _new({RESULT})")
        c("r.entity = entity")
        c("r.vetoed = vt")
        c("r._facts = f")
        if self.lazy:
            c(f"r._units = ({''.join(v + ', ' for v in self.kept)})")
        else:
            c(f"r._raw = ({raw},)")
            c("r._cache = None")
        c("r._total = total")
        c(f"r._more = {more}")
        c("return r")

    def inactive_expr(self) -> str:
        pairs = [(r.item, self.flag[r.item]) for r in self.program.reads if self.flag.get(r.item)]
        if not pairs:
            return "_NO_ITEMS"
        inner = ", ".join(f"({literal(i)}, {a})" for i, a in pairs)
        return f"frozenset(i for i, a in ({inner},) if not a)"

    def optional_check(self) -> None:
        """Facts read only by items that may not apply: given exactly where needed, else the checked path."""
        c = self.code
        for name, present in self.present.items():
            contexts = []
            always = False
            for reads in self.program.reads:
                if name in reads.applies:
                    if reads.parent is None or self.flag.get(reads.parent) is None:
                        always = True
                    else:
                        contexts.append(self.flag[reads.parent])
                if name in reads.own:
                    if self.flag.get(reads.item) is None:
                        always = True
                    else:
                        contexts.append(self.flag[reads.item])
            needed = "True" if always or not contexts else " or ".join(dict.fromkeys(contexts))
            c(f"if bool({needed}) != {present}: raise _Slow")

    # ---- steps ----------------------------------------------------------------------------

    def term(self, step: ops.TermStep) -> None:
        """A term's amount: an expression its item's sum takes in (the term counts in its item only,
        evaluated exactly once there, on values that no longer change); only a term whose condition
        guards statements gets a variable."""
        c, x = self.code, self.x
        var = self.fresh("t")
        c(f"# {comment(step.id, 40)}  {comment(step.text)}{place(step.span)}", where(step.span))
        flag = self.flag.get(step.item)
        block = Code()
        self.code = block
        raw = self.body(step.body, step.span, self.target(step.item))
        result = raw if step.sign > 0 else x.neg(raw)
        if step.round is not None:
            result = x.quantize(result, step.round.places, step.round.mode)
        self.code = c
        if step.condition is None:
            amount = result
        elif not block.lines:
            condition = x.expr(step.condition)

            def conditional(value: Num) -> Num:
                code = f"({value.code} if {condition} else {x.zero_like(value)})"

                def at(scale):  # the same condition, the amount at the larger scale
                    raised = x.raise_to(value, scale)
                    return None if raised is None else conditional(raised)

                return Num(code, value.scale, value.mag, None, None, None, None, None,
                           at if value.fixed else None).bounded(*hull((value.low, value.high), _ZERO_INTERVAL))

            amount = conditional(result)
        else:
            body, block = block, Code()
            block(f"if {x.expr(step.condition)}:", where(step.span))
            with block.indent():
                block.splice(body)
                block(f"{var} = {result.code}")
            block("else:")
            with block.indent():
                block(f"{var} = {x.zero_like(result)}")
            amount = result.named(var).bounded(*hull((result.low, result.high), _ZERO_INTERVAL))
        if block.lines:
            if flag:
                c(f"if {flag}:", where(step.span))
                c.depth += 1
            c.splice(block)
            if flag:
                c.depth -= 1
        self.amounts[step.id] = amount

    def item(self, step: ops.ItemStep) -> None:
        c = self.code
        var = self.fresh("v")
        c(f"# {comment(step.id, 40)}  {comment(step.title)}{place(step.span)}", where(step.span))
        flag = self.flag.get(step.id)
        block = Code()
        saved, self.code = self.code, block
        value, context = self.operations(step, var)
        var = context.var  # the variable of its lookup, for an item that is one lookup
        self.completion(step)
        self.code = saved
        if flag:
            c(f"if {flag}:", where(step.span))
            with c.indent():
                c.splice(block)
                if not block.lines:
                    c("pass")
            c("else:")
            with c.indent():
                c(f"{var} = {self.x.zero_like(value)}")
            value = value.bounded(*hull((value.low, value.high), _ZERO_INTERVAL))
        else:
            c.splice(block)
        self.value[step.id] = value.named(var)

    def veto(self, step: ops.VetoStep) -> None:
        c = self.code
        c(f"# {comment(step.id, 20)}  veto {comment(step.reason)}{place(step.span)}", where(step.span))
        if not self.vetoes_started:
            c("vt = []")
            self.vetoes_started = True
        c(f"if {self.x.expr(step.condition)}: vt.append({literal(step.reason)})", where(step.span))

    def total(self, step: ops.TotalStep) -> None:
        c = self.code
        c(f"# total  {comment(step.title)}{place(step.span)}", where(step.span))
        if not self.vetoes_started:
            c("vt = ()")
            self.vetoes_started = True
        value, _ = self.operations(step, "total")
        self.value["total"] = value

    # ---- operations over an item's (or the total's) running value ------------------------------

    def sum_op(self, op: ops.Sum, value: Num | None, context: ItemContext) -> Num:
        """The start, the terms' amounts and the children's, added to the value."""
        c, x = self.code, self.x
        step = context.step
        parts: list[Num] = [] if value is None else [value]
        if op.start is not None:
            parts.append(x.num(op.start))
        parts += [self.amounts[term] for term in op.terms]
        parts += [self.child_amount(child) for child in op.children]
        target = self.target(step.id) if isinstance(step, ops.ItemStep) else None
        if target is not None:
            raised = [x.raise_to(p, target) for p in parts]
            if all(r is not None for r in raised):
                parts = raised
        total = self.fold(parts)
        if total.fixed:
            for child in op.children:
                self.consumed_at[child.child] = total.scale
        var = context.var
        if (value is None and isinstance(step, ops.ItemStep) and total.code in self.owned
                and not any(isinstance(o, ops.ZeroIf) for o in step.ops)):
            context.var = total.code  # one lookup: its variable holds the item's value
        elif total.code != var:
            c(f"{var} = {total.code}", where(step.span))
        return total.named(context.var)

    def close_zeros(self, value: Num, context: ItemContext) -> Num:
        """The `zero if`s: 0 where one holds, else what followed them."""
        c, x = context.outer, self.x
        rest, self.code = self.code, c
        value = value.bounded(*hull((value.low, value.high), _ZERO_INTERVAL))
        conditions = " or ".join(x.expr(zero.condition) for zero in context.zeros)
        c(f"if {conditions}:", where(context.zeros[0].span))
        with c.indent():
            c(f"{context.var} = {x.zero_like(value)}")
        if rest.lines:
            c("else:")
            with c.indent():
                c.splice(rest)
        return value

    def scale(self, op: ops.Scale, value: Num, context: ItemContext) -> Num:
        scaled = self.x.mul(value, self.x.num(op.factor))
        self.code(f"{context.var} = {scaled.code}  # coefficient", where(op.span))
        return scaled.named(context.var)

    def round_op(self, op: ops.Round, value: Num, context: ItemContext) -> Num:
        rounded = self.x.quantize(value, op.places, op.mode)
        if rounded is value:
            return value
        if isinstance(context.step, ops.TotalStep):
            self.code(f"{context.var} = {rounded.code}  # rounding")
        else:
            self.code(f"{context.var} = {rounded.code}  # round each", where(context.step.span))
        return rounded.named(context.var)

    def clamp(self, op: ops.Clamp, value: Num, context: ItemContext) -> Num:
        """The floor, then the cap; a bound the value's bounds show cannot bite is left out."""
        c, x, var = self.code, self.x, context.var
        bounds = [b for b in (op.floor, op.cap) if b is not None]
        # (below, bound, note, span): `below` raises a value under the bound to it, else one over
        # it is lowered
        clamps = []
        if op.floor is not None:
            clamps.append((True, op.floor, "until zero", op.floor_span))
        if op.cap is not None:
            note = "max" if op.of_items else f"max {comment(str(op.cap))}"
            clamps.append((True, CONTEXT.minus(op.cap), note, op.cap_span) if op.deduction else (False, op.cap, note, op.cap_span))
        if value.fixed:
            clamps = [(below, bound, note, span) for below, bound, note, span in clamps
                      if not (value.low is not None and below and value.low >= Fraction(bound))
                      and not (value.high is not None and not below and value.high <= Fraction(bound))]
        if value.fixed and clamps:
            need = max(decimals(bound) for _, bound, _, _ in clamps)
            if need > value.scale:
                c(f"{var} = {var} * {10 ** (need - value.scale)}")
                value = value.named(var, need)
        low, high = value.low, value.high
        for below, bound, note, span in clamps:
            limit = x.constant(bound)
            same = x.align(limit, value.scale) if value.fixed else x.dec(limit)
            c(f"if {x.compare('<' if below else '>', value, limit)}: {var} = {same}  # {note}",
              where(span or context.step.span))
            edge = Fraction(bound)
            if below:
                low, high = (edge if low is None else max(low, edge)), (None if high is None else max(high, edge))
            else:
                low, high = (None if low is None else min(low, edge)), (edge if high is None else min(high, edge))
        mag = value.mag
        limits = [abs(Fraction(b)) for b in bounds]
        if op.floor is not None and op.cap is not None and not op.deduction:
            mag = max(limits)
        elif mag is not None and limits:
            mag = max([mag] + limits)
        return Num(var, value.scale, mag).bounded(low, high)

    def veto_total(self, op: ops.Veto, value: Num, context: ItemContext) -> Num:
        self.code(f"if vt: {context.var} = {self.x.zero_like(value)}  # vetoed")
        self.code("vt = tuple(vt)")
        return value.bounded(*hull((value.low, value.high), _ZERO_INTERVAL))

    def child_amount(self, child: ops.Child) -> Num:
        """How a child counts in its parent (the interpreter's `_child`)."""
        value = self.value[child.child]
        if child.weight is None:
            return value
        c, x = self.code, self.x
        flag = self.flag.get(child.child)
        block = Code()
        saved, self.code = self.code, block
        weight = self.weight_of(child)
        on_hundred = x.div(x.mul(value, x.constant(Decimal(100))), x.constant(child.max))
        amount = x.mul(weight, on_hundred)
        if child.round is not None:
            amount = x.quantize(amount, child.round.places, child.round.mode)
        target = self.targets.get(child.child)
        if target is not None:
            amount = x.raise_to(amount, target) or amount
        self.code = saved
        var = self.fresh("c")
        c(f"# {comment(child.child, 40)} weighted in its parent", where(child.span))
        if flag:
            c(f"if {flag}:")
            with c.indent():
                c.splice(block)
                c(f"{var} = {amount.code}")
            c("else:")
            with c.indent():
                c(f"{var} = {x.zero_like(amount)}")
            return amount.named(var).bounded(*hull((amount.low, amount.high), _ZERO_INTERVAL))
        c.splice(block)
        c(f"{var} = {amount.code}")
        return amount.named(var)

    # ---- term bodies: the amount (unsigned), at ``scale`` where that takes no more operations ----

    def amount(self, body: ops.Body, span) -> Num:
        return self.body(body, span)

    def value_body(self, body: ops.Value, span, scale: int | None = None) -> Num:
        value = self.x.num(body.expr)
        return (self.x.raise_to(value, scale) or value) if scale is not None else value

    def per(self, body: ops.Per, span, scale: int | None = None) -> Num:
        value = self.x.mul(self.x.num(body.amount), self.x.num(body.count))
        return (self.x.raise_to(value, scale) or value) if scale is not None else value

    def steps_body(self, body: ops.Steps, span, scale: int | None = None) -> Num:
        c, x = self.code, self.x
        amount, step = self.temp(x.num(body.amount)), self.temp(x.num(body.step))
        threshold, value = self.temp(x.num(body.threshold)), self.temp(x.num(body.value))
        gap = self.temp(x.add(threshold, value, "-") if body.below else x.add(value, threshold, "-"))
        if gap.low is not None and gap.high is not None:  # steps count only where the gap is positive
            gap = gap.bounded(max(gap.low, Fraction(0)), max(gap.high, Fraction(0)))
        if body.partial == "whole":
            steps = x.floor_ceil(gap, step, ceil=False)
        elif body.partial == "started":
            steps = x.floor_ceil(gap, step, ceil=True)
        else:
            steps = x.div(gap, step)
        result = self.fresh("w")
        raw = x.mul(steps, amount)
        if scale is not None:
            raw = x.raise_to(raw, scale) or raw
        c(f"if {gap.code} <= 0:")
        with c.indent():
            c(f"{result} = {x.zero_like(raw)}")
        c("else:")
        with c.indent():
            c(f"{result} = {raw.code}")
        return raw.named(result).bounded(*hull((raw.low, raw.high), _ZERO_INTERVAL))

    def lookup(self, body: ops.Lookup, span, at: int | None = None) -> Num:
        c, x = self.code, self.x
        key = x.expr(body.key)
        table = body.table
        result = self.fresh("w")
        values = [row.value for row in table.rows] + [table.default if table.default is not None else Decimal(0)]
        scale = max((decimals(v) for v in values), default=0)
        mag = max((abs(Fraction(v)) for v in values), default=Fraction(0))
        if at is not None and at > scale and fits(mag, at):
            scale = at
        keycode = key.code if isinstance(key, Num) else key
        if keycode.isidentifier():
            keyvar = keycode
        else:
            keyvar = self.fresh("w")
            c(f"{keyvar} = {keycode}")
        # the keys still possible at each row, in units, when the key is a fixed-point number with
        # known bounds: a band's end that no such key lies beyond is not tested, a band that none
        # lies in is left out, and one that holds them all ends the tests
        left = None
        if isinstance(key, Num) and key.fixed and key.low is not None and key.high is not None:
            left = [(ceil_units(key.low, key.scale), floor_units(key.high, key.scale))]
        first, last = True, False
        for row in table.rows:
            amount = units(row.value, scale)
            if row.member is not None or left is None:
                test = (f"{keyvar} == {literal(row.member)}" if row.member is not None
                        else x._band_test(keyvar, key, row))
            else:
                low, high = ceil_units(row.low, key.scale), floor_units(row.high, key.scale)
                inside = [(max(a, low), min(b, high)) for a, b in left if max(a, low) <= min(b, high)]
                if not inside:
                    continue
                lowest, highest = left[0][0], left[-1][1]
                tests = [f"{keyvar} >= {low}"] if lowest < low else []
                tests += [f"{keyvar} <= {high}"] if highest > high else []
                left = [part for a, b in left for part in ((a, min(b, low - 1)), (max(a, high + 1), b))
                        if part[0] <= part[1]]
                if not tests:
                    c(f"else: {result} = {amount}" if not first else f"{result} = {amount}")
                    last = True
                    break
                test = tests[0] if len(tests) == 1 else f"{low} <= {keyvar} <= {high}"
            c(f"{'if' if first else 'elif'} {test}: {result} = {amount}")
            first = False
        if not last:  # a key no row matches: the `else` value, or the exact path's error
            otherwise = f"{result} = {units(table.default, scale)}" if table.default is not None else "raise _Slow"
            c(otherwise if first else f"else: {otherwise}")
        self.owned.add(result)
        return Num(result, scale, mag, None, min(map(Fraction, values)), max(map(Fraction, values)))

    def highest_per(self, body: ops.HighestPer, span, scale: int | None = None) -> Num:
        helper, units_scale, mag = self.x.ledger_helper(body)
        keep = "None"
        if body.where is not None:
            variable, condition = self.x.filter(body.ledger, body.where)
            keep = f"lambda {variable}: {condition}"
        return Num(f"{helper}({self.facts[body.ledger.name]}, {keep})", units_scale, mag)

    STEPS = {ops.TermStep: term, ops.ItemStep: item, ops.VetoStep: veto, ops.TotalStep: total}
    OPS = {ops.Sum: sum_op, ops.ZeroIf: Emitter.zero_if, ops.Scale: scale, ops.Round: round_op, ops.Clamp: clamp,
           ops.Veto: veto_total}
    BODIES = {ops.Value: value_body, ops.Per: per, ops.Steps: steps_body, ops.Lookup: lookup,
              ops.HighestPer: highest_per}
