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
from assessc.runtime.factvalues import describe


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
        """What values are allowed, in words, for error messages (the words facts are checked with,
        :func:`assessc.runtime.factvalues.describe`)."""
        return describe(self.kind.value, self.low, self.high, self.member_names, [f.name for f in self.fields])


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
