"""F19/F20: quarterly quotas with conversion and highest-channel points, summed into the year (seed 003)."""

from decimal import Decimal

import pytest

from assessc.api import FactsError, PolicyError, load_policy

POLICY = """
facts {
  category: enum { 市州, 直管市 }
  info: ledger {
    piece: text "信息标题"
    quarter: enum { Q1, Q2, Q3, Q4 }
    kind: enum { 动态, 典型经验, 困难问题, 重要紧急 }
    channel: enum { 未采用, 门户网站, 工作简报, 厅领导批示 } default 未采用
  }
}

table quota { 市州: 3  直管市: 2 }

policy hubei "政务信息工作考评" {
  periods quarter "季度" { Q1 "第一季度", Q2 "第二季度", Q3 "第三季度", Q4 "第四季度" }

  item 1 "季度得分" per quarter {
    item 1 "基准分" max 60 {
      # 第十条: 1条困难问题类调研信息或重要紧急信息可折算2条常规信息
      add 60 if sum info where (quarter == period()) by kind { 动态: 1  典型经验: 1  困难问题: 2  重要紧急: 2 }
                >= lookup category quota
    }
    item 2 "采用和批示" {
      # 第九条: 一条信息以该信息被采用(批示)对应的最高分为准,不累计重复计分
      add info where (quarter == period()) by channel { 未采用: 0  门户网站: 3  工作简报: 5  厅领导批示: 10 } highest per piece
    }
  }
}
"""


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def entry(piece, quarter, kind="动态", channel="未采用"):
    return {"piece": piece, "quarter": quarter, "kind": kind, "channel": channel}


def test_quarters_summed_into_the_year(policy):
    info = (
        # Q1: 2 routine + 1 problem (counts 2) = 4 ≥ 3 → 60; points: a 10 (its 3 on the portal does not add), b 5
        entry("a", "Q1", channel="门户网站"), entry("a", "Q1", channel="厅领导批示"),
        entry("b", "Q1", channel="工作简报"), entry("c", "Q1", "困难问题"),
        # Q2: 1 urgent (counts 2) < 3 → 0; no adoption
        entry("d", "Q2", "重要紧急"),
        # Q3, Q4: nothing
    )
    result = policy.score_values("武汉", {"category": "市州", "info": tuple(info)})
    assert result.value("1.Q1.1") == 60 and result.value("1.Q1.2") == 15
    assert result.value("1.Q2") == 0
    assert result.value("1") == Decimal(75)  # 60 + 10 + 5 + 0 + 0 + 0
    assert result.total == Decimal(75)


def test_a_quarter_outside_the_periods_is_an_input_error(policy, tmp_path):
    facts = tmp_path / "f.json"
    facts.write_text('[{"id": "武汉", "category": "市州", "info": [{"piece": "a", "quarter": "Q5", "kind": "动态"}]}]',
                     encoding="utf-8")
    with pytest.raises(FactsError) as error:
        policy.score_file(facts)
    message = error.value.diagnostics[0].message
    assert "武汉" in message and "quarter" in message and "Q5" in message


def test_per_needs_declared_periods(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY.replace("per quarter", "per month"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert "no periods named `month`" in error.value.diagnostics[0].message
