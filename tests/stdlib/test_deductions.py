"""The stdlib `deductions` templates expand to the forms they document."""

from decimal import Decimal

import pytest

from assessc.api import PolicyError, load_policy

POLICY = """
import deductions

facts {
  docs_missing: count
  station: evidence { 挂牌, 方案, 记录 }
  summary: bool
}

policy p "stdlib templates" {
  item 1 "配套文件" max 1 { use per_occurrence_until_zero(points: 1, per_case: 0.5, cases: docs_missing) }
  item 2 "工作站" max 1 { use checklist_until_zero(points: 1, per_missing: 0.5, items: station) }
  item 3 "总结" max 1 { use all_or_nothing(points: 1, condition: summary) }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize(
    "docs_missing, station, summary, expected",
    [
        # 1 − 0.5×0 = 1; 1 − 0 = 1; 1  → 3
        (0, {"挂牌", "方案", "记录"}, True, {"1": "1", "2": "1", "3": "1", "total": "3"}),
        # 1 − 0.5×1 = 0.5; 1 − 0.5×2 = 0; 0  → 0.5
        (1, {"挂牌"}, False, {"1": "0.5", "2": "0", "3": "0", "total": "0.5"}),
        # 1 − 0.5×5 = −1.5 → floored 0; 1 − 0.5×3 = −0.5 → floored 0  → 0
        (5, set(), False, {"1": "0", "2": "0", "3": "0", "total": "0"}),
    ],
)
def test_templates_score_as_documented(policy, docs_missing, station, summary, expected):
    result = policy.score_values("x", {"docs_missing": Decimal(docs_missing), "station": frozenset(station),
                                       "summary": summary})
    actual = {k: result.value(k) if k != "total" else result.total for k in expected}
    assert actual == {k: Decimal(v) for k, v in expected.items()}


def test_evidence_parameter_must_name_a_fact(tmp_path):
    path = tmp_path / "bad.assess"
    path.write_text(POLICY.replace("items: station", "items: 1"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert "must name a fact" in error.value.diagnostics[0].message
