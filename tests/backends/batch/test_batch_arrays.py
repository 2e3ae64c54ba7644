"""Columns from NumPy arrays a program already holds, and runs that keep only totals."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from assessc.api import FactsError, load_policy
from assessc.backends.batch import compile_batch

POLICY = """
facts {
  done: bool "完成"
  misses: count "缺项数"
  rate: percent "完成率"
  place: rank 1..14 "排名"
  docs: evidence { 方案 "方案", 总结 "总结", 图片 "图片" } "材料"
}
policy p "arrays" {
  round total 2 places half_up
  item 1 "完成" max 1 { add 1 if done }
  item 2 "缺项" max 2 { start 2  deduct 0.5 per misses  until zero }
  item 3 "完成率" max 3 { start 3  deduct 0.5 per 1% below 95% of rate counting proportional steps  until zero }
  item 4 "排名" max 1 { add lookup place { 1..7: 1  8..14: 0.5 } }
  item 5 "材料" max 1.5 { start 1.5  deduct 0.5 per missing docs }
}
"""


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    path = tmp_path_factory.mktemp("arrays") / "arrays.assess"
    path.write_text(POLICY, encoding="utf-8")
    policy = load_policy(path)
    return policy, compile_batch(policy)


ARRAYS = {
    "done": np.array([True, False, True]),
    "misses": np.array([0, 3, 9], dtype=np.int32),
    "rate": np.array([9537, 9000, 9425], dtype=np.int16),   # 95.37 %, 90 %, 94.25 % with places 4
    "place": np.array([1, 14, 8], dtype=np.int8),
    "docs": np.array([0b111, 0b001, 0b100], dtype=np.uint8),
}


def test_arrays_score_as_typed_values_do(setup):
    policy, program = setup
    run = program.score(program.columns_from_arrays(ARRAYS, ids=["甲", "乙", "丙"], places={"rate": 4}))
    typed = [
        {"done": True, "misses": 0, "rate": Decimal("0.9537"), "place": 1, "docs": frozenset({"方案", "总结", "图片"})},
        {"done": False, "misses": 3, "rate": Decimal("0.9"), "place": 14, "docs": frozenset({"方案"})},
        {"done": True, "misses": 9, "rate": Decimal("0.9425"), "place": 8, "docs": frozenset({"图片"})},
    ]
    for row, values in enumerate(typed):
        assert run.total(row) == policy.score_values(run.ids[row], values).total
    # 甲: 1 + 2 + 3 + 1 + 1.5 = 8.5; 乙: 0 + 0.5 + (3 − 0.5 × 5) + 0.5 + 0.5 = 2;
    # 丙: 1 + 0 + (3 − 0.5 × 0.75 = 2.625) + 0.5 + 0.5 = 4.625 → 4.63 half-up
    assert [run.total(r) for r in range(3)] == [Decimal("8.5"), Decimal("2"), Decimal("4.63")]


def test_places_scale_integers_and_finer_values_are_refused(setup):
    _, program = setup
    percent_points = dict(ARRAYS, rate=np.array([95, 90, 94], dtype=np.int16))  # whole percent points
    run = program.score(program.columns_from_arrays(percent_points, places={"rate": 2}))
    assert run.value(0, "3") == Decimal("3")
    finer = dict(ARRAYS, rate=np.array([953701, 900000, 942500], dtype=np.int32))
    with pytest.raises(FactsError, match=r"entity `1`: fact `rate` is `0.953701`, which has more decimal places"):
        program.columns_from_arrays(finer, places={"rate": 6})


@pytest.mark.parametrize("change, message", [
    ({"misses": np.array([0, -1, 2], dtype=np.int32)}, r"D0604 entity `2`: fact `misses` is `-1`, outside its range"),
    ({"place": np.array([1, 15, 2], dtype=np.int8)}, r"(?s)entity `2`: fact `place` is `15`.*from 1 to 14"),
    ({"rate": np.array([0.95, 0.9, 0.94])}, r"(?s)fact `rate`: an array of float64, not of integers.*a float is not exact"),
    ({"done": np.array([1, 0, 1])}, r"fact `done`: an array of int64, not of bools"),
    ({"docs": np.array([8, 0, 1], dtype=np.uint8)}, r"(?s)entity `1`: fact `docs` is the mask 8.*1 = 方案, 2 = 总结, 4 = 图片"),
    ({"misses": np.array([0, 1], dtype=np.int32)}, r"the arrays have different lengths"),
])
def test_bad_arrays_name_entity_fact_and_what_is_allowed(setup, change, message):
    _, program = setup
    with pytest.raises(FactsError, match=message):
        program.columns_from_arrays({**ARRAYS, **change}, places={"rate": 4})


def test_a_missing_array_is_named(setup):
    _, program = setup
    arrays = {k: v for k, v in ARRAYS.items() if k != "misses"}
    with pytest.raises(FactsError, match=r"D0602 fact `misses`: no array given"):
        program.columns_from_arrays(arrays, places={"rate": 4})


def test_a_run_that_keeps_only_totals_says_so_when_asked_for_an_item(setup):
    _, program = setup
    columns = program.columns_from_arrays(ARRAYS, places={"rate": 4})
    full = program.score(columns)
    slim = program.score(columns, keep=("2",))
    assert list(slim.totals) == list(full.totals)
    assert slim.value(1, "2") == full.value(1, "2") == Decimal("0.5")
    with pytest.raises(KeyError, match="item '3' was not kept by this run"):
        slim.value(0, "3")
    with pytest.raises(KeyError, match="no item 'nine'"):
        program.score(columns, keep=("nine",))
