"""Regression tests for reading facts files: each test names a defect that once let a
facts file be misread, refused or crash, and checks the loader (and the batch engine's
own readers, which must read every file the same way) no longer does."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from assessc.diagnostics import DiagnosticBag
from assessc.facts import load_facts
from assessc.ir.types import FactDecl, FactType, Kind

openpyxl = pytest.importorskip("openpyxl")


def fact(name: str, kind: str, *, low: str | None = None, high: str | None = None, label: str | None = None,
         default: object = None) -> FactDecl:
    return FactDecl(name, FactType(Kind(kind), None if low is None else D(low), None if high is None else D(high)),
                    label, default)


def load(path: Path, facts: list[FactDecl], **options):
    """(facts, diagnostics) of loading ``path``."""
    bag = DiagnosticBag()
    loaded = load_facts(path, facts, bag, **options)
    return loaded, list(bag)


def workbook(path: Path, rows: list[list], title: str = "Sheet1") -> Path:
    """One sheet of ``rows``; a cell may be (value, number_format)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row, start=1):
            value, number_format = cell if isinstance(cell, tuple) else (cell, None)
            target = sheet.cell(row=r, column=c, value=value)
            if number_format:
                target.number_format = number_format
    book.save(path)
    return path


# ---- 1. percentage cells --------------------------------------------------------------------


def test_percent_cell_holding_100_percent_reads_as_100_percent(tmp_path):
    """An Excel percentage cell can be read 100 times too small: 100% (stored 1) was read as 1 %."""
    path = workbook(tmp_path / "rates.xlsx", [
        ["id", "rate"],
        ["满分", (1, "0%")],
        ["两倍", (2, "0%")],
        ["一半", (0.5, "0%")],
        ["零", (0, "0.00%")],
    ])
    facts, diagnostics = load(path, [fact("rate", "percent", low="0", high="3")])
    assert diagnostics == []
    assert [facts.get(e)["rate"] for e in ("满分", "两倍", "一半", "零")] == [D(1), D(2), D("0.5"), D(0)]


# ---- 2. Chinese spreadsheets ----------------------------------------------------------------

POLICY = """
facts {
  n: count "数量"
  rate: percent "比率"
}

policy demo "演示" {
  entity city "设区市"
  max 10
  item 1 "数量" max 5 {
    add 1 per n
  }
  item 2 "比率" max 5 {
    add 5 if rate >= 90%
  }
}
"""

RANKING = "1     南宁        6\n2     柳州        2\n"


def run(*args):
    from click.testing import CliRunner

    from assessc.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def policy(tmp_path) -> Path:
    path = tmp_path / "demo.assess"
    path.write_text(POLICY, encoding="utf-8")
    return path


@pytest.mark.parametrize("engine", ["interp", "batch"])
@pytest.mark.parametrize("suffix", ["csv", "xlsx", "json"])
def test_id_column_headed_with_the_entity_label_is_recognised(tmp_path, policy, engine, suffix):
    """Chinese spreadsheets are refused: an id column headed `设区市` (the entity's label) was not recognised."""
    if engine == "batch":
        pytest.importorskip("numpy")
    rows = [["2017年度设区市考评表", "", ""], ["设区市", "数量", "比率"], ["南宁", "1", "95"], ["柳州", "2", "80%"]]
    path = tmp_path / f"facts.{suffix}"
    if suffix == "csv":
        path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    elif suffix == "xlsx":
        workbook(path, rows, title="考核")
    else:
        path.write_text('[{"设区市": "南宁", "数量": 1, "比率": 95}, {"设区市": "柳州", "数量": 2, "比率": "80%"}]',
                        encoding="utf-8")
    result = run("score", policy, path, "--engine", engine)
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(RANKING)


def test_a_fact_named_like_an_id_column_is_reported_by_check(tmp_path):
    """A fact named `id` passes `check` but no facts file can give it (the loader takes `id` as the entity column)."""
    path = tmp_path / "p.assess"
    path.write_text(POLICY.replace('n: count "数量"', 'id: count "数量"').replace("per n", "per id"), encoding="utf-8")
    result = run("check", path)
    assert result.exit_code == 1
    assert "D0612 fact `id` cannot be given in a facts file" in result.stderr


def excel_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    """A CSV as Excel saves it: CRLF line ends, quotes only where needed, no byte-order mark
    (Excel on Chinese Windows writes "CSV (逗号分隔)" in GBK)."""
    import csv

    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    return path


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_csv_saved_by_excel_on_chinese_windows_is_read_as_gb18030(tmp_path, policy, engine):
    """Chinese spreadsheets are refused: a CSV in GBK (Excel's "CSV (逗号分隔)") was refused although the loader knew it was GBK."""
    if engine == "batch":
        pytest.importorskip("numpy")
    rows = [["设区市", "数量", "比率"], ["南宁", "1", "95%"], ["柳州", "2", "８０％"]]
    path = excel_csv(tmp_path / "考核.csv", rows, "gbk")
    assert path.read_bytes()[:2] != b"\xef\xbb" and b"\r\n" in path.read_bytes()
    result = run("score", policy, path, "--engine", engine, "-v")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(RANKING)
    assert f"note: read `{path}` as GB18030 (GBK)" in result.stderr
    quiet = run("score", policy, path, "--engine", engine)
    assert quiet.stdout == result.stdout and "note:" not in quiet.stderr


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_a_damaged_utf8_csv_is_refused_not_read_as_gb18030(tmp_path, policy, engine):
    """A UTF-8 file with one bad byte must not be read as garbled Chinese once GB18030 is accepted."""
    if engine == "batch":
        pytest.importorskip("numpy")
    path = tmp_path / "facts.csv"
    path.write_bytes("设区市,数量,比率\n南宁,1,95\n柳州,2,80\n".encode() + b"\xb1,1,1\n")
    result = run("score", policy, path, "--engine", engine)
    assert result.exit_code == 1
    assert f"{path}:4:1: D0601 `{path}` is not UTF-8 text (bad byte at line 4)" in result.stderr


# ---- 3. places in a workbook ----------------------------------------------------------------


def test_xlsx_diagnostic_names_the_sheet_and_the_cell_as_excel_does(tmp_path, policy):
    """Spreadsheet diagnostics point at a CSV-like column (`:4:12`), not the Excel cell (`L4`)."""
    header = ["设区市", "数量"] + [f"备注{i}" for i in range(9)] + ["比率"]
    path = workbook(tmp_path / "facts.xlsx", [
        ["2017年度考核表"],
        header,
        ["南宁", 1] + [""] * 9 + [(0.95, "0%")],
        ["柳州", 2] + ["材料已补交"] * 9 + ["九十"],
    ], title="考核")
    result = run("score", policy, path)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"{path}[考核]!L4: D0603 entity `柳州`: fact `rate` is `九十`, not a percentage" in lines
    caret = lines.index(f"{path}[考核]!L4: D0603 entity `柳州`: fact `rate` is `九十`, not a percentage")
    row, under = lines[caret + 2], lines[caret + 3]
    assert row.startswith("4 | 柳州,2,材料已补交,") and row.endswith(",九十")
    assert under.endswith("^^^^") and _width(under) == _width(row)  # under `九十`, the last cell


def _width(text: str) -> int:
    """Terminal columns: a Chinese character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ---- 4. the unknown-column warning -------------------------------------------------------------


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_unknown_column_warning_is_shown_only_where_docs_say(tmp_path, policy, engine):
    """D0608 is printed on every successful run, contrary to docs/diagnostics.md."""
    if engine == "batch":
        pytest.importorskip("numpy")
    own = tmp_path / "own.csv"
    own.write_text("序号,设区市,数量,比率,备注\n1,南宁,1,95,\n2,柳州,2,80,材料已补交\n", encoding="utf-8")
    result = run("score", policy, own, "--engine", engine)
    assert result.exit_code == 0 and result.stdout.endswith(RANKING)
    assert "D0608" not in result.stderr and result.stderr.startswith("assessc: engine:") and result.stderr.count("\n") == 1
    verbose = run("score", policy, own, "--engine", engine, "-v")
    assert f"note: `{own}`: columns `序号`, `备注` name no fact; they are ignored" in verbose.stderr

    # a fact with a default and no column of its own: the unknown column may be meant for it
    with_default = tmp_path / "d.assess"
    with_default.write_text(POLICY.replace('rate: percent "比率"', 'rate: percent "比率" default 100%'), encoding="utf-8")
    typo = tmp_path / "typo.csv"
    typo.write_text("设区市,数量,比例\n南宁,1,95\n柳州,2,80\n", encoding="utf-8")
    result = run("score", with_default, typo, "--engine", engine)
    assert result.exit_code == 0
    assert f"{typo}:1:8: D0608 column `比例` names no declared fact; it is ignored [warning]" in result.stderr
    assert "`rate` (which takes its default, 100%, for every entity)" in result.stderr


# ---- 5. optional dates ------------------------------------------------------------------------

DATES = """
facts {
  filed_on: date "报送日期" default 2017-12-26
  remote: bool "偏远地区"
  visited_on: date "督查日期"
  cases: ledger {
    kind: enum { a, b }
    closed_on: date "结案日期" default 2017-06-30
  }
}

policy dates "日期" {
  entity county "县"
  max 10
  item 1 "报送" max 4 {
    start 4
    deduct 1 per workdays(2017-12-25, filed_on)
    until zero
  }
  item 2 "督查" max 3 {
    applies if remote
    add 3 if visited_on <= 2017-06-30
  }
  item 3 "结案" max 3 {
    add cases where (closed_on <= 2017-06-30) by kind { a: 1  b: 2 }
  }
}
"""


def test_a_date_fact_is_optional_like_the_others(tmp_path):
    """A date fact cannot be optional: a blank date took its default as text, which the typed API then refused."""
    import datetime
    import json

    from assessc.api import load_policy

    policy_path = tmp_path / "dates.assess"
    policy_path.write_text(DATES, encoding="utf-8")
    facts_path = tmp_path / "dates.json"
    facts_path.write_text(json.dumps([
        {"county": "甲县", "filed_on": None, "remote": True, "visited_on": "2017-05-01",
         "cases": [{"kind": "a", "closed_on": None}, {"kind": "b", "closed_on": "2017-07-01"}]},
        {"county": "乙县", "filed_on": "2017-12-27", "remote": False, "cases": []},
    ], ensure_ascii=False), encoding="utf-8")
    policy = load_policy(policy_path)
    assert policy.ir.facts[0].default == datetime.date(2017, 12, 26)
    facts = policy.load_facts(facts_path)
    first = facts.get("甲县")
    assert first["filed_on"] == datetime.date(2017, 12, 26)
    assert first["cases"][0]["closed_on"] == datetime.date(2017, 6, 30)
    by_file = {r.entity: r.total for r in policy.score_facts(facts).results}
    assert by_file == {"甲县": D(7), "乙县": D(2)}
    # the values the loader gives are values the typed API takes, and an absent date takes its default
    assert {e.id: policy.score_values(e.id, e.values).total for e in facts.entities} == by_file
    assert policy.score_values("甲县", {"remote": True, "visited_on": datetime.date(2017, 5, 1), "cases": ()}).total == 6

    # every engine agrees: the batch engine, the generated module, the interpreter from the command line
    for engine in ("interp", "batch"):
        if engine == "batch":
            pytest.importorskip("numpy")
        result = run("score", policy_path, facts_path, "--engine", engine, "--format", "json")
        assert result.exit_code == 0, result.output
        assert {e["entity"]: e["total"] for e in json.loads(result.stdout)["entities"]} == {"甲县": "7", "乙县": "2"}
    module_path = tmp_path / "dates_scorer.py"
    assert run("compile", policy_path, "-o", module_path).exit_code == 0
    import importlib.util

    spec = importlib.util.spec_from_file_location("dates_scorer", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = json.loads(facts_path.read_text(encoding="utf-8"))
    assert {r.entity: r.total for r in module.score_rows(rows)} == by_file
    assert {e.id: module.score(dict(e.values), entity=e.id).total for e in facts.entities} == by_file

    # and the SQL query, from the loader's values and from a table where the blank dates are NULL
    duckdb = pytest.importorskip("duckdb")
    from assessc.backends import sql

    for blanks in (False, True):
        connection = duckdb.connect()
        for statement in sql.create_tables(policy.graph, "duckdb"):
            connection.execute(statement)
        for table, batch in sql.table_rows(policy.graph, [(e.id, dict(e.values)) for e in facts.entities]).items():
            if blanks:  # the defaults left to the query: a blank cell is NULL
                batch = [tuple(None if v in (datetime.date(2017, 12, 26), datetime.date(2017, 6, 30)) else v
                               for v in row) for row in batch]
            if batch:
                connection.executemany(f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(batch[0]))})', batch)
        rows = connection.execute(sql.to_sql(policy.graph, "duckdb", columns=["total"])).fetchall()
        assert {entity: total for entity, total in rows} == by_file


# ---- 6. hostile facts ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["interp", "batch"])
@pytest.mark.parametrize("suffix", ["csv", "json"])
@pytest.mark.parametrize("cell, fact, message", [
    ("1e2000", "n", "fact `n` is `1e2000`, a number with more digits than a fact may have"),
    ("1e30", "n", None),
    ("1e400", "rate", "fact `rate` is `1e400`, outside its range"),
    ("-1e400", "n", "fact `n` is `-1e400`, outside its range"),
    ("1e-2000", "rate", "fact `rate` is `1e-2000`, a number with more digits than a fact may have"),
])
def test_a_huge_number_in_a_cell_is_a_clear_error_not_an_internal_error(tmp_path, policy, engine, suffix, cell, fact,
                                                                           message):
    """Hostile facts end in `internal error` (exit 3): `1e400` in a count or percent cell crashed.
    (A count may be 10^400 — arithmetic keeps 1000 digits exactly — but not 10^2000.)"""
    if engine == "batch":
        pytest.importorskip("numpy")
    values = {"n": "1", "rate": "95"} | {fact: cell}
    path = tmp_path / f"facts.{suffix}"
    if suffix == "csv":
        path.write_text(f"设区市,n,rate\n南宁,{values['n']},{values['rate']}\n柳州,2,80\n", encoding="utf-8")
    else:
        path.write_text(f'[{{"id": "南宁", "n": {values["n"]}, "rate": {values["rate"]}}}, '
                        f'{{"id": "柳州", "n": 2, "rate": 80}}]', encoding="utf-8")
    result = run("score", policy, path, "--engine", engine)
    if message is None and engine == "interp":  # 10^30 is a count like any other: the item's max caps it
        assert result.exit_code == 0, result.output
        assert result.stdout.endswith("1     南宁       10\n2     柳州        2\n")
        return
    if message is None:  # the batch engine holds an open-ended fact up to 10^9, and says so
        message = f"fact `n` is `{cell if suffix == 'csv' else 10 ** 30}`, beyond what the batch engine accepts"
    elif suffix == "json":  # a JSON number is shown as Python writes the decimal
        message = message.replace(f"`{cell}`", f"`{D(cell)}`")
    assert result.exit_code == 1, result.output
    assert f"D0604 entity `南宁`: {message}" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_a_key_given_twice_in_a_json_entity_is_an_error_naming_entity_and_key(tmp_path, policy, engine):
    """A duplicated key in a JSON facts object silently kept the first value."""
    if engine == "batch":
        pytest.importorskip("numpy")
    path = tmp_path / "facts.json"
    first, second = '[{"id": "南宁", "n": 1, "rate": 95, "n": 3},', ' {"id": "柳州", "n": 2, "rate": 80, "facts": {"rate": 85}}]'
    path.write_text(first + "\n" + second, encoding="utf-8")
    result = run("score", policy, path, "--engine", engine)
    assert result.exit_code == 1
    at_again = (first.rindex('"n"') + 1, second.rindex('"rate"') + 1)  # each points at the key given again
    assert f"{path}:1:{at_again[0]}: D0601 entity `南宁`: key `n` appears twice, as `1` and `3`" in result.stderr
    assert f"{path}:2:{at_again[1]}: D0601 entity `柳州`: key `rate` appears twice, as `80` and `85`" in result.stderr


@pytest.mark.parametrize("engine", ["interp", "batch"])
@pytest.mark.parametrize("suffix, content", [
    ("csv", "设区市,数量,比率\n"),
    ("csv", "设区市,数量,比率\r\n,,\r\n\r\n"),
    ("json", "[]"),
    ("json", '{"entities": []}'),
])
def test_a_facts_file_without_entities_is_an_error_not_an_empty_result(tmp_path, policy, engine, suffix, content):
    """A header-only CSV exited 0 and wrote an empty result."""
    if engine == "batch":
        pytest.importorskip("numpy")
    path = tmp_path / f"facts.{suffix}"
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "scores.csv"
    result = run("score", policy, path, "--engine", engine, "-o", out)
    assert result.exit_code == 1
    expected = "has no entities: no row follows its header" if suffix == "csv" else "holds no entities"
    assert f"D0601 `{path}` {expected}" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("engine", ["interp", "batch"])
def test_json_nan_and_infinity_name_the_entity_the_fact_and_what_is_allowed(tmp_path, policy, engine):
    """JSON NaN/Infinity got an error naming neither entity nor fact."""
    if engine == "batch":
        pytest.importorskip("numpy")
    path = tmp_path / "facts.json"
    text = '[{"id": "南宁", "n": NaN, "rate": 95}, {"id": "柳州", "n": 2, "rate": -Infinity}]'
    path.write_text(text, encoding="utf-8")
    result = run("score", policy, path, "--engine", engine)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    keys = (text.index('"n"') + 1, text.rindex('"rate"') + 1)  # a JSON value is pointed at by its key
    assert f"{path}:1:{keys[0]}: D0603 entity `南宁`: fact `n` is `NaN`, not a whole number" in lines
    assert f"{path}:1:{keys[1]}: D0603 entity `柳州`: fact `rate` is `-Infinity`, not a percentage" in lines
    assert "   = help: allowed: a whole number of at least 0" in lines


@pytest.mark.parametrize("engine", ["interp", "auto"])
def test_a_json_facts_file_holding_null_is_refused_with_a_diagnostic(tmp_path, policy, engine):
    """A JSON facts file holding `null` ended with exit 1 and nothing printed (the auto engine: exit 3)."""
    path = tmp_path / "facts.json"
    path.write_text("null\n", encoding="utf-8")
    result = run("score", policy, path, "--engine", engine)
    assert result.exit_code == 1
    assert "D0601 `" in result.stderr and "does not hold a list of entities" in result.stderr


def test_a_cell_holding_a_record_separator_is_shown_on_its_own_line(tmp_path, policy):
    """A CSV cell holding U+001E (which `str.splitlines` takes for a line break) shifted every
    later line of the file, and showing a diagnostic then ended in `internal error: IndexError`."""
    path = tmp_path / "facts.csv"
    path.write_text("\x1e设区市,n,,rate\n南宁,1,,95\n柳州市辖区,x,,80\n", encoding="utf-8")
    result = run("score", policy, path)
    assert result.exit_code == 1 and "internal error" not in result.output, result.output
    assert f"{path}:3:7: D0603 entity `柳州市辖区`: fact `n` is `x`" in result.stderr, result.stderr
    assert "3 | 柳州市辖区,x,,80" in result.stderr
