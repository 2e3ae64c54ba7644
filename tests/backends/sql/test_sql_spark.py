"""The SQL backend's Spark dialect, run by Spark in local mode.

Skipped with the reason when PySpark (``pip install pyspark``) or a Java
runtime is absent; the CI does not install them (Spark is a 300 MB download
and a JVM). Spark has no `CREATE TABLE` without Hive here, so the facts
tables are DataFrames with the schema `create_tables` gives, registered as
views. The session sets `spark.sql.decimalOperations.allowPrecisionLoss` to
false, as docs/embedding.md says a deployment must.
"""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal

import pytest

pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")
pytest.importorskip("duckdb", reason="shares its fixtures with the DuckDB tests")
pyspark = pytest.importorskip("pyspark", reason="PySpark (pip install pyspark) runs the Spark SQL in local mode")

import sqlglot  # noqa: E402
from hypothesis import Phase, given, reject  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import sql_harness as H  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from fact_strategies import entity_values  # noqa: E402
from policy_strategies import GeneratedPolicy, policies  # noqa: E402
from test_sql_duckdb import (BUNDLED, ERRORS, MODES, TIE_POLICY, _nasty_entities, _nasty_policy, _settings,  # noqa: E402
                             bundled, compile_text, has_inexact_quotient, tie_entities)


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


def check(spark, policy, entities) -> list:
    rows, columns = score_spark(spark, policy.graph, entities)
    assert columns == S.output_columns(policy.graph)
    return H.compare(policy.graph, H.expected(policy, entities), rows, columns)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_policy_scores_exactly_as_the_interpreter_on_spark(spark, name):
    policy, facts = bundled(name)
    run = policy.score_facts(facts)
    rows, columns = score_spark(spark, policy.graph, [(e.id, e.values) for e in facts.entities])
    assert len(rows) == len(facts.entities)
    assert H.compare(policy.graph, {r.entity: r for r in run.results}, rows, columns) == []


@pytest.mark.parametrize("scope", ["each", "total"])
@pytest.mark.parametrize("mode", MODES)
def test_rounding_ties_in_every_mode_on_spark(spark, mode, scope):
    policy = compile_text(TIE_POLICY.format(mode=mode, scope=scope))
    assert check(spark, policy, tie_entities()) == []


def test_errors_are_null_on_spark(spark):
    policy = compile_text(ERRORS)
    ok = {"category": "市州", "reports": Decimal(30), "d": Decimal(4), "a": datetime.date(2017, 9, 20),
          "b": datetime.date(2017, 10, 20)}
    entities = [("ok", ok), ("no-row", {**ok, "category": "其他"}), ("zero", {**ok, "d": Decimal(0)}),
                ("uncovered", {**ok, "b": datetime.date(2030, 1, 5)})]
    assert check(spark, policy, entities) == []
    rows, columns = score_spark(spark, policy.graph, entities)
    assert [row[columns.index("total")] is None for row in rows] == [False, True, True, True]


def test_strings_with_quotes_and_controls_stay_literals_on_spark(spark):
    policy = compile_text(_nasty_policy())
    assert check(spark, policy, _nasty_entities(policy)) == []


def test_random_policies_score_exactly_as_the_interpreter_on_spark(spark):
    @_settings(15, phases=(Phase.explicit, Phase.generate))
    @given(policies(), st.data())
    def run(generated: GeneratedPolicy, data):
        try:
            policy = compile_text(generated.text)
        except AssertionError:
            reject()
        values = data.draw(st.lists(entity_values(policy.ir.facts), min_size=3, max_size=5), label="entities")
        wrong = check(spark, policy, [(f"e{k}", v) for k, v in enumerate(values)])
        if has_inexact_quotient(policy.ir):
            wrong = [w for w in wrong if len(w) < 4 or w[2] is None or w[3] is None
                     or abs(Decimal(w[3]) - w[2]) > Decimal("1e-15")]
        assert wrong == [], f"{wrong[:4]}\n---- policy ----\n{generated.text}"

    run()


def test_the_checks_query_runs_on_spark(spark):
    from assessc.backends.sql_checks import checks_sql
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
