"""The tables the scoring query reads: their ``CREATE TABLE`` statements, their columns, and
their rows from typed facts."""

from __future__ import annotations

from typing import Mapping

from sqlglot import exp

from assessc.backends.sql.cells import FACT_SCALE, _cell, _sql_type
from assessc.backends.sql.scoring import _compile
from assessc.backends.sql.trees import _ident, _table
from assessc.graph.nodes import ScoringGraph
from assessc.ir.types import FactDecl


def create_tables(graph: ScoringGraph, dialect: str = "duckdb", *, table: str = "facts", id_column: str = "id",
                  ledger_tables: Mapping[str, str] | None = None, fact_scale: int = FACT_SCALE) -> list[str]:
    """``CREATE TABLE`` statements for the tables :func:`to_sql` reads: the
    facts table and one table per ledger, with the columns the query reads."""
    compiler, _ = _compile(graph, dialect, table, id_column, ledger_tables, fact_scale)
    statements = []

    def create(name: str, columns: list[tuple[str, str]]) -> str:
        schema = exp.Schema(this=_table(name), expressions=[
            exp.ColumnDef(this=_ident(column), kind=exp.DataType.build(kind)) for column, kind in columns])
        return exp.Create(this=schema, kind="TABLE").sql(dialect=dialect)

    columns = [(id_column, "TEXT")] + [(f.decl.name, _sql_type(f.decl, f.x_kind, f.scale))
                                       for f in compiler.facts.values()]
    statements.append(create(table, columns))
    for ledger in compiler.ledgers.values():
        fields = [(id_column, "TEXT")] + [(name, _sql_type(decl, kind, scale))
                                          for name, (_, kind, scale, decl) in ledger.fields.items()]
        statements.append(create(ledger.table, fields))
    return statements


def table_columns(graph: ScoringGraph, *, fact_scale: int = FACT_SCALE) -> dict[str, list[tuple[str, FactDecl]]]:
    """The facts the query reads, by table: ``""`` for the facts table, a ledger's
    name for its entries: (column, declaration) pairs."""
    compiler, _ = _compile(graph, "duckdb", "facts", "id", None, fact_scale)
    out: dict[str, list[tuple[str, FactDecl]]] = {"": [(f.decl.name, f.decl) for f in compiler.facts.values()]}
    for name, ledger in compiler.ledgers.items():
        out[name] = [(field, decl) for field, (_, _, _, decl) in ledger.fields.items()]
    return out


def table_rows(graph: ScoringGraph, facts, *, table: str = "facts",
               ledger_tables: Mapping[str, str] | None = None) -> dict[str, list[tuple]]:
    """Rows for the tables of :func:`create_tables`, by table name, from typed facts: a
    :class:`~assessc.facts.model.FactSet` (``Policy.load_facts``) or (id, values) pairs
    (values as ``Policy.score_values`` takes them). Evidence becomes ``a;b``; an absent
    value is None (NULL)."""
    layout = table_columns(graph)
    tables = {"": table} | {name: (ledger_tables or {}).get(name, f"{table}_{name}") for name in layout if name}
    out: dict[str, list[tuple]] = {name: [] for name in tables.values()}
    pairs = ((e.id, e.values) for e in facts.entities) if hasattr(facts, "entities") else facts
    for entity, values in pairs:
        out[table].append((entity, *(_cell(decl, values.get(name)) for name, decl in layout[""])))
        for ledger, fields in layout.items():
            for entry in values.get(ledger, ()) if ledger else ():
                out[tables[ledger]].append((entity, *(_cell(decl, entry.get(name)) for name, decl in fields)))
    return out
