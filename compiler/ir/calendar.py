"""The official working-day calendar a program declares.

Every ``calendar YYYY "notice" { holiday "…" DAYS [workdays DAYS] … }`` of
every loaded module becomes one :class:`~assessc.runtime.workdays.Schedule`;
together they make the program's :class:`~assessc.runtime.workdays.Calendar`,
in which a declared year wins over the `chinese-calendar` package. Checked
here: a year declared twice (E0217), a day outside the declared year
(E0418), a day that is both a holiday and an adjusted working day (E0417), a
range running backwards (E0303), two ``basis`` lines (E0401). The lint
:mod:`assessc.lint.calendar` warns about what is merely unlikely.

:func:`check_literal_years` reports a ``workdays`` call whose literal date
lies in a year the calendar does not cover (E0218): no entity could be
scored past it.
"""

from __future__ import annotations

import datetime

from assessc.diagnostics import DiagnosticBag, Note, codes
from assessc.dsl import ast
from assessc.ir import nodes as ir
from assessc.ir.modules import Program
from assessc.ir.types import ExprType
from assessc.runtime.workdays import Calendar, Schedule, missing_year


def declared_calendar(program: Program, bag: DiagnosticBag) -> Calendar:
    """The calendar of every ``calendar`` declaration in ``program``'s modules."""
    first: dict[int, ast.CalendarDecl] = {}
    schedules: list[Schedule] = []
    for module in program.modules:
        for decl in module.tree.decls:
            if not isinstance(decl, ast.CalendarDecl):
                continue
            if decl.year in first:
                bag.add(codes.CALENDAR_YEAR_TWICE, decl.year_span or decl.span,
                        f"the working-day calendar of {decl.year} is already declared",
                        "keep one `calendar` per year: remove this one, or the import that brings the other",
                        [Note(first[decl.year].span, f"{decl.year} first declared here")])
                continue
            first[decl.year] = decl
            schedules.append(_schedule(decl, module.source.path, bag))
    return Calendar(schedules)


def _schedule(decl: ast.CalendarDecl, path, bag: DiagnosticBag) -> Schedule:
    holidays: dict[datetime.date, object] = {}
    workdays: dict[datetime.date, object] = {}
    basis = None
    for stmt in decl.body:
        if isinstance(stmt, ast.Meta):
            if basis is not None:
                bag.add(codes.DUPLICATE_STATEMENT, stmt.span, "`basis` appears twice in this calendar",
                        "give the notice's issuer, number and date in one `basis`",
                        [Note(basis.span, "first here")])
            basis = basis or stmt
            continue
        for day, span in _days(stmt.days, decl.year, bag):
            holidays.setdefault(day, span)
        for day, span in _days(stmt.workdays, decl.year, bag):
            workdays.setdefault(day, span)
    for day in sorted(holidays.keys() & workdays.keys()):
        bag.add(codes.HOLIDAY_AND_WORKDAY, workdays[day], f"{day.isoformat()} is both a holiday and an adjusted "
                "working day", "a day of the notice is either 放假 (a holiday) or 上班 (an adjusted working day): "
                "check the notice and keep the one it says", [Note(holidays[day], "listed as a holiday here")])
    line = decl.span.line if decl.span is not None else None
    return Schedule(decl.year, decl.title, frozenset(holidays), frozenset(workdays),
                    f"{path}:{line}" if line else str(path), decl.span, {**holidays, **workdays})


def _days(spans, year: int, bag: DiagnosticBag):
    """(day, span of the literal) for every day the spans list that lies in ``year``."""
    for span in spans:
        first = datetime.date.fromisoformat(span.first.value)
        last = datetime.date.fromisoformat(span.last.value) if span.last is not None else first
        if last < first:
            bag.add(codes.BAD_RANGE, span.span, f"the range {first.isoformat()}..{last.isoformat()} runs backwards",
                    f"write the earlier day first: {last.isoformat()}..{first.isoformat()}")
            continue
        if first.year != year or last.year != year:
            outside = first if first.year != year else last
            bag.add(codes.DAY_OUTSIDE_YEAR, span.span,
                    f"{outside.isoformat()} is not in {year}, the year this calendar declares",
                    f"each year's notice goes in its own `calendar {outside.year} \"…\" {{ … }}`; a holiday across "
                    "the new year (元旦) is listed in the year each of its days belongs to")
            continue
        day = first
        while day <= last:
            yield day, span.span
            day += datetime.timedelta(days=1)


def check_literal_years(call: ir.Call, bag: DiagnosticBag) -> None:
    """E0218 for each literal date of a ``workdays`` call in a year ``call.calendar`` does not cover."""
    for arg in call.args:
        if isinstance(arg, ir.Const) and arg.type is ExprType.DATE:
            year = int(arg.value[:4])
            if not call.calendar.covers(year):
                message, help = missing_year(year, call.calendar)
                bag.add(codes.CALENDAR_YEAR_MISSING, arg.span, message, help)
