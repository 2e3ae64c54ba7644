"""Draw a scoring graph as a Graphviz diagram for reviewers.

The diagram is the indicator tree read left to right: the total, then the
top-level items (bonuses and penalties in their own colours, vetoes as red
octagons), nested items, and each item's rules as small note-shaped nodes
with the statement as written. ``zero if`` conditions are red notes under
their item. With ``show_facts`` the fact inputs are grey ellipses in the
last column, with an arrow into every rule that reads them (a fact no rule
reads is left out; the linter reports it). Inherited lead units and
deadlines are shown on the item that sets them, not repeated below it.

The DOT text is written by hand, not through a library, so that every byte
of it is under control:

* every id and every attribute value is a double-quoted string, with ``"``
  and ``\\`` escaped; line breaks inside labels are only the ``\\l`` that
  this module inserts after wrapping, so a title cannot end a string, close
  the graph or add an attribute;
* ``&`` is written as ``&amp;`` because Graphviz decodes HTML entities in
  plain labels (a title holding ``&lt;`` must show ``&lt;``);
* labels are plain strings, never HTML-like ``<…>`` labels, so ``<b>`` in a
  title is text;
* other control characters become spaces, and bidirectional overrides are
  dropped so text shows in the order the policy file holds it.

The same graph always gives byte-identical text: nodes are written in
source order and nothing depends on hashing, time or paths.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import unicodedata
from decimal import Decimal
from pathlib import Path

from assessc.dsl.source import DIRECTION_CONTROLS
from assessc.graph.nodes import FACT, ITEM, TERM, TOTAL, VETO, GraphNode, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.walk import facts_of_expr
from assessc.runtime.decimals import show

__all__ = ["RenderError", "to_dot", "render", "DOT_SUFFIXES", "IMAGE_SUFFIXES"]

FONT = "WenQuanYi Micro Hei"
DOT_SUFFIXES = (".dot", ".gv")
IMAGE_SUFFIXES = (".svg", ".png", ".pdf")
DOT_MISSING = (
    "the `dot` program of Graphviz is needed for .svg/.png/.pdf output; "
    "install the Debian package graphviz (or write .dot)"
)
DOT_TIMEOUT = 300  # seconds
PROGRAM_OPTIONS = {".png": ("-Gdpi=144",)}  # sharp enough to read the Chinese when zoomed

# Wrapping widths in display columns: a CJK character is two columns, so
# 60 columns hold about 30 Chinese characters.
TITLE_WIDTH, TITLE_LINES = 40, 4
RULE_WIDTH, RULE_LINES = 60, 4
META_WIDTH, META_LINES = 40, 2
FACT_WIDTH, FACT_LINES = 32, 3
TOOLTIP_WIDTH = 80
ELLIPSIS = "…"

# What a line may not start with (it hangs at the end of the line before).
_CLOSING = set("，。、；：！？）》」』〉】〕”’,.;:!?)]}%")

_STYLE = {
    TOTAL: 'shape=box, style="rounded,filled,bold", fillcolor="#dbe8f7", color="#2b5797", fontsize=13',
    "item": 'shape=box, style="rounded,filled", fillcolor="#eef4fb", color="#4a6fa5"',
    "subitem": 'shape=box, style="rounded,filled", fillcolor="#ffffff", color="#4a6fa5"',
    "bonus": 'shape=box, style="rounded,filled", fillcolor="#e3f2e3", color="#2e7d32"',
    "penalty": 'shape=box, style="rounded,filled", fillcolor="#fdebd9", color="#c0600c"',
    TERM: 'shape=note, style=filled, fillcolor="#fffbea", color="#b59f3b", fontsize=9',
    "zero": 'shape=note, style=filled, fillcolor="#fdecec", color="#c62828", fontcolor="#b71c1c", fontsize=9',
    VETO: 'shape=octagon, style="filled,bold", fillcolor="#fdecec", color="#c62828", fontcolor="#b71c1c"',
    FACT: 'shape=ellipse, style=filled, fillcolor="#f2f2f2", color="#8a8a8a", fontsize=9',
}
_TREE_EDGE = 'dir=none, color="#7a8ca5"'
_RED_EDGE = 'dir=none, color="#c62828", style=bold'
_FACT_EDGE = 'dir=back, color="#9e9e9e", style=dashed, arrowsize=0.6'


class RenderError(Exception):
    """The diagram could not be written (no ``dot``, a bad suffix, ``dot`` failed)."""


# ---- public API ----------------------------------------------------------------


def to_dot(graph: ScoringGraph, *, show_facts: bool = True) -> str:
    """The DOT source of ``graph``'s diagram (see the module docstring)."""
    return _Writer(graph, show_facts).write()


def render(graph: ScoringGraph, output: str | Path, *, show_facts: bool = True) -> None:
    """Write the diagram to ``output``; its suffix picks the format.

    ``.dot``/``.gv`` write the DOT text; ``.svg``, ``.png`` and ``.pdf`` run
    Graphviz's ``dot``. The file is written to a temporary name in the same
    directory and moved into place, so a failed render leaves no partial
    file (and an existing file untouched). Raises :class:`RenderError`.
    """
    path = Path(output)
    suffix = path.suffix.lower()
    if suffix not in DOT_SUFFIXES + IMAGE_SUFFIXES:
        allowed = ", ".join(DOT_SUFFIXES + IMAGE_SUFFIXES)
        got = f"`{suffix}`" if suffix else "no suffix"
        raise RenderError(f"cannot render to `{path}`: {got} is not a known output format; use one of {allowed}")
    source = to_dot(graph, show_facts=show_facts).encode("utf-8")
    if suffix in DOT_SUFFIXES:
        _write_atomically(path, source)
        return
    program = shutil.which("dot")
    if program is None:
        raise RenderError(DOT_MISSING)
    try:
        command = [program, f"-T{suffix[1:]}", *PROGRAM_OPTIONS.get(suffix, ())]
        done = subprocess.run(command, input=source, capture_output=True, timeout=DOT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"`dot` did not finish within {DOT_TIMEOUT} seconds; `{path}` was not written") from None
    except OSError as error:
        raise RenderError(f"cannot run `{program}`: {error.strerror or error}") from None
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", errors="replace").strip() or "(no message)"
        raise RenderError(f"`dot` failed with exit status {done.returncode}; `{path}` was not written:\n{stderr}")
    _write_atomically(path, done.stdout)


def _write_atomically(path: Path, data: bytes) -> None:
    directory = path.parent
    temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        # created like any new file (mode 0666 less the umask), unlike mkstemp's 0600
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as error:
        raise RenderError(f"cannot write `{path}`: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        _remove_quietly(temp)
        raise RenderError(f"cannot write `{path}`: {error.strerror or error}") from None
    except BaseException:
        _remove_quietly(temp)
        raise


def _remove_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


# ---- quoting and wrapping --------------------------------------------------------


# Bidirectional embeddings, overrides, isolates and marks: they would let a
# title show its characters in another order than the policy file holds them.
_BIDI_CONTROLS = frozenset(DIRECTION_CONTROLS)


def _clean(text: str) -> str:
    """CRLF/CR as LF; other control characters as spaces; bidi controls dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in text:
        if ch in _BIDI_CONTROLS:
            continue
        out.append(" " if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cs") else ch)
    return "".join(out)


def _escape(text: str) -> str:
    """``text`` for inside a DOT double-quoted escString, shown literally."""
    return _clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;").replace("\n", " ")


def quote(text: str) -> str:
    """A DOT quoted id or attribute value that reads back as ``text``."""
    return '"' + _escape(text) + '"'


def _label(lines: list[str]) -> str:
    """A quoted label of left-justified ``lines`` (each escaped)."""
    return '"' + "".join(_escape(line) + "\\l" for line in lines) + '"'


def _centred(lines: list[str]) -> str:
    return '"' + "\\n".join(_escape(line) for line in lines) + '"'


def _tooltip(text: str) -> str:
    # Graphviz 2.4x expands `\N` and friends in tooltips even after `\\`, so a
    # backslash is shown as a fullwidth reverse solidus there; labels are exact.
    lines = []
    for paragraph in _clean(text).replace("\\", "\uff3c").split("\n"):
        lines.extend(wrap(paragraph, TOOLTIP_WIDTH, 0) or [""])
    body = "\\n".join(_escape(line) for line in lines)
    return '"' + body + '"'


def _width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _text_width(text: str) -> int:
    return sum(_width(ch) for ch in text)


def _tokens(paragraph: str) -> list[str]:
    """Words of non-CJK text, single wide characters, and single spaces."""
    tokens: list[str] = []
    word = ""
    for ch in paragraph:
        if ch == " " or _width(ch) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def wrap(text: str, width: int, max_lines: int, *, balance: bool = False) -> list[str]:
    """``text`` broken into lines of at most ``width`` display columns.

    Wide (CJK) characters count two columns and may break anywhere; other
    text breaks at spaces, or inside a word longer than a line. Closing
    punctuation hangs at the end of a line rather than start the next one.
    Newlines in ``text`` start a new line. With ``max_lines`` > 0 the rest is
    cut off and the last line ends in an ellipsis. With ``balance`` the lines
    of a paragraph are made about equally long (for titles).
    """
    lines: list[str] = []
    for paragraph in _clean(text).split("\n"):
        paragraph = " ".join(paragraph.split())
        lines.extend(_balanced(paragraph, width, max_lines) if balance else _wrap_paragraph(paragraph, width))
    if max_lines and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and _text_width(last) + _width(ELLIPSIS) > width:
            last = last[:-1]
        lines = lines[: max_lines - 1] + [last.rstrip() + ELLIPSIS]
    return lines


def _balanced(paragraph: str, width: int, max_lines: int) -> list[str]:
    """Greedy wrapping, then as narrow as it goes without more lines, so a
    title does not leave one character alone on its last line."""
    lines = _wrap_paragraph(paragraph, width)
    if len(lines) < 2 or (max_lines and len(lines) > max_lines):
        return lines
    for narrower in range(-(-_text_width(paragraph) // len(lines)), width):
        attempt = _wrap_paragraph(paragraph, narrower)
        if len(attempt) <= len(lines):
            return attempt
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    if not paragraph:
        return []
    lines: list[str] = []
    line = ""
    for token in _tokens(paragraph):
        if token == " ":
            if line:
                line += " "
            continue
        if _text_width(line) + _text_width(token) <= width or (token in _CLOSING and line.strip()):
            line += token
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = ""
        while _text_width(token) > width:  # a word longer than a line
            cut, used = 0, 0
            while cut < len(token) and used + _width(token[cut]) <= width:
                used += _width(token[cut])
                cut += 1
            cut = max(cut, 1)
            lines.append(token[:cut])
            token = token[cut:]
        line = token
    if line.strip():
        lines.append(line.rstrip())
    return lines


# ---- the diagram -------------------------------------------------------------------


def _num(value: Decimal | None) -> str:
    return show(value) if value is not None else ""


def _expr_text(expr) -> str:
    span = getattr(expr, "span", None)
    if span is not None:
        text = " ".join(span.text().split())
        if text:
            return text
    value = getattr(expr, "value", None)
    if isinstance(value, Decimal):
        return show(value)
    return "…" if value is None else str(value)


def _column(ids: list[str]) -> list[str]:
    """Keep ``ids`` in one rank, in this order (invisible flat edges fix it)."""
    if not ids:
        return []
    lines = ["  { rank=same; " + " ".join(quote(i) + ";" for i in ids) + " }"]
    for tail, head in zip(ids, ids[1:]):
        lines.append(f"  {quote(tail)} -> {quote(head)} [style=invis];")
    return lines


def _line_of(node) -> str:
    span = getattr(node, "span", None)
    return f"line {span.line}" if span is not None else ""


class _Writer:
    def __init__(self, graph: ScoringGraph, show_facts: bool):
        self.graph = graph
        self.show_facts = show_facts
        self.nodes: list[str] = []
        self.edges: list[str] = []
        self.fact_edges: list[str] = []
        self.rules: list[str] = []  # ids placed in the rules column
        self.columns: dict[int, list[str]] = {}  # items (and vetoes) by depth
        self.used_facts: set[str] = set()
        self.fact_order: list[str] = []  # facts by first use, in drawing order

    # -- output
    def write(self) -> str:
        graph = self.graph
        total = graph.by_id.get(TOTAL)
        if total is not None:
            self._total(total)
        if self.show_facts:
            self._facts()
        name = getattr(graph.policy, "name", "") or "policy"
        out = [f"digraph {quote(name)} {{"]
        out.append(
            f'  graph [charset="UTF-8", fontname={quote(FONT)}, rankdir=LR, newrank=true, '
            f'ordering=out, ranksep="0.45", nodesep="0.12", pad="0.3", bgcolor="white", outputorder=edgesfirst];'
        )
        out.append(f'  node [fontname={quote(FONT)}, fontsize=10, margin="0.12,0.06"];')
        out.append(f'  edge [fontname={quote(FONT)}, fontsize=9, arrowsize=0.7];')
        out.extend("  " + line for line in self.nodes)
        out.extend("  " + line for line in self.edges)
        out.extend("  " + line for line in self.fact_edges)
        columns = [self.columns[depth] for depth in sorted(self.columns)]
        columns.append(self.rules)
        if self.show_facts:
            columns.append(self.fact_order)
        for column in columns:
            out.extend(_column(column))
        out.append("}")
        return "\n".join(out) + "\n"

    def _node(self, node_id: str, style: str, label: str, tooltip: str | None = None) -> None:
        attrs = f"{style}, label={label}"
        if tooltip:
            attrs += f", tooltip={_tooltip(tooltip)}"
        self.nodes.append(f"{quote(node_id)} [{attrs}];")

    def _edge(self, tail: str, head: str, style: str) -> None:
        self.edges.append(f"{quote(tail)} -> {quote(head)} [{style}];")

    def _facts_in(self, ids) -> list[str]:
        return [i for i in ids if i in self.graph.by_id and self.graph.by_id[i].kind == FACT]

    def _reads(self, reader: str, facts) -> None:
        """Arrows from each fact into ``reader`` (drawn reversed so facts rank last)."""
        if not self.show_facts:
            return
        for fact_id in self._facts_in(facts):
            if fact_id not in self.used_facts:
                self.used_facts.add(fact_id)
                self.fact_order.append(fact_id)
            self.fact_edges.append(f"{quote(reader)} -> {quote(fact_id)} [{_FACT_EDGE}];")

    # -- total and vetoes
    def _total(self, total: GraphNode) -> None:
        policy = self.graph.policy
        lines = wrap(total.label, RULE_WIDTH, TITLE_LINES, balance=True) or [""]
        marks = []
        cap = getattr(policy, "max", None)
        if cap is not None:
            marks.append(f"max {_num(cap)}")
        rounding = getattr(policy, "rounding", None)
        if rounding is not None:
            marks.append(f"round {rounding.scope} {rounding.places} places {rounding.mode}")
        if marks:
            lines.append(" · ".join(marks))
        lines.extend(self._lead_lines(total.lead))
        self._node(TOTAL, _STYLE[TOTAL], _centred(lines), total.label)
        for dep in total.deps:
            child = self.graph.by_id.get(dep)
            if child is None:
                continue
            if child.kind == ITEM:
                self._item(child, TOTAL, depth=1, parent_meta=getattr(policy, "meta", None))
            elif child.kind == VETO:
                self._veto(child)

    def _veto(self, veto: GraphNode) -> None:
        lines = ["veto 否决"] + wrap(veto.label, TITLE_WIDTH, TITLE_LINES, balance=True)
        condition = getattr(veto.ir, "condition", None)
        if condition is not None:
            lines += wrap("if " + _expr_text(condition), TITLE_WIDTH, META_LINES)
        self._node(veto.id, _STYLE[VETO], _centred(lines), f"{veto.id}: {veto.label}")
        self._edge(TOTAL, veto.id, _RED_EDGE)
        self.columns.setdefault(1, []).append(veto.id)
        self._reads(veto.id, veto.deps)

    # -- items
    def _item(self, item: GraphNode, parent: str, *, depth: int, parent_meta) -> None:
        node = item.ir if isinstance(item.ir, ir.Node) else None
        kind = node.kind if node is not None else "item"
        style = _STYLE[kind] if kind in ("bonus", "penalty") else _STYLE["item" if depth == 1 else "subitem"]
        prefix = f"{kind} {item.id}" if kind in ("bonus", "penalty") else item.id
        title = wrap(f"{prefix} {item.label}", TITLE_WIDTH, TITLE_LINES, balance=True) or [prefix]
        lines = list(title)
        if node is not None:
            lines.extend(self._item_marks(node, parent_meta))
        tooltip = f"{item.id} {item.label}"
        if node is not None and node.meta.text:
            tooltip += "\n" + node.meta.text
        self._node(item.id, style, _label(lines), tooltip)
        self._edge(parent, item.id, _TREE_EDGE)
        self.columns.setdefault(depth, []).append(item.id)

        own_facts = self._facts_in(item.deps)
        zero_facts: set[str] = set()
        for dep in item.deps:
            child = self.graph.by_id.get(dep)
            if child is None:
                continue
            if child.kind == TERM:
                self._term(child, item.id)
            elif child.kind == ITEM:
                self._item(child, item.id, depth=depth + 1, parent_meta=node.meta if node is not None else None)
        if node is not None:
            for k, zero in enumerate(node.zero_if, start=1):
                zero_id = f"{item.id}/zero:{k}"
                text = " ".join(zero.text.split()) or "zero if " + _expr_text(zero.condition)
                label = _label(wrap(text + " (不得分)", RULE_WIDTH, RULE_LINES))
                self._node(zero_id, _STYLE["zero"], label, f"{zero_id} {_line_of(zero)}\n{text}")
                self._edge(item.id, zero_id, _RED_EDGE)
                self.rules.append(zero_id)
                reads = [f"fact:{name}" for name in sorted(facts_of_expr(zero.condition))]
                zero_facts.update(reads)
                self._reads(zero_id, reads)
        # what the item reads itself (its `start`)
        self._reads(item.id, [f for f in own_facts if f not in zero_facts])

    def _item_marks(self, node: ir.Node, parent_meta) -> list[str]:
        lines: list[str] = []
        marks: list[str] = []
        if node.max is not None:
            marks.append(f"max deduction {_num(node.max)}" if node.kind == "penalty" else f"max {_num(node.max)}")
        if node.uncapped:
            marks.append("uncapped")
        if node.floor is not None:
            marks.append("until zero 扣完为止" if node.floor == 0 else f"floor {_num(node.floor)}")
        if node.start is not None:
            marks.append(f"start {_expr_text(node.start)}")
        if marks:
            lines.extend(wrap(" · ".join(marks), TITLE_WIDTH, META_LINES))
        meta = node.meta
        if meta.lead and (parent_meta is None or meta.lead != parent_meta.lead):
            lines.extend(self._lead_lines(meta.lead))
        if meta.deadline and (parent_meta is None or meta.deadline != parent_meta.deadline):
            lines.append(f"deadline {meta.deadline}")
        return lines

    def _lead_lines(self, lead) -> list[str]:
        if not lead:
            return []
        return wrap("lead 牵头: " + "、".join(lead), META_WIDTH, META_LINES)

    def _term(self, term: GraphNode, item_id: str) -> None:
        text = " ".join(term.label.split())
        self._node(term.id, _STYLE[TERM], _label(wrap(text, RULE_WIDTH, RULE_LINES) or [term.id]),
                   f"{term.id} {_line_of(term)}\n{text}")
        self._edge(item_id, term.id, _TREE_EDGE)
        self.rules.append(term.id)
        self._reads(term.id, term.deps)

    # -- facts
    def _facts(self) -> None:
        for fact_id in self.fact_order:
            fact = self.graph.by_id[fact_id]
            name = fact.id.removeprefix("fact:")
            kind = getattr(getattr(getattr(fact.ir, "type", None), "kind", None), "value", None)
            lines = [f"{name} ({kind})" if kind else name]
            if fact.label and fact.label != name:
                lines += wrap(fact.label, FACT_WIDTH, FACT_LINES, balance=True)
            members = getattr(getattr(fact.ir, "type", None), "members", ())
            if members:
                listed = "、".join(m.label or m.name for m in members)
                lines += wrap(listed, FACT_WIDTH, FACT_LINES, balance=True)
            self._node(fact.id, _STYLE[FACT], _centred(lines), "\n".join(lines))
