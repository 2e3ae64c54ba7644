"""The expression compiler: the IR's typed expressions (shared by every engine) as functions of
a chunk of rows (:mod:`.values`), over the arithmetic of :mod:`.arith`.

Lookups and points matrices are compiled by :mod:`.lookups`, ledger reads by :mod:`.ledgers`;
an expression form the engine does not compute raises :class:`BatchUnsupported` naming it and
its line.
"""

from __future__ import annotations

import datetime
import functools
from fractions import Fraction as Fr

import numpy as np

from assessc.backends.batch import kernels as K
from assessc.backends.batch import ledgers, lookups
from assessc.backends.batch.arith import Arithmetic
from assessc.backends.batch.layout import FactLayout, Vocab
from assessc.backends.batch.values import ZERO, Cond, Dat, Num, Sym, broadcast, const_fn
from assessc.core.lower import body as body_of
from assessc.ir import nodes as ir
from assessc.ir.types import NUMERIC_KINDS, ExprType, Kind


class Compiler(Arithmetic):
    """Compiles expressions over the columns of ``layouts``; strings are coded in ``vocab``."""

    def __init__(self, layouts: dict[str, FactLayout], vocab: Vocab, base_scale: int, site: str):
        super().__init__(base_scale, site)
        self.layouts = layouts
        self.vocab = vocab
        self.entry: FactLayout | None = None  # the ledger whose entries a `where` or points read

    def cond(self, expr: ir.Expr) -> Cond:
        value = self.expr(expr)
        if not isinstance(value, Cond):
            raise self.unsupported(f"`{_text(expr)}` as a condition", expr.span)
        return value

    def number(self, expr: ir.Expr) -> Num:
        value = self.expr(expr)
        if not isinstance(value, Num):
            raise self.unsupported(f"`{_text(expr)}` as a number", expr.span)
        return value

    # ---- expressions -------------------------------------------------------------------------
    def expr(self, e: ir.Expr):
        what = f"`{_text(e)}`"
        if isinstance(e, ir.Const):
            return self._const_expr(e)
        if isinstance(e, ir.FactRef):
            return self._fact(self.layouts[e.fact.name], e)
        if isinstance(e, ir.FieldRef):
            if self.entry is None or e.fact.name not in self.entry.fields:
                raise self.unsupported("a ledger field outside its ledger", e.span)
            return self._field(self.entry.fields[e.fact.name])
        if isinstance(e, ir.MissingCount):
            layout = self.layouts[e.fact.name]
            if layout.kind is not Kind.EVIDENCE:
                raise self.unsupported("`missing` of a fact that is not evidence", e.span)
            return self._evidence_count(layout, missing=True)
        if isinstance(e, ir.EntryCount):
            layout = self.layouts[e.fact.name]
            if layout.kind is Kind.EVIDENCE:
                if e.where is not None:
                    raise self.unsupported("`count` of evidence with `where`", e.span)
                return self._evidence_count(layout, missing=False)
            return ledgers.entry_count(self, layout, e.where, e.span)
        if isinstance(e, ir.LedgerValue):
            return ledgers.highest_per(self, body_of(e.body), e.span)  # lowered where it is read
        if isinstance(e, ir.Unary):
            operand = self.expr(e.operand)
            if e.op == "not":
                return self.negate(operand)
            return self.neg(operand)
        if isinstance(e, ir.InSet):
            return self._in_set(e)
        if isinstance(e, ir.Call):
            if e.func == "workdays":
                return self._workdays(e)
            args = [self.number(a) for a in e.args]
            return self.minmax(e.func, args, what)
        if isinstance(e, ir.LookupValue):
            return lookups.table(self, self.expr(e.key), e.table, e.span)
        if isinstance(e, ir.Binary):
            return self._binary(e, what)
        raise self.unsupported(f"the expression `{_text(e)}`", getattr(e, "span", None))

    def _const_expr(self, e: ir.Const):
        if e.type is ExprType.NUMBER:
            return self.const(Fr(e.value))
        if e.type is ExprType.BOOL:
            value = bool(e.value)
            return Cond(const_fn(value), value)
        if e.type in (ExprType.ENUM, ExprType.TEXT):
            code = self.vocab.code(str(e.value))
            return Sym(const_fn(code), code)
        if e.type is ExprType.DATE:
            value = e.value if isinstance(e.value, datetime.date) else datetime.date.fromisoformat(str(e.value))
            return Dat(const_fn(value.toordinal()), value.toordinal())
        raise self.unsupported(f"the constant `{e.value}`", e.span)

    def _fact(self, layout: FactLayout, e):
        name, kind = layout.name, layout.kind
        if kind in NUMERIC_KINDS:
            return Num(lambda c, m: c.num(name), layout.places, layout.lo, layout.hi, column=name)
        if kind is Kind.BOOL:
            return Cond(lambda c, m: c.col(name))
        if kind in (Kind.ENUM, Kind.TEXT):
            return Sym(lambda c, m: c.col(name))
        if kind is Kind.DATE:
            return Dat(lambda c, m: c.col(name))
        raise self.unsupported(f"the {kind.value} fact `{name}` in an expression", getattr(e, "span", None))

    def _field(self, layout: FactLayout):
        name, kind = layout.name, layout.kind
        if kind in NUMERIC_KINDS:
            return Num(lambda c, m: c.field_num(name), layout.places, layout.lo, layout.hi)
        if kind is Kind.BOOL:
            return Cond(lambda c, m: c.field(name))
        if kind in (Kind.ENUM, Kind.TEXT):
            return Sym(lambda c, m: c.field(name))
        if kind is Kind.DATE:
            return Dat(lambda c, m: c.field(name))
        raise self.unsupported(f"the {kind.value} ledger field `{name}`")

    def _evidence_count(self, layout: FactLayout, missing: bool) -> Num:
        name, members = layout.name, len(layout.bits)
        if K.mask_dtype(members) is None:
            raise self.unsupported(f"evidence `{name}` with more than 64 items")
        if missing:
            fn = lambda c, m: members - K.popcount(c.col(name))  # noqa: E731
        else:
            fn = lambda c, m: K.popcount(c.col(name))  # noqa: E731
        return Num(fn, 0, ZERO, Fr(members))

    def _in_set(self, e: ir.InSet) -> Cond:
        value = self.expr(e.value)
        if not isinstance(value, Sym):
            raise self.unsupported("`in { … }` over a value that is not an enum or text", e.span)
        codes = sorted({self.vocab.code(m) for m in e.members})
        if value.const is not None:
            holds = value.const in codes
            return Cond(const_fn(holds), holds, value.fallible)
        fv = value.fn
        if len(codes) == 1:
            only = codes[0]
            return Cond(lambda c, m: fv(c, m) == only, None, value.fallible)
        array = np.array(codes, dtype=np.int64)
        return Cond(lambda c, m: np.isin(fv(c, m), array), None, value.fallible)

    def _binary(self, e: ir.Binary, what: str):
        op = e.op
        if op in ("and", "or"):
            return self.logic(op, self.cond(e.left), self.cond(e.right))
        a, b = self.expr(e.left), self.expr(e.right)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return self.compare(op, a, b, what)
        if not isinstance(a, Num) or not isinstance(b, Num):
            raise self.unsupported(f"`{op}` on values that are not numbers", e.span)
        if op == "+":
            return self.add(a, b, what)
        if op == "-":
            return self.add(a, b, what, sign=-1)
        if op == "*":
            return self.mul(a, b, what)
        if op == "/":
            return self.div(a, b, what)
        raise self.unsupported(f"the operator `{op}`", e.span)

    # ---- working days -----------------------------------------------------------------------
    def _workdays(self, e: ir.Call) -> Num:
        a, b = (self.expr(x) for x in e.args)
        if not isinstance(a, Dat) or not isinstance(b, Dat):
            raise self.unsupported("`workdays` of values that are not dates", e.span)
        first, cumulative, gaps = _workday_table(e.calendar)
        last = first + len(cumulative) - 1
        fa, fb = a.fn, b.fn

        def fn(c, m):
            start = broadcast(fa(c, m), c.n).astype(np.int64)
            end = broadcast(fb(c, m), c.n).astype(np.int64)
            later = end > start
            outside = later & ((start < first) | (end > last))
            i = np.clip(start - first, 0, len(cumulative) - 1)
            j = np.clip(end - first, 0, len(cumulative) - 1)
            if gaps is not None:  # a year between that no schedule covers
                outside |= later & (gaps[j + 1] - gaps[i] > 0)
            if outside.any():
                c.fail(outside, m)
            return np.where(later & ~outside, cumulative[j] - cumulative[i], 0)

        return Num(fn, 0, ZERO, Fr(last - first + 1), None, True)


def _text(e) -> str:
    span = getattr(e, "span", None)
    if span is not None:
        try:
            text = " ".join(span.text().split())
        except Exception:  # noqa: BLE001 - a span into a file that is gone
            text = ""
        if text:
            return text
    return type(e).__name__


@functools.lru_cache(maxsize=8)
def _workday_table(calendar):
    """(first ordinal, cumulative working days, cumulative uncovered days or None) over the
    calendar's years: ``cum[i]`` working days in first..first+i; ``gaps[k]`` days before
    first+k in a year no schedule covers (None when the covered years have no gap)."""
    years = calendar.years()
    first = datetime.date(years[0], 1, 1).toordinal()
    last = datetime.date(years[-1], 12, 31).toordinal()
    ordinals = np.arange(first, last + 1, dtype=np.int64)
    flags = ((ordinals - 1) % 7 < 5).astype(np.int64)  # Monday..Friday (ordinal 1, 0001-01-01, is a Monday)
    off, on = calendar.adjustments()
    flags[np.array([d.toordinal() for d in off], dtype=np.int64) - first] = 0
    flags[np.array([d.toordinal() for d in on], dtype=np.int64) - first] = 1
    gaps = None
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        uncovered = np.zeros(len(ordinals), dtype=np.int64)
        for year in missing:
            lo, hi = datetime.date(year, 1, 1).toordinal() - first, datetime.date(year, 12, 31).toordinal() - first
            uncovered[lo:hi + 1] = 1
        flags[uncovered == 1] = 0
        gaps = np.concatenate([[0], np.cumsum(uncovered)])
    return first, np.cumsum(flags), gaps
