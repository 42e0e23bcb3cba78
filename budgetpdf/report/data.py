"""Reading an output dataset for the report: a few duckdb queries, never one per row.

The report reads the six datasets of the contract (``shared/SCHEMA.md``) from ``OUT_DIR``
(each ``<name>.parquet`` or a folder ``<name>/`` of part files, Hive partitions allowed).
Every page kind costs a fixed number of queries, whatever the number of documents:

- the index: one query (documents left-joined to per-document table and check counts);
- the batch page: one query per chart;
- all document pages together: one streaming query per dataset (``tables``, ``cells``,
  ``line_items``, ``checks``), each ordered by ``doc_id`` and read in Arrow record
  batches, merged in Python one document at a time (:meth:`ReportData.documents_stream`).
  Memory holds one document's rows at a time; duckdb sorts out of core for large batches.

Columns added to the contract without a version change (``tables.text_source``,
``tables.type_rule``, ``cells.confidence``, ``documents.extract_seconds``) are read when
present and come back as ``None`` when absent (``union_by_name`` also fills them for
older part files that lack them). Nothing here requires them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import duckdb
import pyarrow as pa

from budgetpdf.contract import SCHEMAS

#: Optional columns the report shows when a dataset carries them (dataset → column → SQL type).
OPTIONAL_COLUMNS: dict[str, dict[str, str]] = {
    "documents": {"extract_seconds": "DOUBLE"},
    "tables": {"text_source": "VARCHAR", "type_rule": "VARCHAR"},
    "cells": {"confidence": "FLOAT"},
}

_BATCH_ROWS = 65_536


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _reader(rel: duckdb.DuckDBPyRelation, rows: int) -> pa.RecordBatchReader:
    """A streaming Arrow reader over a relation (duckdb ≥ 1.1 and 2.x spell it differently)."""
    if hasattr(rel, "to_arrow_reader"):
        return rel.to_arrow_reader(rows)
    return rel.fetch_record_batch(rows)  # pragma: no cover - duckdb 1.x


class Cell(NamedTuple):
    """One ``cells`` row (a tuple: a large batch has millions, and dicts cost several times more).

    Coordinates in PDF points, top-left origin of the displayed page; ``confidence`` is
    None unless the dataset has the optional column and the text came from OCR."""

    doc_id: str
    table_id: int
    row_index: int
    col_index: int
    row_span: int | None
    col_span: int | None
    is_header: bool
    text: str | None
    page: int | None
    x0: float | None
    top: float | None
    x1: float | None
    bottom: float | None
    confidence: float | None


@dataclass
class DocumentBundle:
    """Everything one document page shows: rows of its datasets as Python dicts (money as Decimal)."""

    doc_id: str
    tables: list[dict] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)
    line_items: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


class ReportData:
    """The datasets under ``out_dir`` as duckdb views named after them.

    Raises ``FileNotFoundError`` when ``out_dir`` has no ``documents`` dataset (not an
    output folder). A record dataset with no files reads as empty.
    """

    def __init__(self, out_dir: Path | str, *, memory_limit: str | None = None, temp_dir: Path | None = None):
        self.out_dir = Path(out_dir)
        self.con = duckdb.connect()
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_sql_str(memory_limit)}")
        if temp_dir:
            self.con.execute(f"SET temp_directory = {_sql_str(str(temp_dir))}")
        self.present: dict[str, set[str]] = {}
        for name in ("documents", "tables", "cells", "line_items", "checks"):
            self._view(name)
        if not self._has_files("documents"):
            raise FileNotFoundError(f"{self.out_dir}: no documents dataset (is this a budgetpdf output folder?)")

    def sql(self, query: str, *, cursor: bool = False) -> duckdb.DuckDBPyRelation:
        """Every query of the report goes through here (``cursor``: on its own connection, for
        concurrent streams)."""
        return (self.con.cursor() if cursor else self.con).sql(query)

    # -- views ------------------------------------------------------------------------

    def _files_glob(self, name: str) -> str | None:
        single = self.out_dir / f"{name}.parquet"
        if single.is_file():
            return str(single)
        folder = self.out_dir / name
        if folder.is_dir() and next(folder.rglob("*.parquet"), None) is not None:
            return str(folder / "**" / "*.parquet")
        return None

    def _has_files(self, name: str) -> bool:
        return self._files_glob(name) is not None

    def _view(self, name: str) -> None:
        glob = self._files_glob(name)
        if glob is None:
            self.con.register(f"_empty_{name}", SCHEMAS[name].empty_table())
            source = f"_empty_{name}"
        else:
            source = f"read_parquet({_sql_str(glob)}, union_by_name = true, hive_partitioning = true)"
        present = {r[0] for r in self.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        extra = [f"NULL::{typ} AS {col}" for col, typ in OPTIONAL_COLUMNS.get(name, {}).items() if col not in present]
        select = ", ".join(["*", *extra])
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {select} FROM {source}")
        self.present[name] = present

    def has_column(self, dataset: str, column: str) -> bool:
        """Whether the dataset's files carry ``column`` (optional contract columns)."""
        return column in self.present.get(dataset, set())

    # -- the index (one query) --------------------------------------------------------

    def index_rows(self) -> list[dict]:
        """One row per ``documents`` row (per source file), with its tables by type and check counts."""
        sql = """
        WITH t AS (
            SELECT doc_id, count(*) AS tables_found, histogram(table_type) AS tables_by_type
            FROM tables GROUP BY doc_id),
        c AS (
            SELECT doc_id,
                   count(*) FILTER (WHERE status <> 'not_run') AS checks_run,
                   count(*) FILTER (WHERE status = 'failed') AS checks_failed,
                   count(*) FILTER (WHERE status = 'not_run') AS checks_not_run
            FROM checks GROUP BY doc_id)
        SELECT d.doc_id, d.source_path, d.department, d.fiscal_year, d.doc_kind, d.page_count, d.status,
               d.error, d.n_tables, d.pipeline_version, d.extracted_at, d.extract_seconds,
               coalesce(t.tables_found, 0) AS tables_found, t.tables_by_type,
               coalesce(c.checks_run, 0) AS checks_run, coalesce(c.checks_failed, 0) AS checks_failed,
               coalesce(c.checks_not_run, 0) AS checks_not_run
        FROM documents d LEFT JOIN t USING (doc_id) LEFT JOIN c USING (doc_id)
        ORDER BY d.source_path
        """
        rows = self.sql(sql).to_arrow_table().to_pylist()
        for r in rows:  # an Arrow map arrives as a list of (key, value) pairs
            r["tables_by_type"] = dict(r["tables_by_type"] or ())
        return rows

    # -- document pages (one streaming query per dataset) -----------------------------

    def _stream(self, sql: str, make: Callable | None = None) -> Iterator[tuple[str, list]]:
        """Rows of an ORDER BY doc_id query (doc_id first), grouped per doc_id, one Arrow batch at a time.

        Rows are dicts, or ``make(tuple)`` when given (``Cell._make``)."""
        reader = _reader(self.sql(sql, cursor=True), _BATCH_ROWS)
        current: str | None = None
        rows: list = []
        for batch in reader:
            names = batch.schema.names
            columns = [col.to_pylist() for col in batch.columns]  # column-wise: much faster than to_pylist()
            for values in zip(*columns):
                row = make(values) if make else dict(zip(names, values))
                if values[0] != current:
                    if current is not None:
                        yield current, rows
                    current, rows = values[0], []
                rows.append(row)
        if current is not None:
            yield current, rows

    def documents_stream(self, part: int = 0, parts: int = 1) -> Iterator[DocumentBundle]:
        """Every doc_id that has records, in doc_id order, with its tables, cells, line items and checks.

        ``part``/``parts`` split the documents between processes by a hash of doc_id."""
        where = "doc_id IS NOT NULL" + (f" AND hash(doc_id) % {int(parts)} = {int(part)}" if parts > 1 else "")
        cell_cols = ", ".join(Cell._fields)
        streams = {
            "tables": self._stream(f"SELECT doc_id, * EXCLUDE (doc_id) FROM tables WHERE {where} ORDER BY doc_id, table_id"),
            "cells": self._stream(
                f"SELECT {cell_cols} FROM cells WHERE {where} ORDER BY doc_id, table_id, row_index, col_index", Cell._make),
            "line_items": self._stream(f"SELECT doc_id, * EXCLUDE (doc_id) FROM line_items WHERE {where} "
                                       "ORDER BY doc_id, table_id, row_index, column_label"),
            "checks": self._stream(
                f"SELECT doc_id, * EXCLUDE (doc_id) FROM checks WHERE {where} "
                "ORDER BY doc_id, table_id NULLS LAST, check_id, subject, expected, actual"),
        }
        heads: dict[str, tuple[str, list[dict]] | None] = {k: next(s, None) for k, s in streams.items()}
        while True:
            live = [h[0] for h in heads.values() if h is not None]
            if not live:
                return
            doc_id = min(live)
            bundle = DocumentBundle(doc_id)
            for name, head in heads.items():
                if head is not None and head[0] == doc_id:
                    setattr(bundle, name, head[1])
                    heads[name] = next(streams[name], None)
            yield bundle

    # -- batch charts (one query each) ------------------------------------------------

    def function_classes(self) -> list[dict]:
        """``amount_yuan`` per document and function class (类, first 3 digits of a 功能分类 code).

        Per document one column of one table is summed, so nothing is counted twice: the
        first table (by EXPENDITURE_TYPES, then table_id; other types last) with line items
        coded ``code_scheme = 'function'`` with an expenditure code (支出功能分类 类 201–232
        start with 2; a 3xx code labelled function is an economic code misfiled), and in it the column of the first measure of
        MEASURES present (``total`` first); inside it only the shallowest code level printed
        (类 rows where printed), total rows excluded. Rows: doc_id, table_type, table_id,
        column_label, class (3 digits), class_item (the 类 label where the 类 row is printed),
        amount_yuan (Decimal, 元).
        """
        types = ", ".join(_sql_str(t) for t in EXPENDITURE_TYPES)
        measures = ", ".join(_sql_str(m) for m in MEASURES)
        sql = f"""
        WITH li AS (
            SELECT * FROM line_items
            WHERE code_scheme = 'function' AND code LIKE '2%' AND NOT coalesce(is_total, false)
              AND amount_yuan IS NOT NULL),
        pick AS (
            SELECT DISTINCT doc_id, table_id, column_label FROM li
            QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY
                coalesce(list_position([{types}], table_type), 99), table_id,
                coalesce(list_position([{measures}], measure), 99), column_label) = 1),
        chosen AS (SELECT li.* FROM li JOIN pick USING (doc_id, table_id, column_label)),
        top AS (SELECT doc_id, min(length(code)) AS len FROM chosen GROUP BY doc_id)
        SELECT c.doc_id, any_value(c.table_type) AS table_type, any_value(c.table_id) AS table_id,
               any_value(c.column_label) AS column_label, left(c.code, 3) AS class,
               max(c.item) FILTER (WHERE length(c.code) = 3) AS class_item,
               sum(c.amount_yuan) AS amount_yuan
        FROM chosen c JOIN top USING (doc_id)
        WHERE length(c.code) = top.len
        GROUP BY c.doc_id, class ORDER BY c.doc_id, class
        """
        return self.sql(sql).to_arrow_table().to_pylist()

    def failed_by_check_id(self) -> list[dict]:
        """Failed checks per ``check_id`` over the batch: check_id, failed, documents."""
        sql = """SELECT check_id, count(*) AS failed, count(DISTINCT doc_id) AS documents
                 FROM checks WHERE status = 'failed' GROUP BY check_id ORDER BY failed DESC, check_id"""
        return self.sql(sql).to_arrow_table().to_pylist()

    def timing(self) -> list[dict]:
        """Per document (distinct doc_id, first source path): page_count, extracted_at, extract_seconds, status."""
        sql = """SELECT doc_id, min(source_path) AS source_path, any_value(page_count) AS page_count,
                        min(extracted_at) AS extracted_at, any_value(extract_seconds) AS extract_seconds,
                        any_value(status) AS status
                 FROM documents WHERE doc_id IS NOT NULL GROUP BY doc_id ORDER BY extracted_at"""
        return self.sql(sql).to_arrow_table().to_pylist()

    def close(self) -> None:
        self.con.close()


#: Table types whose 功能分类 rows give a document's spending by 类, in order of preference
#: (部门支出总表 first: it carries every fund source; then the 一般公共预算 tables).
EXPENDITURE_TYPES = (
    "expenditure_summary", "general_budget_expenditure", "appropriation_summary",
    "government_fund_expenditure", "state_capital_expenditure", "income_summary",
)
#: Measures whose column stands for a row's whole amount, in order of preference.
MEASURES = ("total", "current_year", "final_accounts", "adjusted_budget", "initial_budget", "execution")
