"""Typed values read from CSV cells, one kind at a time."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest


def one_cell(load, decl, kind, cell, **type_options):
    fact = decl("x", kind, **type_options)
    return load("f.csv", f"id,x\n南宁,{cell}\n", [fact])


@pytest.mark.parametrize(
    "kind, cell, expected",
    [
        ("count", "3", D(3)),
        ("count", "0", D(0)),
        ("count", "3.0", D(3)),
        ("rank", "1", D(1)),
        ("decimal", "12.25", D("12.25")),
        ("decimal", "-0.5", D("-0.5")),
        ("decimal", '"1,234.5"', D("1234.5")),
        ("decimal", "１２.５", D("12.5")),
        ("decimal", "1e3", D(1000)),
        ("amount", "2", D(2)),
        ("percent", "95", D("0.95")),
        ("percent", "95%", D("0.95")),
        ("percent", "95.5%", D("0.955")),
        ("percent", "９５％", D("0.95")),
        ("percent", "0", D(0)),
        ("percent", "100%", D(1)),
        ("date", "2017-05-01", datetime.date(2017, 5, 1)),
        ("date", "2017/5/1", datetime.date(2017, 5, 1)),  # as Excel on Chinese Windows writes it into a CSV
        ("date", "2017/05/01 0:00", datetime.date(2017, 5, 1)),
        ("date", "2017.5.1", datetime.date(2017, 5, 1)),
        ("date", "2017年5月1日", datetime.date(2017, 5, 1)),
        ("date", "２０１７年５月１日", datetime.date(2017, 5, 1)),
        ("text", "  南宁市司法局  ", "南宁市司法局"),
    ],
)
def test_scalar_kinds(load, decl, kind, cell, expected):
    loaded = one_cell(load, decl, kind, cell)
    value = loaded.value("南宁", "x")
    assert value == expected
    assert type(value) is type(expected)


def test_a_whole_number_has_no_fraction_digits(load, decl):
    assert str(one_cell(load, decl, "count", "3.0").value("南宁", "x")) == "3"


@pytest.mark.parametrize(
    "cell, expected",
    [("true", True), ("FALSE", False), ("Yes", True), ("no", False), ("y", True), ("N", False),
     ("1", True), ("0", False), ("是", True), ("否", False), ("有", True), ("无", False)],
)
def test_bool_words(load, decl, cell, expected):
    assert one_cell(load, decl, "bool", cell).value("南宁", "x") is expected


LEVELS = (("excellent", "优秀"), ("good", "良好"))


@pytest.mark.parametrize("cell", ["good", "良好", "Good", " 良好 "])
def test_enum_by_name_or_label(load, decl, cell):
    assert one_cell(load, decl, "enum", cell, members=LEVELS).value("南宁", "x") == "good"


ITEMS = (("名单", "宣誓人员名单"), ("图片", "活动图片"), ("记录", "服务记录、台账"))


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("名单；活动图片", {"名单", "图片"}),
        ("名单;图片", {"名单", "图片"}),
        ('"名单,图片"', {"名单", "图片"}),
        ('"名单，图片"', {"名单", "图片"}),
        ("名单、宣誓人员名单", {"名单"}),
        ("服务记录、台账", {"记录"}),
        ("活动图片", {"图片"}),
        ("", set()),
    ],
)
def test_evidence_lists_items_by_name_or_label(load, decl, cell, expected):
    value = one_cell(load, decl, "evidence", cell, members=ITEMS).value("南宁", "x")
    assert value == frozenset(expected)
    assert isinstance(value, frozenset)


def test_whole_table(load, facts, check_no_floats):
    text = (
        "id,missing_docs,stability_rank,pass_rate,summary_done,level,oath_evidence\n"
        "南宁,0,3,98%,是,优秀,名单；图片\n"
        "柳州,2,14,87.5,否,good,\n"
    )
    loaded = load("cities.csv", text, facts)
    assert loaded.diagnostics == []
    fs = loaded.facts
    assert [e.id for e in fs.entities] == ["南宁", "柳州"]
    assert fs.source.endswith("cities.csv")
    assert dict(fs.get("南宁").values) == {
        "missing_docs": D(0),
        "stability_rank": D(3),
        "pass_rate": D("0.98"),
        "summary_done": True,
        "level": "excellent",
        "oath_evidence": frozenset({"名单", "图片"}),
    }
    assert fs.get("柳州").values["pass_rate"] == D("0.875")
    assert fs.get("柳州").values["oath_evidence"] == frozenset()
    assert fs.get("桂林") is None
    for entity in fs.entities:
        check_no_floats(dict(entity.values))


def test_entities_are_frozen_and_point_at_their_rows(load, decl):
    loaded = load("f.csv", "id,n\na,1\n\nb,2\n", [decl("n", "count")])
    b = loaded.facts.get("b")
    assert b.span.line == 4
    assert b["n"] == D(2)
    with pytest.raises(TypeError):
        b.values["n"] = D(3)
    assert hash(b) == hash(loaded.facts.get("b"))


def test_blank_cell_takes_the_default(load, decl):
    facts = [decl("n", "count", default=D(0)), decl("ok", "bool", default=False)]
    loaded = load("f.csv", "id,n,ok\na,,\nb,4,yes\n", facts)
    assert loaded.diagnostics == []
    assert loaded.value("a", "n") == D(0) and loaded.value("a", "ok") is False
    assert loaded.value("b", "n") == D(4) and loaded.value("b", "ok") is True


def test_missing_column_with_a_default_gives_everyone_the_default(load, decl):
    facts = [decl("n", "count"), decl("bonus", "decimal", default=D("0.5"))]
    loaded = load("f.csv", "id,n\na,1\nb,2\n", facts)
    assert loaded.diagnostics == []
    assert [e.values["bonus"] for e in loaded.facts.entities] == [D("0.5"), D("0.5")]


def test_column_named_by_the_fact_label(load, facts):
    loaded = load("f.csv", "id,未按要求出台的配套文件数\n南宁,2\n", facts[:1])
    assert loaded.diagnostics == []
    assert loaded.value("南宁", "missing_docs") == D(2)


def test_header_cells_wrapped_spaced_full_width_or_capitalised_still_name_their_columns(load, facts):
    text = ' ＩＤ ,"未按要求出台的\n配套文件数", Stability_Rank \n南宁,2,3\n'
    loaded = load("f.csv", text, facts[:2])
    assert loaded.diagnostics == []
    assert loaded.value("南宁", "missing_docs") == D(2) and loaded.value("南宁", "stability_rank") == D(3)


def test_other_id_column_names(load, decl):
    facts = [decl("n", "count")]
    loaded = load("f.csv", "城市,n\n南宁,1\n", facts, id_columns=("编号", "城市", "id"))
    assert loaded.diagnostics == []
    assert loaded.facts.ids == ("南宁",)


def test_excel_csv_with_bom_and_crlf(load, decl, write):
    path = write("f.csv", "id,n\r\n南宁,1\r\n", bom=True)
    loaded = load(path, None, [decl("n", "count")])
    assert loaded.diagnostics == []
    assert loaded.facts.ids == ("南宁",)


@pytest.mark.parametrize("name, encoding", [("f.txt", "utf-16"), ("f.tsv", "utf-8"), ("f.csv", "gb18030")])
def test_tab_separated_text_as_excel_saves_unicode_text(load, decl, write, name, encoding):
    text = "2017年度考评数据\t\t\r\nid\tn\tnote\r\n南宁\t1\t材料, 已补交\r\n柳州\t2\t无\r\n"
    loaded = load(write(name, text.encode(encoding)), None, [decl("n", "count"), decl("note", "text")])
    assert loaded.diagnostics == []
    assert loaded.value("南宁", "note") == "材料, 已补交" and loaded.value("柳州", "n") == D(2)


def test_a_bad_cell_of_a_tab_separated_file_is_pointed_at(load, decl, write):
    loaded = load(write("f.txt", "id\tn\r\n南宁\tx\r\n".encode("utf-16")), None, [decl("n", "count")])
    assert (loaded.only("D0603").span.line, loaded.only("D0603").span.column) == (2, 4)


def test_title_row_above_the_header_is_skipped(load, decl):
    text = "2017年度考评数据,,\n,,\nid,n\n南宁,1\n"
    loaded = load("f.csv", text, [decl("n", "count")])
    assert loaded.diagnostics == []
    assert loaded.value("南宁", "n") == D(1)
    assert loaded.facts.get("南宁").span.line == 4


def test_quoted_cell_with_a_line_break(load, decl):
    text = 'id,note,n\n南宁,"line one\nline two",1\n柳州,x,2\n'
    loaded = load("f.csv", text, [decl("note", "text"), decl("n", "count")])
    assert loaded.value("南宁", "note") == "line one\nline two"
    assert loaded.facts.get("柳州").span.line == 4
