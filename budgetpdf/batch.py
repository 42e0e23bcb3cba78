"""Batch runs over files and folders: incremental, isolated, one bad file never stops it.

Each file is processed in a worker process of a small pool of our own. The parent
watches every worker: a file that runs longer than ``timeout`` seconds, a worker whose
resident memory exceeds ``max_memory`` bytes (polled with psutil), and a worker that dies
(segfault, abort, OOM kill) each become a ``failed`` documents row with a clear error;
the worker is replaced and the batch goes on. The worker runs the whole chain,
extract → normalize → encode (``pipeline.process_encoded``), so a document whose records
do not fit the contract also becomes its failed row there; only the parent writes.

Why our own pool and not ``concurrent.futures``, pebble or loky: ``concurrent.futures``
breaks for good when one worker dies; pebble and loky replace dead workers and pebble
enforces per-task timeouts, but none of them limits a worker's *resident memory* and
kills only the task that exceeds it, which is the failure mode of PDF parsing here (a
stream inflating without end) and what ``--max-memory`` promises. The pool is ~150
lines of ``multiprocessing`` pipes and sentinels; ``dask.distributed`` (its nanny's
memory limit) is the choice beyond one machine.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait as mp_wait
from pathlib import Path
from typing import Callable, Iterable

from .contract import DocumentRecord, EncodedDocument
from .dataset import Dataset
from .pipeline import RunConfig, encode_or_fail, fingerprint_changes, process_encoded, process_failed

log = logging.getLogger("budgetpdf")

DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_MEMORY = 2 * 1024**3
POLL_SECONDS = 0.1
TASKS_PER_WORKER = 50  # recycle workers so memory a parser leaks cannot pile up
FAULTS_ENV = "BUDGETPDF_TEST_FAULTS"  # test hook: {"file name": "sleep"|"alloc"|"segv"|"recurse"|"exit"}


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


def parse_size(text: str | int) -> int:
    """``2GiB``, ``2G``, ``512M``, ``512MB``, ``1500000`` → bytes (binary units)."""
    if isinstance(text, int):
        return text
    s = str(text).strip().upper().replace(" ", "")
    for suffix in ("IB", "B"):
        if s.endswith(suffix) and s[: -len(suffix)][-1:] in "KMGT":
            s = s[: -len(suffix)]
            break
    mult = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}.get(s[-1:], 1)
    number = s[:-1] if s[-1:] in "KMGT" else s.rstrip("B")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (try 2GiB, 512M)") from None
    if value <= 0:
        raise ValueError(f"size must be positive: {text!r}")
    return int(value * mult)


def format_size(n: int) -> str:
    return f"{n / 1024**3:.1f} GiB" if n >= 1024**3 else f"{n / 1024**2:.0f} MiB"


@dataclass(frozen=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT  # seconds per file
    max_memory: int = DEFAULT_MAX_MEMORY  # resident bytes per worker


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
    peak_rss: int = 0  # largest worker resident memory seen, bytes
    redone: Counter = field(default_factory=Counter)  # why documents already in the dataset were redone

    @property
    def exit_code(self) -> int:
        return 1 if self.statuses["failed"] or self.statuses["partial"] else 0

    def add(self, out: EncodedDocument, records: bool = True) -> None:
        doc = out.document
        self.statuses[doc.status] += 1
        if not records:
            return
        self.pages += doc.page_count or 0
        self.table_types.update(out.column("tables", "table_type"))
        statuses = Counter(out.column("checks", "status"))
        self.checks_run += statuses["passed"] + statuses["failed"]
        self.checks_failed += statuses["failed"]

    def add_failure(self, doc) -> None:
        if doc.status != "ok":
            self.failures.append((doc.source_path, f"{doc.status}: {doc.error}"))


# -- the worker side ---------------------------------------------------------------------


def _inject_fault(source: str) -> None:
    """Test hook (inactive unless FAULTS_ENV is set): misbehave on a given file name."""
    faults = os.environ.get(FAULTS_ENV)
    if not faults:
        return
    fault = json.loads(faults).get(Path(source).name)
    if fault == "sleep":
        time.sleep(3600)
    elif fault == "alloc":  # a stream inflating without end
        hog = []
        while True:
            hog.append(bytearray(50 * 1024**2))
            time.sleep(0.01)
    elif fault == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif fault == "recurse":  # recursion past the C stack: the interpreter crashes
        import sys

        sys.setrecursionlimit(10**9)

        def down(n):
            return down(n + 1) + 1

        down(0)
    elif fault == "exit":
        os._exit(3)


def _watch_parent(parent_pid: int) -> None:
    while True:  # a worker must not outlive a parent killed with -9
        if os.getppid() != parent_pid:
            os._exit(0)
        time.sleep(1)


STARTED = "started"  # a worker's acknowledgement: the file's clock starts now


def _warm_up(config: RunConfig) -> None:
    """Import the engine's libraries before the first task, so a file's time limit does not
    pay for interpreter start-up and imports (seconds on a loaded machine)."""
    try:
        from budgetpdf.extract.engines import get_engine

        get_engine(config.engine)
        import pypdfium2  # noqa: F401  (every engine opens the file with pdfium first)

        if config.engine != "pdfium":  # pdfplumber and camelot read glyphs through pdfminer
            import pdfplumber  # noqa: F401
    except Exception:  # a broken install shows up as the file's error, not here
        pass


def _worker_main(conn, config: RunConfig, parent_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    _warm_up(config)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        path, source = task
        try:
            conn.send(STARTED)
        except (BrokenPipeError, OSError):
            return
        _inject_fault(source)
        out = process_encoded(path, source_path=source, config=config)
        try:
            conn.send(out)
        except (BrokenPipeError, OSError):
            return
        except Exception as e:  # an unpicklable result
            conn.send(encode_or_fail(process_failed(
                source, f"internal error: result not transferable ({type(e).__name__}: {e})",
                out.document.doc_id, out.document.page_count, config.fingerprint)))


# -- the parent side ---------------------------------------------------------------------


class _Worker:
    def __init__(self, ctx, config: RunConfig):
        import psutil

        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, config, os.getpid()), daemon=True,
                                name="budgetpdf-worker")
        self.proc.start()
        child.close()
        self.ps = psutil.Process(self.proc.pid)
        self.task: tuple[str, str | None] | None = None  # (source, doc_id)
        self.started = 0.0
        self.n_done = 0

    def assign(self, source: str, doc_id: str | None) -> None:
        self.task = (source, doc_id)
        self.started = time.monotonic()
        self.conn.send((source, source))

    def rss(self) -> int:
        try:
            return self.ps.memory_info().rss
        except Exception:
            return 0

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.proc.join(2)
        self.kill()


def _death_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "?"
        return f"crash: worker died (signal {-exitcode}, {name})"
    return f"crash: worker exited unexpectedly (exit code {exitcode})"


def run_pool(tasks: list[tuple[str, str | None]], jobs: int, config: RunConfig, limits: Limits,
             finish: Callable[[EncodedDocument], None], summary: BatchSummary | None = None) -> None:
    """Process ``(source, doc_id)`` tasks in ``jobs`` watched worker processes; ``finish`` each result."""
    ctx = mp.get_context("spawn")  # no fork of a threaded parent; workers start clean
    queue = deque(tasks)
    workers: list[_Worker] = []
    try:
        while queue or any(w.task for w in workers):
            while queue and sum(1 for w in workers if w.task is None) == 0 and len(workers) < jobs:
                workers.append(_Worker(ctx, config))
            for w in workers:
                if w.task is None and queue:
                    w.assign(*queue.popleft())
            busy = [w for w in workers if w.task]
            ready = mp_wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=POLL_SECONDS)
            now = time.monotonic()
            for w in busy:
                source, doc_id = w.task
                result: EncodedDocument | None = None
                error: str | None = None
                if w.conn in ready or w.proc.sentinel in ready:
                    try:
                        while w.conn.poll():
                            msg = w.conn.recv()
                            if isinstance(msg, str) and msg == STARTED:
                                w.started = time.monotonic()
                                continue
                            result = msg
                            break
                    except (EOFError, OSError):
                        pass
                    if result is None and not w.proc.is_alive():
                        w.proc.join(5)
                        error = _death_message(w.proc.exitcode)
                else:  # memory first: a file over both limits is reported for the more specific cause
                    rss = w.rss()
                    if summary is not None:
                        summary.peak_rss = max(summary.peak_rss, rss)
                    if rss > limits.max_memory:
                        error = f"memory: worker exceeded {format_size(limits.max_memory)}"
                    elif now - w.started > limits.timeout:
                        error = f"timeout: extraction took longer than {limits.timeout:g} s"
                if result is not None:
                    w.task = None
                    w.n_done += 1
                    if w.n_done >= TASKS_PER_WORKER:
                        w.stop()
                        workers.remove(w)
                    finish(result)
                elif error is not None:
                    w.kill()
                    workers.remove(w)
                    finish(encode_or_fail(process_failed(source, error, doc_id, None, config.fingerprint)))
    finally:
        for w in workers:
            if w.task:
                w.kill()
            else:
                w.stop()


def run_batch(
    inputs: Iterable[str | Path],
    out_dir: str | Path,
    *,
    jobs: int | None = None,
    engine: str | None = None,
    config: RunConfig | None = None,
    force: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory: int = DEFAULT_MAX_MEMORY,
    on_done: Callable[[EncodedDocument | None, str], None] | None = None,
) -> BatchSummary:
    """Process every PDF under ``inputs`` into the dataset at ``out_dir``.

    Skips files whose bytes are in the dataset as ok/partial with the same run fingerprint
    (``RunConfig.fingerprint``: package version, engine, settings, rule files, OCR reader) unless
    ``force``; a document whose fingerprint differs is redone and ``summary.redone`` says
    why. Retries failed ones; byte-identical files are processed once and get one
    documents row each. Raises ``DatasetLocked`` if another run writes there. Workers
    are started with ``spawn``: a script calling this must guard its top level with
    ``if __name__ == "__main__":`` (the usual multiprocessing rule).
    """
    started = time.perf_counter()
    config = config or RunConfig()
    if engine is not None and engine != config.engine:
        config = RunConfig(engine, config.settings, config.rules)
    fp = config.fingerprint
    files = find_pdfs(inputs)
    dataset = Dataset(out_dir)
    with dataset.lock():
        redo = set(dataset.recover())
        if redo:
            log.warning("recovered %d document(s) left in flight by an interrupted run", len(redo))
        rows = dataset.documents()
        known = {row["doc_id"]: row for row in rows if row["doc_id"]}
        paths_of: dict[str, list[str]] = {}
        for row in rows:
            if row["doc_id"]:
                paths_of.setdefault(row["doc_id"], []).append(row["source_path"])
        by_path = {row["source_path"]: row for row in rows}
        summary = BatchSummary()
        groups: dict[str, list[str]] = {}  # doc_id → sources with those bytes, first one processed
        unreadable: list[str] = []
        for f in files:
            source = str(f)
            digest = sha256_file(f)
            if digest is None:
                unreadable.append(source)
                continue
            prior = known.get(digest)
            done_before = prior is not None and prior["status"] in ("ok", "partial")
            if not force and done_before and prior["pipeline_version"] == fp and digest not in redo:
                summary.skipped += 1
                if by_path.get(source, {}).get("doc_id") != digest:  # same bytes under a new path
                    fields = {k: prior[k] for k in DocumentRecord.__dataclass_fields__}
                    dataset.write_document_row(DocumentRecord(**{**fields, "source_path": source}))
                if on_done:
                    on_done(None, source)
                continue
            if done_before and digest not in groups:
                why = "forced" if force else "interrupted" if digest in redo else \
                    " and ".join(fingerprint_changes(prior["pipeline_version"], fp)) + " changed"
                summary.redone[why] += 1
            groups.setdefault(digest, []).append(source)

        def finish(out: EncodedDocument) -> None:
            doc = out.document
            sources = groups.get(doc.doc_id, [doc.source_path]) if doc.doc_id else [doc.source_path]
            others = [s for s in sources if s != doc.source_path]
            others += [p for p in paths_of.get(doc.doc_id, []) if p not in sources and doc.doc_id]
            try:
                dataset.write(out, also_paths=others)
            except Exception as e:  # the document's records could not be stored: keep its row, say why
                log.exception("%s: writing failed", doc.source_path)
                out = encode_or_fail(process_failed(doc.source_path, f"internal error while writing ({type(e).__name__}: {e})",
                                                    doc.doc_id, doc.page_count, fp))
                doc = out.document
                dataset.write(out, also_paths=others)
            summary.add(out)
            summary.add_failure(doc)
            if on_done:
                on_done(out, doc.source_path)
            for s in sources[1:]:
                dup = EncodedDocument(replace(doc, source_path=s), {})
                summary.add(dup, records=False)
                summary.add_failure(dup.document)
                if on_done:
                    on_done(dup, s)

        for source in unreadable:
            finish(encode_or_fail(process_failed(source, "cannot read file", fingerprint=fp)))
        tasks = [(sources[0], digest) for digest, sources in groups.items()]
        if tasks:
            run_pool(tasks, max(1, min(jobs or os.cpu_count() or 1, len(tasks))), config,
                     Limits(timeout, max_memory), finish, summary)
        dataset.gc()
        dataset.ensure_all()
        dataset.drop_empty_placeholders()
    summary.seconds = time.perf_counter() - started
    return summary
