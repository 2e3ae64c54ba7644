"""Fixtures for the fact loader tests: fact declarations and small input files.

Facts are declared directly as IR objects (``FactDecl``/``FactType``), the
shape the policy compiler hands to the loader.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Callable, Mapping

import attrs
import pytest

from assessc.diagnostics import Diagnostic, DiagnosticBag
from assessc.facts import FactSet, load_facts
from assessc.ir.types import FactDecl, FactType, Kind, Member

D = Decimal


def make_decl(
    name: str,
    kind: str | Kind,
    *,
    low: str | None = None,
    high: str | None = None,
    members: tuple = (),
    fields: tuple[FactDecl, ...] = (),
    label: str | None = None,
    default: object = None,
) -> FactDecl:
    """A fact declaration; members are names or (name, label) pairs."""
    kind = Kind(kind) if isinstance(kind, str) else kind
    members = tuple(Member(*m) if isinstance(m, tuple) else Member(m) for m in members)
    ftype = FactType(
        kind,
        None if low is None else D(low),
        None if high is None else D(high),
        members,
        tuple(fields),
    )
    return FactDecl(name, ftype, label, default)


def city_facts() -> list[FactDecl]:
    """A small policy's facts, one of each kind that a table cell can hold."""
    return [
        make_decl("missing_docs", "count", label="未按要求出台的配套文件数"),
        make_decl("stability_rank", "rank", low="1", high="14"),
        make_decl("pass_rate", "percent"),
        make_decl("summary_done", "bool"),
        make_decl("level", "enum", members=(("excellent", "优秀"), ("good", "良好"), ("fair", "一般"))),
        make_decl("oath_evidence", "evidence", members=(("名单", "宣誓人员名单"), ("图片", "活动图片"))),
    ]


def no_floats(value: object, where: str = "value") -> None:
    """Fail if a float hides anywhere inside ``value``."""
    assert not isinstance(value, float), f"float at {where}: {value!r}"
    if isinstance(value, Mapping):
        for key, item in value.items():
            no_floats(item, f"{where}[{key!r}]")
    elif isinstance(value, (tuple, list, frozenset, set)):
        for i, item in enumerate(value):
            no_floats(item, f"{where}[{i}]")
    else:
        assert isinstance(value, (Decimal, bool, str, datetime.date)), f"unexpected {type(value)} at {where}"


@attrs.frozen
class Loaded:
    facts: FactSet | None
    diagnostics: list[Diagnostic]

    @property
    def codes(self) -> list[str]:
        return [d.code.code for d in self.diagnostics]

    @property
    def messages(self) -> list[str]:
        return [d.message for d in self.diagnostics]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def only(self, code: str) -> Diagnostic:
        found = [d for d in self.diagnostics if d.code.code == code]
        assert len(found) == 1, [(d.code.code, d.message) for d in self.diagnostics]
        return found[0]

    def value(self, entity: str, fact: str) -> object:
        assert self.facts is not None, self.messages
        return self.facts.get(entity).values[fact]


@pytest.fixture
def decl() -> Callable[..., FactDecl]:
    return make_decl


@pytest.fixture
def facts() -> list[FactDecl]:
    return city_facts()


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a file under tmp_path: text as UTF-8 (optionally with a BOM), or bytes."""

    def run(name: str, content: str | bytes, *, bom: bool = False) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            content = ("\ufeff" if bom else "").encode("utf-8") + content.encode("utf-8")
        path.write_bytes(content)
        return path

    return run


@pytest.fixture
def load(write) -> Callable[..., Loaded]:
    """Write ``content`` to ``name`` (unless it is None) and load it."""

    def run(name: str | Path, content: str | bytes | None, facts: list[FactDecl], **options) -> Loaded:
        path = write(name, content) if content is not None else name
        bag = DiagnosticBag()
        result = load_facts(path, facts, bag, **options)
        diagnostics = list(bag)
        assert (result is None) == any(d.is_error for d in diagnostics)
        return Loaded(result, diagnostics)

    return run


@pytest.fixture
def check_no_floats() -> Callable[[object], None]:
    return no_floats
