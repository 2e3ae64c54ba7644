"""Where an expression's facts and fields come from: an entity's row or one entry of a ledger;
and what the compiler records of the facts, ledgers and aggregates the query reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import attrs
from sqlglot import exp

from assessc.backends.sql.errors import SQLUnsupported
from assessc.backends.sql.trees import PRECISION, _col
from assessc.backends.sql.values import NUM, _X
from assessc.ir import nodes as ir
from assessc.ir.types import FactDecl

if TYPE_CHECKING:
    from assessc.backends.sql.expressions import _Compiler


class _EntityRow:
    """An expression over one entity's row (the CTE chain)."""

    ledger = None

    def __init__(self, compiler: "_Compiler"):
        self.c = compiler

    def fact(self, decl: FactDecl, span) -> _X:
        return self.c.fact_column(decl, span, None)

    def field(self, decl: FactDecl, span) -> _X:  # pragma: no cover - the IR keeps fields inside `where`
        raise SQLUnsupported("a ledger field outside a ledger's `where`", span)

    def aggregate(self, key, build: Callable[[], "_Aggregate"]) -> _X:
        return self.c.aggregate(key, build)

    def workday_index(self, expr: ir.Expr, value: _X) -> _X:
        if isinstance(expr, ir.FactRef):
            return self.c.workday_column(expr.fact, expr.span)
        return _X(self.c.calendar.index_sql(value.sql), NUM, 0, True)


class _LedgerRow:
    """An expression over one entry of a ledger (joined with its entity's facts as ``F``)."""

    def __init__(self, compiler: "_Compiler", ledger: "_Ledger"):
        self.c, self.ledger = compiler, ledger
        self.reads_facts = False

    def fact(self, decl: FactDecl, span) -> _X:
        self.reads_facts = True
        return self.c.fact_column(decl, span, "F")

    def field(self, decl: FactDecl, span) -> _X:
        return self.ledger.field(decl, span)

    def aggregate(self, key, build) -> _X:
        raise SQLUnsupported("a ledger sum or entry count inside a ledger's `where`", None)

    def workday_index(self, expr: ir.Expr, value: _X) -> _X:
        return _X(self.c.calendar.index_sql(value.sql), NUM, 0, True)


# ---- facts, ledgers and aggregates -----------------------------------------------------------


@attrs.define
class _Fact:
    decl: FactDecl
    column: str  # internal name of the typed value (evidence: the number of items present)
    x_kind: str
    scale: int


@attrs.define
class _Ledger:
    compiler: "_Compiler"
    decl: FactDecl
    cte: str
    table: str
    fields: dict = attrs.Factory(dict)  # name -> (column, _X kind, scale, decl)

    def field(self, decl: FactDecl, span) -> _X:
        name = decl.name
        if name not in self.fields:
            kind, scale = self.compiler.value_kind(decl, span)
            if kind == "evidence":
                raise SQLUnsupported("an evidence field in a ledger", span)
            self.fields[name] = (f"_c{len(self.fields) + 1}", kind, scale, decl)
        column, kind, scale, _ = self.fields[name]
        return _X(_col(column, "L"), kind, scale, width=PRECISION if kind == NUM else None)


@attrs.define
class _Aggregate:
    ledger: _Ledger
    column: str
    value: exp.Expression | None  # the entry's points (None: count entries)
    scale: int
    where: exp.Expression | None
    group: str | None  # the internal column of the `highest per` field
    reads_facts: bool
    #: an entry's points may be NULL (no row, no cell): the sum is then NULL, not the sum of the others
    nullable: bool = False
