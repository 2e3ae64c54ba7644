"""Load typed facts into a SQL engine, run the generated query, compare with the interpreter."""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from assessc.backends import sql as S


def load(execute, executemany, graph, dialect: str, entities, placeholder: str = "?", table: str = "facts"):
    """Create the tables the query reads and fill them."""
    for statement in S.create_tables(graph, dialect, table=table):
        execute(statement)
    for name, batch in S.table_rows(graph, entities, table=table).items():
        if batch:
            quoted = '"' + name.replace('"', '""') + '"'
            executemany(f"INSERT INTO {quoted} VALUES ({', '.join([placeholder] * len(batch[0]))})", batch)


def compare(graph, results: Mapping[str, object], sql_rows: list[tuple], columns: list[str]):
    """Every node and the total of every entity, exactly; None for an entity the
    interpreter could not score must be a NULL total. Returns the mismatches."""
    by_id = {row[0]: dict(zip(columns, row)) for row in sql_rows}
    wrong = []
    for entity, expected in results.items():
        got = by_id.get(entity)
        if got is None:
            wrong.append((entity, "missing row"))
            continue
        if expected is None:
            if got["total"] is not None:
                wrong.append((entity, "total", None, got["total"]))
            continue
        for node_id, score in expected.nodes.items():
            if got[node_id] is None or Decimal(got[node_id]) != score.value:
                wrong.append((entity, node_id, score.value, got[node_id]))
        if got["total"] is None or Decimal(got["total"]) != expected.total:
            wrong.append((entity, "total", expected.total, got["total"]))
    return wrong


def expected(policy, entities) -> dict:
    """The interpreter's result for each entity; None where it cannot score it."""
    from assessc.api import ScoringError

    out = {}
    for entity, values in entities:
        try:
            out[entity] = policy.score_values(entity, values)
        except ScoringError:
            out[entity] = None
    return out


def score_duckdb(graph, entities, sql: str | None = None):
    """(rows, columns) of the query run by DuckDB on these entities."""
    import duckdb

    connection = duckdb.connect()
    try:
        load(connection.execute, connection.executemany, graph, "duckdb", entities)
        cursor = connection.execute(sql if sql is not None else S.to_sql(graph, "duckdb"))
        return cursor.fetchall(), [d[0] for d in cursor.description]
    finally:
        connection.close()


def score_postgres(postgres, graph, entities, sql: str | None = None):
    with postgres.connect() as connection:
        cursor = connection.cursor()
        load(cursor.execute, cursor.executemany, graph, "postgres", entities, placeholder="%s")
        cursor.execute(sql if sql is not None else S.to_sql(graph, "postgres"))
        return cursor.fetchall(), [d.name for d in cursor.description]


#: how far the SQL backend's value may be from the interpreter's where the interpreter's value
#: needs more than ``S.DIVISION_SCALE`` decimal places (docs/embedding.md), relative to the
#: value's size: a quotient rounded at 18 places and then weighted (× 100 / max) carries its
#: rounding into the larger value
SQL_TOLERANCE = Decimal("1e-15")


def within_sql_tolerance(want: Decimal, got: Decimal) -> bool:
    return abs(got - want) <= SQL_TOLERANCE * max(Decimal(1), abs(want))
