"""Incremental, idempotent, atomic: re-runs, --force, kill -9 at several moments, compaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as pds
import pytest

from budgetpdf.batch import run_batch
from budgetpdf.dataset import Dataset, DatasetLocked
from budgetpdf.contract import DATASETS
from budgetpdf.validate import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"
SMALL = ROOT / "fixtures" / "bad" / "no-tables.pdf"
BUDGETPDF = Path(sys.executable).with_name("budgetpdf")
N_COPIES = 3


def pad(src: Path, dst: Path, n: int) -> Path:
    """A copy with distinct bytes (a trailing PDF comment), so it is its own document."""
    dst.write_bytes(src.read_bytes() + f"\n%pad {n}\n".encode())
    return dst


def copies(folder: Path, n: int = N_COPIES, src: Path = GOOD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pad(src, folder / f"copy-{i}.pdf", i)
    return folder


def read(out: Path, name: str) -> list[dict]:
    return pds.dataset(str(out / name), format="parquet").to_table().to_pylist()


def assert_each_document_once(out: Path, n_files: int) -> None:
    for name in DATASETS:  # every folder is readable on its own
        pds.dataset(str(out / name), format="parquet").to_table()
    docs = read(out, "documents")
    assert len(docs) == n_files and len({d["source_path"] for d in docs}) == n_files
    assert all(d["status"] == "ok" for d in docs), [(d["source_path"], d["error"]) for d in docs]
    assert validate_dataset(out) == []
    n_tables = {d["doc_id"]: d["n_tables"] for d in docs}
    tables = read(out, "tables")
    for doc_id, n in n_tables.items():
        assert sum(1 for t in tables if t["doc_id"] == doc_id) == n
    assert not any((out / "_pending").glob("*")) if (out / "_pending").exists() else True


def cli(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([str(BUDGETPDF), *args], env={**os.environ, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for(pred, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.02)


def n_document_parts(out: Path) -> int:
    return len(list((out / "documents").glob("part-*.parquet"))) if (out / "documents").is_dir() else 0


@pytest.mark.parametrize("moment", ["first_document", "second_document", "early"])
def test_kill_9_mid_run_then_rerun_has_every_document_once(tmp_path, moment):
    inputs, out = copies(tmp_path / "in"), tmp_path / "out"
    proc = cli("extract", str(inputs), "--out", str(out), "--jobs", "2")
    if moment == "early":
        wait_for(lambda: (out / "_lock").exists())
        time.sleep(0.5)
    else:
        wait_for(lambda: n_document_parts(out) >= (1 if moment == "first_document" else 2))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for name in DATASETS:  # what the killed run left is readable
        if (out / name).is_dir():
            pds.dataset(str(out / name), format="parquet").to_table()
    summary = run_batch([inputs], out, jobs=2)
    assert summary.statuses["failed"] == 0
    assert_each_document_once(out, N_COPIES)


@pytest.mark.parametrize("point", ["write:tables", "write:cells", "write:checks", "write:documents"])
def test_crash_inside_a_document_write_is_undone(tmp_path, point):
    inputs, out = copies(tmp_path / "in", 2, SMALL), tmp_path / "out"
    proc = cli("extract", str(inputs), "--out", str(out), "--jobs", "1", env={"BUDGETPDF_TEST_CRASH_AT": point})
    assert proc.wait() == -signal.SIGKILL
    assert list((out / "_pending").glob("doc-*.json"))  # the journal shows a document in flight
    run_batch([inputs], out, jobs=1)
    assert_each_document_once(out, 2)


def test_rerun_is_a_no_op_and_force_replaces_without_duplicates(tmp_path):
    inputs, out = copies(tmp_path / "in", 2, SMALL), tmp_path / "out"
    first = run_batch([inputs], out, jobs=1)
    assert first.statuses == {"ok": 2}
    files_before = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    again = run_batch([inputs], out, jobs=1)
    assert again.skipped == 2 and not again.statuses
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")} == files_before  # nothing rewritten
    forced = run_batch([inputs], out, jobs=1, force=True)
    assert forced.statuses == {"ok": 2}
    assert len(read(out, "documents")) == 2 and validate_dataset(out) == []


def test_changed_file_replaces_its_old_version(tmp_path):
    inputs, out = copies(tmp_path / "in", 1, GOOD), tmp_path / "out"
    run_batch([inputs], out, jobs=1)
    old_id = read(out, "documents")[0]["doc_id"]
    pad(SMALL, inputs / "copy-0.pdf", 99)  # same path, new bytes
    run_batch([inputs], out, jobs=1)
    docs = read(out, "documents")
    assert len(docs) == 1 and docs[0]["doc_id"] != old_id
    for name in DATASETS[1:]:  # the old version's records are gone: never two versions
        assert old_id not in {r["doc_id"] for r in read(out, name)}
    assert validate_dataset(out) == []


def test_identical_bytes_are_processed_once_with_a_row_per_path(tmp_path):
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for name in ("a.pdf", "b.pdf", "子目录 副本.pdf"):
        (inputs / name).write_bytes(GOOD.read_bytes())
    summary = run_batch([inputs], out, jobs=2)
    assert summary.statuses == {"ok": 3}
    docs = read(out, "documents")
    assert len(docs) == 3 and len({d["doc_id"] for d in docs}) == 1
    assert summary.pages == docs[0]["page_count"]  # extracted once
    (inputs / "d.pdf").write_bytes(GOOD.read_bytes())  # a new path to known bytes: a row, no work
    again = run_batch([inputs], out, jobs=1)
    assert again.skipped == 4 and len(read(out, "documents")) == 4
    assert validate_dataset(out) == []


def test_second_writer_is_refused(tmp_path):
    ds = Dataset(tmp_path)
    with ds.lock():
        with pytest.raises(DatasetLocked):
            run_batch([SMALL], tmp_path, jobs=1)


# -- compaction ------------------------------------------------------------------------


@pytest.fixture()
def processed(tmp_path):
    inputs, out = copies(tmp_path / "in", 3, GOOD), tmp_path / "out"
    run_batch([inputs], out, jobs=2)
    return inputs, out


def snapshot(out: Path) -> dict[str, list]:
    def key(r):
        return sorted((k, str(v)) for k, v in r.items())

    return {name: sorted(map(key, read(out, name))) for name in DATASETS}


def test_compact_merges_parts_and_keeps_every_row(processed):
    inputs, out = processed
    before = snapshot(out)
    res = subprocess.run([str(BUDGETPDF), "compact", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    for name in DATASETS:
        files = list((out / name).glob("*.parquet"))
        assert len(files) == 1 and files[0].name.startswith("compact-"), (name, files)
    assert snapshot(out) == before
    assert validate_dataset(out) == []
    # re-runs work on compacted data: skip, then --force replaces inside the compacted files
    assert run_batch([inputs], out, jobs=1).skipped == 3
    run_batch([inputs / "copy-1.pdf"], out, jobs=1, force=True)
    assert_each_document_once(out, 3)
    assert snapshot(out)["cells"] == before["cells"]


def test_compact_respects_max_bytes(processed):
    _, out = processed
    ds = Dataset(out)
    with ds.lock():
        ds.compact(max_bytes=1)  # every file is already "large": nothing to merge
    assert not list((out / "cells").glob("compact-*.parquet"))


@pytest.mark.parametrize("point", ["compact:merged", "compact:journaled", "compact:deleting"])
def test_kill_9_during_compaction_is_recovered(processed, point):
    inputs, out = processed
    before = snapshot(out)
    proc = cli("compact", str(out), env={"BUDGETPDF_TEST_CRASH_AT": point})
    assert proc.wait() == -signal.SIGKILL
    ds = Dataset(out)
    with ds.lock():
        ds.recover()
    assert snapshot(out) == before  # rolled forward (or, before the journal, nothing happened)
    assert not list(out.rglob(".*.tmp"))
    assert validate_dataset(out) == []
    assert run_batch([inputs], out, jobs=1).skipped == 3
