"""The results of a scoring run as every output reads them.

:class:`Results` is the one model behind the screen table, ``score -o`` (CSV,
JSON, Excel), every ``report``, the batch engine's output and the generated
module's outcomes: per entity its :class:`~assessc.backends.outcomes.Standing`
(rank after outcomes, tie group, awards, demotions, forced last place, flags,
veto) and every node's value, with the node's title in :attr:`Results.columns`.

Every engine builds it the same way (:func:`results_of`), from the totals, the
vetoes and the node values it computed, so the same input gives the same
output whichever engine scored it. Node values are kept as the text ``show``
gives them and read back in input order (:meth:`Results.rows`); the
interpreter spools them to a temporary file (:class:`ValueSpool`), the batch
engine reads them from its columns, so a run of millions of entities holds
only a standing per entity in memory.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import attrs

from assessc.backends.outcomes import Standing, decide_standings
from assessc.graph.nodes import ITEM
from assessc.ir import nodes as ir
from assessc.runtime.decimals import show


@attrs.frozen
class Column:
    """A node of the policy as a column of the results: its id, title and max."""

    id: str
    title: str
    max: Decimal | None = None

    @property
    def heading(self) -> str:
        """The column's heading in tables: id and title (``1.1 按照…制定配套文件``)."""
        return f"{self.id} {self.title}" if self.title else self.id


def columns_of(graph) -> tuple[Column, ...]:
    """Every item, bonus and penalty of the scoring graph, in evaluation order (sub-items first)."""
    return tuple(Column(n.id, n.ir.title, n.ir.max) for n in graph.order if n.kind == ITEM)


class Results:
    """Every entity's standing and node values; see the module's docstring."""

    def __init__(self, policy: ir.Policy, columns: Sequence[Column], standings: list[Standing], order: list[int],
                 rows: Iterable[Sequence[str]], engine: str):
        self.policy = policy
        self.columns = tuple(columns)
        self.standings = standings  # in input order
        self.order = order  # positions in rank order
        self._rows = rows
        self.engine = engine
        outcomes = policy.outcomes
        self.schemes = tuple(s.title for s in outcomes.schemes)
        self.has_forced_last = bool(outcomes.of_kind("last"))
        self.has_demotions = bool(outcomes.of_kind("demote"))
        self.has_flags = bool(outcomes.of_kind("flag"))
        #: the `grades` schemes, by title, in written order: a column each
        self.grade_schemes = tuple(s.title for s in outcomes.grades)
        self.has_grades = bool(self.grade_schemes)

    @property
    def policy_name(self) -> str:
        return self.policy.name

    def __len__(self) -> int:
        return len(self.standings)

    def ranked(self) -> Iterator[Standing]:
        """The standings in rank order (ties in input order)."""
        return (self.standings[i] for i in self.order)

    def rows(self) -> Iterator[tuple[Standing, Sequence[str]]]:
        """(standing, node values as text, one per column) for every entity, in input order."""
        return zip(self.standings, self._rows)

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close is not None:
            close()


def results_of(policy: ir.Policy, graph, entities: Sequence[str], totals: Sequence, vetoed: Sequence[tuple[str, ...]],
               *, rows: Iterable[Sequence[str]], engine: str, facts: Callable[[int], Mapping[str, object]] | None = None,
               item_keys: Callable[[str], Sequence] | None = None, shown_totals: Sequence[Decimal] | None = None,
               columns: Sequence[Column] | None = None,
               item_values: Callable[[str], Sequence[Decimal]] | None = None) -> Results:
    """The :class:`Results` of a run: the standings decided from ``totals`` (sort keys),
    ``vetoed`` and, for outcome rules, ``facts(i)``; node values from ``rows``."""
    standings, order = decide_standings(policy, entities, totals, vetoed, facts=facts, item_keys=item_keys,
                                        shown_totals=shown_totals, item_values=item_values)
    return Results(policy, columns if columns is not None else columns_of(graph), standings, order, rows, engine)


def results_of_run(policy: ir.Policy, graph, run, values: Mapping[str, Mapping[str, object]],
                   engine: str = "interp") -> Results:
    """The :class:`Results` of a :class:`~assessc.backends.results.ScoreRun` (``values``: each
    entity's facts, for outcome rules)."""
    results = run.results
    entities = [r.entity for r in results]
    columns = columns_of(graph)
    return results_of(policy, graph, entities, [r.total for r in results], [r.vetoed for r in results],
                      rows=_RunRows(run, [c.id for c in columns]), engine=engine,
                      facts=lambda i: values[entities[i]], item_keys=lambda item: [r.value(item) for r in results],
                      columns=columns)


class _RunRows:
    def __init__(self, run, ids: list[str]):
        self.run, self.ids = run, ids

    def __iter__(self):
        for result in self.run.results:
            nodes = result.nodes
            yield tuple(show(nodes[i].value) for i in self.ids)


class ValueSpool:
    """Each entity's node values as text, one line per entity, in a temporary file that
    is gone when closed (or when the process ends); the values of the items the outcomes
    read (ranked by an award scheme, graded, read by a condition) are also kept in memory."""

    def __init__(self, graph):
        self.ids = [c.id for c in columns_of(graph)]
        self._file = tempfile.TemporaryFile("w+b")
        self._kept = {item: [] for item in sorted(graph.policy.outcomes.items_read())}
        self._shown: dict[Decimal, str] = {}

    def add(self, values: Mapping[str, Decimal], total: Decimal) -> None:
        shown = self._shown
        texts = []
        for node_id in self.ids:
            value = values[node_id]
            text = shown.get(value)  # a few distinct values per item: show each once
            if text is None:
                text = show(value)
                if len(shown) < 4096:
                    shown[value] = text
            texts.append(text)
        self._file.write(("\t".join(texts) + "\n").encode("utf-8"))
        for item, kept in self._kept.items():
            kept.append(values[item])

    def item_values(self, item: str) -> list[Decimal]:
        return self._kept[item]

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield tuple(line.decode("utf-8").rstrip("\n").split("\t")) if self.ids else ()

    def close(self) -> None:
        self._file.close()
