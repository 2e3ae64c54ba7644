"""The :class:`~assessc.runtime.factvalues.FactRule` of a declared fact: what the facts loader
and a generated scorer read values by (one definition, :mod:`assessc.runtime.factvalues`).

Made once per fact type or declaration and kept with it (by identity: a type's hash would cost
more than reading a cell), so reading a cell does not rebuild it."""

from __future__ import annotations

from assessc.ir.types import FactDecl, FactType
from assessc.runtime.factvalues import FactRule

_BY_TYPE: dict[int, tuple[FactType, FactRule]] = {}
_BY_DECL: dict[int, tuple[FactDecl, FactRule]] = {}


def rule_of(ftype: FactType) -> FactRule:
    """What a value of ``ftype`` may be (no name, label or default)."""
    kept = _BY_TYPE.get(id(ftype))
    if kept is not None and kept[0] is ftype:
        return kept[1]
    rule = _rule("", ftype, None, None)
    _BY_TYPE[id(ftype)] = (ftype, rule)  # the type is kept too, so its id is not reused
    return rule


def rule_of_decl(decl: FactDecl) -> FactRule:
    """What the declared fact ``decl`` may be, with its name, label and default."""
    kept = _BY_DECL.get(id(decl))
    if kept is not None and kept[0] is decl:
        return kept[1]
    rule = _rule(decl.name, decl.type, decl.label, decl.default)
    _BY_DECL[id(decl)] = (decl, rule)
    return rule


def _rule(name: str, ftype: FactType, label: str | None, default: object) -> FactRule:
    members = tuple((m.name, m.label, tuple(m.aliases)) for m in ftype.members)
    fields = tuple(rule_of_decl(field) for field in ftype.fields)
    return FactRule(name, ftype.kind.value, ftype.low, ftype.high, members, label, default, fields)
