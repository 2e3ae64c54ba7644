"""钟楼区区级机关2020年法治建设“互联网+”监测评价 (钟委法办〔2020〕8 号).

Every expected value below is worked out by hand from the facts in
policies/zhonglou_2020.facts.json and the rules of policies/zhonglou_2020.assess;
the arithmetic is written beside each value.

Full marks per item: 1:4 2:4 3:3 4:4 5:4 6:3 7:3 8:3 9:4 10:4 11:4 12:4 13:4 14:4
15:15 16:4 17:4 18:4 19:4 20:13 21:4 = 100, but item 9's parts give only 2 + 1 = 3,
so a body meeting every requirement scores 99 before bonus and penalty.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import load_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY = POLICIES / "zhonglou_2020.assess"
FACTS = POLICIES / "zhonglou_2020.facts.json"


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS)


def D(text: str) -> Decimal:
    return Decimal(text)


def test_policy_compiles_with_only_the_accepted_item_9_finding(policy):
    # The only finding is W0501 on item 9 (declared 4, parts 2 + 1 = 3), acknowledged by `accept`.
    findings = [(d.code.code, d.accepted is not None) for d in policy.warnings]
    assert findings == [("W0501", True)]
    assert "item `9`" in policy.warnings[0].message
    assert policy.ir.max == D("100")


def test_declared_maxima_add_up_to_100(policy):
    # 4+4+3+4+4+3+3+3+4+4+4+4+4+4+15+4+4+4+4+13+4 = 100
    maxima = [item.max for item in policy.ir.items]
    assert len(maxima) == 21
    assert sum(maxima, D("0")) == D("100")


# ---- 司法局: bonus cap and accumulate cap ------------------------------------------


def test_sifaju(run):
    r = run.result("司法局")
    # item 3: assessors' amount 2.5 of 3
    assert r.value("3") == D("2.5")
    # item 9: 9.1 = 2, 9.2 = 1 → 3 (the declared 4 is unreachable)
    assert r.value("9") == D("3")
    # item 13: assessors' amount 3.5 of 4
    assert r.value("13") == D("3.5")
    # 15.4: amount 9.5; 15.6: 4 events, "不低于4次" → 1
    assert r.value("15.4") == D("9.5")
    assert r.value("15.6") == D("1")
    # item 15: 1 + 1 + 1 + 9.5 + 1 + 1 = 14.5
    assert r.value("15") == D("14.5")
    # 20.6: 6 reports × 0.5 + 1 adopted × 2 = 3 + 2 = 5 → capped at 4
    assert r.value("20.6") == D("4")
    # 20.7: 5 − 0 refusals = 5
    assert r.value("20.7") == D("5")
    # item 20: 1 + 1 + 1 + 0.5 + 0.5 + 4 + 5 = 13
    assert r.value("20") == D("13")
    # bonus: 13 entries, one repeating 全省人民调解工作先进集体 → 12 distinct matters × 1 = 12,
    # capped at 10
    assert r.value("加分") == D("10")
    assert r.value("减分") == D("0")
    # items: 4 + 4 + 2.5 + 4 + 4 + 3 + 3 + 3 + 3 + 4 + 4 + 4 + 3.5 + 4 + 14.5 + 4 + 4 + 4 + 4 + 13 + 4
    #      = 100 − 0.5 (3) − 1 (9) − 0.5 (13) − 0.5 (15) = 97.5; + bonus 10 → 107.5
    assert r.total == D("107.5")
    assert r.vetoed == ()


# ---- 法院: rate exactly at the threshold, one bonus matter entered twice ---------------


def test_fayuan(run):
    r = run.result("法院")
    # 1.3: 报备及时率 98% is not 100% → 0; item 1: 1 + 1 + 0 = 2
    assert r.value("1.3") == D("0")
    assert r.value("1") == D("2")
    # 2.4: no published clean-up → 0; item 2: 1 + 1 + 1 + 0 + 0.5 = 3.5
    assert r.value("2") == D("3.5")
    # 6.1: 出庭应诉率 95% ≥ 95% → 2; item 6: 2 + 1 = 3
    assert r.value("6.1") == D("2")
    assert r.value("6") == D("3")
    # item 7: assessors' amount 2
    assert r.value("7") == D("2")
    # item 15: 1 + 1 + 1 + 8 + 1 + 0 (3 events < 4) = 12
    assert r.value("15.6") == D("0")
    assert r.value("15") == D("12")
    # 17.3: 9.99 per 10,000 is below 万分之十 → 0; item 17: 2 + 1 + 0 = 3
    assert r.value("17.3") == D("0")
    assert r.value("17") == D("3")
    # 20.6: 5 × 0.5 = 2.5 (under the cap); 20.7: 5 − 1 = 4
    assert r.value("20.6") == D("2.5")
    assert r.value("20.7") == D("4")
    # item 20: 1 + 1 + 1 + 0.5 + 0.5 + 2.5 + 4 = 10.5
    assert r.value("20") == D("10.5")
    # bonus: 一站式多元解纷… entered as award and as model_experience → 1 (same matter, once);
    # 执行信息公开工作经验 → 1; total 2
    assert r.value("加分") == D("2")
    # items: 2 + 3.5 + 3 + 4 + 4 + 3 + 2 + 3 + 3 + 4 + 4 + 4 + 4 + 4 + 12 + 4 + 3 + 4 + 4 + 10.5 + 4 = 89;
    # + bonus 2 → 91
    assert r.total == D("91")
    assert r.vetoed == ()


# ---- 检察院: rate just below the threshold, one penalty matter under both branches of case 4 --


def test_jianchayuan(run):
    r = run.result("检察院")
    # 6.1: 94.99% < 95% → 0; item 6: 0 + 1 = 1
    assert r.value("6.1") == D("0")
    assert r.value("6") == D("1")
    # item 9: 9.1 not met → 0, 9.2 → 1; 0 + 1 = 1
    assert r.value("9") == D("1")
    # item 12: 2 + 0 = 2
    assert r.value("12") == D("2")
    # 18.3: campaign of exactly 2 months, "不少于2个月" → 1
    assert r.value("18.3") == D("1")
    # 20.6: 2 × 0.5 + 1 × 2 = 1 + 2 = 3 (under the cap)
    assert r.value("20.6") == D("3")
    # item 20: 1 + 1 + 1 + 0.5 + 0.5 + 3 + 5 = 12
    assert r.value("20") == D("12")
    # 21.1: 2 supervisions < 3 → 0; item 21: 0 + 1 = 1
    assert r.value("21") == D("1")
    # penalty: 原单位负责人严重违纪违法案 as 党纪政纪处分 (3) and 刑事责任 (5) → one matter, highest 5;
    # 规范性文件 matter → 3; 5 + 3 = 8
    assert r.value("减分") == D("-8")
    assert r.value("加分") == D("0")
    # items: 4 + 4 + 2 + 4 + 4 + 1 + 3 + 3 + 1 + 4 + 4 + 2 + 2 + 4 + 15 + 4 + 4 + 4 + 4 + 12 + 1 = 86;
    # − 8 → 78
    assert r.total == D("78")
    assert r.vetoed == ()


# ---- 发改局: deduction floored at zero, item 9 part met --------------------------------


def test_fagaiju(run):
    r = run.result("发改局")
    # 1.1: no meeting → 0; item 1: 0 + 1 + 2 = 3
    assert r.value("1") == D("3")
    # 2.5: 规范率 99% → 0; item 2: 1 + 1 + 1 + 0.5 + 0 = 3.5
    assert r.value("2") == D("3.5")
    # item 5: 0.5 + 0.5 + 1 + 0.5 + 0 + 0 + 0.5 = 3
    assert r.value("5") == D("3")
    # item 9: 2 + 0 = 2
    assert r.value("9") == D("2")
    # item 13: assessors' amount 0
    assert r.value("13") == D("0")
    # item 14: 0 + 2 = 2
    assert r.value("14") == D("2")
    # item 15: 1 + 1 + 1 + 7.5 + 1 + 1 = 12.5
    assert r.value("15") == D("12.5")
    # item 17: 2 + 0 (99.5% < 100%) + 1 = 3
    assert r.value("17") == D("3")
    # 20.6: 3 × 0.5 = 1.5
    assert r.value("20.6") == D("1.5")
    # 20.7: 5 − 7 × 1 = −2 → 0 ("扣完为止")
    assert r.value("20.7") == D("0")
    # item 20: 1 + 1 + 1 + 0.5 + 0.5 + 1.5 + 0 = 5.5
    assert r.value("20") == D("5.5")
    assert r.value("加分") == D("1")
    assert r.value("减分") == D("-3")
    # items: 3 + 3.5 + 3 + 4 + 3 + 3 + 1.5 + 3 + 2 + 4 + 4 + 4 + 0 + 2 + 12.5 + 4 + 3 + 4 + 4 + 5.5 + 4 = 77;
    # + 1 − 3 → 75
    assert r.total == D("75")
    assert r.vetoed == ()


# ---- 应急管理局: one-vote veto ---------------------------------------------------------


def test_yingjiju_vetoed(run):
    r = run.result("应急管理局")
    # 20.6: no reports → 0; 20.7: 5 − 6 = −1 → 0
    assert r.value("20.6") == D("0")
    assert r.value("20.7") == D("0")
    # item 20: 1 + 1 + 1 + 0.5 + 0.5 + 0 + 0 = 4
    assert r.value("20") == D("4")
    assert r.value("加分") == D("1")
    assert r.value("减分") == D("-3")
    # before the veto: 99 − 4 (20.6) − 5 (20.7) = 90 items, + 1 − 3 = 88;
    # 发生重大以上生产安全事故 → 一票否决 → 0
    assert r.total == D("0")
    assert len(r.vetoed) == 1
    assert "发生重大以上生产安全事故" in r.vetoed[0]


# ---- 政府办: nothing met -----------------------------------------------------------------


def test_zhengfuban(run):
    r = run.result("政府办")
    # every bool false, every rate 0%, every amount 0, every count 0 → those sub-points 0
    assert r.value("1") == D("0")
    assert r.value("9") == D("0")
    assert r.value("15") == D("0")
    # 18.3: 1.5 months < 2 → 0
    assert r.value("18") == D("0")
    # 20.6: 4 × 0.5 + 1 × 2 = 2 + 2 = 4 (exactly at the cap)
    assert r.value("20.6") == D("4")
    # 20.7: 5 − 0 = 5
    assert r.value("20.7") == D("5")
    # items: 0 everywhere except item 20 = 4 + 5 = 9; no bonus, no penalty → 9
    assert r.total == D("9")
    assert r.vetoed == ()


def test_every_body_is_scored(run):
    expected = {
        "司法局": D("107.5"),
        "法院": D("91"),
        "检察院": D("78"),
        "发改局": D("75"),
        "应急管理局": D("0"),
        "政府办": D("9"),
    }
    assert {r.entity: r.total for r in run.results} == expected
