"""Every engine scores from the core's operations, never from the IR's item tree: what an item,
a term and the total mean is written once (assessc.core.ops and lower), and each engine is a
table from operation to what it does. See item_tree_scan for what counts as reading the tree."""

from pathlib import Path

import pytest

from tests.core.item_tree_scan import scan

ROOT = Path(__file__).resolve().parents[2]

#: modules that read the item tree for what they are, not to score
EXEMPT = {
    "compiler/backends/dot.py": "draws the item tree as a diagram",
    "compiler/backends/scored.py": "lists results in the order of the graph's nodes",
}
#: engines still deriving the meaning of items from the IR: each must move to the operations
NOT_YET: set[str] = set()  # every engine reads operations; a module added here must fail the scan
ENGINES = sorted(str(p.relative_to(ROOT)) for folder in ("compiler/backends", "compiler/core")
                 for p in (ROOT / folder).rglob("*.py")) + ["compiler/graph/bounds.py"]
SCANNED = [p for p in ENGINES if p not in EXEMPT and p != "compiler/core/lower.py"]  # lower.py reads the tree: once


@pytest.mark.parametrize("path", [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="reads the item tree"))
                                  if p in NOT_YET else p for p in SCANNED])
def test_the_engine_reads_operations_not_the_item_tree(path):
    assert scan(ROOT / path) == []


def test_the_lists_name_modules_that_exist():
    assert all((ROOT / p).is_file() for p in (*EXEMPT, *NOT_YET))


def test_the_scan_finds_each_way_of_reading_the_tree(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(graph, policy, node, ir):\n"
                      "    isinstance(node, ir.Node)\n"
                      "    for n in policy.all_nodes(): pass\n"
                      "    for n in graph.order: pass\n"
                      "    return policy.vetoes, node.walk()\n", encoding="utf-8")
    assert sorted(f.split(": ", 1)[1] for f in scan(module)) == sorted(["ir.Node", ".all_nodes()", "graph.order",
                                                                        "policy.vetoes", ".walk()"])
