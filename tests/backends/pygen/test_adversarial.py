"""Policy text never becomes code: titles, ids, labels, reasons and rule texts reach the generated
module only as ``repr()`` string constants or sanitised comments, and identifiers are numbered.

Adversarial policies (quotes, backslashes, line breaks, triple quotes, SQL, bidi overrides, line and
paragraph separators, ``__import__('os').system(…)``) compile to a module that loads, scores exactly
as the interpreter, and never runs the payload: a marker file that the payload would create is
never created.
"""

from __future__ import annotations

import ast as python_ast
import types
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from pygen_support import applicable_values, differences, load_module, load_policy  # isort: skip
from fact_strategies import entity_values  # isort: skip

from assessc.backends.pygen import generate
from assessc.backends.pygen.text import comment
from assessc.dsl.source import DIRECTION_CONTROLS
from assessc.graph.from_ir import build

REFUSED = "\0" + DIRECTION_CONTROLS
RAW = ["\u2028", "\u2029", "\u202e", "\u2066", "\x0c", "\x0b", "\x85", "\x00", "\x1b[2J"]


def payloads(marker, in_file: bool = True) -> list[str]:
    """Payloads for strings; a policy file cannot hold a raw carriage return (files are read with
    universal newlines), NUL or a text direction control (the parser refuses them: E0105, E0106),
    the IR can."""
    m = str(marker).replace("\\", "/")
    texts = [
        "'); DROP TABLE x; --",
        '"""',
        "'''",
        "\\",
        "\\\\'",
        f"__import__('os').system('touch {m}')",
        f"\"\"\" + __import__('os').system('touch {m}') + \"\"\"",
        f"'; open('{m}', 'w').write('x'); '",
        f"\n__import__('os').system('touch {m}')\n",
        f"# {{open('{m}', 'w')}}",
        f"\u202e)'{m}'(nepo\u202c",
        f"a\u2028__import__('os').system('touch {m}')",
        ("\\r" if in_file else "\r") + f"open('{m}','w')",
        f"{{__import__('os').system('touch {m}')}}",
        "\\n\\t\\\"",
    ] + RAW + ([] if in_file else ["\r", "a\r\nb"])
    if in_file:
        texts = [t for t in texts if not any(ch in REFUSED for ch in t)]
    return texts


def assess_string(text: str) -> str:
    """``text`` as an assess string literal (the language escapes only \\, \" and line feeds)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def adversarial_policy(marker) -> str:
    p = [assess_string(t) for t in payloads(marker)]
    k = len(p)
    return f"""
facts {{
  x: count 0..9 {p[0]}
  f: decimal 0..10 {p[1 % k]}
  v: bool {p[2 % k]}
  L: enum {{ a {p[3 % k]} also {p[4 % k]}, b {p[5 % k]} }} {p[6 % k]}
  __import__: evidence {{ e1 {p[7 % k]}, e2 {p[8 % k]} }} {p[9 % k]}
  _C: ledger {{
    matter: text {p[10 % k]}
    kind: enum {{ k1 {p[11 % k]}, k2 {p[12 % k]} }}
  }}
  Decimal: percent {p[13 % k]}
}}

policy exec {p[14 % k]} {{
  entity entity {p[15 % k]}
  max 20
  round each 2 places half_up
  lead {p[16 % k]}, {p[17 % k]}
  veto {p[18 % k]} if v and x > 8
  veto {p[19 % k]} if L == b and Decimal < 10%
  item __import__ {p[20 % k]} max 10 {{
    text {p[21 % k]}
    note {p[22 % k]}
    basis {p[23 % k]}
    evidence {p[24 % k]}
    responsible {p[0]}
    start 5
    deduct 0.5 per x
    deduct 0.5 per missing __import__
    add lookup L {{ a: 1  b: 2 }}
    zero if not v and x == 9
    requires __import__
    requires x < 3 {p[1]}
    item system {p[2]} max 2 {{
      add f / 5
      until zero
    }}
  }}
  item 2 {p[3]} max 10 {{
    lead {p[4]}
    add _C by kind {{ k1: 1  k2: 0.5 }} highest per matter
    add 2 * Decimal
  }}
  bonus None {p[5]} max 2 {{
    add 0.5 if L in {{ a }}
  }}
  penalty True {p[6]} max 1 {{
    deduct 0.25 per x
  }}
}}
"""


@pytest.fixture
def adversarial(tmp_path):
    marker = tmp_path / "MARKER"
    path = tmp_path / "adversarial.assess"
    path.write_text(adversarial_policy(marker), encoding="utf-8")
    policy = load_policy(path)
    source = generate(policy.graph).source
    return policy, source, marker


def test_the_module_is_valid_python_and_runs_no_payload(adversarial):
    policy, source, marker = adversarial
    python_ast.parse(source)
    module = load_module(source)
    assert not marker.exists()
    facts = {"x": "2", "f": "3.5", "v": "是", "L": "a", "__import__": "e1", "Decimal": "50%",
             "_C": [{"matter": "'); DROP TABLE x; --", "kind": "k1"}, {"matter": '"""', "kind": "k2"}]}
    result = module.score(facts, entity="'); DROP TABLE x; --")
    result.explain()
    result.explain_text()
    with pytest.raises(module.FactsError) as error:
        module.score({**facts, "L": "__import__('os').system('x')", "x": "\u202e9"})
    str(error.value)
    assert not marker.exists()
    texts = payloads(marker)
    assert module.TITLE == texts[14 % len(texts)]
    assert module.LABELS["__import__"] == texts[20 % len(texts)]


def test_every_policy_string_is_a_constant_and_no_comment_line_breaks(adversarial):
    policy, source, marker = adversarial
    tree = python_ast.parse(source)
    calls = {node.func.id for node in python_ast.walk(tree)
             if isinstance(node, python_ast.Call) and isinstance(node.func, python_ast.Name)}
    assert "__import__" not in calls and "exec" not in calls and "eval" not in calls and "open" not in calls
    names = {node.id for node in python_ast.walk(tree) if isinstance(node, python_ast.Name)}
    assert not {"system", "DROP"} & names
    for line in source.split("\n"):
        for ch in ("\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85", "\x00", "\u202e", "\u2066"):
            assert ch not in line
    assert source.splitlines() == source.split("\n")[:-1]  # no line break Python or an editor would see


def test_it_scores_exactly_as_the_interpreter(adversarial):
    policy, source, marker = adversarial
    module = load_module(source)

    @settings(max_examples=40, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(entity_values(policy.ir.facts))
    def check(values):
        assert differences(policy, module, "'); DROP TABLE x; --", applicable_values(policy, values)) == []

    check()
    assert not marker.exists()


def test_ids_titles_and_texts_that_the_parser_cannot_produce_are_safe_too(adversarial, tmp_path):
    """Rename every item and rewrite every text in the IR with payloads (ids included), rebuild the
    graph, and compare with the interpreter on the same graph."""
    policy, _, marker = adversarial
    texts = payloads(marker, in_file=False)
    counter = iter(range(10**6))

    def evil(node):
        k = next(counter)
        terms = tuple(attrs.evolve(t, text=texts[(k + j) % len(texts)]) for j, t in enumerate(node.terms))
        zero_if = tuple(attrs.evolve(z, text=texts[(k + 3) % len(texts)]) for z in node.zero_if)
        return attrs.evolve(node, id=f"{texts[k % len(texts)]}#{k}", title=texts[(k + 1) % len(texts)],
                            terms=terms, zero_if=zero_if, children=tuple(evil(c) for c in node.children))

    ir_policy = attrs.evolve(policy.ir, title=texts[5], items=tuple(evil(n) for n in policy.ir.items),
                             bonuses=tuple(evil(n) for n in policy.ir.bonuses),
                             penalties=tuple(evil(n) for n in policy.ir.penalties),
                             vetoes=tuple(attrs.evolve(v, reason=texts[6 + k]) for k, v in enumerate(policy.ir.vetoes)))
    graph = build(ir_policy)
    source = generate(graph).source
    module = load_module(source)
    evolved = types.SimpleNamespace(graph=graph, ir=ir_policy)
    facts = {"x": Decimal(2), "f": Decimal("3.5"), "v": True, "L": "b", "__import__": frozenset({"e2"}),
             "Decimal": Decimal("0.05"), "_C": ({"matter": "m", "kind": "k2"},)}
    assert differences(evolved, module, "e", facts) == []
    assert set(module.NODES) == {n.id for n in graph.order if n.kind == "item"} | {"total"}
    assert not marker.exists()


def test_comments_are_one_printable_line():
    assert comment("a\nb\rc\u2028d\u2029e\u202ef\u2066g\x00h\x0ci") == "a b c d e f g h i"
    assert comment("x" * 500).endswith("…") and len(comment("x" * 500)) == 100
    assert comment(None) == ""
