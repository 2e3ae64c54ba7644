"""Differential tests on random policies: the generated scorer against the reference interpreter.

Policies come from ``tests/properties/policy_strategies.py`` (an AST printed
by the formatter and compiled from that text, as ``test_generated_policies``
does), entities from their declared facts. Rounding ties and floors get a
policy family of their own: values with a 5 in the third decimal under
``round each 2 places`` in every mode, deductions that cross zero. Finally
the check is shown to fail for a scorer whose rounding was changed in the
emitted text (half-up to half-even).
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from pygen_support import differences, load_module, load_policy  # isort: skip
from fact_strategies import entity_values  # isort: skip  (tests/properties)
from policy_strategies import ROUNDING_MODES, policies  # isort: skip

from assessc.api import PolicyError
from assessc.backends.pygen import generate

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`

_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-pygen-")


def _settings(examples: int, **extra) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), **extra)


@functools.lru_cache(maxsize=256)
def compiled(text: str):
    """(policy, generated module) for a policy text; None if the text does not compile."""
    path = Path(_WORKDIR.name) / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + ".assess")
    path.write_text(text, encoding="utf-8")
    try:
        policy = load_policy(path)
    except PolicyError:
        return None
    return policy, load_module(generate(policy.graph).source)


@_settings(150)
@given(policies(), st.data())
def test_random_policies_score_exactly_as_the_interpreter(generated, data):
    pair = compiled(generated.text)
    assume(pair is not None)  # the generator's job; test_generated_policies reports it
    policy, module = pair
    for k in range(3):
        values = data.draw(entity_values(policy.ir.facts), label=f"entity {k}")
        assert differences(policy, module, f"e{k}", values) == [], generated.text


# ---- rounding ties and floors -------------------------------------------------------------------

TIES = """
facts {{
  x: decimal -9..9 "x"
  y: decimal -9..9 "y"
  n: count 0..9 "n"
  rate: percent "rate"
}}

policy ties "ties" {{
  max 20
  round each 2 places {mode}
  item 1 "tie" max 8.25 {{
    start 1.005
    add x
    deduct 0.125 per n
    until zero
  }}
  item 2 "product" {{
    add 0.5 * y
    add 0.25 * rate
    coefficient 1.5
  }}
  item 3 "weighted" max 30 {{
    weight 15%
    add x * 3
    until zero
  }}
  penalty 减分 "penalty" max 1.25 {{
    deduct 0.375 per n
    add y / 8
  }}
}}
"""


def ties(mode: str):
    policy, module = compiled(TIES.format(mode=mode))
    return policy, module


def tie_values() -> st.SearchStrategy[dict]:
    """Values whose third decimal is 5 (x.xx5), so that every rounding mode meets a tie."""
    halves = st.integers(-899, 899).map(lambda k: Decimal(k) / 100 + Decimal("0.005"))
    return st.fixed_dictionaries({
        "x": halves, "y": halves, "n": st.integers(0, 9).map(Decimal),
        "rate": st.integers(0, 1000).map(lambda k: Decimal(k) / 1000),
    })


@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_rounding_ties_and_floors_in_every_mode(mode):
    policy, module = ties(mode)

    @_settings(40)
    @given(tie_values())
    def check(values):
        assert differences(policy, module, "tie", values) == []

    check()


def test_a_tie_rounds_half_up_and_a_floor_holds():
    policy, module = ties("half_up")
    result = module.score({"x": Decimal("0.12"), "y": Decimal("0.005"), "n": 0, "rate": Decimal("0.5")})
    assert result.values["1"] == Decimal("1.13")  # start 1.005 (not a rule, not rounded) + 0.12 = 1.125 → 1.13
    assert result.values["2"] == Decimal("0.2")  # 0.0025 → 0; 0.125 → 0.13; × 1.5 = 0.195 → 0.2
    floored = module.score({"x": Decimal("-8.995"), "y": 0, "n": 9, "rate": 0})
    assert floored.values["1"] == 0
    half_even = ties("half_even")[1].score({"x": Decimal("0.12"), "y": Decimal("0.005"), "n": 0, "rate": Decimal("0.5")})
    assert (half_even.values["1"], half_even.values["2"]) == (Decimal("1.12"), Decimal("0.18"))


# ---- the check can fail ----------------------------------------------------------------------------


def half_even_instead(source: str) -> str:
    """The emitted module with 四舍五入 replaced by banker's rounding, in both arithmetics."""
    mutated = source.replace("_r_half_up(", "_r_half_even(").replace("ROUND_HALF_UP", "ROUND_HALF_EVEN")
    assert mutated != source
    return mutated


def test_the_differential_check_fails_for_a_scorer_that_rounds_half_even():
    policy, _ = ties("half_up")
    broken = load_module(half_even_instead(generate(policy.graph).source))

    @_settings(60, phases=(Phase.explicit, Phase.generate))
    @given(tie_values())
    def check(values):
        assert differences(policy, broken, "tie", values, lines=False) == []

    with pytest.raises(AssertionError):
        check()
