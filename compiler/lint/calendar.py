"""Lints on the declared working-day calendar (``calendar YYYY "…" { … }``).

* W0523 — a declared year unlike any State Council notice: an adjusted working
  day (调休上班) on Monday to Friday, which would work anyway (a mistyped date,
  or a holiday written after ``workdays``), or a year without a single holiday.
  Holidays on weekends are not reported: the notices' ranges (春节, 国庆节)
  always take in weekends.
"""

from __future__ import annotations

from typing import Iterator

from assessc.diagnostics import Diagnostic, codes
from assessc.graph.bounds import Bounds
from assessc.ir import nodes as ir
from assessc.lint.checks import Finding

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def unlikely_schedule(policy: ir.Policy, bounds: Bounds) -> Iterator[Finding]:
    for schedule in policy.calendar.declared:
        if not schedule.holidays:
            yield Finding(Diagnostic(codes.UNLIKELY_SCHEDULE, schedule.span,
                                     f"the working-day calendar of {schedule.year} lists no holiday",
                                     "every notice gives 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节 and 国庆节: "
                                     "write one `holiday` line per paragraph"), policy.accepts)
        for day in sorted(schedule.workdays):
            if day.weekday() < 5:
                yield Finding(Diagnostic(
                    codes.UNLIKELY_SCHEDULE, schedule.day_spans.get(day, schedule.span),
                    f"{day.isoformat()} is a {_WEEKDAYS[day.weekday()]}: as an adjusted working day it changes nothing",
                    "an adjusted working day (调休上班) is a Saturday or Sunday the notice moves to work; check the "
                    "date against the notice"), policy.accepts)


CHECKS = (unlikely_schedule,)
