"""F25 award bands with ties, F26 demotion and forced last place, F27 flags from history (seed 001)."""

from decimal import Decimal

import pytest

from assessc.api import PolicyError, load_policy
from assessc.backends.outcomes import decide

POLICY = """
facts {
  points: decimal 0..100
  criminal: bool "单位主要负责人受到刑事处罚"
  fraud_severe: bool "在绩效考评中弄虚作假,情节严重"
  last_year_last: bool "上年度排名最后一位"
}

policy p "outcomes" {
  item 1 "任务" max 100 { add points }
  outcomes {
    awards "综合奖" by rank { 一等奖: 1..2  二等奖: 3..4  三等奖: 5..5 }
    demote "受到刑事处罚,直接降低一个等次评奖" if criminal
    rank last "弄虚作假,情节严重,直接排名最后一位" if fraud_severe
    flag "连续两年排名最后一位,应报送原因分析和整改报告" if place() == last_place() and last_year_last
  }
}
"""

ROWS = {
    # entity: (points, criminal, fraud_severe, last_year_last)
    "甲": (95, False, False, False),
    "乙": (90, True, False, False),    # rank 2 → 一等奖, demoted to 二等奖
    "丙": (88, False, False, False),   # ranks 3 and 4 tie at 88? no: 丙 88, 丁 88 → both rank 3
    "丁": (88, False, False, False),
    "戊": (80, False, False, True),    # rank 5 → 三等奖
    "己": (99, False, True, True),     # best score, but forced last → rank 6, flagged (last twice)
}


@pytest.fixture
def outcomes(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy(path)
    values = {e: {"points": Decimal(p), "criminal": c, "fraud_severe": f, "last_year_last": l}
              for e, (p, c, f, l) in ROWS.items()}
    from assessc.backends.results import ScoreRun

    run = ScoreRun("p", tuple(policy.score_values(e, v) for e, v in values.items()))
    return {o.entity: o for o in decide(policy.ir, run, values)}


def test_forced_last_and_ranks(outcomes):
    assert [outcomes[e].rank for e in "甲乙丙丁戊己"] == [1, 2, 3, 3, 5, 6]
    assert outcomes["己"].forced_last and outcomes["己"].total == Decimal(99)
    assert outcomes["丙"].tie_size == outcomes["丁"].tie_size == 2
    assert outcomes["丙"].tie_group == outcomes["丁"].tie_group == 3


def test_awards_demotion_and_flags(outcomes):
    award = {e: outcomes[e].awards[0].band for e in outcomes}
    assert award == {"甲": "一等奖", "乙": "二等奖", "丙": "二等奖", "丁": "二等奖", "戊": "三等奖", "己": None}
    assert outcomes["乙"].awards[0].by_rank == "一等奖" and outcomes["乙"].demotions
    assert outcomes["己"].flags == ("连续两年排名最后一位,应报送原因分析和整改报告",)
    assert outcomes["戊"].flags == ()  # last year last, but not last this year


def test_tie_at_an_award_boundary_is_reported(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy(path)
    from assessc.backends.results import ScoreRun

    values = {e: {"points": Decimal(p), "criminal": False, "fraud_severe": False, "last_year_last": False}
              for e, p in {"甲": 95, "乙": 90, "丙": 90, "丁": 80}.items()}
    run = ScoreRun("p", tuple(policy.score_values(e, v) for e, v in values.items()))
    result = {o.entity: o for o in decide(policy.ir, run, values)}
    # 乙 and 丙 tie at rank 2, the last place of 一等奖 (1..2): both get it, and the tie is reported
    assert result["乙"].awards[0].band == result["丙"].awards[0].band == "一等奖"
    assert "straddles the last place of 一等奖" in result["丙"].awards[0].note
    assert result["丁"].rank == 4 and result["丁"].awards[0].band == "二等奖"


def test_place_only_after_ranking(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY.replace('add points }', 'add points if place() == 1 }'), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert "known only after ranking" in error.value.diagnostics[0].message
