"""Inputs and the dataset on S3 (moto's server on loopback): the commit protocol without
rename or flock keeps the local folder's guarantees."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from budgetpdf.batch import run_batch
from budgetpdf.contract import DATASETS
from budgetpdf.dataset import Dataset, DatasetLocked
from budgetpdf.pipeline import process_failed
from budgetpdf.validate import validate_dataset

pytest.importorskip("s3fs")

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "fixtures" / "bad" / "no-tables.pdf"
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"
BUDGETPDF = Path(sys.executable).with_name("budgetpdf")


def pad(src: Path, dst: Path, n: int) -> Path:
    dst.write_bytes(src.read_bytes() + f"\n%pad {n}\n".encode())
    return dst


def rows(root, name: str) -> list[dict]:
    """A dataset's rows read with pyarrow straight from the store, times dropped, sorted."""
    import pyarrow.dataset as pds
    import s3fs

    if str(root).startswith("s3://"):
        fs = s3fs.S3FileSystem(use_listings_cache=False, skip_instance_cache=True)
        files = [f for f in fs.find(str(root)[5:] + f"/{name}") if f.endswith(".parquet") and "/." not in f]
        table = pds.dataset(files, format="parquet", filesystem=fs).to_table()
    else:
        table = pds.dataset(str(Path(root) / name), format="parquet").to_table()
    out = table.to_pylist()
    for r in out:
        r.pop("extracted_at", None)
        r.pop("extract_seconds", None)
    return sorted(out, key=lambda r: json.dumps(r, sort_keys=True, default=str))


@pytest.fixture()
def s3(s3_env):
    """A fresh bucket; yields (s3fs filesystem, bucket name)."""
    import s3fs

    fs = s3fs.S3FileSystem()
    bucket = f"budget-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    return fs, bucket


def upload(fs, folder: Path, url: str) -> None:
    for f in sorted(folder.iterdir()):
        fs.put_file(str(f), f"{url[5:]}/{f.name}")


def n_objects(fs, prefix: str) -> int:
    fs.invalidate_cache()
    return len(fs.find(prefix)) if fs.exists(prefix) else 0


def small_inputs(tmp_path: Path, n: int) -> Path:
    """A folder ``tmp_path/in`` of ``n`` distinct two-page PDFs (the no-tables fixture padded)."""
    local_in = tmp_path / "in"
    local_in.mkdir()
    for i in range(n):
        pad(SMALL, local_in / f"doc-{i}.pdf", i)
    return local_in


def cli(*args: str, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([str(BUDGETPDF), *args], env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_s3_inputs_and_outputs_pass_validate_and_match_a_local_run(s3, tmp_path):
    fs, bucket = s3
    local_in = small_inputs(tmp_path, 2)
    pad(GOOD, local_in / "budget.pdf", 0)
    upload(fs, local_in, f"s3://{bucket}/in")
    out = f"s3://{bucket}/out"
    proc = cli("extract", f"s3://{bucket}/in", "--out", out, "--jobs", "2")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    res = subprocess.run([str(BUDGETPDF), "validate", out], capture_output=True, text=True)
    assert res.returncode == 0 and "ok, no problems" in res.stdout, res.stdout + res.stderr
    assert not n_objects(fs, f"{bucket}/out/_pending") and not fs.exists(f"{bucket}/out/_lock")

    local_out = tmp_path / "local-out"
    run_batch([local_in], local_out, jobs=2)
    for name in DATASETS:  # the same records; documents differ only in source_path
        got, want = rows(out, name), rows(local_out, name)
        if name == "documents":
            for r in got + want:
                r["source_path"] = r["source_path"].rsplit("/", 1)[-1]
            got, want = (sorted(x, key=lambda r: r["source_path"]) for x in (got, want))
        assert got == want, name
    docs = rows(out, "documents")
    assert {d["source_path"] for d in docs} == {f"s3://{bucket}/in/{n}" for n in ("doc-0.pdf", "doc-1.pdf", "budget.pdf")}

    again = run_batch([f"s3://{bucket}/in"], out, jobs=2)  # incremental on S3 too
    assert again.skipped == 3 and not again.statuses


def test_dask_workers_read_s3_and_the_client_writes_s3(s3, tmp_path, dask_scheduler):
    fs, bucket = s3
    local_in = small_inputs(tmp_path, 2)
    upload(fs, local_in, f"s3://{bucket}/in")
    out = f"s3://{bucket}/out"
    proc = cli("extract", f"s3://{bucket}/in", "--out", out, "--executor", "dask", "--scheduler", dask_scheduler)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert validate_dataset(out) == []
    assert [d["status"] for d in rows(out, "documents")] == ["ok", "ok"]


def test_kill_9_of_the_writer_on_s3_then_rerun_has_every_document_once(s3, tmp_path):
    fs, bucket = s3
    local_in = small_inputs(tmp_path, 2)
    out = f"s3://{bucket}/out"
    proc = cli("extract", str(local_in), "--out", out, "--jobs", "1", env={"BUDGETPDF_TEST_CRASH_AT": "write:cells"})
    proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL
    assert n_objects(fs, f"{bucket}/out/_pending") == 1  # the journal shows the document in flight
    assert fs.exists(f"{bucket}/out/_lock")  # kill -9 leaves the lock object behind
    summary = run_batch([local_in], out, jobs=1)  # its holder is a dead process here: taken over
    assert summary.statuses == {"ok": 2}
    docs = rows(out, "documents")
    assert sorted(Path(d["source_path"]).name for d in docs) == ["doc-0.pdf", "doc-1.pdf"]
    assert validate_dataset(out) == []
    assert not n_objects(fs, f"{bucket}/out/_pending")


def test_the_lock_object_refuses_a_second_writer_and_expires(s3, monkeypatch):
    fs, bucket = s3
    out = f"s3://{bucket}/out"
    with Dataset(out).lock():
        with pytest.raises(DatasetLocked, match="another budgetpdf process"):
            run_batch([SMALL], out, jobs=1)
    assert not fs.exists(f"{bucket}/out/_lock")  # released
    # a lock held by a live writer on another host blocks until its lease runs out
    held = {"token": "x", "host": "elsewhere", "pid": 1, "expires": time.time() + 3600}
    fs.pipe_file(f"{bucket}/out/_lock", json.dumps(held).encode())
    with pytest.raises(DatasetLocked, match="host elsewhere"):
        run_batch([SMALL], out, jobs=1)
    fs.pipe_file(f"{bucket}/out/_lock", json.dumps({**held, "expires": time.time() - 1}).encode())
    assert run_batch([SMALL], out, jobs=1).statuses == {"ok": 1}


def test_a_writer_whose_lock_was_taken_over_stops_before_committing(s3, monkeypatch):
    fs, bucket = s3
    monkeypatch.setenv("BUDGETPDF_LOCK_LEASE", "0.4")  # heartbeat every 0.1 s
    ds = Dataset(f"s3://{bucket}/out")
    with ds.lock():
        fs.pipe_file(f"{bucket}/out/_lock", json.dumps({"token": "other", "host": socket.gethostname(),
                                                         "pid": os.getpid(), "expires": time.time() + 60}).encode())
        time.sleep(1)
        with pytest.raises(DatasetLocked, match="lost the writer lock"):
            ds.write_document_row(process_failed("x.pdf", "test").document)  # the journal step checks first
    assert fs.exists(f"{bucket}/out/_lock")  # the other writer's lock is left alone


@pytest.mark.parametrize("point", [None, "compact:deleting"])
def test_compact_on_s3_keeps_every_row_and_recovers_from_kill_9(s3, tmp_path, point):
    fs, bucket = s3
    local_in = small_inputs(tmp_path, 3)
    out = f"s3://{bucket}/out"
    run_batch([local_in], out, jobs=2)
    before = {name: rows(out, name) for name in DATASETS}
    proc = cli("compact", out, env={"BUDGETPDF_TEST_CRASH_AT": point} if point else None)
    _, err = proc.communicate(timeout=300)
    if point:
        assert proc.returncode == -signal.SIGKILL
        ds = Dataset(out)
        with ds.lock():
            ds.recover()  # rolls the journaled compaction forward (copy + delete: no rename)
    else:
        assert proc.returncode == 0, err
    assert {name: rows(out, name) for name in DATASETS} == before
    fs.invalidate_cache()
    assert not [f for f in fs.find(f"{bucket}/out") if f.rsplit("/", 1)[-1].startswith(".")]  # no temp objects
    assert len(fs.ls(f"{bucket}/out/documents")) == 1
    assert validate_dataset(out) == []
    assert run_batch([local_in], out, jobs=1).skipped == 3
