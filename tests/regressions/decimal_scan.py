"""Find decimal arithmetic that would run in Python's default context (28 digits).

Every value is computed, compared and printed in the project's exact context
(``assessc.runtime.decimals.CONTEXT``); an operation that reaches the thread's
default context instead rounds to 28 digits without a word. This scan reads
the source of ``compiler/`` and ``dsl/`` (the syntax trees, not the text) and
reports:

* a call of ``quantize``, ``normalize`` or ``scaleb`` that names no context
  (these methods round in the thread's context when given none), and a
  ``decimal.Context()`` made with Python's defaults;
* in a module that never enters a context (no ``localcontext(…)``), an
  arithmetic operator, a negation, ``abs()`` or ``sum()`` applied to a
  Decimal: these round in the default context;
* anywhere, a sort key that negates a Decimal (``key=lambda r: -r.total``),
  which rounds it; sort with ``reverse=True`` instead.

Which expressions are Decimals is inferred from the code's own annotations:
``Decimal(…)`` calls, names bound to one, parameters annotated ``Decimal``,
attributes that some class of the code declares as ``Decimal``, subscripts of
mappings to ``Decimal``, and calls of functions declared ``-> Decimal``.
"""

from __future__ import annotations

import ast
from pathlib import Path
import attrs

#: Decimal methods that round their result in the thread's context when they are given none,
#: with the number of positional arguments that includes the context
CONTEXT_METHODS = {"quantize": 3, "normalize": 1, "scaleb": 2}
#: annotations of numbers that are not Decimals (an attribute some class declares as one is not inferred)
_OTHER_NUMBERS = {"int", "float", "Fraction", "Fr"}
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


@attrs.frozen
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _is_decimal_annotation(node: ast.expr | None) -> bool:
    """``Decimal``, ``Decimal | None`` or ``Optional[Decimal]`` (also as strings)."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(node, ast.Name):
        return node.id == "Decimal"
    if isinstance(node, ast.Attribute):
        return node.attr == "Decimal"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        return any(_is_decimal_annotation(s) for s in sides) and all(
            _is_decimal_annotation(s) or (isinstance(s, ast.Constant) and s.value is None) for s in sides)
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional":
        return _is_decimal_annotation(node.slice)
    return False


def _mapping_of_decimals(node: ast.expr | None) -> bool:
    """``Mapping[K, Decimal]``, ``dict[K, Decimal]``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    return (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2
            and _is_decimal_annotation(node.slice.elts[1]))


@attrs.define
class Vocabulary:
    """What the scanned code declares as Decimal: attributes that some class declares as
    Decimal and none as another kind of number (a Fraction, an int), and module-level functions
    that return one."""

    decimal_fields: set[str] = attrs.Factory(set)
    other_fields: set[str] = attrs.Factory(set)
    functions: set[str] = attrs.Factory(set)

    @property
    def fields(self) -> set[str]:
        return self.decimal_fields - self.other_fields

    def learn(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                        if _is_decimal_annotation(stmt.annotation):
                            self.decimal_fields.add(stmt.target.id)
                        elif _OTHER_NUMBERS & {n.id for n in ast.walk(stmt.annotation) if isinstance(n, ast.Name)}:
                            self.other_fields.add(stmt.target.id)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _is_decimal_annotation(node.returns):
                self.functions.add(node.name)


class _Scope:
    def __init__(self, vocabulary: Vocabulary, names: set[str], mappings: set[str]):
        self.vocabulary = vocabulary
        self.names = set(names)
        self.mappings = set(mappings)

    def is_decimal(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                return func.attr == "Decimal"  # decimal.Decimal(…); a method's result type is not known
            return isinstance(func, ast.Name) and (func.id == "Decimal" or func.id in self.vocabulary.functions)
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Attribute):
            return node.attr in self.vocabulary.fields
        if isinstance(node, ast.Subscript):
            return isinstance(node.value, ast.Name) and node.value.id in self.mappings
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC):
            return self.is_decimal(node.left) or self.is_decimal(node.right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return self.is_decimal(node.operand)
        return False


def _enters_context(tree: ast.Module) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name == "localcontext":
                return True
    return False


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, vocabulary: Vocabulary, guarded: bool):
        self.path = path
        self.vocabulary = vocabulary
        self.guarded = guarded  # the module enters a context: its arithmetic is trusted to run in it
        self.found: list[Finding] = []
        self.scopes: list[_Scope] = [_Scope(vocabulary, set(), set())]

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    def report(self, node: ast.AST, what: str) -> None:
        self.found.append(Finding(self.path, node.lineno, what))

    # -- scopes and what they bind --
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        names, mappings = set(self.scope.names), set(self.scope.mappings)
        arguments = node.args
        for arg in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            names.discard(arg.arg)
            if _is_decimal_annotation(arg.annotation):
                names.add(arg.arg)
            if _mapping_of_decimals(arg.annotation):
                mappings.add(arg.arg)
        for default in [*arguments.defaults, *arguments.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.scopes.append(_Scope(self.vocabulary, names, mappings))
        for stmt in node.body:
            self.visit(stmt)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        decimal = self.scope.is_decimal(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                (self.scope.names.add if decimal else self.scope.names.discard)(target.id)
            self.visit(target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self.visit(node.value)
        if isinstance(node.target, ast.Name):
            if _is_decimal_annotation(node.annotation):
                self.scope.names.add(node.target.id)
            if _mapping_of_decimals(node.annotation):
                self.scope.mappings.add(node.target.id)

    # -- what is reported --
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in CONTEXT_METHODS:
            given = len(node.args) >= CONTEXT_METHODS[func.attr] or any(k.arg == "context" for k in node.keywords)
            # unicodedata.normalize(form, text) is no Decimal method: it takes two arguments
            if not given and not (func.attr == "normalize" and len(node.args) == 2):
                self.report(node, f"`{func.attr}()` without a context rounds in the default one")
        if isinstance(func, ast.Attribute) and func.attr == "Context" and not node.args and not node.keywords:
            self.report(node, "`decimal.Context()` with Python's defaults (28 digits)")
        if isinstance(func, ast.Name) and not self.guarded:
            if func.id == "abs" and node.args and self.scope.is_decimal(node.args[0]):
                self.report(node, "`abs()` of a Decimal outside the exact context")
            if func.id == "sum" and self._sums_decimals(node):
                self.report(node, "`sum()` of Decimals outside the exact context")
        for keyword in node.keywords:
            if keyword.arg == "key" and isinstance(keyword.value, ast.Lambda):
                for inner in ast.walk(keyword.value.body):
                    if isinstance(inner, ast.UnaryOp) and isinstance(inner.op, ast.USub) \
                            and self.scope.is_decimal(inner.operand):
                        self.report(inner, "a sort key negates a Decimal (sort with reverse=True)")
        self.generic_visit(node)

    def _sums_decimals(self, node: ast.Call) -> bool:
        if len(node.args) > 1 and self.scope.is_decimal(node.args[1]):
            return True
        first = node.args[0] if node.args else None
        return isinstance(first, (ast.GeneratorExp, ast.ListComp)) and self.scope.is_decimal(first.elt)

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if not self.guarded and isinstance(node.op, ARITHMETIC) \
                and (self.scope.is_decimal(node.left) or self.scope.is_decimal(node.right)):
            if not (isinstance(node.op, ast.Mod) and isinstance(node.left, (ast.Constant, ast.JoinedStr))):
                self.report(node, "Decimal arithmetic outside the exact context")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        target_decimal = isinstance(node.target, ast.Name) and node.target.id in self.scope.names
        if not self.guarded and isinstance(node.op, ARITHMETIC) and (target_decimal or self.scope.is_decimal(node.value)):
            self.report(node, "Decimal arithmetic outside the exact context")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if not self.guarded and isinstance(node.op, (ast.USub, ast.UAdd)) and self.scope.is_decimal(node.operand):
            self.report(node, "a Decimal negated outside the exact context")
        self.generic_visit(node)


def python_files(root: Path, folders=("compiler", "dsl")) -> list[Path]:
    return sorted(p for folder in folders for p in (root / folder).rglob("*.py"))


def scan(root: Path, files: list[Path] | None = None) -> list[Finding]:
    files = python_files(root) if files is None else files
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), filename=str(path)) for path in files}
    vocabulary = Vocabulary()
    for tree in trees.values():
        vocabulary.learn(tree)
    found: dict[tuple[str, int], Finding] = {}  # one finding a line: an expression's parts repeat it
    for path, tree in trees.items():
        scanner = _Scanner(str(path.relative_to(root)), vocabulary, _enters_context(tree))
        scanner.visit(tree)
        for finding in scanner.found:
            found.setdefault((finding.path, finding.line), finding)
    return list(found.values())


def scan_source(source: str, vocabulary_source: str = "") -> list[Finding]:
    """The findings of one module's text (for testing the scan itself)."""
    tree = ast.parse(source)
    vocabulary = Vocabulary()
    vocabulary.learn(tree)
    if vocabulary_source:
        vocabulary.learn(ast.parse(vocabulary_source))
    scanner = _Scanner("<source>", vocabulary, _enters_context(tree))
    scanner.visit(tree)
    return scanner.found
