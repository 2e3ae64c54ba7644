"""A backend's refusal: what a backend cannot compile or score exactly, as a diagnostic.

The generated Python module (:class:`~assessc.backends.pygen.CompileError`), the SQL
backend (:class:`~assessc.backends.sql.SQLUnsupported`) and the batch engine
(:class:`~assessc.backends.batch.BatchUnsupported`, ``BatchOverflow``,
``BatchInexact``) refuse by raising. Each of these exceptions is a :class:`Refusal`: it
keeps its own text (``str(error)``, which the interpreter fallback of ``score --engine auto``
quotes) and carries ``diagnostics``, registered E07xx codes located in the policy, which the
command line renders like every other diagnostic. One code per kind of refusal, whichever
backend refuses: a form it does not compute (E0701), a value beyond its fixed-point numbers
(E0702), a quotient it cannot hold exactly (E0703), a backend that is not installed (E0704).
"""

from __future__ import annotations

from assessc.diagnostics import Diagnostic, codes
from assessc.diagnostics.codes import Code
from assessc.dsl.source import Span


class Refusal(Exception):
    """A backend cannot compile or score this exactly; ``diagnostics`` say what and where."""

    def __init__(self, text: str, code: Code, span: Span | None, message: str, help: str | None):
        super().__init__(text)
        self.diagnostics: tuple[Diagnostic, ...] = (Diagnostic(code, span, message, help),)

    @property
    def code(self) -> Code:
        return self.diagnostics[0].code


def missing_backend(message: str, help: str) -> Diagnostic:
    """E0704: a backend this installation does not have (a library it needs is not installed)."""
    return Diagnostic(codes.BACKEND_MISSING, None, message, help)
