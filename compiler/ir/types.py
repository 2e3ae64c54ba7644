"""Fact types and expression types of the resolved IR.

A :class:`FactType` says which values a fact may take; the fact loader checks
every input value against it and the bounds analysis reads its range. An
:class:`ExprType` is what the type checker infers for an expression.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from assessc.dsl.source import Span
from assessc.runtime.decimals import CONTEXT
from assessc.runtime.decimals import show as show_decimal


class Kind(enum.Enum):
    COUNT = "count"
    DECIMAL = "decimal"
    PERCENT = "percent"
    BOOL = "bool"
    RANK = "rank"
    AMOUNT = "amount"
    DATE = "date"
    TEXT = "text"
    ENUM = "enum"
    EVIDENCE = "evidence"
    LEDGER = "ledger"


NUMERIC_KINDS = frozenset({Kind.COUNT, Kind.DECIMAL, Kind.PERCENT, Kind.RANK, Kind.AMOUNT})
INTEGER_KINDS = frozenset({Kind.COUNT, Kind.RANK})


@attrs.frozen
class Member:
    name: str
    label: str | None = None
    #: other spellings read as this member (e.g. 优秀称号 视为二等奖)
    aliases: tuple[str, ...] = ()

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every text an input may use for this member: name, label, aliases."""
        return (self.name,) + ((self.label,) if self.label else ()) + self.aliases


@attrs.frozen
class FactType:
    kind: Kind
    #: inclusive bounds of a numeric fact (None: unbounded on that side)
    low: Decimal | None = None
    high: Decimal | None = None
    members: tuple[Member, ...] = ()
    fields: tuple["FactDecl", ...] = ()

    @property
    def member_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)

    def field(self, name: str) -> "FactDecl | None":
        return next((f for f in self.fields if f.name == name), None)

    def describe(self) -> str:
        """What values are allowed, in words, for error messages."""
        k = self.kind
        if k in (Kind.ENUM, Kind.EVIDENCE):
            names = ", ".join(self.member_names)
            return f"one of {names}" if k is Kind.ENUM else f"a list of {names} (separated by `;`)"
        if k is Kind.BOOL:
            return "yes/no (true, false, 1, 0, 是, 否)"
        if k is Kind.DATE:
            return "a date yyyy-mm-dd"
        if k is Kind.TEXT:
            return "text"
        if k is Kind.LEDGER:
            return "a list of entries with fields " + ", ".join(f.name for f in self.fields)
        what = {
            Kind.COUNT: "a whole number",
            Kind.RANK: "a rank (whole number)",
            Kind.DECIMAL: "a decimal number",
            Kind.PERCENT: "a percentage",
            Kind.AMOUNT: "an amount",
        }[k]
        return what + self.describe_range()

    def describe_range(self) -> str:
        def show(v: Decimal) -> str:
            if self.kind is Kind.PERCENT:
                return f"{show_decimal(v.scaleb(2, CONTEXT))}%"
            return show_decimal(v)

        if self.low is not None and self.high is not None:
            return f" from {show(self.low)} to {show(self.high)}"
        if self.low is not None:
            return f" of at least {show(self.low)}"
        if self.high is not None:
            return f" of at most {show(self.high)}"
        return ""


@attrs.frozen
class FactDecl:
    name: str
    type: FactType
    label: str | None
    #: the value a blank cell takes; None means a blank cell is an error
    default: object | None
    span: Span | None = attrs.field(eq=False, default=None)


class ExprType(enum.Enum):
    NUMBER = "number"
    BOOL = "bool"
    DATE = "date"
    TEXT = "text"
    ENUM = "enum"
