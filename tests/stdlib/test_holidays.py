"""The stdlib `holidays_2026` module: the State Council's 2026 notice as a `calendar` declaration,
which must agree day for day with the chinese-calendar package's own 2026."""

import datetime

import chinese_calendar
import pytest

from assessc.diagnostics import DiagnosticBag
from assessc.driver import compile_file
from assessc.ir.modules import stdlib_dir
from assessc.runtime.workdays import LIBRARY, package

POLICY = """
import holidays_2026

facts {
  announced: date "公告发布日期"
  filed: date "备案日期"
}

policy p "2026" {
  item 1 "备案" max 5 {
    start 5
    deduct 2 per max(0, workdays(announced, filed) - 15)
    until zero
  }
}
"""


@pytest.fixture(scope="module")
def calendar(tmp_path_factory):
    path = tmp_path_factory.mktemp("holidays") / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    bag = DiagnosticBag()
    compiled = compile_file(path, bag)
    assert compiled is not None and not bag.sorted(), bag.sorted()
    return compiled.policy.calendar


def test_the_module_declares_2026_from_the_notice(calendar):
    [schedule] = calendar.declared
    assert schedule.year == 2026 and schedule.source == "国务院办公厅关于2026年部分节假日安排的通知"
    assert schedule.origin.endswith("holidays_2026.assess:8")
    # 元旦 3, 春节 9, 清明节 3, 劳动节 5, 端午节 3, 中秋节 3, 国庆节 7 days off; 6 adjusted working days
    assert len(schedule.holidays) == 33 and len(schedule.workdays) == 6


def test_2026_agrees_with_chinese_calendar_day_for_day(calendar):
    [schedule] = calendar.declared
    day = datetime.date(2026, 1, 1)
    while day.year == 2026:
        assert calendar.is_workday(day) == chinese_calendar.is_workday(day) == LIBRARY.is_workday(day), day
        day += datetime.timedelta(days=1)
    assert schedule.holidays == package().schedule(2026).holidays
    assert schedule.workdays == package().schedule(2026).workdays


def test_counting_with_the_module_changes_no_count(calendar):
    start = datetime.date(2025, 12, 1)
    for offset in range(0, 400, 7):
        a = start + datetime.timedelta(days=offset)
        for length in (1, 6, 15, 40):
            b = a + datetime.timedelta(days=length)
            if b.year <= 2026:
                assert calendar.between(a, b) == LIBRARY.between(a, b), (a, b)


def test_the_template_is_shipped_beside_the_modules():
    assert (stdlib_dir() / "holidays_TEMPLATE.txt").is_file()
