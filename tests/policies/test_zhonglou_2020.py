"""钟楼区区级机关2020年法治建设“互联网+”监测评价 (钟委法办〔2020〕8 号).

The hand-worked expected results of every body -- worked out from the facts in
policies/zhonglou_2020.facts.json and the rules of policies/zhonglou_2020.assess,
with the arithmetic beside each value -- are in policies/zhonglou_2020.cases.toml,
which `assessc test` runs. This file runs that case file and checks what a case
file does not say: the policy's findings and its declared maxima.

Full marks per item: 1:4 2:4 3:3 4:4 5:4 6:3 7:3 8:3 9:4 10:4 11:4 12:4 13:4 14:4
15:15 16:4 17:4 18:4 19:4 20:13 21:4 = 100, but item 9's parts give only 2 + 1 = 3,
so a body meeting every requirement scores 99 before bonus and penalty.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import load_policy
from assessc.testing.runner import PASS, failure_text, run_file

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY = POLICIES / "zhonglou_2020.assess"
FACTS = POLICIES / "zhonglou_2020.facts.json"
CASES = POLICIES / "zhonglou_2020.cases.toml"
CASE_NAMES = [case["name"] for case in tomllib.loads(CASES.read_text(encoding="utf-8"))["case"]]


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS)


@pytest.fixture(scope="module")
def outcome():
    return run_file(CASES)


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


def test_case_file_loads_without_findings(outcome):
    assert outcome.loaded
    assert list(outcome.diagnostics) == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_worked_case(outcome, name):
    case = next(c for c in outcome.cases if c.name == name)
    assert case.status == PASS, failure_text(case) if case.mismatches else case.diagnostics


def test_every_body_is_scored_and_has_a_case(outcome, run):
    # 司法局, 法院, 检察院, 发改局, 应急管理局, 政府办: one case each, with its total
    assert [c.case.entity for c in outcome.cases] == [r.entity for r in run.results]
    assert all(any(e.node == "total" for e in c.case.expectations) for c in outcome.cases)
