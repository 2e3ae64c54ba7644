"""The checks query lists exactly the cells the fact loader would refuse, among the kinds of
problem it covers: nothing for the bundled facts, and for random tables of valid, boundary and
invalid cells, the same (entity, fact) pairs as the loader's own checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

duckdb = pytest.importorskip("duckdb", reason="DuckDB (pip install duckdb) runs the generated SQL in process")
pytest.importorskip("sqlglot", reason="the SQL backend builds its queries with sqlglot")

import sql_harness as H  # noqa: E402
from assessc.api import load_policy  # noqa: E402
from assessc.backends import sql as S  # noqa: E402
from assessc.backends.sql.checks import COLUMNS, checks_sql  # noqa: E402
from assessc.facts.typed import check_typed  # noqa: E402
from assessc.facts.values import BadValue  # noqa: E402
from test_sql_duckdb import BUNDLED, compile_text  # noqa: E402
from test_sql_duckdb import bundled as bundled_facts  # noqa: E402

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`


def typed_connection(policy, facts):
    """A DuckDB connection with the tables `create_tables` makes, holding ``facts``."""
    connection = duckdb.connect()
    H.load(connection.execute, connection.executemany, policy.graph, "duckdb", facts)
    return connection


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("typed", [True, False])
def test_the_bundled_facts_have_no_problem(name, typed):
    policy, facts = bundled_facts(name)
    connection = typed_connection(policy, facts)
    assert connection.execute(checks_sql(policy.graph, typed_table=typed)).fetchall() == []


POLICY = """
facts {
  n: count 0..10 "件数"
  r: rank 1..14
  p: percent 0%..100%
  d: decimal -5..5 default 2
  a: amount 1..3 default 0
  kind: enum { 市州 "市（州）" also "地级市", 县区 }
  ok: bool
  extra: count            # read only where the item that applies if `ok` is scored
}
policy t "t" {
  item 1 "a" max 100 {
    add 1 per n
    add lookup r { 1..3: 5  else: 1 }
    add 10 per p
    add d
    add a
    add 2 if kind == 市州
  }
  item 2 "b" max 10 {
    applies if ok
    add 1 per extra
  }
}
"""

# every fact's candidates: valid, on the bounds, outside them, not whole, blank
CANDIDATES = {
    "n": [Decimal(0), Decimal(10), Decimal(-1), Decimal(11), Decimal("2.5"), None],
    "r": [Decimal(1), Decimal(14), Decimal(0), Decimal(15), Decimal("1.5"), None],
    "p": [Decimal(0), Decimal(1), Decimal("0.5"), Decimal("-0.01"), Decimal("1.01"), Decimal("1.0000001"), None],
    "d": [Decimal(-5), Decimal(5), Decimal(2), Decimal("5.5"), Decimal(-6), None],
    "a": [Decimal(1), Decimal(3), Decimal(0), Decimal("0.5"), Decimal(4), None],
    "kind": ["市州", "县区", "市（州）", "地级市", "省", None],
    "ok": [True, False, None],
    "extra": [Decimal(0), Decimal(7), Decimal(-2), None],
}
SPELLINGS = {"市州", "县区", "市（州）", "地级市"}


def expected_problems(policy, entities) -> set[tuple[str, str | None]]:
    """What the loader refuses: a value its checks reject (an enum by any of its spellings), a
    blank fact every entity must give, a fact read only by an item that applies if `ok`: blank
    where it applies or given where it does not; a repeated id."""
    decls = {f.name: f for f in policy.graph.policy.facts}
    wrong = set()
    for entity, values in entities:
        for name, value in values.items():
            decl = decls[name]
            if value is None:
                if decl.default is None and name != "extra":
                    wrong.add((entity, name))
            elif name == "kind":
                if value not in SPELLINGS:
                    wrong.add((entity, name))
            else:
                try:
                    check_typed(value, decl.type, decl.default)
                except BadValue:
                    wrong.add((entity, name))
        # `extra` is read only by item 2, which applies if `ok`: needed exactly where it applies
        if values["ok"] is True and values["extra"] is None or values["ok"] is False and values["extra"] is not None:
            wrong.add((entity, "extra"))
    ids = [entity for entity, _ in entities]
    wrong |= {(entity, None) for entity in ids if ids.count(entity) > 1}
    return wrong


ENTITIES = st.lists(
    st.tuples(st.sampled_from(["e1", "e2", "e3", "e4", "e5"]),
              st.fixed_dictionaries({name: st.sampled_from(values) for name, values in CANDIDATES.items()})),
    min_size=1, max_size=5)


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(ENTITIES)
def test_the_checks_find_what_the_loader_refuses(entities):
    policy = compile_text(POLICY)
    # an untyped table: every cell as text, as a file or a staging table may hold it
    names = list(CANDIDATES)
    connection = duckdb.connect()
    connection.execute('CREATE TABLE facts ("id" TEXT, ' + ", ".join(f'"{n}" TEXT' for n in names) + ")")
    rows = [(entity, *(None if values[n] is None else str(values[n]) for n in names)) for entity, values in entities]
    connection.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * (len(names) + 1))})", rows)
    found = connection.execute(checks_sql(policy.graph)).fetchall()
    assert {(row[0], row[1]) for row in found} == expected_problems(policy, entities)


def test_each_problem_names_the_entity_the_fact_the_cell_and_what_is_allowed():
    policy = compile_text(POLICY)
    entities = [("e1", {"n": Decimal(11), "r": Decimal(1), "p": Decimal("0.5"), "d": None, "a": None,
                        "kind": "省", "ok": None, "extra": None}),
                ("e1", {"n": Decimal(1), "r": Decimal(1), "p": Decimal("0.5"), "d": None, "a": None,
                        "kind": "县区", "ok": True, "extra": None})]
    connection = typed_connection(policy, entities)
    rows = connection.execute(checks_sql(policy.graph, typed_table=True)).fetchall()
    assert [dict(zip(COLUMNS, row)) for row in rows] == [
        {"id": "e1", "fact": None, "value": "2", "problem": "the entity id is given on more than one row",
         "allowed": "allowed: one row per entity"},
        {"id": "e1", "fact": "extra", "value": None,  # the second row: ok, so item 2 applies and reads it
         "problem": "is blank, and an item that applies to the entity reads it",
         "allowed": "allowed: a whole number of at least 0"},
        {"id": "e1", "fact": "kind", "value": "省", "problem": "is not one of its members",
         "allowed": "allowed: one of 市州, 县区 (a member's name, label or alias)"},
        {"id": "e1", "fact": "n", "value": "11", "problem": "is outside its range",
         "allowed": "allowed: a whole number from 0 to 10"},
        {"id": "e1", "fact": "ok", "value": None, "problem": "is blank",
         "allowed": "allowed: yes/no (true, false, 1, 0, 是, 否)"},
    ]


def test_checks_compile_for_a_distributed_engine():
    policy = load_policy("policies/guangxi_2017.assess")
    query = checks_sql(policy.graph, "spark", typed_table=True, pretty=False)
    assert "UNION ALL" in query and "`id`" in query


def test_the_cli_writes_the_checks_query(tmp_path):
    from click.testing import CliRunner

    from assessc.cli import main

    policy_file = tmp_path / "t.assess"
    policy_file.write_text(POLICY, encoding="utf-8")
    out = tmp_path / "checks.sql"
    result = CliRunner().invoke(main, ["compile", str(policy_file), "--target", "sql", "--checks", "--typed-table",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    policy = compile_text(POLICY)
    connection = typed_connection(policy, [("e1", {"n": Decimal(12), "r": Decimal(2), "p": Decimal("0.5"),
                                                   "kind": "县区", "ok": False})])
    assert connection.execute(out.read_text(encoding="utf-8")).fetchall() == [
        ("e1", "n", "12", "is outside its range", "allowed: a whole number from 0 to 10")]
    for extra in (["--target", "sql", "--columns", "total"], []):  # scores and checks; checks without SQL
        result = CliRunner().invoke(main, ["compile", str(policy_file), "--checks", *extra, "-o", str(out)])
        assert result.exit_code == 2


LEDGER = """
facts {
  awards: ledger {
    level: enum { 国家 "国家级", 省 }
    points: decimal 0..5
    n: count default 1
  }
}
policy t "t" {
  item 1 "a" max 100 {
    add awards where (points > 1 and n >= 1) by level { 国家: 2  省: 1 }
  }
}
"""


@pytest.mark.parametrize("typed", [True, False])
def test_ledger_entries_are_checked_field_by_field_and_must_name_a_known_entity(typed):
    policy = compile_text(LEDGER)
    connection = duckdb.connect()
    if typed:
        for statement in S.create_tables(policy.graph):
            connection.execute(statement)
    else:  # every cell as text
        connection.execute('CREATE TABLE facts ("id" TEXT)')
        connection.execute('CREATE TABLE facts_awards ("id" TEXT, "level" TEXT, "points" TEXT, "n" TEXT)')
    connection.executemany("INSERT INTO facts VALUES (?)", [("e1",), ("e2",)])
    entries = [("e1", "国家级", 2, 1), ("e1", "市", 2, 1), ("e2", "省", 6, None), ("e3", "省", 1, 1), ("e2", None, 1, 1)]
    if not typed:
        entries = [tuple(None if v is None else str(v) for v in row) for row in entries]
    connection.executemany("INSERT INTO facts_awards VALUES (?, ?, ?, ?)", entries)
    rows = connection.execute(checks_sql(policy.graph, typed_table=typed)).fetchall()
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("e1", "awards.level", "is not one of its members"),
        ("e2", "awards.level", "is blank"),
        ("e2", "awards.points", "is outside its range"),
        ("e3", "awards", "is an entry for an entity the facts table does not have"),
    ]


EVIDENCE = """
facts {
  proof: evidence { 名单 "宣誓人员名单" also "名册", 图片 }
}
policy t "t" {
  item 1 "a" max 2 {
    start 2
    deduct 1 per missing proof
  }
}
"""


@pytest.mark.parametrize("typed", [True, False])
def test_an_evidence_cell_naming_an_undeclared_item_is_listed(typed):
    policy = compile_text(EVIDENCE)
    cells = {"ok1": "名单;图片", "ok2": "宣誓人员名单", "ok3": "名册;;图片", "ok4": "", "blank": None, "ok6": "图片;图片",
             "bad1": "名单;视频", "bad2": "名单,图片", "bad3": "图"}
    connection = duckdb.connect()
    connection.execute('CREATE TABLE facts ("id" TEXT, "proof" TEXT)')
    connection.executemany("INSERT INTO facts VALUES (?, ?)", list(cells.items()))
    rows = connection.execute(checks_sql(policy.graph, typed_table=typed)).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("bad1", "proof", "名单;视频", "names an item the fact does not declare"),
        ("bad2", "proof", "名单,图片", "names an item the fact does not declare"),
        ("bad3", "proof", "图", "names an item the fact does not declare"),
        ("blank", "proof", None, "is blank"),  # NULL: not given at all ('' lists no items)
    ]
    # and what the query does not list, the scoring query reads item by item
    scored = dict(connection.execute(S.to_sql(policy.graph, columns=["total"], typed_table=typed)).fetchall())
    assert [scored[k] for k in ("ok1", "ok2", "ok3", "ok4", "ok6")] == [2, 1, 2, 0, 1]


# ---- the same checks on PostgreSQL -------------------------------------------------------------------

def run_postgres(postgres, policy, entities, *, ledger_rows=()):
    with postgres.connect() as connection:
        cursor = connection.cursor()
        H.load(cursor.execute, cursor.executemany, policy.graph, "postgres", entities, placeholder="%s")
        if ledger_rows:
            cursor.executemany("INSERT INTO facts_awards VALUES (%s, %s, %s, %s)", ledger_rows)
        cursor.execute(checks_sql(policy.graph, "postgres", typed_table=True))
        return cursor.fetchall()


@pytest.mark.parametrize("name", BUNDLED)
def test_the_bundled_facts_have_no_problem_on_postgres(postgres, name):
    policy, facts = bundled_facts(name)
    assert run_postgres(postgres, policy, [(e.id, e.values) for e in facts.entities]) == []


def test_problems_on_postgres_are_the_ones_duckdb_finds(postgres):
    policy = compile_text(POLICY)
    good = {"n": Decimal(1), "r": Decimal(1), "p": Decimal("0.5"), "kind": "县区", "ok": True}
    entities = [("e1", {**good, "n": Decimal(11), "kind": "省", "ok": None}), ("e1", good),
                ("e2", {**good, "r": Decimal(15), "p": Decimal("1.5")}), ("e3", good)]
    assert run_postgres(postgres, policy, entities) == \
        typed_connection(policy, entities).execute(checks_sql(policy.graph, typed_table=True)).fetchall()
    evidence = compile_text(EVIDENCE)
    submitted = [("e1", {"proof": frozenset({"名单", "图片"})}), ("e2", {"proof": frozenset()})]
    with postgres.connect() as connection:
        cursor = connection.cursor()
        cursor.execute('CREATE TABLE facts ("id" TEXT, "proof" TEXT)')
        cursor.executemany("INSERT INTO facts VALUES (%s, %s)", [("ok", "名册;图片"), ("bad", "名单;视频")])
        cursor.execute(checks_sql(evidence.graph, "postgres"))
        assert [(r[0], r[1]) for r in cursor.fetchall()] == [("bad", "proof")]
    assert run_postgres(postgres, evidence, submitted) == []
    ledger = compile_text(LEDGER)
    entries = [("e1", "国家级", Decimal(2), 1), ("e1", "市", Decimal(2), 1), ("e2", "省", Decimal(6), None),
               ("e3", "省", Decimal(1), 1), ("e2", None, Decimal(1), 1)]
    found = run_postgres(postgres, ledger, [("e1", {}), ("e2", {})], ledger_rows=entries)
    assert [(r[0], r[1], r[3]) for r in found] == [
        ("e1", "awards.level", "is not one of its members"),
        ("e2", "awards.level", "is blank"),
        ("e2", "awards.points", "is outside its range"),
        ("e3", "awards", "is an entry for an entity the facts table does not have"),
    ]
