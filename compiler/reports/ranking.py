"""The ranking-and-awards report: every entity's standing in rank order (F25–F27), as text,
table rows or JSON; the same columns and the same screen as ``assessc score``
(:mod:`assessc.reports.standings`)."""

from __future__ import annotations

from assessc.backends.scored import Results
from assessc.reports import standings


def header(results: Results) -> list[str]:
    return standings.header(results, nodes=False)


def rows(results: Results) -> list[list]:
    return list(standings.ranked_rows(results))


def text(results: Results) -> str:
    return standings.screen_text(results, limit=None, heading=f"{results.policy.title}: ranking and awards")


def json_data(results: Results) -> list[dict]:
    return [standings.standing_json(s) for s in results.ranked()]
