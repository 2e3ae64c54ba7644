"""What an explanation line shows of the expressions a rule reads: one description for the
interpreter and for generated scorers.

``describe(expr)`` turns an IR expression into a :class:`Described`: a *tree* — nested tuples of
strings, numbers and leaf numbers, a literal a generated module keeps as a constant — and its
*leaves*, the sub-expressions whose values the tree shows. An engine evaluates the leaves it is
asked for (the interpreter with its evaluator, a generated scorer with its compiled code) and
:mod:`wording` turns tree and values into words, so both engines word a line alike.

What a tree shows: the facts read, with their values (``reports = 3``); ``missing F`` and
``count L``; every ``min``/``max`` with its operands and result (``min(3.5, 4) = 3.5``); every
``workdays(a, b)`` with its two dates and the working days counted; every ``lookup`` inside an
expression with its key and the row it found; a ledger ``sum``; and, for a condition, each
comparison with the values it compared and whether it held. A part of a condition that the
engine did not evaluate (the right side of an ``and`` whose left side is false, of an ``or``
whose left side is true) is not shown, so explaining never evaluates what scoring did not.

Tree nodes, by their first element (``i``: a leaf number, whose value is the node's own):

* ``("const",)`` — nothing to show; ``("bool", value)`` a constant condition
* ``("fact", name, i)``, ``("missing", name, i)``, ``("count", text, i)``, ``("sum", text, i)``
* ``("calc", parts)`` — arithmetic: only its parts are shown
* ``("min"|"max", i, args, parts)`` — ``args``: the operands' leaves
* ``("workdays", i, a, b, parts)``
* ``("lookup", key text, table name, key leaf, i, rows, default, key part)`` — ``rows``:
  (member, low, high, row text) for each row, in order
* conditions: ``("and"|"or", i, left, right)``, ``("not", i, part)``, ``("cmp", op, i, left leaf,
  right leaf, left, right)``, ``("in", i, value leaf, members text, part)``, ``("test", text, i)``
  (any other condition, shown by its text)
"""

from __future__ import annotations

import attrs

from assessc.core import ops
from assessc.ir import nodes as ir
from assessc.ir.types import ExprType


@attrs.frozen
class Described:
    tree: tuple
    leaves: tuple  # of ir.Expr: leaf number -> expression


def rows_of(table: ir.Table) -> tuple:
    """A table's rows as the words need them: (member, low, high, row text), in order."""
    return tuple((row.member, row.low, row.high, row.describe()) for row in table.rows)


def source_text(expr, fallback: str = "the key") -> str:
    """An expression as written, on one line (``fallback`` when its text is not known)."""
    span = getattr(expr, "span", None)
    try:
        text = " ".join(span.text().split()) if span is not None else ""
    except Exception:  # noqa: BLE001 - a span into a file that is gone
        text = ""
    return text or fallback


def key_text(key: ir.Expr) -> str:
    return key.fact.name if isinstance(key, (ir.FactRef, ir.FieldRef)) else source_text(key)


class _Builder:
    def __init__(self):
        self.leaves: list = []
        self._index: dict[int, int] = {}

    def leaf(self, expr) -> int:
        found = self._index.get(id(expr))
        if found is None:
            found = self._index[id(expr)] = len(self.leaves)
            self.leaves.append(expr)
        return found

    def tree(self, e) -> tuple:  # noqa: C901 - one case per expression form
        if isinstance(e, ir.Const):
            return ("bool", e.value) if isinstance(e.value, bool) else ("const",)
        if isinstance(e, ir.FactRef):
            return ("fact", e.fact.name, self.leaf(e))
        if isinstance(e, ir.MissingCount):
            return ("missing", e.fact.name, self.leaf(e))
        if isinstance(e, ir.EntryCount):
            return ("count", source_text(e, f"count {e.fact.name}"), self.leaf(e))
        if isinstance(e, ir.LedgerValue):
            body = e.body
            fields = body.field + (f", {body.column_field}" if body.column_field else "")
            return ("sum", f"sum {body.ledger.name} by {fields}", self.leaf(e))
        if isinstance(e, ir.Unary):
            if e.op == "not":
                return ("not", self.leaf(e), self.tree(e.operand))
            return ("calc", (self.tree(e.operand),))
        if isinstance(e, ir.Binary):
            if e.op in ("and", "or"):
                return (e.op, self.leaf(e), self.tree(e.left), self.tree(e.right))
            if e.op in ("+", "-", "*", "/"):
                return ("calc", (self.tree(e.left), self.tree(e.right)))
            return ("cmp", e.op, self.leaf(e), self.leaf(e.left), self.leaf(e.right), self.tree(e.left),
                    self.tree(e.right))
        if isinstance(e, ir.InSet):
            return ("in", self.leaf(e), self.leaf(e.value), "{" + ", ".join(e.members) + "}", self.tree(e.value))
        if isinstance(e, ir.Call) and e.func in ("min", "max"):
            return (e.func, self.leaf(e), tuple(self.leaf(a) for a in e.args), tuple(self.tree(a) for a in e.args))
        if isinstance(e, ir.Call) and e.func == "workdays":
            a, b = e.args
            return ("workdays", self.leaf(e), self.leaf(a), self.leaf(b), (self.tree(a), self.tree(b)))
        if isinstance(e, ir.LookupValue):
            return ("lookup", key_text(e.key), e.table.name or "", self.leaf(e.key), self.leaf(e), rows_of(e.table),
                    e.table.default, self.tree(e.key))
        if getattr(e, "type", None) is ExprType.BOOL:  # any other condition: shown by its text
            return ("test", source_text(e, "the condition"), self.leaf(e))
        return ("const",)


def describe(expr: ir.Expr | None) -> Described:
    """The description of ``expr`` (None: an empty one)."""
    builder = _Builder()
    tree = builder.tree(expr) if expr is not None else ("const",)
    return Described(tree, tuple(builder.leaves))


def describe_term(body: ops.Body, condition: ir.Expr | None) -> Described:
    """An `add`/`deduct` rule, from its body's operation and its condition: its tree is (form,
    trees of the body's expressions, tree of the condition or None). The form says how the body
    computes, with what the words need of it: ``("value",)``, ``("per",)``, ``("steps",
    direction, partial)``, ``("lookup", key text, rows, default)``, ``("ledger",)``; the engine
    gives the numbers it computed (see wording's ``_term_words``)."""
    builder = _Builder()
    if isinstance(body, ops.Value):
        form, exprs = ("value",), (body.expr,)
    elif isinstance(body, ops.Per):
        form, exprs = ("per",), (body.amount, body.count)
    elif isinstance(body, ops.Steps):
        form = ("steps", "below" if body.below else "above", body.partial)
        exprs = (body.amount, body.step, body.threshold, body.value)
    elif isinstance(body, ops.Lookup):
        form, exprs = ("lookup", key_text(body.key), rows_of(body.table), body.table.default), (body.key,)
    else:
        form, exprs = ("ledger",), ()
    trees = tuple(builder.tree(e) for e in exprs)
    condition = builder.tree(condition) if condition is not None else None
    return Described((form, trees, condition), tuple(builder.leaves))


def describe_weight(weight: ops.Body) -> Described:
    """An item's `weight`: a value, or a lookup (described as the lookup it is, with its key and row)."""
    if isinstance(weight, ops.Lookup):
        return describe(ir.LookupValue(weight.key, weight.table))
    if isinstance(weight, ops.Value):
        return describe(weight.expr)
    return describe(None)
