"""Compile IR expressions to Python expressions, in one of two arithmetics.

*Exact* (the reference): every number is a ``Decimal`` and every operation
is the interpreter's, in the same contexts (:mod:`assessc.runtime.decimals`:
exact ``+ - ×``, quotients to 60 digits) and the same order, so the values
are the interpreter's to the last digit.

*Fast*: a number is an ``int`` counting units of 10**-scale (integer fixed
point), the scale worked out statically from the constants and the facts'
input scales. Integers are exact, and so is the interpreter's ``+ - ×``, so
both agree; the generator also tracks a bound on every value's magnitude and
keeps the units below ``LIMIT`` (50 digits), for speed. An operation that
integers cannot do exactly — a division whose divisor is not a constant with
a terminating reciprocal, or one whose bound is too large — is done on
``Decimal`` values with the interpreter's contexts, and the value stays a
``Decimal`` until rounding brings it back to fixed point. Additions of a
``Decimal`` and further values keep the interpreter's order.

Expressions are compiled to single Python expressions that evaluate lazily
exactly where the interpreter does (``and``/``or``, conditions), so an
expression that would fail is never evaluated where the interpreter would not
evaluate it. Lookups and ledger sums inside expressions become small module
functions.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from fractions import Fraction

from assessc.core import ops
from assessc.core.lower import body as lower_body
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType, Kind
from assessc.runtime.decimals import CONTEXT, divide, quantize

from .numbers import (INPUT_SCALE, MAX_ENTRIES, CompileError, Num, Pool, decimals, fact_interval, fact_scale, fits,
                      fold_constants, known, mul_mag, sum_mag, terminating_reciprocal, units)
from .text import Code, comment, literal, where

T = ExprType


class Exprs:
    """The expression compiler of one scoring function (fast or exact)."""

    def __init__(self, pool: Pool, fast: bool, facts: dict[str, object]):
        self.pool = pool
        self.fast = fast
        self.facts = facts  # fact name -> Num (numbers) or variable name
        self.entry: tuple[str, ir.FactDecl] | None = None  # (entry variable, ledger) inside `where (…)`
        self.fields: dict[str, Num | str] = {}
        self._entries = 0
        #: `place()`, `last_place()` and the score reads (`total`, `score:ITEM`, `grade`, …) -> the
        #: code holding them (outcome conditions only)
        self.places: dict[str, str] | None = None

    # ---- numbers -------------------------------------------------------------------

    def constant(self, value: Decimal) -> Num:
        if self.fast and decimals(value) <= 30:
            scale = decimals(value)
            exact = Fraction(value)
            return Num(repr(units(value, scale)), scale, abs(exact), value, exact, exact)
        return Num(self.pool.const(value), None, abs(Fraction(value)), value)

    def zero_like(self, num: Num) -> str:
        return "0" if num.fixed else "_ZERO"

    def dec(self, num: Num) -> str:
        if not num.fixed:
            return num.code
        if num.value is not None:
            return self.pool.const(num.value)
        if num.scale == 0:
            return f"Decimal({num.code})"
        return f"_dec({num.code}, {num.scale})"

    def raise_to(self, num: Num, scale: int) -> Num | None:
        """``num`` at the larger ``scale`` with no more operations (its constants written at that
        scale), or None when that would take a multiplication or leave the safe range."""
        if not num.fixed or scale < num.scale:
            return None
        if scale == num.scale:
            return num
        if not fits(num.mag, scale):
            return None
        shift = scale - num.scale
        if num.value is not None:
            exact = Fraction(num.value)
            return Num(repr(units(num.value, scale)), scale, num.mag, num.value, exact, exact)
        if num.prod is not None:
            k, inner = num.prod
            return self.product(k * 10**shift, inner, scale, num.mag, num.low, num.high)
        if num.negated is not None:
            inner = self.raise_to(num.negated, num.negated.scale + shift)
            return None if inner is None else self.neg(inner)
        if num.at is not None:
            return num.at(scale)
        return None

    @staticmethod
    def product(k: int, inner: Num, scale: int, mag, low, high) -> Num:
        """The int ``k`` times ``inner``, at ``scale``."""
        code = inner.code if k == 1 else f"({k} * {inner.code})"
        return Num(code, scale, mag, None, low, high, None, (k, inner))

    @staticmethod
    def align(num: Num, scale: int) -> str:
        assert num.fixed and scale >= num.scale
        if num.value is not None:
            return repr(units(num.value, scale))
        if scale == num.scale:
            return num.code
        if num.prod is not None:  # k × inner: the factor takes the shift
            k, inner = num.prod
            return f"({k * 10 ** (scale - num.scale)} * {inner.code})"
        return f"{num.code} * {10 ** (scale - num.scale)}"

    def add(self, a: Num, b: Num, op: str = "+") -> Num:
        if a.value is not None and b.value is not None:
            folded = fold_constants(CONTEXT.add if op == "+" else CONTEXT.subtract, a.value, b.value)
            if folded is not None:
                return self.constant(folded)
        mag = sum_mag(a.mag, b.mag)
        if a.fixed and b.fixed:
            scale = max(a.scale, b.scale)
            if fits(mag, scale):
                low = high = None
                if known(a, b):
                    low, high = (a.low + b.low, a.high + b.high) if op == "+" else (a.low - b.high, a.high - b.low)
                first, second, sign = a, b, op
                if b.negated is not None and b.negated.fixed and b.negated.scale == b.scale:
                    second, sign = b.negated, "-" if op == "+" else "+"  # a + (-x) as a - x: one operation fewer

                def at(new_scale, a=a, b=b, op=op):
                    left, right = self.raise_to(a, new_scale), self.raise_to(b, new_scale)
                    return None if left is None or right is None else self.add(left, right, op)

                return Num(f"({self.align(first, scale)} {sign} {self.align(second, scale)})", scale, mag, None,
                           low, high, None, None, at)
        func = "add" if op == "+" else "subtract"
        return Num(f"_C.{func}({self.dec(a)}, {self.dec(b)})", None, mag)

    def mul(self, a: Num, b: Num) -> Num:
        if a.value is not None and b.value is not None:
            folded = fold_constants(CONTEXT.multiply, a.value, b.value)
            if folded is not None:
                return self.constant(folded)
        if self.fast and b.value == 1 and b.fixed:
            return a
        if self.fast and a.value == 1 and a.fixed:
            return b
        mag = mul_mag(a.mag, b.mag)
        if a.fixed and b.fixed and fits(mag, a.scale + b.scale):
            low = high = None
            if known(a, b):
                ends = [a.low * b.low, a.low * b.high, a.high * b.low, a.high * b.high]
                low, high = min(ends), max(ends)
            if b.value is not None and a.value is None:
                a, b = b, a
            if a.value is not None:  # a constant factor: one int, folded with any other constant factor
                k, inner = int(a.code), b
                if b.prod is not None:
                    k, inner = k * b.prod[0], b.prod[1]
                return self.product(k, inner, a.scale + b.scale, mag, low, high)
            return Num(f"({self.align(a, a.scale)} * {self.align(b, b.scale)})", a.scale + b.scale, mag, None,
                       low, high)
        return Num(f"_C.multiply({self.dec(a)}, {self.dec(b)})", None, mag)

    def div(self, a: Num, b: Num) -> Num:
        if a.value is not None and b.value is not None and b.value != 0:
            return self.constant(divide(a.value, b.value))
        if b.value is not None and b.value != 0:
            mag = None if a.mag is None else a.mag / abs(Fraction(b.value))
            recip = terminating_reciprocal(b.value)
            if a.fixed and recip is not None:
                factor, extra = recip
                scale = a.scale + extra
                if fits(mag, scale) and fits(a.mag * abs(factor) if a.mag is not None else None, scale):
                    low = high = None
                    if known(a):
                        ends = [a.low / Fraction(b.value), a.high / Fraction(b.value)]
                        low, high = min(ends), max(ends)
                    if a.value is None:
                        k, inner = factor, a
                        if a.prod is not None:
                            k, inner = factor * a.prod[0], a.prod[1]
                        return self.product(k, inner, scale, mag, low, high)
                    code = a.code if factor == 1 else f"({a.code} * {factor})"
                    return Num(code, scale, mag, None, low, high)
            return Num(f"_Q.divide({self.dec(a)}, {self.dec(b)})", None, mag)
        return Num(f"_Q.divide({self.dec(a)}, {self.dec(b)})", None, None)

    def neg(self, a: Num) -> Num:
        if a.value is not None:
            return self.constant(CONTEXT.minus(a.value))
        if a.fixed:
            low = None if a.high is None else -a.high
            high = None if a.low is None else -a.low
            return Num(f"(-{a.code})", a.scale, a.mag, None, low, high, a)
        return Num(f"_C.minus({a.code})", None, a.mag)

    def compare(self, op: str, a: Num, b: Num) -> str:
        if a.fixed and b.fixed:
            scale = max(a.scale, b.scale)
            return f"({self.align(a, scale)} {op} {self.align(b, scale)})"
        return f"({self.dec(a)} {op} {self.dec(b)})"

    def extreme(self, func: str, args: list[Num]) -> Num:
        mags = [a.mag for a in args]
        mag = None if any(m is None for m in mags) else max(mags)
        if all(a.fixed for a in args):
            scale = max(a.scale for a in args)
            if fits(mag, scale):
                low = high = None
                if known(*args):
                    pick = min if func == "min" else max
                    low, high = pick(a.low for a in args), pick(a.high for a in args)
                return Num(f"{func}({', '.join(self.align(a, scale) for a in args)})", scale, mag, None, low, high)
        return Num(f"{func}({', '.join(self.dec(a) for a in args)})", None, mag)

    def quantize(self, a: Num, places: int, mode: str) -> Num:
        """``a`` rounded to ``places`` decimals with ``mode`` (the interpreter's `_round`). A rounding
        to tens (``places`` -1), hundreds, … gives a whole number (scale 0) of those units."""
        step = Fraction(10) ** -places
        scale = max(places, 0)
        mag = None if a.mag is None else a.mag + step
        if a.value is not None:
            return self.constant(quantize(a.value, places, mode))
        if a.fixed:
            if a.scale <= places:
                return a
            low = None if a.low is None else a.low - step
            high = None if a.high is None else a.high + step
            code = f"round_{mode}({a.code}, {10 ** (a.scale - places)})"
            if places < 0:
                code = f"({code} * {10 ** -places})"
            return Num(code, scale, mag, None, low, high)
        if self.fast and fits(mag, scale):
            return Num(f"_dq({a.code}, {places}, {mode!r})", scale, mag)
        return Num(f"_quantize({a.code}, {places}, {mode!r})", None, mag)

    def to_fixed_integral(self, a: Num) -> Num:
        """A Decimal known to be integral (floor/ceil division) as an int, when its bound allows."""
        if self.fast and not a.fixed and fits(a.mag, 0):
            return Num(f"int({a.code})", 0, a.mag)
        return a

    def floor_ceil(self, a: Num, b: Num, ceil: bool) -> Num:
        """⌊a / b⌋ or ⌈a / b⌉ as the interpreter's floor_div/ceil_div compute them."""
        bmin = None
        if b.value is not None:
            bmin = abs(Fraction(b.value)) if b.value != 0 else None
        elif b.fixed:
            bmin = Fraction(1, 10**b.scale)
        mag = None if a.mag is None or bmin is None else a.mag / bmin + 1
        if a.fixed and b.fixed:
            num = f"{self.align(a, a.scale)} * {10 ** b.scale}" if b.scale else self.align(a, a.scale)
            den = f"{self.align(b, b.scale)} * {10 ** a.scale}" if a.scale else self.align(b, b.scale)
            if fits(a.mag, a.scale + b.scale) and fits(mag, 0):
                low = high = None
                if known(a) and b.value is not None and b.value > 0:
                    rounding = (lambda q: -((-q.numerator) // q.denominator)) if ceil else math.floor
                    low, high = (Fraction(rounding(a.low / Fraction(b.value))),
                                 Fraction(rounding(a.high / Fraction(b.value))))
                if ceil:
                    return Num(f"(-(-({num}) // ({den})))", 0, mag, None, low, high)
                return Num(f"(({num}) // ({den}))", 0, mag, None, low, high)
        func = "_ceil_div" if ceil else "_floor_div"
        return self.to_fixed_integral(Num(f"{func}({self.dec(a)}, {self.dec(b)})", None, mag))

    def of_int(self, code: str, mag) -> Num:
        """A Python int expression (a count) as a number."""
        if self.fast:
            if mag is None:
                return Num(code, 0, None)
            return Num(code, 0, Fraction(mag), None, Fraction(0), Fraction(mag))
        return Num(f"Decimal({code})", None, None)

    # ---- expressions -----------------------------------------------------------------

    def num(self, expr: ir.Expr) -> Num:
        out = self.expr(expr)
        assert isinstance(out, Num), expr
        return out

    def expr(self, expr: ir.Expr):
        """A Num for a number, else a Python expression (bool, str, date)."""
        method = getattr(self, "_" + type(expr).__name__, None)
        if method is None:
            raise CompileError(f"the Python backend cannot generate the expression form {type(expr).__name__}",
                               getattr(expr, "span", None))
        return method(expr)

    def _Invalid(self, expr: ir.Invalid):
        raise CompileError("the policy holds an expression whose error was reported; it cannot be compiled", expr.span)

    def _Const(self, expr: ir.Const):
        value = expr.value
        if expr.type is T.NUMBER:
            return self.constant(value)
        if expr.type is T.DATE:
            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
            return self.pool.const(day, "day")
        if expr.type is T.BOOL:
            return "True" if value else "False"
        return literal(value)

    def _FactRef(self, expr: ir.FactRef):
        return self.facts[expr.fact.name]

    def _FieldRef(self, expr: ir.FieldRef):
        if self.entry is None or expr.fact.name not in self.fields:
            raise CompileError(f"field `{expr.fact.name}` is read outside a ledger filter", expr.span)
        return self.fields[expr.fact.name]

    def _MissingCount(self, expr: ir.MissingCount):
        names = expr.fact.type.member_names
        present = self.facts[expr.fact.name]
        if self.fast:
            return Num(f"({len(names)} - len({present}))", 0, Fraction(len(names)), None, Fraction(0),
                       Fraction(len(names)))
        return Num(f"Decimal({len(names)} - len({present}))", None, None)

    def _EntryCount(self, expr: ir.EntryCount):
        entries = self.facts[expr.fact.name]
        bound = len(expr.fact.type.members) if expr.fact.type.kind is Kind.EVIDENCE else MAX_ENTRIES
        if expr.where is None:
            return self.of_int(f"len({entries})", bound)
        variable, keep = self.filter(expr.fact, expr.where)
        return self.of_int(f"sum(1 for {variable} in {entries} if {keep})", bound)

    def filter(self, ledger: ir.FactDecl, condition: ir.Expr) -> tuple[str, str]:
        """The entry variable and the Python condition of ``where (condition)`` over ``ledger``'s entries."""
        if self.entry is not None:
            raise CompileError("a ledger filter (`where`) inside another ledger filter", condition.span)
        self._entries += 1
        variable = f"e{self._entries}"
        self.entry = (variable, ledger)
        self.fields = {f.name: self.field_value(variable, f) for f in ledger.type.fields}
        try:
            return variable, self.expr(condition)
        finally:
            self.entry, self.fields = None, {}

    def field_value(self, variable: str, field: ir.FactDecl):
        code = f"{variable}[{literal(field.name)}]"
        kind = field.type.kind
        if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
            if not self.fast:
                return Num(code, None, None)
            scale, mag = fact_scale(field)
            low, high = fact_interval(field)
            return Num(code, scale, mag, None, low, high)
        return code

    def _LedgerValue(self, expr: ir.LedgerValue):
        body = lower_body(expr.body)  # the ledger sum as the operation a term computes
        helper, scale, mag = self.ledger_helper(body)
        keep = "None"
        if body.where is not None:
            variable, condition = self.filter(body.ledger, body.where)
            keep = f"lambda {variable}: {condition}"
        call = f"{helper}({self.facts[body.ledger.name]}, {keep})"
        if self.fast:
            return Num(call, scale, mag)
        return Num(call, None, None)

    def _Unary(self, expr: ir.Unary):
        if expr.op == "not":
            return f"(not {self.expr(expr.operand)})"
        return self.neg(self.num(expr.operand))

    def _Binary(self, expr: ir.Binary):
        op = expr.op
        if op in ("and", "or"):
            return f"({self.expr(expr.left)} {op} {self.expr(expr.right)})"
        if op in ("+", "-"):
            return self.add(self.num(expr.left), self.num(expr.right), op)
        if op == "*":
            return self.mul(self.num(expr.left), self.num(expr.right))
        if op == "/":
            return self.div(self.num(expr.left), self.num(expr.right))
        left, right = self.expr(expr.left), self.expr(expr.right)
        if isinstance(left, Num) and isinstance(right, Num):
            return self.compare(op, left, right)
        if isinstance(left, Num) or isinstance(right, Num):
            raise CompileError("a comparison of a number with a value that is not a number", expr.span)
        return f"({left} {op} {right})"

    def _InSet(self, expr: ir.InSet):
        members = self.pool.const(frozenset(expr.members), "set")
        return f"({self.expr(expr.value)} in {members})"

    def _Call(self, expr: ir.Call):
        if expr.func in ("place", "last_place") and self.places is not None:
            return Num(self.places[expr.func], None, None)
        if expr.func in ("total", "score", "grade") and self.places is not None:  # outcome conditions
            from assessc.ir.grades import key_of, read_of

            held = self.places[key_of(*read_of(expr))]
            return held if expr.func == "grade" else Num(held, None, None)
        if expr.func in ("min", "max"):
            return self.extreme(expr.func, [self.num(a) for a in expr.args])
        if expr.func == "workdays":
            self.pool.calendar = expr.calendar
            a, b = (self.expr(arg) for arg in expr.args)
            if self.fast:  # at most one working day per day of the covered years
                years = expr.calendar.years()
                return Num(f"_workdays({a}, {b})", 0, Fraction(366 * (years[-1] - years[0] + 1)))
            return Num(f"_workdays_dec({a}, {b})", None, None)
        raise CompileError(f"the Python backend cannot generate the function `{expr.func}()`", expr.span)

    def _LookupValue(self, expr: ir.LookupValue):
        return self.lookup_value(expr.table, expr.key, expr.span)

    def lookup_value(self, table: ir.Table, key_expr: ir.Expr, span) -> Num:
        """``lookup KEY TABLE`` as a value: it must find a row (an error otherwise, never 0)."""
        key = self.expr(key_expr)
        helper = self.pool.fresh("lv")
        values = [row.value for row in table.rows] + ([table.default] if table.default is not None else [])
        scale = max((decimals(v) for v in values), default=0)
        mag = max((abs(Fraction(v)) for v in values), default=Fraction(0))
        allowed = ", ".join(row.describe() for row in table.rows)
        code = Code()  # written apart: the constants it needs go to the pool first
        code(f"def {helper}(key):  # lookup {comment(table.name or 'table')}", where(span))
        with code.indent():
            self._emit_rows(code, table, key, scale, lambda v: f"return {v}")
            if table.default is not None:
                code(f"return {self._row_value(table.default, scale)}")
            else:
                code(f"_no_row(key, {literal(table.name or '')}, {literal(allowed)})")
        self.pool.code.blank()
        self.pool.code.splice(code)
        call = f"{helper}({key.code if isinstance(key, Num) else key})"
        if self.fast:
            if not values:
                return Num(call, scale, mag)
            return Num(call, scale, mag, None, min(map(Fraction, values)), max(map(Fraction, values)))
        return Num(call, None, mag)

    def _row_value(self, value: Decimal, scale: int) -> str:
        if self.fast:
            return repr(units(value, scale))
        return self.pool.const(value)

    def _emit_rows(self, code: Code, table: ir.Table, key, scale: int, action) -> None:
        """``if`` tests of ``key`` (the variable `key`) against the rows in order, first match wins."""
        for row in table.rows:
            value = self._row_value(row.value, scale)
            if row.member is not None:
                code(f"if key == {literal(row.member)}:")
            else:
                code(f"if {self._band_test('key', key, row)}:")
            with code.indent():
                code(action(value))

    def _band_test(self, variable: str, key, row: ir.TableRow) -> str:
        if isinstance(key, Num) and key.fixed:
            low = Fraction(row.low) * 10**key.scale
            high = Fraction(row.high) * 10**key.scale
            low_units = -((-low.numerator) // low.denominator)  # ceil
            high_units = high.numerator // high.denominator  # floor
            return f"{low_units} <= {variable} <= {high_units}"
        return f"{self.pool.const(row.low)} <= {variable} <= {self.pool.const(row.high)}"

    def ledger_helper(self, body: ops.HighestPer) -> tuple[str, int, Fraction]:
        """A module function ``(entries, keep) -> points`` for a ledger sum (fast: int units; exact: Decimal)."""
        table = body.table
        if isinstance(table, ir.Matrix):
            points = [v for row in table.rows for v in row.values]
        else:
            points = [row.value for row in table.rows] + ([table.default] if table.default is not None else [])
        scale = max((decimals(v) for v in points), default=0)
        mag = max((abs(Fraction(v)) for v in points), default=Fraction(0)) * MAX_ENTRIES
        points_of = self._points_table(body, scale)
        helper = self.pool.fresh("ledger")
        code = Code()
        code(f"def {helper}(entries, keep, explain=False):  # {comment(body.ledger.name)} by {comment(body.field)}")
        with code.indent():
            code("best = {}")
            code("kept = 0")
            code("for number, entry in enumerate(entries, 1):")  # numbered as the facts give them
            with code.indent():
                code("if keep is not None and not keep(entry): continue")
                code("kept += 1")
                code(f"points = {points_of}")
                group = f"entry[{literal(body.group)}]" if body.group else "number"
                code(f"group = {group}")
                code("if group not in best or points > best[group]:")
                with code.indent():
                    code("best[group] = points")
            if self.fast:
                code("return sum(best.values())")
            else:
                code("total = _ZERO")
                code("for points in best.values():")
                with code.indent():
                    code("total = _C.add(total, points)")
                code("if not explain:")
                with code.indent():
                    code("return total")
                label = "{group}" if body.group else "#{group}"
                how = f"highest per {body.group}" if body.group else "each entry"
                code(f'parts = [f"{label}: {{_show(points)}}" for group, points in best.items()]')
                code("noun = 'entry' if kept == 1 else 'entries'")
                code(f"return total, f'{{kept}} {{noun}}, ' + {literal(how)} + ': ' + "
                     "('; '.join(parts) if parts else 'none')")
        self.pool.code.blank()
        self.pool.code.splice(code)
        return helper, scale, mag

    def _points_table(self, body: ops.HighestPer, scale: int) -> str:
        """A Python expression for the points of ``entry`` (numbered ``number``): an entry without a
        row (a cell) fails, in the fast path as a KeyError that sends the entity the exact way."""
        table = body.table
        ledger = literal(body.ledger.name)
        if isinstance(table, ir.Matrix):
            cells: dict = {}
            for row in table.rows:
                for column, value in zip(table.columns, row.values):
                    cells.setdefault((row.member, column), self._row_value(value, scale))
            text = "{" + ", ".join(f"({literal(r)}, {literal(c)}): {v}" for (r, c), v in cells.items()) + "}"
            name = self.pool.raw(text, "matrix")
            pair = f"entry[{literal(body.field)}], entry[{literal(body.column_field)}]"
            if self.fast:
                return f"{name}[({pair})]"
            rows_text = literal(", ".join(r.member for r in table.rows))
            return (f"_entry_cell({name}, {pair}, {ledger}, number, {literal(table.name)}, {rows_text}, "
                    f"{literal(', '.join(table.columns))})")
        cells = {}
        for row in table.rows:
            if row.member is None:
                raise CompileError("a ledger field is looked up in numeric bands", row.span)
            cells.setdefault(row.member, self._row_value(row.value, scale))
        text = "{" + ", ".join(f"{literal(m)}: {v}" for m, v in cells.items()) + "}"
        name = self.pool.raw(text, "points")
        key = f"entry[{literal(body.field)}]"
        if table.default is not None:
            return f"{name}.get({key}, {self._row_value(table.default, scale)})"
        if self.fast:
            return f"{name}[{key}]"
        rows_text = literal(", ".join(row.describe() for row in table.rows))
        return f"_entry_points({name}, {key}, {ledger}, number, {literal(table.name or '')}, {rows_text})"
