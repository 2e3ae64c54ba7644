"""The query in each dialect: it parses back, it is one SELECT, its DDL parses."""

from __future__ import annotations

import pytest

sqlglot = pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")

from assessc.api import load_policy  # noqa: E402
from assessc.backends import sql as S  # noqa: E402

from pathlib import Path  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`

ROOT = Path(__file__).resolve().parents[3]
POLICIES = sorted(p.stem for p in (ROOT / "policies").glob("*.assess"))


@pytest.mark.parametrize("dialect", ["spark", "postgres", "duckdb"])
@pytest.mark.parametrize("name", POLICIES)
def test_the_query_parses_back_in_its_dialect(name, dialect):
    policy = load_policy(ROOT / "policies" / f"{name}.assess")
    text = S.to_sql(policy.graph, dialect)
    statements = sqlglot.parse(text, read=dialect)
    assert len(statements) == 1 and isinstance(statements[0], sqlglot.exp.Select)
    names = [e.alias_or_name for e in statements[0].expressions]
    assert names == S.output_columns(policy.graph)
    if len(text) < 50_000:  # printed again from the parsed tree, it is the same query
        assert sqlglot.parse_one(statements[0].sql(dialect=dialect), read=dialect) == statements[0]
    for ddl in S.create_tables(policy.graph, dialect):
        assert isinstance(sqlglot.parse_one(ddl, read=dialect), sqlglot.exp.Create)


def test_spark_quotes_with_backticks_and_decimal_types():
    policy = load_policy(ROOT / "policies" / "guangxi_2017.assess")
    text = S.to_sql(policy.graph, "spark")
    assert "`1.1`" in text and "DECIMAL(38, 1)" in text and '"' not in text


def test_postgres_materializes_each_stage():
    policy = load_policy(ROOT / "policies" / "guangxi_2017.assess")
    assert "AS MATERIALIZED (" in S.to_sql(policy.graph, "postgres")


def test_a_bad_fact_scale_is_refused():
    policy = load_policy(ROOT / "policies" / "guangxi_2017.assess")
    with pytest.raises(ValueError):
        S.to_sql(policy.graph, fact_scale=40)


def test_negative_numbers_never_print_a_comment():
    text = """facts { x: decimal -5..5  n: count }
policy p "t" { round each 1 places half_up
  item 1 "a" { start -1  deduct -0.5 per n  add -(-x)  add x - -0.5  add -x * -2  add 1 / -3 }
  penalty 2 "b" max 1.5 { deduct -x }
}
"""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "neg.assess"
        path.write_text(text, encoding="utf-8")
        policy = load_policy(path)
    for dialect in ("duckdb", "postgres", "spark"):
        for pretty in (True, False):
            assert "--" not in S.to_sql(policy.graph, dialect, pretty=pretty)
