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
                                                        (on an object store: a leased lock object)

Writing a document (``Dataset.write``): journal entry (doc_id and every source_path that
shares it) → remove every trace of that doc_id / those paths (their own part files, and
their rows inside compacted files, which are rewritten without them; nothing to remove
for a document new to the dataset) → write the record parts → write the documents parts
last → delete the journal entry. Every file lands with
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

Durability: in a local folder every part file and journal entry is fsynced before the
rename that commits it, and its folder after, so a power cut (not only ``kill -9``)
leaves each file either absent, old, or complete.

On an object store (``OUT`` an fsspec URL such as ``s3://bucket/prefix``) the same
protocol runs through ``storage.ObjectStore``, which has no rename and no flock. It relies
instead on single-object PUT atomicity (every part and journal entry is one PUT under its
final key, visible whole or not at all), strong list-after-write consistency (what
``recover()`` lists is what a killed run wrote), the journal above (unchanged), copy +
delete for compaction's one rename (covered by the compaction journal), and a lock object
``_lock`` created with a conditional write (``If-None-Match: *``) and held by a lease
that a heartbeat renews; a lease that runs out (``kill -9`` of the writer) lets the next
run take the lock over. ``storage.py`` says exactly what each step assumes.

Why a plain folder of Parquet part files and not Delta Lake or Iceberg: the contract
promises dashboards that duckdb, pandas, polars and pyarrow read each dataset with one
path or glob and no table-format library; a transaction log would add a reader
dependency for guarantees the journal already gives to our single writer.

Local folders: POSIX only (the writer lock is ``fcntl.flock`` and commits rely on
``os.replace`` being atomic within one folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .contract import DATASETS, RECORD_DATASETS, SCHEMAS, DocumentRecord, EncodedDocument, to_arrow
from .storage import LOCK, DatasetLocked, Store, is_url, open_store

PENDING = "_pending"
EMPTY = "part-empty.parquet"
COMPACT_MAX_BYTES = 256 * 1024 * 1024
_ROW_GROUP_ROWS = 256_000


def key_column(name: str) -> str:
    """The column a dataset's rows belong to a unit by: source_path for documents, else doc_id."""
    return "source_path" if name == "documents" else "doc_id"


def _crash_point(name: str) -> None:
    """Test hook: ``BUDGETPDF_TEST_CRASH_AT=name`` kills this process here (kill -9 tests)."""
    if os.environ.get("BUDGETPDF_TEST_CRASH_AT") == name:
        os.kill(os.getpid(), 9)


def source_key(source_path: str) -> str:
    return hashlib.sha256(source_path.encode("utf-8")).hexdigest()[:32]


def _is_data(file_name: str) -> bool:
    return file_name.endswith(".parquet") and not file_name.startswith((".", "_"))


class Dataset:
    """The six datasets under one root: a local folder, or an fsspec URL (``s3://bucket/prefix``)."""

    def __init__(self, root: Path | str, store: Store | None = None):
        self.store = store or open_store(root)
        self.root = self.store.root  # a Path for a local folder, the URL otherwise
        self._index: dict[str, dict[str, set[str]]] = {}

    # -- reading ---------------------------------------------------------------------

    def names(self, name: str) -> list[str]:
        """File names of one dataset's data files (what a ``*.parquet`` glob reads)."""
        return [f for f in self.store.list(name) if _is_data(f)]

    def files(self, name: str) -> list[str]:
        """The data files of one dataset: local paths, or paths inside the URL's filesystem."""
        return [self.store.location(f"{name}/{f}") for f in self.names(name)]

    def read(self, name: str, columns: list[str] | None = None) -> pa.Table:
        keys = [f"{name}/{f}" for f in self.names(name)]
        if not keys:
            return to_arrow(name, []).select(columns) if columns else to_arrow(name, [])
        return self.store.dataset(keys, schema=SCHEMAS[name]).to_table(columns=columns)

    def documents(self) -> list[dict]:
        return self.read("documents").to_pylist()

    def _compacted(self, name: str) -> dict[str, set[str]]:
        """Compacted files of a dataset (file names) and the keys (doc_id / source_path) each holds."""
        if name not in self._index:
            key = key_column(name)
            self._index[name] = {
                f: set(self.store.read_table(f"{name}/{f}", columns=[key]).column(key).drop_null().unique().to_pylist())
                for f in self.names(name) if f.startswith("compact-")
            }
        return self._index[name]

    # -- locking ---------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the dataset's writer lock (flock locally; a leased lock object on a store)."""
        with self.store.lock():
            yield

    # -- writing ---------------------------------------------------------------------

    def ensure_all(self) -> None:
        """Every dataset exists after a run, even with zero rows (a file with the schema)."""
        for name in DATASETS:
            if not self.names(name):
                self.store.write_table(to_arrow(name, []), f"{name}/{EMPTY}")

    def _remove(self, name: str, keys: set[str]) -> None:
        """Remove every row of ``keys`` from dataset ``name``: their parts and inside compacted files."""
        if not keys:
            return
        for k in keys:
            part = source_key(k) if name == "documents" else k
            self.store.delete(f"{name}/part-{part}.parquet")
        index = self._compacted(name)
        for f, held in list(index.items()):
            if not held & keys:
                continue
            col = key_column(name)
            table = self.store.read_table(f"{name}/{f}")
            keep = table.filter(pc.invert(pc.fill_null(pc.is_in(table[col], value_set=pa.array(sorted(keys))), False)))
            if keep.num_rows:
                self.store.write_table(keep.replace_schema_metadata(SCHEMAS[name].metadata), f"{name}/{f}")
                index[f] = held - keys
            else:
                self.store.delete(f"{name}/{f}")
                del index[f]

    def _journal(self, doc_id: str | None, source_paths: list[str], records: bool) -> str:
        self.store.check_lock()
        entry = f"{PENDING}/doc-{uuid.uuid4().hex}.json"
        self.store.write_json({"doc_id": doc_id, "source_paths": source_paths, "records": records}, entry)
        return entry

    def write(self, out: EncodedDocument, also_paths: Iterable[str] = (), fresh: bool = False) -> None:
        """Replace this document (its records, once) and the documents row of its file.

        ``also_paths``: other files with the same bytes; they get the same documents row
        with their own source_path, so all rows of one doc_id agree. ``fresh``: the caller
        read the documents dataset (under the lock, after ``recover()``) and neither this
        doc_id nor these paths are in it, so there is nothing to remove (``gc`` after each
        run leaves no records without a documents row): skips one delete per dataset, which
        on an object store is one request each. Raises ``DatasetLocked`` when an object
        store's lock was lost (nothing is written then).
        """
        doc = out.document
        paths = list(dict.fromkeys([doc.source_path, *also_paths]))
        entry = self._journal(doc.doc_id, paths, records=bool(doc.doc_id))
        if not fresh:
            self._remove("documents", set(paths))
        if doc.doc_id:
            parts = {}
            for name in RECORD_DATASETS:
                if not fresh:
                    self._remove(name, {doc.doc_id})
                _crash_point(f"write:{name}")
                table = out.records.get(name)
                if table is not None and table.num_rows:
                    parts[f"{name}/part-{doc.doc_id}.parquet"] = table
                if not self.store.concurrent_writes:  # a folder: one file after the other
                    self.store.write_tables(parts)
                    parts = {}
            self.store.write_tables(parts)  # an object store: concurrent PUTs, one round trip
        for p in paths:
            _crash_point("write:documents")
            row = doc if p == doc.source_path else _with_path(doc, p)
            self.store.write_table(to_arrow("documents", [row]), f"documents/part-{source_key(p)}.parquet")
        self.store.delete(entry)

    def write_document_row(self, doc: DocumentRecord) -> None:
        """Add or replace one documents row only (a second path to bytes already processed)."""
        entry = self._journal(None, [doc.source_path], records=False)
        self._remove("documents", {doc.source_path})
        self.store.write_table(to_arrow("documents", [doc]), f"documents/part-{source_key(doc.source_path)}.parquet")
        self.store.delete(entry)

    def recover(self) -> list[str]:
        """Finish interrupted compactions, undo documents a killed run left in flight.

        Returns the doc_ids undone (the next run redoes them). Call with the lock held.
        """
        undone: list[str] = []
        pending = self.store.list(PENDING)
        for entry in (f for f in pending if f.startswith("compact-") and f.endswith(".json")):
            self._finish_compaction(f"{PENDING}/{entry}")
        for entry in (f for f in pending if f.startswith("doc-") and f.endswith(".json")):
            j = self.store.read_json(f"{PENDING}/{entry}")
            self._remove("documents", set(j["source_paths"]))
            if j["records"] and j["doc_id"]:
                for name in RECORD_DATASETS:
                    self._remove(name, {j["doc_id"]})
                undone.append(j["doc_id"])
            self.store.delete(f"{PENDING}/{entry}")
        for folder in (PENDING, *DATASETS):  # temp files of an interrupted write or compaction
            for f in self.store.list(folder):
                if f.startswith(".") and f.endswith(".tmp"):
                    self.store.delete(f"{folder}/{f}")
        return undone

    def drop_empty_placeholders(self) -> None:
        for name in DATASETS:
            names = self.names(name)
            if EMPTY in names and len(names) > 1:
                self.store.delete(f"{name}/{EMPTY}")

    def gc(self) -> int:
        """Remove records whose doc_id no documents row references (a file whose bytes changed)."""
        live = {d for d in self.read("documents", ["doc_id"]).column("doc_id").to_pylist() if d}
        removed = 0
        for name in RECORD_DATASETS:
            held = {f[5:-8] for f in self.names(name) if f.startswith("part-") and f != EMPTY}
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
            sizes = {f: self.store.size(f"{name}/{f}") for f in self.names(name)}
            small = [f for f, s in sizes.items() if s < max_bytes // 2]
            groups: list[list[str]] = [[]]
            size = 0
            for f in small:
                s = sizes[f]
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

    def _compact_group(self, name: str, sources: list[str]) -> None:
        target = f"compact-{uuid.uuid4().hex}.parquet"
        tmp = f".{target}.tmp"
        schema = SCHEMAS[name]
        buf: list[pa.Table] = []
        with self.store.open_write(f"{name}/{tmp}") as stream, \
                pq.ParquetWriter(stream, schema, compression="zstd", use_dictionary=True) as writer:
            for f in sources:
                buf.append(self.store.read_table(f"{name}/{f}", schema=schema))
                if sum(t.num_rows for t in buf) >= _ROW_GROUP_ROWS:
                    writer.write_table(pa.concat_tables(buf), row_group_size=_ROW_GROUP_ROWS)
                    buf = []
            writer.write_table(pa.concat_tables(buf) if buf else schema.empty_table(), row_group_size=_ROW_GROUP_ROWS)
        _crash_point("compact:merged")
        self.store.check_lock()
        entry = f"{PENDING}/compact-{uuid.uuid4().hex}.json"
        self.store.write_json({"dataset": name, "tmp": tmp, "target": target, "sources": sources}, entry)
        _crash_point("compact:journaled")
        self._finish_compaction(entry)

    def _finish_compaction(self, entry: str) -> None:
        """Roll a journaled compaction forward: delete its sources, move the merged file in place."""
        j = self.store.read_json(entry)
        name = j["dataset"]
        tmp, target = f"{name}/{j['tmp']}", f"{name}/{j['target']}"
        tmp_exists = self.store.exists(tmp)
        if tmp_exists or self.store.exists(target):
            for i, s in enumerate(j["sources"]):
                self.store.delete(f"{name}/{s}")
                if i == 0:
                    _crash_point("compact:deleting")
            if tmp_exists:
                self.store.move(tmp, target)
        self.store.delete(entry)
        self._index.pop(name, None)


def _with_path(doc: DocumentRecord, path: str) -> DocumentRecord:
    from dataclasses import replace

    return replace(doc, source_path=path)


def reset(root: Path | str) -> None:
    """Remove every dataset folder under root (keeps unrelated files)."""
    if is_url(root):
        store = open_store(root)
        for name in (*DATASETS, PENDING):
            for f in store.list(name):
                store.delete(f"{name}/{f}")
        return
    for name in (*DATASETS, PENDING):
        shutil.rmtree(Path(root) / name, ignore_errors=True)


__all__ = ["Dataset", "DatasetLocked", "LOCK", "reset", "key_column"]
