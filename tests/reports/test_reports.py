"""The reports: ranking with awards, deductions by lead unit, completion by responsible unit."""

from decimal import Decimal

import pytest

from assessc.api import load_policy
from assessc.backends.results import ScoreRun
from assessc.backends.scored import results_of_run
from assessc.reports import completion, leads, ranking

POLICY = """
facts {
  missing_docs: count
  corrections: count
  criminal: bool
  evidence_list: evidence { 方案 "工作方案", 图片 "活动图片" }
}

policy p "报告" {
  item 1 "配套文件" max 2 {
    lead "自治区党委办公厅"
    responsible "市委办"
    item 1 "制定配套文件" max 1 { start 1 deduct 0.5 per missing_docs until zero }
    item 2 "报备文件合法合规" max 1 { start 1 deduct 0.5 per corrections until zero }
  }
  item 2 "宣讲" max 1 {
    lead "自治区党委宣传部"
    responsible "市委宣传部", "各部门"
    start 1
    deduct 0.5 per missing evidence_list
    requires evidence_list
  }
  outcomes {
    awards "综合奖" by rank { 一等奖: 1..1  二等奖: 2..3 }
    demote "受到刑事处罚" if criminal
  }
}
"""

VALUES = {
    "甲": {"missing_docs": Decimal(0), "corrections": Decimal(0), "criminal": True, "evidence_list": frozenset({"方案", "图片"})},
    "乙": {"missing_docs": Decimal(1), "corrections": Decimal(3), "criminal": False, "evidence_list": frozenset({"方案"})},
    "丙": {"missing_docs": Decimal(1), "corrections": Decimal(0), "criminal": False, "evidence_list": frozenset()},
}


@pytest.fixture
def scored(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy(path)
    run = ScoreRun("p", tuple(policy.score_values(e, v) for e, v in VALUES.items()))
    return policy, run


def test_ranking_report(scored):
    policy, run = scored
    results = results_of_run(policy.ir, policy.graph, run, VALUES)
    # 甲 3, 乙 0.5 + 0 + 0.5 = 1, 丙 0.5 + 1 + 0 = 1.5 → 甲 1, 丙 2, 乙 3
    table = ranking.rows(results)
    assert ranking.header(results)[:8] == ["entity", "total", "rank", "tie_group", "tie_size", "vetoed", "综合奖",
                                           "综合奖 by rank"]
    assert [r[:8] for r in table] == [["甲", Decimal(3), 1, None, 1, "", "二等奖", "一等奖"],
                                      ["丙", Decimal("1.5"), 2, None, 1, "", "二等奖", "二等奖"],
                                      ["乙", Decimal(1), 3, None, 1, "", "二等奖", "二等奖"]]
    text = ranking.text(results)
    assert "甲: 综合奖 一等奖 by rank, 二等奖 after demotion (受到刑事处罚)" in text


def test_deductions_by_lead_unit(scored):
    policy, run = scored
    found = leads.deductions(run)
    by_lead = {}
    for d in found:
        by_lead.setdefault(d.lead, []).append((d.entity, d.item, d.amount))
    # 乙: 1.1 −0.5; 1.2 −1.5, then +0.5 back from the floor (1 − 1.5 → 0); 丙: 1.1 −0.5; 宣传部: 乙 −0.5, 丙 −1
    assert by_lead["自治区党委办公厅"] == [("乙", "1.1", Decimal("-0.5")), ("乙", "1.2", Decimal("-1.5")),
                                      ("乙", "1.2", Decimal("0.5")), ("丙", "1.1", Decimal("-0.5"))]
    assert by_lead["自治区党委宣传部"] == [("乙", "2", Decimal("-0.5")), ("丙", "2", Decimal("-1"))]
    text = leads.text(found, "报告")
    assert "deduct 0.5 per corrections" in text and "p.assess:" in text


def test_completion_by_responsible_unit(scored):
    policy, run = scored
    found = completion.rows_of(run, policy.ir)
    open_items = sorted((r.unit, r.entity, r.missing) for r in found if not r.complete)
    assert open_items == sorted([("市委宣传部", "乙", ("活动图片",)), ("市委宣传部", "丙", ("工作方案", "活动图片")),
                                 ("各部门", "乙", ("活动图片",)), ("各部门", "丙", ("工作方案", "活动图片"))])
    assert completion.summary(found)[0] == ["各部门", "3", "1", "2"]
