"""The SQL backend's Spark dialect, run by Spark in local mode.

Skipped with the reason when PySpark (``pip install pyspark``) or a Java
runtime is absent; the CI does not install them (Spark is a 300 MB download
and a JVM). Spark has no `CREATE TABLE` without Hive here, so the facts
tables are DataFrames with the schema `create_tables` gives, registered as
views. The session sets `spark.sql.decimalOperations.allowPrecisionLoss` to
false, as docs/embedding.md says a deployment must.
"""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest

pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")
pytest.importorskip("duckdb", reason="shares its fixtures with the DuckDB tests")
pyspark = pytest.importorskip("pyspark", reason="PySpark (pip install pyspark) runs the Spark SQL in local mode")

import sqlglot  # noqa: E402

import engine_suite as suite  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from test_sql_duckdb import BUNDLED, MODES, bundled, compile_text  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None:
        pytest.skip("Spark needs a Java runtime (Debian: default-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("assess-sql-tests")
               .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    yield session
    session.stop()


def score_spark(spark, graph, entities, sql: str | None = None):
    """(rows, columns) of the Spark query over views holding these entities' facts."""
    rows_by_table = S.table_rows(graph, entities)
    for statement in S.create_tables(graph, "spark"):
        create = sqlglot.parse_one(statement, read="spark")
        name = create.this.this.name
        schema = ", ".join(f"`{c.name}` {c.args['kind'].sql('spark')}" for c in create.this.expressions)
        quoted = "`" + name.replace("`", "``") + "`"  # a ledger's table may be named in Chinese
        spark.createDataFrame(rows_by_table.get(name, []), schema=schema).createOrReplaceTempView(quoted)
    frame = spark.sql(sql if sql is not None else S.to_sql(graph, "spark"))
    return [tuple(row) for row in frame.collect()], frame.columns


@pytest.fixture
def score(spark):
    return lambda graph, entities, sql=None: score_spark(spark, graph, entities, sql)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_policy_scores_exactly_as_the_interpreter_on_spark(score, name):
    suite.bundled_policy(score, name)


@pytest.mark.parametrize("places", [2, -1])  # hundredths, and tens
@pytest.mark.parametrize("scope", ["each", "total"])
@pytest.mark.parametrize("mode", MODES)
def test_rounding_ties_in_every_mode_on_spark(score, mode, scope, places):
    suite.rounding_ties(score, mode, scope, places)


def test_errors_are_null_on_spark(score):
    suite.errors_are_null(score)


def test_strings_with_quotes_and_controls_stay_literals_on_spark(score):
    suite.strings_stay_literals(score)


def test_names_at_the_limits_are_kept_apart_on_spark(score):
    suite.names_at_the_limits(score)


def test_random_policies_score_exactly_as_the_interpreter_on_spark(score):
    suite.random_policies(score, 15)


def test_the_checks_query_runs_on_spark(spark):
    from assessc.backends.sql.checks import checks_sql
    from test_sql_checks import POLICY, typed_connection

    for name in ("guangxi_2017", "hubei_2017"):  # Spark takes minutes to plan liangshan's 700 checks
        policy, facts = bundled(name)
        rows, _ = score_spark(spark, policy.graph, [(e.id, e.values) for e in facts.entities],
                              checks_sql(policy.graph, "spark", typed_table=True))
        assert rows == [], name
    policy = compile_text(POLICY)
    good = {"n": Decimal(1), "r": Decimal(1), "p": Decimal("0.5"), "kind": "县区", "ok": True}
    entities = [("e1", {**good, "n": Decimal(11), "kind": "省", "ok": None}), ("e1", good),
                ("e2", {**good, "r": Decimal(15), "p": Decimal("1.5")})]
    rows, _ = score_spark(spark, policy.graph, entities, checks_sql(policy.graph, "spark", typed_table=True))
    assert rows == typed_connection(policy, entities).execute(checks_sql(policy.graph, typed_table=True)).fetchall()
