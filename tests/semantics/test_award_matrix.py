"""F11 highest level only and F12 points matrix with a default grade (seed 001 第六条)."""

from decimal import Decimal

import pytest

from assessc.api import PolicyError, load_policy

POLICY = """
facts {
  awards: ledger {
    work: text "工作事项"
    level: enum { 省级党政 "省委、省人大、省政府、省政协和国家部委", 省级小组 "省委、省政府有关领导小组", 州级党政 "州委、州人大、州政府、州政协" }
    # 未明确获奖等级、获优秀称号或获先进称号,视为二等奖
    grade: enum { 一等奖, 二等奖 also "优秀称号" "先进称号", 三等奖 } default 二等奖
  }
}

matrix award_points {
  columns (一等奖, 二等奖, 三等奖)
  省级党政: 1.5
  省级小组: 1, 0.8, 0.6
  州级党政: 0.8, 0.6, 0.4
}

policy p "awards" {
  bonus 加分 "特殊情况加分" {
    # 同一项工作受到多级表彰奖励,按最高层级计分,不重复计分
    add awards by level, grade award_points highest per work
  }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def test_highest_level_per_work_item_with_default_grade(policy, tmp_path):
    facts = tmp_path / "f.json"
    facts.write_text("""[{"id": "西昌", "awards": [
        {"work": "普法", "level": "州级党政", "grade": "一等奖"},
        {"work": "普法", "level": "省级小组", "grade": "三等奖"},
        {"work": "调解", "level": "省委、省政府有关领导小组", "grade": null},
        {"work": "矫正", "level": "州级党政", "grade": "先进称号"}
    ]}]""", encoding="utf-8")
    result = policy.score_file(facts).result("西昌")
    # 普法: max(州级 一等 0.8, 省级小组 三等 0.6) = 0.8; 调解: 省级小组, no grade → 二等 0.8;
    # 矫正: 州级, 先进称号 视为二等奖 → 0.6; 0.8 + 0.8 + 0.6 = 2.2
    assert result.value("加分") == Decimal("2.2")


def test_matrix_rows_and_columns_are_checked(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY.replace("州级党政: 0.8, 0.6, 0.4", "县级党政: 0.8, 0.6"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    messages = [d.message for d in error.value.diagnostics]
    assert any("2 values for 3 columns" in m for m in messages)
