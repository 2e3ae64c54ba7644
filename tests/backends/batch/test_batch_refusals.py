"""What the batch engine refuses, and how it says so: overflow, inexact divisions,
forms it does not compute, facts finer than its scale or beyond its limits."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("numpy")

from assessc.api import FactsError, ScoringError, load_policy
from assessc.backends.batch import BatchOverflow, BatchUnsupported, compile_batch
from batch_support import differential


def policy_from(tmp_path: Path, text: str, name: str = "p.assess"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def test_a_possible_overflow_is_refused_when_compiling(tmp_path):
    policy = policy_from(tmp_path, """
facts {
  a: count "甲"
  b: count "乙"
  c: count "丙"
}
policy big "big" {
  item 1 "product" {
    add a * b * c * 0.001
  }
}
""")
    with pytest.raises(BatchOverflow) as refused:
        compile_batch(policy)
    message = str(refused.value)
    assert "p.assess:" in message and "64-bit" in message and "narrower ranges" in message


def test_declared_ranges_make_the_same_product_safe(tmp_path):
    policy = policy_from(tmp_path, """
facts {
  a: count 0..1000 "甲"
  b: count 0..1000 "乙"
  c: count 0..1000 "丙"
}
policy big "big" {
  item 1 "product" {
    add a * b * c * 0.001
  }
}
""")
    entities = [{"a": Decimal(1000), "b": Decimal(999), "c": Decimal(7)}, {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}]
    assert differential(policy, entities) == 2


DIVIDING = """
facts {
  n: count 0..100 "件数"
}
policy share "share" {
  item 1 "thirds" {
    add n / 3
  }
  item 2 "quarters" {
    add n / 4
  }
}
"""


def test_a_division_exact_at_the_scale_agrees(tmp_path):
    policy = policy_from(tmp_path, DIVIDING)
    assert differential(policy, [{"n": Decimal(k)} for k in (0, 3, 9, 99)]) == 4


def test_a_division_not_exact_at_the_scale_is_refused_naming_entity_and_line(tmp_path):
    policy = policy_from(tmp_path, DIVIDING)
    program = compile_batch(policy)
    columns = program.columns_from_values(["甲", "乙"], [{"n": Decimal(3)}, {"n": Decimal(4)}])
    with pytest.raises(BatchUnsupported) as refused:
        program.score(columns)
    message = str(refused.value)
    assert "p.assess:7" in message and "`乙`" in message and "not exact" in message and "--engine interp" in message


def test_a_division_by_zero_is_reported_as_the_interpreter_reports_it(tmp_path):
    policy = policy_from(tmp_path, """
facts {
  n: count 0..10 "件数"
  d: count 0..10 "分母"
}
policy share "share" {
  item 1 "ratio" {
    add n / d
  }
}
""")
    program = compile_batch(policy)
    columns = program.columns_from_values(["甲", "乙"], [{"n": Decimal(4), "d": Decimal(2)}, {"n": Decimal(1), "d": Decimal(0)}])
    with pytest.raises(ScoringError) as failed:
        program.score(columns)
    with pytest.raises(ScoringError) as reference:
        policy.score_values("乙", {"n": Decimal(1), "d": Decimal(0)})
    assert str(failed.value) == str(reference.value)


def test_an_unsupported_form_is_refused_naming_it_and_its_line(tmp_path):
    members = ", ".join(f"m{k}" for k in range(70))
    policy = policy_from(tmp_path, f"""
facts {{
  docs: evidence {{ {members} }}
}}
policy wide "wide" {{
  item 1 "docs" {{
    start 35
    deduct 0.5 per missing docs
  }}
}}
""")
    with pytest.raises(BatchUnsupported) as refused:
        compile_batch(policy)
    assert "more than 64 items" in str(refused.value) and "p.assess:" in str(refused.value)


SCALED = """
facts {
  rate: percent "比率"
  n: count "件数"
}
policy scaled "scaled" {
  item 1 "rate" {
    add 2 * rate
    add 0.5 per n
  }
}
"""


def test_a_value_finer_than_the_scale_is_refused_naming_entity_fact_and_scale(tmp_path):
    policy = policy_from(tmp_path, SCALED)
    facts = tmp_path / "facts.csv"
    facts.write_text("id,rate,n\n甲,95.5,1\n乙,95.555,2\n", encoding="utf-8")
    program = compile_batch(policy)
    with pytest.raises(FactsError) as refused:
        program.read_csv(facts)
    message = str(refused.value)
    assert "entity `乙`: fact `rate` is `95.555`" in message and "4 decimal places" in message
    assert program.score(program.read_csv(_rewrite(facts, "95.555", "95.55"))).total(1) == Decimal("2.911")


def test_a_count_beyond_the_open_limit_is_refused(tmp_path):
    policy = policy_from(tmp_path, SCALED)
    facts = tmp_path / "facts.csv"
    facts.write_text("id,rate,n\n甲,95,2000000000\n", encoding="utf-8")
    with pytest.raises(FactsError, match="entity `甲`: fact `n` is `2000000000`.*declared range"):
        compile_batch(policy).read_csv(facts)


def _rewrite(path: Path, old: str, new: str) -> Path:
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def test_the_fast_reader_reports_bad_cells_as_the_loader_does(tmp_path):
    policy = load_policy(Path(__file__).resolve().parents[3] / "policies" / "guangxi_2017.assess")
    source = (Path(__file__).resolve().parents[3] / "policies" / "guangxi_2017.facts.csv").read_text(encoding="utf-8")
    lines = source.splitlines()
    lines[1] = lines[1].replace(",1,0,挂牌", ",15,0,挂牌").replace("名单;图片", "名单;照片", 1)
    lines[2] = lines[2].replace("yes", "maybe", 1)
    lines.append(lines[3])
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(FactsError) as refused:
        compile_batch(policy).read_csv(bad)
    message = str(refused.value)
    assert "entity `南宁`: fact `stability_rank` is `15`, outside its range" in message
    assert "entity `南宁`: fact `oath_evidence` lists `照片`" in message
    assert "entity `柳州`: fact `supervision_summary` is `maybe`, not yes or no" in message
    assert "entity `桂林` appears twice" in message
    with pytest.raises(FactsError) as loader:
        policy.load_facts(bad)
    for phrase in ("`stability_rank` is `15`, outside its range", "lists `照片`", "is `maybe`, not yes or no"):
        assert phrase in str(loader.value)
