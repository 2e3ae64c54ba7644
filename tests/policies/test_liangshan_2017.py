"""Liangshan 2017 judicial-administration performance assessment (policies/liangshan_2017.assess).

The hand-worked expected results -- every county's total and the node values worth checking
one by one, with the arithmetic beside each -- are in policies/liangshan_2017.cases.toml,
which `assessc test` runs. This file runs that case file and checks what a case file does
not say: the policy's accepted findings, the seed's numbering kept as written, the weights
adding up to 100% in every county group, the outcomes decided after ranking (综合奖 bands,
the tie at the last place of 一等奖, demotions, forced last place, the 第十八条 flag), and the
rejection of bad facts.
"""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import FactsError, load_policy
from assessc.backends.outcomes import decide
from assessc.testing.runner import PASS, failure_text, run_file

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY_PATH = POLICIES / "liangshan_2017.assess"
FACTS_PATH = POLICIES / "liangshan_2017.facts.json"
CASES_PATH = POLICIES / "liangshan_2017.cases.toml"
CASE_NAMES = [case["name"] for case in tomllib.loads(CASES_PATH.read_text(encoding="utf-8"))["case"]]

COUNTIES = ["西昌", "木里", "盐源", "德昌", "会理", "会东", "宁南", "普格", "布拖",
            "金阳", "昭觉", "喜德", "冕宁", "越西", "甘洛", "美姑", "雷波"]
FIVE_COUNTIES = {"布拖", "昭觉", "金阳", "越西", "普格"}


def D(text: str) -> Decimal:
    return Decimal(text)


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY_PATH)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS_PATH)


@pytest.fixture(scope="module")
def values(policy):
    return {e.id: e.values for e in policy.load_facts(FACTS_PATH).entities}


@pytest.fixture(scope="module")
def outcome():
    return run_file(CASES_PATH)


@pytest.fixture(scope="module")
def decided(policy, run, values):
    return {o.entity: o for o in decide(policy.ir, run, values)}


# ---- the policy ------------------------------------------------------------------------------


def test_only_accepted_findings_each_a_seed_defect_or_an_uncapped_bonus(policy):
    assert [d for d in policy.warnings if d.accepted is None] == []
    found = sorted((d.code.code, d.message.split("`")[1]) for d in policy.warnings)
    assert found == sorted([
        ("W0501", "1.基本.三.7"),   # “1+11” = 12 activities × 2 = 24 against 共计22分
        ("W0506", "7.一.11"),       # +0.4 优秀/先进, +0.4 四好班子 on a 2-point item
        ("W0506", "7.一.13"),       # +0.2 per leader 交流提任 on a 4-point item
        ("W0506", "7.一.14"),       # +0.3 优秀 on a 3-point item
        ("W0506", "7.一.15"),       # +0.3 优秀 on a 3-point item
        ("W0506", "8.一.4"),        # +0.2 单独设立法制机构 on a 2-point item
        ("W0511", "表彰"),          # 第六条 states no cap
        ("W0511", "批示"),
        ("W0511", "信息"),
        ("W0512", "4.一"),          # task 4 numbers its items 1, 2, 3, 4, 6, … (no item 5)
    ])


def test_rounding_and_main_score_cap(policy):
    assert policy.ir.max == D("100")
    assert (policy.ir.rounding.scope, policy.ir.rounding.places, policy.ir.rounding.mode) == ("each", 2, "half_up")


def _node(policy, node_id: str):
    for node in policy.ir.all_nodes():
        if node.id == node_id:
            return node
    raise KeyError(node_id)


def test_eight_tasks_with_their_lead_departments(policy):
    tasks = {item.id: item for item in policy.ir.items}
    assert list(tasks) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    assert [tasks[k].max for k in "2345678"] == [D("100")] * 7
    assert tasks["1"].max is None  # a container of its weighted parts (1-12 on 100, 13/14 on 30)
    assert {k: tasks[k].meta.lead for k in tasks} == {
        "1": ("法宣科",),
        "2": ("基层科",),
        "3": ("基层科", "政治部", "办公室"),
        "4": ("办公室",),
        "5": ("公证律师工作科", "州法律援助中心"),
        "6": ("基层科", "办公室"),
        "7": ("政治部", "监察室"),
        "8": ("办公室", "法制科", "法宣科", "政治部"),
    }


def test_seed_numbering_is_kept(policy):
    # Task 4 numbers its items 1, 2, 3, 4, 6, … (no 5); its 扣分项目 are 10-12.
    assert [c.id for c in _node(policy, "4.一").children] == [f"4.一.{k}" for k in (1, 2, 3, 4, 6, 7, 8, 9)]
    assert [c.id for c in _node(policy, "4.扣分").children] == ["4.扣分.10", "4.扣分.11", "4.扣分.12"]
    # Task 3: the unnumbered rule between 3 and 5 is kept as 4, with the seed's text.
    item = _node(policy, "3.二.4")
    assert item.meta.text.startswith("严格执行《司法所业务工作规范》")
    assert [c.id for c in _node(policy, "3.二").children] == ["3.二.4", "3.二.5"]


def test_section_maxima_add_up_to_each_task(policy):
    for task in policy.ir.items[1:]:
        sections = [c for c in task.children if c.max is not None]
        assert sum((c.max for c in sections), D(0)) == D("100"), task.id


# ---- the hand-worked cases --------------------------------------------------------------------


def test_case_file_loads_without_findings(outcome):
    assert outcome.loaded
    assert list(outcome.diagnostics) == []


@pytest.mark.parametrize("name", CASE_NAMES)
def test_hand_worked_case(outcome, name):
    case = next(c for c in outcome.cases if c.name == name)
    assert case.status == PASS, failure_text(case) if case.mismatches else case.diagnostics


def test_all_seventeen_counties_are_scored_and_have_a_case(outcome, run):
    assert [r.entity for r in run.results] == COUNTIES
    assert sorted(c.case.entity for c in outcome.cases) == sorted(COUNTIES)
    assert all(any(e.node == "total" for e in c.case.expectations) for c in outcome.cases)


def test_county_groups_follow_task_1(values):
    groups = {county: v["county_group"] for county, v in values.items()}
    assert groups["木里"] == "木里"
    assert {c for c, g in groups.items() if g == "五县"} == FIVE_COUNTIES
    assert {c for c, g in groups.items() if g == "其他"} == set(COUNTIES) - FIVE_COUNTIES - {"木里"}


# ---- weights: full marks give 100 in every county group ----------------------------------------


def _full_marks(group: str) -> dict:
    """布拖's facts with its three shortfalls made good, moved to ``group``."""
    row = next(r for r in json.loads(FACTS_PATH.read_text(encoding="utf-8")) if r["id"] == "布拖")
    row.update(id=f"满分{group}", county_group=group, t1_media_regular=True, t6_reoffending_rate=1)
    row.pop("t1_drug_aids_points")
    if group == "木里":
        row["t1_tibetan_points"] = 30
    if group == "五县":
        row["t1_drug_aids_points"] = 30
    return row


@pytest.mark.parametrize("group, task_1", [("木里", ["10", "5"]), ("五县", ["10", "5"]), ("其他", ["15"])])
def test_weights_add_up_to_100_percent(policy, tmp_path, group, task_1):
    path = tmp_path / "full.json"
    path.write_text(json.dumps([_full_marks(group)], ensure_ascii=False), encoding="utf-8")
    result = policy.score_file(path).results[0]
    weighted = {line.source_id: line.amount for line in result.nodes["total"].lines if line.kind == "child"}
    # task 1: items 1-12 and item 13 / 14 as its 说明 says; tasks 2-8: the reading of the header
    parts = [line.amount for line in result.nodes["1"].lines if line.kind == "child" and line.amount]
    assert parts == [D(w) for w in task_1]
    assert [weighted[k] for k in "12345678"] == [D(w) for w in ("15", "15", "10", "10", "15", "15", "10", "10")]
    assert sum((weighted[k] for k in "12345678"), D(0)) == D("100")
    assert result.total == D("102.2")  # 100 + the leaders' 1 + 1.2


# ---- outcomes after ranking: 第七条, 第十六条, 第十八条 ----------------------------------------------


def test_ranks_with_forced_last_place_and_a_shared_rank(decided):
    ranks = {county: o.rank for county, o in decided.items()}
    assert ranks == {
        "西昌": 1, "盐源": 2, "昭觉": 3, "木里": 4,
        "布拖": 5, "冕宁": 5,                    # 99.9 each: tied, not broken
        "德昌": 7, "雷波": 8, "会东": 9, "宁南": 10,
        "普格": 11, "越西": 12, "金阳": 13, "甘洛": 14, "喜德": 15, "美姑": 16,
        "会理": 17,                              # 100.75, but 情节严重 → 直接排名最后一位
    }
    assert decided["会理"].forced_last and decided["会理"].total == D("100.75")
    assert decided["布拖"].tie_group == decided["冕宁"].tie_group == 5
    assert decided["布拖"].tie_size == decided["冕宁"].tie_size == 2


def test_comprehensive_awards_with_demotions(decided):
    award = {county: o.awards[0].band for county, o in decided.items()}
    by_rank = {county: o.awards[0].by_rank for county, o in decided.items()}
    assert award == {
        "西昌": "一等奖", "盐源": "一等奖", "木里": "一等奖", "布拖": "一等奖", "冕宁": "一等奖",
        "昭觉": "二等奖",                        # rank 3 → 一等奖, 刑事处罚 → one grade down
        "德昌": "二等奖", "会东": "二等奖", "宁南": "二等奖",
        "雷波": "三等奖",                        # rank 8 → 二等奖, 弄虚作假情节较轻 → one grade down
        "普格": "三等奖", "越西": "三等奖", "金阳": "三等奖", "甘洛": "三等奖", "喜德": "三等奖",
        "美姑": "三等奖", "会理": "三等奖",          # rank 17 is inside 11..17
    }
    assert by_rank["昭觉"] == "一等奖" and by_rank["雷波"] == "二等奖"
    assert decided["昭觉"].demotions == ("单位主要负责人、领导班子成员受到刑事处罚,直接降低一个等次评奖(第七条)",)
    assert decided["雷波"].demotions == ("在绩效考评中弄虚作假,情节较轻,降低一个等次评奖(第七条)",)
    assert all(not o.demotions for c, o in decided.items() if c not in ("昭觉", "雷波"))


def test_tie_at_the_last_place_of_the_first_prize_is_reported(decided):
    for county in ("布拖", "冕宁"):
        note = decided[county].awards[0].note
        assert note and "straddles the last place of 一等奖" in note
    assert all(o.awards[0].note is None for c, o in decided.items() if c not in ("布拖", "冕宁"))


def test_flags(decided):
    flags = {county: o.flags for county, o in decided.items() if o.flags}
    assert flags == {
        # last this year (forced) and last year: 第十八条
        "会理": ("年度考评连续两年排名最后一位,应当自考评结果通报之日起30日内向领导小组报送原因分析和整改报告(第十八条)",),
        # four other leaders gave 0.3 in all, less than 4 × 0.1
        "甘洛": ("州局其余班子成员评分合计不在每人0.1至0.5分的幅度内(第十三条)",),
    }
    # 美姑 was last last year too, but is 16th this year: no flag
    assert decided["美姑"].rank == 16 and not decided["美姑"].flags


# ---- bad facts ----------------------------------------------------------------------------------


def _write(tmp_path: Path, change) -> Path:
    rows = json.loads(FACTS_PATH.read_text(encoding="utf-8"))
    change({row["id"]: row for row in rows})
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def _messages(policy, path: Path) -> list[str]:
    with pytest.raises(FactsError) as error:
        policy.score_file(path)
    return [d.message for d in error.value.diagnostics]


@pytest.mark.parametrize(
    "county, fact, value",
    [
        ("西昌", "leader_main", 2.5),              # 第十三条: 0.5 至 2 分
        ("雷波", "t2_social_workers", 4),          # 扣1至3分
        ("木里", "t1_tibetan_points", 31),         # item 13 is worth 30
        ("德昌", "t4_access_rate", 101),           # a rate above 100%
        ("普格", "county_group", "六县"),           # not a county group
    ],
)
def test_bad_value_names_county_and_fact(policy, tmp_path, county, fact, value):
    path = _write(tmp_path, lambda rows: rows[county].__setitem__(fact, value))
    messages = _messages(policy, path)
    assert any(county in m and fact in m for m in messages), messages


def test_unknown_award_grade_is_rejected(policy, tmp_path):
    def change(rows):
        rows["西昌"]["awards"][0]["grade"] = "特等奖"
    messages = _messages(policy, _write(tmp_path, change))
    assert any("西昌" in m and "awards" in m for m in messages), messages


def test_item_13_points_for_another_county_are_refused(policy, tmp_path):
    # 西昌 is not scored on item 13: a value for it is a mistake, not ignored
    path = _write(tmp_path, lambda rows: rows["西昌"].__setitem__("t1_tibetan_points", 20))
    messages = _messages(policy, path)
    assert any("西昌" in m and "t1_tibetan_points" in m for m in messages), messages


def test_filing_dates_are_needed_where_an_announcement_was_filed(policy, tmp_path):
    path = _write(tmp_path, lambda rows: rows["德昌"].pop("t3_filed"))
    messages = _messages(policy, path)
    assert any("德昌" in m and "t3_filed" in m for m in messages), messages
