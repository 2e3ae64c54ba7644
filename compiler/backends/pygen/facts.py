"""The fast path's reading of facts: each fact the caller gives is checked with inline comparisons
and converted to integer fixed point (numbers), or kept as it is (conditions, members, dates,
evidence, ledgers); a value the fast path does not take raises ``_Slow``, and the caller goes the
checked exact way."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from assessc.ir import nodes as ir
from assessc.ir.types import Kind

from .numbers import GUARD, INPUT_SCALE, MAX_ENTRIES, CompileError, Num, fact_interval, fact_scale, units
from .scorer import place
from .text import Code, comment, literal, where

#: the fast path takes a whole number only below this (Python compares such ints fastest); larger
#: ones within the fact's range are checked and scored the exact way
SMALL = 2**30


class FastFacts:
    """Mixed into the fast path's emitter: writes ``_fast``'s reading of the facts."""

    def fast_facts(self) -> None:
        c = self.code
        optional = self.program.optional
        self.present: dict[str, str] = {}
        self.kept: list[str] = []  # the variables of the facts' values, which a result keeps
        for fact in self.fact_decls:
            var = self.fresh("f")
            self.kept.append(var)
            kind = fact.type.kind
            c(f"# fact:{comment(fact.name, 40)}  {comment(fact.label, 60)}{place(fact.span)}", where(fact.span))
            name = literal(fact.name)
            if fact.name in optional:
                present = self.fresh("p")
                self.present[fact.name] = present
                self.kept.append(present)
                c(f"x = f.get({name})", where(fact.span))
                c(f"{present} = x is not None")
                c(f"if {present}:")
                with c.indent():
                    self.convert(fact, "x", var)
                c("else:")
                with c.indent():
                    c(f"{var} = None")
            elif fact.default is not None:
                c(f"x = f.get({name}, _NA)", where(fact.span))
                c("if x is _NA:")
                with c.indent():
                    c(f"{var} = {self.fast_default(fact)}")
                c("else:")
                with c.indent():
                    self.convert(fact, "x", var)
            elif kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK, Kind.BOOL):
                c(f"{var} = f[{name}]", where(fact.span))
                self.convert(fact, var, var)
            else:
                c(f"x = f[{name}]", where(fact.span))
                self.convert(fact, "x", var)
            if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
                scale, mag = fact_scale(fact)
                low, high = fact_interval(fact)
                self.facts[fact.name] = Num(var, scale, mag, None, low, high)
            else:
                self.facts[fact.name] = var

    def fast_default(self, fact: ir.FactDecl) -> str:
        kind = fact.type.kind
        value = fact.default
        if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
            scale, _ = fact_scale(fact)
            return repr(units(value, scale))
        if kind is Kind.DATE:
            return self.pool.const(value, "day")
        if kind is Kind.LEDGER:
            raise CompileError(f"a default for ledger fact `{fact.name}`", fact.span)
        if kind is Kind.EVIDENCE:
            return self.pool.const(frozenset(value), "set")
        return literal(value)

    def convert(self, fact: ir.FactDecl, src: str, var: str) -> None:
        """Check ``src`` quickly and convert it into ``var`` (which may be ``src`` itself); raise
        _Slow for anything else."""
        c = self.code
        kind = fact.type.kind
        if kind in (Kind.COUNT, Kind.RANK):
            low, high = _fast_range(fact, 0)
            # a Python int in range is taken as it is, with the least work; a Decimal must be whole
            small = self.range_test(fact, src, low, min(high, SMALL - 1) if high >= SMALL > low else high, 0)
            whole = self.range_test(fact, var, low, high, 0)
            if src == var:
                c(f"if type({var}) is not int or not {small}:")
                with c.indent():
                    c(f"x = {var}")
                    c("if type(x) is not Decimal: raise _Slow")
                    c(f"{var} = int(x)")
                    c(f"if {var} != x or not {whole}: raise _Slow")
            else:
                c(f"if type({src}) is int and {small}: {var} = {src}")
                c("else:")
                with c.indent():
                    c(f"if type({src}) is not Decimal: raise _Slow")
                    c(f"{var} = int({src})")
                    c(f"if {var} != {src} or not {whole}: raise _Slow")
        elif kind in INPUT_SCALE:
            scale, _ = fact_scale(fact)
            low, high = _fast_range(fact, scale)
            # n / d in units of 10**-scale: exact when d divides 10**scale (a KeyError otherwise)
            per = self.pool.raw(f"{{2**i * 5**j: {10 ** scale} // (2**i * 5**j) for i in range({scale + 1}) "
                                f"for j in range({scale + 1})}}", "units")
            c(f"if type({src}) is Decimal:")
            with c.indent():
                c(f"n, d = {src}.as_integer_ratio()")
                c(f"{var} = n * {per}[d]")
            factor = 10 ** (scale - 2) if kind is Kind.PERCENT else 10**scale
            c(f"elif type({src}) is int: {var} = {src} * {factor}")
            c("else: raise _Slow")
            c(f"if not {self.range_test(fact, var, low, high, scale)}: raise _Slow")
        elif kind is Kind.BOOL:
            c(f"if {src} is not True and {src} is not False: raise _Slow")
            if src != var:
                c(f"{var} = {src}")
        elif kind is Kind.ENUM:
            members = self.pool.const(frozenset(fact.type.member_names), "set")
            c(f"if type({src}) is not str or {src} not in {members}: raise _Slow")
            c(f"{var} = {src}")
        elif kind is Kind.TEXT:
            c(f"if type({src}) is not str: raise _Slow")
            c(f"{var} = {src}.strip()")
            c(f"if not {var}: raise _Slow")
        elif kind is Kind.DATE:
            c(f"if type({src}) is not _date: raise _Slow")
            c(f"{var} = {src}")
        elif kind is Kind.EVIDENCE:
            members = self.pool.const(frozenset(fact.type.member_names), "set")
            c(f"if type({src}) is not frozenset or not {src} <= {members}: raise _Slow  # a set of member names")
            c(f"{var} = {src}")
        elif kind is Kind.LEDGER:
            helper = self.ledger_converter(fact)
            c(f"{var} = {helper}({src})")
        else:  # pragma: no cover - every kind is listed
            raise CompileError(f"the Python backend cannot read facts of kind {kind.value}", fact.span)

    @staticmethod
    def range_test(fact: ir.FactDecl, var: str, low: int, high: int, scale: int) -> str:
        """Whether ``var`` (units of 10**-scale) is a value the fast path takes for ``fact``."""
        default = fact.default
        if isinstance(default, Decimal):
            units_ = units(default, scale)
            if not low <= units_ <= high:  # a default outside the range is accepted as itself
                return f"({low} <= {var} <= {high} or {var} == {units_})"
        return f"{low} <= {var} <= {high}"

    def ledger_converter(self, fact: ir.FactDecl) -> str:
        """A module function checking and converting one ledger's entries for the fast path."""
        helper = self.pool.fresh("entries")
        saved, self.code = self.code, Code()
        c = self.code
        c(f"def {helper}(raw):  # ledger {comment(fact.name)}", where(fact.span))
        with c.indent():
            c("if type(raw) is not tuple and type(raw) is not list: raise _Slow")
            c(f"if len(raw) > {MAX_ENTRIES}: raise _Slow")
            c("out = []")
            c("for e in raw:")
            with c.indent():
                c("if not isinstance(e, Mapping): raise _Slow")
                names = []
                for field in fact.type.fields:
                    var = self.fresh("g")
                    names.append((field.name, var))
                    if field.default is not None:
                        c(f"x = e.get({literal(field.name)}, _NA)")
                        c("if x is _NA:")
                        with c.indent():
                            c(f"{var} = {self.fast_default(field)}")
                        c("else:")
                        with c.indent():
                            self.convert(field, "x", var)
                    else:
                        c(f"x = e[{literal(field.name)}]")
                        self.convert(field, "x", var)
                inner = ", ".join(f"{literal(n)}: {v}" for n, v in names)
                c(f"out.append({{{inner}}})")
            c("return out")
        self.code = saved
        self.pool.code.blank()
        self.pool.code.splice(c)
        return helper


def _fast_range(fact: ir.FactDecl, scale: int) -> tuple[int, int]:
    """Inclusive bounds, in units, that the fast path accepts for a numeric fact."""
    from assessc.facts.numeric import bounds

    low, high = bounds(fact.type)
    guard = GUARD * 10**scale
    low_units = -guard if low is None else ceil_units(low, scale)
    high_units = guard if high is None else floor_units(high, scale)
    return low_units, high_units


def ceil_units(value: Decimal, scale: int) -> int:
    f = Fraction(value) * 10**scale
    return -((-f.numerator) // f.denominator)


def floor_units(value: Decimal, scale: int) -> int:
    f = Fraction(value) * 10**scale
    return f.numerator // f.denominator
