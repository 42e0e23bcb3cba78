"""Run the batch on a ``dask.distributed`` cluster: one task per file, one writer.

``DaskExecutor`` is an ``batch.Executor``: ``run_batch`` decides what to process (the
incremental logic is not duplicated here), the executor submits one Dask task per file
and hands each result back, in completion order, to ``run_batch``'s ``finish`` on the
client, which alone writes the dataset through ``Dataset`` (journal, atomic commits,
lock). Workers read their inputs themselves (a path they can see, or an fsspec URL such
as ``s3://bucket/in/x.pdf``); only the encoded Arrow tables travel back.

Isolation on the worker — who handles which failure:

* **A file that hangs, exhausts memory or crashes the parser**: the task runs the file
  in a ``batch.Sandbox``, the same watched child process as the local pool (one per
  Dask worker thread, kept warm between tasks, recycled after ``TASKS_PER_WORKER``
  files). The time limit, the resident-memory limit and the crash detection are the
  local pool's code, so the failed rows and error texts are identical (``timeout: …``,
  ``memory: …``, ``crash: …``). Dask itself has no per-task time limit, and its memory
  limit acts on the whole worker: the nanny restarts the worker, and the scheduler then
  retries the same poisonous file on the next worker until ``allowed-failures`` workers
  are gone, with ``KilledWorker`` instead of a reason.
* **A Dask worker (or its machine) lost mid-file**: Dask's own means. The nanny restarts
  the worker process; the scheduler re-runs the file's task on another worker (up to
  ``distributed.scheduler.allowed-failures`` times, 3 by default); nothing is written
  before a result reaches the client, so a lost worker loses nothing. After the retries
  the file gets its failed row, ``crash: Dask worker lost while processing the file …``.
* **The Dask worker process itself growing**: its ``memory_limit`` (``LocalCluster``:
  ``--max-memory``; a ``dask worker``: ``--memory-limit``) lets the nanny restart it.

Dask's nanny starts workers as daemonic processes, and ``multiprocessing`` refuses to
start a child from one; the sandbox is started with that flag lifted for the moment of
the start (``_children_allowed``). This is safe: the sandbox is itself a daemon and its
parent-watch thread ends it within a second of its Dask worker dying.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import threading
import uuid
from multiprocessing.connection import wait as mp_wait
from typing import Iterator

from .batch import POLL_SECONDS, TASKS_PER_WORKER, BatchSummary, Finish, Limits, Sandbox, Task
from .contract import EncodedDocument
from .pipeline import RunConfig, encode_or_fail, process_failed

log = logging.getLogger("budgetpdf")

IN_FLIGHT_PER_THREAD = 4  # tasks queued per worker thread: keeps every thread busy, the scheduler small

# -- the worker side ---------------------------------------------------------------------

_sandboxes: dict[int, Sandbox] = {}  # one per Dask worker thread


@contextlib.contextmanager
def _children_allowed() -> Iterator[None]:
    """Let a daemonic process (a nanny's Dask worker) start the sandbox (see module docstring)."""
    config = mp.current_process()._config  # noqa: SLF001 (the flag multiprocessing checks)
    was = config.get("daemon")
    config["daemon"] = False
    try:
        yield
    finally:
        if was is not None:
            config["daemon"] = was


def process_on_worker(source: str, doc_id: str | None, config: RunConfig, limits: Limits) -> tuple[EncodedDocument, int]:
    """The Dask task: one file in this thread's sandbox → (encoded result, sandbox peak RSS in bytes).

    Never raises for a bad file: a timeout, memory overrun or crash becomes its failed row.
    """
    key = threading.get_ident()
    sandbox = _sandboxes.get(key)
    if sandbox is not None and (sandbox.fingerprint != config.fingerprint or not sandbox.proc.is_alive()):
        sandbox.stop()
        sandbox = None
    if sandbox is None:
        with _children_allowed():
            sandbox = _sandboxes[key] = Sandbox(mp.get_context("spawn"), config)
    sandbox.assign(source, doc_id)
    while True:
        ready = mp_wait(sandbox.waitables(), timeout=POLL_SECONDS)
        result, error = sandbox.poll(ready, limits)
        if result is not None:
            if sandbox.n_done >= TASKS_PER_WORKER:
                sandbox.stop()
                del _sandboxes[key]
            return result, sandbox.peak_rss
        if error is not None:
            sandbox.kill()
            del _sandboxes[key]
            return encode_or_fail(process_failed(source, error, doc_id, None, config.fingerprint)), sandbox.peak_rss


def _worker_version() -> str:
    from budgetpdf import __version__

    return __version__


# -- the client side ---------------------------------------------------------------------


class DaskExecutor:
    """Runs ``run_batch``'s files on a Dask cluster.

    ``scheduler``: a scheduler address (``tcp://host:8786``); None starts a
    ``LocalCluster`` of ``jobs`` single-threaded worker processes on this machine, each
    with ``memory_limit`` bytes. Use as a context manager (connects/starts on enter,
    closes what it started on exit). Raises ``RuntimeError`` when a worker runs another
    budgetpdf version than this client (their records would carry the wrong fingerprint).
    """

    def __init__(self, scheduler: str | None = None, jobs: int | None = None, memory_limit: int | None = None):
        self.scheduler = scheduler
        self.jobs = jobs
        self.memory_limit = memory_limit
        self.cluster = None
        self.client = None

    def __enter__(self) -> DaskExecutor:
        from distributed import Client, LocalCluster

        from budgetpdf import __version__

        # the scheduler and nannies of a LocalCluster log INFO lines in this process (start,
        # close, hints); the summary says what matters, so only warnings and errors show
        logging.getLogger("distributed").setLevel(logging.WARNING)
        if self.scheduler:
            self.client = Client(self.scheduler, timeout="30s")
        else:
            self.cluster = LocalCluster(n_workers=self.jobs or 1, threads_per_worker=1, processes=True,
                                        memory_limit=self.memory_limit or "auto", scheduler_port=0,
                                        dashboard_address="127.0.0.1:0", host="127.0.0.1",
                                        silence_logs=logging.ERROR)
            self.client = Client(self.cluster)
        versions = self.client.run(_worker_version)
        wrong = {addr: v for addr, v in versions.items() if v != __version__}
        if wrong:
            self.close()
            raise RuntimeError(f"Dask workers run another budgetpdf version than this client ({__version__}): {wrong}")
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard's address (None when the scheduler serves none, e.g. without bokeh)."""
        try:
            info = self.client.scheduler_info()
            if "dashboard" not in info.get("services", {}):
                return None
            return self.client.dashboard_link
        except Exception:
            return None

    @property
    def n_threads(self) -> int:
        return sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values())

    def describe(self) -> str:
        workers = self.client.scheduler_info()["workers"]
        where = self.scheduler or "LocalCluster"
        return f"dask {where}: {len(workers)} worker(s), {self.n_threads} thread(s)"

    def __call__(self, tasks: list[Task], config: RunConfig, limits: Limits, finish: Finish,
                 summary: BatchSummary) -> None:
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        client = self.client
        # the config (~13 KB pickled, rules included) goes with each task rather than
        # scattered once: scattered data dies with the workers holding it, a task's
        # arguments survive any worker's loss
        pending = list(reversed(tasks))
        of: dict = {}

        def submit_next() -> object | None:
            if not pending:
                return None
            source, doc_id = pending.pop()
            fut = client.submit(process_on_worker, source, doc_id, config, limits,
                                key=f"budgetpdf-file-{uuid.uuid4().hex}", pure=False)
            of[fut.key] = (source, doc_id)
            return fut

        window = max(1, self.n_threads) * IN_FLIGHT_PER_THREAD
        running = as_completed([f for f in (submit_next() for _ in range(min(window, len(tasks)))) if f])
        for fut in running:
            source, doc_id = of.pop(fut.key)
            try:
                out, rss = fut.result()
                summary.peak_rss = max(summary.peak_rss, rss)
            except KilledWorker as e:
                out = encode_or_fail(process_failed(
                    source, f"crash: Dask worker lost while processing the file, on every retry ({e})",
                    doc_id, None, config.fingerprint))
            except Exception as e:  # a task that could not run at all (e.g. a worker without budgetpdf)
                out = encode_or_fail(process_failed(
                    source, f"internal error on the Dask cluster ({type(e).__name__}: {e})", doc_id, None,
                    config.fingerprint))
            fut.release()
            nxt = submit_next()
            if nxt is not None:
                running.add(nxt)
            finish(out)


__all__ = ["DaskExecutor", "process_on_worker"]
