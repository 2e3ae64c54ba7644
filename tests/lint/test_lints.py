"""The lints that read static bounds stay silent on well-formed rules.

Each "bad" case lives in tests/golden/diagnostics/lint_*.assess; here every
"good" snippet is the right way to write the same rule and must produce no
finding of that code.
"""

from __future__ import annotations

import pytest

from assessc import lint
from assessc.diagnostics import DiagnosticBag
from assessc.driver import compile_file, lower


def codes_of(tmp_path, text: str) -> list[str]:
    path = tmp_path / "good.assess"
    path.write_text(text, encoding="utf-8")
    bag = DiagnosticBag()
    assert compile_file(path, bag) is not None, [str(d.message) for d in bag.sorted()]
    return [d.code.code for d in bag.sorted()]


GOOD = {
    "W0504": [
        # 扣完为止 written where the seed says it
        """
facts { missing_docs: count }
policy p "x" { item 1 "a" max 1 { start 1  deduct 0.5 per missing_docs  until zero } }
""",
        # two evidence items × 0.5 cannot take 1 below zero
        """
facts { oath: evidence { 名单, 图片 } }
policy p "x" { item 2 "a" max 1 { start 1  deduct 0.5 per missing oath } }
""",
        # a penalty's value is meant to be negative
        """
facts { late: count }
policy p "x" { item 1 "a" max 1 { start 1 }  penalty 减分 "p" { deduct 0.1 per late } }
""",
        # sub-items deduct from a parent whose floor covers them (F15)
        """
facts { province: count  prefecture: count }
policy p "x" {
  item 10 "通报批评" max 6 {
    start 6
    item 1 "省厅" { deduct 2 per province }
    item 2 "州局" { deduct 1 per prefecture }
    until zero
  }
}
""",
        # a deducting sub-item that its parent's points always absorb
        """
facts { missed: count 0..4 }
policy p "x" { item 1 "a" max 6 { start 6  item 1 "报送" { deduct 0.5 per missed } } }
""",
    ],
    "W0506": [
        """
facts { grade: enum { 优秀, 合格 } }
policy p "x" { item 11 "a" max 2.4 uncapped { add lookup grade { 合格: 2  优秀: 2.4 } } }
""",
        """
facts { pts: decimal 0..5 }
policy p "x" { item 1 "a" max 1 { start 1 }  penalty 减分 "p" max 5 uncapped { deduct pts } }
""",
    ],
    "W0508": [
        """
facts { r: rank 1..14 }
policy p "x" { item 6 "a" max 2 { add lookup r { 1..4: 2  5..8: 1.5  9..12: 1  13..14: 0.5 } } }
""",
        """
facts { grade: enum { 优秀, 合格, 基本合格 } }
policy p "x" {
  item 1 "a" max 2.4 { add lookup grade { 优秀: 2.4  合格: 2 } if grade != 基本合格 }
  item 2 "b" max 2.4 { add lookup grade { 优秀: 2.4  else: 1 } }
}
""",
        """
facts { rate: percent  cases: ledger { matter: text  kind: enum { award, model } } }
policy p "x" {
  item 1 "a" max 3 { add lookup rate { 95%..100%: 3  90%..94.99%: 2  else: 0 } }
  bonus 加分 "b" max 10 { add cases by kind { award: 1  model: 1 } highest per matter }
}
""",
    ],
    "W0509": [
        """
facts { rate: percent  accident: bool  region: enum { 城区, 郊县 } }
policy p "x" {
  veto "v" if accident
  item 1 "a" max 1 { add 1 if rate >= 95% }
  item 2 "b" max 1 { start 1  zero if rate < 95% or accident }
  item 3 "c" max 1 { applies if region == 郊县  start 1 }
}
""",
    ],
    "W0510": [
        """
facts { rate: percent 0%..300%  r: rank 1..14 }
policy p "x" {
  item 1 "a" max 1 { add 1 if rate <= 100% }
  item 2 "b" max 1 { start 1  zero if r > 12 }
}
""",
    ],
    "W0511": [
        # 累计得分不超过4分 as the item's max
        """
facts { reports: count  adopted: count }
policy p "x" { item 20 "a" max 4 { add 0.5 per reports  add 2 per adopted } }
""",
        # capped by the enclosing item
        """
facts { reports: count }
policy p "x" { item 20 "a" max 4 { item 1 "b" { add 0.5 per reports } } }
""",
        # a bounded count needs no cap
        """
facts { reports: count 0..8 }
policy p "x" { bonus 1 "a" { add 0.5 per reports } }
""",
    ],
    "W0501": [
        """
facts { summary: bool  plan: bool }
policy p "x" {
  item 1 "a" max 2 { start 1  item 1 "b" max 1 { add 1 if summary } }
  item 2 "c" max 2 { add 1 if plan  item 1 "d" max 1 { add 1 if summary }  until zero }
}
""",
    ],
}

CASES = [(code, text) for code, texts in GOOD.items() for text in texts]


@pytest.mark.parametrize("code, text", CASES, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_good_rule_has_no_finding(tmp_path, code, text):
    assert code not in codes_of(tmp_path, text)


def test_bundled_policies_have_no_new_findings(root):
    for path in sorted((root / "policies").glob("*.assess")):
        bag = DiagnosticBag()
        assert compile_file(path, bag) is not None
        unaccepted = [f"{d.code.code} {d.message}" for d in bag.sorted() if d.accepted is None]
        assert unaccepted == [], path.name


def test_run_computes_bounds_when_not_given(tmp_path):
    path = tmp_path / "bad.assess"
    path.write_text('facts { n: count }\npolicy p "x" { item 1 "a" max 1 { start 1  deduct 0.5 per n } }\n',
                    encoding="utf-8")
    bag = DiagnosticBag()
    _, policy = lower(path, bag)
    lint.run(policy, bag)
    assert [d.code.code for d in bag.sorted()] == ["W0504"]


def test_every_check_reads_the_same_bounds(tmp_path, monkeypatch):
    """The analysis runs once per policy, however many checks read it."""
    import assessc.graph.bounds as bounds_module

    calls = []
    real = bounds_module.analyse

    def counting(graph):
        calls.append(graph)
        return real(graph)

    monkeypatch.setattr("assessc.driver.analyse", counting)
    codes_of(tmp_path, 'facts { n: count }\npolicy p "x" { item 1 "a" max 1 { add 1 if n > 2 } }\n')
    assert len(calls) == 1
