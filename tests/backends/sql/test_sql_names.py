"""SQL names: the query's tables, columns and result columns must be valid and distinct in every
dialect it is tested on. DuckDB and Spark do not tell names apart by case, and PostgreSQL keeps the
first 63 bytes of a name: a policy whose names would collide or be cut is refused with E0410 or
E0411, located in the policy, instead of compiling to SQL that fails or reads the wrong column.
(The names at these limits are run on the engines in test_sql_duckdb.py and test_sql_postgres.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from assessc.api import load_policy
from assessc.backends import sql as S
from assessc.backends.sql.checks import checks_sql

LONG = "法治政府建设示范创建工作年度完成情况汇总"  # 20 characters, 60 bytes


def compile_text(tmp_path: Path, text: str):
    path = tmp_path / "p.assess"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def refused(graph, **options) -> list[tuple[str, int | None, str]]:
    with pytest.raises(S.SQLNameClash) as info:
        S.to_sql(graph, **options)
    return [(d.code.code, d.span.line if d.span else None, d.message) for d in info.value.diagnostics]


def policy(facts: str, items: str) -> str:
    return f"facts {{\n{facts}\n}}\n\npolicy p \"t\" {{\n{items}\n}}\n"


def test_facts_that_differ_only_in_case_are_one_column(tmp_path):
    graph = compile_text(tmp_path, policy("  rate: percent\n  Rate: percent",
                                          '  item 1 "a" max 2 {\n    add 1 if rate > 50%\n    add 1 if Rate > 50%\n  }')).graph
    ((code, line, message),) = refused(graph)
    assert (code, line) == ("E0410", 3)
    assert message.startswith("fact `Rate` and fact `rate` would be one column of the facts table")
    for build in (S.create_tables, S.table_columns, checks_sql):  # every entry point refuses the same
        with pytest.raises(S.SQLNameClash):
            build(graph)


def test_a_name_longer_than_postgres_keeps_is_refused_and_63_bytes_is_not(tmp_path):
    text = policy(f"  {LONG}一二: count\n  {LONG}一: count", f'  item 1 "a" max 9 {{\n    add 1 per {LONG}一二\n'
                  f'    add 1 per {LONG}一\n  }}')
    ((code, line, message),) = refused(compile_text(tmp_path, text).graph)
    assert (code, line) == ("E0411", 2)
    assert "is 66 bytes long in UTF-8; PostgreSQL keeps only the first 63 bytes" in message
    S.to_sql(compile_text(tmp_path, text.replace(f"{LONG}一二", "short")).graph)  # 63 bytes: kept whole


def test_item_keys_that_differ_only_in_case_or_from_id_and_total(tmp_path):
    items = ('  bonus A "a" { start 1 }\n  bonus a "b" { start 1 }\n  bonus Total "c" { start 1 }\n'
             '  bonus id "d" { start 1 }')
    problems = refused(compile_text(tmp_path, policy("  n: count", items)).graph)
    assert [(code, line) for code, line, _ in problems] == [("E0410", 7), ("E0410", 8), ("E0410", 9)]
    assert problems[1][2].startswith("the column of item `Total` and the result's `total` column")


def test_ledger_tables_and_fields(tmp_path):
    facts = f"  {LONG}奖: ledger {{\n    kind: count\n    Kind: count\n  }}"
    items = f'  bonus x "x" {{ add count {LONG}奖 where (kind > Kind) }}'
    problems = refused(compile_text(tmp_path, policy(facts, items)).graph)
    assert [(code, line) for code, line, _ in problems] == [("E0411", 2), ("E0410", 4)]
    assert f"the table `facts_{LONG}奖` of ledger" in problems[0][2]
    assert problems[1][2].startswith(f"field `Kind` of ledger `{LONG}奖` and field `kind`")


def test_the_id_column_and_table_names_given_by_the_caller(tmp_path):
    graph = compile_text(tmp_path, policy("  ID: count", '  item 1 "a" max 9 {\n    add 1 per ID\n  }')).graph
    ((code, line, message),) = refused(graph)
    assert (code, line) == ("E0410", 2) and "fact `ID` and the id column `id`" in message
    S.to_sql(graph, id_column="entity")
    ((code, line, message),) = refused(graph, id_column="entity", table="_Facts")
    assert (code, line) == ("E0410", None)
    assert message == "the facts table `_Facts` and the query's own step `_facts` would be one table in SQL: " \
                      "DuckDB and Spark do not tell names apart by case"
