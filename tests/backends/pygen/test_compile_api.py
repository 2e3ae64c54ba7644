"""``assessc.compile.compile`` and ``assessc compile --target python|sql``."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal

import pytest
from click.testing import CliRunner

from pygen_support import POLICIES  # isort: skip

from assessc.api import PolicyError, load_policy
from assessc.cli import main
from assessc.compile import CompileError, Scorer, compile

TEXT = """
facts {
  n: count "缺少件数"
  ok: bool "完成"
}

policy small "小" {
  round each 2 places half_up
  item 1 "甲" max 2 {
    start 2
    deduct 0.125 per n
    until zero
  }
  item 2 "乙" max 1 { add 1 if ok }
}
"""

NESTED = """
facts { cases: ledger { kind: enum { a, b } } }
policy p "t" {
  item 1 "x" max 3 {
    add 1 per count cases where (count cases where (kind == a) > 0 and kind == b)
  }
}
"""


def test_compile_text_file_and_path_give_the_same_scorer(tmp_path):
    path = tmp_path / "small.assess"
    path.write_text(TEXT, encoding="utf-8")
    scorers = [compile(TEXT), compile(TEXT, path=path), compile(path), compile(str(path))]
    for scorer in scorers:
        assert isinstance(scorer, Scorer) and scorer.name == "small"
        result = scorer.score({"n": 3, "ok": "是"}, entity="甲")
        assert result.total == Decimal("2.62")  # the rule: −0.375 → −0.38 (half up, away from 0); 2 − 0.38 + 1
        assert result.values == {"1": Decimal("1.62"), "2": 1, "total": Decimal("2.62")}
        assert [r.total for r in scorer.score_rows([{"n": "0", "ok": "否"}, {"n": 20, "ok": True}])] == [2, 1]
        assert scorer.validate({"n": "3", "ok": "yes"}) == {"n": Decimal(3), "ok": True}
        assert "def _fast(f, entity):" in scorer.source
    assert compile(path).line_map == compile(TEXT, path=str(path)).line_map
    assert {place[0] for place in scorers[0].line_map.values()} == {"<policy>"}


def test_explain_gives_the_interpreters_lines(tmp_path):
    path = tmp_path / "small.assess"
    path.write_text(TEXT, encoding="utf-8")
    scorer = compile(path)
    lines = scorer.score({"n": 3, "ok": False}).explain()
    expected = load_policy(path).score_values("e", {"n": Decimal(3), "ok": False})
    for node_id, score in expected.nodes.items():
        assert [(l.kind, l.source_id, l.label, l.amount, l.detail) for l in lines[node_id]] == \
               [(l.kind, l.source_id, l.label, l.amount, l.detail) for l in score.lines]
    assert lines["1"][1].where == ("small.assess", 11, 5)  # named relative to the policy's folder


def test_a_policy_with_errors_raises_policy_error():
    with pytest.raises(PolicyError) as error:
        compile('policy p "t" { item 1 "a" { add missing_fact } }', path="bad.assess")
    assert "undefined name `missing_fact`" in str(error.value)
    assert error.value.diagnostics[0].span.path == "bad.assess"


def test_a_form_out_of_reach_raises_compile_error_naming_it_and_its_line():
    with pytest.raises(CompileError) as error:
        compile(NESTED, path="nested.assess")
    assert str(error.value) == "nested.assess:5:53: a ledger filter (`where`) inside another ledger filter"


def test_cli_writes_an_importable_module(tmp_path):
    out = tmp_path / "scorer.py"
    result = CliRunner().invoke(main, ["compile", str(POLICIES / "guangxi_2017.assess"), "--target", "python",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    spec = importlib.util.spec_from_file_location("guangxi_scorer", out)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    policy = load_policy(POLICIES / "guangxi_2017.assess")
    facts = policy.load_facts(POLICIES / "guangxi_2017.facts.csv")
    run = policy.score_facts(facts)
    for entity in facts.entities:
        assert module.score(dict(entity.values), entity=entity.id).total == run.result(entity.id).total
    assert [p.name for p in tmp_path.iterdir()] == ["scorer.py"]  # written whole, no temporary left


def test_cli_errors_exit_1(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(main, ["compile", str(POLICIES / "guangxi_2017.assess"), "-o", str(tmp_path / "no" / "x.py")])
    assert bad.exit_code == 1 and "does not exist" in bad.output
    nested = tmp_path / "nested.assess"
    nested.write_text(NESTED, encoding="utf-8")
    out = runner.invoke(main, ["compile", str(nested), "-o", str(tmp_path / "n.py")])
    assert out.exit_code == 1 and "inside another ledger filter" in out.output
    assert not (tmp_path / "n.py").exists()
    wrong = runner.invoke(main, ["compile", str(nested), "--target", "cobol", "-o", str(tmp_path / "n.py")])
    assert wrong.exit_code == 2


def test_cli_sql_target_without_the_sql_backend_exits_1(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "assessc.backends.sql", None)  # as if compiler/backends/sql/ were absent
    result = CliRunner().invoke(main, ["compile", str(POLICIES / "guangxi_2017.assess"), "--target", "sql",
                                       "-o", str(tmp_path / "q.sql")])
    assert result.exit_code == 1
    assert "--target sql needs the SQL backend" in result.output
    assert not (tmp_path / "q.sql").exists()


def test_cli_sql_target_calls_to_sql_with_the_graph_and_dialect(tmp_path, monkeypatch):
    import types

    calls = []
    fake = types.ModuleType("assessc.backends.sql")
    fake.SQLUnsupported = type("SQLUnsupported", (Exception,), {})
    fake.to_sql = lambda graph, dialect="duckdb", **options: calls.append((graph.policy.name, dialect, options)) \
        or "SELECT 1;\n"
    monkeypatch.setitem(sys.modules, "assessc.backends.sql", fake)
    out = tmp_path / "q.sql"
    result = CliRunner().invoke(main, ["compile", str(POLICIES / "guangxi_2017.assess"), "--target", "sql",
                                       "--dialect", "postgres", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert calls == [("guangxi_2017", "postgres", {})] and out.read_text() == "SELECT 1;\n"
    result = CliRunner().invoke(main, ["compile", str(POLICIES / "guangxi_2017.assess"), "--target", "sql",
                                       "--columns", "total, 1", "--typed-table", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert calls[-1] == ("guangxi_2017", "duckdb", {"columns": ["total", "1"], "typed_table": True})


def test_cli_sql_options_are_refused_for_python_and_a_wrong_column_is_named(tmp_path):
    policy = str(POLICIES / "guangxi_2017.assess")
    result = CliRunner().invoke(main, ["compile", policy, "--columns", "total", "-o", str(tmp_path / "s.py")])
    assert result.exit_code == 2 and "go with --target sql" in result.output
    assert not (tmp_path / "s.py").exists()
    pytest.importorskip("sqlglot")
    result = CliRunner().invoke(main, ["compile", policy, "--target", "sql", "--columns", "totl",
                                       "-o", str(tmp_path / "q.sql")])
    assert result.exit_code == 2 and "did you mean `total`?" in result.output
    assert not (tmp_path / "q.sql").exists()


def test_cli_sql_target_reports_a_form_sql_cannot_express(tmp_path):
    pytest.importorskip("sqlglot")
    source = tmp_path / "p.assess"
    source.write_text('facts {\n  cases: ledger { kind: enum { a, b } }\n}\ntable t { a: 1 }\n'
                      'policy p "t" {\n  bonus x "x" {\n    add sum cases where (lookup kind t >= 1) by kind { a: 1 }\n'
                      '  }\n}\n', encoding="utf-8")  # a `where` that can fail
    result = CliRunner().invoke(main, ["compile", str(source), "--target", "sql", "-o", str(tmp_path / "q.sql")])
    assert result.exit_code == 1, result.output
    assert "cannot compile to SQL" in result.output and "internal error" not in result.output
    source.write_text('facts {\n  n: count\n}\n\npolicy p "" {\n  entity unit ""\n'
                      '  item id "clashes with the id column" max 1 { add 1 per n }\n}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["compile", str(source), "--target", "sql", "-o", str(tmp_path / "q.sql")])
    assert result.exit_code == 1, result.output
    assert "p.assess:7:3: E0410 the column of item `id` and the result's `id` column" in result.output


def test_the_compile_module_leaves_the_builtin_alone():
    import builtins

    import assessc.compile as module

    assert module.compile is compile is not builtins.compile
    assert eval(builtins.compile("1 + 1", "<x>", "eval")) == 2
