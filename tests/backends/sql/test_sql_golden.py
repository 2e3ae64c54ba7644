"""The SQL text of every policy that compiles to SQL stays what it was.

``sql_golden.json`` holds, for each seed policy and each test policy that compiles, each
dialect and each query (scores, scores of a typed table, cell checks, CREATE TABLE), the
SHA-256 of the text: a change of the backend's layout must not change one byte of it. A
change meant to alter the SQL rewrites the file (``ASSESS_UPDATE_SQL_GOLDEN=1 pytest -m ''
tests/backends/sql/test_sql_golden.py``) and says why in its commit. DuckDB's queries are
checked in the fast suite; the other dialects' and the largest policy's under ``-m slow``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from assessc.api import PolicyError, load_policy
from assessc.backends.sql import DIALECTS, SQLUnsupported, create_tables, to_sql
from assessc.backends.sql.checks import checks_sql

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = Path(__file__).with_name("sql_golden.json")
SOURCES = [*sorted((ROOT / "policies").glob("*.assess")), *sorted((ROOT / "tests").rglob("*.assess"))]
LARGEST = "policies/liangshan_2017.assess"  # seconds per dialect: with the slow runs


def _queries(path: Path, dialect: str) -> dict[str, str]:
    """``policy|dialect|query`` -> the SHA-256 of its text (or ``refused``); empty for a policy
    that does not compile (a diagnostics case)."""
    try:
        graph = load_policy(path).graph
    except PolicyError:
        return {}
    makers = {"scores": lambda: to_sql(graph, dialect),
              "typed": lambda: to_sql(graph, dialect, typed_table=True),
              "checks": lambda: checks_sql(graph, dialect),
              "tables": lambda: "\n;\n".join(create_tables(graph, dialect))}
    found = {}
    for query, make in makers.items():
        key = f"{path.relative_to(ROOT).as_posix()}|{dialect}|{query}"
        try:
            found[key] = hashlib.sha256(make().encode("utf-8")).hexdigest()
        except SQLUnsupported:  # refused (a name clash): it stays refused
            found[key] = "refused"
    return found


def _cases():
    for path in SOURCES:
        name = path.relative_to(ROOT).as_posix()
        for dialect in DIALECTS:
            slow = dialect != "duckdb" or name == LARGEST
            yield pytest.param(path, dialect, id=f"{name}-{dialect}", marks=[pytest.mark.slow] if slow else [])


@pytest.mark.parametrize(("path", "dialect"), list(_cases()))
def test_the_query_is_the_text_it_was(path, dialect):
    got = _queries(path, dialect)
    golden = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.exists() else {}
    prefix = f"{path.relative_to(ROOT).as_posix()}|{dialect}|"
    want = {key: value for key, value in golden.items() if key.startswith(prefix)}
    if os.environ.get("ASSESS_UPDATE_SQL_GOLDEN"):
        golden = {key: value for key, value in golden.items() if not key.startswith(prefix)} | got
        GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert sorted(got) == sorted(want), "whether this policy compiles to SQL changed"
    changed = sorted(key.rsplit("|", 1)[1] for key in want if got[key] != want[key])
    assert not changed, f"the SQL of these queries changed: {changed}"
