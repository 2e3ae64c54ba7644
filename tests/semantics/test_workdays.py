"""F13 deadlines in working days on the official calendar (seed 001 task 3 #7)."""

import datetime
from decimal import Decimal

import pytest

from assessc.api import ScoringError, load_policy
from assessc.runtime.workdays import CalendarError, workdays_between

POLICY = """
facts {
  announced: date "考调公告发布日期"
  filed: date "报州司法局政治部备案日期"
}

policy p "deadlines" {
  item 7 "考调公告备案" max 5 {
    text "在公告发布后15个工作日内报州司法局政治部备案,每逾期一个工作日扣2分"
    start 5
    deduct 2 per max(0, workdays(announced, filed) - 15)
    until zero
  }
}
"""


def test_national_day_holidays_and_adjusted_workdays():
    # 2017-09-30 (Saturday) was an adjusted working day (调休); 10-01..10-08 were holidays.
    assert workdays_between("2017-09-29", "2017-09-30") == 1
    assert workdays_between("2017-09-30", "2017-10-08") == 0
    assert workdays_between("2017-09-30", "2017-10-09") == 1
    assert workdays_between("2017-10-09", "2017-10-09") == 0


def test_year_outside_the_calendar_is_an_error():
    with pytest.raises(CalendarError, match="no schedule for 2003: chinese-calendar .* covers 2004"):
        workdays_between(datetime.date(2003, 12, 30), datetime.date(2004, 1, 5))


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def test_overdue_working_days_deduct(policy, tmp_path):
    facts = tmp_path / "f.csv"
    # 2017-09-20 (Wed) + 15 working days: Sep 21,22,25,26,27,28,29,30(调休) = 8, Oct 9..13 = 13, 16,17 = 15
    facts.write_text("id,announced,filed\n准时,2017-09-20,2017-10-17\n晚一天,2017-09-20,2017-10-18\n"
                     "晚三天,2017-09-20,2017-10-20\n", encoding="utf-8")
    run = policy.score_file(facts)
    assert run.result("准时").total == Decimal(5)
    assert run.result("晚一天").total == Decimal(3)   # 5 − 2×1
    assert run.result("晚三天").total == Decimal(0)   # 5 − 2×3 = −1 → floored at 0


def test_date_outside_the_calendar_names_entity_and_item(policy, tmp_path):
    facts = tmp_path / "f.csv"
    facts.write_text("id,announced,filed\n甲,2030-01-02,2030-01-10\n", encoding="utf-8")
    with pytest.raises(ScoringError) as error:
        policy.score_file(facts)
    message = error.value.diagnostics[0].message
    assert "甲" in message and "`7" in message and "2004" in message


def test_a_count_through_a_year_between_two_covered_ones_is_an_error():
    from assessc.runtime.workdays import Calendar, Schedule

    calendar = Calendar([Schedule(2028, "notice 2028", frozenset({datetime.date(2028, 1, 3)}))])
    assert calendar.between(datetime.date(2028, 1, 1), datetime.date(2028, 1, 5)) == 2  # 3 January off
    with pytest.raises(CalendarError, match="no schedule for 2027") as error:
        calendar.between(datetime.date(2026, 12, 30), datetime.date(2028, 1, 5))
    assert error.value.year == 2027 and "the policy declares 2028" in str(error.value)
    assert calendar.between(datetime.date(2028, 1, 5), datetime.date(2026, 12, 30)) == 0  # not after: no year needed


def test_the_last_day_of_the_date_range_can_be_counted():
    from assessc.runtime.workdays import Calendar, Schedule

    calendar = Calendar([Schedule(9999, "notice 9999", frozenset({datetime.date(9999, 12, 30)}))])
    assert calendar.between(datetime.date(9999, 12, 24), datetime.date(9999, 12, 31)) == 4  # 25, 26 weekend; 30 off


def test_the_table_count_every_engine_makes_is_the_day_by_day_count_of_the_calendar():
    """Calendar.between and generated scorers count from the calendar's table
    (assessc.runtime.daycount): the count is the days the calendar says work, one by one."""
    import random

    from assessc.runtime.workdays import LIBRARY, covered_years

    first, last = covered_years()
    low, high = datetime.date(first, 1, 1).toordinal(), datetime.date(last, 12, 31).toordinal()
    pick = random.Random(13)
    for _ in range(300):
        a = pick.randint(low, high)
        b = min(high, a + pick.choice((0, 1, 6, 40, 400)) + pick.randint(0, 10))
        start, end = datetime.date.fromordinal(a), datetime.date.fromordinal(b)
        by_day = sum(LIBRARY.is_workday(datetime.date.fromordinal(n)) for n in range(a + 1, b + 1))
        assert LIBRARY.between(start, end) == by_day, (start, end)
