"""The ``assessc`` process: set the interpreter up for a short compiler run,
then hand over to the click commands in :mod:`assessc.cli`.

A run builds tens of thousands of small objects (tokens, syntax and IR
nodes, graph nodes, diagnostics), nearly all alive until the process exits.
With the cyclic garbage collector's default threshold (trace the youngest
objects after every 700 new ones) a check of a large policy spends about a
seventh of its time tracing objects that are still in use. The command
raises the threshold: the collector still runs, a few hundred times less
often, so a long scoring run still frees cyclic garbage. When the command
is done, every object still alive is frozen (``gc.freeze``): Python's last
collection as it shuts down then skips them instead of tracing them all,
which took as long as checking a seed policy. Only the command does this; a
program that imports assessc keeps its own settings.
"""

from __future__ import annotations

import gc

#: New container objects between two collections of the youngest generation,
#: and collections of each generation between two of the next.
GC_THRESHOLD = (200_000, 20, 20)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLD)
    from assessc.cli import main as commands

    try:
        commands()  # click ends the process with SystemExit
    finally:
        gc.freeze()
