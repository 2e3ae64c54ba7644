"""Why the SQL backend refuses a policy."""

from __future__ import annotations


class SQLUnsupported(Exception):
    """The policy uses a form the SQL backend cannot express."""

    def __init__(self, form: str, span=None, detail: str = ""):
        self.form, self.span, self.detail = form, span, detail
        where = f"{span.path}:{span.line}: " if span is not None else ""
        super().__init__(f"{where}SQL cannot express {form}" + (f": {detail}" if detail else ""))
