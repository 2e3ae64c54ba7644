"""Emit the scoring functions of a generated module, one block per graph node in topological order.

``_fast(f, entity)`` reads the caller's facts, checks and converts them to
integer fixed point, and scores without building explanations; anything it
does not take (a value it cannot check quickly, more decimals than its
scale, an error while scoring) makes it raise, and the caller goes the
checked exact way. ``_exact(v, L, entity)`` scores validated typed values
with the interpreter's decimal arithmetic, and fills ``L`` with the
interpreter's explanation lines when ``L`` is a dict. Both follow the order
of evaluation of ``assessc.backends.interp`` (see its module docstring).

The fast path is written to cost little more than a hand-written scorer:
a fact is checked with inline comparisons; a rule's amount is an expression
its item's sum takes in; the compiler bounds every fixed-point value
(``Num.low``/``Num.high``), and a cap or floor that cannot bite, or a lookup
band's end that no key lies beyond, is left out; an amount made of
constants, constant multiples and lookups is computed at the scale of the
sum it goes into, so that the sum needs no multiplication (a first run of
the emitter finds those scales); and its result keeps the total and the
fact values, working out the value of every node again only when asked for
(``_fast(kept values, _UNITS)``).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from assessc.graph.nodes import ITEM, TERM, TOTAL, VETO, ScoringGraph
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.runtime.decimals import CONTEXT

from ..describe import Described, describe, describe_term, describe_weight
from assessc.core.lower import body as lower_body
from .exprs import (GUARD, INPUT_SCALE, MAX_ENTRIES, CompileError, Exprs, Num, Pool, decimals, fact_interval,
                    fact_scale, fits, hull, units)
from .text import Code, comment, literal, where

RESULT = "Result"
#: the fast path takes a whole number only below this (Python compares such ints fastest); larger
#: ones within the fact's range are checked and scored the exact way
SMALL = 2**30


def _place(span) -> str:
    if span is None:
        return ""
    name = span.path.replace("\\", "/").rsplit("/", 1)[-1]
    return f"  ({comment(name, 60)}:{span.line})"


class Emitter:
    def __init__(self, graph: ScoringGraph, pool: Pool, fast: bool, targets: dict[str, int] | None = None):
        """``targets`` (fast mode): the scale at which each item's amount is added into its parent,
        from a first run (:meth:`consumed`). An amount made of constants, constant multiples and
        lookups is computed at that scale directly: the sum then needs no multiplication."""
        self.graph = graph
        self.targets = targets or {}
        # A result of the fast path keeps the fact values it scored and works out the other values
        # again when they are asked for, unless a ledger makes those values too big to keep: then
        # it keeps every node's value.
        self.lazy = fast and not any(f.type.kind is Kind.LEDGER for f in graph.policy.facts)
        self.consumed_at: dict[str, int] = {}
        self.owned: set[str] = set()  # variables of lookups that only their term's amount reads
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

    def consumed(self) -> dict[str, int]:
        """Item id -> the fixed-point scale of the sum its amount is added into (fast mode, once
        :meth:`function` has run)."""
        return dict(self.consumed_at)

    def target(self, item: ir.Node) -> int | None:
        """The scale to compute a leaf item's amount at, when it is worth it (None: its own)."""
        if item.children or item.weight is not None or item.coefficient is not None or self.round_each:
            return None
        return self.targets.get(item.id)

    # ---- the function --------------------------------------------------------------

    def function(self) -> Code:
        c = self.code
        if self.fast:
            c("def _fast(f, entity):")
            with c.indent():
                c('"""Score checked fast-path input in integer fixed point; raise if the input is not for it."""')
                if any(node.requires for node in self.policy.all_nodes()):
                    c("cp = {}")
                if self.lazy:
                    c("if entity is not _UNITS:")
                    with c.indent():
                        self.fast_facts()
                        if not self.kept:
                            c("pass")
                    if self.kept:
                        c("else:  # the fact values a result kept: every node's value is asked for")
                        with c.indent():
                            c(f"{', '.join(self.kept)}, = f")
                else:
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
            if self.lazy:
                c("if entity is _UNITS:")
                with c.indent():
                    c(f"return ({raw},)")
                c(f"r = _new({RESULT})  # the total now, every other value when asked for (Result.values)")
            else:
                c(f"r = _new({RESULT})")
            c("r.entity = entity")
            c("r.vetoed = vt")
            c("r._facts = f")
            if self.lazy:
                c(f"r._units = ({''.join(v + ', ' for v in self.kept)})")
            else:
                c(f"r._raw = ({raw},)")
                c("r._cache = None")
            c("r._total = total")
            c(f"r._more = {more}")
            c("return r")
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
        self.kept: list[str] = []  # the variables of the facts' values, which a result keeps
        for fact in self.policy.facts:
            var = self.fresh("f")
            self.kept.append(var)
            kind = fact.type.kind
            c(f"# fact:{comment(fact.name, 40)}  {comment(fact.label, 60)}{_place(fact.span)}", where(fact.span))
            name = literal(fact.name)
            if fact.name in optional:
                present = self.fresh("p")
                self.present[fact.name] = present
                self.kept.append(present)
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
            elif kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK, Kind.BOOL):
                c(f"{var} = f[{name}]", where(fact.span))
                self.convert(fact, var, var)
            else:
                c(f"x = f[{name}]", where(fact.span))
                self.convert(fact, "x", var)
            if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
                scale, mag = fact_scale(fact)
                low, high = fact_interval(fact)
                self.facts[fact.name] = Num(var, scale, mag, None, low, high)
            else:
                self.facts[fact.name] = var

    def fast_default(self, fact: ir.FactDecl) -> str:
        kind = fact.type.kind
        value = fact.default
        if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK):
            scale, _ = fact_scale(fact)
            return repr(units(value, scale))
        if kind is Kind.DATE:
            return self.pool.const(value, "day")
        if kind is Kind.LEDGER:
            raise CompileError(f"a default for ledger fact `{fact.name}`", fact.span)
        if kind is Kind.EVIDENCE:
            return self.pool.const(frozenset(value), "set")
        return literal(value)

    def convert(self, fact: ir.FactDecl, src: str, var: str) -> None:
        """Check ``src`` quickly and convert it into ``var`` (which may be ``src`` itself); raise
        _Slow for anything else."""
        c = self.code
        kind = fact.type.kind
        if kind in (Kind.COUNT, Kind.RANK):
            low, high = _fast_range(fact, 0)
            # a Python int in range is taken as it is, with the least work; a Decimal must be whole
            small = self.range_test(fact, src, low, min(high, SMALL - 1) if high >= SMALL > low else high, 0)
            whole = self.range_test(fact, var, low, high, 0)
            if src == var:
                c(f"if type({var}) is not int or not {small}:")
                with c.indent():
                    c(f"x = {var}")
                    c("if type(x) is not Decimal: raise _Slow")
                    c(f"{var} = int(x)")
                    c(f"if {var} != x or not {whole}: raise _Slow")
            else:
                c(f"if type({src}) is int and {small}: {var} = {src}")
                c("else:")
                with c.indent():
                    c(f"if type({src}) is not Decimal: raise _Slow")
                    c(f"{var} = int({src})")
                    c(f"if {var} != {src} or not {whole}: raise _Slow")
        elif kind in INPUT_SCALE:
            scale, _ = fact_scale(fact)
            low, high = _fast_range(fact, scale)
            # n / d in units of 10**-scale: exact when d divides 10**scale (a KeyError otherwise)
            per = self.pool.raw(f"{{2**i * 5**j: {10 ** scale} // (2**i * 5**j) for i in range({scale + 1}) "
                                f"for j in range({scale + 1})}}", "units")
            c(f"if type({src}) is Decimal:")
            with c.indent():
                c(f"n, d = {src}.as_integer_ratio()")
                c(f"{var} = n * {per}[d]")
            factor = 10 ** (scale - 2) if kind is Kind.PERCENT else 10**scale
            c(f"elif type({src}) is int: {var} = {src} * {factor}")
            c("else: raise _Slow")
            c(f"if not {self.range_test(fact, var, low, high, scale)}: raise _Slow")
        elif kind is Kind.BOOL:
            c(f"if {src} is not True and {src} is not False: raise _Slow")
            if src != var:
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
            c(f"if type({src}) is not frozenset or not {src} <= {members}: raise _Slow  # a set of member names")
            c(f"{var} = {src}")
        elif kind is Kind.LEDGER:
            helper = self.ledger_converter(fact)
            c(f"{var} = {helper}({src})")
        else:  # pragma: no cover - every kind is listed
            raise CompileError(f"the Python backend cannot read facts of kind {kind.value}", fact.span)

    @staticmethod
    def range_test(fact: ir.FactDecl, var: str, low: int, high: int, scale: int) -> str:
        """Whether ``var`` (units of 10**-scale) is a value the fast path takes for ``fact``."""
        default = fact.default
        if isinstance(default, Decimal):
            units_ = units(default, scale)
            if not low <= units_ <= high:  # a default outside the range is accepted as itself
                return f"({low} <= {var} <= {high} or {var} == {units_})"
        return f"{low} <= {var} <= {high}"

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
        if self.fast:
            self.fast_term(node, term, flag, var)
            return
        if flag:
            c(f"if {flag}:", where(term.span))
            c.depth += 1
        c(f"_at = {literal(node.id)}", where(term.span))
        body = Code()
        saved, self.code = self.code, body
        raw, computed = self.body(term.body, term.span)
        amount = self.signed(raw, term.sign)
        self.code = saved
        tree, leaves = self.described(describe_term(lower_body(term.body), term.condition))

        def line(detail_code: str) -> str:
            return (f"L.setdefault({literal(node.parent)}, []).append(Line('term', {literal(node.id)}, "
                    f"{literal(term.text)}, {var}, " + detail_code + f", {literal(node.lead)}, "
                    f"{literal(where(term.span))}))")
        if term.condition is not None:
            c(f"if {self.x.expr(term.condition)}:", where(term.span))
            c.depth += 1
        c.splice(body)
        c(f"{var} = {amount.code}", where(term.span))
        rounded = "None"
        if self.round_each:
            r, rounded = self.fresh("r"), self.fresh("r")
            c(f"{r} = {self.x.quantize(Num(var, None), self.rounding.places, self.rounding.mode).code}")
            c(f"{rounded} = ({var}, {r}) if X and {var} != {r} else None")
            c(f"{var} = {r}")
        c("if X:")
        with c.indent():
            c(line(f"_term_words({tree}, {leaves}, True, {computed}, {rounded})"))
        if term.condition is not None:
            c.depth -= 1
            c("else:")
            with c.indent():
                c(f"{var} = _ZERO")
                c("if X:")
                with c.indent():
                    c(line(f"_term_words({tree}, {leaves}, False, None)"))
        self.terms.setdefault(node.parent, []).append(Num(var, None))
        if flag:
            c.depth -= 1

    def fast_term(self, node, term: ir.Term, flag: str | None, var: str) -> None:
        """A term in fixed point. Its amount is an expression its item's sum takes in (the term counts
        in its item only, evaluated exactly once there, on values that no longer change); only a term
        whose condition guards statements gets a variable."""
        c, x = self.code, self.x
        block = Code()
        self.code = block
        target = self.target(self.nodes[node.parent])
        raw, _ = self.body(term.body, term.span, target)
        result = self.signed(raw, term.sign)
        if self.round_each:
            result = x.quantize(result, self.rounding.places, self.rounding.mode)
        self.code = c
        zero = (Fraction(0), Fraction(0))
        if term.condition is None:
            amount = result
        elif not block.lines:
            condition = x.expr(term.condition)

            def conditional(value: Num) -> Num:
                code = f"({value.code} if {condition} else {x.zero_like(value)})"

                def at(scale):  # the same condition, the amount at the larger scale
                    raised = x.raise_to(value, scale)
                    return None if raised is None else conditional(raised)

                return Num(code, value.scale, value.mag, None, None, None, None, None,
                           at if value.fixed else None).bounded(*hull((value.low, value.high), zero))

            amount = conditional(result)
        else:
            body, block = block, Code()
            block(f"if {self.x.expr(term.condition)}:", where(term.span))
            with block.indent():
                block.splice(body)
                block(f"{var} = {result.code}")
            block("else:")
            with block.indent():
                block(f"{var} = {self.x.zero_like(result)}")
            amount = result.named(var).bounded(*hull((result.low, result.high), zero))
        if block.lines:
            if flag:
                c(f"if {flag}:", where(term.span))
                c.depth += 1
            c.splice(block)
            if flag:
                c.depth -= 1
        self.terms.setdefault(node.parent, []).append(amount)

    def described(self, described: Described) -> tuple[str, str]:
        """A description's tree (a module constant) and its leaves' values (a reader of thunks that
        evaluate them with this function's code): the arguments of wording's functions."""
        tree = self.pool.const(described.tree, "words")
        thunks = []
        for leaf in described.leaves:
            value = self.x.expr(leaf)
            thunks.append(f"lambda: {value.code if isinstance(value, Num) else value}")
        inner = ", ".join(thunks)
        return tree, f"_leaves(({inner},))" if thunks else "_leaves(())"

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
        return num.named(var)

    def body(self, body: ir.TermBody, span, scale: int | None = None) -> tuple[Num, str | None]:
        """Statements computing a term body's amount (unsigned); (amount, detail expression or None).
        Fast mode: at ``scale`` where that takes no more operations."""
        c = self.code
        x = self.x
        if isinstance(body, ir.Value):
            value = x.num(body.expr)
            if self.fast:
                return (x.raise_to(value, scale) or value) if scale is not None else value, None
            value = self.temp(Num(value.code, None))
            return value, f"({value.code},)"
        if isinstance(body, ir.Per):
            amount, count = x.num(body.amount), x.num(body.count)
            if self.fast:
                value = x.mul(amount, count)
                return (x.raise_to(value, scale) or value) if scale is not None else value, None
            a, n = self.temp(amount), self.temp(count)
            missing = "''"
            if isinstance(body.count, ir.MissingCount):
                fact = body.count.fact
                pairs = self.pool.const(tuple((m.name, m.label or m.name) for m in fact.type.members), "labels")
                missing = f"_missing_text({self.facts[fact.name]}, {pairs})"
            return Num(f"_C.multiply({a.code}, {n.code})", None), f"({a.code}, {n.code}, {missing})"
        if isinstance(body, ir.Steps):
            return self.steps(body, scale)
        if isinstance(body, ir.Lookup):
            return self.lookup(body, scale)
        if isinstance(body, ir.LedgerSum):
            return self.ledger(body)
        raise CompileError(f"the Python backend cannot generate the rule form {type(body).__name__}", span)

    def steps(self, body: ir.Steps, scale: int | None = None) -> tuple[Num, str | None]:
        c, x = self.code, self.x
        amount, step = self.temp(x.num(body.amount)), self.temp(x.num(body.step))
        threshold, value = self.temp(x.num(body.threshold)), self.temp(x.num(body.value))
        gap = x.add(threshold, value, "-") if body.direction == "below" else x.add(value, threshold, "-")
        gap = self.temp(gap)
        if self.fast and gap.low is not None and gap.high is not None:  # steps count only where the gap is positive
            gap = gap.bounded(max(gap.low, Fraction(0)), max(gap.high, Fraction(0)))
        if body.partial == "whole":
            steps = x.floor_ceil(gap, step, ceil=False)
        elif body.partial == "started":
            steps = x.floor_ceil(gap, step, ceil=True)
        else:
            steps = x.div(gap, step)
        result = self.fresh("w")
        if self.fast:
            raw = x.mul(steps, amount)
            if scale is not None:
                raw = x.raise_to(raw, scale) or raw
            c(f"if {gap.code} <= 0:")
            with c.indent():
                c(f"{result} = {x.zero_like(raw)}")
            c("else:")
            with c.indent():
                c(f"{result} = {raw.code}")
            return raw.named(result).bounded(*hull((raw.low, raw.high), (Fraction(0), Fraction(0)))), None
        count = self.fresh("w")
        c(f"if {gap.code} <= 0:")
        with c.indent():
            c(f"{result} = _ZERO")
            c(f"{count} = None")
        c("else:")
        with c.indent():
            c(f"{count} = {steps.code}")
            c(f"{result} = _C.multiply({count}, {amount.code})")
        return Num(result, None), f"({value.code}, {threshold.code}, {gap.code}, {count}, {amount.code})"

    def lookup(self, body: ir.Lookup, at: int | None = None) -> tuple[Num, str | None]:
        c, x = self.code, self.x
        key = x.expr(body.key)
        table = body.table
        result = self.fresh("w")
        if not self.fast:
            rows = tuple((r.member, r.low, r.high, r.value) for r in table.rows)
            keycode = self.temp(key).code if isinstance(key, Num) else key
            rows_text = ", ".join(r.describe() for r in table.rows)
            c(f"{result} = _lookup_x({self.pool.const(rows, 'rows')}, "
              f"{self.pool.const(table.default) if table.default is not None else 'None'}, {keycode}, "
              f"{literal(table.name or '')}, {literal(rows_text)})")
            return Num(result, None), f"({keycode}, {result})"
        values = [row.value for row in table.rows] + [table.default if table.default is not None else Decimal(0)]
        scale = max((decimals(v) for v in values), default=0)
        mag = max((abs(Fraction(v)) for v in values), default=Fraction(0))
        if at is not None and at > scale and fits(mag, at):
            scale = at
        keycode = key.code if isinstance(key, Num) else key
        if keycode.isidentifier():
            keyvar = keycode
        else:
            keyvar = self.fresh("w")
            c(f"{keyvar} = {keycode}")
        # the keys still possible at each row, in units, when the key is a fixed-point number with
        # known bounds: a band's end that no such key lies beyond is not tested, a band that none
        # lies in is left out, and one that holds them all ends the tests
        left = None
        if isinstance(key, Num) and key.fixed and key.low is not None and key.high is not None:
            left = [(_ceil_units(key.low, key.scale), _floor_units(key.high, key.scale))]
        first, last = True, False
        for row in table.rows:
            amount = units(row.value, scale)
            if row.member is not None or left is None:
                test = (f"{keyvar} == {literal(row.member)}" if row.member is not None
                        else x._band_test(keyvar, key, row))
            else:
                low, high = _ceil_units(row.low, key.scale), _floor_units(row.high, key.scale)
                inside = [(max(a, low), min(b, high)) for a, b in left if max(a, low) <= min(b, high)]
                if not inside:
                    continue
                lowest, highest = left[0][0], left[-1][1]
                tests = [f"{keyvar} >= {low}"] if lowest < low else []
                tests += [f"{keyvar} <= {high}"] if highest > high else []
                left = [part for a, b in left for part in ((a, min(b, low - 1)), (max(a, high + 1), b))
                        if part[0] <= part[1]]
                if not tests:
                    c(f"else: {result} = {amount}" if not first else f"{result} = {amount}")
                    last = True
                    break
                test = tests[0] if len(tests) == 1 else f"{low} <= {keyvar} <= {high}"
            c(f"{'if' if first else 'elif'} {test}: {result} = {amount}")
            first = False
        if not last:  # a key no row matches: the `else` value, or the exact path's error
            otherwise = f"{result} = {units(table.default, scale)}" if table.default is not None else "raise _Slow"
            c(otherwise if first else f"else: {otherwise}")
        self.owned.add(result)
        return Num(result, scale, mag, None, min(map(Fraction, values)), max(map(Fraction, values))), None

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
        return Num(result, None), f"({detail},)"

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
            var = value.code  # the variable of its lookup, for an item that is one lookup
        else:
            value = self.exact_item(node, var)
        self.completion(item)
        self.code = saved
        if flag:
            c(f"if {flag}:", where(item.span))
            with c.indent():
                c.splice(block)
                if not block.lines:
                    c("pass")
            c("else:")
            with c.indent():
                c(f"{var} = {self.x.zero_like(value)}")
            value = value.bounded(*hull((value.low, value.high), (Fraction(0), Fraction(0))))
        else:
            c.splice(block)
        self.value[item.id] = value.named(var)

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
        target = self.targets.get(child.id)
        if target is not None:
            amount = x.raise_to(amount, target) or amount
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
            return amount.named(var).bounded(*hull((amount.low, amount.high), (Fraction(0), Fraction(0))))
        c.splice(block)
        c(f"{var} = {amount.code}")
        return amount.named(var)

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
            if fits(mag, scale):
                low = high = None
                if all(p.low is not None and p.high is not None for p in prefix):
                    low, high = sum(p.low for p in prefix), sum(p.high for p in prefix)
                if len(prefix) == 1:
                    code = x.align(prefix[0], scale)
                elif len(prefix) <= 50:
                    code = x.align(prefix[0], scale)
                    for p in prefix[1:]:  # integers add up in any order: a negated amount is subtracted
                        if p.negated is not None and p.negated.fixed and p.negated.scale == p.scale:
                            code += f" - {x.align(p.negated, scale)}"
                        else:
                            code += f" + {x.align(p, scale)}"
                    code = f"({code})"
                else:  # a flat call: a long `+` chain nests too deep for Python's compiler
                    code = "sum((" + ", ".join(x.align(p, scale) for p in prefix) + ",))"
                total = Num(code, scale, mag, None, low, high)
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
        target = self.target(item)
        if target is not None:
            raised = [x.raise_to(p, target) for p in parts]
            if all(r is not None for r in raised):
                parts = raised
        total = self.fold(parts)
        if total.fixed:
            for child in item.children:
                self.consumed_at[child.id] = total.scale
        if total.code in self.owned and not item.zero_if:  # one lookup: its variable holds the item's value
            var = total.code
        else:
            c(f"{var} = {total.code}", where(item.span))
        value = total.named(var)
        rest = Code()
        saved, self.code = self.code, rest
        value = self.adjust(item, var, value)
        self.code = saved
        if item.zero_if:
            value = value.bounded(*hull((value.low, value.high), (Fraction(0), Fraction(0))))
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
            value = scaled.named(var)
        if self.round_each:
            rounded = x.quantize(value, self.rounding.places, self.rounding.mode)
            if rounded is not value:
                c(f"{var} = {rounded.code}  # round each", where(item.span))
                value = rounded.named(var)
        bounds = [b for b in (item.floor, item.max if not item.uncapped else None) if b is not None]
        # (value, bound) pairs of the clamps to apply: `below` raises a value under the bound to it,
        # else one over it is lowered; a clamp the value's bounds show cannot bite is left out
        clamps = []
        if item.floor is not None:
            clamps.append((True, item.floor, "until zero", item.floor_span))
        if item.max is not None and not item.uncapped:
            if item.kind == "penalty":
                clamps.append((True, CONTEXT.minus(item.max), f"max {comment(str(item.max))}", item.max_span))
            else:
                clamps.append((False, item.max, f"max {comment(str(item.max))}", item.max_span))
        if value.fixed:
            clamps = [(below, bound, note, span) for below, bound, note, span in clamps
                      if not (value.low is not None and below and value.low >= Fraction(bound))
                      and not (value.high is not None and not below and value.high <= Fraction(bound))]
        if value.fixed and clamps:
            need = max(decimals(bound) for _, bound, _, _ in clamps)
            if need > value.scale:
                c(f"{var} = {var} * {10 ** (need - value.scale)}")
                value = value.named(var, need)
        low, high = value.low, value.high
        for below, bound, note, span in clamps:
            limit = x.constant(bound)
            c(f"if {x.compare('<' if below else '>', value, limit)}: {var} = {self.as_value(limit, value)}  # {note}",
              where(span or item.span))
            edge = Fraction(bound)
            if below:
                low, high = (edge if low is None else max(low, edge)), (None if high is None else max(high, edge))
            else:
                low, high = (None if low is None else min(low, edge)), (edge if high is None else min(high, edge))
        mag = value.mag
        limits = [abs(Fraction(b)) for b in bounds]
        if item.floor is not None and item.max is not None and not item.uncapped and item.kind != "penalty":
            mag = max(limits)
        elif mag is not None and limits:
            mag = max([mag] + limits)
        return Num(var, value.scale, mag).bounded(low, high)

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
            tree, leaves = self.described(describe(item.start))
            c(f"if X: ls.insert(0, Line('start', {literal(item.id)}, 'start', {start}, _value_words({tree}, {leaves}, "
              f"{start}), {lead}, {literal(at)}))")
            parts.append(start)
        parts += [t.code for t in self.terms.get(item.id, [])]
        for child in item.children:
            parts.append(self.exact_child(child))
        c(f"{var} = {self.fold([Num(p, None) for p in parts]).code}", at)
        adjust = Code()
        saved, self.code = self.code, adjust
        self.exact_adjust(item, var, lead)
        self.code = saved
        for zero in item.zero_if:  # each `zero if` in turn, with its line whether it holds or not
            tree, leaves = self.described(describe(zero.condition))

            def line(amount: str, holds: str, zero=zero, tree=tree, leaves=leaves) -> str:
                return (f"if X: ls.append(Line('zero', {literal(item.id)}, {literal(zero.text)}, {amount}, "
                        f"_zero_words({tree}, {leaves}, {holds}), {lead}, {literal(where(zero.span))}))")

            c(f"if {x.expr(zero.condition)}:", where(zero.span))
            with c.indent():
                c(line(f"_C.minus({var})", "True"))
                c(f"{var} = _ZERO")
            c("else:")
            c.depth += 1
            c(line("_ZERO", "False"))
        if adjust.lines:
            c.splice(adjust)
        c.depth -= len(item.zero_if)
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
                words = "'not applicable'"
                if child.applies is not None:
                    words = "_not_applicable_words({}, {})".format(*self.described(describe(child.applies)))
                c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, _ZERO, {words}, {lead}, {at}))")
            c("else:")
            c.depth += 1
        if child.weight is None:
            c(f"{var} = {value.code}")
            c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, {var}, '', {lead}, {at}))")
        else:
            weight = self.weight_of(child)
            on = self.fresh("w")
            cap = self.pool.const(child.max)
            c(f"{on} = _Q.divide(_C.multiply({value.code}, _HUNDRED), {cap})")
            c(f"{var} = _C.multiply({weight.code}, {on})")
            if self.round_each:
                c(f"{var} = {self.x.quantize(Num(var, None), self.rounding.places, self.rounding.mode).code}")
            tree, leaves = self.described(describe_weight(lower_body(child.weight)))
            c(f"if X: ls.append(Line('child', {literal(child.id)}, {title}, {var}, _weight_words({weight.code}, {on}, "
              f"{value.code}, {cap}, {tree}, {leaves}), {lead}, {at}))")
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
            tree, leaves = self.described(describe(item.coefficient))
            c(f"if X: ls.append(Line('coefficient', {item_id}, 'coefficient', _C.subtract({scaled}, {var}), "
              f"_coefficient_words({var}, {factor}, {scaled}, {tree}, {leaves}), {lead}, {literal(where(item.span))}))")
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
            c("vt = []" if self.fast else "vt, vw = [], []")  # vw: the vetoes that hold, for their words
            self.vetoes_started = True
        if self.fast:
            c(f"if {self.x.expr(veto.condition)}: vt.append({literal(veto.reason)})", where(veto.span))
            return
        c(f"_at = {literal(node.id)}", where(veto.span))
        c(f"if {self.x.expr(veto.condition)}:", where(veto.span))
        with c.indent():
            c(f"vt.append({literal(veto.reason)})")
            tree, leaves = self.described(describe(veto.condition))
            c(f"if X: vw.append(({literal(veto.reason)}, {tree}, {leaves}))")

    vetoes_started = False

    def total(self, node) -> None:
        policy = self.policy
        c = self.code
        c(f"# total  {comment(policy.title)}{_place(policy.span)}", where(policy.span))
        if not self.vetoes_started:
            c("vt = ()" if self.fast else "vt, vw = [], []")
            self.vetoes_started = True
        if self.fast:
            self.fast_total()
        else:
            self.exact_total(node)

    def fast_total(self) -> None:
        policy, c, x = self.policy, self.code, self.x
        items = [self.child_amount(top) for top in policy.items]
        main = self.fold(items)
        if main.fixed:
            for top in policy.items:
                self.consumed_at[top.id] = main.scale
        c(f"total = {main.code}", where(policy.span))
        main = main.named("total")
        factor = x.num(policy.coefficient) if policy.coefficient is not None else None
        extras = [self.child_amount(extra) for extra in (*policy.bonuses, *policy.penalties)]
        simple = main.fixed and all(e.fixed for e in extras) and (factor is None or x.mul(main, factor).fixed)
        if simple:
            if factor is not None:
                scaled = x.mul(main, factor)
                c(f"total = {scaled.code}  # coefficient", where(policy.span))
                main = scaled.named("total")
            if policy.max is not None and not (main.high is not None and main.high <= Fraction(policy.max)):
                cap = x.constant(policy.max)
                if decimals(policy.max) > main.scale:
                    c(f"total = total * {10 ** (decimals(policy.max) - main.scale)}")
                    main = main.named("total", decimals(policy.max))
                c(f"if {x.compare('>', main, cap)}: total = {x.align(cap, main.scale)}  # max",
                  where(policy.max_span or policy.span))
                edge = Fraction(policy.max)
                low = None if main.low is None else min(main.low, edge)
                high = edge if main.high is None else min(main.high, edge)
                mag = None if main.mag is None else max(main.mag, abs(edge))
                main = Num("total", main.scale, mag).bounded(low, high)
            value = self.fold([main] + extras)
            for extra in (*policy.bonuses, *policy.penalties):
                self.consumed_at[extra.id] = value.scale
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
        total = value.named("total")
        if policy.vetoes:
            c(f"if vt: total = {x.zero_like(total)}  # vetoed")
            c("vt = tuple(vt)")
            total = total.bounded(*hull((total.low, total.high), (Fraction(0), Fraction(0))))
        if policy.rounding is not None:
            rounded = x.quantize(total, policy.rounding.places, policy.rounding.mode)
            if rounded is not total:
                c(f"total = {rounded.code}  # rounding")
                total = rounded.named("total")
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
            tree, leaves = self.described(describe(policy.coefficient))
            c(f"if X: ls.append(Line('coefficient', 'total', 'coefficient', coefline, _coefficient_words(m, factor, s, "
              f"{tree}, {leaves}), {lead}, {span}))")
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
            c(f"if X: ls.append(Line('veto', 'total', 'veto', _C.minus(total), _veto_words(vw), {lead}, {span}))")
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
    from assessc.ir.applicability import own_reads
    from assessc.ir.walk import facts_of_expr

    rows = []

    def visit(node: ir.Node, parent: str | None) -> None:
        rows.append((node.id, parent, frozenset(facts_of_expr(node.applies)), frozenset(own_reads(node))))
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
