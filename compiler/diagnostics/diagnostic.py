"""Diagnostics: a code, a span, a message, and optional help and notes.

Passes collect diagnostics in a :class:`DiagnosticBag` and keep going; only
stage boundaries in the driver stop on errors.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import attrs

from assessc.diagnostics.codes import Code, Severity
from assessc.dsl.source import Span


@attrs.frozen
class Note:
    span: Span | None
    message: str


@attrs.frozen
class Diagnostic:
    code: Code
    span: Span | None
    message: str
    help: str | None = None
    notes: tuple[Note, ...] = ()
    #: set when an `accept` in the policy acknowledges this finding
    accepted: str | None = None

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def is_error(self) -> bool:
        return self.code.severity is Severity.ERROR and self.accepted is None

    def sort_key(self) -> tuple:
        if self.span is None:
            return ("", 0, 0, self.code.code)
        return (self.span.path, self.span.line, self.span.column, self.code.code)


class DiagnosticBag:
    """An ordered collection that passes append to."""

    def __init__(self) -> None:
        self._items: list[Diagnostic] = []

    def add(
        self,
        code: Code,
        span: Span | None,
        message: str,
        help: str | None = None,
        notes: Iterable[Note] = (),
    ) -> Diagnostic:
        diagnostic = Diagnostic(code, span, message, help, tuple(notes))
        self._items.append(diagnostic)
        return diagnostic

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self._items.extend(diagnostics)

    def replace(self, diagnostics: Iterable[Diagnostic]) -> None:
        self._items = list(diagnostics)

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self._items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self._items, key=Diagnostic.sort_key)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)
