"""Defects of the batch engine (numbered in INDEX.md)."""

from pathlib import Path

import pytest

pytest.importorskip("numpy", reason="the batch engine needs NumPy")

from assessc.api import load_policy  # noqa: E402
from assessc.backends.batch import BatchOverflow, compile_batch  # noqa: E402


def _refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "p.assess"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BatchOverflow) as refused:
        compile_batch(load_policy(path))
    return str(refused.value)


def test_an_overflow_in_an_item_with_a_weighted_child_names_the_items_line_not_the_childs(tmp_path):
    """An overflow in an item's coefficient was located at the line of its last weighted child."""
    message = _refusal(tmp_path, """facts {
  a: count "甲"
  b: count "乙"
}
policy big "big" {
  item 1 "parent" {
    coefficient a * b * 1000
    item 1 "weighted" max 10 {
      weight 50%
      add 1
    }
  }
}
""")
    assert message.startswith(f"{tmp_path / 'p.assess'}:6: `a * b * 1000` can reach"), message


def test_an_overflow_in_a_veto_names_the_vetos_line_not_an_items(tmp_path):
    """An overflow in a veto's condition was located at the line of the last item compiled."""
    message = _refusal(tmp_path, """facts {
  a: count "甲"
  b: count "乙"
}
policy big "big" {
  item 1 "one" {
    add 1
  }
  veto "too many" if a * b * 1000 > 5
}
""")
    assert message.startswith(f"{tmp_path / 'p.assess'}:9: `a * b * 1000` can reach"), message
