"""2020年金凤区人民政府法治政府建设示范创建责任表 (银金法办发〔2020〕27号, 附件).

A completion checklist: 99 third-level items (三级指标) under 8 一级指标 and a 附加项, each
with its 考评要点 (evidence), its 责任单位 (responsible units) and no points. Every expected
value below is worked out by hand from policies/jinfeng_2020.facts.json and the seed's table;
the reasoning is written beside it.

Ids: 一级 1–8, 二级 numbered within their 一级, and the 三级 item's key is the table's 序号,
so 序号44 is "3.6.44" and 序号96 is "附加项.加分项.96".

No case file: a case file checks node values, and every value of this policy is 0; what
matters here (complete / missing evidence) is checked below.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assessc.api import FactsError, load_policy
from assessc.diagnostics import DiagnosticBag
from assessc.driver import compile_file
from assessc.reports import completion

POLICIES = Path(__file__).resolve().parents[2] / "policies"
POLICY = POLICIES / "jinfeng_2020.assess"
FACTS = POLICIES / "jinfeng_2020.facts.json"
DISTRICT = "金凤区"


@pytest.fixture(scope="module")
def policy():
    return load_policy(POLICY)


@pytest.fixture(scope="module")
def run(policy):
    return policy.score_file(FACTS)


@pytest.fixture(scope="module")
def result(run):
    return run.result(DISTRICT)


def third_level(policy):
    """序号 → IR node of every 三级指标 (the nodes three levels down)."""
    found = {}
    for node in policy.ir.all_nodes():
        parts = node.id.split(".")
        if len(parts) == 3:
            found[int(parts[2])] = node
    return found


def node_id(policy, number: int) -> str:
    return third_level(policy)[number].id


# ---- the policy compiles clean ---------------------------------------------------------------


def test_check_is_clean():
    bag = DiagnosticBag()
    assert compile_file(POLICY, bag) is not None, [d.message for d in bag.sorted()]
    assert not bag.has_errors
    # No finding at all; any finding would have to be acknowledged by an `accept` in the policy.
    assert [d.code.code for d in bag.sorted() if d.accepted is None] == []


# ---- the structure ----------------------------------------------------------------------------


def test_ninety_nine_third_level_items_keyed_by_their_number(policy):
    items = third_level(policy)
    assert sorted(items) == list(range(1, 100))
    # every item carries its rule text, its responsible units and what completing it takes
    for number, node in items.items():
        assert node.meta.text, number
        assert node.meta.responsible, number
        assert node.requires, number
        assert node.max is None  # no points anywhere


def test_first_and_second_level(policy):
    assert [node.id for node in policy.ir.items] == ["1", "2", "3", "4", "5", "6", "7", "8", "附加项"]
    assert [node.title for node in policy.ir.items] == [
        "政府职能依法全面履行", "依法行政制度体系完善", "重大行政决策科学民主合法", "行政执法严格规范公正文明",
        "行政权力制约监督科学有效", "社会矛盾纠纷依法有效化解", "政府工作人员法治思维和依法行政能力全面提高",
        "法治政府建设组织领导落实到位", "附加项",
    ]
    # 二级 per 一级 (the seed's empty 一级/二级 cells read as "same as above"):
    # 1: 7 (1–6, 7–9, 10–11, 12–13, 14–18, 19–21, 22); 2: 3; 3: 6; 4: 6; 5: 4; 6: 3; 7: 2; 8: 2; 附加项: 2
    assert [len(node.children) for node in policy.ir.items] == [7, 3, 6, 6, 4, 3, 2, 2, 2]


@pytest.mark.parametrize("number, expected", [
    (1, "1.1.1"),
    (7, "1.2.7"),          # first row of 二级 落实权责清单、负面清单制度并实行动态管理
    (12, "1.4.12"),        # after a repeated page header: 加强事中事后监管
    (22, "1.7.22"),
    (23, "2.1.23"),
    (33, "3.2.33"),        # 二级 公众参与 starts, 考评要点 cell empty
    (44, "3.6.44"),        # after a page header with empty 二级: still 强化决策规范化建设
    (66, "4.6.66"),
    (78, "5.4.78"),
    (89, "7.1.89"),
    (95, "8.2.95"),
    (96, "附加项.加分项.96"),
    (99, "附加项.减分项.99"),
])
def test_ids(policy, number, expected):
    assert node_id(policy, number) == expected


# Responsible units, as the seed's 责任单位 cell splits: lead unit(s) first, then 配合 units.
@pytest.mark.parametrize("number, seed_cell, units", [
    (1, "行政审批局,各部门(单位)配合", ("行政审批局", "各部门(单位)")),
    (4, "司法局,各部门(单位)配合", ("司法局", "各部门(单位)")),
    (7, "编办、司法局,各部门(单位)配合", ("编办", "司法局", "各部门(单位)")),
    (10, "编办", ("编办",)),
    (13, "发展与改革局、民政局", ("发展与改革局", "民政局")),
    (16, "政府办、发展与改革局、司法局", ("政府办", "发展与改革局", "司法局")),
    (20, "财政局、各部门(单位)、各镇、街道办事处配合", ("财政局", "各部门(单位)", "各镇、街道办事处")),
    (26, "司法局、各部门(单位)、各镇、街道办事处配合", ("司法局", "各部门(单位)", "各镇、街道办事处")),
    (36, "政府各部门(单位)、各镇、街道办事处", ("政府各部门(单位)", "各镇、街道办事处")),
    (45, "综合执法局、市场监管分局、生态环境分局、农业农村和水务局、住房城乡建设和交通局、文化旅游体育广电局,各行政执法部门",
     ("综合执法局", "市场监管分局", "生态环境分局", "农业农村和水务局", "住房城乡建设和交通局", "文化旅游体育广电局",
      "各行政执法部门")),
    (48, "金凤区人民检察院", ("金凤区人民检察院",)),
    (57, "公安分局、市场监管分局、生态环境分局、综合执法局", ("公安分局", "市场监管分局", "生态环境分局", "综合执法局")),
    (65, "各行政执法部门(单位)", ("各行政执法部门(单位)",)),
    (70, "监委、审计局、金凤区人民检察院", ("监委", "审计局", "金凤区人民检察院")),
    (78, "司法局", ("司法局",)),
    (86, "政府各部门(单位)、司法局", ("政府各部门(单位)", "司法局")),
    (91, "人力资源和社会保障局、组织部", ("人力资源和社会保障局", "组织部")),
    (99, "司法局", ("司法局",)),
])
def test_responsible_units(policy, number, seed_cell, units):
    assert tuple(third_level(policy)[number].meta.responsible) == units, seed_cell


def test_evidence_facts_and_shared_cells(policy):
    items = third_level(policy)

    def evidence_of(number):
        [requirement] = items[number].requires
        return requirement.evidence

    # numbered pieces become members: (1)(2) → 要点1, 要点2, labelled with the piece's text
    fact = evidence_of(6)
    assert [(m.name, m.label) for m in fact.type.members] == [
        ("要点1", "金凤区高频政务服务事项“最多跑一次”目录清单"),
        ("要点2", "关于金凤区“一窗受理”工作情况及相关证明材料"),
    ]
    assert [m.name for m in evidence_of(91).type.members] == ["要点1", "要点2", "要点3", "要点4"]
    assert [m.name for m in evidence_of(9).type.members] == ["要点1"]  # the seed numbers only a (1)
    assert [m.name for m in evidence_of(5).type.members] == ["要点"]   # unnumbered: one piece
    # an empty 考评要点 cell shares the cell above (merged cell): the same fact
    shared = {24: (25, 26, 27), 31: (32, 33, 34, 35), 36: (37,), 40: (41,), 64: (65,), 77: (78,),
              88: (89,), 96: (97,)}
    for owner, rows in shared.items():
        for number in rows:
            assert evidence_of(number).name == f"考评要点{owner}"
            assert items[number].meta.evidence == items[owner].meta.evidence
    # 84 cells = 99 rows − 15 empty cells (25–27, 32–35, 37, 41, 65, 78, 89, 97, 98, 99)
    evidence_facts = {r.evidence.name for n in items.values() for r in n.requires if r.evidence is not None}
    assert len(evidence_facts) == 84
    # the 减分项 need no evidence: each requires that its case did not happen
    for number in (98, 99):
        [requirement] = items[number].requires
        assert requirement.evidence is None and requirement.condition is not None


# ---- completion for 金凤区 ------------------------------------------------------------------


def test_nothing_scores(result):
    assert result.total == Decimal(0)


# Incomplete items, by hand from the facts file (what is missing in each 考评要点 fact):
#   考评要点1 [] → 1;  6 lacks (1) → 6;  9 [] → 9;  13 lacks (2);  14 lacks (2);  19 lacks (1);
#   22 lacks (2);  24 lacks (2) → 24, 25, 26, 27;  29 [] → 29;  36 [] → 36, 37;  39 lacks (2);
#   44 lacks (2);  47, 55, 58 [];  64 [] → 64, 65;  70 lacks (2)(3);  73 lacks (2);
#   77 [] → 77, 78;  79 lacks (2);  85 lacks (3);  87 lacks (2);  91 lacks (4);  92 lacks (3);  95 []
INCOMPLETE = [1, 6, 9, 13, 14, 19, 22, 24, 25, 26, 27, 29, 36, 37, 39, 44, 47, 55, 58, 64, 65, 70, 73,
              77, 78, 79, 85, 87, 91, 92, 95]


def test_a_third_of_the_items_are_incomplete(policy, result):
    assert len(INCOMPLETE) == 31
    found = sorted(n for n, node in third_level(policy).items() if result.nodes[node.id].complete is False)
    assert found == INCOMPLETE


@pytest.mark.parametrize("node, complete, missing", [
    # 考评要点1 submitted as []: its only piece is missing
    ("1.1.1", False, ("2019年以来本级政府及相关职能部门压缩行政审批办理时限的情况说明或者证明材料",)),
    ("1.1.2", True, ()),
    # 考评要点6 ["要点2"]: (1) missing
    ("1.1.6", False, ("金凤区高频政务服务事项“最多跑一次”目录清单",)),
    # 考评要点8 given by its label: the whole cell is one piece, submitted
    ("1.2.8", True, ()),
    # 考评要点24 ["要点1", "要点3"]: (2) missing, on every row sharing the cell (24–27)
    ("2.2.24", False, ("2019年以来本级政府对颁布的涉及公民、企业权利义务的行政规范性文件进行合法性审核的情况说明",)),
    ("2.2.27", False, ("2019年以来本级政府对颁布的涉及公民、企业权利义务的行政规范性文件进行合法性审核的情况说明",)),
    # 考评要点31 submitted: 31–35 complete, across the 二级 boundary at 33
    ("3.2.33", True, ()),
    ("3.2.35", True, ()),
    # 考评要点70 ["要点1"]: (2) and (3) missing, in order
    ("5.1.70", False, ("2019年以来本地区行政机关领导干部因严重违纪受到处分、因违法犯罪行为被追究刑事责任的情况说明",
                       "银川市金凤区人民检察院检察建议书及回复")),
    # 考评要点77 []: shared by 77 and 78
    ("5.4.78", False, ("网络舆情处置工作方案。(涉密)",)),
    # 考评要点91: (4) missing
    ("7.2.91", False, ("能反映工作的图片、信息等资料",)),
    # 加分项 96: provincial_award true, 考评要点96 submitted → complete
    ("附加项.加分项.96", True, ()),
    # 减分项: neither happened → complete
    ("附加项.减分项.98", True, ()),
    ("附加项.减分项.99", True, ()),
])
def test_item_completion(result, node, complete, missing):
    assert result.nodes[node].complete is complete
    assert result.nodes[node].missing == missing


def test_bonus_item_that_did_not_happen_is_not_applicable(result):
    # national_promotion false → 97 not applicable: neither complete nor incomplete in its parent
    assert result.nodes["附加项.加分项.97"].applicable is False
    assert result.nodes["附加项.加分项"].complete is True


def test_groups(result):
    # 二级 complete only when every item under it is: 1.3 (10, 11), 2.1 (23), 3.1 (31, 32), 3.2 (33–35),
    # 3.5 (40, 41), 4.2 (49–52), 4.5 (60–62), 5.3 (74, 75), 6.2 (82–84), 7.1 (88, 89), and both parts
    # of the 附加项; every other 二级 holds one of the incomplete items.
    second = {k: v.complete for k, v in result.nodes.items() if k.count(".") == 1}
    assert len(second) == 35  # 7 + 3 + 6 + 6 + 4 + 3 + 2 + 2 二级指标, and 加分项 and 减分项
    assert sorted(k for k, v in second.items() if v) == sorted([
        "1.3", "2.1", "3.1", "3.2", "3.5", "4.2", "4.5", "5.3", "6.2", "7.1", "附加项.加分项", "附加项.减分项"])
    # every 一级 holds an incomplete item; the 附加项 is complete
    assert {k: result.nodes[k].complete for k in ["1", "2", "3", "4", "5", "6", "7", "8", "附加项"]} == {
        "1": False, "2": False, "3": False, "4": False, "5": False, "6": False, "7": False, "8": False,
        "附加项": True}


# Incomplete items per responsible unit, by hand from INCOMPLETE and the seed's 责任单位:
#   司法局: 24, 25, 26, 27, 29, 39, 78, 79, 92                  = 9
#   各镇、街道办事处: 24, 25, 26, 27, 29, 36, 37, 85, 87        = 9
#   各部门(单位): 1, 6, 24, 25, 26, 27, 29                      = 7
#   政府各部门(单位): 19, 36, 37, 85, 87                        = 5
#   各行政执法部门(单位): 47, 55, 58, 64, 65                    = 5
#   发展与改革局: 9, 13, 14 = 3     审计局: 22, 70, 73 = 3
#   行政审批局: 1, 6 = 2   政府办: 44, 77 = 2   组织部: 91, 95 = 2
#   民政局 13, 生态环境分局 22, 监委 70, 金凤区人民检察院 70, 宣传部 77, 信访局 79,
#   人力资源和社会保障局 91: 1 each
#   编办, 财政局, 网信办, 金凤区人民法院, 公安分局, 市场监管分局, 综合执法局, 农业农村和水务局,
#   住房城乡建设和交通局, 文化旅游体育广电局, 各行政执法部门: 0
INCOMPLETE_BY_UNIT = {
    "司法局": 9, "各镇、街道办事处": 9, "各部门(单位)": 7, "政府各部门(单位)": 5, "各行政执法部门(单位)": 5,
    "发展与改革局": 3, "审计局": 3, "行政审批局": 2, "政府办": 2, "组织部": 2,
    "民政局": 1, "生态环境分局": 1, "监委": 1, "金凤区人民检察院": 1, "宣传部": 1, "信访局": 1,
    "人力资源和社会保障局": 1,
    "编办": 0, "财政局": 0, "网信办": 0, "金凤区人民法院": 0, "公安分局": 0, "市场监管分局": 0, "综合执法局": 0,
    "农业农村和水务局": 0, "住房城乡建设和交通局": 0, "文化旅游体育广电局": 0, "各行政执法部门": 0,
}


def test_incomplete_items_per_responsible_unit(policy, run):
    rows = completion.rows_of(run, policy.ir)
    counted = {}
    for row in rows:
        counted[row.unit] = counted.get(row.unit, 0) + (not row.complete)
    assert counted == INCOMPLETE_BY_UNIT
    # 司法局 answers for 4, 7, 15, 16, 17, 21, 23–30, 38, 39, 63, 68, 78–84, 86, 92, 93, 94, 96, 98, 99
    # = 32 applicable items (97 does not apply), 9 of them incomplete
    assert sum(row.unit == "司法局" for row in rows) == 32


# ---- 附加项 other ways -------------------------------------------------------------------------


def values_of(policy):
    facts = policy.load_facts(FACTS)
    [entity] = facts.entities
    return dict(entity.values)


def test_a_deduction_case_that_happened_leaves_the_item_incomplete(policy):
    values = values_of(policy)
    values["serious_unlawful_act"] = True
    result = policy.score_values(DISTRICT, values)
    assert result.nodes["附加项.减分项.98"].complete is False
    assert result.nodes["附加项.减分项.98"].missing == ("未发生严重违法行政行为,或者因行政不作为、乱作为造成恶劣社会影响的情形",)
    assert result.nodes["附加项.减分项"].complete is False and result.nodes["附加项"].complete is False


def test_a_bonus_claimed_without_its_evidence_is_incomplete(policy):
    values = values_of(policy)
    values.update(national_promotion=True, 考评要点96=frozenset())
    result = policy.score_values(DISTRICT, values)
    for number in ("96", "97"):  # both read the shared 考评要点96
        assert result.nodes[f"附加项.加分项.{number}"].complete is False
        assert result.nodes[f"附加项.加分项.{number}"].missing == ("获奖证明材料,及工作开展工作资料",)


def test_no_bonus_claimed(policy, tmp_path):
    raw = json.loads(FACTS.read_text(encoding="utf-8"))
    raw[0].update(provincial_award=False, national_promotion=False)
    path = tmp_path / "facts.json"
    # a 考评要点 read only by bonus items that do not apply is an input error ...
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(FactsError):
        policy.score_file(path)
    # ... and without it the 加分项 simply do not apply
    del raw[0]["考评要点96"]
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    result = policy.score_file(path).result(DISTRICT)
    assert result.nodes["附加项.加分项.96"].applicable is False
    assert result.nodes["附加项.加分项.97"].applicable is False
    assert result.nodes["附加项"].complete is True
