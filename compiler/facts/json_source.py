"""Read a JSON facts file into :class:`~assessc.facts.records.Records`.

Accepted shapes: a list of entity objects, or ``{"entities": [...]}``. An
entity object holds its id and its facts, either at top level or under
``"facts"``; the two are merged, so ``{"id": "南宁", "facts": {...}}`` and
``{"id": "南宁", "rank": 3}`` both work.

Numbers are decoded straight to :class:`~decimal.Decimal` (never through a
float). The non-standard constants `NaN` and `Infinity`, which Python's json
module would otherwise turn into floats, become the Decimals of those names,
which no fact accepts: the message then names the entity and the fact.

A key given twice in one object (or both at top level and under `"facts"`)
is an error naming the entity and the key: JSON readers keep one of the two
values, and which one differs from reader to reader.

The json module keeps no positions, so after decoding the top-level list is
walked once more element by element (``raw_decode``) to learn where each
entity starts; a fact's key is found by searching the entity's text only
when a diagnostic needs to point at it.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Sequence

from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile, Span
from assessc.facts.files import decode, read_bytes
from assessc.facts.messages import show
from assessc.facts.records import Record, Records, file_span

_SHAPE_HELP = 'expected a list of entities, `[{"id": ..., ...}, ...]`, or `{"entities": [...]}`'
_WS = re.compile(r"[ \t\n\r]*")


class _Repeating(dict):
    """A JSON object with a key given twice, which remembers each key given again: (key, the
    value kept, the later one)."""

    def __init__(self, pairs: list[tuple[str, object]]) -> None:
        super().__init__()
        self.repeated: list[tuple[str, object, object]] = []
        for key, value in pairs:
            if key in self:
                self.repeated.append((key, self[key], value))
            else:
                self[key] = value


def _object(pairs: list[tuple[str, object]]) -> dict:
    plain = dict(pairs)  # the usual object, made at the speed of the json module's own
    return plain if len(plain) == len(pairs) else _Repeating(pairs)


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal, parse_constant=Decimal, object_pairs_hook=_object)
_REPEATED_HELP = "give each key once: JSON readers keep one of the two values, and which one differs from reader to reader"


def read_json(path: Path, bag: DiagnosticBag, id_keys: Sequence[str] = ("id",)) -> Records | None:
    """The entities of ``path``; ``id_keys`` name an entity in messages about a repeated key."""
    data = read_bytes(path, bag)
    text = None if data is None else decode(data, path, bag)
    if text is None:
        return None
    source = SourceFile(str(path), text)
    document = _decode(source, bag)
    if document is _UNREADABLE:
        return None
    start = _WS.match(text).end()
    if isinstance(document, list):
        bounds = _element_bounds(text, start)
    elif isinstance(document, dict) and isinstance(document.get("entities"), list):
        document, bounds = document["entities"], _element_bounds(text, _member_start(text, start, "entities"))
    else:
        bag.add(codes.FACTS_UNREADABLE, file_span(source), f"`{path}` does not hold a list of entities",
                help=_SHAPE_HELP)
        return None
    return _records(source, document, bounds, id_keys, bag)


#: what `_decode` returns for a document it could not read (a JSON `null` is a document too)
_UNREADABLE = object()


def _decode(source: SourceFile, bag: DiagnosticBag) -> object:
    try:
        return _DECODER.decode(source.text)
    except json.JSONDecodeError as error:
        line, column = error.lineno, error.colno
        span = Span(source, line, column, line, column + 1)
        bag.add(codes.FACTS_UNREADABLE, span, f"`{source.path}` is not valid JSON: {error.msg.lower()}")
    except RecursionError:
        bag.add(codes.FACTS_UNREADABLE, file_span(source), f"`{source.path}` is nested too deeply to read")
    return _UNREADABLE


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()


def _element_bounds(text: str, i: int) -> list[tuple[int, int]]:
    """(start, end) offsets of the elements of the valid array at ``text[i]``."""
    bounds = []
    i = _skip(text, i + 1)
    while text[i] != "]":
        _, end = _DECODER.raw_decode(text, i)
        bounds.append((i, end))
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return bounds


def _member_start(text: str, i: int, wanted: str) -> int:
    """Offset of the value of the last key ``wanted`` in the valid object at ``text[i]``."""
    found = -1
    i = _skip(text, i + 1)
    while text[i] != "}":
        key, end = _DECODER.raw_decode(text, i)
        i = _skip(text, _skip(text, end) + 1)  # past the colon
        if key == wanted:
            found = i
        _, end = _DECODER.raw_decode(text, i)
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return found


class _Positions:
    """Offsets -> spans in one source, with line starts computed once."""

    def __init__(self, source: SourceFile) -> None:
        self.source = source
        self.starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", source.text)]

    def span(self, start: int, end: int) -> Span:
        line = bisect.bisect_right(self.starts, start)
        column = start - self.starts[line - 1] + 1
        line_end = self.starts[line] if line < len(self.starts) else len(self.source.text)
        end = min(end, line_end)
        return Span(self.source, line, column, line, max(column + 1, end - self.starts[line - 1] + 1))

    def key_span(self, bounds: tuple[int, int], key: str, nth: int = 0) -> Span | None:
        """Where ``key`` is written (its ``nth`` time) within ``bounds``."""
        for ascii_only in (False, True):
            quoted = json.dumps(key, ensure_ascii=ascii_only)
            pattern = re.compile(re.escape(quoted) + r"\s*:")
            matches = [pattern.search(self.source.text, *bounds)] if nth == 0 else \
                list(pattern.finditer(self.source.text, *bounds))
            if matches and matches[0]:
                match = matches[min(nth, len(matches) - 1)]
                return self.span(match.start(), match.start() + len(quoted))
        return None


def _records(source: SourceFile, document: list, bounds: list[tuple[int, int]], id_keys: Sequence[str],
             bag: DiagnosticBag) -> Records | None:
    positions = _Positions(source)
    records, columns, first_seen = [], {}, {}
    for number, (item, where) in enumerate(zip(document, bounds), start=1):
        span = positions.span(where[0], where[0] + 1)
        if not isinstance(item, dict):
            bag.add(codes.FACTS_UNREADABLE, span, f"object {number} is not an entity object", help=_SHAPE_HELP)
            continue
        values = _flatten(item)
        who = _who(values, id_keys, number)
        for key, kept, again, nth, inside in _repeated_keys(item):  # reported; the other keys are still read
            place = f" in an entry of `{inside}`" if inside else ""
            at = positions.key_span(where, key, nth) if inside is None else None  # an entry's key: the object
            bag.add(codes.FACTS_UNREADABLE, at or span,
                    f"{who}: key `{key}` appears twice{place}, as `{show(kept)}` and `{show(again)}`",
                    help=_REPEATED_HELP)
        record = Record(values, f"object {number}", span, functools.partial(positions.key_span, where))
        records.append(record)
        for key in values:
            columns.setdefault(key, None)
            first_seen.setdefault(key, record)
    if len(records) < len(document):
        return None

    def column_span(key: str) -> Span | None:
        record = first_seen.get(key)
        return None if record is None else record.cell_span(key)

    return Records(tuple(records), tuple(columns), "key", "missing", source, column_span, None)


def _who(values: dict, id_keys: Sequence[str], number: int) -> str:
    """How a message names an entity object: by its id if it has one, else by its place."""
    entity = next((values[k] for k in id_keys if isinstance(values.get(k), str) and values[k].strip()), None)
    return f"entity `{entity.strip()}`" if entity is not None else f"object {number}"


def _repeated_keys(item: dict):
    """(key, value kept, value given again, which writing of the key is the repeat, the ledger
    whose entry it is in or None) for each key given twice in an entity object."""
    for key, kept, again in getattr(item, "repeated", ()):
        yield key, kept, again, 1, None
    nested = item.get("facts")
    if isinstance(nested, dict):
        for key, kept, again in getattr(nested, "repeated", ()):
            yield key, kept, again, 1, None
        for key in nested:
            if key in item and key != "facts":  # at top level and under "facts"
                yield key, item[key], nested[key], 1, None
    values = _flatten(item)
    for ledger, entries in values.items():
        if isinstance(entries, list):
            for entry in entries:
                for key, kept, again in getattr(entry, "repeated", ()):
                    yield key, kept, again, 1, ledger


def _flatten(item: dict) -> dict:
    """The entity's keys, with those under `facts` lifted to top level."""
    nested = item.get("facts")
    if not isinstance(nested, dict):
        return dict(item)
    values = {k: v for k, v in item.items() if k != "facts"}
    values.update(nested)
    return values
