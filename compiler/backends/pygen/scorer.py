"""Emit the scoring functions of a generated module, one block per graph node in topological order.

``_fast(f, entity)`` reads the caller's facts, checks and converts them to
integer fixed point, and scores without building explanations; anything it
does not take (a value it cannot check quickly, more decimals than its
scale, an error while scoring) makes it raise, and the caller goes the
checked exact way. ``_exact(v, L, entity)`` scores validated typed values
with the interpreter's decimal arithmetic, and fills ``L`` with the
interpreter's explanation lines when ``L`` is a dict. Both follow the order
of evaluation of ``assessc.backends.interp`` (see its module docstring).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.runtime.decimals import CONTEXT

from .exprs import GUARD, INPUT_SCALE, MAX_ENTRIES, CompileError, Exprs, Num, Pool, decimals, fact_scale, units
from .text import Code, comment, literal, where

RESULT = "Result"


def _place(span) -> str:
    if span is None:
        return ""
    name = span.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"  ({comment(name, 60)}:{span.line})"


class Emitter:
    def __init__(self, graph: ScoringGraph, pool: Pool, fast: bool):
        self.graph = graph
        self.policy: ir.Policy = graph.policy
        self.pool = pool
        self.fast = fast
        self.code = Code()
        self.count = 0
        self.facts: dict[str, object] = {}
        self.x = Exprs(pool, fast, self.facts)
        rounding = self.policy.rounding
        self.rounding = rounding
        self.round_each = rounding is not None and rounding.scope == "each"
        self.value: dict[str, Num] = {}  # item id -> its value
        self.flag: dict[str, str | None] = {}  # item id -> its applicability flag (None: always applies)
        self.terms: dict[str, list[Num]] = {}
        self.has_req: dict[str, bool] = {}
        self.nodes = {n.id: n for n in self.policy.all_nodes()}
        self.parent: dict[str, str | None] = {}
        for top in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties):
            for node in top.walk():
                for child in node.children:
                    self.parent[child.id] = node.id
            self.parent[top.id] = None

    def fresh(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    # ---- the function --------------------------------------------------------------

    def function(self) -> Code:
        c = self.code
        if self.fast:
            c("def _fast(f, entity):")
            with c.indent():
                c('"""Score checked fast-path input in integer fixed point; raise if the input is not for it."""')
                if any(node.requires for node in self.policy.all_nodes()):
                    c("cp = {}")
                self.fast_facts()
                self.flags()
                self.optional_check()
                self.nodes_in_order()
        else:
            c("def _exact(v, L, entity):")
            with c.indent():
                c('"""Score validated values with the interpreter\'s decimals; fill L with the explanation if a dict."""')
                c("X = L is not None")
                c("cp = {}")
                c("_at = 'applies'")
                c("try:")
                with c.indent():
                    self.exact_facts()
                    c("inactive = _applies(v)")
                    for node in self.policy.all_nodes():
                        if self._conditional(node):
                            flag = self.fresh("a")
                            c(f"{flag} = {literal(node.id)} not in inactive")
                            self.flag[node.id] = flag
                        else:
                            self.flag[node.id] = None
                    self.nodes_in_order()
                c("except (ArithmeticError, _NoRow, CalendarError) as error:")
                with c.indent():
                    c("raise _scoring_error(entity, _at, error) from None")
        return c

    def _conditional(self, node: ir.Node) -> bool:
        while node is not None:
            if node.applies is not None:
                return True
            parent = self.parent[node.id]
            node = self.nodes[parent] if parent is not None else None
        return False

    def nodes_in_order(self) -> None:
        c = self.code
        for node in self.graph.order:
            c.at = where(node.span)
            if node.kind == TERM:
                self.term(node)
            elif node.kind == ITEM:
                self.item(node)
            elif node.kind == VETO:
                self.veto(node)
            elif node.kind == TOTAL:
                self.total(node)
        c.at = None
        ids = [n.id for n in self.graph.order if n.kind == ITEM]
        raw = ", ".join(self.value[i].code for i in ids) + (", " if ids else "") + "total"
        inactive = self.inactive_expr()
        if self.fast:
            comp = "cp" if any(self.has_req.values()) else "_NO_COMPLETION"
            more = "_FAST" if inactive == "_NO_ITEMS" and comp == "_NO_COMPLETION" else f"(_SCALES, {inactive}, {comp})"
            c(f"return {RESULT}(entity, vt, f, ({raw},), {more})")
        else:
            c(f"return {RESULT}(entity, tuple(vt), v, ({raw},), (None, inactive, cp), {{'lines': L}} if X else None)")

    def inactive_expr(self) -> str:
        if not self.fast:
            return "inactive"
        pairs = [(node.id, self.flag[node.id]) for node in self.policy.all_nodes() if self.flag.get(node.id)]
        if not pairs:
            return "_NO_ITEMS"
        inner = ", ".join(f"({literal(i)}, {a})" for i, a in pairs)
        return f"frozenset(i for i, a in ({inner},) if not a)"

    # ---- facts -----------------------------------------------------------------------

    def exact_facts(self) -> None:
        c = self.code
        optional = _optional(self.policy)
        for fact in self.policy.facts:
            var = self.fresh("f")
            read = f"v.get({literal(fact.name)})" if fact.name in optional else f"v[{literal(fact.name)}]"
            c(f"{var} = {read}  # fact:{comment(fact.name, 40)} {comment(fact.label, 40)}", where(fact.span))
            kind = fact.type.kind
            self.facts[fact.name] = Num(var, None) if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK) else var

    def fast_facts(self) -> None:
        c = self.code
        optional = _optional(self.policy)
        self.present: dict[str, str] = {}
        for fact in self.policy.facts:
            var = self.fresh("f")
            kind = fact.type.kind
            c(f"# fact:{comment(fact.name, 40)}  {comment(fact.label, 60)}{_place(fact.span)}", where(fact.span))
            name = literal(fact.name)
            if fact.name in optional:
                present = self.fresh("p")
                self.present[fact.name] = present
                c(f"x = f.get({name})", where(fact.span))
                c(f"{present} = x is not None")
                c(f"if {present}:")
                with c.indent():
                    self.convert(fact, "x", var)
                c("else:")
                with c.indent():
                    c(f"{var} = None")
            elif fact.default is not None:
                c(f"x = f.get({name}, _NA)", where(fact.span))
                c("if x is _NA:")
                with c.indent():
                    c(f"{var} = {self.fast_default(fact)}")
                c("else:")
                with c.indent():
                    self.convert(fact, "x", var)
            else:
                c(f"x = f[{name}]", where(fact.span))
                self.convert(fact, "x", var)
            if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
                scale, mag = fact_scale(fact)
                self.facts[fact.name] = Num(var, scale, mag)
            else:
                self.facts[fact.name] = var

    def fast_default(self, fact: ir.FactDecl) -> str:
        kind = fact.type.kind
        value = fact.default
        if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
            scale, _ = fact_scale(fact)
            return repr(units(value, scale))
        if kind is Kind.DATE:
            import datetime

            day = value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
            return self.pool.const(day, "day")
        if kind is Kind.LEDGER:
            raise CompileError(f"a default for ledger fact `{fact.name}`", fact.span)
        if kind is Kind.EVIDENCE:
            return self.pool.const(frozenset(value), "set")
        return literal(value)

    def convert(self, fact: ir.FactDecl, src: str, var: str) -> None:
        """Check ``src`` quickly and convert it into ``var``; raise _Slow for anything else."""
        c = self.code
        kind = fact.type.kind
        if kind in (Kind.COUNT, Kind.RANK):
            scale, mag = fact_scale(fact)
            low, high = _fast_range(fact, 0)
            c(f"if type({src}) is Decimal:")
            with c.indent():
                c(f"{var} = int({src})")
                c(f"if {var} != {src}: raise _Slow")
            c(f"elif type({src}) is int: {var} = {src}")
            c("else: raise _Slow")
            c(self.range_check(fact, var, low, high, 0))
        elif kind in INPUT_SCALE:
            scale, _ = fact_scale(fact)
            low, high = _fast_range(fact, scale)
            c(f"if type({src}) is Decimal:")
            with c.indent():
                c(f"n, d = {src}.as_integer_ratio()")
                c(f"{var}, r = divmod(n * {10 ** scale}, d)")
                c("if r: raise _Slow")
            factor = 10 ** (scale - 2) if kind is Kind.PERCENT else 10**scale
            c(f"elif type({src}) is int: {var} = {src} * {factor}")
            c("else: raise _Slow")
            c(self.range_check(fact, var, low, high, scale))
        elif kind is Kind.BOOL:
            c(f"if type({src}) is not bool: raise _Slow")
            c(f"{var} = {src}")
        elif kind is Kind.ENUM:
            members = self.pool.const(frozenset(fact.type.member_names), "set")
            c(f"if type({src}) is not str or {src} not in {members}: raise _Slow")
            c(f"{var} = {src}")
        elif kind is Kind.TEXT:
            c(f"if type({src}) is not str: raise _Slow")
            c(f"{var} = {src}.strip()")
            c(f"if not {var}: raise _Slow")
        elif kind is Kind.DATE:
            c(f"if type({src}) is not _date: raise _Slow")
            c(f"{var} = {src}")
        elif kind is Kind.EVIDENCE:
            members = self.pool.const(frozenset(fact.type.member_names), "set")
            c(f"if not {src} <= {members}: raise _Slow  # a set of member names (anything else: TypeError)")
            c(f"{var} = {src}")
        elif kind is Kind.LEDGER:
            helper = self.ledger_converter(fact)
            c(f"{var} = {helper}({src})")
        else:  # pragma: no cover - every kind is listed
            raise CompileError(f"the Python backend cannot read facts of kind {kind.value}", fact.span)

    @staticmethod
    def range_check(fact: ir.FactDecl, var: str, low: int, high: int, scale: int) -> str:
        default = fact.default
        if isinstance(default, Decimal):
            units_ = units(default, scale)
            if not low <= units_ <= high:  # a default outside the range is accepted as itself
                return f"if not ({low} <= {var} <= {high} or {var} == {units_}): raise _Slow"
        return f"if not {low} <= {var} <= {high}: raise _Slow"

    def ledger_converter(self, fact: ir.FactDecl) -> str:
        """A module function checking and converting one ledger's entries for the fast path."""
        helper = self.pool.fresh("entries")
        saved, self.code = self.code, Code()
        c = self.code
        c(f"def {helper}(raw):  # ledger {comment(fact.name)}", where(fact.span))
        with c.indent():
            c("if type(raw) is not tuple and type(raw) is not list: raise _Slow")
            c(f"if len(raw) > {MAX_ENTRIES}: raise _Slow")
            c("out = []")
            c("for e in raw:")
            with c.indent():
                c("if not isinstance(e, Mapping): raise _Slow")
                names = []
                for field in fact.type.fields:
                    var = self.fresh("g")
                    names.append((field.name, var))
                    if field.default is not None:
                        c(f"x = e.get({literal(field.name)}, _NA)")
                        c("if x is _NA:")
                        with c.indent():
                            c(f"{var} = {self.fast_default(field)}")
                        c("else:")
                        with c.indent():
                            self.convert(field, "x", var)
                    else:
                        c(f"x = e[{literal(field.name)}]")
                        self.convert(field, "x", var)
                inner = ", ".join(f"{literal(n)}: {v}" for n, v in names)
                c(f"out.append({{{inner}}})")
            c("return out")
        self.code = saved
        self.pool.code.blank()
        self.pool.code.splice(c)
        return helper

    # ---- applicability -------------------------------------------------------------------

    def flags(self) -> None:
        """Which items apply, decided first, parents before children (the interpreter's `inactive`)."""
        c = self.code

        def visit(node: ir.Node, parent_flag: str | None) -> None:
            flag = parent_flag
            if node.applies is not None:
                flag = self.fresh("a")
                cond = self.x.expr(node.applies)
                test = f"{parent_flag} and bool({cond})" if parent_flag else f"bool({cond})"
                c(f"{flag} = {test}  # {comment(node.id, 30)} applies if …", where(node.span))
            self.flag[node.id] = flag
            for child in node.children:
                visit(child, flag)

        for top in (*self.policy.items, *self.policy.bonuses, *self.policy.penalties):
            visit(top, None)

    def optional_check(self) -> None:
        """Facts read only by items that may not apply: given exactly where needed, else the checked path."""
        c = self.code
        for name, present in self.present.items():
            contexts = []
            always = False
            for node_id, parent, applies_reads, own_reads in reads_table(self.policy):
                if name in applies_reads:
                    if parent is None or self.flag.get(parent) is None:
                        always = True
                    else:
                        contexts.append(self.flag[parent])
                if name in own_reads:
                    if self.flag.get(node_id) is None:
                        always = True
                    else:
                        contexts.append(self.flag[node_id])
            needed = "True" if always or not contexts else " or ".join(dict.fromkeys(contexts))
            c(f"if bool({needed}) != {present}: raise _Slow")

    def guard(self, item_id: str):
        """An ``if`` around code that runs only where ``item_id`` applies (None when it always does)."""
        return self.flag.get(item_id)

    # ---- terms ---------------------------------------------------------------------------

    def term(self, node) -> None:
        term: ir.Term = node.ir
        c = self.code
        var = self.fresh("t")
        c(f"# {comment(node.id, 40)}  {comment(term.text)}{_place(term.span)}", where(term.span))
        flag = self.guard(node.parent)
        if flag:
            c(f"if {flag}:", where(term.span))
            c.depth += 1
        if not self.fast:
            c(f"_at = {literal(node.id)}", where(term.span))
        body = Code()
        saved, self.code = self.code, body
        raw, detail = self.body(term.body, term.span)
        amount = self.signed(raw, term.sign)
        rounded = amount
        if self.round_each:
            rounded = self.x.quantize(amount, self.rounding.places, self.rounding.mode)
        self.code = saved
        if self.fast:
            result = rounded
            if term.condition is None:
                c.splice(body)
                c(f"{var} = {result.code}", where(term.span))
            elif not body.lines:
                zero = self.x.zero_like(result)
                c(f"{var} = {result.code} if {self.x.expr(term.condition)} else {zero}", where(term.span))
            else:
                c(f"if {self.x.expr(term.condition)}:", where(term.span))
                with c.indent():
                    c.splice(body)
                    c(f"{var} = {result.code}")
                c("else:")
                with c.indent():
                    c(f"{var} = {self.x.zero_like(result)}")
            self.terms.setdefault(node.parent, []).append(Num(var, result.scale, result.mag))
        else:
            def line(detail_code: str) -> str:
                return (f"L.setdefault({literal(node.parent)}, []).append(Line('term', {literal(node.id)}, "
                        f"{literal(term.text)}, {var}, " + detail_code + f", {literal(node.lead)}, "
                        f"{literal(where(term.span))}))")
            if term.condition is not None:
                c(f"if {self.x.expr(term.condition)}:", where(term.span))
                c.depth += 1
            c.splice(body)
            c(f"{var} = {amount.code}", where(term.span))
            if self.round_each:
                r = self.fresh("r")
                c(f"{r} = {self.x.quantize(Num(var, None), self.rounding.places, self.rounding.mode).code}")
                c(f"if X and {var} != {r}:")
                with c.indent():
                    c(f"{detail} = {detail} + ' = ' + _show({var}) + ' → ' + _show({r}) + ' (rounded)'")
                c(f"{var} = {r}")
            c("if X:")
            with c.indent():
                c(line(detail))
            if term.condition is not None:
                c.depth -= 1
                c("else:")
                with c.indent():
                    c(f"{var} = _ZERO")
                    c("if X:")
                    with c.indent():
                        why = self.why_not(term.condition)
                        c(line("'condition does not hold' + " + why + " + ' → 0'"))
            self.terms.setdefault(node.parent, []).append(Num(var, None))
        if flag:
            c.depth -= 1

    def why_not(self, condition: ir.Expr) -> str:
        if isinstance(condition, ir.Binary) and condition.op in ("<", "<=", ">", ">=", "==", "!="):
            left, right = self.x.expr(condition.left), self.x.expr(condition.right)
            left = left.code if isinstance(left, Num) else left
            right = right.code if isinstance(right, Num) else right
            return f"': ' + _text({left}) + {literal(' ' + condition.op + ' ')} + _text({right}) + ' is false'"
        return "''"

    def signed(self, raw: Num, sign: int) -> Num:
        if self.fast:
            return raw if sign > 0 else self.x.neg(raw)
        return Num(f"_C.multiply({raw.code}, {sign})", None)

    def temp(self, num: Num) -> Num:
        """``num`` evaluated once into a local variable."""
        if num.value is not None or num.code.isidentifier():
            return num
        var = self.fresh("w")
        self.code(f"{var} = {num.code}")
        return Num(var, num.scale, num.mag)

    def body(self, body: ir.TermBody, span) -> tuple[Num, str | None]:
        """Statements computing a term body's amount (unsigned); (amount, detail expression or None)."""
        c = self.code
        x = self.x
        if isinstance(body, ir.Value):
            value = x.num(body.expr)
            if self.fast:
                return value, None
            value = self.temp(Num(value.code, None))
            detail = self.fresh("d")
            c(f"if X: {detail} = _show({value.code})")
            return value, detail
        if isinstance(body, ir.Per):
            amount, count = x.num(body.amount), x.num(body.count)
            if self.fast:
                return x.mul(amount, count), None
            a, n = self.temp(amount), self.temp(count)
            detail = self.fresh("d")
            missing = "''"
            if isinstance(body.count, ir.MissingCount):
                fact = body.count.fact
                pairs = self.pool.const(tuple((m.name, m.label or m.name) for m in fact.type.members), "labels")
                missing = f"_missing_text({self.facts[fact.name]}, {pairs})"
            c(f"if X: {detail} = _show({a.code}) + ' × ' + _show({n.code}) + {missing}")
            return Num(f"_C.multiply({a.code}, {n.code})", None), detail
        if isinstance(body, ir.Steps):
            return self.steps(body)
        if isinstance(body, ir.Lookup):
            return self.lookup(body)
        if isinstance(body, ir.LedgerSum):
            return self.ledger(body)
        raise CompileError(f"the Python backend cannot generate the rule form {type(body).__name__}", span)

    def steps(self, body: ir.Steps) -> tuple[Num, str | None]:
        c, x = self.code, self.x
        amount, step = self.temp(x.num(body.amount)), self.temp(x.num(body.step))
        threshold, value = self.temp(x.num(body.threshold)), self.temp(x.num(body.value))
        gap = x.add(threshold, value, "-") if body.direction == "below" else x.add(value, threshold, "-")
        gap = self.temp(gap)
        if body.partial == "whole":
            steps = x.floor_ceil(gap, step, ceil=False)
        elif body.partial == "started":
            steps = x.floor_ceil(gap, step, ceil=True)
        else:
            steps = x.div(gap, step)
        result = self.fresh("w")
        if self.fast:
            raw = x.mul(steps, amount)
            c(f"if {gap.code} <= 0:")
            with c.indent():
                c(f"{result} = {x.zero_like(raw)}")
            c("else:")
            with c.indent():
                c(f"{result} = {raw.code}")
            return Num(result, raw.scale, raw.mag), None
        detail = self.fresh("d")
        direction, partial = literal(" " + body.direction + " "), literal(" " + body.partial + " steps × ")
        c(f"if {gap.code} <= 0:")
        with c.indent():
            c(f"{result} = _ZERO")
            c(f"if X: {detail} = _brief({value.code}) + ' is not' + {direction} + _brief({threshold.code}) + ' → 0 steps'")
        c("else:")
        with c.indent():
            count = self.fresh("w")
            c(f"{count} = {steps.code}")
            c(f"{result} = _C.multiply({count}, {amount.code})")
            c(f"if X: {detail} = _brief({value.code}) + ' is ' + _brief({gap.code}) + {direction} + "
              f"_brief({threshold.code}) + ' → ' + _brief({count}) + {partial} + _brief({amount.code})")
        return Num(result, None), detail

    def lookup(self, body: ir.Lookup) -> tuple[Num, str | None]:
        c, x = self.code, self.x
        key = x.expr(body.key)
        table = body.table
        result = self.fresh("w")
        if not self.fast:
            rows = tuple((r.member, r.low, r.high, r.value, r.describe()) for r in table.rows)
            detail = self.fresh("d")
            keycode = key.code if isinstance(key, Num) else key
            c(f"{result}, {detail} = _lookup_x({self.pool.const(rows, 'rows')}, "
              f"{self.pool.const(table.default) if table.default is not None else 'None'}, {keycode})")
            return Num(result, None), detail
        values = [row.value for row in table.rows] + ([table.default] if table.default is not None else [])
        scale = max((decimals(v) for v in values), default=0)
        mag = max((abs(Fraction(v)) for v in values), default=Fraction(0))
        keyvar = self.fresh("w")
        c(f"{keyvar} = {key.code if isinstance(key, Num) else key}")
        first = True
        for row in table.rows:
            test = (f"{keyvar} == {literal(row.member)}" if row.member is not None
                    else x._band_test(keyvar, key, row))
            c(f"{'if' if first else 'elif'} {test}: {result} = {units(row.value, scale)}")
            first = False
        default = units(table.default, scale) if table.default is not None else 0
        if first:
            c(f"{result} = {default}")
        else:
            c(f"else: {result} = {default}")
        return Num(result, scale, mag), None

    def ledger(self, body: ir.LedgerSum) -> tuple[Num, str | None]:
        c, x = self.code, self.x
        helper, scale, mag = x.ledger_helper(body)
        keep = "None"
        if body.where is not None:
            variable, condition = x.filter(body.ledger, body.where)
            keep = f"lambda {variable}: {condition}"
        entries = self.facts[body.ledger.name]
        if self.fast:
            return Num(f"{helper}({entries}, {keep})", scale, mag), None
        result, detail = self.fresh("w"), self.fresh("d")
        c("if X:")
        with c.indent():
            c(f"{result}, {detail} = {helper}({entries}, {keep}, True)")
        c("else:")
        with c.indent():
            c(f"{result} = {helper}({entries}, {keep})")
        return Num(result, None), detail

    # ---- items ---------------------------------------------------------------------------

    def item(self, node) -> None:
        item: ir.Node = node.ir
        c = self.code
        var = self.fresh("v")
        title = f"# {comment(item.id, 40)}  {comment(item.title)}{_place(item.span)}"
        c(title, where(item.span))
        self.has_req[item.id] = bool(item.requires) or any(self.has_req.get(ch.id) for ch in item.children)
        flag = self.guard(item.id)
        block = Code()
        saved, self.code = self.code, block
        if self.fast:
            value = self.fast_item(node, var)
        else:
            value = self.exact_item(node, var)
        self.completion(item)
        self.code = saved
        if flag:
            c(f"if {flag}:", where(item.span))
            with c.indent():
                c.splice(block)
            c("else:")
            with c.indent():
                c(f"{var} = {self.x.zero_like(value)}")
        else:
            c.splice(block)
        self.value[item.id] = Num(var, value.scale, value.mag)

    def child_amount(self, child: ir.Node) -> Num:
        """How ``child`` counts in its parent (the interpreter's `_child_line`), fast mode."""
        value = self.value[child.id]
        if child.weight is None:
            return value
        c, x = self.code, self.x
        flag = self.flag.get(child.id)
        block = Code()
        saved, self.code = self.code, block
        amount = self.weighted(child, value)
        self.code = saved
        var = self.fresh("c")
        c(f"# {comment(child.id, 40)} weighted in its parent", where(child.span))
        if flag:
            c(f"if {flag}:")
            with c.indent():
                c.splice(block)
                c(f"{var} = {amount.code}")
            c("else:")
            with c.indent():
                c(f"{var} = {x.zero_like(amount)}")
        else:
            c.splice(block)
            c(f"{var} = {amount.code}")
        return Num(var, amount.scale, amount.mag)

    def weight_of(self, child: ir.Node) -> Num:
        if child.max is None:
            raise CompileError(f"item `{child.id}` has a weight but no max", child.span)
        if isinstance(child.weight, ir.Lookup):
            return self.temp(self.x.lookup_value(child.weight.table, child.weight.key, child.span))
        weight, _ = self.body(child.weight, child.span)
        return self.temp(weight)

    def weighted(self, child: ir.Node, value: Num) -> Num:
        x = self.x
        weight = self.weight_of(child)
        on_hundred = x.div(x.mul(value, x.constant(Decimal(100))), x.constant(child.max))
        amount = x.mul(weight, on_hundred)
        if self.round_each:
            amount = x.quantize(amount, self.rounding.places, self.rounding.mode)
        return amount

    def fold(self, parts: list[Num]) -> Num:
        """Σ parts in the interpreter's order (sum from 0, left to right)."""
        x = self.x
        if not parts:
            return x.constant(Decimal(0)) if self.fast else Num("_ZERO", None, Fraction(0))
        if not self.fast:
            return Num(f"_sum(({', '.join(p.code for p in parts)},))", None)
        first_dec = next((i for i, p in enumerate(parts) if not p.fixed), len(parts))
        prefix, rest = parts[:first_dec], parts[first_dec:]
        total = None
        if prefix:
            scale = max(p.scale for p in prefix)
            mag = sum((p.mag for p in prefix), Fraction(0)) if all(p.mag is not None for p in prefix) else None
            from .exprs import fits

            if fits(mag, scale):
                terms = [x.align(p, scale) for p in prefix]
                if len(terms) == 1:
                    code = terms[0]
                elif len(terms) <= 50:
                    code = "(" + " + ".join(terms) + ")"
                else:  # a flat call: a long `+` chain nests too deep for Python's compiler
                    code = "sum((" + ", ".join(terms) + ",))"
                total = Num(code, scale, mag)
            else:
                rest = parts
        if not rest:
            return total
        decs = ([x.dec(total)] if total is not None else []) + [x.dec(p) for p in rest]
        mags = [p.mag for p in parts]
        mag = None if any(m is None for m in mags) else sum(mags, Fraction(0))
        return Num(f"_sum(({', '.join(decs)},))", None, mag)

    def fast_item(self, node, var: str) -> Num:
        item: ir.Node = node.ir
        c, x = self.code, self.x
        parts: list[Num] = []
        if item.start is not None:
            parts.append(x.num(item.start))
        parts += self.terms.get(item.id, [])
        for child in item.children:
            parts.append(self.child_amount(child))
        total = self.fold(parts)
        c(f"{var} = {total.code}", where(item.span))
        value = Num(var, total.scale, total.mag)
        rest = Code()
        saved, self.code = self.code, rest
        value = self.adjust(item, var, value)
        self.code = saved
        if item.zero_if:
            conds = " or ".join(self.x.expr(z.condition) for z in item.zero_if)
            c(f"if {conds}:", where(item.zero_if[0].span))
            with c.indent():
                c(f"{var} = {x.zero_like(value)}")
            if rest.lines:
                c("else:")
                with c.indent():
                    c.splice(rest)
        else:
            c.splice(rest)
        return value

    def adjust(self, item: ir.Node, var: str, value: Num) -> Num:
        """Coefficient, rounding, floor and cap, in that order (fast mode)."""
        c, x = self.code, self.x
        if item.coefficient is not None:
            scaled = x.mul(value, x.num(item.coefficient))
            c(f"{var} = {scaled.code}  # coefficient", where(item.span))
            value = Num(var, scaled.scale, scaled.mag)
        if self.round_each:
            rounded = x.quantize(value, self.rounding.places, self.rounding.mode)
            if rounded is not value:
                c(f"{var} = {rounded.code}  # round each", where(item.span))
                value = Num(var, rounded.scale, rounded.mag)
        bounds = [b for b in (item.floor, item.max if not item.uncapped else None) if b is not None]
        if value.fixed and bounds:
            need = max(decimals(b) for b in bounds)
            if need > value.scale:
                c(f"{var} = {var} * {10 ** (need - value.scale)}")
                value = Num(var, need, value.mag)
        if item.floor is not None:
            floor = x.constant(item.floor)
            c(f"if {x.compare('<', value, floor)}: {var} = {self.as_value(floor, value)}  # until zero",
              where(item.floor_span or item.span))
        if item.max is not None and not item.uncapped:
            cap = x.constant(item.max)
            if item.kind == "penalty":
                low = x.constant(CONTEXT.minus(item.max))
                c(f"if {x.compare('<', value, low)}: {var} = {self.as_value(low, value)}  # max {comment(str(item.max))}",
                  where(item.max_span or item.span))
            else:
                c(f"if {x.compare('>', value, cap)}: {var} = {self.as_value(cap, value)}  # max {comment(str(item.max))}",
                  where(item.max_span or item.span))
        mag = value.mag
        limits = [abs(Fraction(b)) for b in bounds]
        if item.floor is not None and item.max is not None and not item.uncapped and item.kind != "penalty":
            mag = max(limits)
        elif mag is not None and limits:
            mag = max([mag] + limits)
        return Num(var, value.scale, mag)

    def as_value(self, const: Num, like: Num) -> str:
        """A constant in the representation of ``like``."""
        if like.fixed:
            return self.x.align(const, like.scale)
        return self.x.dec(const)

    def exact_item(self, node, var: str) -> Num:
        item: ir.Node = node.ir
        c, x = self.code, self.x
        at = where(item.span)
        lead = literal(node.lead)
        c(f"_at = {literal(item.id)}", at)
        parts: list[str] = []
        c("if X:")
        with c.indent():
            c(f"ls = L.pop({literal(item.id)}, [])")
        if item.start is not None:
            start = self.fresh("w")
            c(f"{start} = {x.num(item.start).code}", at)
            c(f"if X: ls.insert(0, Line('start', {literal(item.id)}, 'start', {start}, _show({start}), {lead}, "
              f"{literal(at)}))")
            parts.append(start)
        parts += [t.code for t in self.terms.get(item.id, [])]
        for child in item.children:
            parts.append(self.exact_child(child))
        c(f"{var} = {self.fold([Num(p, None) for p in parts]).code}", at)
        adjust = Code()
        saved, self.code = self.code, adjust
        self.exact_adjust(item, var, lead)
        self.code = saved
        for k, zero in enumerate(item.zero_if):
            c(f"{'if' if k == 0 else 'elif'} {x.expr(zero.condition)}:", where(zero.span))
            with c.indent():
                c(f"if X: ls.append(Line('zero', {literal(item.id)}, {literal(zero.text)}, _C.minus({var}), "
                  f"'condition holds → item scores 0', {lead}, {literal(where(zero.span))}))")
                c(f"{var} = _ZERO")
        if item.zero_if:
            c("else:")
            c.depth += 1
        if adjust.lines:
            c.splice(adjust)
        elif item.zero_if:
            c("pass")
        if item.zero_if:
            c.depth -= 1
        c(f"if X: L[{literal(item.id)}] = ls")
        return Num(var, None)

    def exact_child(self, child: ir.Node) -> str:
        """A child's line in its parent (the interpreter's `_child_line`); returns the amount's variable."""
        c = self.code
        value = self.value[child.id]
        flag = self.flag.get(child.id)
        title, lead, at = literal(child.title), literal(child.meta.lead), literal(where(child.span))
        if child.weight is None and not flag:
            c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, {value.code}, '', {lead}, {at}))")
            return value.code
        var = self.fresh("c")
        if flag:
            c(f"if not {flag}:")
            with c.indent():
                c(f"{var} = _ZERO")
                c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, _ZERO, 'not applicable', {lead}, {at}))")
            c("else:")
            c.depth += 1
        if child.weight is None:
            c(f"{var} = {value.code}")
            c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, {var}, '', {lead}, {at}))")
        else:
            weight = self.weight_of(child)
            on = self.fresh("w")
            cap = self.pool.const(child.max)
            c(f"{on} = _C.divide(_C.multiply({value.code}, _HUNDRED), {cap})")
            c(f"{var} = _C.multiply({weight.code}, {on})")
            if self.round_each:
                c(f"{var} = {self.x.quantize(Num(var, None), self.rounding.places, self.rounding.mode).code}")
            c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, {var}, 'weight ' + "
              f"_brief(_C.multiply({weight.code}, _HUNDRED)) + '% × ' + _brief({on}) + ' (scored on 100: ' + "
              f"_show({value.code}) + '/' + _show({cap}) + ')', {lead}, {at}))")
        if flag:
            c.depth -= 1
        return var

    def exact_adjust(self, item: ir.Node, var: str, lead: str) -> None:
        c, x = self.code, self.x
        item_id = literal(item.id)
        if item.coefficient is not None:
            factor, scaled = self.fresh("w"), self.fresh("w")
            c(f"{factor} = {x.num(item.coefficient).code}", where(item.span))
            c(f"{scaled} = _C.multiply({var}, {factor})")
            c(f"if X: ls.append(Line('coefficient', {item_id}, 'coefficient', _C.subtract({scaled}, {var}), "
              f"_show({var}) + ' × ' + _show({factor}) + ' = ' + _show({scaled}), {lead}, {literal(where(item.span))}))")
            c(f"{var} = {scaled}")
        if self.round_each:
            self.exact_round(var, item_id, lead)
        if item.floor is not None:
            floor = self.pool.const(item.floor)
            c(f"if {var} < {floor}:", where(item.floor_span or item.span))
            with c.indent():
                c(f"if X: ls.append(Line('floor', {item_id}, 'until zero', _C.subtract({floor}, {var}), "
                  f"_show({var}) + ' is below ' + _show({floor}) + ' → ' + _show({floor}), {lead}, "
                  f"{literal(where(item.floor_span))}))")
                c(f"{var} = {floor}")
        if item.max is not None and not item.uncapped:
            cap = self.pool.const(item.max)
            label = literal("max " + _show(item.max))
            at = literal(where(item.max_span))
            if item.kind == "penalty":
                low = self.pool.const(CONTEXT.minus(item.max))
                c(f"if {var} < {low}:", where(item.max_span or item.span))
                with c.indent():
                    c(f"if X: ls.append(Line('cap', {item_id}, {label}, _C.subtract({low}, {var}), 'deduction ' + "
                      f"_show(_C.minus({var})) + ' is over ' + _show({cap}) + ' → ' + _show({low}), {lead}, {at}))")
                    c(f"{var} = {low}")
            else:
                c(f"if {var} > {cap}:", where(item.max_span or item.span))
                with c.indent():
                    c(f"if X: ls.append(Line('cap', {item_id}, {label}, _C.subtract({cap}, {var}), _show({var}) + "
                      f"' is over the max ' + _show({cap}) + ' → ' + _show({cap}), {lead}, {at}))")
                    c(f"{var} = {cap}")

    def exact_round(self, var: str, node_id: str, lead: str) -> None:
        c = self.code
        r = self.fresh("r")
        rounding = self.rounding
        c(f"{r} = {self.x.quantize(Num(var, None), rounding.places, rounding.mode).code}")
        c(f"if {r} != {var}:")
        with c.indent():
            how = literal(f" ({rounding.mode}, {rounding.places} places)")
            c(f"if X: ls.append(Line('round', {node_id}, 'rounding', _C.subtract({r}, {var}), _show({var}) + ' → ' + "
              f"_show({r}) + {how}, {lead}, None))")
            c(f"{var} = {r}")

    def completion(self, item: ir.Node) -> None:
        """Whether the item's requirements are met (the interpreter's `_completion`)."""
        if not self.has_req.get(item.id):
            return
        c, x = self.code, self.x
        c("ms = []")
        for requirement in item.requires:
            if requirement.evidence is not None:
                fact = requirement.evidence
                pairs = self.pool.const(tuple((m.name, m.label or m.name) for m in fact.type.members), "labels")
                c(f"ms += [label for name, label in {pairs} if name not in {self.facts[fact.name]}]",
                  where(requirement.span))
            else:
                c(f"if not {x.expr(requirement.condition)}: ms.append({literal(requirement.text)})",
                  where(requirement.span))
        kids = [ch.id for ch in item.children if self.has_req.get(ch.id)]
        if kids:
            inner = ", ".join(f"cp.get({literal(k)})" for k in kids)
            c(f"st = [s[0] for s in ({inner},) if s is not None]")
        else:
            c("st = []")
        if item.requires:
            c(f"cp[{literal(item.id)}] = (not ms and all(st), tuple(ms))")
        else:
            c(f"if st: cp[{literal(item.id)}] = (not ms and all(st), tuple(ms))")

    # ---- vetoes and the total --------------------------------------------------------------

    def veto(self, node) -> None:
        veto: ir.Veto = node.ir
        c = self.code
        c(f"# {comment(node.id, 20)}  veto {comment(veto.reason)}{_place(veto.span)}", where(veto.span))
        if not self.vetoes_started:
            c("vt = []")
            self.vetoes_started = True
        if not self.fast:
            c(f"_at = {literal(node.id)}", where(veto.span))
        c(f"if {self.x.expr(veto.condition)}: vt.append({literal(veto.reason)})", where(veto.span))

    vetoes_started = False

    def total(self, node) -> None:
        policy = self.policy
        c = self.code
        c(f"# total  {comment(policy.title)}{_place(policy.span)}", where(policy.span))
        if not self.vetoes_started:
            c("vt = ()" if self.fast else "vt = []")
            self.vetoes_started = True
        if self.fast:
            self.fast_total()
        else:
            self.exact_total(node)

    def fast_total(self) -> None:
        policy, c, x = self.policy, self.code, self.x
        items = [self.child_amount(top) for top in policy.items]
        main = self.fold(items)
        c(f"total = {main.code}", where(policy.span))
        main = Num("total", main.scale, main.mag)
        factor = x.num(policy.coefficient) if policy.coefficient is not None else None
        extras = [self.child_amount(extra) for extra in (*policy.bonuses, *policy.penalties)]
        simple = main.fixed and all(e.fixed for e in extras) and (factor is None or x.mul(main, factor).fixed)
        if simple:
            if factor is not None:
                scaled = x.mul(main, factor)
                c(f"total = {scaled.code}  # coefficient", where(policy.span))
                main = Num("total", scaled.scale, scaled.mag)
            if policy.max is not None:
                cap = x.constant(policy.max)
                if decimals(policy.max) > main.scale:
                    c(f"total = total * {10 ** (decimals(policy.max) - main.scale)}")
                    main = Num("total", decimals(policy.max), main.mag)
                c(f"if {x.compare('>', main, cap)}: total = {x.align(cap, main.scale)}  # max",
                  where(policy.max_span or policy.span))
                main = Num("total", main.scale, None if main.mag is None else max(main.mag, abs(Fraction(policy.max))))
            value = self.fold([main] + extras)
        else:  # the interpreter's line by line sum, in decimals
            c(f"m0 = m = {x.dec(main)}")
            parts = ["m0"]
            if factor is not None:
                c(f"s = _C.multiply(m, {x.dec(factor)})", where(policy.span))
                c("coefline = _C.subtract(s, m)")
                c("m = s")
                parts.append("coefline")
            if policy.max is not None:
                cap = self.pool.const(policy.max)
                c(f"capline = _C.subtract({cap}, m) if m > {cap} else _ZERO", where(policy.max_span or policy.span))
                parts.append("capline")
            value = Num(f"_sum(({', '.join(parts + [x.dec(e) for e in extras])},))", None, None)
        if value.code != "total":
            c(f"total = {value.code}")
        total = Num("total", value.scale, value.mag)
        if policy.vetoes:
            c(f"if vt: total = {x.zero_like(total)}  # vetoed")
            c("vt = tuple(vt)")
        if policy.rounding is not None:
            rounded = x.quantize(total, policy.rounding.places, policy.rounding.mode)
            if rounded is not total:
                c(f"total = {rounded.code}  # rounding")
                total = Num("total", rounded.scale, rounded.mag)
        self.value["total"] = total

    def exact_total(self, node) -> None:
        policy, c, x = self.policy, self.code, self.x
        c("_at = 'total'")
        lead = literal(node.lead)
        c("ls = []")
        parts = []
        for top in policy.items:
            parts.append(self.exact_child(top))
        c(f"m = {self.fold([Num(p, None) for p in parts]).code}")
        span = literal(where(policy.span))
        if policy.coefficient is not None:
            c(f"factor = {x.num(policy.coefficient).code}", where(policy.span))
            c("s = _C.multiply(m, factor)")
            c("coefline = _C.subtract(s, m)")
            c(f"if X: ls.append(Line('coefficient', 'total', 'coefficient', coefline, _show(m) + ' × ' + "
              f"_show(factor) + ' = ' + _show(s), {lead}, {span}))")
            c("m = s")
            parts.append("coefline")
        if policy.max is not None:
            cap = self.pool.const(policy.max)
            label = literal("max " + _show(policy.max))
            c(f"capline = _ZERO")
            c(f"if m > {cap}:", where(policy.max_span or policy.span))
            with c.indent():
                c(f"capline = _C.subtract({cap}, m)")
                c(f"if X: ls.append(Line('cap', 'total', {label}, capline, 'items add up to ' + _show(m) + "
                  f"', over the max ' + _show({cap}) + ' → ' + _show({cap}), {lead}, {literal(where(policy.max_span))}))")
            parts.append("capline")
        for extra in (*policy.bonuses, *policy.penalties):
            parts.append(self.exact_child(extra))
        c(f"total = {self.fold([Num(p, None) for p in parts]).code}")
        c("if vt:")
        with c.indent():
            c(f"if X: ls.append(Line('veto', 'total', 'veto', _C.minus(total), 'vetoed: ' + '; '.join(vt), "
              f"{lead}, {span}))")
            c("total = _ZERO")
        if policy.rounding is not None:
            r = policy.rounding
            c(f"r = {self.x.quantize(Num('total', None), r.places, r.mode).code}")
            c("if r != total:")
            with c.indent():
                how = literal(f" ({r.mode}, {r.places} places)")
                c(f"if X: ls.append(Line('round', 'total', 'rounding', _C.subtract(r, total), _show(total) + ' → ' + "
                  f"_show(r) + {how}, {lead}, None))")
                c("total = r")
        c("if X: L['total'] = ls")
        self.value["total"] = Num("total", None)


def _show(value: Decimal) -> str:
    from assessc.runtime.decimals import show

    return show(value)


def _optional(policy: ir.Policy) -> frozenset[str]:
    from assessc.ir.applicability import optional_facts

    return optional_facts(policy)


def reads_table(policy: ir.Policy) -> list[tuple[str, str | None, frozenset, frozenset]]:
    """(item id, parent id, facts its `applies` reads, facts its own rules read) for every item."""
    from assessc.ir.applicability import _own_reads
    from assessc.ir.walk import facts_of_expr

    rows = []

    def visit(node: ir.Node, parent: str | None) -> None:
        rows.append((node.id, parent, frozenset(facts_of_expr(node.applies)), frozenset(_own_reads(node))))
        for child in node.children:
            visit(child, node.id)

    for top in (*policy.items, *policy.bonuses, *policy.penalties):
        visit(top, None)
    return rows


def _fast_range(fact: ir.FactDecl, scale: int) -> tuple[int, int]:
    """Inclusive bounds, in units, that the fast path accepts for a numeric fact."""
    from assessc.facts.numeric import bounds

    low, high = bounds(fact.type)
    guard = GUARD * 10**scale
    low_units = -guard if low is None else _ceil_units(low, scale)
    high_units = guard if high is None else _floor_units(high, scale)
    return low_units, high_units


def _ceil_units(value: Decimal, scale: int) -> int:
    f = Fraction(value) * 10**scale
    return -((-f.numerator) // f.denominator)


def _floor_units(value: Decimal, scale: int) -> int:
    f = Fraction(value) * 10**scale
    return f.numerator // f.denominator
