"""A progress bar on standard error for long runs (tqdm), one bar per stage.

Both engines report through it: called with (done, total, stage) — rows
scored, or bytes read — it redraws at most a few times a second and clears
itself at the end, so nothing of it is left in the terminal's scrollback.
"""

from __future__ import annotations

import sys


class Progress:
    """Call with (done, total, stage); :meth:`close` at the end."""

    def __init__(self, stream=None, interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self._bar = None
        self._stage: str | None = None

    def __call__(self, done: int, total: int, stage: str = "scoring") -> None:
        from tqdm import tqdm

        if self._bar is None or stage != self._stage:
            self.close()
            self._stage = stage
            unit, scale = ("B", True) if stage == "reading" else ("rows", False)
            self._bar = tqdm(total=total, desc=f"{stage:<9}", unit=unit, unit_scale=scale, file=self.stream,
                             mininterval=self.interval, leave=False, dynamic_ncols=True)
        bar = self._bar
        if total != bar.total:
            bar.total = total
        bar.update(max(0, done - bar.n))
        if done >= total:
            bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def wanted(flag: bool | None, stream=None) -> bool:
    """A progress bar when asked for, or, unless refused (``False``), when standard error is a terminal."""
    if flag is not None:
        return flag
    stream = stream if stream is not None else sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())
