"""Print an AST back to canonical ``.assess`` source.

:func:`format_module` turns an :class:`ast.Module` into text that parses back
to an equal tree (tree equality ignores spans), and formatting that text again
gives the same text. :func:`format_source` formats a file's text: it prints
the file's tree and then puts back what the tree does not hold, its comments,
blank lines and literal spellings (:mod:`trivia`), so formatting keeps every
comment, in place and in order, and never changes a literal. The canonical
layout:

* two spaces per level of indentation, one statement per line;
* declarations in their order, one blank line between them (consecutive
  imports share a paragraph); at the top of a policy a blank line around
  every item, bonus, penalty and ``outcomes`` block; the blank lines of the
  source between statements are kept (one, however many there were);
* in a ``facts`` block the types start in one column (names longer than
  :data:`ALIGN_LIMIT` columns are not padded and do not push the column);
* a table, enum or evidence list stays on one line when it is short and
  holds no comment, and otherwise takes one row or member per line;
* literals are written as in the source; a tree with no source behind it
  gets strings re-escaped (``\\"``, ``\\\\``, ``\\n``, ``\\t``) and numbers
  printed exactly, without exponent or trailing zeros, a percent keeping its
  ``%`` (``95%``);
* parentheses appear only where precedence needs them;
* keywords use their first (English) spelling from :mod:`keywords`.

Printers are looked up in tables keyed by AST class; a class with no printer
raises :class:`TypeError` naming it, so a new syntactic form cannot be
dropped silently. :data:`PRINTED_FIELDS` lists, for every class, the fields
its printer writes, so tests can check that no field is forgotten.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Callable

from assessc.dsl import ast
from assessc.dsl.item_keys import BOOK_FORM
from assessc.dsl.keywords import spelling
from assessc.dsl.trivia import Trivia

INDENT = "  "
#: names wider than this (in terminal columns) are not aligned in a facts block
ALIGN_LIMIT = 28
#: an inline table ``{ … }`` at most this wide stays on one line
TABLE_WIDTH = 64
#: an inline enum or evidence list ``{ … }`` at most this wide stays on one line
MEMBERS_WIDTH = 80

_NAME = re.compile(r"[^\W\d]\w*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FormatError(ValueError):
    """The tree (or text) cannot be written as ``.assess`` source."""


def format_module(module: ast.Module) -> str:
    """Canonical source text of ``module`` (a tree holds no comments)."""
    return _Printer().module(module)


def format_text(text: str, path: str, bag) -> str | None:
    """The text of a ``.assess`` file, formatted: its tree printed with its
    comments, blank lines and literal spellings put back. A byte-order mark
    at the start is kept, and so are CRLF line breaks if the first line
    break is one (then every line break is written CRLF). None, with the
    syntax diagnostics in ``bag``, if the text does not parse."""
    from assessc.dsl.parser import parse
    from assessc.dsl.source import SourceFile

    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    first_break = body.find("\n")
    newline = "\r\n" if first_break > 0 and body[first_break - 1] == "\r" else "\n"
    body = body.replace("\r\n", "\n")
    tree = parse(SourceFile(path, body), bag)
    if tree is None:
        return None
    trivia = Trivia(body)
    formatted = trivia.restore(_Printer(trivia).module(tree), INDENT)
    return bom + formatted.replace("\n", newline)


def format_source(text: str, path: str = "<source>") -> str:
    """:func:`format_text`, raising :class:`FormatError` (with the syntax
    diagnostics) if ``text`` does not parse."""
    from assessc.diagnostics import DiagnosticBag
    from assessc.diagnostics.render import render_text

    bag = DiagnosticBag()
    formatted = format_text(text, path, bag)
    if formatted is None:
        raise FormatError("\n".join(render_text(d) for d in bag.sorted() if d.is_error) or f"`{path}` does not parse")
    return formatted


# ---- leaves -------------------------------------------------------------------


def display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def quote(value: str) -> str:
    """``value`` as a string literal that reads back as ``value``."""
    if "\r" in value:
        raise FormatError(f"the string {value!r} holds a carriage return, which a string literal cannot hold")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _plain(value: Decimal) -> str:
    """``value`` without sign, exponent or trailing zeros, digit for digit
    (no decimal context takes part, so nothing is rounded)."""
    if not value.is_finite():
        raise FormatError(f"`{value}` is not a number the language can write")
    _, digits, exponent = value.as_tuple()
    text = "".join(map(str, digits))
    if exponent >= 0:
        whole, fraction = text + "0" * exponent, ""
    else:
        text = text.rjust(1 - exponent, "0")
        whole, fraction = text[:exponent], text[exponent:]
    fraction = fraction.rstrip("0")
    return (whole.lstrip("0") or "0") + ("." + fraction if fraction else "")


def number(value: ast.Number) -> str:
    """A number exactly as written: ``0.5``, ``12``, ``95%``, ``-1`` (a sign
    only where the grammar takes one: ranges, table values, defaults)."""
    text = _plain(value.value)
    if value.is_percent:  # the percent figure: the digits with the point two places right
        _, digits, exponent = value.value.as_tuple()
        text = _plain(Decimal((0, digits, exponent + 2))) + "%"
    return "-" + text if value.value < 0 else text


def name(text: str) -> str:
    if not isinstance(text, str) or not _NAME.fullmatch(text):
        raise FormatError(f"`{text}` is not a name")
    return text


def _kw(word: str) -> str:
    return spelling("KW_" + word.upper())


# ---- dispatch tables -------------------------------------------------------------

#: class -> the fields its printer writes (spans excepted)
PRINTED_FIELDS: dict[type, tuple[str, ...]] = {}
_DECLS: dict[type, Callable] = {}
_STMTS: dict[type, Callable] = {}
_TERMS: dict[type, Callable] = {}
_EXPRS: dict[type, Callable] = {}
_PARTS: dict[type, Callable] = {}


def _prints(table: dict, cls: type, fields: str):
    def register(func):
        table[cls] = func
        PRINTED_FIELDS[cls] = tuple(fields.split())
        return func

    return register


def _lookup(table: dict, node, where: str) -> Callable:
    printer = table.get(type(node))
    if printer is None:
        known = any(type(node) in t for t in (_DECLS, _STMTS, _TERMS, _EXPRS, _PARTS))
        if known:
            raise TypeError(f"cannot format a `{type(node).__name__}` as {where}")
        raise TypeError(f"cannot format AST node class `{type(node).__name__}`: the formatter has no printer for it")
    return printer


# Expression precedence, loosest first; a child printed below the level its
# slot needs is parenthesised.
OR, AND, NOT, COMPARE, SUM, PRODUCT, UNARY, ATOM = range(1, 9)
_BINARY = {
    "or": (OR, OR, AND),
    "and": (AND, AND, NOT),
    "+": (SUM, SUM, PRODUCT),
    "-": (SUM, SUM, PRODUCT),
    "*": (PRODUCT, PRODUCT, UNARY),
    "/": (PRODUCT, PRODUCT, UNARY),
}
_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")


class _Printer:
    def __init__(self, trivia: Trivia | None = None):
        self.trivia = trivia  # the source's comments, when printing a file

    # ---- generic ---------------------------------------------------------------
    def module(self, module: ast.Module) -> str:
        return _lookup(_DECLS, module, "a module")(self, module)

    def decl(self, node) -> list[str]:
        return _lookup(_DECLS, node, "a declaration")(self, node)

    def stmts(self, body, depth: int) -> list[str]:
        lines: list[str] = []
        for stmt in body:
            lines.extend(self.stmt(stmt, depth))
        return lines

    def stmt(self, node, depth: int) -> list[str]:
        return _lookup(_STMTS, node, "a statement")(self, node, depth)

    def term(self, node, depth: int) -> str:
        return _lookup(_TERMS, node, "a term")(self, node, depth)

    def part(self, node, *args):
        return _lookup(_PARTS, node, "part of a declaration")(self, node, *args)

    def expr(self, node, level: int = OR) -> str:
        text, own = _lookup(_EXPRS, node, "an expression")(self, node)
        return f"({text})" if own < level else text

    def has_comments(self, node) -> bool:
        """Whether the source has a comment inside ``node``'s braces: then
        they are not closed on the line that opens them, so the comment
        keeps its place inside."""
        return self.trivia is not None and self.trivia.comments_inside(getattr(node, "span", None))

    def block(self, head: str, body: list[str], depth: int, node=None) -> list[str]:
        """``head {``, the body's lines, ``}``; ``head {}`` for an empty body
        (unless ``node``'s braces hold a comment)."""
        pad = INDENT * depth
        if not body and not self.has_comments(node):
            return [f"{pad}{head} {{}}"]
        return [f"{pad}{head} {{", *body, f"{pad}}}"]

    def listing(self, head: str, members: list[str], depth: int, node) -> list[str]:
        """``head { a, b }`` when it is short and ``node``'s braces hold no
        comment, else one member per line; the first line continues its
        statement, the last closes the brace."""
        inline = "{ " + ", ".join(members) + " }" if members else "{}"
        if display_width(inline) <= MEMBERS_WIDTH and not self.has_comments(node):
            return [f"{head} {inline}"]
        pad = INDENT * (depth + 1)
        rows = [pad + m + ("," if k < len(members) - 1 else "") for k, m in enumerate(members)]
        return [f"{head} {{", *rows, INDENT * depth + "}"]


# ---- module and declarations ------------------------------------------------------


@_prints(_DECLS, ast.Module, "decls")
def _module(p: _Printer, node: ast.Module) -> str:
    chunks: list[list[str]] = []
    previous = None
    for decl in node.decls:
        lines = p.decl(decl)
        if isinstance(decl, ast.ImportDecl) and isinstance(previous, ast.ImportDecl):
            chunks[-1].extend(lines)  # consecutive imports share a paragraph
        else:
            chunks.append(lines)
        previous = decl
    return "\n\n".join("\n".join(chunk) for chunk in chunks) + "\n" if chunks else ""


@_prints(_DECLS, ast.ImportDecl, "target is_path")
def _import(p: _Printer, node: ast.ImportDecl) -> list[str]:
    if node.is_path:
        return [f"{_kw('import')} {quote(node.target)}"]
    return [f"{_kw('import')} " + ".".join(name(part) for part in node.target.split("."))]


@_prints(_DECLS, ast.FactsDecl, "fields checks")
def _facts(p: _Printer, node: ast.FactsDecl) -> list[str]:
    checks = [line for check in node.checks for line in p.part(check, 1)]
    return p.block(_kw("facts"), _fact_fields(p, node.fields, 1) + checks, 0, node)


@_prints(_PARTS, ast.FactCheck, "condition message")
def _fact_check(p: _Printer, node: ast.FactCheck, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('require')} {p.expr(node.condition)} {quote(node.message)}"]


def _fact_fields(p: _Printer, fields, depth: int) -> list[str]:
    heads = [name(f.name) + ":" for f in fields]
    widths = [display_width(h) for h in heads if display_width(h) <= ALIGN_LIMIT]
    column = max(widths, default=0)
    lines: list[str] = []
    for head, field in zip(heads, fields):
        padding = " " * max(1, column - display_width(head) + 1)
        lines.extend(p.part(field, depth, head + padding))
    return lines


@_prints(_PARTS, ast.FactField, "name type label default")
def _fact_field(p: _Printer, node: ast.FactField, depth: int, head: str | None = None) -> list[str]:
    head = head if head is not None else name(node.name) + ": "
    type_lines = p.part(node.type, depth)
    tail = ""
    if node.label is not None:
        tail += " " + quote(node.label)
    if node.default is not None:
        tail += f" {_kw('default')} " + _literal(p, node.default)
    pad = INDENT * depth
    first, *rest = type_lines
    if not rest:
        return [pad + head + first + tail]
    return [pad + head + first, *rest[:-1], rest[-1] + tail]


def _literal(p: _Printer, node) -> str:
    """A default: a signed number, a date, a string, true/false or a name."""
    if isinstance(node, ast.Number):
        return number(node)
    if isinstance(node, ast.StringLit):
        return quote(node.value)
    if isinstance(node, ast.Name):
        return name(node.name)
    if isinstance(node, (ast.DateLit, ast.BoolLit)):
        return p.expr(node)
    raise TypeError(f"cannot format a `{type(node).__name__}` as a default value")


@_prints(_PARTS, ast.FactType, "kind range members fields")
def _fact_type(p: _Printer, node: ast.FactType, depth: int) -> list[str]:
    """The type's lines: the first continues the field's line; any further
    lines are complete (indented for ``depth``), the last one closing a brace."""
    word = _kw(node.kind)
    if node.kind == "ledger":
        if node.members or node.range is not None:
            raise FormatError("a ledger type has fields, not members or a range")
        body = _fact_fields(p, node.fields, depth + 1)
        if not body and not p.has_comments(node):
            return [f"{word} {{}}"]
        return [f"{word} {{", *body, INDENT * depth + "}"]
    if node.kind in ("enum", "evidence"):
        if node.fields or node.range is not None:
            raise FormatError(f"an {node.kind} type has members, not fields or a range")
        return p.listing(word, [p.part(m) for m in node.members], depth, node)
    if node.members or node.fields:
        raise FormatError(f"a {node.kind} type has no members or fields")
    if node.range is not None:
        return [f"{word} {p.part(node.range)}"]
    return [word]


@_prints(_PARTS, ast.Range, "low high")
def _range(p: _Printer, node: ast.Range) -> str:
    return f"{number(node.low)}..{number(node.high)}"


@_prints(_PARTS, ast.Member, "name label aliases")
def _member(p: _Printer, node: ast.Member) -> str:
    text = name(node.name) + (" " + quote(node.label) if node.label is not None else "")
    if node.aliases:
        text += f" {_kw('also')} " + " ".join(quote(a) for a in node.aliases)
    return text


@_prints(_DECLS, ast.TableDecl, "name body")
def _table_decl(p: _Printer, node: ast.TableDecl) -> list[str]:
    lines = p.part(node.body, 0)
    lines[0] = f"{_kw('table')} {name(node.name)} " + lines[0]
    return lines


@_prints(_PARTS, ast.TableBody, "entries")
def _table_body(p: _Printer, node: ast.TableBody, depth: int | None) -> list[str]:
    """``{ … }`` on one line when short and holding no comment (or when
    ``depth`` is None: inside an expression), else one row per line; the
    first line continues its statement, the last closes the brace."""
    rows = [p.part(e) for e in node.entries]
    inline = "{ " + "  ".join(rows) + " }" if rows else "{}"
    if depth is None or (display_width(inline) <= TABLE_WIDTH and not p.has_comments(node)):
        return [inline]
    pad = INDENT * (depth + 1)
    return ["{", *(pad + r for r in rows), INDENT * depth + "}"]


@_prints(_PARTS, ast.TableEntry, "kind low high member value")
def _table_entry(p: _Printer, node: ast.TableEntry) -> str:
    if node.kind == "range":
        key = f"{number(node.low)}..{number(node.high)}"
    elif node.kind == "single":
        if node.high is not None and node.high != node.low:
            raise FormatError("a single-number table row has one key")
        key = number(node.low)
    elif node.kind == "member":
        key = name(node.member)
    elif node.kind == "else":
        key = _kw("else")
    else:
        raise FormatError(f"unknown table row kind `{node.kind}`")
    return f"{key}: {number(node.value)}"


@_prints(_DECLS, ast.MatrixDecl, "name columns rows")
def _matrix(p: _Printer, node: ast.MatrixDecl) -> list[str]:
    if not node.columns:
        raise FormatError(f"matrix `{node.name}` needs at least one column")
    body = [INDENT + f"{_kw('columns')} (" + ", ".join(name(c) for c in node.columns) + ")"]
    body.extend(INDENT + p.part(row) for row in node.rows)
    return p.block(f"{_kw('matrix')} {name(node.name)}", body, 0, node)


@_prints(_PARTS, ast.MatrixRow, "member values")
def _matrix_row(p: _Printer, node: ast.MatrixRow) -> str:
    if not node.values:
        raise FormatError(f"matrix row `{node.member}` needs at least one value")
    return f"{name(node.member)}: " + ", ".join(number(v) for v in node.values)


@_prints(_DECLS, ast.TemplateDecl, "name params body")
def _template(p: _Printer, node: ast.TemplateDecl) -> list[str]:
    head = f"{_kw('template')} {name(node.name)}(" + ", ".join(name(x) for x in node.params) + ")"
    return p.block(head, p.stmts(node.body, 1), 0, node)


@_prints(_DECLS, ast.CalendarDecl, "year title body")
def _calendar(p: _Printer, node: ast.CalendarDecl) -> list[str]:
    if not 1 <= node.year <= 9999:
        raise FormatError(f"`{node.year}` is not a four-digit year")
    for stmt in node.body:
        if not isinstance(stmt, (ast.HolidayStmt, ast.Meta)) or getattr(stmt, "key", "basis") != "basis":
            raise FormatError("a calendar holds `basis` and `holiday` lines only")
    return p.block(f"{_kw('calendar')} {node.year:04d} {quote(node.title)}", p.stmts(node.body, 1), 0)


@_prints(_STMTS, ast.HolidayStmt, "name days workdays")
def _holiday(p: _Printer, node: ast.HolidayStmt, depth: int) -> list[str]:
    if not node.days:
        raise FormatError(f"holiday {quote(node.name)} needs at least one day off")
    text = f"{_kw('holiday')} {quote(node.name)} " + ", ".join(p.part(d) for d in node.days)
    if node.workdays:
        text += f" {_kw('workdays')} " + ", ".join(p.part(d) for d in node.workdays)
    return [INDENT * depth + text]


@_prints(_PARTS, ast.DaySpan, "first last")
def _day_span(p: _Printer, node: ast.DaySpan) -> str:
    first = p.expr(node.first)
    return first if node.last is None else f"{first}..{p.expr(node.last)}"


@_prints(_STMTS, ast.PeriodsDecl, "name label members")
def _periods(p: _Printer, node: ast.PeriodsDecl, depth: int) -> list[str]:
    head = f"{_kw('periods')} {name(node.name)}" + (" " + quote(node.label) if node.label is not None else "")
    lines = p.listing(head, [p.part(m) for m in node.members], depth, node)
    return [INDENT * depth + lines[0], *lines[1:]]


@_prints(_STMTS, ast.Outcomes, "rules")
def _outcomes(p: _Printer, node: ast.Outcomes, depth: int) -> list[str]:
    return p.block(_kw("outcomes"), p.stmts(node.rules, depth + 1), depth, node)


@_prints(_STMTS, ast.AwardBands, "title item bands")
def _award_bands(p: _Printer, node: ast.AwardBands, depth: int) -> list[str]:
    head = _kw("awards") + (" " + quote(node.title) if node.title is not None else "")
    head += f" {_kw('by')} {_kw('rank')}"
    if node.item is not None:
        if not re.fullmatch(r"(?:[^\W\d]\w*|\d+)(?:\.(?:[^\W\d]\w*|\d+))*", node.item):
            raise FormatError(f"`{node.item}` is not an item id")
        head += f" {_kw('of')} {node.item}"
    return p.block(head, [INDENT * (depth + 1) + p.part(band) for band in node.bands], depth, node)


@_prints(_PARTS, ast.AwardBand, "name label low high")
def _award_band(p: _Printer, node: ast.AwardBand) -> str:
    label = " " + quote(node.label) if node.label is not None else ""
    return f"{name(node.name)}{label}: {number(node.low)}..{number(node.high)}"


@_prints(_STMTS, ast.GradeBands, "title item bands")
def _grade_bands(p: _Printer, node: ast.GradeBands, depth: int) -> list[str]:
    head = _kw("grades") + (" " + quote(node.title) if node.title is not None else "")
    if node.item is not None:
        if not re.fullmatch(r"(?:[^\W\d]\w*|\d+)(?:\.(?:[^\W\d]\w*|\d+))*", node.item):
            raise FormatError(f"`{node.item}` is not an item id")
        head += f" {_kw('of')} {node.item}"
    return p.block(head, [INDENT * (depth + 1) + p.part(band) for band in node.bands], depth, node)


@_prints(_PARTS, ast.GradeBand, "name label low low_open high high_open")
def _grade_band(p: _Printer, node: ast.GradeBand) -> str:
    label = " " + quote(node.label) if node.label is not None else ""
    low = ("" if node.low is None else (">" if node.low_open else "") + number(node.low))
    high = ("" if node.high is None else ("<" if node.high_open else "") + number(node.high))
    return f"{name(node.name)}{label}: {low}..{high}"


_OUTCOME_WORDS = {"demote": ("demote",), "last": ("rank", "last"), "flag": ("flag",)}


@_prints(_STMTS, ast.OutcomeRule, "kind reason condition")
def _outcome_rule(p: _Printer, node: ast.OutcomeRule, depth: int) -> list[str]:
    if node.kind not in _OUTCOME_WORDS:
        raise FormatError(f"unknown outcome rule `{node.kind}`")
    words = " ".join(_kw(w) for w in _OUTCOME_WORDS[node.kind])
    return [INDENT * depth + f"{words} {quote(node.reason)} {_kw('if')} {p.expr(node.condition)}"]


_BLOCKS = (ast.Item, ast.Outcomes)


@_prints(_DECLS, ast.PolicyDecl, "name title body")
def _policy(p: _Printer, node: ast.PolicyDecl) -> list[str]:
    body: list[str] = []
    for k, stmt in enumerate(node.body):
        if k and (isinstance(stmt, _BLOCKS) or isinstance(node.body[k - 1], _BLOCKS)):
            body.append("")
        body.extend(p.stmt(stmt, 1))
    return p.block(f"{_kw('policy')} {name(node.name)} {quote(node.title)}", body, 0, node)


# ---- statements ------------------------------------------------------------------------


@_prints(_STMTS, ast.MaxStmt, "value")
def _max(p: _Printer, node: ast.MaxStmt, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('max')} {_unsigned(node.value)}"]


def _unsigned(value: ast.Number) -> str:
    if value.value < 0:
        raise FormatError(f"`{number(value)}` cannot be written here: no sign is allowed")
    return number(value)


@_prints(_STMTS, ast.EntityStmt, "name label")
def _entity(p: _Printer, node: ast.EntityStmt, depth: int) -> list[str]:
    label = " " + quote(node.label) if node.label is not None else ""
    return [INDENT * depth + f"{_kw('entity')} {name(node.name)}{label}"]


@_prints(_STMTS, ast.RoundStmt, "scope places mode")
def _round(p: _Printer, node: ast.RoundStmt, depth: int) -> list[str]:
    if node.scope not in ("each", "total") or not isinstance(node.places, int):
        raise FormatError(f"cannot write `round {node.scope} {node.places}`")
    return [INDENT * depth + f"{_kw('round')} {_kw(node.scope)} {node.places} {_kw('places')} {name(node.mode)}"]


@_prints(_STMTS, ast.Veto, "reason condition grade")
def _veto(p: _Printer, node: ast.Veto, depth: int) -> list[str]:
    grade = f" {_kw('grade')} {name(node.grade)}" if node.grade is not None else ""
    return [INDENT * depth + f"{_kw('veto')} {quote(node.reason)}{grade} {_kw('if')} {p.expr(node.condition)}"]


@_prints(_STMTS, ast.Accept, "code reason")
def _accept(p: _Printer, node: ast.Accept, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('accept')} {name(node.code)} {quote(node.reason)}"]


_META_KEYWORDS = ("lead", "responsible", "deadline", "evidence", "text", "note", "basis")
_META_LISTS = ("lead", "responsible")


@_prints(_STMTS, ast.Meta, "key values")
def _meta(p: _Printer, node: ast.Meta, depth: int) -> list[str]:
    if node.key not in _META_KEYWORDS:
        raise FormatError(f"unknown metadata statement `{node.key}`")
    many = node.key in _META_LISTS
    if not node.values or (len(node.values) > 1 and not many):
        raise FormatError(f"`{node.key}` takes {'one or more values' if many else 'exactly one value'}")
    if node.key == "deadline":
        if not _DATE.fullmatch(node.values[0]):
            raise FormatError(f"`{node.values[0]}` is not a date yyyy-mm-dd")
        values = node.values[0]
    else:
        values = ", ".join(quote(v) for v in node.values)
    return [INDENT * depth + f"{_kw(node.key)} {values}"]


@_prints(_STMTS, ast.Item, "kind key title cap per body")
def _item(p: _Printer, node: ast.Item, depth: int) -> list[str]:
    if node.kind not in ("item", "bonus", "penalty"):
        raise FormatError(f"unknown item kind `{node.kind}`")
    written = isinstance(node.key, str) and (re.fullmatch(r"\d+", node.key) or BOOK_FORM.fullmatch(node.key))
    key = node.key if written else name(node.key)
    head = f"{_kw(node.kind)} {key} {quote(node.title)}"
    if node.cap is not None:
        head += " " + p.part(node.cap)
    if node.per is not None:
        if node.kind != "item":
            raise FormatError(f"only an item is scored per period, not a {node.kind}")
        head += f" {_kw('per')} {name(node.per)}"
    return p.block(head, p.stmts(node.body, depth + 1), depth, node)


@_prints(_PARTS, ast.Cap, "value uncapped")
def _cap(p: _Printer, node: ast.Cap) -> str:
    return f"{_kw('max')} {_unsigned(node.value)}" + (f" {_kw('uncapped')}" if node.uncapped else "")


@_prints(_STMTS, ast.Start, "value")
def _start(p: _Printer, node: ast.Start, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('start')} {p.expr(node.value)}"]


@_prints(_STMTS, ast.Adjust, "sign term condition")
def _adjust(p: _Printer, node: ast.Adjust, depth: int) -> list[str]:
    if node.sign not in (1, -1):
        raise FormatError(f"an adjustment's sign is +1 or -1, not {node.sign}")
    word = _kw("add") if node.sign == 1 else _kw("deduct")
    text = INDENT * depth + f"{word} {p.term(node.term, depth)}"
    if node.condition is not None:
        text += f" {_kw('if')} {p.expr(node.condition)}"
    return text.split("\n")


@_prints(_STMTS, ast.UntilZero, "")
def _until_zero(p: _Printer, node: ast.UntilZero, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('until')} {_kw('zero')}"]


@_prints(_STMTS, ast.Weight, "value")
def _weight(p: _Printer, node: ast.Weight, depth: int) -> list[str]:
    return (INDENT * depth + f"{_kw('weight')} {p.term(node.value, depth)}").split("\n")


@_prints(_STMTS, ast.Applies, "condition")
def _applies(p: _Printer, node: ast.Applies, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('applies')} {_kw('if')} {p.expr(node.condition)}"]


@_prints(_STMTS, ast.Coefficient, "value")
def _coefficient(p: _Printer, node: ast.Coefficient, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('coefficient')} {p.expr(node.value)}"]


@_prints(_STMTS, ast.Requires, "value text")
def _requires(p: _Printer, node: ast.Requires, depth: int) -> list[str]:
    text = " " + quote(node.text) if node.text is not None else ""
    return [INDENT * depth + f"{_kw('requires')} {p.expr(node.value)}{text}"]


@_prints(_STMTS, ast.ZeroIf, "condition")
def _zero_if(p: _Printer, node: ast.ZeroIf, depth: int) -> list[str]:
    return [INDENT * depth + f"{_kw('zero')} {_kw('if')} {p.expr(node.condition)}"]


@_prints(_STMTS, ast.Use, "template args")
def _use(p: _Printer, node: ast.Use, depth: int) -> list[str]:
    args = ", ".join(p.part(a) for a in node.args)
    return [INDENT * depth + f"{_kw('use')} {name(node.template.name)}({args})"]


@_prints(_PARTS, ast.Arg, "name value")
def _arg(p: _Printer, node: ast.Arg) -> str:
    return f"{name(node.name)}: {p.expr(node.value)}"


# ---- terms (a multi-line table comes back with embedded line breaks) ----------------------


@_prints(_TERMS, ast.PlainTerm, "value")
def _plain_term(p: _Printer, node: ast.PlainTerm, depth: int) -> str:
    return p.expr(node.value)


@_prints(_TERMS, ast.PerTerm, "amount count")
def _per_term(p: _Printer, node: ast.PerTerm, depth: int) -> str:
    return f"{p.expr(node.amount)} {_kw('per')} {p.expr(node.count)}"


@_prints(_TERMS, ast.StepsTerm, "amount step direction threshold value partial")
def _steps_term(p: _Printer, node: ast.StepsTerm, depth: int) -> str:
    if node.direction not in ("below", "above"):
        raise FormatError(f"a step direction is below or above, not `{node.direction}`")
    text = (f"{p.expr(node.amount)} {_kw('per')} {p.expr(node.step)} {_kw(node.direction)} "
            f"{p.expr(node.threshold)} {_kw('of')} {p.expr(node.value)}")
    if node.partial is not None:
        if node.partial not in ("whole", "started", "proportional"):
            raise FormatError(f"unknown partial-step mode `{node.partial}`")
        text += f" {_kw('counting')} {_kw(node.partial)} {_kw('steps')}"
    return text


@_prints(_TERMS, ast.LookupTerm, "key table")
def _lookup_term(p: _Printer, node: ast.LookupTerm, depth: int) -> str:
    return f"{_kw('lookup')} {p.expr(node.key, ATOM)} {p.part(node.table, depth)}"


@_prints(_TERMS, ast.LedgerTerm, "ledger where field field2 table group")
def _ledger_term(p: _Printer, node: ast.LedgerTerm, depth: int | None) -> str:
    fields = name(node.field.name) + (", " + name(node.field2.name) if node.field2 is not None else "")
    text = f"{name(node.ledger.name)}{_where(p, node.where)} {_kw('by')} {fields} {p.part(node.table, depth)}"
    if node.group is not None:
        text += f" {_kw('highest')} {_kw('per')} {name(node.group.name)}"
    return text


def _where(p: _Printer, condition) -> str:
    return "" if condition is None else f" {_kw('where')} ({p.expr(condition)})"


@_prints(_PARTS, ast.TableRef, "body name")
def _table_ref(p: _Printer, node: ast.TableRef, depth: int | None) -> str:
    if (node.body is None) == (node.name is None):
        raise FormatError("a table reference is either an inline table or a table's name")
    if node.name is not None:
        return name(node.name.name)
    return "\n".join(p.part(node.body, depth))


# ---- expressions: each printer returns (text, precedence level) -----------------------------


@_prints(_EXPRS, ast.Number, "value is_percent")
def _number(p: _Printer, node: ast.Number):
    return number(node), (UNARY if node.value < 0 else ATOM)


@_prints(_EXPRS, ast.DateLit, "value")
def _date(p: _Printer, node: ast.DateLit):
    if not _DATE.fullmatch(node.value):
        raise FormatError(f"`{node.value}` is not a date yyyy-mm-dd")
    return node.value, ATOM


@_prints(_EXPRS, ast.BoolLit, "value")
def _bool(p: _Printer, node: ast.BoolLit):
    return (_kw("true") if node.value else _kw("false")), ATOM


@_prints(_EXPRS, ast.StringLit, "value")
def _string(p: _Printer, node: ast.StringLit):
    raise FormatError(f"a string ({quote(node.value)}) is not an expression; strings are only titles, labels and defaults")


@_prints(_EXPRS, ast.Name, "name")
def _name(p: _Printer, node: ast.Name):
    return name(node.name), ATOM


@_prints(_EXPRS, ast.Missing, "fact")
def _missing(p: _Printer, node: ast.Missing):
    return f"{_kw('missing')} {name(node.fact.name)}", ATOM


@_prints(_EXPRS, ast.CountEntries, "fact where")
def _count_entries(p: _Printer, node: ast.CountEntries):
    return f"{_kw('count')} {name(node.fact.name)}{_where(p, node.where)}", ATOM


@_prints(_EXPRS, ast.LedgerSumExpr, "term")
def _ledger_sum(p: _Printer, node: ast.LedgerSumExpr):
    if not isinstance(node.term, ast.LedgerTerm):
        raise TypeError(f"cannot format a `{type(node.term).__name__}` as the ledger of `sum`")
    return f"{_kw('sum')} {_ledger_term(p, node.term, None)}", ATOM


@_prints(_EXPRS, ast.LookupExpr, "key table")
def _lookup_expr(p: _Printer, node: ast.LookupExpr):
    """``lookup KEY TABLE`` inside an expression, its table on one line.
    (A lookup that is a whole term parses as a :class:`ast.LookupTerm`.)"""
    return f"{_kw('lookup')} {p.expr(node.key, ATOM)} {p.part(node.table, None)}", ATOM


@_prints(_EXPRS, ast.Call, "func args")
def _call(p: _Printer, node: ast.Call):
    return f"{name(node.func.name)}(" + ", ".join(p.expr(a) for a in node.args) + ")", ATOM


@_prints(_EXPRS, ast.Unary, "op operand")
def _unary(p: _Printer, node: ast.Unary):
    if node.op == "not":
        return f"{_kw('not')} {p.expr(node.operand, NOT)}", NOT
    if node.op == "-":
        return "-" + p.expr(node.operand, UNARY), UNARY
    raise FormatError(f"unknown unary operator `{node.op}`")


@_prints(_EXPRS, ast.Binary, "op left right")
def _binary(p: _Printer, node: ast.Binary):
    if node.op in _COMPARISONS:
        # comparisons do not chain: both sides are sums or tighter
        return f"{p.expr(node.left, SUM)} {node.op} {p.expr(node.right, SUM)}", COMPARE
    if node.op not in _BINARY:
        raise FormatError(f"unknown operator `{node.op}`")
    own, left, right = _BINARY[node.op]
    op = _kw(node.op) if node.op in ("and", "or") else node.op
    return f"{p.expr(node.left, left)} {op} {p.expr(node.right, right)}", own


@_prints(_EXPRS, ast.InSet, "value members")
def _in_set(p: _Printer, node: ast.InSet):
    if not node.members:
        raise FormatError("`in { }` needs at least one member")
    members = ", ".join(name(m.name) for m in node.members)
    return f"{p.expr(node.value, SUM)} {_kw('in')} {{{members}}}", COMPARE


__all__ = ["format_module", "format_text", "format_source", "FormatError", "PRINTED_FIELDS", "quote", "number"]
