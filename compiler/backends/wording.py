# ---- wording (the same in the interpreter and in every generated scorer) --------------------------
#
# How explanation lines and scoring errors word what a rule read and computed. The interpreter
# imports this module; a generated scorer holds a copy of its text (pygen/module.py), so the two
# word every line and every error alike. Standard library only (it imports the exact decimals of
# assessc/runtime/decimals.py, which a generated scorer holds too); every name starts with `_`, and
# none may clash with a name of the generated module's runtime.

import datetime as _datetime
import re as _re
from decimal import Decimal

#: exact printing (every digit, no exponent) and the cut details of explanations: the interpreter's
#: own (a generated scorer holds assessc/runtime/decimals.py, copied before this text)
from ..runtime.decimals import CONTEXT as _WORDS
from ..runtime.decimals import brief as _brief
from ..runtime.decimals import show as _show


#: the invisible characters that change the direction text is shown in (Trojan Source): the set
#: of assessc.dsl.source.DIRECTION_CONTROLS (a test checks), written out because this text is copied
_DIRECTION = _re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible_direction(text):
    """``text`` with every direction control written ``<U+202E>``: text from a facts file (an
    entity's name, a text fact) must not reorder what an official reads on the screen or in a
    spreadsheet."""
    return _DIRECTION.sub(lambda m: f"<U+{ord(m.group()):04X}>", text) if _DIRECTION.search(text) else text


def _text(value):
    """A value read by a rule: a number, true/false, a date, an enum member or a text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _brief(value)
    if isinstance(value, _datetime.date):
        return value.isoformat()
    return str(value)


def _key_text(key):
    return key if isinstance(key, str) else _show(key)


# -- lookups --

def _no_row_words(key, table, rows):
    """Why a lookup stops scoring: the key's value has no row in the table, which has no `else`."""
    where = f"table `{table}`" if table else "the table"
    return f"`{_key_text(key)}` has no row in {where}, which has {rows or 'no rows'} and no `else` row"


def _no_cell_words(row, column, matrix, rows, columns):
    """Why a points matrix stops scoring: it has no cell for this pair of members."""
    return (f"`{row}`, `{column}` has no cell in matrix `{matrix}`, which has the rows {rows or 'none'} "
            f"and the columns {columns or 'none'}")


def _entry_words(ledger, number, words):
    """An error about one entry of a ledger (numbered from 1, in the order the facts give them)."""
    return f"`{ledger}` entry {number}: {words}"


def _missing_text(present, pairs):
    """Name the evidence not submitted (``pairs``: member name, label), so a line says what was missing."""
    missing = [label for name, label in pairs if name not in present]
    return f" (missing: {'、'.join(missing)})" if missing else ""


# -- what a rule read: the words of a description (see describe.py for the trees) --

def _leaves(thunks):
    """The value of leaf ``i``: ``thunks[i]()``, worked out once (a generated scorer's leaves)."""
    values = {}

    def value(i):
        if i not in values:
            values[i] = thunks[i]()
        return values[i]

    return value


def _truth(tree, value):
    """Whether a condition's tree held (the engine's own evaluation, read from its leaf)."""
    tag = tree[0]
    if tag == "bool":
        return bool(tree[1])
    if tag in ("fact", "test"):
        return bool(value(tree[2]))
    if tag == "cmp":
        return bool(value(tree[2]))
    return bool(value(tree[1]))  # and, or, not, in


def _true(held):
    return "true" if held else "false"


def _conditions(tree, value, covered):
    """What each comparison (each bool fact, each `in`) of an evaluated condition compared, and
    whether it held; bool facts so worded go to ``covered``."""
    tag = tree[0]
    if tag in ("and", "or"):
        words = _conditions(tree[2], value, covered)
        if _truth(tree[2], value) == (tag == "and"):  # the right side was evaluated
            words += _conditions(tree[3], value, covered)
        return words
    if tag == "not":
        return _conditions(tree[2], value, covered)
    if tag == "cmp":
        return [f"{_text(value(tree[3]))} {tree[1]} {_text(value(tree[4]))} is {_true(value(tree[2]))}"]
    if tag == "in":
        return [f"{_text(value(tree[2]))} in {tree[3]} is {_true(value(tree[1]))}"]
    if tag == "fact":
        covered.add(tree[2])
        return [f"{tree[1]} is {_true(value(tree[2]))}"]
    if tag == "test":
        return [f"{tree[1]} is {_true(value(tree[2]))}"]
    return []


def _items(tree, value, out):
    """The values an evaluated tree read, in order: (leaf, "note" | "read", words)."""
    tag = tree[0]
    if tag == "fact":
        out.append((tree[2], "read", f"{tree[1]} = {_text(value(tree[2]))}"))
    elif tag == "missing":
        out.append((tree[2], "read", f"missing {tree[1]} = {_text(value(tree[2]))}"))
    elif tag == "count":
        out.append((tree[2], "read", f"{tree[1]} = {_text(value(tree[2]))}"))
    elif tag == "sum":
        out.append((tree[2], "note", f"{tree[1]} = {_text(value(tree[2]))}"))
    elif tag == "calc":
        for part in tree[1]:
            _items(part, value, out)
    elif tag in ("min", "max"):
        operands = ", ".join(_text(value(leaf)) for leaf in tree[2])
        out.append((tree[1], "note", f"{tag}({operands}) = {_text(value(tree[1]))}"))
        for part in tree[3]:
            _items(part, value, out)
    elif tag == "workdays":
        out.append((tree[1], "note",
                    f"workdays({_text(value(tree[2]))}, {_text(value(tree[3]))}) = {_text(value(tree[1]))}"))
        for part in tree[4]:
            _items(part, value, out)
    elif tag == "lookup":
        _, key_text, table, key, leaf, rows, default, part = tree
        words = _lookup_words(key_text, value(key), rows, default, value(leaf))
        out.append((leaf, "note", f"{table}: {words}" if table else f"lookup {words}"))
        if part[0] != "fact":  # a fact key is named in the words already
            _items(part, value, out)
    elif tag in ("and", "or"):
        _items(tree[2], value, out)
        if _truth(tree[2], value) == (tag == "and"):
            _items(tree[3], value, out)
    elif tag == "not":
        _items(tree[2], value, out)
    elif tag == "cmp":
        _items(tree[5], value, out)
        _items(tree[6], value, out)
    elif tag == "in":
        _items(tree[4], value, out)


def _said(heads, trees, value, skip=()):
    """A line's words: ``heads``, then what the trees computed (min/max, working days, lookups,
    sums), then the facts they read, each once and none of the leaves in ``skip``."""
    items = []
    for tree in trees:
        if tree is not None:
            _items(tree, value, items)
    notes, reads, seen = [], [], set()
    for leaf, kind, words in items:
        if leaf in skip or words in seen:
            continue
        seen.add(words)
        (notes if kind == "note" else reads).append(words)
    parts = [h for h in heads if h] + notes + ([", ".join(reads)] if reads else [])
    return "; ".join(parts)


def _lookup_words(key_text, key, rows, default, result):
    """A lookup's key, its value and the row it found: `stability_rank = 10 in 9..12 → 1`."""
    shown = _key_text(key)
    for member, low, high, text in rows:
        if member is not None:
            if member == key:
                return f"{key_text} = {shown} → {_show(result)}"
        elif low <= key <= high:
            return f"{key_text} = {shown}" + ("" if low == high else f" in {text}") + f" → {_show(result)}"
    return f"{key_text} = {shown}, no row → else {_show(result)}"


def _value_head(tree, value, result):
    """A plain value's words, and the leaf they show: a fact or a min/max is itself the computation."""
    if tree[0] == "fact":
        return f"{tree[1]} = {_text(result)}", {tree[2]}
    if tree[0] in ("min", "max"):
        operands = ", ".join(_text(value(leaf)) for leaf in tree[2])
        return f"{tree[0]}({operands}) = {_text(result)}", {tree[1]}
    return _text(result), set()


def _value_words(tree, value, result):
    """A plain value, as a `start` line words it: `points_a = 12`, `min(4, 3) = 3`, `4.8; rate = 0.8`."""
    head, skip = _value_head(tree, value, result)
    return _said([head], [tree], value, skip)


def _condition_words(tree, value, holds, then=""):
    """A condition that held or did not, the values it compared, and what it read."""
    covered = set()
    compared = ", ".join(_conditions(tree, value, covered))
    head = ("condition holds" if holds else "condition does not hold") + (f": {compared}" if compared else "")
    return _said([head + then], [tree], value, covered)


def _term_words(tree, value, holds, computed, rounded=None):
    """An `add`/`deduct` line. ``tree``: (form, the body's expressions' trees, the condition's) of
    describe.describe_term; ``holds``: whether the condition held; ``computed``: the numbers the
    engine computed for the body (value: (value,); per: (amount, count, missing items); steps:
    (value, threshold, gap, steps or None when the gap is not positive, amount); lookup: (key,
    value); ledger: (the entries in words,)); ``rounded``: (amount, rounded) under `round each`."""
    form, trees, condition = tree
    if condition is not None and not holds:
        return _condition_words(condition, value, False, " → 0")
    kind = form[0]
    skip = set()
    if kind == "value":
        head, skip = _value_head(trees[0], value, computed[0])
        heads = [head]
    elif kind == "per":
        amount, count, missing = computed
        heads = [f"{_text(amount)} × {_text(count)}{missing}"]
        if trees[1][0] == "missing":  # the items missing are named already
            skip.add(trees[1][2])
    elif kind == "steps":
        reading, threshold, gap, steps, amount = computed
        direction, partial = form[1], form[2]
        if steps is None:
            heads = [f"{_brief(reading)} is not {direction} {_brief(threshold)} → 0 steps"]
        else:
            heads = [f"{_brief(reading)} is {_brief(gap)} {direction} {_brief(threshold)} → {_brief(steps)} "
                     f"{partial} steps × {_brief(amount)}"]
    elif kind == "lookup":
        key, result = computed
        heads = [_lookup_words(form[1], key, form[2], form[3], result)]
        if trees[0][0] == "fact":
            skip.add(trees[0][2])
    else:  # a ledger sum: the engine words its entries
        heads = [computed[0]]
    if rounded is not None:
        before, after = _show(rounded[0]), _show(rounded[1])
        heads[0] += f" → {after} (rounded)" if heads[0] == before else f" = {before} → {after} (rounded)"
    covered = set()
    if condition is not None:
        compared = ", ".join(_conditions(condition, value, covered))
        heads.append("condition holds" + (f": {compared}" if compared else ""))
    return _said(heads, [*trees, condition], value, skip | covered)


def _zero_words(tree, value, holds):
    """A `zero if` line: it held (the item scores 0) or it did not, and what it compared."""
    return _condition_words(tree, value, holds, " → item scores 0" if holds else "")


def _not_applicable_words(tree, value):
    """An item that does not apply: its `applies if`, and what it compared."""
    covered = set()
    compared = ", ".join(_conditions(tree, value, covered))
    return _said(["not applicable" + (f": {compared}" if compared else "")], [tree], value, covered)


def _veto_words(vetoes):
    """The total's veto line: each veto that holds, with its condition's words (``vetoes``:
    (reason, tree, value) each)."""
    parts = []
    for reason, tree, value in vetoes:
        covered = set()
        compared = ", ".join(_conditions(tree, value, covered))
        said = _said([compared], [tree], value, covered)
        parts.append(f"{reason} ({said})" if said else reason)
    return "vetoed: " + "; ".join(parts)


def _coefficient_words(before, factor, after, tree, value):
    """A coefficient line: the value before, the factor (and what it read), the value after."""
    return _said([f"{_show(before)} × {_show(factor)} = {_show(after)}"], [tree], value)


def _weight_words(weight, on_hundred, child_value, child_max, tree, value):
    """How a weighted child counts: its weight (and what the weight read) × its value on 100."""
    head = (f"weight {_brief(_WORDS.multiply(weight, 100))}% × {_brief(on_hundred)} "
            f"(scored on 100: {_show(child_value)}/{_show(child_max)})")
    return _said([head], [tree], value)
