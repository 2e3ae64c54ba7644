"""The global namespace of a program: facts, tables and templates.

Every declaration of every loaded module is entered once; a second
declaration of a name (from any module) is a clash, reported at the second
declaration with a note pointing at the first. Fact types and tables are
resolved here, because they depend on nothing but literals.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import attrs

from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.dsl import ast
from assessc.ir import nodes as ir
from assessc.ir.modules import Program
from assessc.ir.types import FactDecl, FactType, Kind, Member
from assessc.runtime.decimals import CONTEXT, show

_KINDS = {k.value: k for k in Kind}


@attrs.define
class Symbols:
    facts: dict[str, FactDecl] = attrs.Factory(dict)
    tables: dict[str, ir.Table] = attrs.Factory(dict)
    matrices: dict[str, ir.Matrix] = attrs.Factory(dict)
    templates: dict[str, ast.TemplateDecl] = attrs.Factory(dict)
    spans: dict[str, object] = attrs.Factory(dict)

    def kind_of(self, name: str) -> str | None:
        if name in self.facts:
            return "fact"
        if name in self.tables:
            return "table"
        if name in self.matrices:
            return "matrix"
        if name in self.templates:
            return "template"
        return None

    def suggest(self, name: str, candidates) -> str | None:
        import difflib  # only when a name is unknown

        match = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
        return f"did you mean `{match[0]}`?" if match else None


def collect(program: Program, bag: DiagnosticBag) -> Symbols:
    symbols = Symbols()
    for module in program.modules:
        for decl in module.tree.decls:
            if isinstance(decl, ast.FactsDecl):
                for field in decl.fields:
                    if _claim(symbols, field.name, field.span, bag):
                        symbols.facts[field.name] = resolve_fact(field, bag)
            elif isinstance(decl, ast.TableDecl):
                if _claim(symbols, decl.name, decl.span, bag):
                    symbols.tables[decl.name] = resolve_table(decl.body, decl.name, bag)
            elif isinstance(decl, ast.MatrixDecl):
                if _claim(symbols, decl.name, decl.span, bag):
                    symbols.matrices[decl.name] = resolve_matrix(decl, bag)
            elif isinstance(decl, ast.TemplateDecl):
                if _claim(symbols, decl.name, decl.span, bag):
                    symbols.templates[decl.name] = decl
    return symbols


def _claim(symbols: Symbols, name: str, span, bag: DiagnosticBag) -> bool:
    if name in symbols.spans:
        first = symbols.spans[name]
        bag.add(codes.DUPLICATE_NAME, span, f"`{name}` is already declared",
                "rename one of them; all imported modules share one namespace",
                [Note(first, f"first declared here as a {symbols.kind_of(name)}")])
        return False
    symbols.spans[name] = span
    return True


# ---- facts ------------------------------------------------------------------


def resolve_fact(field: ast.FactField, bag: DiagnosticBag) -> FactDecl:
    ftype = resolve_type(field.type, bag)
    default = None
    if field.default is not None:
        default = _default_value(field, ftype, bag)
    return FactDecl(field.name, ftype, field.label, default, field.span)


def resolve_type(node: ast.FactType, bag: DiagnosticBag) -> FactType:
    kind = _KINDS[node.kind]
    low = high = None
    if node.range is not None:
        low, high = node.range.low.value, node.range.high.value
        if low > high:
            bag.add(codes.BAD_RANGE, node.range.span, f"range low end {low} is above its high end {high}")
        if kind is Kind.PERCENT and not (node.range.low.is_percent and node.range.high.is_percent):
            bag.add(codes.BAD_RANGE, node.range.span, "a percent range must be written with `%` on both ends",
                    "write e.g. `percent 0%..100%`")
        if kind in (Kind.COUNT, Kind.RANK) and (low != low.to_integral_value() or high != high.to_integral_value()):
            bag.add(codes.BAD_RANGE, node.range.span, f"a {kind.value} range must have whole-number ends")
    if kind is Kind.COUNT and low is None:
        low = Decimal(0)
    if kind is Kind.RANK and low is None:
        low = Decimal(1)
    if kind is Kind.PERCENT and node.range is None:
        low, high = Decimal(0), Decimal(1)
    members = resolve_members(node.members, bag)
    if kind in (Kind.ENUM, Kind.EVIDENCE) and not members:
        bag.add(codes.BAD_RANGE, node.span, f"an {kind.value} needs at least one member")
    fields = []
    for field in node.fields:
        if field.type.kind == "ledger":
            bag.add(codes.TYPE_MISMATCH, field.span, "a ledger field cannot itself be a ledger")
            continue
        fields.append(resolve_fact(field, bag))
    return FactType(kind, low, high, members, tuple(fields))


def resolve_members(nodes, bag: DiagnosticBag) -> tuple[Member, ...]:
    members = []
    seen: set[str] = set()
    for member in nodes:
        if member.name in seen:
            bag.add(codes.DUPLICATE_NAME, member.span, f"`{member.name}` is listed twice")
            continue
        seen.add(member.name)
        members.append(Member(member.name, member.label, member.aliases))
    return tuple(members)


def _default_value(field: ast.FactField, ftype: FactType, bag: DiagnosticBag):
    value = field.default
    kind = ftype.kind
    where = field.default.span

    def bad(message):
        bag.add(codes.BAD_DEFAULT, where, message, f"allowed: {ftype.describe()}")
        return None

    if isinstance(value, ast.Number):
        if kind not in (Kind.COUNT, Kind.DECIMAL, Kind.PERCENT, Kind.RANK, Kind.AMOUNT):
            return bad(f"a number is not a default for a {kind.value} fact")
        if kind is Kind.PERCENT and not value.is_percent:
            bag.add(codes.BAD_DEFAULT, where, "a percent default is written with `%`",
                    f"write e.g. `default {value.value}%`")
            return None
        number = value.value
        # An amount's default may lie outside its range: 0 means "not applied".
        if kind is not Kind.AMOUNT and ((ftype.low is not None and number < ftype.low)
                                        or (ftype.high is not None and number > ftype.high)):
            written = show(value.value) if kind is not Kind.PERCENT else show(value.value.scaleb(2, CONTEXT)) + "%"
            return bad(f"default {written} "
                       "is outside the fact's range")
        if kind in (Kind.COUNT, Kind.RANK) and number != number.to_integral_value():
            return bad(f"a {kind.value} default must be a whole number")
        return number
    if isinstance(value, ast.BoolLit):
        return value.value if kind is Kind.BOOL else bad(f"`{value.value}` is not a default for a {kind.value} fact")
    if kind is Kind.BOOL:
        bag.add(codes.BAD_DEFAULT, where, "a bool default is `true` or `false`", "write `default true` or `default false`")
        return None
    if isinstance(value, ast.DateLit):  # a date, as the loader reads every other value of the fact
        return datetime.date.fromisoformat(value.value) if kind is Kind.DATE else bad("a date is not a default for this fact")
    if isinstance(value, ast.StringLit):
        return value.value if kind is Kind.TEXT else bad("a string is only a default for a text fact")
    if isinstance(value, ast.Name):
        if kind is Kind.ENUM and value.name in ftype.member_names:
            return value.name
        return bad(f"`{value.name}` is not a member of this fact's values")
    return bad("unsupported default")


# ---- tables --------------------------------------------------------------------


def resolve_table(body: ast.TableBody, name: str | None, bag: DiagnosticBag) -> ir.Table:
    rows = []
    default = None
    for entry in body.entries:
        value = entry.value.value
        if entry.kind == "else":
            if default is not None:
                bag.add(codes.BAD_TABLE, entry.span, "a table has at most one `else` row")
            default = value
        elif entry.kind == "member":
            rows.append(ir.TableRow(value, member=entry.member, span=entry.span))
        else:
            low, high = entry.low.value, entry.high.value
            if low > high:
                bag.add(codes.BAD_RANGE, entry.span, f"band {low}..{high} runs backwards")
            rows.append(ir.TableRow(value, low=low, high=high, span=entry.span))
    kinds = {row.member is None for row in rows}
    if len(kinds) > 1:
        bag.add(codes.BAD_TABLE, body.span, "a table mixes numeric bands and named values",
                "a table is either bands over a number (`1..4: 2`) or values of an enum (`合格: 2`)")
    return ir.Table(name, tuple(rows), default, body.span)


def resolve_matrix(decl: ast.MatrixDecl, bag: DiagnosticBag) -> ir.Matrix:
    """Rows of one value apply that value to every column."""
    rows = []
    seen: set[str] = set()
    for row in decl.rows:
        if row.member in seen:
            bag.add(codes.BAD_TABLE, row.span, f"matrix `{decl.name}` has two rows `{row.member}`")
            continue
        seen.add(row.member)
        values = tuple(v.value for v in row.values)
        if len(values) == 1:
            values = values * len(decl.columns)
        elif len(values) != len(decl.columns):
            bag.add(codes.BAD_TABLE, row.span,
                    f"row `{row.member}` has {len(values)} values for {len(decl.columns)} columns",
                    "give one value per column (" + ", ".join(decl.columns) + "), or one value for all")
            continue
        rows.append(ir.MatrixRow(row.member, values, row.span))
    if len(set(decl.columns)) != len(decl.columns):
        bag.add(codes.BAD_TABLE, decl.span, f"matrix `{decl.name}` names a column twice")
    return ir.Matrix(decl.name, decl.columns, tuple(rows), decl.span)
