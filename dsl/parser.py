"""Parse ``.assess`` text into an AST, collecting syntax diagnostics.

Lark builds the LALR tables from ``grammar.lark``; the tokens come from
:mod:`lexer` (soft keywords) and the AST is built while parsing by
:mod:`build_ast`'s reductions, which take the place of Lark's parse-tree
builder. A character that starts no token is reported and skipped, and
parsing goes on. The built parser is kept in an on-disk cache
(:func:`cache_dir`) and loaded from it by later processes.

Error recovery: on an unexpected token the parser records a diagnostic, then
tries to repair the input by inserting one placeholder token (a number, a
name, a string or a closing brace) after which the unexpected token fits; if
none fits, the token is dropped. A full-width punctuation mark typed with a
Chinese input method (``：`` ``，`` ``（`` …) is reported and read as its
ASCII twin where that fits, so the rest of the statement reads as meant. To
keep one mistake from producing a cascade, an error within three tokens of
the previous one is not reported, and only the first error of each line is
kept.

Before parsing, the text is searched for characters that no token may hold
unseen: NUL, and the controls that change the direction text is shown in
(Trojan Source: a comment or string that displays differently from how it
is read). Each is an error at its place, in strings and comments too.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import os
import re
import sys
import unicodedata
import tempfile
from importlib import resources
from pathlib import Path
from typing import Iterator

import lark
from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerThread
from lark.parsers.lalr_parser import _Parser as _LALRDriver

from assessc.diagnostics import DiagnosticBag
from assessc.diagnostics import codes
from assessc.dsl import ast, keywords
from assessc.dsl.lexer import SoftKeywordLexer
from assessc.dsl.source import DIRECTION_CONTROLS, SourceFile, Span


class _TokenCounter:
    """Wraps the lexer and counts the tokens it hands to the parser, so error
    recovery can tell how far apart two errors are."""

    def __init__(self, lexer) -> None:
        self.lexer = lexer
        self.count = 0

    def lex(self, lexer_state, parser_state) -> Iterator[Token]:
        for token in self.lexer.lex(lexer_state, parser_state):
            self.count += 1
            yield token


def grammar_text() -> str:
    base = resources.files("assessc.dsl").joinpath("grammar.lark").read_text(encoding="utf-8")
    return base + "\n" + keywords.grammar_declarations()


# Building the LALR tables takes a few tenths of a second, longer than checking
# a typical policy, so the built parser is stored on disk and loaded by later
# runs. The file name is a hash of everything the tables depend on,
# so a changed grammar, option, Lark or Python version never reads a stale one.
_LARK_OPTIONS = dict(
    start="module",
    parser="lalr",
    lexer=SoftKeywordLexer,
    propagate_positions=True,
    maybe_placeholders=True,
)
_CACHE_FORMAT = "assessc-parser-cache 2"


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = grammar_text()
    folder = cache_dir()
    if folder is None:
        return _build_lark(grammar)
    key = _cache_key(grammar)
    path = folder / f"parser-{key[:32]}.lark"
    cached = _load_cached(path, key)
    if cached is not None:
        return cached
    built = _build_lark(grammar)
    _store_cached(path, key, built)
    return built


def _build_lark(grammar: str | None = None) -> Lark:
    return Lark(grammar if grammar is not None else grammar_text(), cache=False, **_LARK_OPTIONS)


def cache_dir() -> Path | None:
    """Where the built parser is kept: ``$ASSESSC_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/assessc``, else ``~/.cache/assessc``. None (build it in
    every process) when ``$ASSESSC_NO_CACHE`` is set to anything but 0 or no
    home directory is known."""
    if os.environ.get("ASSESSC_NO_CACHE", "0") not in ("", "0"):
        return None
    if os.environ.get("ASSESSC_CACHE_DIR"):
        return Path(os.environ["ASSESSC_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "assessc"
    try:
        return Path.home() / ".cache" / "assessc"
    except (RuntimeError, KeyError):
        return None


def _cache_key(grammar: str) -> str:
    parts = (_CACHE_FORMAT, grammar, repr(sorted(_LARK_OPTIONS.items())), lark.__version__,
             "%d.%d" % sys.version_info[:2])
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _header(key: str) -> bytes:
    return f"{_CACHE_FORMAT} {key}\n".encode("ascii")


def _load_cached(path: Path, key: str) -> Lark | None:
    """The parser stored at ``path``, or None if it is missing, truncated,
    for another key or unreadable in any way (the caller then builds it)."""
    try:
        with open(path, "rb") as file:
            if file.readline() != _header(key):
                return None
            loaded = Lark.load(file)
        if not isinstance(loaded, Lark) or not isinstance(loaded.parser.lexer, SoftKeywordLexer):
            return None
        return loaded
    except Exception:  # noqa: BLE001 - any damage to the cache means "build it again"
        return None


def _store_cached(path: Path, key: str, parser: Lark) -> None:
    """Write the parser to ``path`` through a temporary file and a rename, so
    a concurrent reader sees either no file or a whole one. Failures are
    ignored: without a cache the parser is only slower to start."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=path.stem + ".", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as file:
            file.write(_header(key))
            parser.save(file)
        os.replace(temp, path)
        temp = None
    except Exception:  # noqa: BLE001
        pass
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _run(parser: Lark, lexer: _TokenCounter, text: str, callbacks: dict, on_error):
    """Run ``parser``'s LALR tables over the tokens ``lexer`` reads from
    ``text``, with ``callbacks`` in place of Lark's tree builder. The parser
    object is shared, so it is not changed: the run uses a copy of its
    table-driven part."""
    tables = copy.copy(parser.parser.parser)
    tables.parser = _LALRDriver(tables._parse_table, callbacks)
    return tables.parse(LexerThread.from_text(lexer, text), _LARK_OPTIONS["start"], on_error=on_error)


def _describe_terminal(name: str) -> str:
    if name in keywords.KEYWORDS:
        return f"`{keywords.spelling(name)}`"
    friendly = {
        "NAME": "a name",
        "NUMBER": "a number",
        "STRING": "a string",
        "DATE": "a date",
        "COMP_OP": "a comparison",
        "SIGN": "`-`",
        "$END": "end of file",
    }
    if name in friendly:
        return friendly[name]
    for terminal in _lark().terminals:
        if terminal.name == name:
            return f"`{terminal.pattern.value}`"
    return name


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in keywords.KEYWORDS:
        return f"keyword `{token.value}`"
    return f"`{token.value}`"


def _token_span(source: SourceFile, token: Token) -> Span:
    line = token.line or 1
    column = token.column or 1
    end_line = token.end_line or line
    end_column = token.end_column or column + max(1, len(str(token)))
    return Span(source, line, column, end_line, end_column)


def _eof_span(source: SourceFile) -> Span:
    lines = source.text.splitlines() or [""]
    return Span(source, len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)


_HIDDEN = re.compile(f"[\0{DIRECTION_CONTROLS}]")


def _scan_text(source: SourceFile, bag: DiagnosticBag) -> None:
    """Report every NUL and direction control, the first of each line."""
    line, line_start, last_line = 1, 0, 0
    text = source.text
    for found in _HIDDEN.finditer(text):
        at = found.start()
        line += text.count("\n", line_start, at)
        line_start = text.rfind("\n", 0, at) + 1
        if line == last_line:
            continue
        last_line = line
        column = at - line_start + 1
        span = Span(source, line, column, line, column + 1)
        char = found.group()
        if char == "\0":
            bag.add(codes.SOURCE_ENCODING, span, "a NUL character: a policy is text",
                    "delete it; a file with NUL bytes is not a policy")
        else:
            bag.add(codes.TEXT_DIRECTION, span, f"invisible text direction control {describe_char(char)}",
                    "it can make the text display in another order than it is read (Trojan Source); delete it")


def describe_char(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE`` for a character a terminal would not show."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def _printable(char: str) -> bool:
    return char.isprintable() and not _HIDDEN.match(char)


# A full-width mark typed with a Chinese input method, and the terminal it is the twin of.
_FULL_WIDTH = {"：": "COLON", "，": "COMMA", "（": "LPAR", "）": "RPAR", "｛": "LBRACE", "｝": "RBRACE",
               "＋": "PLUS", "－": "SIGN", "＊": "STAR", "／": "SLASH", "．": "DOT"}
_ASCII = {"COLON": ":", "COMMA": ",", "LPAR": "(", "RPAR": ")", "LBRACE": "{", "RBRACE": "}", "PLUS": "+",
          "SIGN": "-", "STAR": "*", "SLASH": "/", "DOT": "."}


def _read_as_twin(error: UnexpectedCharacters) -> None:
    """Feed the ASCII twin of a full-width mark, if the parser takes it here,
    and step over the mark."""
    terminal = _FULL_WIDTH.get(error.char)
    parser = error.interactive_parser
    if terminal is None or parser is None or terminal not in parser.accepts():
        return
    state = parser.lexer_thread.state
    twin = Token(terminal, _ASCII[terminal], error.pos_in_stream, error.line, error.column, error.line,
                 error.column + 1, error.pos_in_stream + 1)
    parser.feed_token(twin)
    state.line_ctr.feed(error.char)
    state.last_token = twin


def _expected_help(expected: set[str]) -> str | None:
    names = sorted({_describe_terminal(t) for t in expected if not t.startswith("__")})
    if not names:
        return None
    if len(names) > 8:
        names = names[:8] + ["…"]
    return "expected " + ", ".join(names)


def _report(bag: DiagnosticBag, source: SourceFile, error: UnexpectedInput, seen_lines: set[int]) -> None:
    if isinstance(error, UnexpectedToken) and error.token.type == "$END" or isinstance(error, UnexpectedEOF):
        span = _eof_span(source)
        if span.line in seen_lines:
            return
        seen_lines.add(span.line)
        expected = set(getattr(error, "expected", set()) or set())
        help = "a closing `}` is missing" if "RBRACE" in expected else _expected_help(expected)
        bag.add(codes.UNEXPECTED_EOF, span, "unexpected end of file", help)
        return
    if isinstance(error, UnexpectedToken):
        token = error.token
        span = _token_span(source, token)
        if span.line in seen_lines:
            return
        seen_lines.add(span.line)
        help = _expected_help(set(error.expected))
        if token.type in keywords.KEYWORDS and "NAME" in error.expected:
            help = f"`{token.value}` is read as a keyword here; " + (help or "")
        bag.add(codes.UNEXPECTED_TOKEN, span, f"unexpected {_describe_token(token)}", help)
        return
    if isinstance(error, UnexpectedCharacters):
        span = Span(source, error.line, error.column, error.line, error.column + 1)
        if span.line in seen_lines or _HIDDEN.match(error.char):  # scanned for and reported already
            return
        seen_lines.add(span.line)
        char = error.char
        shown = f"`{char}`" if _printable(char) else describe_char(char)
        twin = _ASCII.get(_FULL_WIDTH.get(char, ""))
        help = (f"a full-width `{char}` typed with a Chinese input method: write `{twin}`" if twin else
                "the language uses only the punctuation `{ } ( ) : , . + - * / < > = ! % \"` and `#` for comments")
        bag.add(codes.UNEXPECTED_CHAR, span, f"unexpected character {shown}", help)


_FILLERS = (("NUMBER", "0"), ("NAME", "_"), ("STRING", '""'), ("RBRACE", "}"))


def _repair(error: UnexpectedToken) -> None:
    """Insert one placeholder token after which ``error.token`` fits, if any."""
    parser = error.interactive_parser
    token = error.token
    if parser is None:
        return
    for kind, text in _FILLERS:
        if kind not in parser.accepts():
            continue
        trial = parser.copy(deepcopy_values=False)  # reductions never change their children
        filler = Token.new_borrow_pos(kind, text, token)
        trial.feed_token(filler)
        if token.type in trial.accepts():
            parser.feed_token(filler)
            if token.type != "$END":
                parser.feed_token(token)
            return


def parse(source: SourceFile, bag: DiagnosticBag) -> ast.Module | None:
    """Parse ``source``; return its AST, or None when it has syntax errors."""
    from assessc.dsl.build_ast import Reductions

    parser = _lark()
    errors_before = len(bag)
    _scan_text(source, bag)
    scanned = len(bag)
    seen_lines: set[int] = set()
    reductions = Reductions(parser.rules, source)
    lexer = _TokenCounter(parser.parser.lexer)
    last_error_at = [-10]

    def on_error(error: UnexpectedInput) -> bool:
        reductions.stop()  # the AST will not be used
        if lexer.count - last_error_at[0] > 3:
            _report(bag, source, error, seen_lines)
        last_error_at[0] = lexer.count
        if isinstance(error, UnexpectedToken):
            _repair(error)
            return error.token.type != "$END" or len(bag) == scanned
        if isinstance(error, UnexpectedCharacters):
            _read_as_twin(error)
        return True

    try:
        result = _run(parser, lexer, source.text, reductions.callbacks, on_error)
    except UnexpectedInput as error:
        _report(bag, source, error, seen_lines)
        return None
    except LarkError as error:  # a failure Lark could not locate: still a diagnostic
        bag.add(codes.UNEXPECTED_TOKEN, _eof_span(source), f"cannot parse: {error}")
        return None
    if len(bag) > errors_before:
        return None
    if reductions.error is not None:
        err = reductions.error
        bag.add(err.code, err.span, err.message, err.help)
        return None
    return result[0]
