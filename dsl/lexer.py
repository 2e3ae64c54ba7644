"""The lexer: one regular expression for the whole language, soft keywords
resolved against the parser's state.

Lark's contextual lexer gives each parser state its own scanner over the
terminals that state accepts: about 75 regular expressions, compiled again
in every process, which cost more than lexing a large policy. This lexer
produces the same tokens with one expression. At each position it finds the
longest lexeme of each shape (a word, a number or date, a string, a
punctuation mark) and then picks, in Lark's priority order, the first
terminal that the current parser state accepts among those that match
there:

- a word is a keyword (``KW_*``) where the state accepts that keyword, and
  ``NAME`` otherwise;
- a date ``2017-06-30`` is ``DATE`` where the state accepts a date, and the
  ``NUMBER`` ``2017`` otherwise;
- ``..`` is the range mark, or ``.`` (``DOT``) where only a dot is accepted.

When the state accepts none of them, the token the whole grammar would read
there is reported as unexpected, with what the state allows; a character
that starts no token at all is an unexpected character. Both are the errors
Lark's contextual lexer raises, so error recovery in :mod:`parser` is
unchanged. ``tests/dsl/test_lexer.py`` checks token for token that the two
lexers agree.
"""

from __future__ import annotations

import re
import sys
from typing import Iterator

from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.lexer import Lexer, Token

from assessc.dsl.keywords import BY_SPELLING

# One alternative per shape; the group name says which. Each pattern is the
# pattern of the grammar's terminal of that name (grammar.lark), so a shape
# matches exactly what that terminal matches. A string's repetitions are
# possessive where Python has them (3.11): the same strings, since its parts
# never overlap, but no backtracking state kept per character or escape, which
# took gigabytes for a string of a few million.
_MANY = "*+" if sys.version_info >= (3, 11) else "*"
_SHAPES = re.compile(
    r"""
    (?P<WS>[ \t\f\r\n]+)
  | (?P<COMMENT>\#[^\n]*)
  | (?P<STRING>"[^"\\\n]MANY(?:\\.[^"\\\n]MANY)MANY")
  | (?P<DATE>\d{4}-\d{2}-\d{2})
  | (?P<NUMBER>\d+(\.\d+)?%?)
  | (?P<WORD>[^\W\d]\w*)
  | (?P<RANGE>\.\.)
  | (?P<COMP_OP>>=|<=|==|!=|>|<)
  | (?P<PUNCT>[-.{}:,()+*/])
  | (?P<KEY_MARK>[（）])
    """.replace("MANY", _MANY),
    re.VERBOSE,
)
_NUMBER = re.compile(r"\d+(\.\d+)?%?")

_PUNCTUATION = {
    "-": "SIGN", ".": "DOT", "{": "LBRACE", "}": "RBRACE", ":": "COLON", ",": "COMMA",
    "(": "LPAR", ")": "RPAR", "+": "PLUS", "*": "STAR", "/": "SLASH",
}
_RANGE = "__ANON_0"
#: full-width parentheses: terminals only around an item key (`（三）`); anywhere else a character
#: no token starts with, so the parser's full-width hint and recovery apply as before
_KEY_MARKS = {"（": "KEY_LPAR", "）": "KEY_RPAR"}

#: Every terminal this lexer can produce, with the pattern the grammar gives
#: it. The lexer refuses a grammar with other terminals; the test suite checks
#: the patterns too.
TERMINALS: dict[str, str] = {
    "WS": r"(?:[ \t\x0c\r\n])+",
    "COMMENT": r"#[^\n]*",
    "STRING": r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"',
    "DATE": r"\d{4}-\d{2}-\d{2}",
    "NUMBER": r"\d+(\.\d+)?%?",
    "NAME": r"[^\W\d]\w*",
    _RANGE: r"\.\.",
    "COMP_OP": r"(?:>=|<=|==|!=|>|<)",
    **{name: re.escape(mark) for mark, name in _PUNCTUATION.items()},
    **{name: re.escape(mark) for mark, name in _KEY_MARKS.items()},
    **{terminal: f"(?:{re.escape(word)})(?!\\w)" for word, terminal in BY_SPELLING.items()},
}


class GrammarMismatch(Exception):
    """The grammar's terminals are not the ones this lexer was written for."""


class SoftKeywordLexer(Lexer):
    """A Lark lexer (``Lark(..., lexer=SoftKeywordLexer)``) that reads the
    parser's state to tell keywords from names."""

    __future_interface__ = 2  # lex(lexer_state, parser_state)

    def __init__(self, conf) -> None:
        found = {t.name for t in conf.terminals}
        if found != TERMINALS.keys():
            differ = sorted(found ^ TERMINALS.keys())
            raise GrammarMismatch(f"the grammar's terminals differ from the lexer's: {differ}")
        self.terminals = frozenset(found)
        self.ignore = frozenset(conf.ignore)
        self.terminals_by_name = conf.terminals_by_name

    def _allowed(self, actions: dict) -> set[str]:
        allowed = {name for name in actions if name in self.terminals and name not in self.ignore}
        return allowed or {"<END-OF-FILE>"}

    def lex(self, lexer_state, parser_state) -> Iterator[Token]:
        text = lexer_state.text.text
        end = lexer_state.text.end
        counter = lexer_state.line_ctr
        states = parser_state.parse_conf.states
        match_shape = _SHAPES.match
        pos = counter.char_pos
        line = counter.line
        line_start = counter.line_start_pos
        while pos < end:
            found = match_shape(text, pos)
            if found is not None and found.lastgroup == "KEY_MARK" \
                    and _KEY_MARKS[found.group()] not in states[parser_state.position]:
                found = None
            if found is None:
                raise UnexpectedCharacters(
                    text, pos, line, pos - line_start + 1,
                    allowed=self._allowed(states[parser_state.position]),
                    token_history=lexer_state.last_token and [lexer_state.last_token],
                    state=parser_state, terminals_by_name=self.terminals_by_name)
            shape = found.lastgroup
            value = found.group(shape)
            if shape == "WS":
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rindex("\n") + 1
                pos = found.end(shape)
                counter.char_pos, counter.line, counter.line_start_pos = pos, line, line_start
                counter.column = pos - line_start + 1
                continue
            if shape == "COMMENT":
                pos = found.end(shape)
                counter.char_pos = pos
                counter.column = pos - line_start + 1
                continue
            actions = states[parser_state.position]
            kind, value = self._choose(shape, value, actions)
            token_end = pos + len(value)
            token = Token(kind, value, pos, line, pos - line_start + 1, line, token_end - line_start + 1, token_end)
            pos = token_end
            counter.char_pos = pos
            counter.column = pos - line_start + 1
            previous, lexer_state.last_token = lexer_state.last_token, token
            if kind not in actions:
                # What the whole grammar reads here is not allowed in this
                # state; Lark's contextual lexer reports it the same way.
                raise UnexpectedToken(token, self._allowed(actions), state=parser_state,
                                      token_history=[previous], terminals_by_name=self.terminals_by_name)
            yield token

    @staticmethod
    def _choose(shape: str, value: str, actions: dict) -> tuple[str, str]:
        """The terminal (and its text) the state reads for a lexeme of this
        shape: the first, in Lark's priority order, that the state accepts;
        if it accepts none, the first of all."""
        if shape == "WORD":
            keyword = BY_SPELLING.get(value)
            if keyword is None or (keyword not in actions and "NAME" in actions):
                return "NAME", value
            return keyword, value
        if shape == "PUNCT":
            return _PUNCTUATION[value], value
        if shape == "KEY_MARK":
            return _KEY_MARKS[value], value
        if shape == "DATE":
            if "DATE" in actions or "NUMBER" not in actions:
                return "DATE", value
            return "NUMBER", _NUMBER.match(value).group()
        if shape == "RANGE":
            if _RANGE in actions or "DOT" not in actions:
                return _RANGE, value
            return "DOT", "."
        return shape, value  # STRING, NUMBER, COMP_OP


def lexemes(text: str) -> Iterator[tuple[str, str, int]]:
    """Every lexeme of ``text`` but white space, comments included, as
    ``(shape, text, offset)``: the shape is a group name of the one
    expression above (``COMMENT``, ``STRING``, ``DATE``, ``NUMBER``,
    ``WORD``, ``RANGE``, ``COMP_OP``, ``PUNCT``). Without a parser state a
    date is always a ``DATE`` and ``..`` a ``RANGE``. :class:`ValueError` at
    a character that starts no lexeme."""
    pos, end = 0, len(text)
    while pos < end:
        found = _SHAPES.match(text, pos)
        if found is None:
            raise ValueError(f"no lexeme starts at offset {pos}: {text[pos]!r}")
        shape = found.lastgroup
        if shape != "WS":
            yield shape, found.group(shape), pos
        pos = found.end(shape)
