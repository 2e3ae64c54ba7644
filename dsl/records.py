"""Frozen value records: the decorator of the syntax tree's and the IR's node classes.

A record is an ``attrs`` frozen class whose ``__eq__``, ``__hash__`` and
``__repr__`` are these shared functions instead of methods generated for each
class. They behave as attrs' own (the same fields compared, hashed and shown,
in the same order), but attrs compiles generated code for every method of
every class when a module is imported, and the node modules define about a
hundred classes: sharing three functions keeps that off the start-up of every
command. Only ``__init__`` is generated.
"""

from __future__ import annotations

import attrs

_COMPARED: dict[type, tuple[str, ...]] = {}
_SHOWN: dict[type, tuple[str, ...]] = {}


def _compared(cls: type) -> tuple[str, ...]:
    names = _COMPARED.get(cls)
    if names is None:
        names = _COMPARED[cls] = tuple(a.name for a in attrs.fields(cls) if a.eq)
    return names


def _values(self) -> tuple:
    return tuple(getattr(self, name) for name in _compared(self.__class__))


def _eq(self, other):
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _ne(self, other):
    equal = _eq(self, other)
    return equal if equal is NotImplemented else not equal


def _hash(self) -> int:
    return hash((self.__class__.__qualname__, *_values(self)))


def _repr(self) -> str:
    cls = self.__class__
    names = _SHOWN.get(cls)
    if names is None:
        names = _SHOWN[cls] = tuple(a.name for a in attrs.fields(cls) if a.repr)
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
    return f"{cls.__qualname__}({shown})"


def record(cls: type) -> type:
    """``cls`` as a frozen attrs class with slots, compared by value (fields with ``eq=False``,
    such as spans, take no part) and hashable."""
    cls.__eq__, cls.__ne__, cls.__hash__, cls.__repr__ = _eq, _ne, _hash, _repr
    return attrs.frozen(cls, eq=False, repr=False)
