"""The formatter on generated policies with comments in random places, the
way black proves itself: the formatted text parses to the same tree, keeps
the same comments in the same order, and formatting it again changes
nothing. ``test_generated_policies.py`` runs the same check on many more
examples (``pytest -m slow``)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from assessc.diagnostics import DiagnosticBag
from assessc.dsl.fmt import format_source
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile
from assessc.dsl.trivia import Trivia
from policy_strategies import CommentedPolicy, commented_policies


def comments(text: str) -> list[str]:
    return [c.rstrip() for c in Trivia(text).comments]


def check_formatting(case: CommentedPolicy) -> None:
    """Equivalent, comment-preserving and stable."""
    formatted = format_source(case.text)
    tree = parse(SourceFile("formatted.assess", formatted), DiagnosticBag())
    assert tree == case.module, formatted
    assert comments(formatted) == comments(case.text), formatted
    assert format_source(formatted) == formatted
    assert all(line == line.rstrip() for line in formatted.splitlines())


def formatting_property(examples: int):
    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(commented_policies())
    def check(case):
        check_formatting(case)

    return check


def test_formatting_generated_policies_with_comments_keeps_tree_and_comments_and_is_stable():
    formatting_property(25)()
