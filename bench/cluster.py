"""Throughput of the local pool vs the Dask executor, the Dask overhead per file, and the
cost of the single writer (local folder and S3 emulation).

    python bench/cluster.py                       # fixtures/docs + ../shared/corpus/real, 1 2 4 workers
    python bench/cluster.py --workers 2 --inputs fixtures/docs
    python bench/cluster.py --skip-throughput     # overhead and writer cost only

Throughput: each worker count runs the same folder with ``--force`` into a fresh dataset,
local pool then a ``LocalCluster`` of as many single-thread workers (cluster start-up
timed apart, as a cluster outlives many batches). Overhead per file: ``N_TINY`` distinct
two-page files (``fixtures/bad/no-tables.pdf`` padded), where extraction is cheapest, on
both executors with 2 workers: (dask - local) / files. Writer: time inside
``Dataset.write`` per document and store operations per document, locally and into moto's
S3 server on loopback (no network latency: multiply the operations by a real store's).
Prints the 1-minute load average before and after each run (the machine may be shared)
and, for the local pool, pages per worker CPU-second: the rate of one worker with a core
of its own, which a loaded machine's wall-clock pages/s understates.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "corpus" / "real"
SMALL = ROOT / "fixtures" / "bad" / "no-tables.pdf"
N_TINY = 40


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def run(inputs, executor, label: str) -> dict:
    from budgetpdf.batch import run_batch

    with tempfile.TemporaryDirectory() as out:
        l0 = load()
        c0 = _children_cpu()
        s = run_batch(inputs, out, executor=executor, force=True)
        cpu = _children_cpu() - c0  # the local pool's workers (reaped by this process); 0 for Dask's
        row = {"run": label, "files": sum(s.statuses.values()), "pages": s.pages, "seconds": s.seconds,
               "pages_s": s.pages / s.seconds, "load": f"{l0}→{load()}", "cpu": cpu}
    per_cpu = f"  {s.pages / cpu:5.2f} pages per worker CPU-second" if cpu > 1 else ""
    print(f"  {row['run']:<24} {row['files']:>4} files {row['pages']:>5} pages {row['seconds']:7.1f} s "
          f"{row['pages_s']:6.2f} pages/s  load {row['load']}{per_cpu}", flush=True)
    return row


def _children_cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def throughput(inputs, workers: list[int]) -> None:
    from budgetpdf.batch import LocalPool
    from budgetpdf.cluster import DaskExecutor

    print(f"throughput over {', '.join(map(str, inputs))} (cores: {os.cpu_count()})")
    for n in workers:
        run(inputs, LocalPool(n), f"local pool, {n} worker(s)")
        t = time.perf_counter()
        with DaskExecutor(jobs=n, memory_limit=2 * 1024**3) as ex:
            print(f"  (LocalCluster of {n} started in {time.perf_counter() - t:.1f} s)", flush=True)
            run(inputs, ex, f"dask LocalCluster, {n}")


def overhead() -> None:
    """Marginal seconds per file on each executor: (T(2N files) - T(N files)) / N, so worker
    and cluster start-up cancel out; the difference is what the Dask path adds per file."""
    from budgetpdf.batch import LocalPool
    from budgetpdf.cluster import DaskExecutor

    with tempfile.TemporaryDirectory() as d:
        small, large = Path(d, "n"), Path(d, "2n")
        for i in range(2 * N_TINY):
            for folder in ([small, large] if i < N_TINY else [large]):
                folder.mkdir(exist_ok=True)
                (folder / f"tiny-{i}.pdf").write_bytes(SMALL.read_bytes() + f"\n%pad {i}\n".encode())
        print(f"overhead per file: {N_TINY} and {2 * N_TINY} two-page files, 2 workers")
        marginal = {}
        for name, make in (("local pool", lambda: contextlib.nullcontext(LocalPool(2))),
                           ("dask LocalCluster", lambda: DaskExecutor(jobs=2, memory_limit=2 * 1024**3))):
            with make() as ex:
                if name.startswith("dask"):
                    run([small], ex, f"{name}, 2 (warm-up)")
                t_n = run([small], ex, f"{name}, 2")["seconds"]
                t_2n = run([large], ex, f"{name}, 2")["seconds"]
            marginal[name] = (t_2n - t_n) / N_TINY
            print(f"  {name}: {marginal[name] * 1000:.0f} ms per additional file")
        print(f"  Dask overhead: {(marginal['dask LocalCluster'] - marginal['local pool']) * 1000:+.0f} ms per file")


def writer_cost(inputs) -> None:
    """Collect encoded results once, then time writing them through Dataset (local, S3)."""
    from budgetpdf.batch import run_batch
    from budgetpdf.dataset import Dataset
    from budgetpdf.storage import open_store

    outs = []
    with tempfile.TemporaryDirectory() as d:
        run_batch(inputs, d, jobs=2, on_done=lambda out, src: out and outs.append(out))
    print(f"writer cost over {len(outs)} documents")

    def timed(root) -> None:
        store = open_store(root)
        ops: Counter = Counter()
        for op in ("write_table", "write_tables", "write_json", "delete", "list", "read_table", "read_json", "exists"):
            fn = getattr(store, op)
            setattr(store, op, (lambda f, o: lambda *a, **k: (ops.update([o]), f(*a, **k))[1])(fn, op))
        write_tables = store.write_tables
        store.write_tables = lambda tables: (ops.update({"(objects in write_tables)": len(tables)}),
                                             write_tables(tables))
        ds = Dataset(root, store=store)
        with ds.lock():
            t = time.perf_counter()
            for out in outs:
                ds.write(out, fresh=True)  # new documents, as in a first run
            dt = time.perf_counter() - t
        per_doc = ", ".join(f"{k} {v / len(outs):.1f}" for k, v in sorted(ops.items()))
        if store.concurrent_writes:
            trips = sum(v for k, v in ops.items() if not k.startswith("(")) / len(outs)
        else:
            trips = sum(v for k, v in ops.items() if k != "write_tables" and not k.startswith("(")) / len(outs)
        per_doc += f"; sequential round trips per document: {trips:.1f}"
        print(f"  {str(root)[:40]:<40} {dt / len(outs) * 1000:7.1f} ms/document; store operations per document: {per_doc}")

    with tempfile.TemporaryDirectory() as d:
        timed(Path(d))
    try:
        import s3fs  # noqa: F401
    except ImportError:
        return
    port = _free_port()
    server = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
                      AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
    try:
        time.sleep(3)
        import fsspec

        fsspec.filesystem("s3").mkdir("bench")
        timed("s3://bench/out")
    finally:
        server.terminate()
        server.wait()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", nargs="*", default=None)
    ap.add_argument("--workers", nargs="*", type=int, default=[1, 2, 4])
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    inputs = args.inputs or [str(ROOT / "fixtures" / "docs")] + ([str(REAL)] if REAL.is_dir() else [])
    if not args.skip_throughput:
        throughput(inputs, args.workers)
    if not args.skip_overhead:
        overhead()
    writer_cost([str(ROOT / "fixtures" / "docs")])


if __name__ == "__main__":
    main()
