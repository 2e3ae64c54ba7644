"""F3/F28 with no points: a completion checklist with responsible units (seed 002)."""

import pytest

from assessc.api import load_policy

POLICY = """
facts {
  approval_evidence: evidence { 说明 "压缩行政审批办理时限的情况说明", 证明 "证明材料" }
  certificate_list: evidence { 清单 "保留的证明事项清单及其法律法规依据" }
  list_published: bool "权力清单在政府网站公示"
}

policy jinfeng "法治政府建设示范创建责任表" {
  item 1 "政府职能依法全面履行" {
    item 1 "行政审批制度改革全面推行" {
      item 1 "向社会公布本级政府全部行政审批事项清单" {
        responsible "行政审批局", "各部门(单位)"
        evidence "2019年以来本级政府及相关职能部门压缩行政审批办理时限的情况说明或者证明材料"
        requires approval_evidence
      }
      item 4 "对各类证明事项,凡没有法律法规依据的一律取消" {
        responsible "司法局"
        requires certificate_list
      }
    }
    item 7 "落实权责清单、负面清单制度" {
      responsible "编办", "司法局"
      requires list_published "权力清单在金凤区政府网站公示"
    }
  }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def test_completion_and_missing_evidence(policy):
    result = policy.score_values("金凤区", {"approval_evidence": frozenset({"说明"}),
                                          "certificate_list": frozenset({"清单"}), "list_published": False})
    assert result.nodes["1.1.1"].complete is False
    assert result.nodes["1.1.1"].missing == ("证明材料",)
    assert result.nodes["1.1.4"].complete is True
    assert result.nodes["1.7"].missing == ("权力清单在金凤区政府网站公示",)
    assert result.nodes["1.1"].complete is False and result.nodes["1"].complete is False
    assert result.total == 0  # a checklist scores no points


def test_everything_submitted_is_complete(policy):
    result = policy.score_values("金凤区", {"approval_evidence": frozenset({"说明", "证明"}),
                                          "certificate_list": frozenset({"清单"}), "list_published": True})
    assert result.nodes["1"].complete is True
