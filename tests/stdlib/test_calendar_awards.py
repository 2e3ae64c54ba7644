"""The stdlib `calendar` and `awards` modules, and `per_report_and_adoption`."""

import datetime
from decimal import Decimal

import pytest

from assessc.api import load_policy

POLICY = """
import calendar
import awards
import deductions

facts {
  announced: date
  filed: date
  reports: count
  adopted: count
}

policy p "stdlib" {
  item 1 "逾期备案" max 5 {
    start 5
    use overdue_workdays(start: announced, done: filed, allowed: 15, per_day: 2)
    until zero
  }
  item 2 "综合信息" max 4 {
    use per_report_and_adoption(per_report: 0.5, reports: reports, per_adoption: 2, adoptions: adopted)
  }
  bonus 加分 "特殊情况加分" {
    add awards by level, grade award_points highest per work
  }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def test_the_modules_score_as_documented(policy):
    entries = (
        {"work": "普法", "level": "州级党政", "grade": "一等奖"},      # 0.8
        {"work": "普法", "level": "省级小组", "grade": "三等奖"},      # 0.6: not counted, 普法 already 0.8
        {"work": "调解", "level": "县级小组", "grade": "二等奖"},      # 0.2 (a blank grade is 二等奖 when loaded)
        {"work": "矫正", "level": "集体记功", "grade": "一等奖"},      # 0.6
    )
    result = policy.score_values("x", {
        # 2017-09-20 + 15 working days = 2017-10-17 (Sep 30 is an adjusted workday, Oct 1–8 holidays)
        "announced": datetime.date(2017, 9, 20), "filed": datetime.date(2017, 10, 19),
        "reports": Decimal(6), "adopted": Decimal(1), "awards": entries,
    })
    assert result.value("1") == Decimal(1)          # 5 − 2 × 2 late working days
    assert result.value("2") == Decimal(4)          # 6 × 0.5 + 1 × 2 = 5, capped at 4
    assert result.value("加分") == Decimal("1.6")   # 0.8 + 0.2 + 0.6
