"""The fast path of the generated scorer: what it takes as it is, what it leaves to the checked way,
the bounds it leaves tests and caps out by, and a result that keeps what it scored.

``_fast`` takes a Python int for a count or rank, a Decimal at no more places than the fact's
scale, a bool, a frozenset of evidence items; anything else goes the checked way (validation,
then the fast or the exact path) and must come out the same. Caps that cannot bite and lookup
band ends no value lies beyond are left out of the generated code on the strength of the bounds
the compiler works out; values at the ends of every range and far out in unbounded ones check
those bounds against the interpreter. A result works out every node's value again when they are
first asked for, from the fact values it kept, so changing the caller's mapping afterwards
changes nothing.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pygen_support import differences, load_module, load_policy, scorer_for  # isort: skip
from policy_strategies import policies  # isort: skip  (tests/properties)

from assessc.api import PolicyError
from assessc.backends.pygen import generate
from assessc.facts.numeric import bounds
from assessc.ir.types import Kind

_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-pygen-fast-")
SMALL = 2**30  # ints from here on go the checked way (scorer.SMALL)
FAR = Decimal(10) ** 15 - 1  # the largest value the fast path takes for a fact without a bound


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def compiled(text: str, name: str = "p"):
    path = Path(_WORKDIR.name) / f"{name}-{abs(hash(text))}.assess"
    path.write_text(text, encoding="utf-8")
    try:
        policy = load_policy(path)
    except PolicyError:
        return None
    return policy, load_module(generate(policy.graph).source)


def _edge_numbers(fact) -> st.SearchStrategy:
    """Values at the ends of the fact's range, next to them, and far out where it has no end."""
    low, high = bounds(fact.type)
    whole = fact.type.kind in (Kind.COUNT, Kind.RANK)
    places = 0 if whole else (4 if fact.type.kind is Kind.PERCENT else 2)
    low = low if low is not None else -FAR
    high = high if high is not None else FAR
    step = Decimal(1).scaleb(-places)
    picks = [low, high, min(low + step, high), max(high - step, low), (low + high) / 2]
    picks = [v.quantize(step, rounding="ROUND_FLOOR") for v in picks]
    picks = [v for v in picks if low <= v <= high]
    if fact.default is not None:
        picks.append(fact.default)
    numbers = st.sampled_from(picks) | st.decimals(min_value=low, max_value=high, places=places,
                                                    allow_nan=False, allow_infinity=False)
    if whole:  # as Python ints too, the way a program hands them over
        return numbers | numbers.map(int)
    return numbers


def _values(facts) -> st.SearchStrategy[dict]:
    from fact_strategies import value_strategy  # isort: skip

    strategies = {}
    for fact in facts:
        if fact.type.kind in (Kind.COUNT, Kind.RANK, Kind.DECIMAL, Kind.AMOUNT, Kind.PERCENT):
            strategies[fact.name] = _edge_numbers(fact)
        else:
            strategies[fact.name] = value_strategy(fact)
    return st.fixed_dictionaries(strategies)


def _fast_takes(values: dict) -> bool:
    return not any(type(v) is int and not -SMALL < v < SMALL for v in values.values())


def check(policy, module, entity: str, values: dict) -> None:
    """The module scores ``values`` as the interpreter scores them typed (Python ints as Decimals);
    the fast path takes them unless an int is too large for it."""
    typed = {name: Decimal(v) if type(v) is int else v for name, v in values.items()}
    assert differences(policy, module, entity, typed, lines=False) == []
    try:
        theirs = module.score(typed, entity=entity)
    except module.ScoringError as error:  # e.g. a lookup without a row: the same error either way
        with pytest.raises(module.ScoringError) as mine:
            module.score(values, entity=entity)
        assert str(mine.value) == str(error)
        return
    mine = module.score(values, entity=entity)
    assert (mine.total, mine.values, mine.vetoed, mine.inactive) == \
        (theirs.total, theirs.values, theirs.vetoed, theirs.inactive)
    if _fast_takes(values):
        module._fast(values, entity)  # raises if it does not take them


@_settings(60)
@given(policies(), st.data())
def test_edge_values_and_python_ints_score_exactly_as_the_interpreter(generated, data):
    pair = compiled(generated.text)
    assume(pair is not None)
    policy, module = pair
    for k in range(3):
        check(policy, module, f"e{k}", data.draw(_values(policy.ir.facts), label=f"entity {k}"))


LOOKUPS = """
facts {
  rank: rank 1..16 "rank"
  mask: count 0..15 "mask"
  n: count "n"
  k: count 0..40 "k"
  share: percent "share"
  growth: percent -50%..300% "growth"
  gap: decimal -5..5 "gap"
  flag: bool "flag"
}

policy lookups "lookups" {
  max 60
  round total 2 places half_up
  item up "ascending bands" max 5 {
    add lookup rank { 1..4: 5  5..8: 3.75  9..12: 2.5  13..14: 1.25  else: 0 }
  }
  item down "descending bands" max 5 {
    add lookup mask { 8..15: 5  4..7: 3  2..3: 1.5  1: 0.5  else: 0 }
  }
  item overlap "bands that overlap and skip" max 9 {
    add lookup k { 0..10: 1  5..20: 2  30..35: 3  36..36: 4  else: 0 }
    add lookup k { 41..50: 7  else: 2 }
  }
  item scaled "a computed key" max 30 {
    add lookup (k * 2 + 1) { 1..9: 1  10..39: 2  40..81: 3 }
    add lookup (n - 3) { -3..0: 1  1..2: 2  else: 0 }
  }
  item rate "steps" max 20 {
    start 20
    deduct 0.5 per 1% below 95% of share counting proportional steps
    deduct 1 per 10% above 200% of growth counting whole steps
    until zero
  }
  item mixed "caps that may bite" max 10 {
    add 0.25 per n
    add gap if flag
    deduct 2 per k
    until zero
  }
  item neg "below zero" {
    add gap * 3
    add min(gap, 1)
    add max(k, 3) / 4
  }
  bonus b "bonus" max 3 {
    add 0.2 per k
    add 1 if flag
  }
  penalty p "penalty" max 2 {
    deduct 0.5 per n
    add gap / 8
  }
}
"""


@pytest.fixture(scope="module")
def lookups():
    pair = compiled(LOOKUPS, "lookups")
    assert pair is not None
    return pair


@_settings(200)
@given(st.data())
def test_bands_steps_caps_and_floors_over_whole_ranges(lookups, data):
    policy, module = lookups
    check(policy, module, "e", data.draw(_values(policy.ir.facts)))


def test_every_rank_and_mask_through_the_bands(lookups):
    policy, module = lookups
    base = {"n": 0, "k": 0, "share": Decimal("0.95"), "growth": Decimal(1), "gap": Decimal(0), "flag": True}
    for rank in range(1, 17):
        for mask in range(16):
            check(policy, module, "e", dict(base, rank=rank, mask=mask))


def test_caps_that_cannot_bite_are_left_out_and_bands_test_one_end(lookups):
    policy, module = lookups
    source = generate(policy.graph).source
    fast = source[source.index("def _fast(f, entity):"):source.index("def _exact(")]
    assert "<= 4:" in fast and ">= 8:" in fast  # rank 1..16: `rank <= 4`; mask 0..15: `mask >= 8`
    assert "# max 5" not in fast and "# max 30" not in fast  # lookups of at most 5 under `max 5`, `max 30`
    assert "# max 10" in fast and "# until zero" in fast  # these can bite


def test_a_python_int_a_decimal_and_text_give_the_same_result(lookups):
    _, module = lookups
    base = {"rank": 3, "mask": 9, "n": 2, "k": 7, "share": Decimal("0.9321"), "growth": Decimal("2.35"),
            "gap": Decimal("-1.25"), "flag": True}
    as_decimals = {k: Decimal(v) if type(v) is int else v for k, v in base.items()}
    as_text = {"rank": "3", "mask": "9", "n": "2", "k": "7", "share": "93.21%", "growth": "235%",
               "gap": "-1.25", "flag": "是"}
    results = [module.score(v, entity="e") for v in (base, as_decimals, as_text)]
    assert len({(r.total, tuple(r.values.items())) for r in results}) == 1
    module._fast(base, "e")  # ints and Decimals are the fast path's own
    module._fast(as_decimals, "e")


@pytest.mark.parametrize("bad", [True, 2.0, "x", Decimal("2.5"), Decimal("NaN"), -1, 17])
def test_what_the_fast_path_refuses_fails_as_validation_says(lookups, bad):
    _, module = lookups
    values = {"rank": bad, "mask": 9, "n": 2, "k": 7, "share": Decimal("0.9321"), "growth": Decimal("2.35"),
              "gap": Decimal("-1.25"), "flag": True}
    with pytest.raises(Exception):
        module._fast(values, "e")
    with pytest.raises(module.FactsError) as caught:
        module.score(values, entity="e")
    with pytest.raises(module.FactsError) as validated:
        module.validate(values, entity="e")
    assert caught.value.problems == validated.value.problems


def test_large_whole_numbers_take_the_checked_way_and_score_the_same(lookups):
    policy, module = lookups
    values = {"rank": 2, "mask": 1, "n": SMALL + 5, "k": 40, "share": Decimal(1), "growth": Decimal(3),
              "gap": Decimal(5), "flag": False}
    with pytest.raises(Exception):
        module._fast(values, "e")
    check(policy, module, "e", values)
    module._fast(dict(values, n=Decimal(SMALL + 5)), "e")  # as a Decimal it is the fast path's


def test_a_result_keeps_what_it_scored(lookups):
    _, module = lookups
    facts = {"id": "甲", "rank": 3, "mask": 9, "n": 2, "k": 7, "share": Decimal("0.9321"),
             "growth": Decimal("2.35"), "gap": Decimal("-1.25"), "flag": True}
    expected = module.score(dict(facts))
    result = module.score(facts)
    facts.update(id="乙", rank=16, mask=0, n=0, k=0, share=Decimal(0), gap=Decimal(5), flag=False)
    assert result.entity == "甲"
    assert result.total == expected.total
    assert result.values == expected.values
    assert result.values is result.values  # worked out once
    exact = module._exact(module.validate(dict(expected._facts)), None, "甲")
    assert result.values == exact.values


def test_an_evidence_set_scores_as_a_frozenset():
    text = ('facts { docs: evidence { a "甲" b "乙" c "丙" } }\npolicy e "t" {\n  item 1 "x" max 3 {\n'
            '    add 1 per missing docs\n  }\n}\n')
    policy, module = compiled(text, "evidence")
    given_set = module.score({"docs": {"a"}}, entity="e")
    given_frozenset = module.score({"docs": frozenset({"a"})}, entity="e")
    assert given_set.total == given_frozenset.total == 2
    with pytest.raises(Exception):
        module._fast({"docs": {"a"}}, "e")  # a set can change after scoring: the checked way copies it


def test_the_bundled_policies_keep_their_values_lazily():
    root = Path(__file__).resolve().parents[3]
    policy = load_policy(root / "policies" / "guangxi_2017.assess")
    module = scorer_for(policy)
    import csv

    with open(root / "policies" / "guangxi_2017.facts.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        values = module.validate(row)
        fast = module._fast(values, "e")
        exact = module._exact(values, None, "e")
        assert fast.values == exact.values and fast.total == exact.total
