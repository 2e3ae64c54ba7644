"""Working days on the official calendar of the People's Republic of China.

Deadlines such as "在公告发布后15个工作日内报…备案" (001 task 3 #7) count
working days, which follow the State Council's holiday arrangements: public
holidays are off, and some weekend days are adjusted working days (调休).
Each autumn the General Office of the State Council publishes the next
year's arrangements (国务院办公厅关于YYYY年部分节假日安排的通知).

A year's schedule comes from one of two sources. A policy (or a module it
imports) may declare it with ``calendar YYYY "notice" { … }``; a declared
year always wins. Every other year comes from the `chinese-calendar`
package, which is updated some time after each notice. A date in a year
that neither covers is an error that names the year and says how to add it
(:func:`missing_year`), never a guess.

:class:`Calendar` is the one definition of which days are working days;
every engine asks it: the interpreter (:meth:`Calendar.between`) and the
generated module count with its :meth:`Calendar.day_table` as
:mod:`assessc.runtime.daycount` does, the batch engine and the SQL query
through the tables :meth:`Calendar.adjustments` and :meth:`Calendar.years`
give; :meth:`Calendar.is_workday` says it for one day (tests count day by day
with it to check the tables).
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal
from typing import Iterable

import attrs

from assessc.runtime.daycount import CalendarError, as_date, count_workdays, day_table, uncovered_year

__all__ = ["CalendarError", "Calendar", "Schedule", "LIBRARY", "missing_year", "workdays_between", "year_runs",
           "covered_years", "template_path", "package", "TEMPLATE_NAME"]

#: the template a user copies to declare a year (shipped in the standard library folder)
TEMPLATE_NAME = "holidays_TEMPLATE.txt"


@attrs.frozen
class Schedule:
    """One year's official schedule: the days off (放假, weekend days within a
    holiday included) and the adjusted working days (调休上班)."""

    year: int
    source: str  # the notice's title, or "chinese-calendar 1.11.0"
    holidays: frozenset = frozenset()
    workdays: frozenset = frozenset()
    #: where the year is declared ("holidays_2027.assess:3"); None for the package's years
    origin: str | None = attrs.field(default=None, eq=False)
    #: the declaration's span, and each listed day's, for diagnostics (never compared)
    span: object = attrs.field(default=None, eq=False, repr=False)
    day_spans: dict = attrs.field(factory=dict, eq=False, repr=False, hash=False)


@attrs.frozen
class _Package:
    """The years the `chinese-calendar` package holds."""

    version: str
    first: int
    last: int
    holidays: frozenset
    workdays: frozenset

    def schedule(self, year: int) -> Schedule:
        return Schedule(year, f"chinese-calendar {self.version}",
                        frozenset(d for d in self.holidays if d.year == year),
                        frozenset(d for d in self.workdays if d.year == year))


@functools.lru_cache(maxsize=1)
def package() -> _Package:
    import chinese_calendar  # imported on first use: most policies never count working days

    years = [day.year for day in chinese_calendar.holidays]
    return _Package(getattr(chinese_calendar, "__version__", "") or "?", min(years), max(years),
                    frozenset(chinese_calendar.holidays), frozenset(chinese_calendar.workdays))


def covered_years() -> tuple[int, int]:
    """The first and last year the `chinese-calendar` package covers."""
    return package().first, package().last


def template_path() -> str:
    """The template's path, relative to the working directory when it lies below it (as
    diagnostics print paths)."""
    from importlib import resources
    from pathlib import Path

    path = Path(str(resources.files("assessc.stdlib").joinpath(TEMPLATE_NAME)))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class Calendar:
    """The working-day calendar a policy counts on: the years its modules declare
    and, for every other year, the `chinese-calendar` package.

    Compared and hashed by the declared schedules, so it can sit in the IR."""

    __slots__ = ("declared", "_by_year", "_hash", "_tables", "_counting")

    def __init__(self, declared: Iterable[Schedule] = ()):
        self.declared: tuple[Schedule, ...] = tuple(sorted(declared, key=lambda s: s.year))
        self._by_year = {s.year: s for s in self.declared}
        if len(self._by_year) != len(self.declared):
            raise ValueError("a year is declared twice")
        self._hash = hash(self.declared)
        self._tables = None
        self._counting = None

    def __eq__(self, other) -> bool:
        return isinstance(other, Calendar) and self.declared == other.declared

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"Calendar(declared={[s.year for s in self.declared]})"

    # ---- which years ----------------------------------------------------------------------
    def covers(self, year: int) -> bool:
        if year in self._by_year:
            return True
        lib = package()
        return lib.first <= year <= lib.last

    def years(self) -> tuple[int, ...]:
        """Every covered year, in order (the package's run of years and the declared ones)."""
        lib = package()
        return tuple(sorted(set(range(lib.first, lib.last + 1)) | set(self._by_year)))

    def missing(self, year: int) -> CalendarError:
        message, help = missing_year(year, self)
        return CalendarError(year, f"{message}; {help}")

    def check_years(self, start: datetime.date, end: datetime.date) -> None:
        """:class:`CalendarError` for the first year from ``start``'s to ``end``'s that is not covered."""
        for year in range(start.year, end.year + 1):
            if not self.covers(year):
                raise self.missing(year)

    # ---- counting ---------------------------------------------------------------------------
    def is_workday(self, day: datetime.date) -> bool:
        """An adjusted working day (调休上班) works; else a holiday (放假) is off; else Monday to
        Friday work. :class:`CalendarError` in a year no schedule covers."""
        if not self.covers(day.year):
            raise self.missing(day.year)
        return _works(day, *self._sets())

    def between(self, start: datetime.date | str, end: datetime.date | str) -> Decimal:
        """Working days after ``start`` up to and including ``end`` (0 if end ≤ start).

        "15个工作日内" after an announcement on day A is met by a filing on day B
        when ``between(A, B) <= 15``. Every year from A's to B's must be covered.
        Counted as every generated scorer counts (:mod:`assessc.runtime.daycount`)."""
        start, end = as_date(start), as_date(end)
        if end <= start:
            return Decimal(0)
        table = self.day_table()
        year = uncovered_year(table, start, end)
        if year is not None:
            raise self.missing(year)
        return Decimal(count_workdays(table, start, end))

    # ---- tables for the compiled engines ----------------------------------------------------------
    def _sets(self) -> tuple[frozenset, frozenset]:
        """(days off, adjusted working days) over every covered year."""
        if self._tables is None:
            lib = package()
            declared = set(self._by_year)
            off = {d for d in lib.holidays if d.year not in declared}
            on = {d for d in lib.workdays if d.year not in declared}
            for schedule in self.declared:
                off |= schedule.holidays
                on |= schedule.workdays
            self._tables = (frozenset(off - on), frozenset(on))
        return self._tables

    def adjustments(self) -> tuple[tuple[datetime.date, ...], tuple[datetime.date, ...]]:
        """The days that differ from "Monday to Friday work", in order: holidays falling on
        Monday to Friday (off) and adjusted working days falling on a weekend (on)."""
        off, on = self._sets()
        return (tuple(sorted(d for d in off if d.weekday() < 5)),
                tuple(sorted(d for d in on if d.weekday() >= 5)))

    def day_table(self):
        """The covered years and :meth:`adjustments` as a counting table (:mod:`assessc.runtime.daycount`)."""
        if self._counting is None:
            self._counting = day_table(self.years(), *self.adjustments())
        return self._counting

    def sources(self) -> str:
        """Where the calendar's years come from, in words (for a generated module's header)."""
        lib = package()
        declared = set(self._by_year)
        from_package = [y for y in range(lib.first, lib.last + 1) if y not in declared]
        parts = []
        if from_package:
            parts.append(f"{_years_text(from_package)} from chinese-calendar {lib.version}")
        parts += [f"{s.year} from {s.source}" for s in self.declared]
        return "; ".join(parts)


LIBRARY = Calendar()  # no declared year: the package alone


def missing_year(year: int | str, calendar: Calendar | None = None) -> tuple[str, str]:
    """The error for a year no schedule covers, and how to add it: (message, help)."""
    lib = package()
    declared = [s.year for s in calendar.declared] if calendar is not None else []
    also = f" and the policy declares {_years_text(declared)}" if declared else " and the policy declares no other year"
    message = (f"the official working-day calendar has no schedule for {year}: "
               f"chinese-calendar {lib.version} covers {lib.first}–{lib.last}{also}")
    help = (f"to count working days in {year}, copy {template_path()} to holidays_{year}.assess beside the "
            f"policy, write into it the holidays and adjusted working days of "
            f"国务院办公厅关于{year}年部分节假日安排的通知 (the State Council publishes it each autumn for the next "
            f"year), and add `import \"./holidays_{year}.assess\"` to the policy "
            "(docs/tutorial.md, \"When a new year's holidays are published\")")
    return message, help


def workdays_between(start: datetime.date | str, end: datetime.date | str,
                     calendar: Calendar | None = None) -> Decimal:
    """:meth:`Calendar.between` on ``calendar`` (by default the package's years alone)."""
    return (calendar or LIBRARY).between(start, end)


def year_runs(years) -> list[tuple[int, int]]:
    """Runs of consecutive years: [(2004, 2026), (2028, 2028)]."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and runs[-1][1] == year - 1:
            runs[-1][1] = year
        else:
            runs.append([year, year])
    return [(a, b) for a, b in runs]


def _years_text(years) -> str:
    """2004–2026, 2028 for a list of years."""
    return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in year_runs(years))


def _works(day: datetime.date, off: frozenset, on: frozenset) -> bool:
    """An adjusted working day works; else a holiday is off; else Monday to Friday work."""
    return day in on or (day.weekday() < 5 and day not in off)
