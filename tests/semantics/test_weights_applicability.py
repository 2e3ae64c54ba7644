"""F17 weights, F18 applicability by entity, F24 coefficients (seed 001 task 1, seed 004 二(二))."""

from decimal import Decimal

import pytest

from assessc.api import FactsError, load_policy

# 001 目标任务一: 木里 scores items 1-12 at 10% and item 13 at 5%; the five
# counties 1-12 at 10% and item 14 at 5%; the others 1-12 at 15%.
POLICY = """
facts {
  region: enum { 木里, 五县, 其他 }
  base_points: decimal 0..100
  tibet_points: decimal 0..30
  yi_points: decimal 0..30
  index: decimal 0..2
}

policy p "weights" {
  max 100
  item 1 "法律七进" {
    item 1 "1-12项" max 100 {
      weight lookup region { 木里: 10%  五县: 10%  else: 15% }
      add base_points
    }
    item 13 "木里藏区依法常态化治理" max 30 {
      applies if region == 木里
      weight 5%
      add tibet_points
    }
    item 14 "五县禁毒防艾法律七进" max 30 {
      applies if region == 五县
      weight 5%
      add yi_points
    }
  }
  item 2 "其他任务" max 100 {
    weight 85%
    add 100
    coefficient index
  }
}
"""

CSV = "id,region,base_points,tibet_points,yi_points,index\n{rows}"


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "p.assess"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


def score(policy, tmp_path, rows):
    facts = tmp_path / "f.csv"
    facts.write_text(CSV.format(rows=rows), encoding="utf-8")
    return policy.score_file(facts)


def test_weights_follow_the_entity(policy, tmp_path):
    run = score(policy, tmp_path, "木里,木里,80,15,,1\n布拖,五县,80,,30,1\n西昌,其他,80,,,1\n")
    # 木里: 10% × 80 + 5% × (15/30 × 100 = 50) = 8 + 2.5 = 10.5; task 2: 85% × 100 = 85 → 95.5
    assert run.result("木里").value("1") == Decimal("10.5")
    assert run.result("木里").total == Decimal("95.5")
    # 布拖: 10% × 80 + 5% × 100 = 8 + 5 = 13 → 98
    assert run.result("布拖").total == Decimal("98")
    # 西昌: 15% × 80 = 12 → 97; items 13 and 14 do not apply
    assert run.result("西昌").total == Decimal("97")
    assert not run.result("西昌").nodes["1.13"].applicable


def test_coefficient_multiplies_the_item(policy, tmp_path):
    run = score(policy, tmp_path, "西昌,其他,80,,,0.9\n")
    # task 2: 100 × 0.9 = 90, capped before the coefficient (max 100); weighted 85% × 90 = 76.5; + 12
    assert run.result("西昌").value("2") == Decimal("90")
    assert run.result("西昌").total == Decimal("88.5")


def test_fact_for_an_item_that_does_not_apply_is_an_input_error(policy, tmp_path):
    with pytest.raises(FactsError) as error:
        score(policy, tmp_path, "西昌,其他,80,20,,1\n")
    (diagnostic,) = [d for d in error.value.diagnostics if d.is_error]
    assert diagnostic.code.code == "D0611"
    assert "西昌" in diagnostic.message and "tibet_points" in diagnostic.message


def test_fact_needed_where_the_item_applies(policy, tmp_path):
    with pytest.raises(FactsError) as error:
        score(policy, tmp_path, "木里,木里,80,,,1\n")
    assert "tibet_points" in error.value.diagnostics[0].message


def test_weight_needs_a_max(tmp_path):
    from assessc.api import PolicyError

    path = tmp_path / "p.assess"
    path.write_text('policy p "x" { item 1 "a" { weight 10% start 1 } }', encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(path)
    assert "has a weight but no max" in error.value.diagnostics[0].message
