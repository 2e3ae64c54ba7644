"""What the fact loader hands to the scorer: entities and their typed facts.

Values are exact and typed by their fact's kind (see :mod:`assessc.facts.values`):
numbers are :class:`~decimal.Decimal`, never floats, so a score computed from
them is the same on every backend. Both classes are frozen, and an entity's
values sit behind a read-only mapping, so a scorer cannot change its input.
"""

from __future__ import annotations

import types
from typing import Mapping

import attrs

from assessc.dsl.source import Span


def _freeze(values: Mapping[str, object]) -> Mapping[str, object]:
    if isinstance(values, types.MappingProxyType):
        return values
    return types.MappingProxyType(dict(values))


@attrs.frozen
class Entity:
    """One assessed entity (a city, a unit) and the value of each of its facts."""

    id: str
    #: fact name -> typed value; a read-only mapping (left out of the hash,
    #: since mappings are not hashable)
    values: Mapping[str, object] = attrs.field(converter=_freeze, hash=False)
    #: the entity's row (CSV/XLSX) or object (JSON), for pointing at it later
    span: Span | None = attrs.field(default=None, eq=False, repr=False)

    def __getitem__(self, fact: str) -> object:
        return self.values[fact]


@attrs.frozen
class FactSet:
    """All entities of one facts file, in input order, with lookup by id."""

    entities: tuple[Entity, ...]
    #: the path of the facts file
    source: str
    _index: Mapping[str, Entity] = attrs.field(init=False, eq=False, repr=False, hash=False)

    @_index.default
    def _build_index(self) -> Mapping[str, Entity]:
        return types.MappingProxyType({e.id: e for e in self.entities})

    def get(self, entity_id: str) -> Entity | None:
        return self._index.get(entity_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entities)

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self):
        return iter(self.entities)
