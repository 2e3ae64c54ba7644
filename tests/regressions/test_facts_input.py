"""Regression tests for reading facts files: each test names a defect that once let a
facts file be misread, refused or crash, and checks the loader (and the batch engine's
own readers, which must read every file the same way) no longer does."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest

from assessc.diagnostics import DiagnosticBag
from assessc.facts import load_facts
from assessc.ir.types import FactDecl, FactType, Kind

openpyxl = pytest.importorskip("openpyxl")


def fact(name: str, kind: str, *, low: str | None = None, high: str | None = None, label: str | None = None,
         default: object = None) -> FactDecl:
    return FactDecl(name, FactType(Kind(kind), None if low is None else D(low), None if high is None else D(high)),
                    label, default)


def load(path: Path, facts: list[FactDecl], **options):
    """(facts, diagnostics) of loading ``path``."""
    bag = DiagnosticBag()
    loaded = load_facts(path, facts, bag, **options)
    return loaded, list(bag)


def workbook(path: Path, rows: list[list], title: str = "Sheet1") -> Path:
    """One sheet of ``rows``; a cell may be (value, number_format)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for r, row in enumerate(rows, start=1):
        for c, cell in enumerate(row, start=1):
            value, number_format = cell if isinstance(cell, tuple) else (cell, None)
            target = sheet.cell(row=r, column=c, value=value)
            if number_format:
                target.number_format = number_format
    book.save(path)
    return path


# ---- 1. percentage cells --------------------------------------------------------------------


def test_percent_cell_holding_100_percent_reads_as_100_percent(tmp_path):
    """An Excel percentage cell can be read 100 times too small: 100% (stored 1) was read as 1 %."""
    path = workbook(tmp_path / "rates.xlsx", [
        ["id", "rate"],
        ["满分", (1, "0%")],
        ["两倍", (2, "0%")],
        ["一半", (0.5, "0%")],
        ["零", (0, "0.00%")],
    ])
    facts, diagnostics = load(path, [fact("rate", "percent", low="0", high="3")])
    assert diagnostics == []
    assert [facts.get(e)["rate"] for e in ("满分", "两倍", "一半", "零")] == [D(1), D(2), D("0.5"), D(0)]
