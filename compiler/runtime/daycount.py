"""Counting working days from a table of the days that differ from "Monday to Friday work".

The one count every engine that counts in Python makes: the interpreter
(:meth:`assessc.runtime.workdays.Calendar.between`) and every generated scorer
(``pygen/module.py`` copies this file into it, with the policy's table as data).
A :class:`DayTable` holds the covered years and, as sorted day ordinals, the
holidays falling on Monday to Friday and the adjusted working days (调休上班)
falling on a weekend; a count is then the weekdays in the range, less the
holidays in it, plus the adjusted working days in it. Standard library only.
"""

from __future__ import annotations

import datetime
from bisect import bisect_right
from typing import NamedTuple


class CalendarError(ValueError):
    """A count of working days that reaches a year no schedule covers."""

    def __init__(self, year, message):
        super().__init__(message)
        self.year = year


class DayTable(NamedTuple):
    """The official calendar as a counting table."""

    years: frozenset  # every covered year
    off: tuple  # ordinals of the holidays falling on Monday to Friday, in order
    on: tuple  # ordinals of the adjusted working days falling on a weekend, in order


def day_table(years, off, on):
    """A :class:`DayTable` from the covered years and the two lists of days (dates)."""
    return DayTable(frozenset(years), tuple(sorted(d.toordinal() for d in off)),
                    tuple(sorted(d.toordinal() for d in on)))


def as_date(value):
    """A date, from a date or its ISO text (`2017-09-30`)."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def uncovered_year(table, start, end):
    """The first year from ``start``'s to ``end``'s that ``table`` does not cover, or None."""
    for year in range(start.year, end.year + 1):
        if year not in table.years:
            return year
    return None


def _weekdays_upto(ordinal):
    """Monday..Friday among the days 1..ordinal (day 1, 0001-01-01, is a Monday)."""
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


def count_workdays(table, start, end):
    """Working days after ``start`` up to and including ``end`` (dates; 0 if end <= start), as an
    int. Every year from ``start``'s to ``end``'s must be covered (:func:`uncovered_year`)."""
    if end <= start:
        return 0
    a, b = start.toordinal(), end.toordinal()
    count = _weekdays_upto(b) - _weekdays_upto(a)
    count -= bisect_right(table.off, b) - bisect_right(table.off, a)
    count += bisect_right(table.on, b) - bisect_right(table.on, a)
    return count
