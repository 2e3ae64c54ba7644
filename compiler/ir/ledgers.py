"""Ledger sums: Σ over a ledger's entries of points from a table or matrix.

``L [where (C)] by FIELD TABLE [highest per GROUP]`` keeps the entries for
which C (over the entry's fields) holds, looks each one up by FIELD (or, for
a matrix, by two fields), and adds the points; with ``highest per GROUP``
only the best entry of each distinct GROUP value counts (按最高层级计分,
不重复计分). The same form is a term (``add …``) or, after ``sum``, an
expression.
"""

from __future__ import annotations

from assessc.diagnostics import codes
from assessc.dsl import ast
from assessc.ir import nodes as ir
from assessc.ir.exprs import Scope, entry_filter, lookup_fact, table_for
from assessc.ir.types import ExprType, Kind

T = ExprType


def ledger_sum(term: ast.LedgerTerm, scope: Scope) -> ir.TermBody:
    """Resolve a ledger sum; an invalid one becomes a Value(Invalid) term."""
    fact = lookup_fact(term.ledger, scope, (Kind.LEDGER,))
    if fact is None:
        return ir.Value(ir.Invalid(T.NUMBER, term.span))
    field = _ledger_field(fact, term.field, scope, enum=True)
    column = _ledger_field(fact, term.field2, scope, enum=True) if term.field2 is not None else None
    group = None
    if term.group is not None and _ledger_field(fact, term.group, scope, enum=False) is not None:
        group = term.group.name
    if field is None or (term.field2 is not None and column is None):
        return ir.Value(ir.Invalid(T.NUMBER, term.span))
    where = entry_filter(term.where, fact, term.ledger.span, scope)
    if column is not None:
        matrix = _matrix_for(term.table, field, column, scope)
        return ir.LedgerSum(fact, field.name, matrix, group, column.name, where)
    table = table_for(term.table, ir.FactRef(field, T.ENUM, term.field.span), term.field.span, scope)
    return ir.LedgerSum(fact, field.name, table, group, None, where)


def _ledger_field(fact, name: ast.Name, scope: Scope, *, enum: bool):
    field = fact.type.field(name.name)
    if field is None:
        scope.bag.add(codes.UNDEFINED_NAME, name.span, f"ledger `{fact.name}` has no field `{name.name}`",
                      scope.symbols.suggest(name.name, [f.name for f in fact.type.fields])
                      or "its fields are: " + ", ".join(f.name for f in fact.type.fields))
        return None
    if enum and field.type.kind is not Kind.ENUM:
        scope.bag.add(codes.BAD_TABLE, name.span, f"ledger field `{field.name}` must be an enum to be looked up")
        return None
    return field


def _matrix_for(ref: ast.TableRef, rows_field, columns_field, scope: Scope) -> ir.Matrix:
    """A matrix named by ``ref``, checked against the two enum fields."""
    matrix = scope.symbols.matrices.get(ref.name.name) if ref.name is not None else None
    if matrix is None:
        if ref.name is None:
            scope.bag.add(codes.BAD_TABLE, ref.span, "two fields are looked up in a matrix, not in a table",
                          "declare `matrix NAME { columns (…) ROW: v, v, … }` and name it here")
        else:
            scope.bag.add(codes.UNDEFINED_NAME, ref.name.span, f"undefined matrix `{ref.name.name}`",
                          scope.symbols.suggest(ref.name.name, scope.symbols.matrices))
        return ir.Matrix("", (), (), ref.span)
    rows_allowed, columns_allowed = rows_field.type.member_names, columns_field.type.member_names
    for row in matrix.rows:
        if row.member not in rows_allowed:
            scope.bag.add(codes.UNKNOWN_MEMBER, row.span, f"matrix row `{row.member}` is not a value of `{rows_field.name}`",
                          scope.symbols.suggest(row.member, rows_allowed) or "allowed: " + ", ".join(rows_allowed))
    for column in matrix.columns:
        if column not in columns_allowed:
            scope.bag.add(codes.UNKNOWN_MEMBER, matrix.span, f"matrix column `{column}` is not a value of `{columns_field.name}`",
                          "allowed: " + ", ".join(columns_allowed))
    return matrix
