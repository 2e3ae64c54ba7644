"""Find where a module reads the IR's item tree to score, instead of the core's operations.

A backend scores a policy from its program (:func:`assessc.core.lower.lower`): steps of
operations, whose expressions are the IR's typed expressions. What an item *means* — its terms,
children, ``zero if``, coefficient, rounding, floor and cap, a term's sign and body, the
policy's vetoes and total — is said by the operations; a backend that reads it off the IR
derives it a second time. This scan reads a module's syntax tree and reports:

* a use of the IR classes of items, terms and term bodies (``ir.Node``, ``ir.Term``,
  ``ir.Value``, ``ir.Per``, ``ir.Steps``, ``ir.Lookup``, ``ir.LedgerSum``, ``ir.ZeroIf``,
  ``ir.Rounding``, ``ir.Veto``);
* a walk of the item tree (``.all_nodes()``, ``.walk()``, ``graph.order``) or a read of the
  policy's items, bonuses, penalties, vetoes, rounding, coefficient (``policy.items`` …).
"""

from __future__ import annotations

import ast
from pathlib import Path

ITEM_TREE_CLASSES = {"Node", "Term", "Value", "Per", "Steps", "Lookup", "LedgerSum", "ZeroIf", "Rounding", "Veto"}
WALKS = {"all_nodes", "walk"}
POLICY_PARTS = {"items", "bonuses", "penalties", "vetoes", "rounding", "coefficient"}


def _ends_with(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr == name)


def scan(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        where = f"{path.name}:{node.lineno}"
        if _ends_with(node.value, "ir") and node.attr in ITEM_TREE_CLASSES:
            found.append(f"{where}: ir.{node.attr}")
        elif node.attr in WALKS and isinstance(node.ctx, ast.Load):
            found.append(f"{where}: .{node.attr}()")
        elif node.attr == "order" and _ends_with(node.value, "graph"):
            found.append(f"{where}: graph.order")
        elif node.attr in POLICY_PARTS and _ends_with(node.value, "policy"):
            found.append(f"{where}: policy.{node.attr}")
    return found
