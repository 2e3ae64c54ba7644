"""Properties of random valid policies on random valid facts.

Each example is a policy drawn by ``policy_strategies.policies()`` (an AST
printed by the formatter and compiled from that text) and several entities
drawn from its declared facts. The properties:

1. every node stays within its max and above its floor, and the explanation
   lines add up (``_check_result`` of ``test_policy_properties.py``);
2. every node's and every rule's value lies in the interval the static
   bounds analysis (``compiler/graph/bounds.py``) computes for it;
3. one more deduction event (a count read only by ``deduct A per F``, an
   evidence item missing that is read only by ``deduct A per missing F``)
   never raises any score, and one more ledger entry read only by ``add L by
   … { non-negative }`` never lowers any;
4. the printed text parses back to the generated tree, formats identically,
   and the same declarations in another order, laid out on one line, score
   the same;
5. scores read from a JSON facts file are those of the typed values, in
   whatever order the entities are written;
6. with comments in random places (``policy_strategies.commented_policies``),
   the formatted text parses to the generated tree, keeps every comment in
   order, and formatting it again changes nothing;
7. the first property does fail for an interpreter that skips the cap, or the
   floor: the suite can fail.

Explanation lines are added up in the interpreter's decimal context (60
digits): a division keeps 60 significant digits, which Python's default
28-digit context would round. The tests at the end pin down, as expected
failures, what the generators found; each holds a minimal policy.
"""

from __future__ import annotations

import decimal
import functools
import hashlib
import json
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from assessc.api import FactsError, PolicyError, load_policy
from assessc.backends.interp import Interpreter
from assessc.diagnostics import DiagnosticBag
from assessc.dsl.fmt import format_module
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.ir.walk import facts_of_expr, facts_of_node_own, facts_of_policy, facts_of_term
from assessc.runtime.decimals import CONTEXT
from fact_strategies import entity_values, value_strategy
from policy_strategies import GeneratedPolicy, policies
from test_formatter_properties import formatting_property
from test_policy_properties import _check_result

pytestmark = pytest.mark.slow  # a long generated, differential or database run: `pytest -m slow`

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def _settings(examples: int, **extra) -> settings:
    return settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                    suppress_health_check=_HEALTH, **extra)


_WORKDIR = tempfile.TemporaryDirectory(prefix="assess-generated-")


def _write(text: str, suffix: str) -> Path:
    path = Path(_WORKDIR.name) / (hashlib.sha1(text.encode("utf-8")).hexdigest()[:20] + suffix)
    path.write_text(text, encoding="utf-8")
    return path


@functools.lru_cache(maxsize=512)
def compile_text(text: str):
    """The policy compiled from ``text`` through a file, as a user would."""
    try:
        return load_policy(_write(text, ".assess"))
    except PolicyError as error:
        raise AssertionError(f"a generated policy does not compile:\n{error}\n---- source ----\n{text}") from None


def entities(policy, low: int = 4, high: int = 8) -> st.SearchStrategy[list[dict]]:
    return st.lists(entity_values(policy.ir.facts), min_size=low, max_size=high)


# ---- 1. caps and floors ---------------------------------------------------------------


def caps_and_floors(config: settings):
    @config
    @given(policies(total_tables=True), st.data())
    def check(generated: GeneratedPolicy, data):
        policy = compile_text(generated.text)
        for k, values in enumerate(data.draw(entities(policy), label="entities")):
            result = policy.score_values(f"e{k}", values)
            with decimal.localcontext(CONTEXT):  # lines add up in the interpreter's arithmetic
                _check_result(policy, result)
            assert policy.score_values(f"e{k}", values) == result

    return check


def test_every_node_stays_within_its_max_and_above_its_floor():
    caps_and_floors(_settings(110))()


# ---- 2. soundness of the static bounds --------------------------------------------------


def test_every_value_lies_within_its_static_bounds():
    bounds = pytest.importorskip("assessc.graph.bounds", reason="no static bounds analysis")

    @_settings(75)
    @given(policies(total_tables=True), st.data())
    def check(generated: GeneratedPolicy, data):
        policy = compile_text(generated.text)
        intervals = bounds.analyse(policy.graph)
        for k, values in enumerate(data.draw(entities(policy), label="entities")):
            result = policy.score_values(f"e{k}", values)
            for node_id, score in result.nodes.items():
                assert score.value in intervals[node_id], (node_id, score.value, str(intervals[node_id]))
                for line in score.lines:
                    if line.kind == "term":
                        assert line.amount in intervals[line.source_id], \
                            (line.source_id, line.amount, str(intervals[line.source_id]))

    check()


# ---- 3. monotonicity --------------------------------------------------------------------


def _nonnegative_constant(expr) -> bool:
    return isinstance(expr, ir.Const) and isinstance(expr.value, Decimal) and expr.value >= 0


def _one_signed_use(term: ir.Term) -> tuple[str, str] | None:
    """(fact, role) when the term reads one fact in a way whose effect has a
    known sign: ``deduct C per F`` (count), ``deduct C per missing F``, or
    ``add L by FIELD {non-negative}``, with C a constant ≥ 0 and a condition
    that does not read the fact."""
    body, condition = term.body, facts_of_expr(term.condition)
    if isinstance(body, ir.Per) and term.sign < 0 and _nonnegative_constant(body.amount):
        count = body.count
        if isinstance(count, ir.FactRef) and count.fact.type.kind is Kind.COUNT and count.fact.name not in condition:
            return count.fact.name, "count"
        if isinstance(count, ir.MissingCount) and count.fact.name not in condition:
            return count.fact.name, "missing"
    if isinstance(body, ir.LedgerSum) and term.sign > 0 and getattr(body, "column_field", None) is None \
            and isinstance(body.table, ir.Table) and body.ledger.name not in condition:
        values = [row.value for row in body.table.rows] + [body.table.default or Decimal(0)]
        if all(v >= 0 for v in values):
            return body.ledger.name, "ledger"
    return None


def monotone_facts(policy: ir.Policy) -> dict[str, str]:
    """Facts every use of which is one signed use of one role, by name.
    Weights and coefficients may be negative, so a policy with any is skipped."""
    nodes = list(policy.all_nodes())
    if getattr(policy, "coefficient", None) is not None or any(
            getattr(n, "weight", None) is not None or getattr(n, "coefficient", None) is not None for n in nodes):
        return {}
    roles: dict[str, set[str]] = {}
    other: set[str] = set()
    for node in nodes:
        other |= facts_of_node_own(node)
        for term in node.terms:
            use = _one_signed_use(term)
            read = facts_of_term(term)
            if use is None:
                other |= read
            else:
                roles.setdefault(use[0], set()).add(use[1])
                other |= read - {use[0]}
    for veto in policy.vetoes:
        other |= facts_of_expr(veto.condition)
    return {name: found.pop() for name, found in roles.items() if name not in other and len(found) == 1}


def _one_more_event(policy, name: str, role: str, values: dict, data) -> tuple[dict, int] | None:
    """The facts with one more event of ``name`` and the sign the scores may move in."""
    fact = policy.ir.fact(name)
    if role == "count":
        if fact.type.high is not None and values[name] + 1 > fact.type.high:
            return None
        return {**values, name: values[name] + 1}, -1
    if role == "missing":
        if not values[name]:
            return None
        dropped = data.draw(st.sampled_from(sorted(values[name])), label=f"drop from {name}")
        return {**values, name: values[name] - {dropped}}, -1
    entry = data.draw(st.fixed_dictionaries({f.name: value_strategy(f) for f in fact.type.fields}),
                      label=f"entry of {name}")
    return {**values, name: (*values[name], entry)}, +1


@_settings(85)
@given(policies(total_tables=True), st.data())
def test_one_more_deduction_never_raises_a_score_and_one_more_bonus_never_lowers_one(generated, data):
    policy = compile_text(generated.text)
    candidates = sorted(monotone_facts(policy.ir).items())
    for k, values in enumerate(data.draw(entities(policy), label="entities")):
        before = policy.score_values(f"e{k}", values)
        for name, role in candidates:
            step = _one_more_event(policy, name, role, values, data)
            if step is None:
                continue
            changed, sign = step
            after = policy.score_values(f"e{k}", changed)
            for node_id, score in before.nodes.items():
                moved = after.value(node_id) - score.value
                assert sign * moved >= 0, (name, role, node_id, score.value, after.value(node_id))


def test_the_monotone_facts_are_found():
    """`monotone_facts` on a known policy: only single-signed uses count."""
    text = """
facts { a: count  b: count  ev: evidence { x, y }  cases: ledger { k: enum { m } }  c: count }
policy p "t" {
  item 1 "i" { start 3  deduct 0.5 per a  deduct 1 per missing ev  deduct 2 per b if b > 1  deduct c }
  bonus 加分 "b" { add cases by k { m: 1 } }
}
"""
    assert monotone_facts(compile_text(text).ir) == {"a": "count", "ev": "missing", "cases": "ledger"}


# ---- 4. layout independence ---------------------------------------------------------------


def parse_module(text: str):
    bag = DiagnosticBag()
    tree = parse(SourceFile("generated.assess", text), bag)
    assert tree is not None, "\n".join(str(d.message) for d in bag)
    return tree


def _summary(result):
    """Values and explanation lines; the lines as a multiset, since their order
    follows the declaration order of facts (see test_explanation_lines_follow_the_rules)."""
    return (result.total, result.vetoed, {
        node_id: (score.value, getattr(score, "applicable", True),
                  sorted((line.kind, line.source_id, line.amount) for line in score.lines))
        for node_id, score in result.nodes.items()
    })


@_settings(50)
@given(policies(total_tables=True), st.data())
def test_the_printed_policy_parses_back_and_scores_the_same_in_any_layout(generated, data):
    text = generated.text
    tree = parse_module(text)
    assert tree == generated.module
    assert format_module(tree) == text
    reordered = attrs.evolve(tree, decls=tuple(reversed(tree.decls)))
    one_line = re.sub(r"\n\s*", " ", format_module(reordered))
    assert "\n" not in one_line.rstrip("\n")
    assert format_module(parse_module(one_line)) == format_module(reordered)
    policy, other = compile_text(text), compile_text(one_line)
    for k, values in enumerate(data.draw(entities(policy), label="entities")):
        assert _summary(policy.score_values(f"e{k}", values)) == _summary(other.score_values(f"e{k}", values))


# ---- 5. JSON facts in any order ---------------------------------------------------------------

ENTITY_IDS = ("南宁", 'a "quoted" 单位', "back\\slash", "柳州市 二区", "7", "桂林", "梧州")


def _json_number(value: Decimal, as_text: bool, suffix: str = "") -> str:
    text = format(value, "f")
    return json.dumps(text + suffix) if as_text else text


def _json_value(decl, value, as_text: bool) -> str:
    kind = decl.type.kind
    if decl.default is not None and value == decl.default:
        return "null"  # a missing value takes the default (which may lie outside the range)
    if kind is Kind.PERCENT:  # a number meaning percent: 95 is 95 %
        return _json_number(value.scaleb(2), as_text, "%" if as_text else "")
    if isinstance(value, bool):
        return json.dumps(("是" if value else "否") if as_text else value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return _json_number(value, as_text)
    if kind is Kind.DATE:
        return json.dumps(value.isoformat())
    if kind is Kind.EVIDENCE:
        return json.dumps(sorted(value), ensure_ascii=False)
    if kind is Kind.LEDGER:
        return "[" + ", ".join(_json_object(decl.type.fields, entry, as_text) for entry in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _json_object(decls, values, as_text: bool, entity: str | None = None) -> str:
    parts = [f'"id": {json.dumps(entity, ensure_ascii=False)}'] if entity is not None else []
    parts += [f"{json.dumps(d.name, ensure_ascii=False)}: {_json_value(d, values[d.name], as_text)}" for d in decls]
    return "{" + ", ".join(parts) + "}"


def facts_json(policy, rows: list[tuple[str, dict]]) -> str:
    """A facts file: numbers as JSON numbers in even rows and as text in odd ones."""
    objects = [_json_object(policy.ir.facts, values, k % 2 == 1, entity) for k, (entity, values) in enumerate(rows)]
    return "[\n  " + ",\n  ".join(objects) + "\n]\n"


@_settings(45)
@given(policies(total_tables=True), st.data())
def test_scores_from_a_json_file_are_those_of_the_values_in_any_entity_order(generated, data):
    policy = compile_text(generated.text)
    unused = {f.name for f in policy.ir.facts} - facts_of_policy(policy.ir)
    assert not unused, f"the generator left facts unread (see test_a_fact_no_rule_reads_can_be_given): {unused}"
    rows = list(zip(ENTITY_IDS, data.draw(entities(policy), label="entities")))
    order = data.draw(st.permutations(rows), label="order")
    if order == rows:
        order = rows[::-1]
    first = policy.score_file(_write(facts_json(policy, rows), ".json"))
    second = policy.score_file(_write(facts_json(policy, order), ".json"))
    assert [r.entity for r in first.results] == [e for e, _ in rows]
    assert [r.entity for r in second.results] == [e for e, _ in order]
    for entity, values in rows:
        expected = policy.score_values(entity, values)
        assert first.result(entity) == expected
        assert second.result(entity) == expected


# ---- 6. formatting with comments ------------------------------------------------------------


def test_formatting_with_comments_in_random_places_keeps_tree_and_comments_and_is_stable():
    formatting_property(500)()


# ---- 7. the suite can fail -------------------------------------------------------------------

_FIND_ONLY = _settings(150, phases=(Phase.explicit, Phase.generate), report_multiple_bugs=False)


def test_the_caps_property_fails_for_an_interpreter_that_does_not_cap(monkeypatch):
    monkeypatch.setattr(Interpreter, "_clamp", lambda self, op, value, step, run: value)
    with pytest.raises(AssertionError):
        caps_and_floors(_FIND_ONLY)()


def test_the_caps_property_fails_for_an_interpreter_that_skips_the_floor(monkeypatch):
    clamp = Interpreter._clamp

    def without_floor(self, op, value, step, run):
        return clamp(self, attrs.evolve(op, floor=None), value, step, run)

    monkeypatch.setattr(Interpreter, "_clamp", without_floor)
    with pytest.raises(AssertionError):
        caps_and_floors(_FIND_ONLY)()


# ---- what the generators found ----------------------------------------------------------------


def test_a_max_holds_under_round_each():
    policy = compile_text('''policy p "t" {
  round each 0 places half_up
  item 1 "a" max 1.5 { start 2 }
  penalty 2 "b" max 1.5 { deduct 2 }
}
''')
    result = policy.score_values("e", {})
    assert result.value("1") == Decimal("1.5")  # rounded to 2, then capped: the max holds
    assert result.value("2") == Decimal("-1.5")


def test_a_fact_no_rule_reads_can_be_given():
    policy = compile_text('facts { used: count  unused: count }\npolicy p "t" { item 1 "a" { add 1 per used } }\n')
    run = policy.score_file(_write('[{"id": "a", "used": 1, "unused": 2}]', ".json"))
    assert run.result("a").total == 1


def test_explanation_lines_follow_the_rules():
    policy = compile_text('facts { b: count  a: count }\n'
                          'policy p "t" { item 1 "i" { start 5  deduct 1 per a  deduct 2 per b } }\n')
    lines = policy.score_values("x", {"a": Decimal(1), "b": Decimal(1)}).nodes["1"].lines
    assert [line.source_id for line in lines] == ["1", "1/1", "1/2"]
