"""Building sqlglot trees: quoted names, casts, operators that keep their precedence, literals,
SELECTs. Nothing from a policy is ever pasted into SQL text: a name is a quoted identifier, a
string a literal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from sqlglot import exp

from assessc.runtime.decimals import CONTEXT, show

#: the digits of every DECIMAL the query writes
PRECISION = 38


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.Column(this=_ident(name), table=_ident(table) if table else None)


def _dec_type(scale: int) -> exp.DataType:
    return exp.DataType.build(f"DECIMAL({PRECISION}, {scale})")


def _cast(e: exp.Expression, to: exp.DataType | str) -> exp.Cast:
    return exp.Cast(this=e, to=exp.DataType.build(to) if isinstance(to, str) else to)


_PRECEDENCE = [
    (exp.Or, 1), (exp.And, 2), (exp.Not, 3),
    ((exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Is, exp.In, exp.Between), 4),
    ((exp.Add, exp.Sub, exp.DPipe, exp.Neg), 5), ((exp.Mul, exp.Div, exp.IntDiv, exp.Mod), 6),
]  # a negation counts as low as `+`, so that `a - (-b)` and `(-a) * b` keep their parentheses


def _precedence(e: exp.Expression) -> int:
    for classes, level in _PRECEDENCE:
        if isinstance(e, classes):
            return level
    if isinstance(e, exp.Literal) and e.is_number and e.this.startswith("-"):
        return 5
    return 9  # a column, a literal, a function call, CASE, a parenthesised expression


def _wrap(e: exp.Expression, below: int = 9) -> exp.Expression:
    """``e`` in parentheses unless it binds tighter than ``below``."""
    return exp.Paren(this=e) if _precedence(e) < below else e


def _minus(e: exp.Expression) -> exp.Neg:
    """``-e``; a negated negation is parenthesised, so `--` (a comment) is never printed."""
    return exp.Neg(this=_wrap(e, 8))


def _bin(cls, a: exp.Expression, b: exp.Expression) -> exp.Expression:
    level = _precedence(cls(this=exp.Null(), expression=exp.Null()))
    associative = cls in (exp.Add, exp.Mul, exp.And, exp.Or)
    left = _wrap(a, level if level != 4 else 5)  # a + b - c reads left to right; comparisons do not chain
    right = _wrap(b, level + 1 if not associative or _precedence(b) != level or type(b) is not cls else level)
    return cls(this=left, expression=right)


def _not(a: exp.Expression) -> exp.Expression:
    return exp.Not(this=_wrap(a, 5))


def _case(whens: list[tuple[exp.Expression, exp.Expression]], default: exp.Expression | None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def _plain(value: Decimal) -> str:
    return show(value)


def _scale_of(value: Decimal) -> int:
    return max(0, -value.normalize(CONTEXT).as_tuple().exponent)


def _number(value: Decimal) -> exp.Expression:
    text = _plain(value)
    if text.startswith("-"):
        return exp.Paren(this=exp.Neg(this=exp.Literal.number(text[1:])))
    return exp.Literal.number(text)


def _string(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def _date(day: datetime.date) -> exp.Expression:
    return _cast(_string(day.isoformat()), "DATE")


def _select(columns: list[exp.Expression], source: exp.Expression, *, star: exp.Expression | None = None,
            joins: list[exp.Join] = (), where: exp.Expression | None = None,
            group: list[exp.Expression] = ()) -> exp.Select:
    select = exp.Select(expressions=([star] if star is not None else []) + list(columns))
    select.set("from_", exp.From(this=source))
    if joins:
        select.set("joins", list(joins))
    if where is not None:
        select.set("where", exp.Where(this=where))
    if group:
        select.set("group", exp.Group(expressions=list(group)))
    return select


def _table(name: str, alias: str | None = None) -> exp.Table:
    parts = name.split(".")
    table = exp.Table(this=_ident(parts[-1]), db=_ident(parts[-2]) if len(parts) > 1 else None,
                      catalog=_ident(parts[-3]) if len(parts) > 2 else None)
    if alias:
        table.set("alias", exp.TableAlias(this=_ident(alias)))
    return table
