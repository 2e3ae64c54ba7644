"""Guangxi 2017 rule-of-law assessment of prefecture cities (policies/guangxi_2017.assess).

Every expected value below is worked out by hand from the seed's rules, with the
arithmetic beside it. Full marks per indicator: 1:2  2:1  3:1  4:1  5:2  6:3  7:1
8:1  9:1  10:1  11:4  12:2  13:1, which add up to 21; the total is capped at 20.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import FactsError, load_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY_PATH = POLICIES / "guangxi_2017.assess"
FACTS_PATH = POLICIES / "guangxi_2017.facts.csv"


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_PATH)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS_PATH)


def test_policy_compiles_with_only_the_accepted_max_mismatch(policy):
    # The only finding is W0501 (13 indicators add up to 21 ≠ 备注's 20), accepted in the policy.
    assert [d.code.code for d in policy.warnings if d.accepted is None] == []
    assert [d.code.code for d in policy.warnings if d.accepted is not None] == ["W0501"]


# The expected total of every city: 21 minus its losses, then capped at 20.
EXPECTED_TOTALS = {
    # all full marks, rank 1 → 6.1 = 2: 21 → capped to 20
    "南宁": "20",
    # rank 4 (top band) → 6.1 = 2; 1.1: 1 − 0.5×2 = 0 (−1); both rates exactly 95% → 11.4.2 = 0.5
    # 21 − 1 = 20 (exactly the cap)
    "柳州": "20",
    # rank 5 → 6.1 = 1.5 (−0.5); 1.1: 1 − 0.5×3 = −0.5 → 0 (−1); 1.2: 1 − 0.5×5 = −1.5 → 0 (−1);
    # 7: 1 − 0.5×3 = −0.5 → 0 (−1); 参考率 94.9% → 11.4.2 = 0 (−0.5)
    # 21 − 0.5 − 1 − 1 − 1 − 0.5 = 17
    "桂林": "17",
    # rank 8 → 6.1 = 1.5 (−0.5); 2: 1 − 0.5×1 = 0.5 (−0.5); 5: 2 − 0.5×1 = 1.5 (−0.5);
    # 6.2: 1 − 0.5×1 = 0.5 (−0.5)
    # 21 − 0.5 − 0.5 − 0.5 − 0.5 = 19
    "梧州": "19",
    # rank 9 → 6.1 = 1 (−1); 11.1: 1 − 0.5×1 − 0.5×1 = 0 (−1); 合格率 94.9% → 11.4.2 = 0 (−0.5);
    # 12.1: 1 − 0.5×1 = 0.5 (−0.5)
    # 21 − 1 − 1 − 0.5 − 0.5 = 18
    "北海": "18",
    # rank 12 → 6.1 = 1 (−1); 5: 2 − 0.5×4 = 0 (−2); 8: no summary → 0 (−1); 9: 1 − 0.5×2 = 0 (−1)
    # 21 − 1 − 2 − 1 − 1 = 16
    "防城港": "16",
    # rank 13 → 6.1 = 0.5; 6.2: 1 − 0.5×3 = −0.5 → 0; so 6 = 0.5 (−2.5)
    # 11.1 = 1; 11.2: 1 − 0.5×2 = 0; 11.3: 1 − 0.5×3 = −0.5 → 0; 11.4.1 = 0; 11.4.2 = 0 (rates 0%);
    #   so 11 = 1 (−3)
    # 12.1: 1 − 0.5×2 = 0; 12.2: 1 − 0.5×4 = −1 → 0; so 12 = 0 (−2)
    # 21 − 2.5 − 3 − 2 = 13.5
    "钦州": "13.5",
    # rank 14 → 6.1 = 0.5 (−1.5); 3: 1 − 0.5×3 = −0.5 → 0 (−1); 4: 1 − 0.5×2 = 0 (−1);
    # 10: 1 − 0.5×1 = 0.5 (−0.5); 13: 1 − 0.5×2 = 0 (−1)
    # 21 − 1.5 − 1 − 1 − 0.5 − 1 = 16
    "贵港": "16",
    # rank 2 → 6.1 = 2; 1.2: 1 − 0.5×1 = 0.5 (−0.5); 11.1: 1 − 0.5×8 = −3 → 0 (−1)
    # 21 − 0.5 − 1 = 19.5
    "玉林": "19.5",
    # rank 3 → 6.1 = 2; 2: 1 − 0.5×2 = 0 (−1); 9: 1 − 0.5×1 = 0.5 (−0.5)
    # 21 − 1 − 0.5 = 19.5
    "百色": "19.5",
    # rank 6 → 6.1 = 1.5 (−0.5); 12.1: 1 − 0.5 = 0.5; 12.2: 1 − 0.5 = 0.5; so 12 = 1 (−1);
    # 参考率 100%, 合格率 95% → 11.4.2 = 0.5
    # 21 − 0.5 − 1 = 19.5
    "贺州": "19.5",
    # rank 7 → 6.1 = 1.5 (−0.5); 7: 1 − 0.5×2 = 0 (−1); 11.2: 1 − 0.5×1 = 0.5 (−0.5)
    # 21 − 0.5 − 1 − 0.5 = 19
    "河池": "19",
    # rank 10 → 6.1 = 1 (−1); 8: no summary → 0 (−1)
    # 21 − 1 − 1 = 19
    "来宾": "19",
    # rank 11 → 6.1 = 1; everything else at zero:
    # 1.1: 1 − 0.5×4 = −1 → 0; 1.2: 1 − 0.5×2 = 0; 2: 1 − 0.5×2 = 0; 3: 1 − 0.5×5 = −1.5 → 0;
    # 4: 1 − 0.5×2 = 0; 5: 2 − 0.5×4 = 0; 6.2: 1 − 0.5×2 = 0; 7: 1 − 0.5×3 = −0.5 → 0; 8: 0;
    # 9: 1 − 0.5×2 = 0; 10: 1 − 0.5×2 = 0; 11.1: 1 − 0.5×8 − 0.5×6 = −6 → 0;
    # 11.2, 11.3: 1 − 0.5×3 = −0.5 → 0; 11.4.1: 0; 11.4.2: 60% < 95% → 0;
    # 12.1: 1 − 0.5×3 = −0.5 → 0; 12.2: 1 − 0.5×2 = 0; 13: 1 − 0.5×2 = 0
    # 0 + 1 = 1
    "崇左": "1",
}


@pytest.mark.parametrize("city, expected", sorted(EXPECTED_TOTALS.items()))
def test_city_totals(run, city, expected):
    assert run.result(city).total == Decimal(expected)


# Node values worth checking one by one: (city, node id, expected).
EXPECTED_NODES = [
    # ---- a perfect city: every indicator at its max, 21 before the cap
    ("南宁", "1", "2"),            # 1.1 = 1, 1.2 = 1 → 2
    ("南宁", "5", "2"),            # 2 − 0.5×0 = 2
    ("南宁", "6", "3"),            # 6.1 = 2 (rank 1) + 6.2 = 1 → 3
    ("南宁", "6.1", "2"),          # rank 1 ∈ 1..4 → 2
    ("南宁", "11", "4"),           # 1 + 1 + 1 + (0.5 + 0.5) = 4
    ("南宁", "11.4.2", "0.5"),     # 98.5% ≥ 95% and 97% ≥ 95% → 0.5
    ("南宁", "12", "2"),           # 1 + 1 = 2
    # ---- rank bands, including every boundary
    ("玉林", "6.1", "2"),          # rank 2 ∈ 1..4
    ("百色", "6.1", "2"),          # rank 3 ∈ 1..4
    ("柳州", "6.1", "2"),          # rank 4: last of 1..4 → 2
    ("桂林", "6.1", "1.5"),        # rank 5: first of 5..8 → 1.5
    ("贺州", "6.1", "1.5"),        # rank 6 ∈ 5..8
    ("河池", "6.1", "1.5"),        # rank 7 ∈ 5..8
    ("梧州", "6.1", "1.5"),        # rank 8: last of 5..8 → 1.5
    ("北海", "6.1", "1"),          # rank 9: first of 9..12 → 1 (seed: "得1.分")
    ("来宾", "6.1", "1"),          # rank 10 ∈ 9..12
    ("崇左", "6.1", "1"),          # rank 11 ∈ 9..12
    ("防城港", "6.1", "1"),        # rank 12: last of 9..12 → 1
    ("钦州", "6.1", "0.5"),        # rank 13: first of 13..14 → 0.5
    ("贵港", "6.1", "0.5"),        # rank 14: last rank → 0.5
    # ---- floors at zero (扣完为止), each on its own sub-rule
    ("柳州", "1.1", "0"),          # 1 − 0.5×2 = 0 (exactly zero, no floor needed)
    ("桂林", "1.1", "0"),          # 1 − 0.5×3 = −0.5 → floored to 0
    ("桂林", "1.2", "0"),          # 1 − 0.5×5 = −1.5 → floored to 0
    ("桂林", "1", "0"),            # 0 + 0; the floors apply to 1.1 and 1.2, not to their sum
    ("桂林", "7", "0"),            # 1 − 0.5×3 (挂牌, 方案, 记录 all missing) = −0.5 → 0
    ("玉林", "1.2", "0.5"),        # 1 − 0.5×1 = 0.5
    ("玉林", "1", "1.5"),          # 1.1 = 1, 1.2 = 0.5 → 1.5
    ("玉林", "11.1", "0"),         # 1 − 0.5×8 = −3 → 0
    ("钦州", "6.2", "0"),          # 1 − 0.5×3 = −0.5 → 0
    ("钦州", "6", "0.5"),          # 6.1 = 0.5 + 6.2 = 0
    ("钦州", "11.3", "0"),         # 1 − 0.5×3 = −0.5 → 0
    ("钦州", "12.2", "0"),         # 1 − 0.5×4 = −1 → 0
    ("钦州", "12", "0"),           # 12.1: 1 − 0.5×2 = 0; 12.2 = 0 → 0
    ("钦州", "11", "1"),           # 11.1 = 1; 11.2: 1 − 0.5×2 = 0; 11.3 = 0; 11.4 = 0 → 1
    ("贵港", "3", "0"),            # 1 − 0.5×3 = −0.5 → 0
    ("崇左", "11.1", "0"),         # 1 − 0.5×8 − 0.5×6 = −6 → 0 (one floor for both deductions)
    ("崇左", "1", "0"),            # 1.1: 1 − 0.5×4 = −1 → 0; 1.2: 1 − 0.5×2 = 0 → 0
    # ---- partial evidence lists
    ("梧州", "2", "0.5"),          # 名单 only: 1 − 0.5×1 = 0.5
    ("梧州", "5", "1.5"),          # 通知1, 图片1, 通知2 (图片2 missing): 2 − 0.5×1 = 1.5
    ("梧州", "6.2", "0.5"),        # 1 − 0.5×1 = 0.5
    ("梧州", "6", "2"),            # 6.1 = 1.5 + 6.2 = 0.5
    ("百色", "2", "0"),            # nothing submitted: 1 − 0.5×2 = 0 (cannot go lower)
    ("百色", "9", "0.5"),          # 图片 only: 1 − 0.5×1 = 0.5
    ("河池", "7", "0"),            # 挂牌 only: 1 − 0.5×2 = 0
    ("河池", "11.2", "0.5"),       # 网站, 内容 (微信微博 missing): 1 − 0.5×1 = 0.5
    ("贵港", "10", "0.5"),         # 通知 only: 1 − 0.5×1 = 0.5
    ("贵港", "13", "0"),           # nothing: 1 − 0.5×2 = 0
    ("防城港", "5", "0"),          # no session evidence: 2 − 0.5×4 = 0
    ("防城港", "9", "0"),          # 1 − 0.5×2 = 0
    # ---- all or nothing
    ("防城港", "8", "0"),          # no year-end summary → 0
    ("来宾", "8", "0"),            # no year-end summary → 0
    ("南宁", "8", "1"),            # summary → 1
    # ---- 11.4: exam participation, and the 95% threshold on both rates
    ("柳州", "11.4.2", "0.5"),     # 参考率 95% and 合格率 95%: both exactly at 达95% → 0.5
    ("贺州", "11.4.2", "0.5"),     # 100% and 95% → 0.5
    ("桂林", "11.4.2", "0"),       # 参考率 94.9% < 95% → 0
    ("桂林", "11.4.1", "0.5"),     # took the unified exam → 0.5
    ("桂林", "11.4", "0.5"),       # 0.5 + 0
    ("北海", "11.4.2", "0"),       # 合格率 94.9% < 95% → 0
    ("北海", "11.1", "0"),         # 1 − 0.5×1 (session short) − 0.5×1 (record missing) = 0
    ("北海", "11", "2.5"),         # 0 + 1 + 1 + (0.5 + 0)
    ("钦州", "11.4.1", "0"),       # did not join the unified exam → 0
    ("钦州", "11.4", "0"),         # 0 + 0 (rates 0%)
    ("崇左", "11.4", "0"),         # 0 + 0 (60% < 95%)
    ("贺州", "12", "1"),           # 12.1: 1 − 0.5 = 0.5; 12.2: 1 − 0.5 = 0.5 → 1
]


@pytest.mark.parametrize("city, node, expected", EXPECTED_NODES)
def test_node_values(run, city, node, expected):
    assert run.result(city).value(node) == Decimal(expected)


def test_perfect_city_is_capped_from_21_to_20(run):
    result = run.result("南宁")
    indicators = [result.value(str(n)) for n in range(1, 14)]
    # 2 + 1 + 1 + 1 + 2 + 3 + 1 + 1 + 1 + 1 + 4 + 2 + 1 = 21
    assert sum(indicators) == Decimal("21")
    assert result.total == Decimal("20")


def test_city_at_exactly_20_is_not_affected_by_the_cap(run):
    result = run.result("柳州")
    # 1 − 0.5×2 = 0 for 1.1, everything else full: 21 − 1 = 20
    assert sum(result.value(str(n)) for n in range(1, 14)) == Decimal("20")
    assert result.total == Decimal("20")


def _ranking_rows(run):
    """(entity_id, total, rank) per row, in rank order; rows may be tuples or RankRow objects."""
    return [(r.entity, r.total, r.rank) if hasattr(r, "entity") else tuple(r)[:3] for r in run.ranking()]


def test_ranking_shares_ranks_between_ties(run):
    ranking = _ranking_rows(run)
    assert len(ranking) == 14
    ranks = {city: rank for city, _total, rank in ranking}
    totals = {city: total for city, total, _rank in ranking}
    assert totals == {city: Decimal(t) for city, t in EXPECTED_TOTALS.items()}
    assert ranks == {
        "南宁": 1, "柳州": 1,                     # 20, 20
        "玉林": 3, "百色": 3, "贺州": 3,          # 19.5 ×3
        "梧州": 6, "河池": 6, "来宾": 6,          # 19 ×3
        "北海": 9,                               # 18
        "桂林": 10,                              # 17
        "防城港": 11, "贵港": 11,                 # 16, 16
        "钦州": 13,                              # 13.5
        "崇左": 14,                              # 1
    }
    # rank order: totals never increase down the list
    listed = [total for _city, total, _rank in ranking]
    assert listed == sorted(listed, reverse=True)


# ---- bad facts --------------------------------------------------------------


def _rows():
    with FACTS_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(tmp_path: Path, rows) -> Path:
    path = tmp_path / "facts.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return path


def _set(rows, city: str, fact: str, value: str):
    header = rows[0]
    for row in rows[1:]:
        if row[0] == city:
            row[header.index(fact)] = value
            return rows
    raise AssertionError(city)


@pytest.mark.parametrize(
    "city, fact, value",
    [
        ("柳州", "stability_rank", "15"),          # only 14 cities: rank 1..14
        ("梧州", "filing_corrections", "-1"),      # a count is never negative
        ("北海", "oath_evidence", "名单;照片"),      # 照片 is not an item of oath_evidence
    ],
)
def test_bad_fact_value_names_entity_and_fact(policy, tmp_path, city, fact, value):
    path = _write(tmp_path, _set(_rows(), city, fact, value))
    with pytest.raises(FactsError) as error:
        policy.score_file(path)
    messages = [d.message for d in error.value.diagnostics]
    assert any(city in m and fact in m for m in messages), messages


def test_duplicated_city_names_the_entity(policy, tmp_path):
    rows = _rows()
    duplicate = next(row for row in rows[1:] if row[0] == "桂林")
    path = _write(tmp_path, rows + [list(duplicate)])
    with pytest.raises(FactsError) as error:
        policy.score_file(path)
    messages = [d.message for d in error.value.diagnostics]
    assert any("桂林" in m for m in messages), messages


def test_all_defects_together_are_all_reported(policy, tmp_path):
    rows = _rows()
    _set(rows, "柳州", "stability_rank", "15")
    _set(rows, "梧州", "filing_corrections", "-1")
    _set(rows, "北海", "oath_evidence", "名单;照片")
    rows.append(list(next(row for row in rows[1:] if row[0] == "桂林")))
    path = _write(tmp_path, rows)
    with pytest.raises(FactsError) as error:
        policy.score_file(path)
    messages = [d.message for d in error.value.diagnostics]
    for city, fact in [("柳州", "stability_rank"), ("梧州", "filing_corrections"), ("北海", "oath_evidence")]:
        assert any(city in m and fact in m for m in messages), (city, fact, messages)
    assert any("桂林" in m for m in messages), messages
