"""The exact path, ``_exact(v, L, entity)``: the program's steps over validated typed values in the
interpreter's decimals (:mod:`assessc.runtime.decimals`), in the interpreter's order, with its
explanation lines when ``L`` is a dict (``X``). ``_at`` names the step being scored, for the
error a failure in it becomes; the words of each line come from a description of the rule
(:mod:`assessc.backends.describe`), as the interpreter words them.
"""

from __future__ import annotations

from assessc.core import ops
from assessc.ir import nodes as ir
from assessc.ir.types import Kind
from assessc.runtime.decimals import CONTEXT, show

from ..describe import describe, describe_term, describe_weight
from .numbers import INPUT_SCALE, Num
from .scorer import RESULT, Emitter, ItemContext, conditional_items, place
from .text import Code, comment, literal, where


class ExactEmitter(Emitter):
    fast = False

    # ---- the function --------------------------------------------------------------------

    def function(self) -> Code:
        c = self.code
        c("def _exact(v, L, entity):")
        with c.indent():
            c('"""Score validated values with the interpreter\'s decimals; fill L with the explanation if a dict."""')
            c("X = L is not None")
            c("cp = {}")
            c("_at = 'applies'")
            c("try:")
            with c.indent():
                self.facts_read()
                c("inactive = _applies(v)")
                for item in conditional_items(self.program):
                    flag = self.fresh("a")
                    c(f"{flag} = {literal(item)} not in inactive")
                    self.flag[item] = flag
                self.steps()
                c(f"return {RESULT}(entity, tuple(vt), v, ({self.raw_values()},), (None, inactive, cp), "
                  "{'lines': L} if X else None)")
            c("except (ArithmeticError, _NoRow, CalendarError) as error:")
            with c.indent():
                c("raise _scoring_error(entity, _at, error) from None")
        return c

    def facts_read(self) -> None:
        c = self.code
        for fact in self.fact_decls:
            var = self.fresh("f")
            read = f"v.get({literal(fact.name)})" if fact.name in self.program.optional else f"v[{literal(fact.name)}]"
            c(f"{var} = {read}  # fact:{comment(fact.name, 40)} {comment(fact.label, 40)}", where(fact.span))
            kind = fact.type.kind
            self.facts[fact.name] = Num(var, None) if kind in INPUT_SCALE or kind in (Kind.COUNT, Kind.RANK) else var

    # ---- steps ----------------------------------------------------------------------------

    def term(self, step: ops.TermStep) -> None:
        c, x = self.code, self.x
        var = self.fresh("t")
        c(f"# {comment(step.id, 40)}  {comment(step.text)}{place(step.span)}", where(step.span))
        flag = self.flag.get(step.item)
        if flag:
            c(f"if {flag}:", where(step.span))
            c.depth += 1
        c(f"_at = {literal(step.id)}", where(step.span))
        body = Code()
        saved, self.code = self.code, body
        raw, computed = self.body(step.body, step.span)
        self.code = saved
        tree, leaves = self.described(describe_term(step.body, step.condition))

        def line(detail_code: str) -> str:
            return (f"L.setdefault({literal(step.item)}, []).append(Line('term', {literal(step.id)}, "
                    f"{literal(step.text)}, {var}, " + detail_code + f", {literal(step.lead)}, "
                    f"{literal(where(step.span))}))")
        if step.condition is not None:
            c(f"if {x.expr(step.condition)}:", where(step.span))
            c.depth += 1
        c.splice(body)
        c(f"{var} = _C.multiply({raw.code}, {step.sign})", where(step.span))
        rounded = "None"
        if step.round is not None:
            r, rounded = self.fresh("r"), self.fresh("r")
            c(f"{r} = {x.quantize(Num(var, None), step.round.places, step.round.mode).code}")
            c(f"{rounded} = ({var}, {r}) if X and {var} != {r} else None")
            c(f"{var} = {r}")
        c("if X:")
        with c.indent():
            c(line(f"_term_words({tree}, {leaves}, True, {computed}, {rounded})"))
        if step.condition is not None:
            c.depth -= 1
            c("else:")
            with c.indent():
                c(f"{var} = _ZERO")
                c("if X:")
                with c.indent():
                    c(line(f"_term_words({tree}, {leaves}, False, None)"))
        self.amounts[step.id] = Num(var, None)
        if flag:
            c.depth -= 1

    def item(self, step: ops.ItemStep) -> None:
        c = self.code
        var = self.fresh("v")
        c(f"# {comment(step.id, 40)}  {comment(step.title)}{place(step.span)}", where(step.span))
        flag = self.flag.get(step.id)
        block = Code()
        saved, self.code = self.code, block
        self.operations(step, var)
        block(f"if X: L[{literal(step.id)}] = ls")
        self.completion(step)
        self.code = saved
        if flag:
            c(f"if {flag}:", where(step.span))
            with c.indent():
                c.splice(block)
            c("else:")
            with c.indent():
                c(f"{var} = _ZERO")
        else:
            c.splice(block)
        self.value[step.id] = Num(var, None)

    def veto(self, step: ops.VetoStep) -> None:
        c = self.code
        c(f"# {comment(step.id, 20)}  veto {comment(step.reason)}{place(step.span)}", where(step.span))
        if not self.vetoes_started:
            c("vt, vw = [], []")  # vw: the vetoes that hold, for their words
            self.vetoes_started = True
        c(f"_at = {literal(step.id)}", where(step.span))
        c(f"if {self.x.expr(step.condition)}:", where(step.span))
        with c.indent():
            c(f"vt.append({literal(step.reason)})")
            tree, leaves = self.described(describe(step.condition))
            c(f"if X: vw.append(({literal(step.reason)}, {tree}, {leaves}))")

    def total(self, step: ops.TotalStep) -> None:
        c = self.code
        c(f"# total  {comment(step.title)}{place(step.span)}", where(step.span))
        if not self.vetoes_started:
            c("vt, vw = [], []")
            self.vetoes_started = True
        self.operations(step, "total")
        c("if X: L['total'] = ls")
        self.value["total"] = Num("total", None)

    # ---- operations: each writes the new value into the item's variable, and its line -----------

    def sum_op(self, op: ops.Sum, value: Num | None, context: ItemContext) -> Num:
        """The terms' amounts and each child as it counts in its parent, then the start (its line
        first)."""
        c, x, step, var = self.code, self.x, context.step, context.var
        at = where(step.span)
        parts: list[Num] = []
        if value is None:
            c(f"_at = {literal(step.id)}", at)
            c("if X:")
            with c.indent():
                c(f"ls = L.pop({literal(step.id)}, [])")
        else:
            parts.append(value)
        if op.start is not None:
            start = self.fresh("w")
            c(f"{start} = {x.num(op.start).code}", at)
            tree, leaves = self.described(describe(op.start))
            c(f"if X: ls.insert(0, Line('start', {literal(step.id)}, 'start', {start}, _value_words({tree}, {leaves}, "
              f"{start}), {literal(step.lead)}, {literal(where(op.span))}))")
            parts.append(Num(start, None))
        parts += [self.amounts[term] for term in op.terms]
        parts += [Num(self.child_amount(child), None) for child in op.children]
        c(f"{var} = {self.fold(parts).code}", at)
        return Num(var, None)

    def close_zeros(self, value: Num, context: ItemContext) -> Num:
        """Each `zero if` in turn, with its line whether it holds or not; what followed them runs
        where none holds."""
        c, x, var = context.outer, self.x, context.var
        rest, self.code = self.code, c
        item, lead = literal(context.step.id), literal(context.step.lead)
        for zero in context.zeros:
            tree, leaves = self.described(describe(zero.condition))

            def line(amount: str, holds: str, zero=zero, tree=tree, leaves=leaves) -> str:
                return (f"if X: ls.append(Line('zero', {item}, {literal(zero.text)}, {amount}, "
                        f"_zero_words({tree}, {leaves}, {holds}), {lead}, {literal(where(zero.span))}))")

            c(f"if {x.expr(zero.condition)}:", where(zero.span))
            with c.indent():
                c(line(f"_C.minus({var})", "True"))
                c(f"{var} = _ZERO")
            c("else:")
            c.depth += 1
            c(line("_ZERO", "False"))
        c.splice(rest)
        c.depth -= len(context.zeros)
        return value

    def scale(self, op: ops.Scale, value: Num, context: ItemContext) -> Num:
        c, var = self.code, context.var
        factor, scaled = self.fresh("w"), self.fresh("w")
        c(f"{factor} = {self.x.num(op.factor).code}", where(op.span))
        c(f"{scaled} = _C.multiply({var}, {factor})")
        tree, leaves = self.described(describe(op.factor))
        c(f"if X: ls.append(Line('coefficient', {literal(context.step.id)}, 'coefficient', _C.subtract({scaled}, "
          f"{var}), _coefficient_words({var}, {factor}, {scaled}, {tree}, {leaves}), {literal(context.step.lead)}, "
          f"{literal(where(op.span))}))")
        c(f"{var} = {scaled}")
        return value

    def round_op(self, op: ops.Round, value: Num, context: ItemContext) -> Num:
        c, var = self.code, context.var
        r = self.fresh("r")
        c(f"{r} = {self.x.quantize(Num(var, None), op.places, op.mode).code}")
        c(f"if {r} != {var}:")
        with c.indent():
            how = literal(f" ({op.mode}, {op.places} places)")
            c(f"if X: ls.append(Line('round', {literal(context.step.id)}, 'rounding', _C.subtract({r}, {var}), "
              f"_show({var}) + ' → ' + _show({r}) + {how}, {literal(context.step.lead)}, None))")
            c(f"{var} = {r}")
        return value

    def clamp(self, op: ops.Clamp, value: Num, context: ItemContext) -> Num:
        c, var = self.code, context.var
        item, lead, span = literal(context.step.id), literal(context.step.lead), context.step.span
        if op.floor is not None:
            floor = self.pool.const(op.floor)
            c(f"if {var} < {floor}:", where(op.floor_span or span))
            with c.indent():
                c(f"if X: ls.append(Line('floor', {item}, 'until zero', _C.subtract({floor}, {var}), "
                  f"_show({var}) + ' is below ' + _show({floor}) + ' → ' + _show({floor}), {lead}, "
                  f"{literal(where(op.floor_span))}))")
                c(f"{var} = {floor}")
        if op.cap is None:
            return value
        cap = self.pool.const(op.cap)
        label = literal("max " + show(op.cap))
        at = literal(where(op.cap_span))
        if op.deduction:
            low = self.pool.const(CONTEXT.minus(op.cap))
            c(f"if {var} < {low}:", where(op.cap_span or span))
            with c.indent():
                c(f"if X: ls.append(Line('cap', {item}, {label}, _C.subtract({low}, {var}), 'deduction ' + "
                  f"_show(_C.minus({var})) + ' is over ' + _show({cap}) + ' → ' + _show({low}), {lead}, {at}))")
                c(f"{var} = {low}")
        else:
            words = "'items add up to ' + _show({}) + ', over the max '" if op.of_items else "_show({}) + ' is over the max '"
            c(f"if {var} > {cap}:", where(op.cap_span or span))
            with c.indent():
                c(f"if X: ls.append(Line('cap', {item}, {label}, _C.subtract({cap}, {var}), {words.format(var)} + "
                  f"_show({cap}) + ' → ' + _show({cap}), {lead}, {at}))")
                c(f"{var} = {cap}")
        return value

    def veto_total(self, op: ops.Veto, value: Num, context: ItemContext) -> Num:
        c, var = self.code, context.var
        c("if vt:")
        with c.indent():
            c(f"if X: ls.append(Line('veto', {literal(context.step.id)}, 'veto', _C.minus({var}), _veto_words(vw), "
              f"{literal(context.step.lead)}, {literal(where(op.span))}))")
            c(f"{var} = _ZERO")
        return value

    def child_amount(self, child: ops.Child) -> str:
        """A child's line in its parent (the interpreter's `_child`); returns the amount's variable."""
        c, x = self.code, self.x
        value = self.value[child.child]
        flag = self.flag.get(child.child)
        title, lead, at = literal(child.title), literal(child.lead), literal(where(child.span))
        if child.weight is None and not flag:
            c(f"if X: ls.append(Line('child', {literal(child.child)}, {title}, {value.code}, '', {lead}, {at}))")
            return value.code
        var = self.fresh("c")
        if flag:
            c(f"if not {flag}:")
            with c.indent():
                c(f"{var} = _ZERO")
                words = "'not applicable'"
                if child.applies is not None:
                    words = "_not_applicable_words({}, {})".format(*self.described(describe(child.applies)))
                c(f"if X: ls.append(Line('child', {literal(child.child)}, {title}, _ZERO, {words}, {lead}, {at}))")
            c("else:")
            c.depth += 1
        if child.weight is None:
            c(f"{var} = {value.code}")
            c(f"if X: ls.append(Line('child', {literal(child.child)}, {title}, {var}, '', {lead}, {at}))")
        else:
            weight = self.weight_of(child)
            on = self.fresh("w")
            cap = self.pool.const(child.max)
            c(f"{on} = _Q.divide(_C.multiply({value.code}, _HUNDRED), {cap})")
            c(f"{var} = _C.multiply({weight.code}, {on})")
            if child.round is not None:
                c(f"{var} = {x.quantize(Num(var, None), child.round.places, child.round.mode).code}")
            tree, leaves = self.described(describe_weight(child.weight))
            c(f"if X: ls.append(Line('child', {literal(child.child)}, {title}, {var}, _weight_words({weight.code}, "
              f"{on}, {value.code}, {cap}, {tree}, {leaves}), {lead}, {at}))")
        if flag:
            c.depth -= 1
        return var

    # ---- term bodies: (the amount, unsigned; the numbers its line shows) ------------------------

    def amount(self, body: ops.Body, span) -> Num:
        return self.body(body, span)[0]

    def value_body(self, body: ops.Value, span) -> tuple[Num, str]:
        value = self.temp(Num(self.x.num(body.expr).code, None))
        return value, f"({value.code},)"

    def per(self, body: ops.Per, span) -> tuple[Num, str]:
        a, n = self.temp(self.x.num(body.amount)), self.temp(self.x.num(body.count))
        missing = "''"
        if isinstance(body.count, ir.MissingCount):  # name the evidence not submitted
            fact = body.count.fact
            pairs = self.pool.const(tuple((m.name, m.label or m.name) for m in fact.type.members), "labels")
            missing = f"_missing_text({self.facts[fact.name]}, {pairs})"
        return Num(f"_C.multiply({a.code}, {n.code})", None), f"({a.code}, {n.code}, {missing})"

    def steps_body(self, body: ops.Steps, span) -> tuple[Num, str]:
        c, x = self.code, self.x
        amount, step = self.temp(x.num(body.amount)), self.temp(x.num(body.step))
        threshold, value = self.temp(x.num(body.threshold)), self.temp(x.num(body.value))
        gap = self.temp(x.add(threshold, value, "-") if body.below else x.add(value, threshold, "-"))
        if body.partial == "whole":
            steps = x.floor_ceil(gap, step, ceil=False)
        elif body.partial == "started":
            steps = x.floor_ceil(gap, step, ceil=True)
        else:
            steps = x.div(gap, step)
        result, count = self.fresh("w"), self.fresh("w")
        c(f"if {gap.code} <= 0:")
        with c.indent():
            c(f"{result} = _ZERO")
            c(f"{count} = None")
        c("else:")
        with c.indent():
            c(f"{count} = {steps.code}")
            c(f"{result} = _C.multiply({count}, {amount.code})")
        return Num(result, None), f"({value.code}, {threshold.code}, {gap.code}, {count}, {amount.code})"

    def lookup(self, body: ops.Lookup, span) -> tuple[Num, str]:
        key = self.x.expr(body.key)
        table = body.table
        result = self.fresh("w")
        rows = tuple((r.member, r.low, r.high, r.value) for r in table.rows)
        keycode = self.temp(key).code if isinstance(key, Num) else key
        rows_text = ", ".join(r.describe() for r in table.rows)
        self.code(f"{result} = _lookup_x({self.pool.const(rows, 'rows')}, "
                  f"{self.pool.const(table.default) if table.default is not None else 'None'}, {keycode}, "
                  f"{literal(table.name or '')}, {literal(rows_text)})")
        return Num(result, None), f"({keycode}, {result})"

    def highest_per(self, body: ops.HighestPer, span) -> tuple[Num, str]:
        c = self.code
        helper, _, _ = self.x.ledger_helper(body)
        keep = "None"
        if body.where is not None:
            variable, condition = self.x.filter(body.ledger, body.where)
            keep = f"lambda {variable}: {condition}"
        entries = self.facts[body.ledger.name]
        result, detail = self.fresh("w"), self.fresh("d")
        c("if X:")
        with c.indent():
            c(f"{result}, {detail} = {helper}({entries}, {keep}, True)")
        c("else:")
        with c.indent():
            c(f"{result} = {helper}({entries}, {keep})")
        return Num(result, None), f"({detail},)"

    STEPS = {ops.TermStep: term, ops.ItemStep: item, ops.VetoStep: veto, ops.TotalStep: total}
    OPS = {ops.Sum: sum_op, ops.ZeroIf: Emitter.zero_if, ops.Scale: scale, ops.Round: round_op, ops.Clamp: clamp,
           ops.Veto: veto_total}
    BODIES = {ops.Value: value_body, ops.Per: per, ops.Steps: steps_body, ops.Lookup: lookup,
              ops.HighestPer: highest_per}
