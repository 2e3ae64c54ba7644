"""Surface syntax tree of an ``.assess`` module.

Nodes are frozen attrs classes; children are tuples; every node carries a
``span`` excluded from equality, so two trees compare equal when they mean the
same thing whatever their layout. Rewrite with ``attrs.evolve``. Class names
follow the grammar's rule names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

import attrs

from assessc.dsl.records import record

from assessc.dsl.source import Span


def _span():
    return attrs.field(eq=False, repr=False, default=None)


node = record  # every syntax node is a frozen value record


# ---- expressions ------------------------------------------------------------


@node
class Number:
    value: Decimal
    is_percent: bool = False
    span: Span | None = _span()


@node
class DateLit:
    value: str  # ISO yyyy-mm-dd, validated by the builder
    span: Span | None = _span()


@node
class BoolLit:
    value: bool
    span: Span | None = _span()


@node
class StringLit:
    value: str
    span: Span | None = _span()


@node
class Name:
    name: str
    span: Span | None = _span()


@node
class Missing:
    """``missing F``: how many items of evidence fact F the entity lacks."""

    fact: Name
    span: Span | None = _span()


@node
class CountEntries:
    """``count L [where (C)]``: the number of entries in ledger fact L (for
    which C, over the entry's fields, holds)."""

    fact: Name
    where: "Expr | None" = None
    span: Span | None = _span()


@node
class LedgerSumExpr:
    """``sum L [where (C)] by F TABLE …`` inside an expression."""

    term: "LedgerTerm"
    span: Span | None = _span()


@node
class LookupExpr:
    """``lookup KEY TABLE`` inside an expression; as a whole term it is a
    :class:`LookupTerm`."""

    key: "Expr"
    table: "TableRef"
    span: Span | None = _span()


@node
class Call:
    func: Name
    args: tuple["Expr", ...]
    span: Span | None = _span()


@node
class Unary:
    op: str  # "-" | "not"
    operand: "Expr"
    span: Span | None = _span()


@node
class Binary:
    op: str  # + - * / and or == != < <= > >=
    left: "Expr"
    right: "Expr"
    span: Span | None = _span()


@node
class InSet:
    value: "Expr"
    members: tuple[Name, ...]
    span: Span | None = _span()


Expr = Union[Number, DateLit, BoolLit, StringLit, Name, Missing, CountEntries, LedgerSumExpr, LookupExpr, Call, Unary,
             Binary, InSet]


# ---- facts ------------------------------------------------------------------


@node
class Range:
    low: Number
    high: Number
    span: Span | None = _span()


@node
class Member:
    name: str
    label: str | None
    aliases: tuple[str, ...] = ()  # other spellings read as this member (视为…)
    span: Span | None = _span()


@node
class FactType:
    """A fact type: ``kind`` is one of count, decimal, percent, bool, rank,
    amount, date, text, enum, evidence, ledger."""

    kind: str
    range: Range | None = None
    members: tuple[Member, ...] = ()
    fields: tuple["FactField", ...] = ()
    span: Span | None = _span()


@node
class FactField:
    name: str
    type: FactType
    label: str | None
    default: Expr | None
    span: Span | None = _span()


@node
class FactCheck:
    """``require CONDITION "message"`` in a facts block: a check every entity's facts must pass."""

    condition: Expr
    message: str
    span: Span | None = _span()


@node
class FactsDecl:
    fields: tuple[FactField, ...]
    checks: tuple[FactCheck, ...] = ()
    span: Span | None = _span()


# ---- tables, templates, imports --------------------------------------------


@node
class TableEntry:
    """One row of a lookup table. ``kind`` is range, single, member or else."""

    kind: str
    low: Number | None
    high: Number | None
    member: str | None
    value: Number
    span: Span | None = _span()


@node
class TableBody:
    entries: tuple[TableEntry, ...]
    span: Span | None = _span()


@node
class TableDecl:
    name: str
    body: TableBody
    span: Span | None = _span()


@node
class MatrixRow:
    member: str
    values: tuple[Number, ...]
    span: Span | None = _span()


@node
class MatrixDecl:
    """A points matrix: a value per (row member, column member)."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    span: Span | None = _span()


@node
class TemplateDecl:
    name: str
    params: tuple[str, ...]
    body: tuple["Stmt", ...]
    span: Span | None = _span()


@node
class ImportDecl:
    """``import stdlib_name`` (``is_path`` false) or ``import "./file.assess"``."""

    target: str
    is_path: bool
    span: Span | None = _span()


# ---- statements inside items -----------------------------------------------


@node
class Meta:
    """Metadata: ``key`` is lead, responsible, deadline, evidence, text, note
    or basis."""

    key: str
    values: tuple[str, ...]
    span: Span | None = _span()


@node
class Start:
    value: Expr
    span: Span | None = _span()


@node
class PlainTerm:
    value: Expr
    span: Span | None = _span()


@node
class PerTerm:
    amount: Expr
    count: Expr
    span: Span | None = _span()


@node
class StepsTerm:
    """``A per STEP below|above THRESHOLD of VALUE [counting MODE steps]``."""

    amount: Expr
    step: Expr
    direction: str  # below | above
    threshold: Expr
    value: Expr
    partial: str | None  # whole | started | proportional | None (not said)
    span: Span | None = _span()


@node
class TableRef:
    """An inline table body or the name of a declared table."""

    body: TableBody | None
    name: Name | None
    span: Span | None = _span()


@node
class LookupTerm:
    key: Expr
    table: TableRef
    span: Span | None = _span()


@node
class LedgerTerm:
    """``L by FIELD[, FIELD2] TABLE [highest per GROUP]``; with two fields the
    table is a matrix (rows by FIELD, columns by FIELD2)."""

    ledger: Name
    field: Name
    table: TableRef
    group: Name | None
    field2: Name | None = None
    where: "Expr | None" = None  # keep only entries for which this holds
    span: Span | None = _span()


Term = Union[PlainTerm, PerTerm, StepsTerm, LookupTerm, LedgerTerm]


@node
class Adjust:
    """``add TERM [if COND]`` (sign +1) or ``deduct TERM [if COND]`` (-1)."""

    sign: int
    term: Term
    condition: Expr | None
    span: Span | None = _span()


@node
class UntilZero:
    span: Span | None = _span()


@node
class ZeroIf:
    condition: Expr
    span: Span | None = _span()


@node
class Weight:
    """``weight W``: the item counts ``W × value × 100 / max`` in its parent
    (scored on 100, then weighted). W is a plain term or a lookup."""

    value: "Term"
    span: Span | None = _span()


@node
class Applies:
    """``applies if C``: the item is scored only for entities where C holds."""

    condition: Expr
    span: Span | None = _span()


@node
class Coefficient:
    """``coefficient E``: the item's (or the policy's main) score is multiplied by E."""

    value: Expr
    span: Span | None = _span()


@node
class Requires:
    """``requires EVIDENCE_FACT`` (every item submitted) or ``requires C "…"``:
    what completing the item takes (a completion checklist, F3/F28)."""

    value: Expr
    text: str | None
    span: Span | None = _span()


@node
class Arg:
    name: str
    value: Expr
    span: Span | None = _span()


@node
class Use:
    template: Name
    args: tuple[Arg, ...]
    span: Span | None = _span()


@node
class Accept:
    code: str
    reason: str
    span: Span | None = _span()


@node
class Cap:
    value: Number
    uncapped: bool
    span: Span | None = _span()


@node
class Item:
    """An item; ``kind`` is item, bonus or penalty."""

    kind: str
    key: str
    title: str
    cap: Cap | None
    body: tuple["Stmt", ...]
    per: str | None = None  # scored once per member of these periods
    span: Span | None = _span()
    key_span: Span | None = _span()


Stmt = Union[Item, Meta, Start, Adjust, UntilZero, ZeroIf, Use, Accept, Weight, Applies, Coefficient, Requires]


# ---- the policy --------------------------------------------------------------


@node
class MaxStmt:
    value: Number
    span: Span | None = _span()


@node
class EntityStmt:
    name: str
    label: str | None
    span: Span | None = _span()


@node
class RoundStmt:
    scope: str  # each | total
    places: int
    mode: str
    span: Span | None = _span()


@node
class Veto:
    """``veto "…" if C`` (the total is 0) or ``veto "…" grade G if C`` (the total stands, the grade is G)."""

    reason: str
    condition: Expr
    span: Span | None = _span()
    grade: str | None = None
    grade_span: Span | None = _span()


@node
class AwardBand:
    name: str
    label: str | None
    low: Number
    high: Number
    span: Span | None = _span()


@node
class AwardBands:
    """``awards ["title"] by rank [of ITEM] { 一等奖: 1..5 … }`` (F25)."""

    title: str | None
    item: str | None  # rank by this item's value instead of the total
    bands: tuple[AwardBand, ...]
    span: Span | None = _span()
    item_span: Span | None = _span()


@node
class GradeBand:
    """One grade of ``grades``: ``优秀: 90..``, ``良好: 75..<90``, ``不合格: ..<60``, ``>90..``; an
    end left out is unbounded, an open end (``>``/``<``) excludes its number."""

    name: str
    label: str | None
    low: Number | None
    low_open: bool
    high: Number | None
    high_open: bool
    span: Span | None = _span()


@node
class GradeBands:
    """``grades ["title"] [of ITEM] { 优秀: 90..  良好: 75..<90 … }``: grades (等次) by score."""

    title: str | None
    item: str | None  # grade this item's value instead of the total
    bands: tuple[GradeBand, ...]
    span: Span | None = _span()
    item_span: Span | None = _span()


@node
class OutcomeRule:
    """``demote "…" if C`` (one award grade down), ``rank last "…" if C`` or
    ``flag "…" if C`` (F26, F27)."""

    kind: str  # demote | last | flag
    reason: str
    condition: Expr
    span: Span | None = _span()


@node
class PeriodsDecl:
    """``periods quarter "季度" { Q1 "第一季度", … }``."""

    name: str
    label: str | None
    members: tuple[Member, ...]
    span: Span | None = _span()


@node
class Outcomes:
    rules: tuple[Union[AwardBands, GradeBands, OutcomeRule], ...]
    span: Span | None = _span()


PolicyStmt = Union[MaxStmt, EntityStmt, RoundStmt, Veto, Accept, Item, Meta, Coefficient, Outcomes, PeriodsDecl]


@node
class PolicyDecl:
    name: str
    title: str
    body: tuple[PolicyStmt, ...]
    span: Span | None = _span()


# ---- the official working-day calendar of a year ---------------------------------


@node
class DaySpan:
    """``2027-02-06`` (``last`` None) or ``2027-02-06..2027-02-12``, both days included."""

    first: DateLit
    last: DateLit | None = None
    span: Span | None = _span()


@node
class HolidayStmt:
    """``holiday "春节" DAYS [workdays DAYS]``: one paragraph of the notice, its days off
    (放假) and its adjusted working days (调休上班)."""

    name: str
    days: tuple[DaySpan, ...]
    workdays: tuple[DaySpan, ...] = ()
    span: Span | None = _span()


@node
class CalendarDecl:
    """``calendar 2027 "国务院办公厅关于2027年部分节假日安排的通知" { … }``: the year's
    official schedule; ``body`` holds ``basis`` lines and :class:`HolidayStmt`."""

    year: int
    title: str
    body: tuple[Union[Meta, HolidayStmt], ...]
    span: Span | None = _span()
    year_span: Span | None = _span()


Decl = Union[ImportDecl, FactsDecl, TableDecl, MatrixDecl, TemplateDecl, PolicyDecl, CalendarDecl]


@node
class Module:
    decls: tuple[Decl, ...]
    span: Span | None = _span()
