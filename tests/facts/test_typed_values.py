"""Policy.score_values checks typed values as the loader checks cells: wrong
types and out-of-range values are FactsError naming entity, fact and what is allowed."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assessc.api import FactsError, load_policy

POLICY = """
facts {
  done: bool "完成"
  misses: count "缺项数"
  rate: percent "完成率"
  place: rank 1..14 "排名"
  grade: enum { 优秀, 合格 } "等次"
  docs: evidence { 方案 "方案", 总结 "总结" }
  filed: date "报送日期"
}
policy p "typed" {
  item 1 "完成" max 1 { add 1 if done }
  item 2 "缺项" max 2 { start 2  deduct 0.5 per misses  until zero }
  item 3 "完成率" max 3 { add 3 * rate }
  item 4 "排名" max 1 { add lookup place { 1..7: 1  8..14: 0.5 } }
  item 5 "等次" max 1 { add 1 if grade == 优秀 }
  item 6 "材料" max 1 { start 1  deduct 0.5 per missing docs }
  item 7 "按时" max 1 { add 1 if filed <= 2020-12-31 }
}
"""

GOOD = {"done": True, "misses": 1, "rate": Decimal("0.9"), "place": 3, "grade": "优秀",
        "docs": frozenset({"方案"}), "filed": datetime.date(2020, 12, 1)}


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    path = tmp_path_factory.mktemp("typed") / "typed.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def test_ints_are_taken_as_whole_numbers(policy):
    # 1 + (2 − 0.5) + 3 × 0.9 + 1 + 1 + (1 − 0.5) + 1 = 8.7
    assert policy.score_values("甲", GOOD).total == Decimal("8.7")
    assert policy.score_values("甲", {**GOOD, "misses": Decimal(1)}).total == Decimal("8.7")


@pytest.mark.parametrize("fact, value, code, words", [
    ("rate", 0.9, "D0603", "a float is not exact"),
    ("rate", Decimal("1.5"), "D0604", "outside its range"),
    ("misses", Decimal("1.5"), "D0603", "a whole number"),
    ("misses", -1, "D0604", "outside its range"),
    ("misses", True, "D0603", "not a `Decimal` or an `int`"),
    ("place", 15, "D0604", "from 1 to 14"),
    ("done", 1, "D0603", "True or False"),
    ("grade", "良好", "D0605", "优秀, 合格"),
    ("docs", frozenset({"照片"}), "D0605", "照片"),
    ("docs", "方案", "D0603", "frozenset"),
    ("filed", "2020-12-01", "D0603", "datetime.date"),
    ("rate", Decimal("NaN"), "D0603", "finite"),
])
def test_bad_values_name_entity_fact_and_what_is_allowed(policy, fact, value, code, words):
    with pytest.raises(FactsError) as caught:
        policy.score_values("甲", {**GOOD, fact: value})
    text = str(caught.value)
    assert code in text and f"entity `甲`: fact `{fact}`" in text and words in text
