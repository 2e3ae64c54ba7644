"""The fast Parquet reader (pyarrow): the rules and messages of the CSV reader (:mod:`.readers`),
reading each column's cells as the text a spreadsheet would show."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from assessc.backends.batch.columns import Columns, Ledger
from assessc.backends.batch.convert import Problems, column_dtype
from assessc.backends.batch.readers import (refuse_fact_checks, BLOCK_ROWS, _check_duplicates, _check_tables, _ColumnReader,
                                            _fact_columns, _header_records, _read_ledger, id_columns)
from assessc.diagnostics import DiagnosticBag, codes
from assessc.dsl.source import SourceFile
from assessc.facts.columns import Context, match_columns
from assessc.facts.entities import no_entities
from assessc.facts.records import file_span
from assessc.ir.types import Kind

PARQUET_HELP = "install pyarrow to read Parquet files: pip install pyarrow"


def read_parquet(program, path, tables: Mapping[str, str], progress=None, bag: DiagnosticBag | None = None) -> Columns:
    """Columns from a Parquet file: each cell is read as the text a spreadsheet would
    show (numbers exactly, from their shortest form; a float that needs more than
    15 significant digits is refused as computed), then as a CSV cell; a null is a
    missing value."""
    from assessc.api import FactsError

    refuse_fact_checks(program, "reading Parquet")
    path = Path(path)
    bag = bag if bag is not None else DiagnosticBag()
    problems = Problems(bag)
    try:
        import pyarrow.parquet as pq
    except ImportError:
        bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")),
                f"cannot read `{path}`: reading Parquet files needs pyarrow", help=PARQUET_HELP)
        raise FactsError(bag.sorted()) from None
    try:
        handle = pq.ParquetFile(path)
    except Exception as error:  # noqa: BLE001 - pyarrow raises many kinds for a foreign file
        bag.add(codes.FACTS_UNREADABLE, file_span(SourceFile(str(path), "")), f"cannot read `{path}` as Parquet: {error}")
        raise FactsError(bag.sorted()) from None
    names = [n.strip() for n in handle.schema_arrow.names]
    keys = id_columns(program)
    records, index = _header_records(path, names, problems)
    ledger_names = {name for name, layout in program.layouts.items() if layout.kind is Kind.LEDGER}
    _check_tables(tables, ledger_names, bag)
    decls = [layout.decl for layout in program.layouts.values()]
    colmap = match_columns(records, decls, keys, Context(separate=frozenset(ledger_names),
                                                         optional=frozenset(program.optional)), bag)
    if colmap is None:
        raise FactsError(bag.sorted())
    vocab = program.vocab.copy()
    ids: list[str] = []
    block_ids: list[str] = []
    readers = {}
    for name, layout in program.layouts.items():
        column = colmap.columns.get(name)
        if layout.kind is Kind.LEDGER or column is None:
            continue
        subject = lambda row: f"entity `{block_ids[row]}`"  # noqa: E731
        readers[name] = (column, _ColumnReader(layout, vocab, name in program.optional, problems, subject))
    wanted = [colmap.id_column] + [column for column, _ in readers.values()]
    original = {n.strip(): n for n in handle.schema_arrow.names}
    done, total = 0, max(1, handle.metadata.num_rows)
    for batch in handle.iter_batches(batch_size=BLOCK_ROWS, columns=[original[w] for w in dict.fromkeys(wanted)]):
        cells = {name.strip(): _cells(batch.column(k)) for k, name in enumerate(batch.schema.names)}
        raw_ids = cells[colmap.id_column]
        block_ids = ["" if raw is None else str(raw).strip() for raw in raw_ids]
        keep = [k for k, e in enumerate(block_ids) if e]
        if len(keep) != len(block_ids):
            for k in set(range(len(block_ids))) - set(keep):
                problems.bag.add(codes.MISSING_FACT, None, f"row {done + k + 1} has no entity id",
                                 help=f"fill in its `{colmap.id_column}` column")
            block_ids = [block_ids[k] for k in keep]
            cells = {name: [col[k] for k in keep] for name, col in cells.items()}
        for name, (column, reader) in readers.items():
            reader.add(cells[column], "missing")
        ids.extend(block_ids)
        done += batch.num_rows
        if progress is not None:
            progress(done, total, "reading")
    if not ids and not problems.has_errors:
        no_entities(records, bag)
    _check_duplicates(ids, problems)
    n = len(ids)
    data, present = _fact_columns(program, {name: reader for name, (_, reader) in readers.items()}, vocab, n)
    ledgers = {}
    for name in ledger_names:
        layout = program.layouts[name]
        if name in tables:
            ledgers[name] = _read_ledger(program, layout, Path(tables[name]), ids, vocab, problems, progress)
        elif layout.decl.default is not None:
            ledgers[name] = Ledger(np.zeros(n + 1, dtype=np.int64),
                                   {f: np.zeros(0, dtype=column_dtype(s)) for f, s in layout.fields.items()})
        else:
            bag.add(codes.MISSING_FACT, None, f"no table of entries for ledger `{name}`",
                    help=f"give the entries in a CSV file of their own, as the table for `{name}`")
    problems.finish()
    if bag.has_errors:
        raise FactsError(bag.sorted())
    return Columns(program.layouts, ids, data, present, ledgers, vocab, str(path))


def _cells(array) -> list:
    """A pyarrow column's cells as raw values for the cell reader."""
    import pyarrow as pa

    from assessc.facts.xlsx_source import cell_text

    kind = array.type
    values = array.to_pylist()
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return values
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):  # evidence as a list of items
        return [None if v is None else ";".join(str(x) for x in v if x is not None) for v in values]
    texts = {value: (None if value is None else cell_text(value, "")) for value in dict.fromkeys(values)}
    return [texts[v] for v in values]
