"""Batch runs over files and folders: incremental, parallel, one bad file never stops it."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from .dataset import Dataset, DocumentOutput
from .pipeline import PIPELINE_VERSION, process_file

log = logging.getLogger("budgetpdf")


def find_pdfs(inputs: Iterable[str | Path]) -> list[Path]:
    """PDF files named directly, or found recursively (``*.pdf`` in any case) in folders."""
    out: list[Path] = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf"))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return list(dict.fromkeys(out))


def sha256_file(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


@dataclass
class BatchSummary:
    statuses: Counter = field(default_factory=Counter)
    table_types: Counter = field(default_factory=Counter)
    checks_failed: int = 0
    checks_run: int = 0
    skipped: int = 0
    pages: int = 0
    seconds: float = 0.0
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.statuses["failed"] or self.statuses["partial"] else 0

    def add(self, out: DocumentOutput) -> None:
        doc = out.document
        self.statuses[doc.status] += 1
        self.pages += doc.page_count or 0
        for t in out.tables:
            self.table_types[t.table_type] += 1
        self.checks_run += sum(1 for c in out.checks if c.status != "not_run")
        self.checks_failed += sum(1 for c in out.checks if c.status == "failed")
        if doc.status != "ok":
            self.failures.append((doc.source_path, f"{doc.status}: {doc.error}"))


def _work(path: str, engine: str) -> DocumentOutput:
    return process_file(path, source_path=path, engine=engine)


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    jobs: int | None = None,
    engine: str = "pdfplumber",
    force: bool = False,
    on_done: Callable[[DocumentOutput | None, str], None] | None = None,
) -> BatchSummary:
    """Process every PDF under ``inputs`` into the dataset at ``out_dir``."""
    started = time.perf_counter()
    files = find_pdfs(inputs)
    dataset = Dataset(out_dir)
    redo = set(dataset.recover())
    if redo:
        log.warning("recovered %d document(s) left in flight by an interrupted run", len(redo))
    known = {row["doc_id"]: row for row in dataset.documents() if row["doc_id"]}
    by_path = {row["source_path"]: row for row in dataset.documents()}
    summary = BatchSummary()
    todo: list[str] = []
    seen_ids: dict[str, str] = {}
    for f in files:
        source = str(f)
        digest = sha256_file(f)
        prior = known.get(digest) if digest else None
        if (not force and prior and prior["status"] in ("ok", "partial") and prior["pipeline_version"] == PIPELINE_VERSION
                and digest not in redo):
            summary.skipped += 1
            if source not in by_path:  # same bytes under a new path: one more documents row
                from budgetpdf.normalize.records import DocumentRecord

                fields = {k: prior[k] for k in DocumentRecord.__dataclass_fields__}
                dataset.write_document_row(DocumentRecord(**{**fields, "source_path": source}))
            if on_done:
                on_done(None, source)
            continue
        if digest and digest in seen_ids:  # byte-identical to a file earlier in this run
            todo.append(source)
            continue
        if digest:
            seen_ids[digest] = source
        todo.append(source)
    jobs = max(1, jobs or os.cpu_count() or 1)
    done_ids: dict[str, DocumentOutput] = {}

    def finish(out: DocumentOutput) -> None:
        doc = out.document
        if doc.doc_id and doc.doc_id in done_ids and done_ids[doc.doc_id].document.status != "failed":
            first = done_ids[doc.doc_id].document
            dataset.write_document_row(replace(first, source_path=doc.source_path))
            summary.add(DocumentOutput(replace(first, source_path=doc.source_path)))
        else:
            dataset.write(out)
            summary.add(out)
            if doc.doc_id:
                done_ids[doc.doc_id] = out
        if on_done:
            on_done(out, doc.source_path)

    if jobs == 1 or len(todo) <= 1:
        for source in todo:
            finish(_work(source, engine))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            pending: dict[Future, str] = {}
            queue = list(todo)
            while queue or pending:
                while queue and len(pending) < jobs * 2:
                    s = queue.pop(0)
                    pending[pool.submit(_work, s, engine)] = s
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    source = pending.pop(fut)
                    try:
                        finish(fut.result())
                    except Exception as e:  # the worker died: record it, go on
                        from .pipeline import process_failed

                        finish(process_failed(source, f"worker crashed: {type(e).__name__}: {e}"))
    dataset.ensure_all()
    dataset.drop_empty_placeholders()
    summary.seconds = time.perf_counter() - started
    return summary
