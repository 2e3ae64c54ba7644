"""Every difference between the engines the query runs on, in one table.

The query is one sqlglot tree, printed in the dialect asked for; sqlglot spells each
dialect's names, types and functions. What it cannot decide for us (how an engine plans a
CTE, what its DECIMAL division and ROUND do) is a field of :class:`Dialect` here, and the
compiler asks the table, never the dialect's name. A dialect not in the table (any other
sqlglot dialect) gets the defaults, which are plain standard SQL.
"""

from __future__ import annotations

import attrs
from sqlglot import exp

from assessc.backends.sql.trees import _bin, _cast, _dec_type, _wrap


@attrs.frozen
class Dialect:
    """What differs between engines, as sqlglot trees (never as text)."""

    name: str
    #: the planner inlines CTEs and evaluates an inlined column once per use: each stage is
    #: marked MATERIALIZED, or its expressions would be computed again in every stage above it
    materialize: bool = False
    #: DECIMAL / DECIMAL is a DOUBLE: an exact quotient divides 128-bit integers (HUGEINT) instead
    integer_quotient: bool = False
    #: ROUND on a DECIMAL rounds half away from zero (四舍五入), so `half_up` may use it
    round_half_up: bool = False
    #: NUMERIC DIV NUMERIC is the exact integer quotient: use it, since sqlglot writes `/` on an
    #: operand whose type it cannot see through DOUBLE PRECISION there
    numeric_div: bool = False

    def exact_quotient(self, dividend: exp.Expression, divisor: exp.Expression) -> exp.Expression:
        """``dividend / divisor`` for whole numbers the divisor divides, as DECIMAL(38, 0)."""
        if self.integer_quotient:
            big = exp.DataType.build("HUGEINT", dialect=self.name)
            quotient = exp.IntDiv(this=_wrap(_cast(dividend, big)), expression=_wrap(_cast(divisor, big)))
            return _cast(quotient, _dec_type(0))
        if self.numeric_div:
            return _cast(exp.IntDiv(this=_wrap(dividend), expression=_wrap(divisor)), _dec_type(0))
        return _cast(_bin(exp.Div, dividend, divisor), _dec_type(0))


_TABLE = {d.name: d for d in (
    Dialect("duckdb", integer_quotient=True, round_half_up=True),
    Dialect("postgres", materialize=True, numeric_div=True),
    Dialect("spark"),
)}

#: the dialects the query is tested on; any other sqlglot dialect may work
DIALECTS = tuple(_TABLE)


def dialect_of(name: str) -> Dialect:
    """The table's row for ``name``; the defaults for a dialect the query is not tested on."""
    return _TABLE.get(name) or Dialect(name)
