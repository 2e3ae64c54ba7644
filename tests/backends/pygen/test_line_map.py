"""LINE_MAP: generated lines point at real policy lines (file, line, column), files named relative
to the policy's folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pygen_support import POLICIES, load_module, load_policy  # isort: skip

from assessc.backends.pygen import generate
from assessc.backends.pygen.text import place_name
from assessc.ir.modules import stdlib_dir

KEYWORDS = {"item": ("item", "bonus", "penalty"), "term": ("add", "deduct", "use"), "veto": ("veto",)}


@pytest.mark.parametrize("name", ["guangxi_2017", "liangshan_2017", "zhonglou_2020"])
def test_every_node_comment_points_at_its_statement(name):
    policy = load_policy(POLICIES / f"{name}.assess")
    generated = generate(policy.graph)
    module = load_module(generated.source)
    assert module.LINE_MAP == generated.line_map
    lines = generated.source.split("\n")
    comments: dict[str, list[int]] = {}
    for number, text in enumerate(lines, start=1):
        text = text.strip()
        if text.startswith("# ") and "  " in text:
            comments.setdefault(text[2:].split("  ", 1)[0], []).append(number)
    files: dict[str, list[str]] = {}
    checked = 0
    for node in policy.graph.order:
        if node.kind not in KEYWORDS or node.span is None:
            continue
        found = comments.get(node.id, [])
        assert found, node.id
        for number in found:
            path, line, column = generated.line_map[number]
            assert (path, line, column) == (place_name(node.span.path, policy.ir.span.path), node.span.line,
                                            node.span.column)
            assert not Path(path).is_absolute()
            file = stdlib_dir() / path.removeprefix("<stdlib>/") if path.startswith("<stdlib>/") else POLICIES / path
            text = files.setdefault(path, file.read_text(encoding="utf-8").split("\n"))
            statement = text[line - 1][column - 1:]
            assert statement.startswith(KEYWORDS[node.kind]), (node.id, statement)
            checked += 1
    assert checked >= len([n for n in policy.graph.order if n.kind in KEYWORDS])


def test_the_line_map_covers_the_scoring_code_and_only_real_places():
    policy = load_policy(POLICIES / "guangxi_2017.assess")
    generated = generate(policy.graph)
    lines = generated.source.split("\n")
    source_lines = Path(policy.ir.span.path).read_text(encoding="utf-8").split("\n")
    for number, (path, line, column) in generated.line_map.items():
        assert path == "guangxi_2017.assess"
        assert 1 <= line <= len(source_lines) and 1 <= column <= len(source_lines[line - 1]) + 1
        assert lines[number - 1].strip(), number  # a real generated line, not a blank one
    fast = lines.index("def _fast(f, entity):") + 1
    end = next(n for n in range(fast, len(lines)) if lines[n].startswith("def _exact"))
    statements = [n for n in range(fast + 1, end) if re.match(r"\s+[tv]\d+ = ", lines[n - 1])]
    assert statements and all(n in generated.line_map for n in statements)


def test_a_policy_given_as_text_maps_to_the_name_it_was_given():
    from assessc.compile import compile

    text = 'facts { n: count }\npolicy p "t" {\n  item 1 "a" max 2 {\n    start 2\n    deduct 0.5 per n\n  }\n}\n'
    scorer = compile(text, path="inline.assess")
    places = set(scorer.line_map.values())
    assert ("inline.assess", 3, 3) in places and ("inline.assess", 5, 5) in places
