"""Working days on the official calendar of the People's Republic of China.

Deadlines such as "在公告发布后15个工作日内报…备案" (001 task 3 #7) count
working days, which follow the State Council's holiday arrangements: public
holidays are off, and some weekend days are adjusted working days (调休).
The calendar comes from the `chinese-calendar` package, which is updated as
each year's arrangements are published; a date in a year it does not cover
is an error, never a guess.
"""

from __future__ import annotations

import datetime
from decimal import Decimal


class CalendarError(ValueError):
    pass


def covered_years() -> tuple[int, int]:
    import chinese_calendar  # imported on first use: most policies never count working days

    years = [day.year for day in chinese_calendar.holidays]
    return min(years), max(years)


def _is_workday(day: datetime.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        first, last = covered_years()
        raise CalendarError(
            f"the official working-day calendar covers {first}–{last}; {day.isoformat()} is outside it"
        ) from None


def workdays_between(start: datetime.date | str, end: datetime.date | str) -> Decimal:
    """Working days after ``start`` up to and including ``end`` (0 if end ≤ start).

    "15个工作日内" after an announcement on day A is met by a filing on day B
    when ``workdays_between(A, B) <= 15``.
    """
    start, end = _date(start), _date(end)
    count = 0
    day = start + datetime.timedelta(days=1)
    while day <= end:
        count += _is_workday(day)
        day += datetime.timedelta(days=1)
    if end > start:
        _is_workday(start)  # the start's year must be covered too
    return Decimal(count)


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
