"""Compile a policy, in process, into a standalone Python scorer.

>>> from assessc.compile import compile
>>> scorer = compile("policies/guangxi_2017.assess")
>>> result = scorer.score({"missing_supporting_docs": 1, ...})   # doctest: +SKIP
>>> result.total                                                   # doctest: +SKIP

``compile`` runs the normal compiler stages (parse, imports, lowering, lints,
scoring graph; errors raise :class:`assessc.api.PolicyError` with the
diagnostics), generates the module with :mod:`assessc.backends.pygen` and
loads it. The module's text is ``scorer.source``; written to a file it runs
anywhere with nothing but the standard library (see ``docs/embedding.md``).
"""

from __future__ import annotations

import builtins
import itertools
import linecache
import types
from pathlib import Path
from typing import Iterable, Mapping

from assessc.api import PolicyError
from assessc.backends.pygen import CompileError, Generated, generate
from assessc.diagnostics import DiagnosticBag
from assessc.driver import Compiled, compile_file

__all__ = ["compile", "Scorer", "CompileError", "PolicyError"]

_COUNTER = itertools.count(1)


class Scorer:
    """A compiled policy as a loaded Python scorer module.

    ``score(facts)``, ``score_rows(rows)`` and ``validate(facts)`` are the module's functions;
    ``source`` is the module's text and ``line_map`` maps its lines to (policy file, line, column),
    each file named relative to the policy's folder.
    """

    def __init__(self, generated: Generated, compiled: Compiled | None = None, warnings=()):
        self.source = generated.source
        self.line_map = dict(generated.line_map)
        self.compiled = compiled
        self.warnings = tuple(warnings)
        self.module = _load(self.source)
        self.FactsError = self.module.FactsError
        self.ScoringError = self.module.ScoringError

    @property
    def name(self) -> str:
        return self.module.POLICY

    def score(self, facts: Mapping[str, object], *, entity: str | None = None):
        return self.module.score(facts, entity=entity)

    def score_rows(self, rows: Iterable[Mapping[str, object]]) -> list:
        return self.module.score_rows(rows)

    def validate(self, facts: Mapping[str, object], *, entity: str | None = None) -> dict:
        return self.module.validate(facts, entity=entity)

    def write(self, path: str | Path) -> None:
        """Write the module to ``path``, whole or not at all."""
        from assessc.reports.output import atomic_write

        atomic_write(path, self.source.encode("utf-8"))

    def __repr__(self) -> str:
        return f"Scorer({self.name!r}, {len(self.source.splitlines())} lines)"


def _load(source: str) -> types.ModuleType:
    number = next(_COUNTER)
    filename = f"<assessc scorer {number}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)  # tracebacks show the code
    module = types.ModuleType(f"assessc_scorer_{number}")
    module.__file__ = filename
    exec(builtins.compile(source, filename, "exec"), module.__dict__)  # this module's `compile` is the policy's
    return module


def compile(policy_source: str | Path, *, path: str | Path | None = None) -> Scorer:  # noqa: A001
    """Compile a policy into a loaded :class:`Scorer`.

    ``policy_source`` is a :class:`~pathlib.Path` to a policy file, a string naming an existing
    ``.assess`` file, or the policy's text; ``path`` names the text's file (for diagnostics, the line
    map and relative imports). Raises :class:`~assessc.api.PolicyError` with the diagnostics if the
    policy does not compile, and :class:`CompileError` for a form the Python backend cannot generate.
    """
    bag = DiagnosticBag()
    if _is_file(policy_source):
        compiled = compile_file(policy_source, bag)
    else:
        compiled = _compile_text(str(policy_source), str(path) if path is not None else "<policy>", bag)
    if compiled is None:
        raise PolicyError(bag.sorted())
    return Scorer(generate(compiled.graph), compiled, bag.sorted())


def _is_file(source: str | Path) -> bool:
    if isinstance(source, Path):
        return True
    return "\n" not in source and source.strip().endswith(".assess") and Path(source.strip()).is_file()


def _compile_text(text: str, path: str, bag: DiagnosticBag) -> Compiled | None:
    """The stages of :func:`assessc.driver.compile_file`, from text instead of a file."""
    from assessc import lint
    from assessc.dsl.source import SourceFile
    from assessc.graph.bounds import analyse
    from assessc.graph.from_ir import build
    from assessc.ir.from_ast import lower_program
    from assessc.ir.modules import load_source

    program = load_source(SourceFile(path, text), bag)
    if program is None or bag.has_errors:
        return None
    policy = lower_program(program, bag)
    if policy is None or bag.has_errors:
        return None
    graph = build(policy)
    lint.run(policy, bag, analyse(graph))
    if bag.has_errors:
        return None
    return Compiled(program, policy, graph)
