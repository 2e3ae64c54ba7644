"""F19 quotas by category, a base score for meeting them, and conversion (seed 003 第七、八、十条)."""

from decimal import Decimal

import pytest

from assessc.api import load_policy

POLICY = """
facts {
  category: enum { 市州 "市、州司法局", 直管市 "直管市、神农架林区司法局", 省监狱局, 省戒毒局 }
  routine: count "动态类、典型经验类信息条数"
  problem: count "困难问题类调研信息条数"
  urgent: count "重要紧急信息条数"
}

table quarterly_quota { 市州: 24  直管市: 18  省监狱局: 24  省戒毒局: 20 }

policy p "quota" {
  item base "基准分" max 60 {
    # 第十条: 1条困难问题类调研信息或重要紧急信息可折算2条常规信息
    add 60 if routine + 2 * (problem + urgent) >= lookup category quarterly_quota
  }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize("category, routine, problem, urgent, expected", [
    ("市州", 24, 0, 0, 60),      # 24 ≥ 24
    ("市州", 20, 1, 1, 60),      # 20 + 2×2 = 24 ≥ 24
    ("市州", 20, 1, 0, 0),       # 22 < 24
    ("直管市", 18, 0, 0, 60),    # 18 ≥ 18
    ("省戒毒局", 19, 0, 0, 0),   # 19 < 20
])
def test_base_score_for_meeting_the_quota(policy, category, routine, problem, urgent, expected):
    result = policy.score_values("x", {"category": category, "routine": Decimal(routine),
                                       "problem": Decimal(problem), "urgent": Decimal(urgent)})
    assert result.total == expected


def test_a_category_missing_from_the_quota_table_is_an_error(tmp_path):
    from assessc.api import ScoringError

    path = tmp_path / "p.assess"
    path.write_text(POLICY.replace("省戒毒局: 20 }", "}"), encoding="utf-8")
    policy = load_policy(path)
    facts = tmp_path / "f.csv"
    facts.write_text("id,category,routine,problem,urgent\n省戒毒局,省戒毒局,30,0,0\n", encoding="utf-8")
    with pytest.raises(ScoringError) as error:
        policy.score_file(facts)
    message = error.value.diagnostics[0].message
    assert "省戒毒局" in message and "base" in message and "quarterly_quota" in message and "市州" in message
