"""Chain the compiler's stages: source → AST → IR → lints → scoring graph.

Passes inside a stage collect diagnostics and keep going; the driver stops
at the first stage boundary that leaves errors in the bag.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from assessc import lint
from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl import ast, reading
from assessc.dsl.parser import parse
from assessc.dsl.source import SourceFile, Span
from assessc.graph.bounds import analyse
from assessc.graph.from_ir import build
from assessc.graph.nodes import ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.from_ast import lower_program
from assessc.ir.modules import Program, load_source
from assessc.ir.symbols import collect


@attrs.frozen
class Compiled:
    program: Program
    policy: ir.Policy
    graph: ScoringGraph


def read_source(path: str | Path, bag: DiagnosticBag) -> SourceFile | None:
    """The policy file at ``path``, or None with the reason in ``bag``, placed
    in the file (at the first bad byte of a file that is not UTF-8 text) and
    quoting nothing of it."""
    try:
        return reading.read_source(path)
    except reading.SourceProblem as problem:
        line, column = problem.line or 1, problem.column or 1
        span = Span(SourceFile(reading.shorten(str(path)), "", quote=False), line, column, line, column + 1)
        bag.add(problem.code, span, problem.message, problem.help)
    return None


def parse_only(path: str | Path, bag: DiagnosticBag) -> ast.Module | None:
    source = read_source(path, bag)
    return parse(source, bag) if source is not None else None


def holds_policy(program: Program) -> bool:
    return any(isinstance(decl, ast.PolicyDecl) for decl in program.root.tree.decls)


def lower(path: str | Path, bag: DiagnosticBag, *, module_ok: bool = False) -> tuple[Program, ir.Policy] | None:
    """The program and its policy. With ``module_ok``, a file that declares no policy is a module
    meant to be imported: its imports are loaded and its declarations checked (facts, tables,
    matrices, templates, and clashes between names), and None is returned without an error."""
    source = read_source(path, bag)
    if source is None:
        return None
    program = load_source(source, bag)
    if program is None or bag.has_errors:
        return None
    if module_ok and not holds_policy(program):
        collect(program, bag)
        return None
    policy = lower_program(program, bag)
    if policy is None or bag.has_errors:
        return None
    return program, policy


def compile_file(path: str | Path, bag: DiagnosticBag, *, module_ok: bool = False) -> Compiled | None:
    """Compile a policy file; None (with errors in ``bag``) if it is not valid, or (with
    ``module_ok``, see :func:`lower`) if it is a module without a policy."""
    lowered = lower(path, bag, module_ok=module_ok)
    if lowered is None:
        return None
    program, policy = lowered
    graph = build(policy)
    lint.run(policy, bag, analyse(graph))
    if bag.has_errors:
        return None
    return Compiled(program, policy, graph)
