"""The registry of diagnostic codes.

Every diagnostic the compiler or the fact loader emits names one of these
codes. A code is stable once published; its name is a short kebab-case
handle, and its summary is the one-line description printed by
``assessc explain-code`` and listed in docs/diagnostics.md.

Numbering: E01xx syntax, E02xx names and modules, E03xx types, E04xx
structure, W05xx lints, D06xx facts (input data), E07xx backends (a backend
that cannot compile or score a policy exactly refuses it).
"""

from __future__ import annotations

import enum

import attrs


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen
class Code:
    code: str
    name: str
    severity: Severity
    summary: str


REGISTRY: dict[str, Code] = {}


def _code(code: str, name: str, severity: Severity, summary: str) -> Code:
    entry = Code(code, name, severity, summary)
    assert code not in REGISTRY, code
    REGISTRY[code] = entry
    return entry


E, W = Severity.ERROR, Severity.WARNING

# syntax
UNEXPECTED_TOKEN = _code("E0101", "unexpected-token", E, "the parser met a token it did not expect here")
UNEXPECTED_CHAR = _code("E0102", "unexpected-character", E, "a character that starts no token of the language")
UNEXPECTED_EOF = _code("E0103", "unexpected-end", E, "the file ends in the middle of a declaration")
BAD_LITERAL = _code("E0104", "bad-literal", E, "a number, date, key or string that is not well formed")
SOURCE_ENCODING = _code("E0105", "source-encoding", E, "a source file that is not UTF-8 text, or holds NUL bytes")
TEXT_DIRECTION = _code("E0106", "text-direction-control", E,
                       "an invisible character that changes the direction text is shown in, in a string or comment")
TOO_DEEP = _code("E0107", "nesting-too-deep", E, "an expression or items nested deeper than the language allows")
TOO_LARGE = _code("E0108", "source-too-large", E, "a source file, string or number longer than the language allows")

# names and modules
UNDEFINED_NAME = _code("E0201", "undefined-name", E, "a name that no declaration or import defines")
DUPLICATE_NAME = _code("E0202", "duplicate-name", E, "two declarations, possibly from different modules, share a name")
IMPORT_CYCLE = _code("E0203", "import-cycle", E, "modules that import each other in a cycle")
MODULE_NOT_FOUND = _code("E0204", "module-not-found", E, "an import names a module that does not exist")
DUPLICATE_ITEM = _code("E0205", "duplicate-item", E, "two items with the same id under one parent")
BAD_TEMPLATE_USE = _code("E0206", "bad-template-use", E, "a template used with missing, unknown or repeated arguments")
POLICY_COUNT = _code("E0207", "policy-count", E, "a scored file must hold exactly one policy")
KIND_MISMATCH = _code("E0208", "kind-mismatch", E, "a name used as a fact, table or template that is something else")
IMPORT_OUTSIDE = _code("E0212", "import-outside", E,
                       "an import of a file outside the policy's folder and the standard library")
BAD_IMPORT_PATH = _code("E0213", "bad-import-path", E,
                        "an import path that names no file: a NUL character, too long, or a loop of symbolic links")
BAD_ITEM_KEY = _code("E0230", "bad-item-key", E, "an item key written in none of the forms a key may take (a whole number, a name, `1-9`, `(3)`, `（三）`)")
CALENDAR_YEAR_TWICE = _code("E0217", "calendar-year-twice", E, "two `calendar` declarations, possibly in different modules, for one year")
CALENDAR_YEAR_MISSING = _code("E0218", "calendar-year-missing", E, "a `workdays` date in a year that neither a `calendar` declaration nor chinese-calendar covers")

# types
TYPE_MISMATCH = _code("E0301", "type-mismatch", E, "an expression of one type where another is required")
UNKNOWN_MEMBER = _code("E0302", "unknown-member", E, "a value that the enum, evidence list or ledger does not declare")
BAD_RANGE = _code("E0303", "bad-range", E, "a range whose low end is above its high end, or of the wrong kind")
BAD_TABLE = _code("E0304", "bad-table", E, "a lookup table whose keys do not fit the value looked up")
BAD_DEFAULT = _code("E0305", "bad-default", E, "a fact default that its type does not allow")

# structure
DUPLICATE_STATEMENT = _code("E0401", "duplicate-statement", E, "a statement that may appear once per item appears twice")
BAD_ROUNDING = _code("E0402", "bad-rounding", E, "an unknown rounding mode or a number of places that is not a whole number")
MISPLACED = _code("E0403", "misplaced-statement", E, "a statement in a place where it has no meaning")
NEGATIVE_MAX = _code("E0404", "bad-max", E, "a declared maximum that is not a positive number")
PLACES_OUT_OF_RANGE = _code("E0405", "places-out-of-range", E, "a rounding to more than 18 decimal places, or to a unit above 10^18")
LONG_NUMBER = _code("E0406", "number-too-long", E, "a number written with more than 38 digits, more than every engine can carry")
SQL_NAME_CLASH = _code("E0410", "sql-name-clash", E, "two names that SQL would take for one: they differ only in case (`--target sql`)")
SQL_NAME_TOO_LONG = _code("E0411", "sql-name-too-long", E, "a name longer than the 63 bytes PostgreSQL keeps of a SQL name (`--target sql`)")
HOLIDAY_AND_WORKDAY = _code("E0417", "holiday-and-workday", E, "a day a `calendar` lists both as a holiday and as an adjusted working day")
DAY_OUTSIDE_YEAR = _code("E0418", "day-outside-year", E, "a day in a `calendar` that is not in the year the calendar declares")
UNKNOWN_GRADE = _code("E0420", "unknown-grade", E, "a grade that no `grades` declares: a `veto … grade G` or a `grade()` read without the `grades` it names")

# lints
MAX_MISMATCH = _code("W0501", "max-mismatch", W, "a declared maximum differs from the sum of its parts' maxima, or from the most its rules and parts can score")
IMPLICIT_PARTIAL_STEP = _code("W0502", "implicit-partial-step", W, "a rate step rule that does not say how a partial step counts")
BAND_GAP = _code("W0503", "band-gap-or-overlap", W, "numeric bands that overlap (values no band covers are W0520)")
UNFLOORED_DEDUCTION = _code("W0504", "unfloored-deduction", W, "deductions that can take an item below zero without `until zero`")
UNUSED_FACT = _code("W0505", "unused-fact", W, "a fact declared but used by no rule")
CAN_EXCEED_MAX = _code("W0506", "can-exceed-max", W, "an `uncapped` item whose rules can score above its declared maximum")
UNKNOWN_ACCEPT = _code("W0507", "unknown-accept", W, "an `accept` that names no code or matches no finding")
UNREACHABLE_OUTCOME = _code("W0508", "unreachable-outcome", W, "a lookup table entry that no allowed fact value reaches")
CONDITION_NEVER_HOLDS = _code("W0509", "condition-never-holds", W, "a rule, `zero if` or veto condition that no allowed facts make true")
CONDITION_ALWAYS_HOLDS = _code("W0510", "condition-always-holds", W, "a rule, `zero if` or veto condition that every allowed set of facts makes true")
NUMBERING_GAP = _code("W0512", "numbering-gap", W, "numbered sibling items with a number missing")
WEIGHTS_NOT_100 = _code("W0513", "weights-not-100", W, "weights that do not add up to 100% for some kind of entity")
MATRIX_GAP = _code("W0514", "matrix-gap", W, "a points matrix without a row or column for a value its ledger allows")
UNLIKELY_SCHEDULE = _code("W0523", "unlikely-schedule", W, "a declared calendar unlike any official notice: an adjusted working day on Monday to Friday, or a year without holidays")
ACCUMULATE_WITHOUT_CAP = _code("W0511", "accumulate-without-cap", W, "a rule that can add without limit on an item that no max caps")
GRADE_GAP = _code("W0535", "grade-gap-or-overlap", W, "grades whose bands overlap, or leave between them a score the total (or item) can take that no grade holds")
UNREACHABLE_GRADE = _code("W0536", "unreachable-grade", W, "a grade that no score the total (or item) can take falls in")
PERCENT_UNIT_MISMATCH = _code("W0545", "percent-unit-mismatch", W, "a percent fact compared with, stepped by or banded by a plain number that only makes sense as a percentage")
LOOKUP_WITHOUT_ROW = _code("W0520", "lookup-without-row", W, "a lookup whose key can take a value that no row of its table (without `else`) matches")

# facts (input data)
FACTS_UNREADABLE = _code("D0601", "facts-unreadable", E, "a facts file that cannot be read or parsed")
MISSING_FACT = _code("D0602", "missing-fact", E, "a fact that the policy needs is missing for an entity")
WRONG_FACT_TYPE = _code("D0603", "wrong-fact-type", E, "a fact value of the wrong type")
FACT_OUT_OF_RANGE = _code("D0604", "fact-out-of-range", E, "a fact value outside its declared range")
UNKNOWN_FACT_VALUE = _code("D0605", "unknown-fact-value", E, "a value that the fact's enum or evidence list does not declare")
DUPLICATE_ENTITY = _code("D0606", "duplicate-entity", E, "two rows for the same entity id")
UNKNOWN_ENTITY = _code("D0607", "unknown-entity", E, "an entity id asked for that the facts do not contain")
UNKNOWN_COLUMN = _code("D0608", "unknown-column", W, "a column that names no declared fact")
EVALUATION_FAILED = _code("D0609", "evaluation-failed", E, "a rule that cannot be computed for an entity, e.g. a division by zero or a lookup without a row")
OUTPUT_FAILED = _code("D0610", "output-failed", E, "an output file that cannot be written")
FACT_NOT_APPLICABLE = _code("D0611", "fact-for-inapplicable-item", E, "a value given for a fact that only items not applying to the entity read")
FACT_NAMED_LIKE_ID = _code("D0612", "fact-named-like-id-column", E, "a fact or ledger field named like a column that holds the entity's id, so no facts file can give it")
FACT_CHECK_FAILED = _code("D0613", "fact-check-failed", E, "an entity whose facts fail a `require` check of the policy")

# backends: a backend (the generated Python module, SQL, the batch engine) refuses what it cannot do exactly
FORM_NOT_SUPPORTED = _code("E0701", "form-not-supported", E, "a form of the policy that the chosen backend (generated Python, SQL or the batch engine) cannot compute")
BEYOND_FIXED_POINT = _code("E0702", "beyond-fixed-point", E, "a value that could leave the fixed-point numbers the backend computes with (the batch engine's 64-bit integers, SQL's DECIMAL)")
INEXACT_DIVISION = _code("E0703", "inexact-division", E, "a quotient that the batch engine cannot hold exactly at its scale, for some entity")
BACKEND_MISSING = _code("E0704", "backend-missing", E, "a backend that needs a library or module this installation does not have")
