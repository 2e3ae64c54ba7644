"""The generated scorer checks facts as the facts loader does (``compiler/facts/``).

Every problem names the entity, the fact and what is allowed, all problems
of an input are listed at once, text cells are read with the loader's rules,
and typed values are taken as ``Policy.score_values`` takes them. Scoring
errors are the interpreter's, word for word.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest

from pygen_support import POLICIES, ROOT, load_module, load_policy, reference, scorer_for  # isort: skip

from assessc.api import FactsError
from assessc.backends.pygen import generate

GUANGXI = POLICIES / "guangxi_2017.assess"


@pytest.fixture(scope="module")
def guangxi():
    policy = load_policy(GUANGXI)
    return policy, scorer_for(policy)


def guangxi_rows():
    with open(POLICIES / "guangxi_2017.facts.csv", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


BAD_CELLS = {
    "missing_supporting_docs": "两个",
    "filing_corrections": "",
    "oath_evidence": "名单;照片",
    "stability_rank": "15",
    "unaccountable_interventions": "1.5",
    "supervision_summary": "maybe",
    "exam_pass_rate": "101",
    "exam_participation_rate": "95%%",
    "training_evidence": "教学计划;教学培训图片;课件",
    "unpublished_cases": "#DIV/0!",
}


def test_problems_are_the_facts_loaders_word_for_word(guangxi, tmp_path):
    policy, module = guangxi
    rows = guangxi_rows()
    rows[2].update(BAD_CELLS)
    path = tmp_path / "bad.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(FactsError) as loader:
        policy.load_facts(path)
    expected = [(d.code.code, d.message, d.help) for d in loader.value.diagnostics]
    with pytest.raises(module.FactsError) as mine:
        module.validate(rows[2])
    assert [tuple(p) for p in mine.value.problems] == expected
    assert len(expected) == len(BAD_CELLS)


def test_every_problem_names_the_entity_the_fact_and_what_is_allowed(guangxi):
    _, module = guangxi
    row = guangxi_rows()[0]
    row.update({"stability_rank": "0", "exam_pass_rate": "-3%"})
    del row["falsified_filings"]
    with pytest.raises(module.FactsError) as error:
        module.score(row)
    problems = error.value.problems
    assert [p.code for p in problems] == ["D0604", "D0604", "D0602"]
    assert problems[0].message == "entity `南宁`: fact `stability_rank` is `0`, outside its range"
    assert problems[0].help == "allowed: a rank (whole number) from 1 to 14"
    assert problems[1].message == "entity `南宁`: fact `exam_pass_rate` is `-3%`, outside its range"
    assert problems[1].help == "allowed: a percentage from 0% to 100% (`95` and `95%` both mean 95%)"
    assert problems[2].message == "entity `南宁`: fact `falsified_filings` is missing"
    assert problems[2].help == "allowed: a whole number of at least 0"
    assert "entity `南宁`: fact `stability_rank` is `0`" in str(error.value)


def test_score_rows_lists_the_problems_of_every_row(guangxi):
    _, module = guangxi
    rows = guangxi_rows()
    rows[1]["stability_rank"] = "十"
    rows[4]["oath_evidence"] = "名单;名单2"
    with pytest.raises(module.FactsError) as error:
        module.score_rows(rows)
    assert [p.message.split(":")[0] for p in error.value.problems] == ["entity `柳州`", "entity `北海`"]


def test_typed_values_and_text_cells_give_the_same_score(guangxi):
    policy, module = guangxi
    facts = policy.load_facts(POLICIES / "guangxi_2017.facts.csv")
    for entity, row in zip(facts.entities, guangxi_rows()):
        assert module.score(row).values == module.score(dict(entity.values), entity=entity.id).values
        assert module.validate(row) == dict(entity.values)


def test_cell_rules(guangxi):
    _, module = guangxi
    row = guangxi_rows()[0]
    cells = {
        "exam_pass_rate": ("95", "95%", "９５％", " 95.0 ", 95, Decimal("0.95")),
        "supervision_summary": ("yes", "是", "有", "TRUE", "1", True, 1),
        "oath_evidence": ("名单;图片", "宣誓人员名单、活动图片", "图片, 名单", ["名单", "活动图片"], frozenset({"名单", "图片"})),
        "stability_rank": ("3", " 3 ", "3.0", 3, Decimal("3"), Decimal("3.00")),
    }
    for fact, spellings in cells.items():
        seen = [module.validate({**row, fact: spelling})[fact] for spelling in spellings]
        assert all(value == seen[0] and type(value) is type(seen[0]) for value in seen), (fact, seen)
    assert module.validate({**row, "exam_pass_rate": "95"})["exam_pass_rate"] == Decimal("0.95")
    assert module.validate({**row, "oath_evidence": ""})["oath_evidence"] == frozenset()


def test_a_float_is_refused(guangxi):
    _, module = guangxi
    row = guangxi_rows()[0]
    with pytest.raises(module.FactsError) as error:
        module.score({**row, "exam_pass_rate": 0.95})
    assert error.value.problems[0].message.startswith("entity `南宁`: fact `exam_pass_rate` is the binary float `0.95`")


def test_labels_work_as_keys():
    policy = load_policy(GUANGXI)
    module = scorer_for(policy)
    row = guangxi_rows()[0]
    by_label = {policy.ir.fact(name).label or name if name != "id" else name: value for name, value in row.items()}
    assert module.score(by_label).total == module.score(row).total


WEIGHTS = """
facts {
  region: enum { 木里, 五县, 其他 }
  base_points: decimal 0..100
  tibet_points: decimal 0..30
  cut: amount 1..3 default 0
  day: date
}

policy p "weights" {
  item 1 "task" {
    item 1 "base" max 100 {
      weight lookup region { 木里: 10%  else: 15% }
      add base_points
      deduct cut
    }
    item 13 "tibet" max 30 {
      applies if region == 木里
      weight 5%
      add tibet_points
    }
  }
}
"""


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = tmp_path_factory.mktemp("weights") / "weights.assess"
    path.write_text(WEIGHTS, encoding="utf-8")
    policy = load_policy(path)
    return policy, scorer_for(policy)


def test_facts_for_items_that_do_not_apply_are_checked_as_the_cli_checks_them(weights):
    _, module = weights
    with pytest.raises(module.FactsError) as given:
        module.score({"id": "西昌", "region": "其他", "base_points": "80", "tibet_points": "10", "day": "2020-01-01"})
    assert [(p.code, p.message) for p in given.value.problems] == [
        ("D0611", "entity `西昌`: fact `tibet_points` is given, but only items that do not apply to it read it")]
    assert given.value.problems[0].help == "leave it blank; not applicable here: `1.13`"
    with pytest.raises(module.FactsError) as missing:
        module.score({"id": "木里", "region": "木里", "base_points": "80", "day": "2020-01-01"})
    assert [(p.code, p.message, p.help) for p in missing.value.problems] == [
        ("D0602", "entity `木里`: fact `tibet_points` is missing", "an item that applies to this entity reads it")]
    ok = module.score({"id": "西昌", "region": "其他", "base_points": "80", "day": "2020-01-01"})
    assert ok.total == 12 and ok.inactive == frozenset({"1.13"})


def test_defaults_and_typed_values(weights):
    policy, module = weights
    typed = {"region": "木里", "base_points": Decimal("80"), "tibet_points": Decimal("15"),
             "day": datetime.date(2020, 1, 1)}
    values = module.validate(typed)
    assert values["cut"] == Decimal(0)  # the default, although outside the range 1..3
    assert module.validate({**typed, "cut": Decimal(0)})["cut"] == 0  # a typed default is the default
    with pytest.raises(module.FactsError):
        module.validate({**typed, "cut": "0"})  # as a cell, 0 is outside the range, as in a facts file
    assert module.score(typed).total == reference(policy, "x", typed).total == Decimal("10.5")



def test_date_cells_are_read_as_the_facts_loader_reads_them(weights):
    _, module = weights
    row = {"id": "西昌", "region": "其他", "base_points": "80"}
    for spelling in ("2020-01-05", "2020/1/5", "2020/01/05 0:00", "2020.1.5", "2020年1月5日", "２０２０年１月５日"):
        assert module.validate({**row, "day": spelling})["day"] == datetime.date(2020, 1, 5), spelling
    with pytest.raises(module.FactsError) as error:
        module.validate({**row, "day": "01/05/2020"})
    assert error.value.problems[0].help == "allowed: a date yyyy-mm-dd (2017-12-31, 2017/12/31 or 2017年12月31日)"
    policy, _ = weights
    for cell in ("01/05/2020", "43100"):  # the loader's words
        with pytest.raises(module.FactsError) as error:
            module.validate({**row, "day": cell})
        from assessc.facts.values import BadValue, parse_value

        with pytest.raises(BadValue) as loader:
            parse_value(cell, policy.ir.fact("day").type)
        assert (error.value.problems[0].help, error.value.problems[0].message.endswith(loader.value.text)) == (
            loader.value.help, True)


DIVISION = """
facts {
  reports: count
  rank: rank 1..14
  a: date
  b: date
}

policy p "errors" {
  item 1 "ratio" { add 12 / (reports - 3) }
  item 2 "quota" { add 1 if rank >= lookup rank { 1..10: 5 } }
  item 3 "days" { deduct 1 per workdays(a, b) }
}
"""


@pytest.mark.parametrize("values, node", [
    ({"reports": 3, "rank": 2, "a": "2020-01-01", "b": "2020-02-01"}, "1/1"),
    ({"reports": 4, "rank": 12, "a": "2020-01-01", "b": "2020-02-01"}, "2/1"),
    ({"reports": 4, "rank": 2, "a": "2026-12-20", "b": "2027-01-05"}, "3/1"),
    ({"reports": 4, "rank": 2, "a": "2003-12-31", "b": "2004-01-05"}, "3/1"),
])
def test_scoring_errors_are_the_interpreters(tmp_path, values, node):
    from assessc.backends.interp import EvaluationError

    path = tmp_path / "errors.assess"
    path.write_text(DIVISION, encoding="utf-8")
    policy = load_policy(path)
    module = load_module(generate(policy.graph).source)
    typed = module.validate(values)
    with pytest.raises(EvaluationError) as theirs:
        reference(policy, "甲", typed)
    with pytest.raises(module.ScoringError) as mine:
        module.score(values, entity="甲")
    assert mine.value.node_id == theirs.value.node_id == node
    assert str(mine.value) == f"entity `甲`: item `{node}`: {theirs.value.message}"


def test_working_days_match_the_official_calendar():
    from assessc.runtime.workdays import workdays_between

    source = generate(load_policy(ROOT / "tests" / "backends" / "pygen" / "forms.assess").graph).source
    module = load_module(source)
    start = datetime.date(2004, 1, 1)
    for offset in range(0, 8400, 97):
        a = start + datetime.timedelta(days=offset)
        for length in (0, 1, 6, 15, 40, 400):
            b = a + datetime.timedelta(days=length)
            if b.year > 2026:
                continue
            assert module._workdays(a, b) == workdays_between(a, b), (a, b)
    assert module._workdays(datetime.date(2020, 1, 5), datetime.date(2020, 1, 1)) == 0


def test_the_error_lists_are_readable(guangxi):
    _, module = guangxi
    row = guangxi_rows()[0]
    row["stability_rank"] = "0"
    with pytest.raises(module.FactsError) as error:
        module.score(row)
    text = io.StringIO(str(error.value)).read()
    assert text == ("D0604: entity `南宁`: fact `stability_rank` is `0`, outside its range\n"
                    "  help: allowed: a rank (whole number) from 1 to 14")
