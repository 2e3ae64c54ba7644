"""Why a policy, or an input, cannot be scored by the batch engine.

The batch engine computes in 64-bit integers, so it scores exactly what the
interpreter scores or it refuses: it never rounds where the interpreter does
not, and never lets a number wrap around.

* :class:`BatchUnsupported` -- the policy uses a form the engine does not
  compute (named, with the policy line: E0701);
* :class:`BatchInexact` -- a division is not exact at the engine's scale for
  some entity (E0703);
* :class:`BatchOverflow` -- an intermediate value could leave the int64
  range for facts the declarations allow (checked when compiling: E0702).

All say how to go on: score with the interpreter (``--engine interp``), or
narrow the ranges the facts declare. Each is a
:class:`~assessc.backends.refusal.Refusal`: its ``diagnostics`` are the
refusal as a registered diagnostic, located in the policy.
"""

from __future__ import annotations

import attrs

from assessc.backends.refusal import Refusal
from assessc.diagnostics import codes
from assessc.dsl.source import Span

INTERP_HINT = "score this policy with the interpreter (`assessc score --engine interp`)"


@attrs.frozen
class Site:
    """Where in the policy the engine is compiling: ``path:line`` as the refusals' text
    names it, and the span their diagnostics point at."""

    text: str
    span: Span | None = None

    def __str__(self) -> str:
        return self.text


class BatchUnsupported(Refusal):
    """The batch engine cannot score this policy (or this input) exactly: a form it does not
    compute (E0701). ``message`` says what, ``help`` what to do instead; the text is both,
    after the place (``where``)."""

    kind = codes.FORM_NOT_SUPPORTED  # the code of this kind of refusal

    def __init__(self, message: str, *, where: Site | str | None = None, help: str | None = INTERP_HINT):
        self.where = where
        self.reason = self._joined(message, help)
        text = f"{where}: {self.reason}" if where else self.reason
        super().__init__(text, self.kind, getattr(where, "span", None), message, help)

    @staticmethod
    def _joined(message: str, help: str | None) -> str:
        return f"{message}; {help}" if help else message


class BatchInexact(BatchUnsupported):
    """A division that is not exact at the engine's scale, for some entity (E0703)."""

    kind = codes.INEXACT_DIVISION


class BatchOverflow(BatchUnsupported):
    """Some intermediate value could leave the 64-bit integer range (E0702)."""

    kind = codes.BEYOND_FIXED_POINT

    @staticmethod
    def _joined(message: str, help: str | None) -> str:  # two sentences
        return f"{message}. {help[0].upper()}{help[1:]}" if help else message
