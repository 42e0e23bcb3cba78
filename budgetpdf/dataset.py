"""The Parquet dataset on disk: atomic, incremental, one part file per document.

Layout (each dataset a folder of part files, read with one glob by duckdb, pandas,
polars and pyarrow.dataset)::

    OUT/documents/part-<hash of source_path>.parquet   one row per input file
    OUT/<records>/part-<doc_id>.parquet                 tables, cells, line_items,
                                                        performance_targets, checks
    OUT/_pending/<doc_id>                               journal of a document in flight

Why this shape: re-processing a document replaces exactly its own files, each with one
``os.replace`` (atomic on POSIX), so no file is rewritten on every run and readers never
see a half-written file. A document is committed when its ``documents`` part lands, which
is written last; a journal entry marks a document in flight, so after a ``kill -9`` the
next run deletes what the interrupted one left and redoes that document.
``compact`` merges many small parts into larger ones for very large datasets.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Iterable, Sequence

import pyarrow as pa
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from budgetpdf.normalize.records import DocumentRecord

from .schema import DATASETS, SCHEMAS, with_metadata

RECORD_DATASETS = tuple(d for d in DATASETS if d != "documents")
PENDING = "_pending"


def _rows(records: Iterable[object]) -> list[dict]:
    out = []
    for r in records:
        d = asdict(r) if is_dataclass(r) else dict(r)
        for k, v in d.items():
            if isinstance(v, tuple):
                d[k] = list(v)
        out.append(d)
    return out


def to_arrow(name: str, records: Iterable[object]) -> pa.Table:
    """Records of one dataset as an Arrow table with the contract schema."""
    schema = with_metadata(SCHEMAS[name])
    rows = _rows(records)
    cols = {f.name: [row.get(f.name) for row in rows] for f in schema}
    return pa.Table.from_pydict(cols, schema=schema)


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd", use_dictionary=True)
    os.replace(tmp, path)


def source_key(source_path: str) -> str:
    return hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class DocumentOutput:
    """Everything one input file contributes to the dataset."""

    document: DocumentRecord
    tables: Sequence[object] = ()
    cells: Sequence[object] = ()
    line_items: Sequence[object] = ()
    performance_targets: Sequence[object] = ()
    checks: Sequence[object] = ()


class Dataset:
    """An output folder holding the six datasets."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    # -- reading ---------------------------------------------------------------------

    def documents(self) -> list[dict]:
        folder = self.root / "documents"
        if not folder.is_dir() or not any(folder.glob("*.parquet")):
            return []
        return pds.dataset(str(folder), format="parquet").to_table().to_pylist()

    # -- writing ---------------------------------------------------------------------

    def ensure_all(self) -> None:
        """Every dataset exists after a run, even with zero rows (a file with the schema)."""
        for name in DATASETS:
            folder = self.root / name
            if not (folder.is_dir() and any(folder.glob("*.parquet"))):
                _write_atomic(to_arrow(name, []), folder / "part-empty.parquet")

    def write(self, out: DocumentOutput) -> None:
        """Replace this input file's document row and (if it has a doc_id) its records."""
        doc = out.document
        if doc.doc_id:
            pending = self.root / PENDING / doc.doc_id
            pending.parent.mkdir(parents=True, exist_ok=True)
            pending.write_text(doc.source_path, "utf-8")
            for name in RECORD_DATASETS:
                records = getattr(out, name)
                path = self.root / name / f"part-{doc.doc_id}.parquet"
                if records:
                    _write_atomic(to_arrow(name, records), path)
                elif path.exists():
                    path.unlink()
        _write_atomic(to_arrow("documents", [doc]), self.root / "documents" / f"part-{source_key(doc.source_path)}.parquet")
        if doc.doc_id:
            (self.root / PENDING / doc.doc_id).unlink(missing_ok=True)

    def write_document_row(self, doc: DocumentRecord) -> None:
        """Add or replace one documents row only (a second path to bytes already processed)."""
        _write_atomic(to_arrow("documents", [doc]), self.root / "documents" / f"part-{source_key(doc.source_path)}.parquet")

    def recover(self) -> list[str]:
        """Undo documents a killed run left in flight; returns their doc_ids (to be redone)."""
        folder = self.root / PENDING
        if not folder.is_dir():
            return []
        undone = []
        for entry in folder.iterdir():
            doc_id = entry.name
            source_path = entry.read_text("utf-8")
            for name in RECORD_DATASETS:
                (self.root / name / f"part-{doc_id}.parquet").unlink(missing_ok=True)
            (self.root / "documents" / f"part-{source_key(source_path)}.parquet").unlink(missing_ok=True)
            entry.unlink()
            undone.append(doc_id)
        for name in DATASETS:  # temp files of an interrupted write
            for tmp in (self.root / name).glob(".*.tmp") if (self.root / name).is_dir() else []:
                tmp.unlink(missing_ok=True)
        return undone

    def drop_empty_placeholders(self) -> None:
        for name in DATASETS:
            placeholder = self.root / name / "part-empty.parquet"
            if placeholder.exists() and len(list((self.root / name).glob("*.parquet"))) > 1:
                placeholder.unlink()


def reset(root: Path) -> None:
    """Remove every dataset folder under root (keeps unrelated files)."""
    for name in (*DATASETS, PENDING):
        shutil.rmtree(root / name, ignore_errors=True)


__all__ = ["Dataset", "DocumentOutput", "to_arrow", "reset"]
