"""Guangxi 2017 rule-of-law assessment of prefecture cities (policies/guangxi_2017.assess).

The hand-worked expected results -- every city's total and the node values worth
checking one by one, with the arithmetic beside each -- are in
policies/guangxi_2017.cases.toml, which `assessc test` runs. This file runs that case
file and checks what a case file does not say: the policy's findings, the ranking
with its ties, and the rejection of bad facts.
"""

from __future__ import annotations

import csv
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import FactsError, load_policy
from assessc.testing.runner import PASS, failure_text, run_file

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY_PATH = POLICIES / "guangxi_2017.assess"
FACTS_PATH = POLICIES / "guangxi_2017.facts.csv"
CASES_PATH = POLICIES / "guangxi_2017.cases.toml"
CASE_NAMES = [case["name"] for case in tomllib.loads(CASES_PATH.read_text(encoding="utf-8"))["case"]]


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_PATH)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS_PATH)


@pytest.fixture(scope="module")
def outcome():
    return run_file(CASES_PATH)


def test_policy_compiles_with_only_the_accepted_max_mismatch(policy):
    # The only finding is W0501 (13 indicators add up to 21 ≠ 备注's 20), accepted in the policy.
    assert [d.code.code for d in policy.warnings if d.accepted is None] == []
    assert [d.code.code for d in policy.warnings if d.accepted is not None] == ["W0501"]


def test_case_file_loads_without_findings(outcome):
    assert outcome.loaded
    assert list(outcome.diagnostics) == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_worked_case(outcome, name):
    case = next(c for c in outcome.cases if c.name == name)
    assert case.status == PASS, failure_text(case) if case.mismatches else case.diagnostics


def test_every_city_has_a_case(outcome, run):
    assert sorted(c.case.entity for c in outcome.cases) == sorted(r.entity for r in run.results)


def _expected_totals(outcome) -> dict[str, Decimal]:
    """Every city's hand-worked total, from the case file."""
    return {c.case.entity: e.expected for c in outcome.cases for e in c.case.expectations if e.node == "total"}


def _ranking_rows(run):
    """(entity_id, total, rank) per row, in rank order; rows may be tuples or Standing objects."""
    return [(r.entity, r.total, r.rank) if hasattr(r, "entity") else tuple(r)[:3] for r in run.ranking()]


def test_ranking_shares_ranks_between_ties(run, outcome):
    ranking = _ranking_rows(run)
    assert len(ranking) == 14
    ranks = {city: rank for city, _total, rank in ranking}
    totals = {city: total for city, total, _rank in ranking}
    assert totals == _expected_totals(outcome)
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
