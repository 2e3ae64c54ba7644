"""The query asks the engine for no more than the values: what it leaves out, and why it stays exact.

* ``columns=`` returns only the columns asked for, with the values of the full query;
* ``typed_table=True`` reads the cells of a table ``create_tables`` made without casting them,
  and gives the same values;
* a value read once is written where it is read; a value read twice stays one column;
* the engine's own DECIMAL typing is trusted only where it keeps the scale: a cap with more
  decimals than the value it caps, and whole-number constants whose sum overflows a 32-bit
  INTEGER, still give the exact values.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

duckdb = pytest.importorskip("duckdb", reason="DuckDB (pip install duckdb) runs the generated SQL in process")
pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")

import sqlglot  # noqa: E402

import sql_harness as H  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from test_sql_duckdb import BUNDLED, compile_text  # noqa: E402
from test_sql_duckdb import bundled as bundled_facts  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`


def bundled(name: str):
    """A bundled policy and its facts as (id, values) pairs."""
    policy, facts = bundled_facts(name)
    return policy, [(e.id, e.values) for e in facts.entities]


def by_id(rows, columns) -> dict:
    return {row[0]: dict(zip(columns, row)) for row in rows}


# ---- columns= and typed_table= -------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED)
def test_typed_table_and_columns_give_the_values_of_the_full_query(name):
    policy, entities = bundled(name)
    full = by_id(*H.score_duckdb(policy.graph, entities))
    items = [n.id for n in policy.graph.order if n.kind == "item"]
    asked = ["total", items[0], items[-1]]
    for typed in (False, True):
        query = S.to_sql(policy.graph, columns=asked, typed_table=typed)
        rows, columns = H.score_duckdb(policy.graph, entities, query)
        assert columns == ["id", *asked] == S.output_columns(policy.graph, asked)
        for entity, row in by_id(rows, columns).items():
            assert row == {name: full[entity][name] for name in ["id", *asked]}, (entity, typed)
        everything = S.to_sql(policy.graph, typed_table=typed)
        assert by_id(*H.score_duckdb(policy.graph, entities, everything)) == full


def test_typed_table_reads_the_cells_without_a_cast():
    policy = compile_text(FLAGS)
    facts_cte = sqlglot.parse_one(S.to_sql(policy.graph, typed_table=True), read="duckdb").find(sqlglot.exp.CTE)
    assert facts_cte.alias == "_facts"
    assert not list(facts_cte.find_all(sqlglot.exp.Cast))
    default = sqlglot.parse_one(S.to_sql(policy.graph), read="duckdb").find(sqlglot.exp.CTE)
    assert list(default.find_all(sqlglot.exp.Cast))


def test_columns_not_asked_for_are_not_computed_and_their_facts_not_read():
    policy = compile_text(FLAGS)
    query = S.to_sql(policy.graph, columns=["a"])
    assert '"f1"' in query and '"f2"' not in query and '"n"' not in query
    assert S.output_columns(policy.graph, ["a"]) == ["id", "a"]


@pytest.mark.parametrize("columns, message", [
    (["totl"], "did you mean `total`"),
    (["total", "total"], "asked for twice"),
    ([], "columns is empty"),
    ("total", "not one string"),
    (["zzz"], "the columns are: a, b, c, total"),
])
def test_a_wrong_column_list_is_refused_with_what_is_allowed(columns, message):
    policy = compile_text(FLAGS)
    with pytest.raises(ValueError, match=message):
        S.to_sql(policy.graph, columns=columns)


# ---- what the query computes once, and where -------------------------------------------------------

FLAGS = """\
facts {
  f1: bool
  f2: bool
  n: count
}

policy p "" {
  entity unit ""
  item a "a" max 2000000000 { add 2000000000 if f1 }
  item b "b" max 2000000000 { add 2000000000 if f2 }
  item c "c" max 0.25 {
    start 2.5
    deduct 1 per n
    until zero
  }
}
"""


def test_a_value_read_once_is_written_where_it_is_read():
    policy = compile_text(FLAGS)
    tree = sqlglot.parse_one(S.to_sql(policy.graph, columns=["total"]), read="duckdb")
    assert [cte.alias for cte in tree.find_all(sqlglot.exp.CTE)] == ["_facts"]


def test_a_value_read_twice_stays_one_column():
    policy = compile_text(FLAGS)
    tree = sqlglot.parse_one(S.to_sql(policy.graph), read="duckdb")  # each item: its column and the total
    stored = {e.alias for cte in tree.find_all(sqlglot.exp.CTE) if cte.alias != "_facts"
              for e in cte.this.expressions if e.alias}
    assert len(stored) == 3


def test_whole_numbers_past_32_bits_and_a_cap_finer_than_its_value_stay_exact():
    """2e9 + 2e9 overflows a 32-bit INTEGER; 2.5 capped at 0.25 needs the cap's two decimals."""
    policy = compile_text(FLAGS)
    entities = [("e1", {"f1": True, "f2": True, "n": Decimal(0)}),
                ("e2", {"f1": False, "f2": True, "n": Decimal(3)})]
    for typed in (False, True):
        for columns in (None, ["total"]):
            query = S.to_sql(policy.graph, columns=columns, typed_table=typed)
            rows, names = H.score_duckdb(policy.graph, entities, query)
            totals = {row[0]: row[names.index("total")] for row in rows}
            assert totals == {"e1": Decimal("4000000000.25"), "e2": Decimal("2000000000")}
            assert rows and all(isinstance(v, Decimal) for row in rows for v in row[1:])


# ---- caps the query's own constants keep ---------------------------------------------------------

BELOW = """
facts {
  rate: percent 0%..100%
  n: count
}
policy p "p" {
  max 30
  item a "a" max 20 {
    start 20
    deduct 1 per 1% below 98% of rate
    until zero
  }
  item b "b" max 10 {
    start 10
    deduct 2 per n
    until zero
  }
}
"""


def test_a_cap_the_constants_already_keep_is_left_out_and_one_they_do_not_is_kept():
    """``20 − GREATEST(0.98 − rate, 0) × 100`` is at most 20 whatever the rate, and at least 0 once
    floored: item a needs no LEAST. ``10 − 2 × n`` is at most 10 only for n ≥ 0, which the
    query's constants do not say: item b keeps its cap."""
    policy = compile_text(BELOW)
    tree = sqlglot.parse_one(S.to_sql(policy.graph, columns=["a", "b"]), read="duckdb")
    (a,) = [e for e in tree.expressions if e.alias == "a"]
    (b,) = [e for e in tree.expressions if e.alias == "b"]
    assert not list(a.find_all(sqlglot.exp.Least)) and len(list(a.find_all(sqlglot.exp.Greatest))) == 2
    assert len(list(b.find_all(sqlglot.exp.Least))) == 1
    entities = [("e1", {"rate": Decimal("0.5"), "n": Decimal(1)}), ("e2", {"rate": Decimal("0.99"), "n": Decimal(9)})]
    rows, names = H.score_duckdb(policy.graph, entities, S.to_sql(policy.graph, columns=["a", "b"]))
    assert {row[0]: row[1:] for row in rows} == {"e1": (Decimal(0), Decimal(8)), "e2": (Decimal(20), Decimal(0))}


def test_one_select_over_a_typed_table_reads_the_table_itself():
    policy = compile_text(BELOW)
    query = S.to_sql(policy.graph, columns=["a", "b"], typed_table=True)
    tree = sqlglot.parse_one(query, read="duckdb")
    assert not list(tree.find_all(sqlglot.exp.CTE)) and tree.args["from_"].this.name == "facts"
    assert {c.name for c in tree.find_all(sqlglot.exp.Column)} == {"id", "rate", "n"}
    entities = [("e1", {"rate": Decimal("0.5"), "n": Decimal(1)})]
    rows, _ = H.score_duckdb(policy.graph, entities, query)
    assert rows == [("e1", Decimal(0), Decimal(8))]


@pytest.mark.parametrize("columns, text", [
    (None, BELOW),  # stages read `*`, and a table may have more columns than the facts
    (["total"], BELOW.replace("n: count", "total: count").replace("per n", "per total")),  # a fact named as an output
    (["total"], BELOW.replace("n: count", "_n: count").replace("per n", "per _n")),  # a name like the query's own
])
def test_the_facts_are_renamed_where_reading_the_table_in_place_could_mistake_a_name(columns, text):
    policy = compile_text(text)
    query = S.to_sql(policy.graph, columns=columns, typed_table=True)
    assert [cte.alias for cte in sqlglot.parse_one(query, read="duckdb").find_all(sqlglot.exp.CTE)][0] == "_facts"
