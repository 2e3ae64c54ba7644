"""The fact loader: per-entity facts from CSV, JSON or Excel, typed and checked.

See :func:`assessc.facts.load.load_facts`.
"""

from assessc.facts.load import load_facts
from assessc.facts.model import Entity, FactSet

__all__ = ["Entity", "FactSet", "load_facts"]
