"""A table cell as the value it stands for (typed, an enum's label read as its member, a blank as
the default, an evidence list counted), the SQL type of each fact's column, and a typed fact as
a cell."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlglot import exp

from assessc.backends.sql.trees import PRECISION, _bin, _case, _cast, _date, _dec_type, _number, _string, _wrap
from assessc.backends.sql.values import BOOL, DATE, NUM, TEXT
from assessc.ir.types import FactDecl, Kind

#: the scale of decimal, percent and amount fact columns unless asked otherwise
FACT_SCALE = 6
#: an evidence cell lists the names (or labels) of the items submitted, separated by this
EVIDENCE_SEPARATOR = ";"

if TYPE_CHECKING:
    from assessc.backends.sql.sources import _Fact


def _spellings(member) -> list[str]:
    return [s for s in member.spellings if s != member.name]


def _evidence_spellings(member) -> list[str]:
    """The spellings of an evidence item a cell can list: a spelling holding the separator
    could not be told from two items."""
    return [s for s in member.spellings if s and EVIDENCE_SEPARATOR not in s]


def _member_text(column: exp.Expression, members) -> exp.Expression:
    """An enum cell read as the member's name (labels and aliases are other spellings of it)."""
    whens = []
    for member in members:
        others = _spellings(member)
        if others:
            whens.append((exp.In(this=_wrap(column), expressions=[_string(s) for s in others]), _string(member.name)))
    return _case(whens, column) if whens else column


def _default_sql(decl: FactDecl, kind: str, scale: int) -> exp.Expression | None:
    default = decl.default
    if default is None:
        return None
    if kind == NUM:
        return _cast(_number(Decimal(default)), _dec_type(scale))
    if kind == BOOL:
        return exp.true() if default else exp.false()
    if kind == DATE:
        return _date(default)
    return _string(str(default))


def _typed_value(decl: FactDecl, kind: str, scale: int, column: exp.Expression, typed_table: bool) -> exp.Expression:
    """A cell as the value it stands for: of its type (cast, unless the table is known to have
    it already), an enum's label read as its member, a blank as the default."""
    if typed_table:
        value = column
        if kind == TEXT and decl.type.kind is Kind.ENUM:
            value = _member_text(value, decl.type.members)
    elif kind == NUM:
        value = _cast(column, _dec_type(scale))
    elif kind == BOOL:
        value = _cast(column, "BOOLEAN")
    elif kind == DATE:
        value = _cast(column, "DATE")
    else:
        value = _cast(column, "TEXT")
        if decl.type.kind is Kind.ENUM:
            value = _member_text(value, decl.type.members)
    default = _default_sql(decl, kind, scale)
    return exp.Coalesce(this=value, expressions=[default]) if default is not None else value


def _evidence_cell(column: exp.Expression) -> exp.Expression:
    """The cell ``a;b`` as ``;a;b;``, so that each item is found with its separators."""
    text: exp.Expression = exp.Coalesce(this=_cast(column, "TEXT"), expressions=[_string("")])
    edge = _string(EVIDENCE_SEPARATOR)
    return exp.DPipe(this=exp.DPipe(this=edge, expression=text), expression=edge.copy())


def _typed_fact(fact: _Fact, column: exp.Expression, typed_table: bool) -> exp.Expression:
    decl = fact.decl
    if decl.type.kind is Kind.EVIDENCE:  # the number of declared items the cell (normalised) lists
        counts = []
        for member in decl.type.members:
            names = _evidence_spellings(member)
            found = None
            for name in dict.fromkeys(names):
                needle = _string(f"{EVIDENCE_SEPARATOR}{name}{EVIDENCE_SEPARATOR}")
                hit = _bin(exp.GT, exp.StrPosition(this=column.copy(), substr=needle), exp.Literal.number(0))
                found = hit if found is None else exp.or_(found, hit)
            counts.append(_case([(found, exp.Literal.number(1))], exp.Literal.number(0)) if found is not None
                          else exp.Literal.number(0))
        total = counts[0] if counts else exp.Literal.number(0)
        for count in counts[1:]:
            total = _bin(exp.Add, total, count)
        return _cast(total, _dec_type(0))
    return _typed_value(decl, fact.x_kind, fact.scale, column, typed_table)


def _sql_type(decl: FactDecl, kind: str, scale: int) -> str:
    if decl.type.kind is Kind.EVIDENCE:
        return "TEXT"
    return {NUM: f"DECIMAL({PRECISION}, {scale})", BOOL: "BOOLEAN", DATE: "DATE", TEXT: "TEXT"}[kind]


def _cell(decl: FactDecl, value):
    if value is None:
        return None
    if decl.type.kind is Kind.EVIDENCE:
        return EVIDENCE_SEPARATOR.join(sorted(value))
    return value
