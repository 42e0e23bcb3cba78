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
lines of ``multiprocessing`` pipes and sentinels. Beyond one machine the same watched
worker (``Sandbox``) runs inside each ``dask.distributed`` worker (``cluster.py``).

The executor is pluggable: ``run_batch`` does the incremental logic once (what to skip,
what to redo and why, byte-identical files once, the single writer) and hands the tasks
to an ``Executor``: ``LocalPool`` here, ``cluster.DaskExecutor`` on a cluster.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait as mp_wait
from pathlib import Path
from typing import Callable, Iterable, Protocol

from .contract import DocumentRecord, EncodedDocument
from .dataset import Dataset
from .storage import find_input_urls, is_url, local_copy, sha256_of
from .pipeline import RunConfig, encode_or_fail, fingerprint_changes, process_encoded, process_failed

log = logging.getLogger("budgetpdf")

DEFAULT_TIMEOUT = 600.0
DEFAULT_MAX_MEMORY = 2 * 1024**3
POLL_SECONDS = 0.1
TASKS_PER_WORKER = 50  # recycle workers so memory a parser leaks cannot pile up
HASH_THREADS = 8  # inputs hashed at once by the client (I/O bound; hashlib releases the GIL)
FAULTS_ENV = "BUDGETPDF_TEST_FAULTS"  # test hook: {"file name": "sleep"|"sleep:SECONDS"|"alloc"|"segv"|"recurse"|"exit"}


def find_pdfs(inputs: Iterable[str | Path]) -> list[Path | str]:
    """PDF files named directly, or found recursively (``*.pdf`` in any case) in folders.

    An fsspec URL (``s3://bucket/prefix``) names one object or every ``*.pdf`` below a
    prefix; those are returned as URL strings, local files as ``Path``. Raises
    ``FileNotFoundError`` for an input that does not exist.
    """
    out: list[Path | str] = []
    for item in inputs:
        if is_url(item):
            out.extend(find_input_urls(str(item)))
            continue
        p = Path(item)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf"))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return list(dict.fromkeys(out))


def sha256_file(path: Path | str) -> str | None:
    """SHA-256 (hex) of a file or URL's bytes, None when unreadable."""
    return sha256_of(path)


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
    elif fault and fault.startswith("sleep:"):  # a slow file that then completes normally
        time.sleep(float(fault[6:]))
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


def _process_source(path: str, source: str, config: RunConfig) -> EncodedDocument:
    """``process_encoded`` on a local path, or on a local copy of a URL's object."""
    try:
        with local_copy(path) as local:
            return process_encoded(local, source_path=source, config=config)
    except OSError as e:  # the object could not be fetched
        return encode_or_fail(process_failed(source, f"cannot read file: {e}", fingerprint=config.fingerprint))


STARTED = "started"  # a worker's acknowledgement: the file's clock starts now
STARTUP_SECONDS = 300.0  # a fresh worker's start-up and imports, not counted in a file's time limit


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
    # the parent prints each document's status and error (progress line, summary) and the
    # documents table holds it: the pipeline's own line for it would say it a second time
    quiet = logging.getLogger("budgetpdf.documents")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
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
        out = _process_source(path, source, config)
        try:
            conn.send(out)
        except (BrokenPipeError, OSError):
            return
        except Exception as e:  # an unpicklable result
            conn.send(encode_or_fail(process_failed(
                source, f"internal error: result not transferable ({type(e).__name__}: {e})",
                out.document.doc_id, out.document.page_count, config.fingerprint)))


# -- the parent side ---------------------------------------------------------------------


class Sandbox:
    """One watched worker process: runs files one at a time under the time and memory limits.

    ``assign`` sends a file; ``poll`` (called every ``POLL_SECONDS`` or when the worker's
    pipe or sentinel is ready) returns the worker's result, or the failed row's error text
    when the file ran past ``limits.timeout`` (``timeout: …``), the worker's resident memory
    passed ``limits.max_memory`` (``memory: …``) or the worker died (``crash: …``); the
    caller then kills and replaces it. Used by ``LocalPool`` and, on each Dask worker, by
    ``cluster.process_on_worker``.
    """

    def __init__(self, ctx, config: RunConfig):
        import psutil

        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, config, os.getpid()), daemon=True,
                                name="budgetpdf-worker")
        self.proc.start()
        child.close()
        self.ps = psutil.Process(self.proc.pid)
        self.fingerprint = config.fingerprint
        self.task: tuple[str, str | None] | None = None  # (source, doc_id)
        self.started = 0.0
        self.acknowledged = False  # the worker said STARTED: the file's clock runs
        self.n_done = 0
        self.peak_rss = 0

    def assign(self, source: str, doc_id: str | None) -> None:
        self.task = (source, doc_id)
        self.started = time.monotonic()
        self.acknowledged = False
        self.conn.send((source, source))

    def waitables(self) -> list:
        return [self.conn, self.proc.sentinel]

    def poll(self, ready: list, limits: Limits) -> tuple[EncodedDocument | None, str | None]:
        """(result, None) when the file is done, (None, error) when it must be killed, else (None, None)."""
        if self.conn in ready or self.proc.sentinel in ready:
            try:
                while self.conn.poll():
                    msg = self.conn.recv()
                    if isinstance(msg, str) and msg == STARTED:
                        self.started = time.monotonic()
                        self.acknowledged = True
                        continue
                    self.task = None
                    self.n_done += 1
                    return msg, None
            except (EOFError, OSError):
                pass
            if not self.proc.is_alive():
                self.proc.join(5)
                return None, _death_message(self.proc.exitcode)
            return None, None
        rss = self.rss()  # memory first: a file over both limits is reported for the more specific cause
        self.peak_rss = max(self.peak_rss, rss)
        if rss > limits.max_memory:
            return None, f"memory: worker exceeded {format_size(limits.max_memory)}"
        if not self.acknowledged:  # still starting (imports): not the file's time
            if time.monotonic() - self.started > max(limits.timeout, STARTUP_SECONDS):
                return None, f"crash: worker did not start within {max(limits.timeout, STARTUP_SECONDS):g} s"
        elif time.monotonic() - self.started > limits.timeout:
            return None, f"timeout: extraction took longer than {limits.timeout:g} s"
        return None, None

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


Task = tuple[str, "str | None"]  # (source path or URL, doc_id when readable)
Finish = Callable[[EncodedDocument], None]


class Executor(Protocol):
    """Runs ``(source, doc_id)`` tasks and calls ``finish`` with each file's result, in the
    caller's thread (the single writer), in completion order. Every task gets exactly one
    ``finish``: a file whose worker failed gets its failed row. Updates ``summary.peak_rss``."""

    def __call__(self, tasks: list[Task], config: RunConfig, limits: Limits, finish: Finish,
                 summary: BatchSummary) -> None: ...


@dataclass(frozen=True)
class LocalPool:
    """The executor on this machine: ``jobs`` watched worker processes (``Sandbox``)."""

    jobs: int | None = None

    def __call__(self, tasks: list[Task], config: RunConfig, limits: Limits, finish: Finish,
                 summary: BatchSummary) -> None:
        run_pool(tasks, max(1, min(self.jobs or os.cpu_count() or 1, len(tasks))), config, limits, finish, summary)


def run_pool(tasks: list[Task], jobs: int, config: RunConfig, limits: Limits,
             finish: Finish, summary: BatchSummary | None = None) -> None:
    """Process ``(source, doc_id)`` tasks in ``jobs`` watched worker processes; ``finish`` each result."""
    ctx = mp.get_context("spawn")  # no fork of a threaded parent; workers start clean
    queue = deque(tasks)
    workers: list[Sandbox] = []
    try:
        while queue or any(w.task for w in workers):
            while queue and sum(1 for w in workers if w.task is None) == 0 and len(workers) < jobs:
                workers.append(Sandbox(ctx, config))
            for w in workers:
                if w.task is None and queue:
                    w.assign(*queue.popleft())
            busy = [w for w in workers if w.task]
            ready = mp_wait([x for w in busy for x in w.waitables()], timeout=POLL_SECONDS)
            for w in busy:
                source, doc_id = w.task
                result, error = w.poll(ready, limits)
                if summary is not None:
                    summary.peak_rss = max(summary.peak_rss, w.peak_rss)
                if result is not None:
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
    executor: Executor | None = None,
) -> BatchSummary:
    """Process every PDF under ``inputs`` into the dataset at ``out_dir``.

    ``inputs`` and ``out_dir`` may be local paths or fsspec URLs (``s3://bucket/prefix``).
    ``executor`` runs the files (default ``LocalPool(jobs)``; ``cluster.DaskExecutor`` on
    a Dask cluster); whichever runs them, this process alone writes the dataset.

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
        with ThreadPoolExecutor(HASH_THREADS) as pool:  # on an object store each read waits on a GET
            digests = list(pool.map(sha256_file, files))
        for f, digest in zip(files, digests):
            source = str(f)
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
            fresh = doc.doc_id not in known and not any(p in by_path for p in [doc.source_path, *others])
            try:
                dataset.write(out, also_paths=others, fresh=fresh)
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
            (executor or LocalPool(jobs))(tasks, config, Limits(timeout, max_memory), finish, summary)
        dataset.gc()
        dataset.ensure_all()
        dataset.drop_empty_placeholders()
    summary.seconds = time.perf_counter() - started
    return summary
