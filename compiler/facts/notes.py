"""Notes on how a facts file was read: its encoding, the sheet and header row
taken, the columns left out.

They are not diagnostics (nothing is wrong), so they go to the standard
``logging`` logger ``assessc.facts`` at INFO level, which prints nothing
unless someone listens: ``assessc score -v`` prints them to standard error
(:func:`printing_notes`), and a program may attach a handler of its own.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Callable, Iterator

LOGGER = logging.getLogger("assessc.facts")


def note(text: str) -> None:
    LOGGER.info(text)


class _Echo(logging.Handler):
    def __init__(self, echo: Callable[[str], None]):
        super().__init__(logging.INFO)
        self.echo = echo

    def emit(self, record: logging.LogRecord) -> None:
        self.echo(record.getMessage())


@contextlib.contextmanager
def printing_notes(echo: Callable[[str], None]) -> Iterator[None]:
    """Within the block, every note is passed to ``echo``."""
    handler = _Echo(echo)
    level = LOGGER.level
    LOGGER.addHandler(handler)
    LOGGER.setLevel(logging.INFO)
    try:
        yield
    finally:
        LOGGER.removeHandler(handler)
        LOGGER.setLevel(level)
