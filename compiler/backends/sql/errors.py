"""Why the SQL backend refuses a policy."""

from __future__ import annotations

from assessc.backends.refusal import Refusal
from assessc.diagnostics import codes
from assessc.diagnostics.codes import Code

#: what to do instead when the SQL backend refuses a policy
SQL_HELP = ("score this policy with `assessc score`, which computes every form, or compile it to Python "
            "(`assessc compile --target python`)")


class SQLUnsupported(Refusal):
    """The policy uses a form the SQL backend cannot express (E0701), or a constant no DECIMAL
    holds (E0702: pass ``code``)."""

    def __init__(self, form: str, span=None, detail: str = "", code: Code = codes.FORM_NOT_SUPPORTED,
                 help: str = SQL_HELP):
        self.form, self.span, self.detail = form, span, detail
        where = f"{span.path}:{span.line}: " if span is not None else ""
        said = form + (f": {detail}" if detail else "")
        super().__init__(f"{where}SQL cannot express {said}", code, span, f"cannot compile to SQL: {said}", help)
