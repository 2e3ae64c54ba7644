"""Regressions of the official working-day calendar.

"The working-day calendar ends in 2026": chinese-calendar 1.11.0 covers 2004-2026, so January 2027
stopped every deadline counted in working days, and a user could not supply the year's schedule.
"""

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import PolicyError, ScoringError, load_policy
from assessc.runtime import workdays

DEADLINE = """
{imports}
facts {{
  announced: date "公告发布日期"
  filed: date "备案日期"
}}

policy p "deadline" {{
  item 1 "备案" max 5 {{
    text "在公告发布后15个工作日内备案,每逾期一个工作日扣2分"
    start 5
    deduct 2 per max(0, workdays(announced, filed) - 15)
    until zero
  }}
}}
"""

# A schedule for 2027 as a user writes it from the notice (the dates here are an example).
HOLIDAYS_2027 = """
calendar 2027 "国务院办公厅关于2027年部分节假日安排的通知" {
  holiday "元旦" 2027-01-01..2027-01-03
  holiday "春节" 2027-02-06..2027-02-12 workdays 2027-02-14, 2027-02-20
}
"""


def _policy(tmp_path: Path, imports: str = ""):
    path = tmp_path / "deadline.assess"
    path.write_text(DEADLINE.format(imports=imports), encoding="utf-8")
    return load_policy(path)


def _late_2026_filing(policy):
    # announced Friday 2026-12-18, filed Wednesday 2027-01-13: 21-25 and 28-31 December (9 working days),
    # 1-3 January off, 4-8 January (14), 11 January (15): 12 and 13 January are 2 days late
    return policy.score_values("甲", {"announced": datetime.date(2026, 12, 18), "filed": datetime.date(2027, 1, 13)})


def test_a_2027_schedule_written_beside_the_policy_counts_january_2027(tmp_path):
    """The working-day calendar ends in 2026: a declared 2027 schedule must let a 2026 deadline run into 2027."""
    (tmp_path / "holidays_2027.assess").write_text(HOLIDAYS_2027, encoding="utf-8")
    policy = _policy(tmp_path, 'import "./holidays_2027.assess"')
    result = _late_2026_filing(policy)
    assert result.value("1") == Decimal(5 - 2 * 2)


def test_a_2027_date_without_a_schedule_says_which_year_and_how_to_add_it(tmp_path):
    """The working-day calendar ends in 2026: the error for 2027 must name the year, the file to write and the template."""
    assert workdays.covered_years()[1] == 2026, "chinese-calendar covers 2027 now: move this test to the next year"
    with pytest.raises(ScoringError) as error:
        _late_2026_filing(_policy(tmp_path))
    message = error.value.diagnostics[0].message
    assert "甲" in message and "no schedule for 2027" in message
    assert "holidays_2027.assess" in message and 'import "./holidays_2027.assess"' in message
    assert "holidays_TEMPLATE.txt" in message and Path(workdays.template_path()).is_file()
    assert "国务院办公厅关于2027年部分节假日安排的通知" in message


def test_the_template_copied_and_filled_in_declares_the_year(tmp_path):
    """The working-day calendar ends in 2026: following the error's instructions must give a working policy."""
    filled = Path(workdays.template_path()).read_text(encoding="utf-8").replace("YYYY", "2027")
    dates = iter(["2027-01-01", "2027-01-03", "2027-01-30",  # the example dates of HOLIDAYS_2027 and more
                  "2027-02-06", "2027-02-12", "2027-02-14", "2027-02-20",
                  "2027-04-03", "2027-04-05", "2027-05-01", "2027-05-05", "2027-05-08",
                  "2027-06-09", "2027-06-11", "2027-09-15", "2027-09-17",
                  "2027-10-01", "2027-10-07", "2027-09-26", "2027-10-09"])
    filled = filled.replace("2027年MM月DD日", "2026年11月")
    while "2027-MM-DD" in filled:
        filled = filled.replace("2027-MM-DD", next(dates), 1)
    (tmp_path / "holidays_2027.assess").write_text(filled, encoding="utf-8")
    result = _late_2026_filing(_policy(tmp_path, 'import "./holidays_2027.assess"'))
    assert result.value("1") == Decimal(5 - 2 * 2)


def test_the_template_as_shipped_is_refused_until_filled_in(tmp_path):
    """The working-day calendar ends in 2026: a copied template left with its placeholders must not count as a year."""
    shutil.copy(workdays.template_path(), tmp_path / "holidays_2027.assess")
    with pytest.raises(PolicyError) as error:
        _policy(tmp_path, 'import "./holidays_2027.assess"')
    assert any(d.span is not None and d.span.path.endswith("holidays_2027.assess") for d in error.value.diagnostics)


def test_a_declared_year_wins_over_the_package(tmp_path):
    """The working-day calendar ends in 2026: a user's schedule must take precedence over chinese-calendar's for its year."""
    (tmp_path / "holidays_2026.assess").write_text(
        'calendar 2026 "a schedule with 21-25 December off" { holiday "试" 2026-12-21..2026-12-25 }',
        encoding="utf-8")
    plain = _policy(tmp_path).score_values("甲", {"announced": datetime.date(2026, 12, 18),
                                                 "filed": datetime.date(2026, 12, 28)})
    declared = _policy(tmp_path, 'import "./holidays_2026.assess"').score_values(
        "甲", {"announced": datetime.date(2026, 12, 18), "filed": datetime.date(2026, 12, 28)})
    assert plain.value("1") == declared.value("1") == 5  # 6 working days, or 1: never late
    policy = _policy(tmp_path, 'import "./holidays_2026.assess"')
    [call] = [e for n in policy.ir.all_nodes() for t in n.terms for e in _calls(t)]
    assert call.calendar.between(datetime.date(2026, 12, 18), datetime.date(2026, 12, 28)) == 1


def _calls(term):
    from assessc.ir import nodes as ir
    from assessc.ir.walk import subexpressions, term_exprs

    return [e for x in term_exprs(term) for e in subexpressions(x) if isinstance(e, ir.Call) and e.func == "workdays"]
