"""The Parquet dataset on disk: atomic, incremental, safe against ``kill -9``.

Layout (each dataset a folder of part files, read with one path or glob by duckdb,
pandas, polars and pyarrow.dataset; files starting with ``.`` or ``_`` are ignored by
them and are never data)::

    OUT/documents/part-<hash of source_path>.parquet   one row per input file
    OUT/<records>/part-<doc_id>.parquet                 tables, cells, line_items,
                                                        performance_targets, checks
    OUT/<dataset>/compact-<uuid>.parquet                many documents, made by `compact`
    OUT/_pending/doc-<uuid>.json                        journal: a document in flight
    OUT/_pending/compact-<uuid>.json                    journal: a compaction in flight
    OUT/_lock                                           flock held by the one writer

Writing a document (``Dataset.write``): journal entry (doc_id and every source_path that
shares it) → remove every trace of that doc_id / those paths (their own part files, and
their rows inside compacted files, which are rewritten without them) → write the record
parts → write the documents parts last → delete the journal entry. Every file lands with
one ``os.replace`` (atomic on POSIX), so readers never see a half-written file. After a
``kill -9``, ``recover()`` removes every trace of a journaled document, so the next run
redoes it from its input file: a document is either fully committed or absent.

Compaction (``Dataset.compact``): small part files (and small compacted files) of one
dataset are merged into ``compact-<uuid>.parquet`` files of up to ``max_bytes``: write the
merged file under a hidden temp name → journal (target, sources) → delete the sources →
rename the temp file to its target → delete the journal. ``recover()`` rolls an
interrupted compaction forward (the temp file is complete once journaled). Re-running a
document that lives in a compacted file rewrites that file without it (costly after
``--force`` over everything: compact again afterwards). Nothing is rewritten on a normal
incremental run: new documents add part files only.

One process writes at a time (``Dataset.lock``); concurrent writers get ``DatasetLocked``.
Readers should not read while a compaction runs (they may briefly miss rows).

Durability: every part file and journal entry is fsynced before the rename that commits
it, and its folder after, so a power cut (not only ``kill -9``) leaves each file either
absent, old, or complete.

Why a plain folder of Parquet part files and not Delta Lake or Iceberg: the contract
promises dashboards that duckdb, pandas, polars and pyarrow read each dataset with one
path or glob and no table-format library; a transaction log would add a reader
dependency for guarantees the journal already gives to our single writer.

POSIX only: the writer lock is ``fcntl.flock`` and commits rely on ``os.replace`` being
atomic within one folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from .contract import DATASETS, RECORD_DATASETS, SCHEMAS, DocumentRecord, EncodedDocument, to_arrow
PENDING = "_pending"
LOCK = "_lock"
EMPTY = "part-empty.parquet"
COMPACT_MAX_BYTES = 256 * 1024 * 1024
_ROW_GROUP_ROWS = 256_000


def key_column(name: str) -> str:
    """The column a dataset's rows belong to a unit by: source_path for documents, else doc_id."""
    return "source_path" if name == "documents" else "doc_id"


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", use_dictionary=True)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` durably: temp file, fsync, rename, fsync of the folder
    (so a power cut leaves either the old file or the complete new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    _write_parquet(table, tmp)
    _fsync_path(tmp)
    os.replace(tmp, path)
    _fsync_path(path.parent)


def _write_json_atomic(obj: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _tmp_name(path)
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_path(path.parent)


def _crash_point(name: str) -> None:
    """Test hook: ``BUDGETPDF_TEST_CRASH_AT=name`` kills this process here (kill -9 tests)."""
    if os.environ.get("BUDGETPDF_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), 9)


def source_key(source_path: str) -> str:
    return hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:32]


class DatasetLocked(RuntimeError):
    """Another process is writing to the same dataset folder."""


class Dataset:
    """An output folder holding the six datasets."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self._index: dict[str, dict[Path, set[str]]] = {}

    # -- reading ---------------------------------------------------------------------

    def files(self, name: str) -> list[Path]:
        """The data files of one dataset (what a ``*.parquet`` glob reads)."""
        folder = self.root / name
        return sorted(folder.glob("*.parquet")) if folder.is_dir() else []

    def read(self, name: str, columns: list[str] | None = None) -> pa.Table:
        files = self.files(name)
        if not files:
            return to_arrow(name, []).select(columns) if columns else to_arrow(name, [])
        return pds.dataset([str(f) for f in files], format="parquet",
                           schema=SCHEMAS[name]).to_table(columns=columns)

    def documents(self) -> list[dict]:
        return self.read("documents").to_pylist()

    def _compacted(self, name: str) -> dict[Path, set[str]]:
        """Compacted files of a dataset and the keys (doc_id / source_path) each holds."""
        if name not in self._index:
            key = key_column(name)
            folder = self.root / name
            self._index[name] = {
                f: set(pq.read_table(f, columns=[key]).column(key).drop_null().unique().to_pylist())
                for f in (sorted(folder.glob("compact-*.parquet")) if folder.is_dir() else [])
            }
        return self._index[name]

    # -- locking ---------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the dataset's writer lock (released by the kernel if the process dies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / LOCK, "a+") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DatasetLocked(f"another budgetpdf process is writing to {self.root}") from None
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    # -- writing ---------------------------------------------------------------------

    def ensure_all(self) -> None:
        """Every dataset exists after a run, even with zero rows (a file with the schema)."""
        for name in DATASETS:
            if not self.files(name):
                _write_atomic(to_arrow(name, []), self.root / name / EMPTY)

    def _remove(self, name: str, keys: set[str]) -> None:
        """Remove every row of ``keys`` from dataset ``name``: their parts and inside compacted files."""
        if not keys:
            return
        folder = self.root / name
        for k in keys:
            part = source_key(k) if name == "documents" else k
            (folder / f"part-{part}.parquet").unlink(missing_ok=True)
        index = self._compacted(name)
        for f, held in list(index.items()):
            if not held & keys:
                continue
            col = key_column(name)
            table = pq.read_table(f)
            keep = table.filter(pc.invert(pc.fill_null(pc.is_in(table[col], value_set=pa.array(sorted(keys))), False)))
            if keep.num_rows:
                _write_atomic(keep.replace_schema_metadata(SCHEMAS[name].metadata), f)
                index[f] = held - keys
            else:
                f.unlink(missing_ok=True)
                del index[f]

    def _journal(self, doc_id: str | None, source_paths: list[str], records: bool) -> Path:
        entry = self.root / PENDING / f"doc-{uuid.uuid4().hex}.json"
        _write_json_atomic({"doc_id": doc_id, "source_paths": source_paths, "records": records}, entry)
        return entry

    def write(self, out: EncodedDocument, also_paths: Iterable[str] = ()) -> None:
        """Replace this document (its records, once) and the documents row of its file.

        ``also_paths``: other files with the same bytes; they get the same documents row
        with their own source_path, so all rows of one doc_id agree.
        """
        doc = out.document
        paths = list(dict.fromkeys([doc.source_path, *also_paths]))
        entry = self._journal(doc.doc_id, paths, records=bool(doc.doc_id))
        self._remove("documents", set(paths))
        if doc.doc_id:
            for name in RECORD_DATASETS:
                self._remove(name, {doc.doc_id})
                _crash_point(f"write:{name}")
                table = out.records.get(name)
                if table is not None and table.num_rows:
                    _write_atomic(table, self.root / name / f"part-{doc.doc_id}.parquet")
        for p in paths:
            _crash_point("write:documents")
            row = doc if p == doc.source_path else _with_path(doc, p)
            _write_atomic(to_arrow("documents", [row]), self.root / "documents" / f"part-{source_key(p)}.parquet")
        entry.unlink()

    def write_document_row(self, doc: DocumentRecord) -> None:
        """Add or replace one documents row only (a second path to bytes already processed)."""
        entry = self._journal(None, [doc.source_path], records=False)
        self._remove("documents", {doc.source_path})
        _write_atomic(to_arrow("documents", [doc]), self.root / "documents" / f"part-{source_key(doc.source_path)}.parquet")
        entry.unlink()

    def recover(self) -> list[str]:
        """Finish interrupted compactions, undo documents a killed run left in flight.

        Returns the doc_ids undone (the next run redoes them). Call with the lock held.
        """
        folder = self.root / PENDING
        undone: list[str] = []
        if folder.is_dir():
            for entry in sorted(folder.glob("compact-*.json")):
                self._finish_compaction(entry)
            for entry in sorted(folder.glob("doc-*.json")):
                j = json.loads(entry.read_text("utf-8"))
                self._remove("documents", set(j["source_paths"]))
                if j["records"] and j["doc_id"]:
                    for name in RECORD_DATASETS:
                        self._remove(name, {j["doc_id"]})
                    undone.append(j["doc_id"])
                entry.unlink()
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        for name in DATASETS:  # temp files of an interrupted write or compaction
            for tmp in (self.root / name).glob(".*.tmp") if (self.root / name).is_dir() else []:
                tmp.unlink(missing_ok=True)
        return undone

    def drop_empty_placeholders(self) -> None:
        for name in DATASETS:
            placeholder = self.root / name / EMPTY
            if placeholder.exists() and len(self.files(name)) > 1:
                placeholder.unlink()

    def gc(self) -> int:
        """Remove records whose doc_id no documents row references (a file whose bytes changed)."""
        live = {d for d in self.read("documents", ["doc_id"]).column("doc_id").to_pylist() if d}
        removed = 0
        for name in RECORD_DATASETS:
            held = {f.name[5:-8] for f in self.files(name) if f.name.startswith("part-") and f.name != EMPTY}
            for keys in self._compacted(name).values():
                held |= keys
            dead = held - live
            removed += len(dead)
            self._remove(name, dead)
        return removed

    # -- compaction ------------------------------------------------------------------

    def compact(self, max_bytes: int = COMPACT_MAX_BYTES) -> dict[str, int]:
        """Merge small part files into ``compact-*.parquet`` files of up to ``max_bytes``.

        Returns, per dataset, how many files were merged away. Call with the lock held.
        """
        merged: dict[str, int] = {}
        for name in DATASETS:
            small = [f for f in self.files(name) if f.stat().st_size < max_bytes // 2]
            groups: list[list[Path]] = [[]]
            size = 0
            for f in small:
                s = f.stat().st_size
                if groups[-1] and size + s > max_bytes:
                    groups.append([])
                    size = 0
                groups[-1].append(f)
                size += s
            n = 0
            for group in groups:
                if len(group) < 2:
                    continue
                self._compact_group(name, group)
                n += len(group)
            merged[name] = n
        return merged

    def _compact_group(self, name: str, sources: list[Path]) -> None:
        folder = self.root / name
        target = folder / f"compact-{uuid.uuid4().hex}.parquet"
        tmp = folder / f".{target.name}.tmp"
        schema = SCHEMAS[name]
        buf: list[pa.Table] = []
        with pq.ParquetWriter(tmp, schema, compression="zstd", use_dictionary=True) as writer:
            for f in sources:
                buf.append(pq.read_table(f, schema=schema))
                if sum(t.num_rows for t in buf) >= _ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(buf), row_group_size=_ROW_GROUP_ROWS)
                    buf = []
            writer.write_table(pa.concat_tables(buf) if buf else schema.empty_table(), row_group_size=_ROW_GROUP_ROWS)
        _fsync_path(tmp)
        _crash_point("compact:merged")
        entry = self.root / PENDING / f"compact-{uuid.uuid4().hex}.json"
        _write_json_atomic({"dataset": name, "tmp": tmp.name, "target": target.name,
                            "sources": [f.name for f in sources]}, entry)
        _crash_point("compact:journaled")
        self._finish_compaction(entry)

    def _finish_compaction(self, entry: Path) -> None:
        """Roll a journaled compaction forward: delete its sources, move the merged file in place."""
        j = json.loads(entry.read_text("utf-8"))
        folder = self.root / j["dataset"]
        tmp, target = folder / j["tmp"], folder / j["target"]
        if tmp.exists() or target.exists():
            for i, s in enumerate(j["sources"]):
                (folder / s).unlink(missing_ok=True)
                if i == 0:
                    _crash_point("compact:deleting")
            if tmp.exists():
                os.replace(tmp, target)
        entry.unlink()
        self._index.pop(j["dataset"], None)


def _with_path(doc: DocumentRecord, path: str) -> DocumentRecord:
    from dataclasses import replace

    return replace(doc, source_path=path)


def reset(root: Path) -> None:
    """Remove every dataset folder under root (keeps unrelated files)."""
    for name in (*DATASETS, PENDING):
        shutil.rmtree(root / name, ignore_errors=True)


__all__ = ["Dataset", "DatasetLocked", "reset", "key_column"]
