"""The batch on a Dask cluster: the same datasets as the local pool, the same failed rows,
and a worker killed mid-file loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pds
import pytest

from budgetpdf.batch import FAULTS_ENV, parse_size, run_batch
from budgetpdf.contract import DATASETS
from budgetpdf.validate import validate_dataset
from conftest import SLOW_FILE

pytest.importorskip("distributed")
from budgetpdf.cluster import DaskExecutor  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "fixtures" / "docs"
SMALL = ROOT / "fixtures" / "bad" / "no-tables.pdf"
BUDGETPDF = Path(sys.executable).with_name("budgetpdf")
TIME_COLUMNS = {"extracted_at", "extract_seconds"}  # times differ from run to run


def page_subset(src: Path, dst: Path, pages: range) -> Path:
    import pikepdf

    with pikepdf.open(src) as pdf, pikepdf.new() as out:
        out.pages.extend(pdf.pages[i] for i in pages)
        out.save(dst)
    return dst


def pad(src: Path, dst: Path, n: int) -> Path:
    """A copy with distinct bytes (a trailing PDF comment), so it is its own document."""
    dst.write_bytes(src.read_bytes() + f"\n%pad {n}\n".encode())
    return dst


def snapshot(root, rename=lambda p: p) -> dict[str, list]:
    """Every row of the six datasets, times dropped, source_path passed through ``rename``, sorted."""
    from budgetpdf.dataset import Dataset

    ds = Dataset(root)
    out = {}
    for name in DATASETS:
        rows = ds.read(name).to_pylist()
        for r in rows:
            for c in TIME_COLUMNS & r.keys():
                del r[c]
            if "source_path" in r:
                r["source_path"] = rename(r["source_path"])
        out[name] = sorted(json.dumps(r, sort_keys=True, default=str, ensure_ascii=False) for r in rows)
    return out


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Three small inputs: page subsets of two fixture documents (budget tables with
    identity checks) and a two-page document without tables."""
    folder = tmp_path_factory.mktemp("in")
    page_subset(DOCS / "baisha-civil-affairs-2021-budget.pdf", folder / "baisha-p1-8.pdf", range(0, 8))
    page_subset(DOCS / "changsha-miit-2023-budget.pdf", folder / "changsha-p1-8.pdf", range(0, 8))
    pad(SMALL, folder / "no-tables.pdf", 0)
    return folder


@pytest.fixture(scope="module")
def local_run(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    summary = run_batch([inputs], out, jobs=2)
    assert summary.statuses["ok"] + summary.statuses["partial"] == 3
    snap = snapshot(out)
    assert len(snap["documents"]) == 3 and snap["tables"] and snap["cells"] and snap["checks"]
    return snap, summary


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BUDGETPDF), "extract", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


def test_local_cluster_gives_the_local_pools_datasets(inputs, local_run, tmp_path):
    out = tmp_path / "out"
    res = run_cli(str(inputs), "--out", str(out), "--executor", "dask", "--jobs", "2")
    assert res.returncode == local_run[1].exit_code, res.stderr
    assert "LocalCluster: 2 worker(s)" in res.stderr
    assert "Dask dashboard: http://127.0.0.1:" in res.stderr  # shown at the start and in the summary
    assert "pages/s" in res.stderr
    assert snapshot(out) == local_run[0]
    assert validate_dataset(out) == []


def test_scheduler_and_two_workers_give_the_local_pools_datasets(inputs, local_run, dask_scheduler, tmp_path):
    out = tmp_path / "out"
    res = run_cli(str(inputs), "--out", str(out), "--executor", "dask", "--scheduler", dask_scheduler)
    assert res.returncode == local_run[1].exit_code, res.stderr
    assert f"dask {dask_scheduler}: 2 worker(s)" in res.stderr
    assert snapshot(out) == local_run[0]
    # the incremental logic is the same code: a re-run on the cluster skips everything
    again = run_cli(str(inputs), "--out", str(out), "--executor", "dask", "--scheduler", dask_scheduler)
    assert "3 skipped as already done" in again.stderr, again.stderr
    assert snapshot(out) == local_run[0]


def test_a_worker_killed_mid_file_loses_nothing(dask_scheduler, tmp_path):
    from distributed import Client

    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        pad(SMALL, inputs / f"quick-{i}.pdf", i)
    pad(SMALL, inputs / SLOW_FILE, 99)  # the workers take 8 s over this one
    out = tmp_path / "out"
    proc = subprocess.Popen([str(BUDGETPDF), "extract", str(inputs), "--out", str(out), "--executor", "dask",
                             "--scheduler", dask_scheduler], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with Client(dask_scheduler, timeout="60s") as client:
        end = time.monotonic() + 300
        victim = None
        while victim is None:  # the quick files are written; the slow one is on a worker
            assert time.monotonic() < end and proc.poll() is None, "the batch ended before a worker could be killed"
            n_docs = len(list((out / "documents").glob("part-*.parquet"))) if (out / "documents").is_dir() else 0
            busy = [addr for addr, keys in client.processing().items() if keys]
            if n_docs == 3 and len(busy) == 1:
                victim = busy[0]
            time.sleep(0.1)
        pids = client.run(os.getpid)
        os.kill(pids[victim], signal.SIGKILL)  # the worker process, mid-file; its nanny restarts it
        _, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr
        client.wait_for_workers(2, timeout=120)  # the nanny brought the worker back
        assert pids[victim] not in client.run(os.getpid).values()
    docs = pds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()
    assert sorted(Path(d["source_path"]).name for d in docs) == sorted([f"quick-{i}.pdf" for i in range(3)] + [SLOW_FILE])
    assert all(d["status"] == "ok" for d in docs), docs
    assert validate_dataset(out) == []


def test_limits_on_a_dask_worker_give_the_local_pools_failed_rows(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    faults = {"hang.pdf": "sleep", "bomb.pdf": "alloc", "segv.pdf": "segv", "exit.pdf": "exit"}
    for i, name in enumerate([*faults, "good.pdf"]):
        pad(SMALL, inputs / name, i)
    monkeypatch.setenv(FAULTS_ENV, json.dumps(faults))  # the LocalCluster's workers inherit it
    with DaskExecutor(jobs=2, memory_limit=parse_size("2GiB")) as ex:
        summary = run_batch([inputs], tmp_path / "out", executor=ex, timeout=10, max_memory=parse_size("400M"))
    docs = {Path(d["source_path"]).name: d for d in
            pds.dataset(str(tmp_path / "out" / "documents"), format="parquet").to_table().to_pylist()}
    assert docs["hang.pdf"]["error"] == "timeout: extraction took longer than 10 s"
    assert docs["bomb.pdf"]["error"] == "memory: worker exceeded 400 MiB"
    assert docs["segv.pdf"]["error"] == "crash: worker died (signal 11, SIGSEGV)"
    assert docs["exit.pdf"]["error"] == "crash: worker exited unexpectedly (exit code 3)"
    assert all(docs[n]["status"] == "failed" and docs[n]["doc_id"] for n in faults)
    assert docs["good.pdf"]["status"] == "ok"
    assert summary.statuses == {"failed": 4, "ok": 1} and 0 < summary.peak_rss


def test_kill_9_of_the_dask_client_then_rerun_has_every_document_once(dask_scheduler, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(3):
        pad(SMALL, inputs / f"doc-{i}.pdf", i)
    out = tmp_path / "out"
    args = (str(inputs), "--out", str(out), "--executor", "dask", "--scheduler", dask_scheduler)
    killed = run_cli(*args, env={"BUDGETPDF_TEST_CRASH_AT": "write:cells"})  # the client dies mid-commit
    assert killed.returncode == -signal.SIGKILL
    assert list((out / "_pending").glob("doc-*.json"))
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    docs = pds.dataset(str(out / "documents"), format="parquet").to_table().to_pylist()
    assert sorted(Path(d["source_path"]).name for d in docs) == [f"doc-{i}.pdf" for i in range(3)]
    assert all(d["status"] == "ok" for d in docs) and validate_dataset(out) == []
    assert not list((out / "_pending").glob("*"))
