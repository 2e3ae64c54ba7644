"""Terminal sessions written in the docs, read so that a test can run them.

The docs show commands as sessions in fenced blocks::

    ```
    $ assessc check policy.assess
    policy.assess:8:16: E0101 unexpected `missing_docs`
    …
    ```

and the files those commands read as fenced blocks marked, on the line just
before the fence, with an HTML comment (invisible when the page is shown)::

    <!-- file: policy.assess -->
    ```assess
    policy p "t" { … }
    ```

A block right under a line that only names a file, as in

    `d0608.csv`:

    ```
    city,missing_docs
    ```

defines that file too. A file is available to every session after it in the same page; a later
block of the same name replaces it. A file marked in another page can be used
where no file of that name was marked in the page itself. A session that
cannot be run here (it needs a file too large to show, say) is marked
``<!-- not run: why -->`` on the line before its fence.

Expected output matches the actual output line by line, trailing spaces
ignored, except that a line holding only ``…`` stands for any number of
lines, and a ``…`` within a line for any text (a line ending in ``…`` matches
any line that starts with the text before it).
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs

_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_FILE = re.compile(r"^<!--\s*file:\s*(\S+)\s*-->\s*$")
_NAMED = re.compile(r"^`([\w.-]+\.\w+)`:$")
_NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.+?)\s*-->\s*$")
ELLIPSIS = "…"


@attrs.frozen
class Command:
    line: str  # without the leading `$ `
    expected: tuple[str, ...]


@attrs.frozen
class Session:
    page: str
    line: int  # of the opening fence
    commands: tuple[Command, ...]
    files: dict  # name -> text, as defined before the session in its page
    skipped: str | None = None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


@attrs.frozen
class _Block:
    line: int
    marker: str  # the comment line before the fence, or ""
    lines: tuple[str, ...]
    label: str = ""  # the last non-blank line above the fence

    def file_name(self) -> str | None:
        marked = _FILE.match(self.marker) or _NAMED.match(self.label)
        return marked.group(1) if marked else None


def _blocks(text: str) -> list[_Block]:
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        start, close = i, fence.group(1)
        i += 1
        body = []
        while i < len(lines) and not lines[i].startswith(close):
            body.append(lines[i])
            i += 1
        marker = lines[start - 1].strip() if start > 0 else ""
        label = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append(_Block(start + 1, marker, tuple(body), label))
        i += 1
    return blocks


def _commands(lines: tuple[str, ...]) -> tuple[Command, ...]:
    commands: list[Command] = []
    current, expected = None, []
    for line in lines:
        if line.startswith("$ "):
            if current is not None:
                commands.append(Command(current, tuple(expected)))
            current, expected = line[2:], []
        else:
            expected.append(line)
    if current is not None:
        commands.append(Command(current, tuple(expected)))
    return tuple(commands)


def page_files(path: Path) -> dict[str, str]:
    """Every file marked in a page, the last definition of each name."""
    files = {}
    for block in _blocks(path.read_text(encoding="utf-8")):
        if block.file_name():
            files[block.file_name()] = "\n".join(block.lines) + "\n"
    return files


def sessions(path: Path, page: str) -> list[Session]:
    found, files = [], {}
    for block in _blocks(path.read_text(encoding="utf-8")):
        if block.file_name():
            files[block.file_name()] = "\n".join(block.lines) + "\n"
            continue
        first = next((line for line in block.lines if line.strip()), "")
        if not first.startswith("$ "):
            continue
        skipped = _NOT_RUN.match(block.marker)
        found.append(Session(page, block.line, _commands(block.lines), dict(files),
                             skipped.group(1) if skipped else None))
    return found


def _same_line(want: str, got: str) -> bool:
    if ELLIPSIS not in want:
        return got == want
    pattern = ".*".join(re.escape(part) for part in want.split(ELLIPSIS))
    return re.fullmatch(pattern, got) is not None


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Whether ``actual`` lines fit ``expected`` with its `…` wildcards."""
    want = [line.rstrip() for line in expected]
    got = [line.rstrip() for line in actual]
    # strip blank lines at the ends: a session block often ends the output with one
    while want and not want[-1]:
        want.pop()
    while got and not got[-1]:
        got.pop()
    # fits[i][j]: want[i:] fits got[j:]; filled from the ends
    fits = [[False] * (len(got) + 1) for _ in range(len(want) + 1)]
    fits[len(want)][len(got)] = True
    for i in range(len(want) - 1, -1, -1):
        for j in range(len(got), -1, -1):
            if want[i].strip() == ELLIPSIS:
                fits[i][j] = fits[i + 1][j] or (j < len(got) and fits[i][j + 1])
            elif j < len(got):
                fits[i][j] = _same_line(want[i], got[j]) and fits[i + 1][j + 1]
    return fits[0][0]
