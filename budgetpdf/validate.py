"""Check a written dataset against the output contract (SCHEMA.md); list every problem.

``validate_dataset(dir)`` returns human-readable problems (empty: the dataset is clean).
It checks: the six datasets are present and readable; every file has the contract's
columns with their Arrow types and the schema-version metadata; ``source_path`` is
unique; records exist once per doc_id (no duplicate keys); referential integrity
(records point to an existing document / table); documents rows agree with their records.
``dir`` may be a local folder or an fsspec URL (``s3://bucket/prefix``).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pds
import pyarrow.parquet as pq

from .contract import DATASETS, METADATA, SCHEMAS

# Columns that identify one record: a repeat means a document was stored twice.
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("source_path",),
    "tables": ("doc_id", "table_id"),
    "cells": ("doc_id", "table_id", "row_index", "col_index"),
}
STATUSES = {"ok", "partial", "failed"}
CHECK_STATUSES = {"passed", "failed", "not_run"}
MAX_LISTED = 20


def _url_files(url: str, name: str) -> list[str]:
    from .storage import url_fs

    fs, base = url_fs(url)
    base = base.rstrip("/")
    if fs.isfile(f"{base}/{name}.parquet"):
        return [f"{base}/{name}.parquet"]
    folder = f"{base}/{name}"
    found = fs.find(folder) if fs.isdir(folder) else []
    return sorted(f for f in found if f.endswith(".parquet")
                  and not any(p.startswith((".", "_")) for p in f[len(folder) + 1:].split("/")))


def dataset_files(root: Path | str, name: str) -> list[Path] | list[str]:
    """``<name>.parquet`` or the part files of ``<name>/`` (hidden ``.``/``_`` files are not data).

    For an fsspec URL ``root``: paths inside the URL's filesystem."""
    from .storage import is_url

    if is_url(root):
        return _url_files(str(root), name)
    root = Path(root)
    single = root / f"{name}.parquet"
    if single.is_file():
        return [single]
    folder = root / name
    if not folder.is_dir():
        return []
    return sorted(f for f in folder.rglob("*.parquet") if not any(p.startswith((".", "_")) for p in f.relative_to(folder).parts))


def _check_schema(name: str, f: Path | str, problems: list[str], filesystem=None) -> bool:
    fname = str(f).rsplit("/", 1)[-1]
    try:
        schema = pq.read_schema(str(f), filesystem=filesystem)
    except Exception as e:
        problems.append(f"{name}: {fname}: not a readable Parquet file ({type(e).__name__}: {e})")
        return False
    ok = True
    for field in SCHEMAS[name]:
        i = schema.get_field_index(field.name)
        if i < 0:
            problems.append(f"{name}: {fname}: missing column {field.name} ({field.type})")
            ok = False
        elif not schema.field(i).type.equals(field.type):
            problems.append(f"{name}: {fname}: column {field.name} is {schema.field(i).type}, contract says {field.type}")
            ok = False
    for key, value in METADATA.items():
        got = (schema.metadata or {}).get(key)
        if got != value:
            problems.append(f"{name}: {fname}: metadata {key.decode()} is {got and got.decode()!r}, expected {value.decode()!r}")
    return ok


def _duplicates(table: pa.Table, keys: tuple[str, ...]) -> list[dict]:
    counts = table.select(list(keys)).group_by(list(keys)).aggregate([([], "count_all")])
    return counts.filter(pc.greater(counts["count_all"], 1)).to_pylist()


def _keyset(table: pa.Table, cols: tuple[str, ...]) -> set[tuple]:
    return set(zip(*(table[c].to_pylist() for c in cols))) if table.num_rows else set()


def _listed(problems: list[str], head: str, items: list) -> None:
    if not items:
        return
    shown = ", ".join(str(x) for x in items[:MAX_LISTED])
    more = f" … and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    problems.append(f"{head}: {len(items)}: {shown}{more}")


def validate_dataset(root: Path | str) -> list[str]:
    """Every way the dataset at ``root`` (a folder or an fsspec URL) breaks the contract, as readable lines."""
    from .storage import is_url, open_store

    filesystem = open_store(root).filesystem if is_url(root) else None
    problems: list[str] = []
    tables: dict[str, pa.Table] = {}
    for name in DATASETS:
        files = dataset_files(root, name)
        if not files:
            problems.append(f"{name}: missing (no {name}.parquet and no part files in {name}/)")
            continue
        if all([_check_schema(name, f, problems, filesystem) for f in files]):
            try:
                cols = [f.name for f in SCHEMAS[name]]
                tables[name] = pds.dataset([str(f) for f in files], format="parquet",
                                           filesystem=filesystem).to_table(columns=cols)
            except Exception as e:
                problems.append(f"{name}: cannot be read as one dataset ({type(e).__name__}: {e})")

    for name, keys in UNIQUE_KEYS.items():
        if name in tables:
            dups = _duplicates(tables[name], keys)
            _listed(problems, f"{name}: duplicate {', '.join(keys)} (a record stored more than once)",
                    [tuple(d[k] for k in keys) for d in dups])

    docs = tables.get("documents")
    if docs is not None:
        rows = docs.select(["doc_id", "source_path", "status", "error", "n_tables", "pipeline_version"]).to_pylist()
        _listed(problems, "documents: null source_path", [i for i, r in enumerate(rows) if not r["source_path"]])
        _listed(problems, "documents: status not ok/partial/failed",
                [(r["source_path"], r["status"]) for r in rows if r["status"] not in STATUSES])
        _listed(problems, "documents: null doc_id on a document that did not fail",
                [r["source_path"] for r in rows if not r["doc_id"] and r["status"] != "failed"])
        _listed(problems, "documents: doc_id is not a lowercase hex SHA-256",
                [r["doc_id"] for r in rows if r["doc_id"] and (len(r["doc_id"]) != 64 or r["doc_id"].strip("0123456789abcdef"))])
        _listed(problems, "documents: status not ok but no error message",
                [r["source_path"] for r in rows if r["status"] in ("partial", "failed") and not r["error"]])
        by_id: dict[str, set] = {}
        for r in rows:
            if r["doc_id"]:
                by_id.setdefault(r["doc_id"], set()).add((r["status"], r["n_tables"], r["pipeline_version"]))
        _listed(problems, "documents: rows of one doc_id disagree (two versions of one document)",
                sorted(d for d, v in by_id.items() if len(v) > 1))
        doc_ids = set(by_id)
        for name in DATASETS[1:]:
            if name in tables:
                orphans = set(tables[name]["doc_id"].to_pylist()) - doc_ids
                _listed(problems, f"{name}: doc_id not in documents", sorted(map(str, orphans)))
        if "tables" in tables:
            per_doc: dict[str, int] = {}
            for d in tables["tables"]["doc_id"].to_pylist():
                per_doc[d] = per_doc.get(d, 0) + 1
            wrong = sorted({(d, n, per_doc.get(d, 0)) for d, v in by_id.items() for (s, n, _) in v
                            if s != "failed" and n is not None and n != per_doc.get(d, 0)})
            _listed(problems, "documents: n_tables differs from the rows in tables (doc_id, n_tables, found)", wrong)

    if "tables" in tables:
        table_keys = _keyset(tables["tables"], ("doc_id", "table_id"))
        for name in ("cells", "line_items", "performance_targets", "checks"):
            if name not in tables:
                continue
            t = tables[name]
            if name == "checks":
                t = t.filter(pc.is_valid(t["table_id"]))
            missing = _keyset(t, ("doc_id", "table_id")) - table_keys
            _listed(problems, f"{name}: (doc_id, table_id) not in tables", sorted(missing, key=str))
    if "checks" in tables:
        bad = sorted(set(tables["checks"]["status"].to_pylist()) - CHECK_STATUSES, key=str)
        _listed(problems, "checks: status not passed/failed/not_run", bad)
    problems += _lost_records(tables)
    return problems


def _lost_records(tables: dict[str, pa.Table]) -> list[str]:
    """Records a table row says exist but that are not there (a part file lost or deleted):
    every logical table has cells (at least its header), and ``tables.n_checks_run`` /
    ``n_checks_failed`` count that table's rows in ``checks`` exactly (normalize sets them
    from the checks it emits). A document named here is repaired by re-running it with
    ``--force``."""
    problems: list[str] = []
    if "tables" not in tables:
        return problems
    t = tables["tables"]
    if "cells" in tables:
        without = _keyset(t, ("doc_id", "table_id")) - _keyset(tables["cells"], ("doc_id", "table_id"))
        _listed(problems, "tables: (doc_id, table_id) with no cells (a cells part lost? re-run with --force)",
                sorted(without, key=str))
    if "checks" in tables:
        c = tables["checks"].filter(pc.is_valid(tables["checks"]["table_id"]))
        run: dict[tuple, int] = {}
        failed: dict[tuple, int] = {}
        for d, tid, status in zip(c["doc_id"].to_pylist(), c["table_id"].to_pylist(), c["status"].to_pylist()):
            if status != "not_run":
                run[(d, tid)] = run.get((d, tid), 0) + 1
            if status == "failed":
                failed[(d, tid)] = failed.get((d, tid), 0) + 1
        wrong = [(d, tid, nr, run.get((d, tid), 0)) for d, tid, nr, nf in zip(
                     t["doc_id"].to_pylist(), t["table_id"].to_pylist(), t["n_checks_run"].to_pylist(),
                     t["n_checks_failed"].to_pylist())
                 if nr != run.get((d, tid), 0) or nf != failed.get((d, tid), 0)]
        _listed(problems, "tables: n_checks_run/n_checks_failed differ from the rows in checks "
                          "(doc_id, table_id, n_checks_run, found; a checks part lost? re-run with --force)", wrong)
    return problems


__all__ = ["validate_dataset", "dataset_files"]
