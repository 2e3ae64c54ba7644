"""Print AST and IR trees (``assessc check --emit ast|ir``).

A generic printer over attrs classes: one line per node with its class name
and scalar fields, children indented below. Spans are left out, so the output
shows meaning, not layout.
"""

from __future__ import annotations

import enum
from decimal import Decimal

import attrs

from assessc.runtime.decimals import show

_SKIP = {"span", "key_span", "max_span", "floor_span"}


def _scalar(value) -> str | None:
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, Decimal):
        return show(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return None


def print_tree(node, indent: int = 0, seen_facts: bool = False) -> str:
    lines: list[str] = []
    _emit(node, indent, lines, None)
    return "\n".join(lines) + "\n"


def _emit(node, indent: int, lines: list[str], label: str | None) -> None:
    pad = "  " * indent
    prefix = f"{label}: " if label else ""
    if isinstance(node, (tuple, list)):
        if not node:
            return
        lines.append(f"{pad}{prefix}[{len(node)}]")
        for child in node:
            _emit(child, indent + 1, lines, None)
        return
    if not attrs.has(type(node)):
        text = _scalar(node)
        lines.append(f"{pad}{prefix}{text if text is not None else type(node).__name__}")
        return
    scalars, nested = [], []
    for field in attrs.fields(type(node)):
        if field.name in _SKIP:
            continue
        value = getattr(node, field.name)
        text = _scalar(value)
        if text is not None:
            if not (value is None or value is False or value == ()):
                scalars.append(f"{field.name}={text}")
        elif value not in ((),):
            nested.append((field.name, value))
    lines.append(f"{pad}{prefix}{type(node).__name__}" + (f" {' '.join(scalars)}" if scalars else ""))
    for name, value in nested:
        if attrs.has(type(value)) and type(value).__name__ == "FactDecl" and name == "fact":
            lines.append(f"{pad}  fact: {value.name}")
            continue
        _emit(value, indent + 1, lines, name)


def print_graph(graph) -> str:
    """The scoring graph in topological order: id, kind, label, deps, lead."""
    out = []
    for node in graph.order:
        deps = ", ".join(node.deps) if node.deps else "-"
        lead = f"  [lead: {'、'.join(node.lead)}]" if node.lead else ""
        where = f"  @{node.span.line}" if node.span else ""
        out.append(f"{node.id:<14} {node.kind:<5} {node.label}{where}\n{'':<14} <- {deps}{lead}")
    return "\n".join(out) + "\n"
