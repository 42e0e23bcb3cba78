"""Worker isolation: a file that hangs, eats memory or crashes the parser is recorded and the batch goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.dataset as pds
import pytest

from budgetpdf.batch import FAULTS_ENV, parse_size, run_batch

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "fixtures" / "bad" / "no-tables.pdf"  # a quick, valid PDF


def pad(src: Path, dst: Path, n: int) -> Path:
    """A copy with distinct bytes (a trailing PDF comment), so it is its own document."""
    dst.write_bytes(src.read_bytes() + f"\n%pad {n}\n".encode())
    return dst


def test_hang_memory_and_crashes_become_failed_rows_and_the_batch_goes_on(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    faults = {"hang.pdf": "sleep", "bomb.pdf": "alloc", "segv.pdf": "segv", "recurse.pdf": "recurse",
              "exit.pdf": "exit"}
    for i, name in enumerate([*faults, "good-1.pdf", "good-2.pdf"]):
        pad(SMALL, inputs / name, i)
    monkeypatch.setenv(FAULTS_ENV, json.dumps(faults))
    summary = run_batch([inputs], tmp_path / "out", jobs=2, timeout=4, max_memory=parse_size("400M"))
    docs = {Path(d["source_path"]).name: d for d in
            pds.dataset(str(tmp_path / "out" / "documents"), format="parquet").to_table().to_pylist()}
    assert len(docs) == 7
    assert docs["hang.pdf"]["error"] == "timeout: extraction took longer than 4 s"
    assert docs["bomb.pdf"]["error"] == "memory: worker exceeded 400 MiB"
    assert docs["segv.pdf"]["error"] == "crash: worker died (signal 11, SIGSEGV)"
    # Python 3.11+ keeps Python frames on the heap: endless recursion ends as memory or a C-stack crash
    assert docs["recurse.pdf"]["error"].startswith(("crash: worker died (signal", "memory: worker exceeded"))
    assert docs["exit.pdf"]["error"] == "crash: worker exited unexpectedly (exit code 3)"
    for name in faults:
        assert docs[name]["status"] == "failed" and docs[name]["doc_id"], name
    assert docs["good-1.pdf"]["status"] == docs["good-2.pdf"]["status"] == "ok"
    assert summary.statuses == {"failed": 5, "ok": 2}
    assert summary.exit_code == 1

    # failed files are retried; once the fault is gone they succeed
    monkeypatch.delenv(FAULTS_ENV)
    again = run_batch([inputs], tmp_path / "out", jobs=2)
    assert again.skipped == 2 and again.statuses == {"ok": 5}


def test_default_limits_do_not_touch_a_normal_file(tmp_path):
    summary = run_batch([SMALL], tmp_path / "out", jobs=1)
    assert summary.statuses == {"ok": 1}
    assert 0 < summary.peak_rss < parse_size("2GiB")


@pytest.mark.parametrize("text,expected", [("2GiB", 2 * 1024**3), ("2G", 2 * 1024**3), ("512M", 512 * 1024**2),
                                           ("512MB", 512 * 1024**2), ("1.5g", int(1.5 * 1024**3)), ("1000", 1000)])
def test_parse_size(text, expected):
    assert parse_size(text) == expected


def test_parse_size_rejects_nonsense():
    with pytest.raises(ValueError):
        parse_size("lots")
