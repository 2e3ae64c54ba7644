"""The Python backend: one standalone, readable scorer module per policy.

:func:`generate` turns a scoring graph into the text of a Python module that
needs only the standard library: straight-line code, one block per graph node
in topological order, in integer fixed point where that is exact and in the
interpreter's 60-digit decimals elsewhere (and for explanations), with the
facts loader's validation and a line map back to the policy. See
``docs/embedding.md``.
"""

from assessc.backends.pygen.numbers import CompileError
from assessc.backends.pygen.module import Generated, generate

__all__ = ["CompileError", "Generated", "generate"]
