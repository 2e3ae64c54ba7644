"""Fast columnar readers: CSV (standard library), and what the Parquet reader (:mod:`.parquet`)
shares with it.

They read the same files as the fact loader (:mod:`assessc.facts`) and apply
the same rules, with the same kinds of messages, but column by column:

* the header is the first non-blank row naming an id column (`id` or the
  policy's entity), among the first 10 rows; columns are matched to facts
  by name or label, with the loader's messages for missing and unknown
  columns (:func:`assessc.facts.columns.match_columns`);
* each column's *distinct* cells are read once with the loader's own
  :func:`~assessc.facts.values.parse_value` (types, ranges, members,
  labels, aliases, `95` / `95%` for percents) and then checked against the
  batch layout (scale, open limit); the rows take their values by code;
* a blank cell takes the fact's default; an evidence cell left empty in a
  CSV file is an empty set; a fact that only items that may not apply read
  may be blank (checked per row when scoring); otherwise it is missing;
* an entity id twice, a row without an id, cells beyond the header are
  errors; ledgers come from CSV tables of their own (``tables``), one row
  per entry with an id column.

Rows are read in blocks of 16,384, so the cells' text never sits in memory
all at once. At most 20 messages are given per fact, then a count.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import os
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from assessc.backends.batch.columns import Columns, Ledger
from assessc.backends.batch.convert import (Problems, column_dtype, encode, limit_problem, placeholder,
                                            scale_problem)
from assessc.backends.batch.layout import ENTRY_LIMIT, FactLayout, Vocab
from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.columns import Context, match_columns
from assessc.facts.entities import no_entities
from assessc.facts.files import NAMES as ENCODING_NAMES, encoding_of, encoding_of_file, report_undecodable
from assessc.facts.id_columns import policy_id_columns
from assessc.facts.inputs import FORMATS
from assessc.facts.messages import did_you_mean, listing, show
from assessc.facts.notes import note
from assessc.facts.records import Records, file_span, is_blank
from assessc.facts.table import header_note, header_places, id_column_name, sniff_delimiter
from assessc.facts.values import BadValue, allowed, parse_value
from assessc.ir.types import Kind

BLOCK_ROWS = 16384
_HEADER_SEARCH = 10
_SNIFF_LINES = 10
#: the suffixes the fact loader reads as CSV (a tab-separated `.tsv` or `.txt` too)
TEXT_SUFFIXES = {suffix for suffix, format in FORMATS.items() if format == "csv"}
_CACHE_LIMIT = 200_000


def id_columns(program) -> tuple[str, ...]:
    return policy_id_columns(program.policy)


def read_any(program, path, tables: Mapping[str, str], *, bag: DiagnosticBag | None = None,
             progress: Callable | None = None) -> Columns:
    """Columns from ``path``: CSV and Parquet with the fast readers, JSON and Excel
    through the fact loader; every format through the loader when the policy has `require`
    checks on its facts, which the loader tries on every entity."""
    suffix = Path(path).suffix.lower()
    table_suffixes = {Path(t).suffix.lower() for t in tables.values()}
    if program.policy.fact_checks and suffix not in (".parquet", ".pq"):
        return read_with_loader(program, path, tables, bag)
    if suffix in TEXT_SUFFIXES and table_suffixes <= TEXT_SUFFIXES:
        return read_csv(program, path, tables, progress, bag)
    if suffix in (".parquet", ".pq") and table_suffixes <= TEXT_SUFFIXES:
        from assessc.backends.batch.parquet import read_parquet

        return read_parquet(program, path, tables, progress, bag)
    return read_with_loader(program, path, tables, bag)


def refuse_fact_checks(program, reader: str) -> None:
    """A reader that does not try the policy's `require` checks refuses such a policy (E0701)
    rather than score facts the checks would have stopped."""
    from assessc.backends.batch.errors import BatchUnsupported, Site

    if program.policy.fact_checks:
        check = program.policy.fact_checks[0]
        raise BatchUnsupported(f"`require` checks on facts are not tried when {reader}",
                               where=Site(str(check.span) if check.span else "", check.span),
                               help="read the facts with `read_any` or `score_file` (the fact loader tries "
                                    "them on CSV, JSON and Excel), give typed values to `columns_from_values`, "
                                    "or score with the interpreter")


def read_with_loader(program, path, tables, bag: DiagnosticBag | None = None) -> Columns:
    from assessc.api import FactsError
    from assessc.facts.load import load_facts

    bag = bag if bag is not None else DiagnosticBag()
    facts = load_facts(path, program.policy.facts, bag, id_columns=id_columns(program), tables=tables,
                       optional=program.optional, checks=program.policy.fact_checks)
    if facts is None or bag.has_errors:
        raise FactsError(bag.sorted())
    return program.columns_from_facts(facts)


# ---- reading one column's cells -----------------------------------------------------------


class _ColumnReader:
    """Turns blocks of one column's raw cells into the fact's column values."""

    def __init__(self, layout: FactLayout, vocab: Vocab, optional: bool, problems: Problems, subject):
        self.layout = layout
        self.decl = layout.decl
        self.vocab = vocab
        self.optional = optional
        self.problems = problems
        self.subject = subject  # (row in block) -> how messages name the cell's owner
        self.cache: dict = {}  # raw -> encoded value
        self.absent: set = set()  # raws that leave an optional fact out
        self.bad: dict = {}  # raw -> (code, text, help)
        self.dtype = column_dtype(layout)
        self.blocks: list[np.ndarray] = []
        self.present_blocks: list[np.ndarray] = []

    def _parse(self, raw) -> int:
        layout, decl = self.layout, self.decl
        if is_blank(raw):
            if layout.kind is Kind.EVIDENCE and raw is not None:
                return 0
            if decl.default is not None:
                return encode(layout, decl.default, self.vocab)
            if self.optional:
                self.absent.add(raw)
                return placeholder(layout)
            self.bad[raw] = (codes.MISSING_FACT, None, allowed(decl.type))
            return placeholder(layout)
        try:
            typed = parse_value(raw, decl.type)
        except BadValue as problem:
            self.bad[raw] = (problem.code, problem.text, problem.help)
            return placeholder(layout)
        try:
            return encode(layout, typed, self.vocab)
        except ValueError as problem:
            self.bad[raw] = (str(problem), show(raw), None)
            return placeholder(layout)

    def add(self, cells: Sequence, blank_word: str = "blank") -> None:
        cache = self.cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
            self.absent.clear()
            self.bad.clear()
        distinct = dict.fromkeys(cells)
        fresh = [raw for raw in distinct if raw not in cache]
        for raw in fresh:
            cache[raw] = self._parse(raw)
        n = len(cells)
        values = np.fromiter(map(cache.__getitem__, cells), dtype=np.int64 if self.dtype is not np.bool_ else bool,
                             count=n)
        self.blocks.append(values.astype(self.dtype, copy=False))
        if self.optional:
            if any(raw in self.absent for raw in distinct):
                absent = self.absent
                self.present_blocks.append(np.fromiter((raw not in absent for raw in cells), dtype=bool, count=n))
            else:
                self.present_blocks.append(np.ones(n, dtype=bool))
        troubles = [raw for raw in distinct if raw in self.bad]
        for raw in troubles:
            code, text, help = self.bad[raw]
            for row in (i for i, cell in enumerate(cells) if cell == raw):
                self._report(row, raw, code, text, help, blank_word)

    def _report(self, row: int, raw, code, text, help, blank_word: str) -> None:
        name = self.layout.name
        who = self.subject(row)
        if code in ("scale", "limit"):
            make = scale_problem if code == "scale" else limit_problem
            message, help = make(self.layout, who, text)
            code = codes.WRONG_FACT_TYPE if code == "scale" else codes.FACT_OUT_OF_RANGE
            self.problems.add(name, code, None, message, help)
        elif code is codes.MISSING_FACT:
            self.problems.add(name, code, None, f"{who}: fact `{name}` is {blank_word}", help)
        else:
            self.problems.add(name, code, None, f"{who}: fact `{name}` {text}", help)

    def column(self, n: int) -> np.ndarray:
        if not self.blocks:
            return np.zeros(n, dtype=self.dtype)
        return np.concatenate(self.blocks)

    def present(self) -> np.ndarray | None:
        if not self.optional or not self.present_blocks:
            return None
        return np.concatenate(self.present_blocks)


# ---- CSV ------------------------------------------------------------------------------------


class _CsvTable:
    """A CSV file read block by block: header, then rows of cells with their line numbers."""

    def __init__(self, path: Path, id_keys: Sequence[str], problems: Problems, progress=None, stage="reading"):
        self.path = path
        self.problems = problems
        self.bag = problems.bag
        self.progress = progress
        self.stage = stage
        self.size = max(1, os.path.getsize(path))
        self.binary = open(path, "rb")
        try:
            self.encoding = encoding_of_file(self.binary)  # decided as the fact loader decides it
            self.handle = io.TextIOWrapper(self.binary, encoding=self.encoding, newline="")
            self.delimiter = sniff_delimiter([self.handle.readline() for _ in range(_SNIFF_LINES)])
            self.handle.seek(0)
        except BaseException:
            self.binary.close()
            raise
        note(f"read `{path}` as {ENCODING_NAMES[self.encoding]}")
        if self.delimiter != ",":
            note(f"`{path}`: its cells are separated by tabs")
        self.reader = csv.reader(self.handle, strict=True, delimiter=self.delimiter)
        self.line = 0  # the last line read
        self.header: list[str] = []
        self.header_line = 0
        self._pending: list[tuple[int, list[str]]] = []
        self._find_header(id_keys)

    def close(self) -> None:
        self.handle.close()

    def head_source(self) -> SourceFile:
        """The file's text up to and including the header row, for pointing at its cells."""
        try:
            with open(self.path, encoding=self.encoding, newline="") as handle:
                text = "".join(handle.readline() for _ in range(self.header_line))
        except (OSError, UnicodeDecodeError):
            text = ""
        return SourceFile(str(self.path), text)

    def _next(self):
        start = self.line + 1
        cells = next(self.reader)
        self.line = self.reader.line_num
        return start, cells

    def _find_header(self, id_keys) -> None:
        seen: list[tuple[int, list[str]]] = []
        try:
            while len([r for r in seen if _nonblank(r[1])]) < _HEADER_SEARCH:
                seen.append(self._next())
        except StopIteration:
            pass
        candidates = [r for r in seen if _nonblank(r[1])]
        if not candidates:
            self.header = []
            return
        chosen = next((r for r in candidates if any(id_column_name(c, id_keys) in id_keys for c in r[1])),
                      candidates[0])
        index = seen.index(chosen)
        skipped = [line for line, cells in seen[:index] if _nonblank(cells)]
        if skipped:
            note(header_note(f"`{self.path}`", chosen[0], skipped))
        self.header_line = chosen[0]
        self.header = [id_column_name(c, id_keys) for c in chosen[1]]
        self._pending = seen[index + 1:]

    def blocks(self):
        """Blocks of (first line of each row, rows of cells), blank rows left out."""
        pending, self._pending = self._pending, []
        lines, rows = [], []
        for start, cells in pending:
            lines.append(start)
            rows.append(cells)
        reader = self.reader
        while True:
            try:
                while len(rows) < BLOCK_ROWS:
                    start = self.line + 1
                    cells = next(reader)
                    self.line = reader.line_num
                    lines.append(start)
                    rows.append(cells)
            except StopIteration:
                if rows:
                    yield lines, rows
                return
            yield lines, rows
            if self.progress is not None:
                self.progress(self.binary.tell(), self.size, self.stage)
            lines, rows = [], []


def _nonblank(cells) -> bool:
    return any(c.strip() for c in cells)


def _columns_of(rows: list[list[str]], width: int, lines: list[int], path, problems: Problems):
    """The rows transposed to ``width`` columns (short rows padded, extra cells checked)."""
    if not rows:
        return [() for _ in range(width)]
    lengths = set(map(len, rows))
    if lengths != {width}:
        fixed = []
        for line, row in zip(lines, rows):
            if len(row) > width:
                extra = [c for c in row[width:] if c.strip()]
                if extra:
                    problems.bag.add(codes.FACTS_UNREADABLE, None,
                                     f"row {line} has {len(row)} cells, but the header names {width} columns "
                                     f"(first extra cell: `{show(extra[0])}`)",
                                     help="put quotes around a value that contains a comma, or name the extra column")
                row = row[:width]
            elif len(row) < width:
                row = row + [""] * (width - len(row))
            fixed.append(row)
        rows = fixed
    return list(zip(*rows))


def _header_records(path: Path, header: list[str], problems: Problems,
                    table: "_CsvTable | None" = None) -> tuple[Records, dict[str, int]]:
    """The header's columns as records without rows; with the CSV ``table`` they came from,
    its messages point at the header's cells as the fact loader's do."""
    index: dict[str, int] = {}
    repeated: list[tuple[str, int]] = []
    for i, name in enumerate(header):
        if not name:
            continue
        if name in index:
            repeated.append((name, i))
            continue
        index[name] = i
    source = SourceFile(str(path), "")
    locate, span = (lambda column: None), None
    if table is not None:
        source = table.head_source()
        locate, span = header_places(source, table.header_line, table.header, index, table.delimiter)
    for name, i in repeated:
        problems.bag.add(codes.FACTS_UNREADABLE, span,
                         f"column `{name}` appears twice, as columns {index[name] + 1} and {i + 1}",
                         help="rename or remove one of them")
    records = Records(rows=(), columns=tuple(index), noun="column", blank="blank", source=source,
                      column_span=locate, span=span)
    return records, index


def _undecodable(path: Path, error: UnicodeDecodeError, bag: DiagnosticBag) -> None:
    """The fact loader's message for a byte the file's encoding does not allow (the stream's decoder
    knows only where in its buffer the byte was, so the file is read again to find its line)."""
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    encoding = encoding_of(data)
    try:
        data.decode(encoding)
    except UnicodeDecodeError as again:
        report_undecodable(data, again.start, encoding, path, bag)
        return
    report_undecodable(data, len(data), encoding, path, bag)  # pragma: no cover - the stream found one


def _open(path: Path, problems: Problems, id_keys, progress, stage="reading") -> _CsvTable | None:
    try:
        return _CsvTable(path, id_keys, problems, progress, stage)
    except OSError as error:
        problems.bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")),
                         f"cannot read `{path}`: {(error.strerror or str(error)).lower()}")
    except UnicodeDecodeError as error:
        _undecodable(path, error, problems.bag)
    except csv.Error as error:
        problems.bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")),
                         f"`{path}` is not valid CSV: {str(error).lower()}")
    return None


def read_csv(program, path, tables: Mapping[str, str], progress=None, bag: DiagnosticBag | None = None) -> Columns:
    from assessc.api import FactsError

    refuse_fact_checks(program, "reading CSV with the fast reader")
    path = Path(path)
    bag = bag if bag is not None else DiagnosticBag()
    problems = Problems(bag)
    keys = id_columns(program)
    table = _open(path, problems, keys, progress)
    if table is None:
        raise FactsError(bag.sorted())
    with _no_cyclic_gc():
        return _read_csv(program, table, path, keys, tables, problems, progress)


@contextlib.contextmanager
def _no_cyclic_gc():
    """Reading makes millions of short-lived lists (one per row) and no cycles; the
    cyclic collector would walk every live row again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_csv(program, table, path, keys, tables, problems: Problems, progress) -> Columns:
    from assessc.api import FactsError

    bag = problems.bag
    try:
        if not table.header:
            bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")), f"`{path}` is empty",
                    help="the first row names the columns (`id` and one column per fact), one row per entity follows")
            raise FactsError(bag.sorted())
        columns = _read_main(program, table, path, keys, tables, problems, progress)
    except UnicodeDecodeError as error:
        _undecodable(path, error, bag)
        raise FactsError(bag.sorted()) from None
    except csv.Error as error:
        bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), ""), table.line + 1),
                f"`{path}` is not valid CSV at line {table.line + 1}: {str(error).lower()}",
                help="check the quotes on this line: a quoted cell must end with a quote")
        raise FactsError(bag.sorted()) from None
    finally:
        table.close()
    problems.finish()
    if bag.has_errors:
        raise FactsError(bag.sorted())
    return columns


def _read_main(program, table: _CsvTable, path: Path, keys, tables, problems: Problems, progress) -> Columns:
    records, index = _header_records(path, table.header, problems, table)
    ledger_names = {name for name, layout in program.layouts.items() if layout.kind is Kind.LEDGER}
    _check_tables(tables, ledger_names, problems.bag)
    decls = [layout.decl for layout in program.layouts.values()]
    context = Context(separate=frozenset(ledger_names), optional=frozenset(program.optional))
    colmap = match_columns(records, decls, keys, context, problems.bag)
    if colmap is None:
        from assessc.api import FactsError

        raise FactsError(problems.bag.sorted())
    id_index = index[colmap.id_column]
    vocab = program.vocab.copy()
    ids: list[str] = []
    block_ids: list[str] = []
    readers: dict[str, tuple[int, _ColumnReader]] = {}
    for name, layout in program.layouts.items():
        column = colmap.columns.get(name)
        if layout.kind is Kind.LEDGER or column is None:
            continue
        subject = lambda row: f"entity `{block_ids[row]}`"  # noqa: E731
        readers[name] = (index[column], _ColumnReader(layout, vocab, name in program.optional, problems, subject))
    width = len(table.header)
    for lines, rows in table.blocks():
        cols = _columns_of(rows, width, lines, path, problems)
        raw_ids = cols[id_index]
        block_ids = [cell.strip() for cell in raw_ids]
        keep = None
        if not all(block_ids):
            keep = []
            for k, entity in enumerate(block_ids):
                if entity:
                    keep.append(k)
                elif _nonblank(rows[k]):
                    problems.bag.add(codes.MISSING_FACT, None, f"row {lines[k]} has no entity id",
                                     help=f"fill in its `{colmap.id_column}` column")
            cols = [tuple(col[k] for k in keep) for col in cols]
            block_ids = [block_ids[k] for k in keep]
            lines = [lines[k] for k in keep]
        for name, (i, reader) in readers.items():
            reader.add(cols[i])
        ids.extend(block_ids)
    if not ids and not problems.has_errors:
        no_entities(records, problems.bag)
    _check_duplicates(ids, problems)
    n = len(ids)
    data, present = _fact_columns(program, {name: reader for name, (_, reader) in readers.items()}, vocab, n)
    ledgers = {}
    for name in ledger_names:
        layout = program.layouts[name]
        given = tables.get(name)
        if given is not None:
            ledgers[name] = _read_ledger(program, layout, Path(given), ids, vocab, problems, progress)
        elif layout.decl.default is not None:
            ledgers[name] = Ledger(np.zeros(n + 1, dtype=np.int64),
                                   {f: np.zeros(0, dtype=column_dtype(sub)) for f, sub in layout.fields.items()})
        else:
            fields = ", ".join(f"`{f.name}`" for f in layout.decl.type.fields)
            problems.bag.add(codes.MISSING_FACT, None, f"no table of entries for ledger `{name}`",
                             help=f"give the entries in a file of their own, as the table for `{name}`, with one row "
                                  f"per entry: an `{keys[0]}` column and the columns {fields}")
    return Columns(program.layouts, ids, data, present, ledgers, vocab, str(path))


def _fact_columns(program, readers: Mapping[str, "_ColumnReader"], vocab: Vocab, n: int):
    """(data, present) for every fact but ledgers: read columns, and absent ones filled."""
    data, present = {}, {}
    for name, layout in program.layouts.items():
        if layout.kind is Kind.LEDGER:
            continue
        if name in readers:
            data[name], mask = readers[name].column(n), readers[name].present()
        else:
            data[name], mask = _absent_column(layout, vocab, n, name in program.optional)
        if mask is not None:
            present[name] = mask
    return data, present


def _absent_column(layout: FactLayout, vocab: Vocab, n: int, optional: bool):
    dtype = column_dtype(layout)
    if layout.decl.default is not None:
        return np.full(n, encode(layout, layout.decl.default, vocab), dtype=dtype), None
    return np.full(n, placeholder(layout), dtype=dtype), (np.zeros(n, dtype=bool) if optional else None)


def _check_duplicates(ids: list[str], problems: Problems) -> None:
    if len(set(ids)) == len(ids):
        return
    seen: dict[str, int] = {}
    for row, entity in enumerate(ids):
        if entity in seen:
            problems.add("id", codes.DUPLICATE_ENTITY, None,
                         f"entity `{entity}` appears twice, in data rows {seen[entity] + 1} and {row + 1}",
                         "give each entity one row, or tell the two apart by their ids")
        else:
            seen[entity] = row


def _check_tables(tables, ledger_names, bag: DiagnosticBag) -> None:
    for name in tables:
        if name not in ledger_names:
            bag.add(codes.UNKNOWN_COLUMN, None,
                    f"a table is given for `{name}`, which is not a ledger fact; it is ignored",
                    help=f"ledger facts: {listing(sorted(ledger_names)) or 'none'}")


def _read_ledger(program, layout: FactLayout, path: Path, ids: list[str], vocab: Vocab, problems: Problems,
                 progress) -> Ledger:
    keys = id_columns(program)
    n = len(ids)
    empty = Ledger(np.zeros(n + 1, dtype=np.int64), {f: np.zeros(0, dtype=column_dtype(s)) for f, s in layout.fields.items()})
    table = _open(path, problems, keys, progress, f"reading {layout.name}")
    if table is None:
        return empty
    try:
        records, index = _header_records(path, table.header, problems, table)
        fields = [sub.decl for sub in layout.fields.values()]
        colmap = match_columns(records, fields, keys, Context(ledger=layout.name), problems.bag)
        if colmap is None:
            return empty
        position = {entity: row for row, entity in enumerate(ids)}
        owners: list[np.ndarray] = []
        block: dict = {"ids": []}
        readers = {}
        for name, sub in layout.fields.items():
            column = colmap.columns.get(name)
            if column is None:
                continue
            subject = (lambda name: lambda row: f"entity `{block['ids'][row]}`: `{layout.name}` entry, field "
                                                f"`{name}`")(name)
            reader = _ColumnReader(sub, vocab, False, problems, subject)
            reader.layout = _FieldLayout(sub, name)
            readers[name] = (index[column], reader)
        strays: dict[str, int] = {}
        width = len(table.header)
        for lines, rows in table.blocks():
            cols = _columns_of(rows, width, lines, path, problems)
            entities = [cell.strip() for cell in cols[index[colmap.id_column]]]
            keep = [k for k, e in enumerate(entities) if e in position]
            if len(keep) != len(entities):
                for k, entity in enumerate(entities):
                    if entity in position:
                        continue
                    if not entity:
                        if _nonblank(rows[k]):
                            problems.bag.add(codes.MISSING_FACT, None, f"row {lines[k]} of `{path}` has no entity id",
                                             help=f"fill in its `{colmap.id_column}` column")
                    else:
                        strays[entity] = strays.get(entity, 0) + 1
                cols = [tuple(col[k] for k in keep) for col in cols]
                entities = [entities[k] for k in keep]
            block["ids"] = entities
            owners.append(np.fromiter(map(position.__getitem__, entities), dtype=np.int64, count=len(entities)))
            for name, (i, reader) in readers.items():
                reader.add(cols[i], "blank")
        for entity, count in strays.items():
            rows_text = "a row" if count == 1 else f"{count} rows"
            help = did_you_mean(entity, ids[:10000], cutoff=0.5) or "add the entity to the main table, or correct the id"
            problems.bag.add(codes.UNKNOWN_ENTITY, None,
                             f"ledger `{layout.name}` has {rows_text} for entity `{entity}`, which is not in the facts",
                             help=help)
    finally:
        table.close()
    owner = np.concatenate(owners) if owners else np.zeros(0, dtype=np.int64)
    order = np.argsort(owner, kind="stable")
    counts = np.bincount(owner, minlength=n) if len(owner) else np.zeros(n, dtype=np.int64)
    if len(counts) and counts.max(initial=0) > ENTRY_LIMIT:
        row = int(np.argmax(counts))
        problems.bag.add(codes.FACT_OUT_OF_RANGE, None,
                         f"entity `{ids[row]}`: ledger `{layout.name}` has {int(counts[row]):,} entries, more than "
                         f"the batch engine's {ENTRY_LIMIT:,}", "score with the interpreter (`--engine interp`)")
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    arrays = {}
    for name, sub in layout.fields.items():
        if name in readers:
            arrays[name] = readers[name][1].column(len(owner))[order]
        else:
            value = encode(sub, sub.decl.default, vocab) if sub.decl.default is not None else placeholder(sub)
            arrays[name] = np.full(len(owner), value, dtype=column_dtype(sub))
    return Ledger(offsets, arrays)


class _FieldLayout:
    """A ledger field's layout, named as the field for messages."""

    def __init__(self, layout: FactLayout, name: str):
        self._layout, self.name = layout, name

    def __getattr__(self, attribute):
        return getattr(self._layout, attribute)
