"""Facts from Excel workbooks written with openpyxl."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessc.diagnostics import DiagnosticBag
from assessc.diagnostics.render import render_text
from assessc.facts import load_facts
from assessc.ir.types import FactDecl, FactType, Kind

openpyxl = pytest.importorskip("openpyxl")


def workbook(path, sheets):
    """Write ``{sheet: rows}``; a cell may be (value, number_format)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row, start=1):
                value, fmt = cell if isinstance(cell, tuple) else (cell, None)
                target = sheet.cell(row=r, column=c, value=value)
                if fmt:
                    target.number_format = fmt
    book.save(path)
    return path


HEADER = ["id", "missing_docs", "stability_rank", "pass_rate", "summary_done", "level", "oath_evidence"]


def test_round_trip(load, facts, tmp_path, check_no_floats):
    path = workbook(tmp_path / "f.xlsx", {
        "facts": [
            HEADER,
            ["南宁", 0, 3, (0.98, "0%"), True, "优秀", "名单；活动图片"],
            ["柳州", 2.0, 14, 87.5, "否", "good", None],
            ["桂林", 1, 1, "95.5%", 1, "fair", "图片"],
        ],
    })
    loaded = load(path, None, facts)
    assert loaded.diagnostics == []
    assert dict(loaded.facts.get("南宁").values) == {
        "missing_docs": D(0),
        "stability_rank": D(3),
        "pass_rate": D("0.98"),
        "summary_done": True,
        "level": "excellent",
        "oath_evidence": frozenset({"名单", "图片"}),
    }
    assert loaded.value("柳州", "missing_docs") == D(2)
    assert loaded.value("柳州", "pass_rate") == D("0.875")
    assert loaded.value("柳州", "oath_evidence") == frozenset()
    assert loaded.value("桂林", "pass_rate") == D("0.955")
    assert loaded.value("桂林", "summary_done") is True
    assert [e.span.line for e in loaded.facts.entities] == [2, 3, 4]
    for entity in loaded.facts.entities:
        check_no_floats(dict(entity.values))


def test_decimals_and_dates(load, decl, tmp_path):
    path = workbook(tmp_path / "f.xlsx", {
        "Sheet1": [
            ["id", "x", "when", "note"],
            ["a", 0.1, datetime.datetime(2017, 5, 1), 12],
            ["b", 12.25, datetime.date(2018, 1, 31), "  备注  "],
        ],
    })
    facts = [decl("x", "decimal"), decl("when", "date"), decl("note", "text")]
    loaded = load(path, None, facts)
    assert loaded.diagnostics == []
    assert loaded.value("a", "x") == D("0.1") and str(loaded.value("a", "x")) == "0.1"
    assert loaded.value("b", "x") == D("12.25")
    assert loaded.value("a", "when") == datetime.date(2017, 5, 1)
    assert loaded.value("b", "when") == datetime.date(2018, 1, 31)
    assert loaded.value("a", "note") == "12"
    assert loaded.value("b", "note") == "备注"


def test_facts_sheet_is_preferred_and_ledger_comes_from_its_sheet(load, decl, tmp_path):
    bonus = decl("bonus", "ledger", fields=(decl("kind", "enum", members=(("award", "获奖"),)), decl("reason", "text")))
    path = workbook(tmp_path / "f.xlsx", {
        "说明": [["this sheet explains the form"]],
        "facts": [["id", "n"], ["a", 1], ["b", 2]],
        "bonus": [["id", "kind", "reason"], ["a", "获奖", "全国先进"], ["a", "award", "省级先进"]],
    })
    loaded = load(path, None, [decl("n", "count"), bonus])
    assert loaded.diagnostics == []
    assert [dict(e) for e in loaded.value("a", "bonus")] == [
        {"kind": "award", "reason": "全国先进"},
        {"kind": "award", "reason": "省级先进"},
    ]
    assert loaded.value("b", "bonus") == ()


def test_missing_ledger_sheet(load, decl, tmp_path):
    bonus = decl("bonus", "ledger", fields=(decl("reason", "text"),))
    path = workbook(tmp_path / "f.xlsx", {"facts": [["id", "n"], ["a", 1]]})
    loaded = load(path, None, [decl("n", "count"), bonus])
    problem = loaded.only("D0602")
    assert problem.message == "no table of entries for ledger `bonus`"
    assert problem.help.startswith("add a sheet named `bonus`")


def test_computed_number_without_an_exact_decimal_is_refused(load, decl, tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"facts": [["id", "x"], ["a", 1 / 3]]})
    loaded = load(path, None, [decl("x", "decimal")])
    problem = loaded.only("D0603")
    assert problem.message == "entity `a`: fact `x` is `0.3333333333333333`, a computed number with no exact decimal value"
    assert "ROUND" in problem.help


def test_errors_point_at_sheet_row_and_cell(load, decl, tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"facts": [["id", "n", "rank"], ["南宁", 1, 1], ["柳州", -1, "x"]]})
    loaded = load(path, None, [decl("n", "count"), decl("rank", "rank")])
    first, second = loaded.diagnostics
    assert first.span.path == f"{path}[facts]"
    assert render_text(first) == "\n".join([
        f"{path}[facts]!B3: D0604 entity `柳州`: fact `n` is `-1`, outside its range",
        "  |",
        "3 | 柳州,-1,x",
        "  |      ^^",
        "   = help: allowed: a whole number of at least 0",
    ])
    assert (second.span.line, second.span.column) == (3, 7)


def test_without_openpyxl(load, decl, tmp_path, monkeypatch):
    path = workbook(tmp_path / "f.xlsx", {"facts": [["id", "n"], ["a", 1]]})
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    loaded = load(path, None, [decl("n", "count")])
    problem = loaded.only("D0601")
    assert problem.help == "install the `excel` extra: pip install 'assessc[excel]'"


@pytest.mark.parametrize(
    "value, fmt, text, inexact",
    [
        (0.1 + 0.2, "General", "0.30000000000000004", True),
        (1 / 3, "0.00", "0.3333333333333333", True),
        (0.1, "General", "0.1", False),
        (0.955, "0.0%", "95.5%", False),
        (1.0, "0%", "100%", False),
        (1e-05, "General", "0.00001", False),
        (1e20, "General", "100000000000000000000", False),
        (float("nan"), "General", "nan", True),
        (7, "General", "7", False),
        (False, "General", "false", False),
        (datetime.datetime(2017, 5, 1, 8, 30), "General", "2017-05-01 08:30:00", False),
    ],
)
def test_cell_text(value, fmt, text, inexact):
    from assessc.facts.values import Inexact
    from assessc.facts.xlsx_source import cell_text

    shown = cell_text(value, fmt)
    assert shown == text
    assert isinstance(shown, Inexact) is inexact


# ---- property: a percent fact reads what the cell shows ---------------------------------------

_FULL_WIDTH = str.maketrans("0123456789.%", "０１２３４５６７８９．％")


@st.composite
def percent_cells(draw):
    """(cell, the number of percent it shows): a cell as Excel users fill in a rate column."""
    places = draw(st.integers(0, 3))
    units = draw(st.integers(0, 150 * 10 ** places))  # 0 % .. 150 % in steps of the shown precision
    shown = D(units).scaleb(-places)  # the percent shown, e.g. 95.5
    fraction = D(units).scaleb(-places - 2)  # what the cell stores when formatted as a percentage
    zeros = "0." + "0" * places if places else "0"
    form = draw(st.sampled_from(["percent", "percent_sections", "literal_percent", "general", "text", "full_width"]))
    if form in ("percent", "percent_sections"):
        number_format = zeros + "%" if form == "percent" else f"#,##{zeros}%;[Red]-#,##{zeros}%"
        whole = fraction == fraction.to_integral_value()
        stored = int(fraction) if whole and draw(st.booleans()) else units / 10 ** (places + 2)
        return (stored, number_format), shown
    text = format(shown.normalize(), "f") if shown else "0"
    if form == "literal_percent":  # a `%` typed into the format shows the stored number as it is
        return (float(text) if places else int(text), zeros + '"%"'), shown
    if form == "general":
        return (float(text) if "." in text else int(text), "General"), shown
    if form == "text":
        return text + draw(st.sampled_from(["%", " %", ""])), shown
    return (text + "%").translate(_FULL_WIDTH), shown


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(percent_cells(), min_size=1, max_size=12))
def test_percent_fact_reads_the_percentage_the_cell_shows(tmp_path, cells):
    rows = [["id", "rate"]] + [[f"单位{i}", cell] for i, (cell, _) in enumerate(cells)]
    path = workbook(tmp_path / "rates.xlsx", {"facts": rows})
    bag = DiagnosticBag()
    loaded = load_facts(path, [FactDecl("rate", FactType(Kind.PERCENT, D(0), D("1.5")), None, None)], bag)
    assert list(bag) == []
    for i, (_, shown) in enumerate(cells):
        assert loaded.get(f"单位{i}")["rate"] == shown / 100, cells[i]


def test_without_a_facts_sheet_the_first_sheet_with_an_id_column_is_read(load, decl, tmp_path):
    bonus = decl("bonus", "ledger", fields=(decl("reason", "text"),))
    path = workbook(tmp_path / "f.xlsx", {
        "填表说明": [["请按设区市填写"], ["金额单位：元"]],
        "bonus": [["id", "reason"], ["a", "全国先进"]],
        "考核": [["2017年度考核表"], ["id", "n"], ["a", 1], ["b", 2]],
    })
    loaded = load(path, None, [decl("n", "count"), bonus])
    assert loaded.diagnostics == []
    assert loaded.facts.ids == ("a", "b")
    assert [dict(e) for e in loaded.value("a", "bonus")] == [{"reason": "全国先进"}]
