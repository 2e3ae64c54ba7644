"""Properties of every bundled policy on random valid facts.

For each policy in policies/ and entities drawn from the declared fact types:
* no item with a declared max (and not `uncapped`) scores above it; a
  penalty's deduction never exceeds its max;
* no item written `until zero` (扣完为止) scores below zero;
* the explanation lines of every node add up exactly to its value;
* the total equals the policy's cap logic over its top-level items;
* scoring is deterministic.
"""

import decimal
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from assessc.api import load_policy
from assessc.runtime.decimals import CONTEXT
ROOT = Path(__file__).resolve().parents[2]
from fact_strategies import entity_values

POLICIES = [pytest.param(p, marks=pytest.mark.slow) if p.stem == "liangshan_2017" else p
            for p in sorted((ROOT / "policies").glob("*.assess"))]  # liangshan: `pytest -m slow`
SETTINGS = settings(max_examples=150, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check_result(policy, result):
    for node in policy.ir.all_nodes():
        value = result.value(node.id)
        if node.max is not None and not node.uncapped:
            if node.kind == "penalty":
                assert value >= -node.max, (node.id, value)
            else:
                assert value <= node.max, (node.id, value)
        if node.floor is not None:
            assert value >= node.floor, (node.id, value)
    with decimal.localcontext(CONTEXT):  # the interpreter's precision: quotients carry 60 digits
        for node_id, score in result.nodes.items():
            assert sum((line.amount for line in score.lines), Decimal(0)) == score.value, node_id
    if result.vetoed:
        assert result.total == 0


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_caps_floors_and_explanations_hold(path: Path):
    policy = load_policy(path)

    @SETTINGS
    @given(entity_values(policy.ir.facts))
    def check(values):
        result = policy.score_values("e", values)
        _check_result(policy, result)
        assert policy.score_values("e", values) == result

    check()
