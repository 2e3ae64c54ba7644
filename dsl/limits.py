"""The limits on a source file's size and shape, documented in
docs/language.md ("Limits").

They keep every pass of the compiler and every backend (the interpreter,
generated Python, SQL, DOT, the formatter) inside Python's recursion limit and
memory: a policy past one gets a located error, never an internal error. They
are far beyond what a rule book needs: the bundled rule books nest items at
most 5 deep and expressions 4 deep, and their longest string has 304
characters.
"""

from __future__ import annotations

#: bytes in one policy or module file (E0108); 10^5 indicators take 15 MB
MAX_SOURCE_BYTES = 32 * 1024 * 1024
#: characters in one string literal (E0108)
MAX_STRING_CHARS = 10_000
#: digits in one number (E0108): arithmetic on a longer one could pass the largest decimal
MAX_NUMBER_DIGITS = 1_000
#: levels of one expression (E0107): each operator, `not`, call, `lookup`,
#: `count … where` and `in {…}` adds one; `a + b + c` is two deep
MAX_EXPRESSION_DEPTH = 64
#: levels of items inside items (E0107), templates' items included
MAX_ITEM_DEPTH = 32
