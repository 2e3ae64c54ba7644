"""Every kind of bad input becomes one clear diagnostic, and all are reported at once."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

HEADER = "id,missing_docs,stability_rank,pass_rate,summary_done,level,oath_evidence\n"


def test_missing_column_is_one_error_naming_the_fact(load, facts):
    text = "id,missing_doc,stability_rank,pass_rate,summary_done,level,oath_evidence\n" + (
        "南宁,1,2,90,是,优秀,\n柳州,1,3,90,是,优秀,\n桂林,1,4,90,是,优秀,\n"
    )
    loaded = load("f.csv", text, facts)
    assert loaded.facts is None
    missing = loaded.only("D0602")
    assert missing.message == "no column for fact `missing_docs`"
    assert "columns present: id, missing_doc, stability_rank" in missing.help
    assert "did you mean `missing_doc`?" in missing.help
    assert missing.span.line == 1
    unknown = loaded.only("D0608")
    assert unknown.message == "column `missing_doc` names no declared fact; it is ignored"
    assert unknown.help == "did you mean `missing_docs`?"
    assert (unknown.span.line, unknown.span.column) == (1, 4)


def test_blank_cell_names_entity_and_fact(load, facts):
    loaded = load("f.csv", HEADER + "南宁,,2,90,是,优秀,\n", facts)
    missing = loaded.only("D0602")
    assert missing.message == "entity `南宁`: fact `missing_docs` is blank"
    assert missing.help == "allowed: a whole number of at least 0"
    assert (missing.span.line, missing.span.column) == (2, 4)


@pytest.mark.parametrize(
    "kind, options, cell, code, message, help",
    [
        ("count", {}, "2.5", "D0603", "is `2.5`, not a whole number", "allowed: a whole number of at least 0"),
        ("count", {}, "two", "D0603", "is `two`, not a whole number", "allowed: a whole number of at least 0"),
        ("count", {}, "-1", "D0604", "is `-1`, outside its range", "allowed: a whole number of at least 0"),
        ("rank", {"low": "1", "high": "14"}, "15", "D0604", "is `15`, outside its range",
         "allowed: a rank (whole number) from 1 to 14"),
        ("rank", {}, "0", "D0604", "is `0`, outside its range", "allowed: a rank (whole number) of at least 1"),
        ("amount", {"low": "1", "high": "3"}, "4", "D0604", "is `4`, outside its range", "allowed: an amount from 1 to 3"),
        ("amount", {"low": "1", "high": "3"}, "0.5", "D0604", "is `0.5`, outside its range",
         "allowed: an amount from 1 to 3"),
        ("percent", {}, "105", "D0604", "is `105`, outside its range",
         "allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)"),
        ("percent", {}, "-5%", "D0604", "is `-5%`, outside its range",
         "allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)"),
        ("percent", {"low": "0.5", "high": "0.9"}, "95%", "D0604", "is `95%`, outside its range",
         "allowed: a percentage from 50% to 90% (`95` and `95%` both mean 95%)"),
        ("percent", {}, "95 percent", "D0603", "is `95 percent`, not a percentage",
         "allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)"),
        ("decimal", {}, "NaN", "D0603", "is `NaN`, not a number", "allowed: a decimal number"),
        ("decimal", {}, "5%", "D0603", "is `5%`, not a number", "allowed: a decimal number"),
        ("bool", {}, "maybe", "D0603", "is `maybe`, not yes or no", "allowed: yes/no (true, false, 1, 0, 是, 否)"),
        ("date", {}, "05/01/2017", "D0603", "is `05/01/2017`, not a date yyyy-mm-dd",
         "allowed: a date yyyy-mm-dd (2017-12-31, 2017/12/31 or 2017年12月31日)"),
        ("date", {}, "2017-02-30", "D0603", "is `2017-02-30`, not a date yyyy-mm-dd",
         "allowed: a date yyyy-mm-dd (2017-12-31, 2017/12/31 or 2017年12月31日)"),
    ],
)
def test_bad_values(load, decl, kind, options, cell, code, message, help):
    loaded = load("f.csv", f"id,x\n南宁,{cell}\n", [decl("x", kind, **options)])
    assert loaded.facts is None
    problem = loaded.only(code)
    assert problem.message == f"entity `南宁`: fact `x` {message}"
    assert problem.help == help
    assert len(loaded.diagnostics) == 1


def test_range_bounds_are_inclusive(load, decl):
    facts = [decl("a", "amount", low="1", high="3"), decl("p", "percent", low="0.5", high="0.9")]
    loaded = load("f.csv", "id,a,p\nx,1,50\ny,3,90%\n", facts)
    assert loaded.diagnostics == []


def test_unknown_enum_value_lists_what_is_allowed(load, facts):
    loaded = load("f.csv", "id,level\n南宁,优\n", [facts[4]])
    problem = loaded.only("D0605")
    assert problem.message == "entity `南宁`: fact `level` is `优`, not one of its values"
    assert problem.help.startswith("allowed: one of excellent, good, fair; their labels also work: 优秀, 良好, 一般")


def test_unknown_evidence_item(load, facts):
    loaded = load("f.csv", "id,oath_evidence\n南宁,名单；照片；视频\n", [facts[5]])
    problem = loaded.only("D0605")
    assert problem.message == "entity `南宁`: fact `oath_evidence` lists `照片`, `视频`, which are not among its items"
    assert "宣誓人员名单, 活动图片" in problem.help


def test_duplicate_entity_names_both_rows(load, decl):
    loaded = load("f.csv", "id,n\n南宁,1\n柳州,2\n南宁,3\n", [decl("n", "count")])
    problem = loaded.only("D0606")
    assert problem.message == "entity `南宁` appears twice, in row 2 and row 4"
    assert problem.span.line == 4
    assert problem.notes[0].span.line == 2


def test_a_column_of_the_sheets_own_is_ignored_with_a_note(load, decl, caplog):
    caplog.set_level("INFO", logger="assessc.facts")
    loaded = load("f.csv", "序号,id,n,备注\n1,南宁,1,好\n2,柳州,2,\n", [decl("n", "count")])
    assert loaded.facts is not None and loaded.diagnostics == []
    assert caplog.messages[-1].endswith("f.csv`: columns `序号`, `备注` name no fact; they are ignored")


def test_unknown_column_warns_when_a_fact_is_left_without_one(load, decl):
    facts = [decl("n", "count"), decl("bonus_points", "decimal", default=D(0)), decl("rate", "percent", default=D("0.95"))]
    loaded = load("f.csv", "id,n,加分\n南宁,1,2\n柳州,2,\n", facts)
    assert loaded.facts is not None
    warning = loaded.only("D0608")
    assert not warning.is_error
    assert warning.message == "column `加分` names no declared fact; it is ignored"
    assert warning.help == ("facts without a column: `bonus_points` (which takes its default, 0, for every entity), "
                            "`rate` (which takes its default, 95%, for every entity); name the column after the one it "
                            "holds, or remove it")


def test_missing_id_column(load, decl):
    loaded = load("f.csv", "name,n\n南宁,1\n", [decl("n", "count")])
    problem = loaded.only("D0601")
    assert problem.message.endswith("f.csv` has no id column")
    assert problem.help == "add a column named `id` holding each entity's id; columns present: name, n"


def test_blank_id(load, decl):
    loaded = load("f.csv", "id,n\n南宁,1\n ,2\n", [decl("n", "count")])
    problem = loaded.only("D0602")
    assert problem.message == "row 3 has no entity id"
    assert loaded.facts is None


def test_bad_cells_of_a_row_without_id_are_still_reported(load, decl):
    loaded = load("f.csv", "id,n\n,x\n", [decl("n", "count")])
    assert loaded.codes == ["D0602", "D0603"]
    assert loaded.messages[1] == "row 2: fact `n` is `x`, not a whole number"


def test_every_problem_is_reported_in_one_run(load, facts):
    text = HEADER + "南宁,2.5,2,90,是,优秀,\n柳州,1,3,105,是,优秀,\n桂林,1,4,90,是,最好,\n梧州,1,5,90,是,良好,\n"
    loaded = load("f.csv", text, facts)
    assert loaded.facts is None
    assert loaded.codes == ["D0603", "D0604", "D0605"]
    assert [d.span.line for d in loaded.diagnostics] == [2, 3, 4]


def test_row_with_more_cells_than_columns(load, decl):
    loaded = load("f.csv", "id,n\n南宁,1,234\n", [decl("n", "count")])
    problem = loaded.only("D0601")
    assert problem.message == "row 2 has 3 cells, but the header names 2 columns (first extra cell: `234`)"
    assert "quotes" in problem.help


def test_column_named_twice(load, decl):
    loaded = load("f.csv", "id,n,n\n南宁,1,2\n", [decl("n", "count")])
    problem = loaded.only("D0601")
    assert problem.message == "column `n` appears twice, as columns 2 and 3"
    assert (problem.span.line, problem.span.column) == (1, 6)


def test_values_without_a_column_name(load, decl):
    loaded = load("f.csv", "id,n,\n南宁,1,\n柳州,2,x\n", [decl("n", "count")])
    assert loaded.facts is not None
    assert loaded.only("D0608").message == "column 3 has values but no name; they are ignored"


def test_empty_file(load, decl):
    loaded = load("f.csv", "\n\n", [decl("n", "count")])
    assert loaded.only("D0601").message.endswith("f.csv` is empty")


def test_header_only_is_an_error_no_entities(load, decl):
    loaded = load("f.csv", "id,n\n", [decl("n", "count")])
    assert loaded.only("D0601").message.endswith("f.csv` has no entities: no row follows its header")


def test_json_nan_names_the_entity_and_the_fact(load, decl):
    loaded = load("f.json", '[{"id": "a", "n": NaN, "t": Infinity}]', [decl("n", "count"), decl("t", "text")])
    assert loaded.messages == ["entity `a`: fact `n` is `NaN`, not a whole number",
                               "entity `a`: fact `t` is `Infinity`, not text"]
    assert loaded.errors[0].help == "allowed: a whole number of at least 0"


@pytest.mark.parametrize(
    "name, content, message, help",
    [
        ("f.doc", "id,n\n", "not a CSV, JSON or Excel (.xlsx) file", "accepted: .csv (or tab-separated .tsv, .txt), .json, .xlsx"),
        ("f.xls", b"\xd0\xcf\x11\xe0", "not a CSV, JSON or Excel (.xlsx) file", "save it from Excel as an .xlsx workbook"),
        ("f.csv", "id,n\n南宁,1\n柳州,".encode() + b"\xff\n", "is not UTF-8 text (bad byte at line 3)", "save it as UTF-8"),
        ("f.csv", 'id,n\n南宁,"1\n', "is not valid CSV at line 2", "quote"),
        ("f.json", '[{"id": "a", "n": 1,}]', "is not valid JSON: expecting property name enclosed in double quotes", None),
        ("f.json", '{"a": 1}', "does not hold a list of entities", "entities"),
        ("f.json", "[1, 2]", "object 1 is not an entity object", "entities"),
        ("f.xlsx", "id,n\n", "as an Excel workbook", "save it from Excel"),
    ],
)
def test_unreadable_files(load, decl, name, content, message, help):
    loaded = load(name, content, [decl("n", "count")])
    assert loaded.facts is None
    problem = loaded.errors[0]
    assert problem.code.code == "D0601"
    assert message in problem.message
    if help is not None:
        assert help in problem.help


def test_missing_file(load, decl, tmp_path):
    loaded = load(tmp_path / "nope.csv", None, [decl("n", "count")])
    problem = loaded.only("D0601")
    assert problem.message.startswith("cannot read `") and problem.message.endswith("nope.csv`: no such file or directory")
    assert problem.span.path.endswith("nope.csv")


def test_invalid_json_points_at_the_error(load, decl):
    loaded = load("f.json", '[\n  {"id": "a", "n": 1,}\n]', [decl("n", "count")])
    problem = loaded.only("D0601")
    assert (problem.span.line, problem.span.column) == (2, 22)


def test_problems_already_in_the_bag_do_not_count(write, decl):
    from assessc.diagnostics import DiagnosticBag, codes
    from assessc.facts import load_facts

    bag = DiagnosticBag()
    bag.add(codes.UNDEFINED_NAME, None, "an earlier problem")
    result = load_facts(write("f.csv", "id,n\na,1\n"), [decl("n", "count")], bag)
    assert result is not None and result.get("a").values["n"] == D(1)


def test_an_excel_error_in_a_cell_is_no_value_even_for_a_text_fact(load, decl):
    loaded = load("f.csv", "id,rate,note\n南宁,#DIV/0!,#N/A\n", [decl("rate", "percent"), decl("note", "text")])
    assert loaded.messages == ["entity `南宁`: fact `rate` is `#DIV/0!`, an Excel error, not a percentage",
                               "entity `南宁`: fact `note` is `#N/A`, an Excel error, not text"]
    assert loaded.errors[0].help.startswith("the cell's formula could not be computed")
    assert loaded.errors[0].help.endswith("allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)")


def test_a_date_cell_that_lost_its_format_is_explained(load, decl):
    loaded = load("f.csv", "id,day\n南宁,43100\n", [decl("day", "date")])
    problem = loaded.only("D0603")
    assert problem.message == "entity `南宁`: fact `day` is `43100`, not a date yyyy-mm-dd"
    assert problem.help.endswith("`43100` is how Excel stores the date 2017-12-31: format the cell as a date "
                                 "(or type the date) so that the sheet shows it")
