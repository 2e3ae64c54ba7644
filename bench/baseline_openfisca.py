"""The benchmark policy (bench/policy.py) as an OpenFisca model: the baseline for
"assess vs OpenFisca on the same policy".

It is written the way an OpenFisca country package is: one entity (``unit``) made
with ``build_entity``, every constant in a parameter tree (a ``ParameterNode``
built from a dict, as the YAML files of a package would give it; rank bands and
award levels are ``single_amount`` scales), one input ``Variable`` per fact and
one ``Variable`` per indicator, section, the bonus and the total, each with a
vectorised formula (``where``, ``min_``, ``max_``, ``scale.calc``). The policy
is generated, so the ``Variable`` classes are made with ``type()`` instead of
being typed out one per class statement; each is what a hand-written one would be.

Points are ``value_type = float``, as in idiomatic OpenFisca models, and OpenFisca
stores a float variable as **float32**: every indicator, section and total is cut
to float32 when it is cached. That is the point of the comparison; it is kept.
Rates go in as fractions (9537 basis points -> 0.9537), the usual OpenFisca unit.

``make(policy)`` returns ``score(columns) -> float totals`` (a fresh simulation
per call); ``round_cents_half_up`` turns them into cents as well as a user can.
``python bench/baseline_openfisca.py N`` compares with ``handwritten.numpy_int64``.
"""

from __future__ import annotations

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.model_api import YEAR, ParameterNode, Variable, max_, min_, where
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem

from policy import BenchPolicy, Leaf

SINCE = "2020-01-01"
PERIOD = "2025"
INPUT_TYPE = {"flag": bool, "deduct": int, "accum": int, "rate": float, "rank": int, "award": int}

Unit = build_entity(key="unit", plural="units", label="被考核单位 (an assessed unit)", is_person=True)


# ---- the parameter tree -------------------------------------------------------------------


def _value(v) -> dict:
    return {"values": {SINCE: float(v)}}


def _single_amount(brackets) -> dict:
    """A scale paying one amount per bracket: [(lowest value, amount), ...]."""
    return {"metadata": {"type": "single_amount"},
            "brackets": [{"threshold": _value(t), "amount": _value(a)} for t, a in brackets]}


def _leaf_parameters(leaf: Leaf) -> dict:
    p = leaf.params
    node = {"max": _value(leaf.max)}
    if leaf.kind == "deduct":
        node["per_occurrence"] = _value(p["d"])
    elif leaf.kind == "accum":
        node["per_occurrence"] = _value(p["p"])
    elif leaf.kind == "rate":
        node["threshold"] = _value(p["thr"] / 100)       # a fraction, like the rate
        node["per_point_below"] = _value(p["per"])        # points per percentage point short
    elif leaf.kind == "rank":  # rank bands 1-4 / 5-8 / ... ; past the last band: 0
        lowers = [1] + [upper + 1 for upper, _ in p["bands"]]
        node["points"] = _single_amount(zip(lowers, [pts for _, pts in p["bands"]] + [0]))
    elif leaf.kind == "award":  # a mask of levels held; the highest level decides
        node["points"] = _single_amount(sorted(p["levels"]))
    return node


def parameter_tree(policy: BenchPolicy) -> ParameterNode:
    data = {}
    for section in policy.sections:
        data[section.key] = {"weight": _value(section.weight_percent / 100), "cap": _value(section.cap),
                             **{leaf.key: _leaf_parameters(leaf) for leaf in section.leaves}}
    data["bonus"] = {"cap": _value(policy.bonus_cap), **{leaf.key: _leaf_parameters(leaf) for leaf in policy.bonus}}
    return ParameterNode("", data={"bench": data})


# ---- variables ----------------------------------------------------------------------------


def _variable(name: str, value_type, label: str, formula=None) -> type:
    attributes = {"value_type": value_type, "entity": Unit, "definition_period": YEAR, "label": label}
    if formula is not None:
        attributes["formula"] = formula
    return type(name, (Variable,), attributes)


def _leaf_formula(group: str, leaf: Leaf):
    fact, kind = leaf.fact, leaf.kind

    def formula(unit, period, parameters):
        p = parameters(period).bench[group][leaf.key]
        v = unit(fact, period)
        if kind == "flag":
            return where(v, p.max, 0)
        if kind == "deduct":
            return max_(p.max - p.per_occurrence * v, 0)
        if kind == "accum":
            return min_(p.per_occurrence * v, p.max)
        if kind == "rate":
            return max_(p.max - p.per_point_below * max_(p.threshold - v, 0) * 100, 0)
        return p.points.calc(v)  # rank, award

    return formula


def _sum_formula(group: str, leaves):
    names = [f"{leaf.fact}_points" for leaf in leaves]

    def formula(unit, period, parameters):
        return min_(sum(unit(name, period) for name in names), parameters(period).bench[group].cap)

    return formula


def _total_formula(sections):
    def formula(unit, period, parameters):
        p = parameters(period).bench
        return sum(p[key].weight * unit(key, period) for key in sections) + unit("bonus", period)

    return formula


def tax_benefit_system(policy: BenchPolicy) -> TaxBenefitSystem:
    tbs = TaxBenefitSystem([Unit])
    tbs.parameters = parameter_tree(policy)
    groups = [(s.key, s.leaves) for s in policy.sections] + [("bonus", policy.bonus)]
    for group, leaves in groups:
        for leaf in leaves:
            tbs.add_variable(_variable(leaf.fact, INPUT_TYPE[leaf.kind], f"{leaf.fact} ({leaf.kind})"))
            tbs.add_variable(_variable(f"{leaf.fact}_points", float, f"{leaf.fact} points",
                                       _leaf_formula(group, leaf)))
        tbs.add_variable(_variable(group, float, f"{group} subtotal, capped", _sum_formula(group, leaves)))
    tbs.add_variable(_variable("total", float, "weighted total",
                               _total_formula([s.key for s in policy.sections])))
    return tbs


# ---- the interface ------------------------------------------------------------------------


def make(policy: BenchPolicy):
    """score(columns) -> the totals as OpenFisca computes them (float32, unrounded)."""
    tbs = tax_benefit_system(policy)
    rates = {leaf.fact for leaf in policy.leaves() if leaf.kind == "rate"}

    def score(columns):
        n = len(next(iter(columns.values())))
        simulation = SimulationBuilder().build_default_simulation(tbs, count=n)
        for fact, column in columns.items():
            simulation.set_input(fact, PERIOD, column / 10000 if fact in rates else column)
        return simulation.calculate("total", PERIOD)

    return score


def round_cents_half_up(totals) -> np.ndarray:
    """Cents, half-up, after snapping the float totals to 1e-6 (the best a user can do)."""
    micros = np.rint(np.asarray(totals, dtype=np.float64) * 1e6).astype(np.int64)
    return (micros + 5000) // 10000  # totals are never negative


if __name__ == "__main__":
    import sys
    import time

    from handwritten import numpy_int64
    from policy import make_facts, make_policy

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    pol = make_policy()
    columns = make_facts(pol, n)
    score = make(pol)
    start = time.perf_counter()
    totals = score(columns)
    seconds = time.perf_counter() - start
    wrong = int(np.count_nonzero(round_cents_half_up(totals) != numpy_int64(pol)(columns)))
    print(f"{n} entities: {wrong} totals differ from the exact cents ({100 * wrong / n:.3f} %); "
          f"OpenFisca took {seconds:.3f} s ({totals.dtype})")
