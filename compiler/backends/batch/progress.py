"""A one-line progress bar on standard error for long batch runs."""

from __future__ import annotations

import sys
import time


class Progress:
    """Call with (done, total, stage); redraws at most every 0.2 s, and clears at the end."""

    def __init__(self, stream=None, interval: float = 0.2):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.last = 0.0
        self.shown = False
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, stage: str = "scoring") -> None:
        now = time.monotonic()
        if now - self.last < self.interval and done < total:
            return
        self.last = now
        share = min(1.0, done / total) if total else 1.0
        width = 30
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        rate = ""
        if stage == "scoring":
            elapsed = max(now - self.started, 1e-9)
            rate = f"  {done:,}/{total:,} rows"
            del elapsed
        self.stream.write(f"\r{stage:<10} [{bar}] {share * 100:5.1f}%{rate}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.stream.flush()
            self.shown = False


def wanted(flag: bool, stream=None) -> bool:
    """A progress bar when asked for, or when standard error is a terminal."""
    stream = stream if stream is not None else sys.stderr
    return flag or bool(getattr(stream, "isatty", lambda: False)())
