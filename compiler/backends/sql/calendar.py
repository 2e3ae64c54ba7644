"""The official calendar of working days as a table of steps, and a day's working-day index
in SQL: workdays(a, b) = index(b) − index(a)."""

from __future__ import annotations

import datetime

import attrs
from sqlglot import exp

from assessc.backends.sql.trees import _bin, _cast, _col, _date, _dec_type, _ident, _select, _table, _wrap

_EPOCH = datetime.date(1900, 1, 1)  # a Monday before every year a calendar may declare: day numbers count from it


def _day_number(day: datetime.date) -> int:
    return (day - _EPOCH).days


#: added to the working-day index after each run of years no schedule covers, so that a count
#: across such a year (index(b) − index(a) ≥ _GAP_JUMP / 2) is told from any true count
#: (at most the weekdays of 0001..9999, about 2.6 million)
_GAP_JUMP = 10 ** 7


@attrs.frozen
class _Calendar:
    """The official calendar as steps: working days from a fixed origin up to a
    day are the weekdays up to it plus the adjustment of the step holding it
    (weekday holidays take one off, weekend days worked add one). A day in a
    year no schedule covers is held by no step, so its index is NULL; the steps
    after such a year add :data:`_GAP_JUMP` to their adjustment."""

    #: (first day, last day + 1, cumulative adjustment from that day on) as day numbers
    #: (days after _EPOCH), sorted, over the covered years
    steps: tuple[tuple[int, int, int], ...]
    gaps: bool  # whether some year between the first and the last covered one is not covered

    @staticmethod
    def load(calendar) -> "_Calendar":
        from assessc.runtime.workdays import year_runs

        off, on = calendar.adjustments()
        delta = {_day_number(day): -1 for day in off} | {_day_number(day): +1 for day in on}
        runs = year_runs(calendar.years())
        steps: list[tuple[int, int, int]] = []
        running = 0
        for k, (first_year, last_year) in enumerate(runs):
            start = _day_number(datetime.date(first_year, 1, 1))
            end = _day_number(datetime.date(last_year, 12, 31)) + 1
            if k:
                running += _GAP_JUMP
            days = sorted(d for d in delta if start <= d < end)
            lo = start
            if days and days[0] == start:
                running += delta[start]
                days = days[1:]
            for day in days:
                steps.append((lo, day, running))
                running += delta[day]
                lo = day
            steps.append((lo, end, running))
        return _Calendar(tuple(steps), len(runs) > 1)

    def index(self, day: datetime.date) -> int | None:
        """Working days from a fixed origin up to ``day``: workdays(a, b) = index(b) − index(a)."""
        number = _day_number(day)
        for lo, hi, running in self.steps:
            if lo <= number < hi:
                n = number + 1
                return 5 * (n // 7) + min(n % 7, 5) + running
        return None

    def table(self) -> exp.Select:
        """The steps as rows (lo, hi, adjustment) over day numbers, lo <= day < hi."""
        rows = [exp.Tuple(expressions=[exp.Literal.number(lo), exp.Literal.number(hi), exp.Literal.number(running)])
                for lo, hi, running in self.steps]
        values = exp.Values(expressions=rows, alias=exp.TableAlias(
            this=_ident("_v"), columns=[_ident("lo"), _ident("hi"), _ident("adjust")]))
        return _select([exp.Star()], values)

    def index_sql(self, day: exp.Expression, steps: str | None = None) -> exp.Expression:
        """:meth:`index` in SQL, NULL outside the calendar's years (no step holds the day).
        ``steps`` names a join of ``_steps`` on :meth:`holds`; without it, a scalar subquery finds the step."""
        number = self.day_number(day)
        n = _bin(exp.Add, number, exp.Literal.number(1))
        weeks = _bin(exp.Mul, exp.Literal.number(5), exp.IntDiv(this=_wrap(n), expression=exp.Literal.number(7)))
        rest = exp.Least(this=_bin(exp.Mod, n, exp.Literal.number(7)), expressions=[exp.Literal.number(5)],
                         ignore_nulls=True)
        if steps is not None:
            adjust: exp.Expression = _col("adjust", steps)
        else:
            adjust = exp.Subquery(this=_select([exp.Max(this=_col("adjust", "_S"))], _table("_steps", "_S"),
                                               where=self.holds(number, "_S")))
        return _cast(_bin(exp.Add, _bin(exp.Add, weeks, rest), adjust), _dec_type(0))

    @staticmethod
    def day_number(day: exp.Expression) -> exp.Expression:
        return exp.DateDiff(this=day, expression=_date(_EPOCH), unit=exp.var("DAY"))

    @staticmethod
    def holds(number: exp.Expression, steps: str) -> exp.Expression:
        return exp.and_(_bin(exp.LTE, _col("lo", steps), number), _bin(exp.LT, number, _col("hi", steps)))
