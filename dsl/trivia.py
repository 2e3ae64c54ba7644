"""What a syntax tree does not keep, put back into formatted text.

A syntax tree holds neither comments, nor blank lines, nor how a literal was
spelt (``0.50``, ``95.0%``, ``"\\q"``). :func:`fmt.format_source` prints the
tree of a file and then :meth:`Trivia.restore` puts these back. Like black,
gofmt and ``opa fmt``, it attaches every comment to a token of the original
text by position and writes it beside the printed copy of that token:

1. The tokens of the original and of the printed text are lined up. They are
   the same tokens in the same order, but for parentheses the printer leaves
   out and commas it adds or leaves out; literals are compared by value and
   keywords by terminal, so ``0.50`` lines up with ``0.5``.
2. A comment with code before it on its line (a *trailing* comment) belongs
   to the token before it: it ends the printed line of that token, unless a
   later token of the original is on that line too (the printer joined lines
   there); then it goes on its own line before that line.
3. A comment on its own line belongs to the token after it, the start of the
   statement it precedes, and goes on its own line before the printed line of
   that token, indented as that line, or one level deeper before a closing
   ``}`` (a comment at the end of a block stays in the block). After the last
   token it goes at the end of the file.
4. A blank line of the original (one, however many there were) is kept
   before a comment and before the first token of a printed line, but not
   just after an opening ``{``, just before a closing ``}`` or at either end
   of the file.
5. A printed literal (number, percent, date, string) takes the spelling it
   has in the original, so formatting never changes a literal.

Comments keep their text (trailing white space aside) and their order.
Printers ask :meth:`Trivia.comments_inside` to open a braced list or an empty
block over several lines when a comment lies inside it, so that the comment
keeps its place there.
"""

from __future__ import annotations

import bisect
import difflib
from decimal import Decimal
from typing import NamedTuple

import attrs

from assessc.dsl.build_ast import _unquote
from assessc.dsl.keywords import BY_SPELLING
from assessc.dsl.lexer import lexemes

COMMENT = "COMMENT"
_LITERALS = frozenset({"STRING", "NUMBER", "DATE"})
#: tokens the printer may add or leave out: parentheses and commas
_OPTIONAL = frozenset({("PUNCT", "("), ("PUNCT", ")"), ("PUNCT", ",")})


class Piece(NamedTuple):
    """A token or a comment of a text."""

    shape: str  # COMMENT or a lexer shape: STRING, NUMBER, DATE, WORD, RANGE, COMP_OP, PUNCT
    text: str
    offset: int
    line: int  # 0-based
    first: bool  # nothing but white space before it on its line
    blank_before: bool  # an empty line lies between it and the piece before it


def pieces(text: str) -> list[Piece]:
    """The tokens and comments of ``text``, in order."""
    found: list[Piece] = []
    line, end = 0, 0
    for shape, lexeme, offset in lexemes(text):
        newlines = text.count("\n", end, offset)
        line += newlines
        found.append(Piece(shape, lexeme, offset, line, newlines > 0 or not found, newlines > 1))
        end = offset + len(lexeme)
    return found


def _key(piece: Piece):
    """What must agree for a token of the original and one of the printed text to line up."""
    if piece.shape == "STRING":
        return ("STRING", _unquote(piece.text))
    if piece.shape == "NUMBER":
        return ("NUMBER", Decimal(piece.text.rstrip("%")), piece.text.endswith("%"))
    if piece.shape == "WORD":
        return ("WORD", BY_SPELLING.get(piece.text, piece.text))
    return (piece.shape, piece.text)


def align(original: list, printed: list) -> dict[int, int]:
    """Which token of the original (by index) each printed token (by index)
    is a copy of; tokens added or left out are missing. Both lists hold
    :func:`_key` values."""
    pairs: dict[int, int] = {}
    i = j = 0
    while i < len(original) and j < len(printed):
        if original[i] == printed[j]:
            pairs[j] = i
            i, j = i + 1, j + 1
        elif original[i] in _OPTIONAL:
            i += 1
        elif printed[j] in _OPTIONAL:
            j += 1
        else:
            break
    if all(k in _OPTIONAL for k in original[i:]) and all(k in _OPTIONAL for k in printed[j:]):
        return pairs
    # Not the same tokens after all (no printer should cause this): the longest common
    # runs still place every comment near where it was.
    matcher = difflib.SequenceMatcher(None, original, printed, autojunk=False)
    return {b + k: a + k for a, b, size in matcher.get_matching_blocks() for k in range(size)}


_BLANK = None


@attrs.frozen
class _Out:
    text: str
    code: str | None = None  # a printed line: its code, without a trailing comment


class Trivia:
    """The comments, blank lines and literal spellings of one source text."""

    def __init__(self, text: str):
        self.pieces = pieces(text)
        self.tokens = [p for p in self.pieces if p.shape != COMMENT]
        self._comments = [p.offset for p in self.pieces if p.shape == COMMENT]
        self._braces = [p.offset for p in self.tokens if p.text == "{"]
        self._line_starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]

    @property
    def comments(self) -> list[str]:
        return [p.text for p in self.pieces if p.shape == COMMENT]

    def _offset(self, line: int, column: int) -> int:
        return self._line_starts[line - 1] + column - 1

    def comments_inside(self, span) -> bool:
        """Whether a comment lies between the first ``{`` of ``span``'s text
        and the end of it (the braces of a block, list or table)."""
        if span is None or not self._comments:
            return False
        start, end = self._offset(span.line, span.column), self._offset(span.end_line, span.end_column)
        k = bisect.bisect_left(self._braces, start)
        if k == len(self._braces) or self._braces[k] >= end:
            return False
        c = bisect.bisect_right(self._comments, self._braces[k])
        return c < len(self._comments) and self._comments[c] < end

    def restore(self, printed: str, indent: str) -> str:
        """``printed`` (the formatter's text of this source's tree) with the
        comments, blank lines and literal spellings of the source."""
        lines = printed.split("\n")
        if lines[-1] == "":
            lines.pop()
        out = pieces(printed)
        pairs = align([_key(p) for p in self.tokens], [_key(p) for p in out])
        copy_of = {s: o for o, s in pairs.items()}
        last_on_line: dict[int, int] = {}  # printed line -> its last token that copies one of the source
        for o in pairs:
            last_on_line[out[o].line] = max(o, last_on_line.get(out[o].line, -1))

        n = len(self.tokens)
        before: list[int | None] = [None] * n  # printed copy of the nearest source token at or before
        after: list[int | None] = [None] * n  # … at or after
        current = None
        for s in range(n):
            current = copy_of.get(s, current)
            before[s] = current
        current = None
        for s in reversed(range(n)):
            current = copy_of.get(s, current)
            after[s] = current

        end = len(lines)
        leading: dict[int, list[Piece]] = {}
        trailing: dict[int, Piece] = {}
        last = (-1, 0)  # where the previous comment went: (line, 0 before it | 1 at its end)
        seen = 0  # source tokens before the current piece
        for piece in self.pieces:
            if piece.shape != COMMENT:
                seen += 1
                continue
            o = before[seen - 1] if not piece.first and seen else None
            if o is not None:
                line = out[o].line
                place = (line, 1 if last_on_line[line] == o else 0)
            else:
                o = after[seen] if seen < n else None
                place = (out[o].line, 0) if o is not None else (end, 0)
            if place < last:  # keep the comments' order
                place = last if last[1] == 0 else (last[0] + 1, 0)
            while place[0] < end and not lines[place[0]]:
                place = (place[0] + 1, 0)  # a blank line of the printer's: the next printed line
            if place[1] == 1:
                if place[0] in trailing:  # two comments end one printed line: the first goes before it
                    leading.setdefault(place[0], []).append(trailing[place[0]])
                trailing[place[0]] = piece
            else:
                leading.setdefault(place[0], []).append(piece)
            last = place

        texts = self._spell_literals(lines, out, pairs)
        first_token: dict[int, int] = {}
        for o in reversed(range(len(out))):
            first_token[out[o].line] = o

        result: list[_Out | None] = []
        for k, text in enumerate(lines):
            if not text:
                result.append(_BLANK)
                continue
            body = text.lstrip(" ")
            pad = text[: len(text) - len(body)] + (indent if body.startswith("}") else "")
            self._comment_lines(result, leading.get(k, ()), pad)
            first = pairs.get(first_token.get(k, -1))
            if first is not None and self.tokens[first].blank_before:
                result.append(_BLANK)
            comment = trailing.get(k)
            result.append(_Out(texts[k] + ("  " + comment.text.rstrip() if comment else ""), text))
        self._comment_lines(result, leading.get(end, ()), "")
        return "".join(line.text + "\n" for line in _tidy(result))

    @staticmethod
    def _comment_lines(result: list, comments, pad: str) -> None:
        for comment in comments:
            if comment.blank_before:
                result.append(_BLANK)
            result.append(_Out(pad + comment.text.rstrip()))

    def _spell_literals(self, lines: list[str], out: list[Piece], pairs: dict[int, int]) -> list[str]:
        """The printed lines with every literal spelt as in the source."""
        texts = list(lines)
        starts = [0]
        for text in lines:
            starts.append(starts[-1] + len(text) + 1)
        for o in sorted(pairs, reverse=True):  # right to left: earlier columns stay valid
            piece, source = out[o], self.tokens[pairs[o]]
            if piece.shape in _LITERALS and piece.text != source.text:
                column = piece.offset - starts[piece.line]
                text = texts[piece.line]
                texts[piece.line] = text[:column] + source.text + text[column + len(piece.text):]
        return texts


def _tidy(result: list) -> list[_Out]:
    """One blank line at most, and none at the ends, after a line opening a
    block or before a line closing one."""
    tidy: list = []
    for line in result:
        if line is _BLANK:
            if tidy and tidy[-1] is not _BLANK and not (tidy[-1].code or "").endswith("{"):
                tidy.append(_BLANK)
            continue
        if line.code is not None and line.code.lstrip(" ").startswith("}") and tidy and tidy[-1] is _BLANK:
            tidy.pop()
        tidy.append(line)
    while tidy and tidy[-1] is _BLANK:
        tidy.pop()
    return [line if line is not _BLANK else _Out("") for line in tidy]
