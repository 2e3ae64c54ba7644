"""湖北省司法厅政务信息工作考评办法 (2017) (policies/hubei_2017.assess).

The hand-worked expected results -- every unit's total and every quarterly node,
with the arithmetic beside each value -- are in policies/hubei_2017.cases.toml,
which `assessc test` runs. This file runs that case file and checks what a case
file does not say: the policy's findings, the quotas of 第七条 for every category,
that the periods and the ledger's quarters agree, and the rejection of bad facts.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import FactsError, load_policy
from assessc.testing.runner import PASS, failure_text, run_file

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY_PATH = POLICIES / "hubei_2017.assess"
FACTS_PATH = POLICIES / "hubei_2017.facts.json"
CASES_PATH = POLICIES / "hubei_2017.cases.toml"
CASE_NAMES = [case["name"] for case in tomllib.loads(CASES_PATH.read_text(encoding="utf-8"))["case"]]
QUARTERS = ("Q1", "Q2", "Q3", "Q4")

# 第七条 各单位(处室)每季度最低上报信息数
QUOTAS = {
    "市州": 24,
    "直管市": 18,
    "省监狱局": 24,
    "省戒毒局": 20,
    "第4项单位": 12,
    "第5项单位": 6,
    "直报点": 12,
}


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_PATH)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS_PATH)


@pytest.fixture(scope="module")
def outcome():
    return run_file(CASES_PATH)


def test_policy_compiles_with_only_the_accepted_uncapped_points(policy):
    # The only findings are W0511 on the per-piece points of each quarter (第九条 sets no cap),
    # acknowledged by `accept`; one per quarter copy 1.Q1.2 … 1.Q4.2.
    assert [d.code.code for d in policy.warnings if d.accepted is None] == []
    assert [d.code.code for d in policy.warnings if d.accepted is not None] == ["W0511"] * 4


def test_case_file_loads_without_findings(outcome):
    assert outcome.loaded
    assert list(outcome.diagnostics) == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_worked_case(outcome, name):
    case = next(c for c in outcome.cases if c.name == name)
    assert case.status == PASS, failure_text(case) if case.mismatches else case.diagnostics


def test_every_unit_has_a_case_with_its_total(outcome, run):
    assert [c.case.entity for c in outcome.cases] == [r.entity for r in run.results]
    assert all(any(e.node == "total" for e in c.case.expectations) for c in outcome.cases)


def test_the_facts_cover_every_category(run, policy):
    facts = json.loads(FACTS_PATH.read_text(encoding="utf-8"))
    assert {unit["category"] for unit in facts} == set(QUOTAS)


def test_periods_are_the_quarters_of_the_ledger(policy):
    # `quarter == period()` compares the ledger field with the period's name: the two lists
    # must name the same quarters, or a quarter would silently match no entry.
    periods = [m.name for m in policy.ir.periods.members]
    info = next(f for f in policy.ir.facts if f.name == "info")
    field = next(f for f in info.type.fields if f.name == "quarter")
    assert periods == list(field.type.member_names) == list(QUARTERS)


def test_the_year_is_the_sum_of_the_quarters(run):
    # 第十五条: 全年得分 = 四个季度考评得分之和; each quarter = 基准分 + 采用和批示
    for result in run.results:
        quarters = [result.value(f"1.{q}") for q in QUARTERS]
        for q, value in zip(QUARTERS, quarters):
            assert value == result.value(f"1.{q}.1") + result.value(f"1.{q}.2"), (result.entity, q)
        assert result.value("1") == sum(quarters, Decimal(0)) == result.total, result.entity


def _entry(piece, quarter="Q1", kind="动态", channel="未采用"):
    return {"piece": piece, "quarter": quarter, "kind": kind, "channel": channel}


@pytest.mark.parametrize("category, quota", sorted(QUOTAS.items()))
def test_base_score_at_the_quota_of_every_category(policy, category, quota):
    # 第七条 + 第八条: exactly the quota earns 60, one piece fewer earns nothing
    met = tuple(_entry(f"p{i}") for i in range(quota))
    short = met[:-1]
    assert policy.score_values("u", {"category": category, "info": met}).value("1.Q1.1") == 60
    assert policy.score_values("u", {"category": category, "info": short}).value("1.Q1.1") == 0


def test_conversion_applies_to_problem_and_urgent_reports_only(policy):
    # 第十条 "1条困难问题类调研信息或重要紧急信息可折算2条常规信息"; quota of 第5项单位 is 6
    def base(kinds):
        info = tuple(_entry(f"p{i}", kind=k) for i, k in enumerate(kinds))
        return policy.score_values("u", {"category": "第5项单位", "info": info}).value("1.Q1.1")

    assert base(["困难问题"] * 3) == 60       # 3 × 2 = 6
    assert base(["重要紧急"] * 3) == 60       # 3 × 2 = 6
    assert base(["典型经验"] * 3) == 0        # 3 × 1 = 3 < 6
    assert base(["动态"] * 4 + ["典型经验"] * 2) == 60  # 4 + 2 = 6


def test_one_piece_scores_its_highest_channel_once(policy):
    # 第九条 "一条信息以该信息被采用(批示)对应的最高分为准,不累计重复计分"
    info = tuple(_entry("a", channel=c) for c in ("门户网站", "工作简报", "厅领导批示", "部省采用",
                                                 "部省领导批示", "中央采用", "中央领导批示"))
    result = policy.score_values("u", {"category": "第5项单位", "info": info})
    assert result.value("1.Q1.2") == 30
    assert result.value("1.Q1.1") == 0  # one piece, however many adoptions, is one piece


# ---- bad facts --------------------------------------------------------------


def _facts():
    return json.loads(FACTS_PATH.read_text(encoding="utf-8"))


def _unit(facts, name):
    return next(unit for unit in facts if unit["unit"] == name)


def _write(tmp_path: Path, facts) -> Path:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts, ensure_ascii=False), encoding="utf-8")
    return path


def _errors(policy, path):
    with pytest.raises(FactsError) as error:
        policy.score_file(path)
    return error.value.diagnostics


def test_a_quarter_outside_the_periods_names_unit_field_and_allowed_values(policy, tmp_path):
    facts = _facts()
    _unit(facts, "仙桃市司法局")["info"][0]["quarter"] = "Q5"
    diagnostics = _errors(policy, _write(tmp_path, facts))
    hit = [d for d in diagnostics if "仙桃市司法局" in d.message]
    assert len(hit) == 1
    assert "quarter" in hit[0].message and "Q5" in hit[0].message
    assert all(q in hit[0].help for q in QUARTERS)


def test_an_unknown_category_names_unit_fact_and_allowed_values(policy, tmp_path):
    facts = _facts()
    _unit(facts, "省监狱局")["category"] = "厅办公室"  # 第七条 sets no quota for it
    diagnostics = _errors(policy, _write(tmp_path, facts))
    hit = [d for d in diagnostics if "省监狱局" in d.message]
    assert len(hit) == 1
    assert "category" in hit[0].message and "厅办公室" in hit[0].message
    assert all(member in hit[0].help for member in QUOTAS)


def test_all_defects_together_are_all_reported(policy, tmp_path):
    facts = _facts()
    _unit(facts, "仙桃市司法局")["info"][0]["quarter"] = "Q5"
    _unit(facts, "省监狱局")["category"] = "厅办公室"
    _unit(facts, "江汉区司法局")["info"][0]["kind"] = "调研"  # 第三条: 调研 is 典型经验 or 困难问题
    messages = [d.message for d in _errors(policy, _write(tmp_path, facts))]
    for unit, field in [("仙桃市司法局", "quarter"), ("省监狱局", "category"), ("江汉区司法局", "kind")]:
        assert any(unit in m and field in m for m in messages), (unit, field, messages)
