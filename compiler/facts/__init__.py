"""The fact loader: per-entity facts from CSV, JSON or Excel, typed and checked.

See :func:`assessc.facts.load.load_facts`.
"""

__all__ = ["Entity", "FactSet", "load_facts"]


def __getattr__(name: str):
    # Imported on first use, so that the compiler's use of `facts.numeric`
    # does not load every input format.
    if name == "load_facts":
        from assessc.facts.load import load_facts

        return load_facts
    if name in ("Entity", "FactSet"):
        from assessc.facts import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
