"""The SQL backend's PostgreSQL dialect, run by a throwaway PostgreSQL server.

The cluster (see ``conftest.py``) is started once for the session; the tests
are skipped with the reason when the server binaries or psycopg are absent.
PostgreSQL has no ROUND that the query relies on: every rounding mode is the
explicit formula, so the ties below check it.
"""

from __future__ import annotations

import pytest

pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")
pytest.importorskip("duckdb", reason="shares its fixtures with the DuckDB tests")

import engine_suite as suite  # noqa: E402
import sql_harness as H  # noqa: E402
from test_sql_duckdb import BUNDLED, MODES  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`


@pytest.fixture
def score(postgres):
    return lambda graph, entities, sql=None: H.score_postgres(postgres, graph, entities, sql)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_policy_scores_exactly_as_the_interpreter_on_postgres(score, name):
    suite.bundled_policy(score, name)


@pytest.mark.parametrize("places", [2, -1])  # hundredths, and tens
@pytest.mark.parametrize("scope", ["each", "total"])
@pytest.mark.parametrize("mode", MODES)
def test_rounding_ties_in_every_mode_on_postgres(score, mode, scope, places):
    suite.rounding_ties(score, mode, scope, places)


def test_errors_are_null_on_postgres(score):
    suite.errors_are_null(score)


def test_a_quotient_of_a_sum_is_exact_on_postgres_not_a_float(score):
    suite.quotient_of_a_sum(score)


def test_strings_with_quotes_and_controls_stay_literals_on_postgres(score):
    suite.strings_stay_literals(score)


def test_names_at_the_limits_postgres_keeps_are_kept_apart(score):
    suite.names_at_the_limits(score)


def test_random_policies_score_exactly_as_the_interpreter_on_postgres(score):
    suite.random_policies(score, 20)
