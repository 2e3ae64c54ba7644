"""Resolve and type-check expressions.

``resolve(expr, scope, want)`` turns an AST expression into a typed IR
expression. Names are looked up first among template parameters, then among
facts. A bare name next to an enum-valued operand (``grade == 合格``,
``grade in {优秀, 先进}``) is read as a member of that enum. Errors are
reported to the bag and resolution continues with an error placeholder, so one
bad name does not hide the next.

Types: numbers (counts, decimals, percents as fractions, ranks, amounts),
bools, dates, text and enum members. Arithmetic takes numbers; ``<``/``<=``/
``>``/``>=`` take two numbers or two dates; ``==``/``!=`` take two values of
one type; ``and``/``or``/``not`` take bools.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Mapping

import attrs

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl import ast, limits
from assessc.ir import nodes as ir
from assessc.ir.calendar import check_literal_years
from assessc.ir.symbols import Symbols, resolve_table
from assessc.ir.types import ExprType, FactDecl, Kind
from assessc.runtime.workdays import LIBRARY, Calendar

T = ExprType

_FACT_TYPES = {
    Kind.COUNT: T.NUMBER, Kind.DECIMAL: T.NUMBER, Kind.PERCENT: T.NUMBER, Kind.RANK: T.NUMBER,
    Kind.AMOUNT: T.NUMBER, Kind.BOOL: T.BOOL, Kind.DATE: T.DATE, Kind.TEXT: T.TEXT, Kind.ENUM: T.ENUM,
}

#: function -> (argument types, or None for "two or more numbers")
_FUNCTIONS = {"min": None, "max": None, "workdays": (T.DATE, T.DATE), "place": (), "last_place": (),
              "period": ()}
_AFTER_RANKING = ("place", "last_place")
_SCORE_READS = ("total", "score", "grade")  # in outcome conditions: assessc.ir.grades


class _Nesting:
    """How deep the expression being resolved is, shared by a lowering's scopes."""

    def __init__(self) -> None:
        self.level = 0
        self.reported = False


@attrs.frozen
class Scope:
    """Where names are looked up. ``params`` binds a template's parameters to
    the argument expressions of one ``use``, each with the scope of the
    caller, so arguments are resolved where they were written."""

    symbols: Symbols
    bag: DiagnosticBag
    params: Mapping[str, tuple[ast.Expr, "Scope"]] = attrs.field(factory=dict)
    #: inside `outcomes`, where place() and last_place() are known
    after_ranking: bool = False
    #: in an outcome condition: the items and grades total(), score() and grade() may read
    scored: object = None  # assessc.ir.grades.ScoredNames
    #: the fields of the ledger entry a `where (…)` filters
    fields: Mapping[str, FactDecl] = attrs.field(factory=dict)
    #: the period a `per` item is being scored for
    period: str | None = None
    #: the working-day calendar `workdays` counts on
    calendar: Calendar = LIBRARY
    #: the parser limits how deep an expression is written; a template's argument put in
    #: place of its parameter nests deeper, so resolving counts the levels too
    nesting: _Nesting = attrs.field(factory=_Nesting, eq=False, repr=False)

    def knows(self, name: str) -> bool:
        return name in self.params or name in self.fields or name in self.symbols.facts

def _error(span, type: ExprType = T.NUMBER) -> ir.Invalid:
    return ir.Invalid(type, span)


def resolve(node: ast.Expr, scope: Scope, want: ExprType | None = None) -> ir.Expr:
    result = _resolve(node, scope)
    if want is not None and result.type is not want and not _is_error(result):
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"expected a {want.value}, found a {_describe(result)}",
                      _hint(result, want))
        return _error(node.span, want)
    return result


def _is_error(expr: ir.Expr) -> bool:
    return isinstance(expr, ir.Invalid)


def _describe(expr: ir.Expr) -> str:
    if isinstance(expr, ir.FactRef):
        return f"{expr.type.value} (fact `{expr.fact.name}` is a {expr.fact.type.kind.value})"
    return expr.type.value


def _hint(expr: ir.Expr, want: ExprType) -> str | None:
    if want is T.BOOL and expr.type is T.NUMBER:
        return "compare it to make a condition, e.g. `rate >= 95%`"
    if want is T.NUMBER and expr.type is T.BOOL:
        return "to score a condition write `add 1 if CONDITION`"
    return None


def lookup_fact(name: ast.Name, scope: Scope, kinds: tuple[Kind, ...] = ()) -> FactDecl | None:
    if name.name in scope.params:  # a template parameter naming a fact: `missing evidence`
        argument, outer = scope.params[name.name]
        if not isinstance(argument, ast.Name):
            scope.bag.add(codes.TYPE_MISMATCH, argument.span, "this argument must name a fact",
                          f"it is used as `{name.name}` where a fact name is needed")
            return None
        return lookup_fact(argument, outer, kinds)
    fact = scope.symbols.facts.get(name.name)
    if fact is None:
        _undefined(name, scope, scope.symbols.facts)
        return None
    if kinds and fact.type.kind not in kinds:
        wanted = " or ".join(k.value for k in kinds)
        scope.bag.add(codes.TYPE_MISMATCH, name.span,
                      f"fact `{name.name}` is a {fact.type.kind.value}, but a {wanted} fact is needed here")
        return None
    return fact


def _undefined(name: ast.Name, scope: Scope, candidates) -> None:
    other = scope.symbols.kind_of(name.name)
    if other is not None:
        scope.bag.add(codes.KIND_MISMATCH, name.span, f"`{name.name}` is a {other}, not a fact")
        return
    pool = list(candidates) + list(scope.params)
    scope.bag.add(codes.UNDEFINED_NAME, name.span, f"undefined name `{name.name}`", scope.symbols.suggest(name.name, pool))


def _resolve(node: ast.Expr, scope: Scope) -> ir.Expr:
    nesting = scope.nesting
    if nesting.level > limits.MAX_EXPRESSION_DEPTH:
        if not nesting.reported:  # once: the levels below would each say it again
            nesting.reported = True
            scope.bag.add(codes.TOO_DEEP, node.span,
                          f"with the templates' arguments in place, this expression nests deeper than "
                          f"{limits.MAX_EXPRESSION_DEPTH} levels",
                          "pass a simpler argument, or split the template's rules")
        return _error(node.span)
    nesting.level += 1
    try:
        return _resolve_node(node, scope)
    finally:
        nesting.level -= 1


def _resolve_node(node: ast.Expr, scope: Scope) -> ir.Expr:
    if isinstance(node, ast.Number):
        return ir.Const(node.value, T.NUMBER, node.span)
    if isinstance(node, ast.BoolLit):
        return ir.Const(node.value, T.BOOL, node.span)
    if isinstance(node, ast.DateLit):
        return ir.Const(node.value, T.DATE, node.span)
    if isinstance(node, ast.StringLit):
        return ir.Const(node.value, T.TEXT, node.span)
    if isinstance(node, ast.Name):
        return _name(node, scope)
    if isinstance(node, ast.Missing):
        fact = lookup_fact(node.fact, scope, (Kind.EVIDENCE,))
        return ir.MissingCount(fact, span=node.span) if fact else _error(node.span)
    if isinstance(node, ast.CountEntries):
        fact = lookup_fact(node.fact, scope, (Kind.LEDGER, Kind.EVIDENCE))
        if fact is None:
            return _error(node.span)
        return ir.EntryCount(fact, entry_filter(node.where, fact, node.fact.span, scope), span=node.span)
    if isinstance(node, ast.Unary):
        want = T.BOOL if node.op == "not" else T.NUMBER
        operand = resolve(node.operand, scope, want)
        return ir.Unary(node.op, operand, want, node.span)
    if isinstance(node, ast.InSet):
        return _in_set(node, scope)
    if isinstance(node, ast.LedgerSumExpr):
        from assessc.ir.ledgers import ledger_sum

        body = ledger_sum(node.term, scope)
        return ir.LedgerValue(body, span=node.span) if isinstance(body, ir.LedgerSum) else _error(node.span)
    if isinstance(node, ast.LookupExpr):
        key = _resolve(node.key, scope)
        return ir.LookupValue(key, table_for(node.table, key, node.key.span, scope), span=node.span)
    if isinstance(node, ast.Call):
        return _call(node, scope)
    if isinstance(node, ast.Binary):
        return _binary(node, scope)
    raise TypeError(f"unknown expression {node!r}")  # pragma: no cover


def entry_filter(where: ast.Expr | None, ledger: FactDecl, span, scope: Scope) -> ir.Expr | None:
    """A `where (…)` condition, resolved with the ledger's fields in scope."""
    if where is None:
        return None
    if ledger.type.kind is not Kind.LEDGER:
        scope.bag.add(codes.TYPE_MISMATCH, span, f"`where` filters ledger entries; `{ledger.name}` is not a ledger")
        return None
    inner = attrs.evolve(scope, fields={f.name: f for f in ledger.type.fields})
    return resolve(where, inner, T.BOOL)


def _name(node: ast.Name, scope: Scope) -> ir.Expr:
    if node.name in scope.fields:
        field = scope.fields[node.name]
        if field.type.kind not in _FACT_TYPES:
            scope.bag.add(codes.TYPE_MISMATCH, node.span, f"field `{node.name}` cannot be used as a value")
            return _error(node.span)
        return ir.FieldRef(field, _FACT_TYPES[field.type.kind], node.span)
    if node.name in scope.params:
        argument, outer = scope.params[node.name]
        return _resolve(argument, outer)
    fact = scope.symbols.facts.get(node.name)
    if fact is None:
        _undefined(node, scope, scope.symbols.facts)
        return _error(node.span)
    kind = fact.type.kind
    if kind is Kind.EVIDENCE:
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"fact `{node.name}` is an evidence list, not a value",
                      f"use `missing {node.name}` for the number of items not submitted")
        return _error(node.span)
    if kind is Kind.LEDGER:
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"fact `{node.name}` is a ledger, not a value",
                      f"use `count {node.name}` or `{node.name} by FIELD {{ … }}`")
        return _error(node.span)
    return ir.FactRef(fact, _FACT_TYPES[kind], node.span)


def _member(name: ast.Name, enum_side: ir.Expr, scope: Scope) -> ir.Expr:
    grades = _grade_names(enum_side, scope)
    if grades is not None:
        if name.name not in grades:
            scope.bag.add(codes.UNKNOWN_MEMBER, name.span, f"`{name.name}` is not a grade",
                          scope.symbols.suggest(name.name, grades) or "the grades are: " + ", ".join(grades))
        return ir.Const(name.name, T.ENUM, name.span)
    if not isinstance(enum_side, (ir.FactRef, ir.FieldRef)):  # e.g. period(): no member list to check
        return ir.Const(name.name, T.ENUM, name.span)
    fact = enum_side.fact
    if name.name not in fact.type.member_names:
        scope.bag.add(codes.UNKNOWN_MEMBER, name.span, f"`{name.name}` is not a value of fact `{fact.name}`",
                      scope.symbols.suggest(name.name, fact.type.member_names)
                      or "allowed: " + ", ".join(fact.type.member_names))
    return ir.Const(name.name, T.ENUM, name.span)


def _grade_names(expr: ir.Expr, scope: Scope):
    from assessc.ir.grades import grade_names

    return grade_names(expr, scope.scored)


def _in_set(node: ast.InSet, scope: Scope) -> ir.Expr:
    value = _resolve(node.value, scope)
    is_grade = _grade_names(value, scope) is not None
    if value.type is not T.ENUM or not (is_grade or isinstance(value, (ir.FactRef, ir.FieldRef))):
        if not _is_error(value):
            scope.bag.add(codes.TYPE_MISMATCH, node.value.span, f"`in {{…}}` needs an enum fact, found a {_describe(value)}")
        return _error(node.span, T.BOOL)
    for member in node.members:
        _member(member, value, scope)
    return ir.InSet(value, tuple(m.name for m in node.members), span=node.span)


def _call(node: ast.Call, scope: Scope) -> ir.Expr:
    name = node.func.name
    if name in _SCORE_READS:
        from assessc.ir.grades import resolve_read

        return resolve_read(node, scope.scored, scope.bag)
    if name not in _FUNCTIONS:
        scope.bag.add(codes.UNDEFINED_NAME, node.func.span, f"unknown function `{name}`",
                      "the functions are: " + ", ".join(sorted((*_FUNCTIONS, *_SCORE_READS))))
        return _error(node.span)
    signature = _FUNCTIONS[name]
    if name in _AFTER_RANKING and not scope.after_ranking:
        scope.bag.add(codes.MISPLACED, node.span, f"`{name}()` is known only after ranking",
                      "use it in a `flag` inside `outcomes`")
        return _error(node.span)
    if name == "period":
        if scope.period is None:
            scope.bag.add(codes.MISPLACED, node.span, "`period()` is known only inside an item written `per PERIODS`")
            return _error(node.span)
        return ir.Const(scope.period, T.ENUM, node.span)
    if signature is None:
        if len(node.args) < 2:
            scope.bag.add(codes.TYPE_MISMATCH, node.span, f"`{name}` takes two or more numbers")
            return _error(node.span)
        signature = (T.NUMBER,) * len(node.args)
    if len(node.args) != len(signature):
        wanted = ", ".join(t.value for t in signature)
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"`{name}` takes {len(signature)} arguments ({wanted})")
        return _error(node.span)
    args = tuple(resolve(a, scope, want) for a, want in zip(node.args, signature))
    if name != "workdays":
        return ir.Call(name, args, span=node.span)
    call = ir.Call(name, args, calendar=scope.calendar, span=node.span)
    check_literal_years(call, scope.bag)
    return call


def _binary(node: ast.Binary, scope: Scope) -> ir.Expr:
    op = node.op
    if op in ("and", "or"):
        return ir.Binary(op, resolve(node.left, scope, T.BOOL), resolve(node.right, scope, T.BOOL), T.BOOL, node.span)
    if op in ("+", "-", "*", "/"):
        return ir.Binary(op, resolve(node.left, scope, T.NUMBER), resolve(node.right, scope, T.NUMBER), T.NUMBER, node.span)
    # comparisons: an enum on one side makes a bare name on the other a member
    left_is_name = isinstance(node.left, ast.Name) and not scope.knows(node.left.name)
    right_is_name = isinstance(node.right, ast.Name) and not scope.knows(node.right.name)
    left = None if left_is_name else _resolve(node.left, scope)
    right = None if right_is_name else _resolve(node.right, scope)
    if left is not None and left.type is T.ENUM and right is None:
        right = _member(node.right, left, scope)
    elif right is not None and right.type is T.ENUM and left is None:
        left = _member(node.left, right, scope)
    left = left if left is not None else _resolve(node.left, scope)
    right = right if right is not None else _resolve(node.right, scope)
    if _is_error(left) or _is_error(right):
        return _error(node.span, T.BOOL)
    for enum_side, other in ((left, right), (right, left)) if not (left_is_name or right_is_name) else ():
        if (isinstance(enum_side, (ir.FactRef, ir.FieldRef)) and enum_side.type is T.ENUM
                and isinstance(other, ir.Const) and other.type is T.ENUM
                and other.value not in enum_side.fact.type.member_names):
            scope.bag.add(codes.UNKNOWN_MEMBER, node.span,
                          f"`{other.value}` is not a value of `{enum_side.fact.name}`, so this never holds",
                          "allowed: " + ", ".join(enum_side.fact.type.member_names))
    if left.type is not right.type:
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"cannot compare a {_describe(left)} with a {_describe(right)}")
    elif op in ("<", "<=", ">", ">=") and left.type not in (T.NUMBER, T.DATE):
        scope.bag.add(codes.TYPE_MISMATCH, node.span, f"`{op}` orders numbers and dates, not a {left.type.value}")
    return ir.Binary(op, left, right, T.BOOL, node.span)


def table_for(ref: ast.TableRef, key: ir.Expr, key_span, scope: Scope) -> ir.Table:
    """The table ``ref`` names or holds, checked against the looked-up value's type."""
    if ref.body is not None:
        table = resolve_table(ref.body, None, scope.bag)
    else:
        table = scope.symbols.tables.get(ref.name.name)
        if table is None:
            scope.bag.add(codes.UNDEFINED_NAME, ref.name.span, f"undefined table `{ref.name.name}`",
                          scope.symbols.suggest(ref.name.name, scope.symbols.tables))
            return ir.Table(None, (), None, ref.span)
    if isinstance(key, ir.Invalid):
        return table
    members = None
    if key.type is T.ENUM and isinstance(key, (ir.FactRef, ir.FieldRef)):
        members = key.fact.type.member_names
    elif key.type is not T.NUMBER:
        scope.bag.add(codes.BAD_TABLE, key_span, f"a table looks up a number or an enum, not a {key.type.value}")
        return table
    _check_rows(table, members, ref.span, scope)
    return table


def _check_rows(table: ir.Table, members, span, scope: Scope) -> None:
    for row in table.rows:
        if members is None and row.member is not None:
            scope.bag.add(codes.BAD_TABLE, row.span or span, f"`{row.member}` is a name, but the value looked up is a number",
                          "write bands over the number, e.g. `1..4: 2`")
        elif members is not None and row.member is None:
            scope.bag.add(codes.BAD_TABLE, row.span or span, "a numeric band, but the value looked up is an enum",
                          "allowed keys: " + ", ".join(members))
        elif members is not None and row.member not in members:
            scope.bag.add(codes.UNKNOWN_MEMBER, row.span or span, f"`{row.member}` is not a value of the enum looked up",
                          scope.symbols.suggest(row.member, members) or "allowed: " + ", ".join(members))
