"""Load and check a case file: example cases with the exact scores they must get.

A case file is TOML, named ``<policy>.cases.toml`` and kept beside its policy::

    policy = "guangxi_2017.assess"          # relative to this file
    facts = "guangxi_2017.facts.csv"        # facts of the cases that name an entity (optional)
    tables = { bonus_cases = "bonus.csv" }  # ledger tables for that facts file (optional)

    [[case]]
    name = "崇左: every floor reached"
    entity = "崇左"                          # an entity of `facts`
    [case.expect]
    total = "1"        # 0 + 0 + … + 1 (6.1, rank 11)
    "1.1" = "0"        # 1 − 0.5×4 = −1 → floored to 0
    vetoed = false

    [[case]]
    name = "a city with nothing wrong"
    [case.facts]       # the entity's facts inline, written as in a JSON facts file
    missing_supporting_docs = 0
    …
    [case.expect]
    total = "20"

An expected value is a node id of the policy (``total``, an item such as
``"11.4.2"``, a bonus or penalty key) and the exact decimal it must equal,
written as a string (an integer is accepted too). A TOML float is refused:
``19.5`` unquoted is a binary float in every other TOML reader, and a float
has no place on a score path. ``vetoed`` is ``true``/``false`` or the list of
the vetoes that must hold, by their text.

Inline facts are checked exactly as a facts file is: they are written out as
a one-entity JSON facts file and read by :meth:`assessc.api.Policy.load_facts`;
the diagnostics are then pointed back at the case file. A number in inline
facts may be written unquoted (it is read from its text, exactly); a ledger
is an array of tables (``[[case.facts.bonus_cases]]``); ``tables`` apply to
the ``facts`` file only.

Every problem becomes a diagnostic pointing into the case file: TOML that
does not parse, an unknown key, a missing policy, a node id or entity that
does not exist (with the closest one as help), a value that is not an exact
decimal. A problem in one case stops only that case; a problem with the file
as a whole (its TOML, its policy, its facts file) stops all of them.
"""

from __future__ import annotations

import datetime
import json
import re
import tempfile
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import attrs

from assessc.api import FactsError, Policy, PolicyError, load_policy
from assessc.diagnostics import Diagnostic, DiagnosticBag, Note, codes
from assessc.dsl.source import SourceFile, Span
from assessc.facts.messages import did_you_mean, listing
from assessc.facts.model import FactSet
from assessc.graph.nodes import ITEM, TOTAL
from assessc.testing.toml_spans import TomlSpans

CASES_SUFFIX = ".cases.toml"
VETOED = "vetoed"

_TOP_KEYS = ("policy", "facts", "tables", "case")
_CASE_KEYS = ("name", "entity", "facts", "expect")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_TOML_ERROR_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_LEDGER_ENTRY = re.compile(r"`([^`]+)` entry (\d+), field `([^`]+)`")


class TomlFloat(Decimal):
    """A TOML float, read from its text (so exact), but marked as written unquoted."""


@attrs.frozen
class Expectation:
    #: a node id, or ``vetoed``
    node: str
    #: a Decimal for a node; a bool or a tuple of veto texts for ``vetoed``
    expected: object
    #: the value as the case file writes it, for reports
    written: str
    span: Span | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Case:
    #: 1-based position in the file
    number: int
    name: str
    span: Span | None = attrs.field(eq=False, repr=False)
    expectations: tuple[Expectation, ...] = ()
    #: the facts the entity is scored from (the whole facts file, or the inline entity);
    #: None when the case has an error
    facts: FactSet | None = attrs.field(default=None, eq=False, repr=False)
    entity: str | None = None
    #: this case's own diagnostics (errors stop the case; warnings do not)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return self.facts is not None and not any(d.is_error for d in self.diagnostics)

    @property
    def line(self) -> int | None:
        return self.span.line if self.span is not None else None


@attrs.frozen
class CaseFile:
    path: Path
    policy: Policy | None = attrs.field(eq=False, repr=False)
    cases: tuple[Case, ...]
    #: diagnostics of the file as a whole (its TOML, policy, facts file)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return self.policy is not None and not any(d.is_error for d in self.diagnostics)

    def all_diagnostics(self) -> list[Diagnostic]:
        found = list(self.diagnostics)
        for case in self.cases:
            found.extend(case.diagnostics)
        return sorted(found, key=Diagnostic.sort_key)


def case_file_for(policy_path: str | Path) -> Path:
    """The case file that belongs beside a policy: `x.assess` -> `x.cases.toml`."""
    path = Path(policy_path)
    return path.with_name(path.stem + CASES_SUFFIX)


def load_case_file(path: str | Path) -> CaseFile:
    """Read and check the case file at ``path``; never raises for bad input."""
    path = Path(path)
    bag = DiagnosticBag()
    read = _read(path, bag)
    if read is None:
        return CaseFile(path, None, (), tuple(bag.sorted()))
    document, spans = read
    return _Loader(path, document, spans, bag).load()


# -- reading -----------------------------------------------------------------------


def _read(path: Path, bag: DiagnosticBag) -> tuple[dict, TomlSpans] | None:
    try:
        data = path.read_bytes()
    except OSError as error:
        bag.add(codes.FACTS_UNREADABLE, None, f"cannot read case file `{path}`: {error.strerror}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        bag.add(codes.FACTS_UNREADABLE, TomlSpans(SourceFile(str(path), "")).start(),
                f"case file `{path}` is not UTF-8 text", help="save it as UTF-8")
        return None
    source = SourceFile(str(path), text)
    spans = TomlSpans(source)
    try:
        document = tomllib.loads(text, parse_float=TomlFloat)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        where = _TOML_ERROR_AT.search(message)
        if where:
            line, column = int(where.group(1)), int(where.group(2))
            span = Span(source, line, column, line, column + 1)
            message = message[: where.start()].strip()
        else:
            span = spans.start()
        bag.add(codes.FACTS_UNREADABLE, span, f"case file `{path}` is not valid TOML: {message[:1].lower()}{message[1:]}")
        return None
    return document, spans


def _toml_type(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, TomlFloat):
        return "a float"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, (datetime.date, datetime.time)):
        return "a date or time"
    return type(value).__name__


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# -- checking ----------------------------------------------------------------------


class _Loader:
    def __init__(self, path: Path, document: dict, spans: TomlSpans, bag: DiagnosticBag) -> None:
        self.path = path
        self.document = document
        self.spans = spans
        self.bag = bag
        self.policy: Policy | None = None
        self.node_ids: list[str] = []
        self.tables: dict[str, Path] = {}
        self.facts_path: Path | None = None
        self._facts: FactSet | None = None
        self._facts_tried = False

    # the file as a whole

    def load(self) -> CaseFile:
        self._unknown_keys(self.document, _TOP_KEYS, (), self.bag, "at the top of a case file")
        self._policy()
        self._tables()
        self._facts_file()
        raw_cases = self._raw_cases()
        if self.policy is None or raw_cases is None:
            return CaseFile(self.path, self.policy, (), tuple(self.bag.sorted()))
        cases = []
        names: dict[str, Case] = {}
        for index, raw in enumerate(raw_cases):
            case = self._case(index, raw, names)
            names.setdefault(case.name, case)
            cases.append(case)
        return CaseFile(self.path, self.policy, tuple(cases), tuple(self.bag.sorted()))

    def _relative(self, text: str) -> Path:
        return self.path.parent / text

    def _string(self, container: Mapping, key: str, where: tuple, bag: DiagnosticBag, what: str) -> str | None:
        value = container.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            bag.add(codes.TYPE_MISMATCH, self.spans.near(*where), f"`{key}` is {_toml_type(value)}, not a string",
                    help=f'write {what} in quotes: {key} = "…"')
            return None
        return value

    def _policy(self) -> None:
        text = self._string(self.document, "policy", ("policy",), self.bag, "the policy file's path")
        if text is None:
            if "policy" not in self.document:
                self.bag.add(codes.MODULE_NOT_FOUND, self.spans.start(), f"case file `{self.path}` names no policy",
                             help='add `policy = "NAME.assess"` at the top (a path relative to the case file)')
            return
        policy_path = self._relative(text)
        if not policy_path.is_file():
            nearby = [p.name for p in policy_path.parent.glob("*.assess")] if policy_path.parent.is_dir() else []
            help = did_you_mean(Path(text).name, nearby) or "the path is relative to the case file"
            self.bag.add(codes.MODULE_NOT_FOUND, self.spans.near("policy"),
                         f"policy `{text}` not found (looked for `{policy_path}`)", help=help)
            return
        try:
            self.policy = load_policy(policy_path)
        except PolicyError as error:
            self.bag.extend(error.diagnostics)
            return
        self.node_ids = [n.id for n in self.policy.graph.order if n.kind in (ITEM, TOTAL)]

    def _tables(self) -> None:
        tables = self.document.get("tables")
        if tables is None:
            return
        if not isinstance(tables, dict):
            self.bag.add(codes.TYPE_MISMATCH, self.spans.near("tables"), f"`tables` is {_toml_type(tables)}, not a table",
                         help='write tables = { LEDGER = "FILE.csv" }')
            return
        for name in tables:
            text = self._string(tables, name, ("tables", name), self.bag, "the table file's path")
            if text is not None:
                self.tables[name] = self._relative(text)

    def _facts_file(self) -> None:
        text = self._string(self.document, "facts", ("facts",), self.bag, "the facts file's path")
        if text is not None:
            self.facts_path = self._relative(text)
            if not self.facts_path.is_file():
                self.bag.add(codes.FACTS_UNREADABLE, self.spans.near("facts"),
                             f"facts file `{text}` not found (looked for `{self.facts_path}`)",
                             help="the path is relative to the case file")
                self._facts_tried = True

    def _file_facts(self) -> FactSet | None:
        """The facts file's entities, loaded once, its problems reported on the file."""
        if not self._facts_tried and self.policy is not None and self.facts_path is not None:
            self._facts_tried = True
            fresh = DiagnosticBag()
            try:
                self._facts = self.policy.load_facts(self.facts_path, self.tables, bag=fresh)
            except FactsError:
                self._facts = None
            self.bag.extend(fresh)
        return self._facts

    def _raw_cases(self) -> list[dict] | None:
        raw = self.document.get("case")
        if raw is None or raw == []:
            self.bag.add(codes.MISPLACED, self.spans.start(), f"case file `{self.path}` holds no case",
                         help="add a case: a `[[case]]` header with `name`, `entity` and a `[case.expect]` table")
            return None
        if isinstance(raw, dict):
            self.bag.add(codes.MISPLACED, self.spans.near("case"), "`[case]` is a single table, not a list of cases",
                         help="write each case under `[[case]]`, with two brackets")
            return None
        if not isinstance(raw, list) or not all(isinstance(c, dict) for c in raw):
            self.bag.add(codes.TYPE_MISMATCH, self.spans.near("case"), "`case` must be a list of tables",
                         help="write each case under a `[[case]]` header")
            return None
        return raw

    def _unknown_keys(self, table: Mapping, allowed: Sequence[str], where: tuple, bag: DiagnosticBag, place: str) -> None:
        for key in table:
            if key not in allowed:
                help = did_you_mean(key, allowed) or "allowed: " + ", ".join(f"`{k}`" for k in allowed)
                bag.add(codes.MISPLACED, self.spans.near(*where, key), f"`{key}` has no meaning {place}", help=help)

    # one case

    def _case(self, index: int, raw: dict, names: dict[str, Case]) -> Case:
        bag = DiagnosticBag()
        here = ("case", index)
        span = self.spans.table(*here) or self.spans.near("case")
        self._unknown_keys(raw, _CASE_KEYS, here, bag, "in a case")
        name = self._string(raw, "name", (*here, "name"), bag, "the case's name") or f"case {index + 1}"
        if name in names:
            first = names[name]
            bag.add(codes.DUPLICATE_NAME, self.spans.near(*here, "name"), f"two cases are named `{name}`",
                    help="give every case a name of its own", notes=[Note(first.span, f"the first `{name}`")])
        entity = self._string(raw, "entity", (*here, "entity"), bag, "the entity's id")
        expectations = self._expectations(index, raw, bag)
        inline = raw.get("facts")
        facts: FactSet | None = None
        if inline is not None and not isinstance(inline, dict):
            bag.add(codes.TYPE_MISMATCH, self.spans.near(*here, "facts"), f"a case's `facts` is {_toml_type(inline)}, not a table",
                    help="write the entity's facts under `[case.facts]`; a facts file for all cases is the top-level `facts`")
        elif inline is not None:
            facts = self._inline(index, name, entity, inline, bag)
        elif entity is None:
            bag.add(codes.MISSING_FACT, span, f"case `{name}` names no entity and gives no facts",
                    help='add `entity = "ID"` naming an entity of the facts file, or the facts under `[case.facts]`')
        elif self.facts_path is None:
            bag.add(codes.MISSING_FACT, self.spans.near(*here, "entity"), f"case `{name}` names entity `{entity}`, but no facts file is given",
                    help='add `facts = "FILE"` at the top of the case file, or give the facts under `[case.facts]`')
        else:
            facts = self._file_facts()
            if facts is not None and facts.get(entity) is None:
                ids = list(facts.ids)
                help = did_you_mean(entity, ids, cutoff=0.5) or "the entities are: " + listing(ids)
                bag.add(codes.UNKNOWN_ENTITY, self.spans.near(*here, "entity"),
                        f"no entity `{entity}` in `{self.facts_path.name}`", help=help)
                facts = None
        entity_id = entity
        if facts is not None and inline is not None and facts.entities:
            entity_id = facts.entities[0].id
        return Case(index + 1, name, span, expectations, facts, entity_id, tuple(bag.sorted()))

    def _expectations(self, index: int, raw: dict, bag: DiagnosticBag) -> tuple[Expectation, ...]:
        here = ("case", index, "expect")
        expect = raw.get("expect")
        if expect is None:
            bag.add(codes.MISPLACED, self.spans.table("case", index) or self.spans.near("case"), "the case expects nothing",
                    help='add a `[case.expect]` table: node ids and their exact values, e.g. `total = "19.5"`')
            return ()
        if not isinstance(expect, dict):
            bag.add(codes.TYPE_MISMATCH, self.spans.near(*here), f"`expect` is {_toml_type(expect)}, not a table",
                    help='write `[case.expect]` and under it one `NODE = "VALUE"` per line')
            return ()
        if not expect:
            bag.add(codes.MISPLACED, self.spans.near(*here), "the case expects nothing",
                    help='add node ids and their exact values, e.g. `total = "19.5"`')
        found = []
        for key, value in expect.items():
            where = self.spans.near(*here, key)
            if key == VETOED:
                expectation = self._vetoed(value, where, bag)
            elif isinstance(value, dict):
                self._dotted(key, value, here, bag)
                continue
            else:
                expectation = self._node_value(key, value, where, bag)
            if expectation is not None:
                found.append(expectation)
        return tuple(found)

    def _node_value(self, key: str, value: object, where: Span, bag: DiagnosticBag) -> Expectation | None:
        known = key in self.node_ids
        if not known:
            help = did_you_mean(key, self.node_ids) or "the node ids are: " + listing(self.node_ids, limit=30)
            bag.add(codes.UNDEFINED_NAME, where, f"no node `{key}` in policy `{self.policy.name}`", help=help)
        if isinstance(value, TomlFloat):
            bag.add(codes.TYPE_MISMATCH, where,
                    f"the expected value of `{key}` is the TOML float `{value}`; a score is an exact decimal",
                    help=f'write it as a string: "{value}"')
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            bag.add(codes.TYPE_MISMATCH, where,
                    f"the expected value of `{key}` is {_toml_type(value)}, not a decimal number",
                    help='write the exact value as a string, e.g. "19.5"')
            return None
        text = str(value)
        if isinstance(value, str) and not _DECIMAL.fullmatch(value):
            bag.add(codes.BAD_LITERAL, where, f"the expected value of `{key}`, `{value}`, is not a decimal number",
                    help='write digits with an optional sign and decimal point, e.g. "19.5" or "-3"')
            return None
        if not known:
            return None
        return Expectation(key, Decimal(text), text, where)

    def _vetoed(self, value: object, where: Span, bag: DiagnosticBag) -> Expectation | None:
        if isinstance(value, bool):
            return Expectation(VETOED, value, _shown(value), where)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return Expectation(VETOED, tuple(value), "; ".join(value) or "[]", where)
        bag.add(codes.TYPE_MISMATCH, where, f"`vetoed` is {_toml_type(value)}",
                help="write `vetoed = true` or `false`, or the list of the vetoes that hold, by their text")
        return None

    def _dotted(self, key: str, value: dict, here: tuple, bag: DiagnosticBag) -> None:
        """`1.1 = "0"` unquoted is, in TOML, a table `1` holding the key `1`."""
        for parts, leaf in _leaves((key,), value):
            dotted = ".".join(parts)
            bag.add(codes.BAD_LITERAL, self.spans.near(*here, *parts),
                    f"`{dotted}` without quotes is a dotted key: TOML reads it as a table `{parts[0]}`, not as the node id `{dotted}`",
                    help=f'quote the node id: "{dotted}" = {_shown(leaf)}')

    # inline facts

    def _inline(self, index: int, name: str, entity: str | None, raw: dict, bag: DiagnosticBag) -> FactSet | None:
        """The inline facts, checked by the facts loader as a one-entity JSON file."""
        here = ("case", index, "facts")
        values = dict(raw)
        given = next((k for k in self.policy.id_columns if k in values), None)
        if given is not None and entity is not None and str(values[given]) != entity:
            bag.add(codes.DUPLICATE_ENTITY, self.spans.near(*here, given),
                    f"the case names entity `{entity}`, but its facts give `{given}` = {_shown(values[given])}",
                    help=f"leave `{given}` out of the facts: `entity` names the entity")
            return None
        if given is None:
            values = {"id": entity or name, **values}
        lines = ["[", "{"]
        keys_by_line: dict[int, str] = {}
        for number, (key, value) in enumerate(values.items(), start=1):
            comma = "," if number < len(values) else ""
            lines.append(f"{json.dumps(key, ensure_ascii=False)}: {_json(value)}{comma}")
            keys_by_line[len(lines)] = key
        lines += ["}", "]"]
        fresh = DiagnosticBag()
        with tempfile.TemporaryDirectory(prefix="assessc-case-") as folder:
            temp = Path(folder) / f"{self.path.name}.case-{index + 1}.json"
            temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
            try:
                facts = self.policy.load_facts(temp, bag=fresh)
            except FactsError:
                facts = None

        def point(span: Span | None, message: str) -> Span | None:
            if span is None or span.path != str(temp):
                return span
            key = keys_by_line.get(span.line)
            if key == "id" and given is None:
                return self.spans.near("case", index, "entity") if entity is not None else self.spans.near(*here)
            if key is None:
                return self.spans.near(*here)
            entry = _LEDGER_ENTRY.search(message)
            if entry is not None and entry.group(1) == key:
                # a ledger entry written as `[[case.facts.LEDGER]]`: point at its field
                return self.spans.near(*here, key, int(entry.group(2)) - 1, entry.group(3))
            return self.spans.key(*here, key) or self.spans.table(*here, key, 0) or self.spans.near(*here)

        def words(text: str | None) -> str | None:
            return None if text is None else text.replace(str(temp), str(self.path))

        for d in fresh:
            notes = tuple(attrs.evolve(n, span=point(n.span, n.message), message=words(n.message)) for n in d.notes)
            bag.extend([attrs.evolve(d, span=point(d.span, d.message), message=words(d.message), help=words(d.help),
                                     notes=notes)])
        if facts is None or not facts.entities:
            return None
        return FactSet(facts.entities, str(self.path))


def _leaves(prefix: tuple[str, ...], value: dict) -> Iterator[tuple[tuple[str, ...], object]]:
    for key, inner in value.items():
        if isinstance(inner, dict):
            yield from _leaves((*prefix, key), inner)
        else:
            yield (*prefix, key), inner


def _json(value: object) -> str:
    """JSON text of a decoded TOML value; numbers keep their exact digits."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value) if value.is_finite() else json.dumps(str(value))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime.datetime):
        return json.dumps(value.isoformat())
    if isinstance(value, datetime.date):
        return json.dumps(value.isoformat())
    if isinstance(value, list):
        return "[" + ", ".join(_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)
