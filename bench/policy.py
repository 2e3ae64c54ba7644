"""The benchmark policy: one synthetic rule book, as `.assess` text and as a plain
Python description that the hand-written baselines are written against.

Shape (the default, ``make_policy()``): 5 weighted sections × 8 indicators and a
bonus of 4 indicators (44 facts, one per indicator), with every rule kind the seed
rule books use, in equal shares:

    flag    得m分 if the fact holds                       `add m if f`            (bool)
    deduct  m, minus d per occurrence, 扣完为止           `start m  deduct d per f  until zero`  (count)
    accum   p per occurrence, at most m                   `add p per f` under `max m`            (count)
    rate    m, minus `per` per point below thr %, pro rata, floor 0
            `start m  deduct per per 1% below thr% of f counting proportional steps  until zero`  (percent)
    rank    rank bands 1–4 / 5–8 / 9–12 / 13–14 → 100/75/50/25 % of m        (rank 1..16)
    award   highest award level held, 按最高层级计分: a mask of levels held (8 national,
            4 provincial, 2 city, 1 county); its highest bit decides   (count 0..15)

Section totals are capped at 100 (their indicators' maxima add up to 105–115, so
the cap bites now and then), weighted 15/20/25/25/15 %; the bonus is capped at 10;
the total is rounded half-up to 2 places (四舍五入). About 5 % of totals land
exactly on a half cent, the case that tells rounding rules apart.

``make_policy(sections=20, leaves=50)`` gives the 1,000-indicator policy the
compile benchmark uses. Everything is seeded and deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

KINDS = ("flag", "deduct", "accum", "rate", "rank", "award")
RANK_SHARES = ((4, Decimal("1")), (8, Decimal("0.75")), (12, Decimal("0.5")), (14, Decimal("0.25")))
#: award bit → share of the indicator's points; the highest bit held wins
AWARD_SHARES = ((8, Decimal("1")), (4, Decimal("0.6")), (2, Decimal("0.3")), (1, Decimal("0.1")))
DEFAULT_WEIGHTS = ("15", "20", "25", "25", "15")


@dataclass(frozen=True)
class Leaf:
    fact: str          # the fact column, also the indicator's key
    kind: str
    max: Decimal
    params: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.fact.split("_", 1)[1]


@dataclass(frozen=True)
class Section:
    key: str
    weight_percent: Decimal
    cap: Decimal
    leaves: tuple


@dataclass(frozen=True)
class BenchPolicy:
    sections: tuple
    bonus: tuple
    bonus_cap: Decimal

    def leaves(self) -> list[Leaf]:
        return [leaf for s in self.sections for leaf in s.leaves] + list(self.bonus)


def _params(rng: random.Random, kind: str, top: Decimal) -> dict:
    if kind == "deduct":
        return {"d": Decimal(rng.choice(["0.25", "0.5", "1", "2"]))}
    if kind == "accum":
        return {"p": Decimal(rng.choice(["0.2", "0.5", "1", "1.5"]))}
    if kind == "rate":
        return {"thr": rng.choice([90, 95, 97, 98]), "per": Decimal(rng.choice(["0.5", "1", "2"]))}
    if kind == "rank":
        return {"bands": tuple((upper, (top * share).normalize()) for upper, share in RANK_SHARES)}
    if kind == "award":
        return {"levels": tuple((bit, (top * share).normalize()) for bit, share in AWARD_SHARES)}
    return {}


def make_policy(sections: int = 5, leaves: int = 8, seed: int = 2026) -> BenchPolicy:
    rng = random.Random(seed)
    n = sections * leaves
    kinds = [KINDS[i % len(KINDS)] for i in range(n)]
    rng.shuffle(kinds)
    weights = DEFAULT_WEIGHTS if sections == 5 else _even_weights(sections)
    # maxima add up to 105–115 % of the section cap (100), scaled for long sections
    low, high = leaves * 105 // 8, leaves * 115 // 8
    out = []
    for si in range(sections):
        while True:
            maxima = [rng.choice([5, 8, 10, 12, 15, 20]) for _ in range(leaves)]
            if low <= sum(maxima) <= high or leaves != 8 and _rescale(maxima, low, high):
                break
        section_leaves = tuple(
            Leaf(f"s{si + 1}_l{li + 1:02d}", kinds[si * leaves + li], Decimal(m),
                 _params(rng, kinds[si * leaves + li], Decimal(m)))
            for li, m in enumerate(maxima))
        cap = Decimal(100) * leaves // 8 if leaves != 8 else Decimal(100)
        out.append(Section(f"s{si + 1}", Decimal(weights[si]), cap, section_leaves))
    bonus = tuple(Leaf(f"b_l{i + 1:02d}", kind, Decimal(m), _params(rng, kind, Decimal(m)))
                  for i, (kind, m) in enumerate([("award", 5), ("award", 4), ("accum", 3), ("accum", 3)]))
    return BenchPolicy(tuple(out), bonus, Decimal(10))


def _even_weights(sections: int) -> list[str]:
    """Whole-percent weights adding up to 100."""
    base, extra = divmod(100, sections)
    return [str(base + (1 if i < extra else 0)) for i in range(sections)]


def _rescale(maxima: list[int], low: int, high: int) -> bool:
    """Long sections: nudge maxima until their sum is in range (keeps the draw's mix)."""
    i = 0
    while sum(maxima) < low:
        maxima[i % len(maxima)] += 1
        i += 1
    while sum(maxima) > high:
        if maxima[i % len(maxima)] > 1:
            maxima[i % len(maxima)] -= 1
        i += 1
    return True


# ---- the policy as `.assess` text -----------------------------------------------------


def _num(value) -> str:
    text = format(Decimal(value).normalize(), "f")
    return text


def _fact_decl(leaf: Leaf) -> str:
    label = {"flag": "达标", "deduct": "问题次数", "accum": "成果件数", "rate": "完成率",
             "rank": "排名", "award": "获奖层级(8国家级 4省级 2市级 1县级,可相加)"}[leaf.kind]
    kind = {"flag": "bool", "deduct": "count", "accum": "count", "rate": "percent",
            "rank": "rank 1..16", "award": "count 0..15"}[leaf.kind]
    return f'  {leaf.fact}: {kind} "{leaf.fact} {label}"'


def _item(leaf: Leaf, indent: str) -> list[str]:
    m, p, f = _num(leaf.max), leaf.params, leaf.fact
    head = f'{indent}item {leaf.key} "{leaf.fact}" max {m} {{'
    if leaf.kind == "flag":
        body = [f"add {m} if {f}"]
    elif leaf.kind == "deduct":
        body = [f"start {m}", f"deduct {_num(p['d'])} per {f}", "until zero"]
    elif leaf.kind == "accum":
        body = [f"add {_num(p['p'])} per {f}"]
    elif leaf.kind == "rate":
        body = [f"start {m}", f"deduct {_num(p['per'])} per 1% below {p['thr']}% of {f} counting proportional steps",
                "until zero"]
    elif leaf.kind == "rank":
        rows, lower = [], 1
        for upper, points in p["bands"]:
            rows.append(f"{lower}..{upper}: {_num(points)}")
            lower = upper + 1
        body = [f"add lookup {f} {{ {'  '.join(rows)}  else: 0 }}"]
    else:  # award: the highest bit of the mask decides, so each level is a range of masks
        rows = []
        for bit, points in p["levels"]:
            rows.append(f"{bit}..{2 * bit - 1}: {_num(points)}" if bit > 1 else f"1: {_num(points)}")
        body = [f"add lookup {f} {{ {'  '.join(rows)}  else: 0 }}"]
    return [head, *(f"{indent}  {line}" for line in body), f"{indent}}}"]


def to_assess(policy: BenchPolicy, name: str = "bench") -> str:
    lines = ["# The benchmark policy (bench/policy.py): weighted sections of every rule kind,",
             "# capped sections, a capped bonus, the total rounded half-up to 2 places.", "", "facts {"]
    lines += [_fact_decl(leaf) for leaf in policy.leaves()]
    lines += ["}", "", f'policy {name} "基准测试考核办法" {{', "  entity unit \"被考核单位\"",
              "  round total 2 places half_up", ""]
    for section in policy.sections:
        lines.append(f'  item {section.key} "第{section.key[1:]}部分" max {_num(section.cap)} {{')
        lines.append(f"    weight {_num(section.weight_percent)}%")
        lines.append('    accept W0501 "the indicators add up to more than the section; the section cap is meant to bite"')
        for leaf in section.leaves:
            lines += _item(leaf, "    ")
        lines += ["  }", ""]
    lines.append(f'  bonus b "加分项" max {_num(policy.bonus_cap)} {{')
    lines.append('    accept W0501 "the bonus indicators add up to more than the bonus cap, which is meant to bite"')
    for leaf in policy.bonus:
        lines += _item(leaf, "    ")
    lines += ["  }", "}", ""]
    return "\n".join(lines)


# ---- facts ----------------------------------------------------------------------------------


def make_facts(policy: BenchPolicy, n: int, seed: int = 1) -> dict[str, np.ndarray]:
    """One column per fact: bool for flags; int32 counts, ranks and award masks;
    rates as int32 basis points (9537 = 95.37 %)."""
    rng = np.random.default_rng(seed)
    columns: dict[str, np.ndarray] = {}
    for leaf in policy.leaves():
        m = float(leaf.max)
        if leaf.kind == "flag":
            column = rng.random(n) < 0.85
        elif leaf.kind == "deduct":
            column = rng.poisson(0.4 * m / float(leaf.params["d"]), n)
        elif leaf.kind == "accum":
            column = rng.poisson(0.8 * m / float(leaf.params["p"]), n)
        elif leaf.kind == "rate":
            column = np.clip(leaf.params["thr"] * 100 + rng.integers(-600, 300, n), 0, 10000)
        elif leaf.kind == "rank":
            column = rng.integers(1, 17, n)
        else:
            column = sum((rng.random(n) < share) * bit for bit, share in ((8, .05), (4, .1), (2, .2), (1, .3)))
        columns[leaf.fact] = column if leaf.kind == "flag" else np.asarray(column, dtype=np.int32)
    return columns


def entity_ids(n: int) -> list[str]:
    return [f"u{i:07d}" for i in range(n)]


def typed_values(policy: BenchPolicy, columns: dict[str, np.ndarray], rows: range) -> list[dict]:
    """Rows as the typed values `Policy.score_values` and generated scorers take."""
    kinds = {leaf.fact: leaf.kind for leaf in policy.leaves()}
    lists = {name: column[rows.start:rows.stop].tolist() for name, column in columns.items()}
    out = []
    for i in range(len(rows)):
        row = {}
        for name, values in lists.items():
            v = values[i]
            if kinds[name] == "flag":
                row[name] = bool(v)
            elif kinds[name] == "rate":
                row[name] = Decimal(v).scaleb(-4)
            else:
                row[name] = int(v)
        out.append(row)
    return out


def write_csv(policy: BenchPolicy, columns: dict[str, np.ndarray], path) -> None:
    """The facts as a CSV file the CLI reads (rates written as percents: 95.37%)."""
    kinds = {leaf.fact: leaf.kind for leaf in policy.leaves()}
    names = list(columns)
    n = len(next(iter(columns.values())))
    texts = []
    for name in names:
        column = columns[name]
        if kinds[name] == "flag":
            texts.append(np.where(column, "yes", "no").tolist())
        elif kinds[name] == "rate":
            texts.append([f"{v // 100}.{v % 100:02d}%" for v in column.tolist()])
        else:
            texts.append([str(v) for v in column.tolist()])
    ids = entity_ids(n)
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("id," + ",".join(names) + "\n")
        for i in range(n):
            out.write(ids[i] + "," + ",".join(t[i] for t in texts) + "\n")


if __name__ == "__main__":
    import sys

    sections, leaves = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (5, 8)
    sys.stdout.write(to_assess(make_policy(sections, leaves)))
