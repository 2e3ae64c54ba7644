"""The resolved, typed IR of a policy.

Every name is resolved to its declaration, every expression has a type,
templates are expanded and tables are inlined. Nodes are frozen; spans do not
take part in equality.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Union

import attrs

from assessc.dsl.records import record

from assessc.dsl.source import Span
from assessc.ir.types import ExprType, FactDecl
from assessc.runtime.workdays import LIBRARY, Calendar
from assessc.runtime.decimals import show


def _span():
    return attrs.field(eq=False, repr=False, default=None)


# ---- expressions ------------------------------------------------------------


@record
class Const:
    value: object  # Decimal | bool | str (date iso / text / enum member)
    type: ExprType
    span: Span | None = _span()


@record
class FactRef:
    fact: FactDecl
    type: ExprType
    span: Span | None = _span()


@record
class MissingCount:
    fact: FactDecl
    type: ExprType = ExprType.NUMBER
    span: Span | None = _span()


@record
class EntryCount:
    fact: FactDecl
    where: "Expr | None" = None  # over the entry's fields
    type: ExprType = ExprType.NUMBER
    span: Span | None = _span()


@record
class FieldRef:
    """A field of the ledger entry being filtered (inside ``where (…)``)."""

    fact: FactDecl  # the field's declaration
    type: ExprType
    span: Span | None = _span()


@record
class LedgerValue:
    """``sum L … by F TABLE`` used inside an expression."""

    body: "LedgerSum"
    type: ExprType = ExprType.NUMBER
    span: Span | None = _span()


@record
class Unary:
    op: str
    operand: "Expr"
    type: ExprType
    span: Span | None = _span()


@record
class Binary:
    op: str
    left: "Expr"
    right: "Expr"
    type: ExprType
    span: Span | None = _span()


@record
class InSet:
    value: "Expr"
    members: tuple[str, ...]
    type: ExprType = ExprType.BOOL
    span: Span | None = _span()


@record
class Call:
    func: str  # min | max | workdays
    args: tuple["Expr", ...]
    type: ExprType = ExprType.NUMBER
    #: the working-day calendar `workdays` counts on (the program's declared years, else chinese-calendar)
    calendar: Calendar = attrs.field(default=LIBRARY, repr=False)
    span: Span | None = _span()


@record
class LookupValue:
    """``lookup KEY TABLE`` used inside an expression."""

    key: "Expr"
    table: "Table"
    type: ExprType = ExprType.NUMBER
    span: Span | None = _span()


@record
class Invalid:
    """Stands for an expression whose error was already reported; a program
    holding one never reaches a backend."""

    type: ExprType
    span: Span | None = _span()


Expr = Union[Const, FactRef, MissingCount, EntryCount, FieldRef, LedgerValue, Unary, Binary, InSet, Call, LookupValue,
             Invalid]


# ---- tables and terms --------------------------------------------------------


@record
class TableRow:
    """A numeric band ``low..high`` (inclusive) or an enum ``member``."""

    value: Decimal
    low: Decimal | None = None
    high: Decimal | None = None
    member: str | None = None
    span: Span | None = _span()

    def describe(self) -> str:
        if self.member is not None:
            return self.member
        if self.low == self.high:
            return show(self.low)
        return f"{show(self.low)}..{show(self.high)}"


@record
class Table:
    name: str | None
    rows: tuple[TableRow, ...]
    default: Decimal | None  # the `else` row; None means 0 and no row
    span: Span | None = _span()


@record
class MatrixRow:
    member: str
    values: tuple[Decimal, ...]  # one per column
    span: Span | None = _span()


@record
class Matrix:
    """Points by (row member, column member), e.g. authority level × prize grade."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[MatrixRow, ...]
    span: Span | None = _span()

    def get(self, row: str, column: str) -> Decimal | None:
        for entry in self.rows:
            if entry.member == row and column in self.columns:
                return entry.values[self.columns.index(column)]
        return None


@record
class Value:
    expr: Expr


@record
class Per:
    amount: Expr
    count: Expr


@record
class Steps:
    amount: Expr
    step: Expr
    direction: str  # below | above
    threshold: Expr
    value: Expr
    partial: str  # whole | started | proportional
    partial_said: bool


@record
class Lookup:
    key: Expr
    table: Table


@record
class LedgerSum:
    """Σ over entries (or, with ``group``, over distinct groups taking each
    group's highest) of the points of the entry's ``field`` in ``table`` —
    or, with ``column_field``, of (field, column_field) in a matrix."""

    ledger: FactDecl
    field: str
    table: "Table | Matrix"
    group: str | None  # highest per distinct value of this field
    column_field: str | None = None
    where: "Expr | None" = None  # only entries for which this holds


TermBody = Union[Value, Per, Steps, Lookup, LedgerSum]


@record
class Term:
    """One ``add``/``deduct`` statement: its signed contribution is
    ``sign × body`` when ``condition`` holds (or is absent), else 0."""

    sign: int
    body: TermBody
    condition: Expr | None
    text: str  # the statement as written, for explanations
    span: Span | None = _span()


# ---- items --------------------------------------------------------------------


@record
class Accept:
    code: str
    reason: str
    span: Span | None = _span()


@record
class Meta:
    lead: tuple[str, ...] = ()  # effective: own, else inherited
    responsible: tuple[str, ...] = ()
    deadline: str | None = None
    evidence: tuple[str, ...] = ()
    text: str | None = None
    notes: tuple[str, ...] = ()
    basis: tuple[str, ...] = ()


@record
class Requirement:
    """What completing an item takes: every item of an evidence fact
    (``evidence`` set), or a condition."""

    text: str
    evidence: FactDecl | None = None
    condition: "Expr | None" = None
    span: Span | None = _span()


@record
class ZeroIf:
    condition: Expr
    text: str
    span: Span | None = _span()


@record
class Node:
    id: str
    kind: str  # item | bonus | penalty
    title: str
    max: Decimal | None
    uncapped: bool
    floor: Decimal | None  # Decimal(0) for `until zero`
    start: Expr | None
    terms: tuple[Term, ...]
    children: tuple["Node", ...]
    zero_if: tuple[ZeroIf, ...]
    meta: Meta
    accepts: tuple[Accept, ...]
    #: ``weight W``: counts W × value × 100 / max in the parent
    weight: "TermBody | None" = None
    #: ``applies if C``: scored only where C holds
    applies: Expr | None = None
    #: ``coefficient E``: value multiplied by E after the floor and cap
    coefficient: Expr | None = None
    #: ``requires …``: what completing the item takes
    requires: tuple[Requirement, ...] = ()
    span: Span | None = _span()
    max_span: Span | None = _span()
    floor_span: Span | None = _span()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@record
class Rounding:
    scope: str  # each | total
    places: int
    mode: str  # one of assessc.runtime.decimals.ROUNDING_MODES
    span: Span | None = _span()


@record
class FactCheck:
    """``require CONDITION "message"``: a check every entity's facts must pass before it is
    scored (a finish date not before its start …); the facts loader reports a failure (D0613)."""

    condition: Expr
    message: str
    span: Span | None = _span()


@record
class Veto:
    reason: str
    condition: Expr
    span: Span | None = _span()


@record
class AwardBand:
    name: str
    label: str | None
    low: int
    high: int
    span: Span | None = _span()


@record
class AwardScheme:
    """Award bands over ranks (F25); ``item`` ranks by that item instead of the total."""

    title: str
    item: str | None
    bands: tuple[AwardBand, ...]
    span: Span | None = _span()


@record
class GradeBand:
    """A grade (等次) over scores: ``low``/``high`` None when unbounded; an open end excludes its number."""

    name: str
    label: str | None
    low: Decimal | None
    low_open: bool
    high: Decimal | None
    high_open: bool
    span: Span | None = _span()

    def holds(self, value: Decimal) -> bool:
        from assessc.runtime.standing import in_band

        return in_band(self.ends(), value)

    def ends(self) -> tuple:
        """(low, low_open, high, high_open), as :mod:`assessc.runtime.standing` reads a band."""
        return (self.low, self.low_open, self.high, self.high_open)

    def describe(self) -> str:
        """The band as written: ``90..``, ``75..<90``, ``..<60``, ``>90..``."""
        low = "" if self.low is None else (">" if self.low_open else "") + show(self.low)
        high = "" if self.high is None else ("<" if self.high_open else "") + show(self.high)
        return f"{low}..{high}"


@record
class GradeScheme:
    """Grades by score (等次): of the total, or of one item's value (``of ITEM``); bands in written order."""

    title: str
    item: str | None
    bands: tuple[GradeBand, ...]
    span: Span | None = _span()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(b.name for b in self.bands)


@record
class GradeVeto:
    """``veto "…" grade G if C``: when C holds the entity is vetoed (placed after every other, no
    award), its score stands, and its grade in every scheme of the total is G."""

    reason: str
    grade: str
    condition: Expr
    span: Span | None = _span()


@record
class OutcomeRule:
    kind: str  # demote | last | flag
    reason: str
    condition: Expr
    span: Span | None = _span()


@record
class Periods:
    """Periods (e.g. quarters) over which `per` items are scored and summed."""

    name: str
    label: str | None
    members: tuple  # of types.Member
    span: Span | None = _span()


@record
class Outcomes:
    schemes: tuple[AwardScheme, ...] = ()
    rules: tuple[OutcomeRule, ...] = ()
    grades: tuple[GradeScheme, ...] = ()
    #: the vetoes that fix the grade and keep the score (those that zero the total are Policy.vetoes)
    vetoes: tuple[GradeVeto, ...] = ()

    def items_read(self) -> set[str]:
        """The items whose values the outcomes read: ranked by, graded by, or read by a condition."""
        from assessc.ir.grades import reads_of

        items = {s.item for s in (*self.schemes, *self.grades) if s.item is not None}
        return items | {item for _, item in reads_of(self) if item is not None}

    def of_kind(self, kind: str) -> tuple[OutcomeRule, ...]:
        return tuple(r for r in self.rules if r.kind == kind)


@record
class Policy:
    name: str
    title: str
    entity: str
    entity_label: str | None
    max: Decimal | None
    rounding: Rounding | None
    items: tuple[Node, ...]
    bonuses: tuple[Node, ...]
    penalties: tuple[Node, ...]
    vetoes: tuple[Veto, ...]
    facts: tuple[FactDecl, ...]
    accepts: tuple[Accept, ...]
    meta: Meta
    coefficient: Expr | None = None
    outcomes: Outcomes = Outcomes()
    periods: Periods | None = None
    span: Span | None = _span()
    max_span: Span | None = _span()
    #: the working-day calendar: the years the program's modules declare, else chinese-calendar
    calendar: Calendar = attrs.field(default=LIBRARY, repr=False)
    #: the facts blocks' `require` checks, of every module the policy loads
    fact_checks: tuple[FactCheck, ...] = ()

    def all_nodes(self):
        for top in (*self.items, *self.bonuses, *self.penalties):
            yield from top.walk()

    def fact(self, name: str) -> FactDecl | None:
        return next((f for f in self.facts if f.name == name), None)
