"""Why a policy, or an input, cannot be scored by the batch engine.

The batch engine computes in 64-bit integers, so it scores exactly what the
interpreter scores or it refuses: it never rounds where the interpreter does
not, and never lets a number wrap around.

* :class:`BatchUnsupported` -- the policy uses a form the engine does not
  compute (named, with the policy line), or a division is not exact at the
  engine's scale for some entity;
* :class:`BatchOverflow` -- an intermediate value could leave the int64
  range for facts the declarations allow (checked when compiling).

Both say how to go on: score with the interpreter (``--engine interp``), or
narrow the ranges the facts declare.
"""

from __future__ import annotations

INTERP_HINT = "score this policy with the interpreter (`assessc score --engine interp`)"


class BatchUnsupported(Exception):
    """The batch engine cannot score this policy (or this input) exactly."""

    def __init__(self, message: str, *, where: str | None = None):
        self.where = where
        self.reason = message
        text = f"{where}: {message}" if where else message
        super().__init__(text)


class BatchOverflow(BatchUnsupported):
    """Some intermediate value could leave the 64-bit integer range."""
