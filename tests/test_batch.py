"""The batch job: bad input, the written dataset, re-runs, identical files, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.dataset as pds
import pytest
from click.testing import CliRunner

from budgetpdf.batch import run_batch
from budgetpdf.cli import main
from budgetpdf.pipeline import process_file
from budgetpdf.contract import DATASETS

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "fixtures" / "bad"
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"
SHARED = ROOT.parent / "shared"
CHECK_SCHEMA = SHARED / "tools" / "check_schema.py"
EXPECTED = json.loads((BAD / "expected.json").read_text("utf-8"))


def read(out: Path, name: str):
    return pds.dataset(str(out / name), format="parquet").to_table().to_pylist()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input_gets_a_clear_documents_row(name):
    want = EXPECTED[name]
    doc = process_file(BAD / name).document
    assert doc.status in want.get("status_any", [want["status"]])
    if want["error_contains"]:
        assert want["error_contains"].lower() in (doc.error or "").lower()
    else:
        assert doc.error is None
    for key in ("n_tables", "page_count"):
        if key in want:
            assert getattr(doc, key) == want[key]


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    inputs = tmp_path_factory.mktemp("in")
    shutil.copytree(BAD, inputs / "bad")
    shutil.copy(GOOD, inputs / "good.PDF")  # upper-case extension is found too
    shutil.copy(GOOD, inputs / "同一文件 副本.pdf")  # same bytes, non-ASCII name with a space
    summary = run_batch([inputs], out, jobs=2)
    return inputs, out, summary


def test_every_dataset_exists_and_passes_the_independent_schema_check(batch_out):
    _, out, _ = batch_out
    for name in DATASETS:
        assert any((out / name).glob("*.parquet")), name
    if not CHECK_SCHEMA.exists():
        pytest.skip("../shared/tools/check_schema.py not present (run beside the shared folder)")
    res = subprocess.run([sys.executable, str(CHECK_SCHEMA), str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_one_documents_row_per_file_and_records_once_per_doc_id(batch_out):
    inputs, out, summary = batch_out
    docs = read(out, "documents")
    assert len(docs) == len(EXPECTED) + 2
    assert len({d["source_path"] for d in docs}) == len(docs)
    same = [d for d in docs if d["source_path"].endswith(("good.PDF", "同一文件 副本.pdf"))]
    assert len(same) == 2 and same[0]["doc_id"] == same[1]["doc_id"] and same[0]["status"] == "ok"
    tables = read(out, "tables")
    per_doc = {}
    for t in tables:
        per_doc.setdefault(t["doc_id"], set()).add(t["table_id"])
    counts = [t["doc_id"] for t in tables]
    assert counts.count(same[0]["doc_id"]) == len(per_doc[same[0]["doc_id"]])  # no duplicate tables
    assert summary.exit_code == 1  # some inputs failed


def test_rerun_skips_done_documents_and_retries_failed_ones(batch_out):
    inputs, out, _ = batch_out
    again = run_batch([inputs], out, jobs=1)
    n_failed = sum(1 for v in EXPECTED.values() if v["status"] == "failed")
    assert again.skipped == len(EXPECTED) + 2 - n_failed
    assert again.statuses["failed"] == n_failed
    assert len(read(out, "documents")) == len(EXPECTED) + 2


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["extract", str(BAD / "no-tables.pdf"), "--out", str(tmp_path / "a"), "--jobs", "1"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(main, ["extract", str(BAD / "empty.pdf"), "--out", str(tmp_path / "b"), "--jobs", "1"])
    assert bad.exit_code == 1
    usage = runner.invoke(main, ["extract", str(tmp_path / "missing"), "--out", str(tmp_path / "c")])
    assert usage.exit_code == 2


def test_a_bad_files_error_is_printed_once_per_report(tmp_path):
    """On a non-terminal, a failed file's error appears in its progress line and in the
    summary's list of failures, and nowhere else: the worker's own log line for it used
    to print it a third time, interleaved with the progress lines."""
    res = subprocess.run([sys.executable, "-m", "budgetpdf.cli", "extract", str(BAD / "not-a-pdf.pdf"), str(GOOD),
                          "--out", str(tmp_path / "out"), "--jobs", "2"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1, res.stderr
    err = res.stdout + res.stderr
    lines = [ln for ln in err.splitlines() if "not-a-pdf.pdf" in ln and "not a PDF" in ln]
    assert len(lines) == 2, err  # "[k/2] failed: … (…)" and the summary's "…: failed: …"
    assert any(ln.startswith("[") for ln in lines) and any(ln.strip().startswith(str(BAD)) for ln in lines), err


def test_cli_ocr_off_leaves_a_scan_flagged_and_says_so(tmp_path):
    """``budgetpdf extract --ocr off`` on a committed scan: no page is read from its image,
    and the document's error says the pages have no text layer and that OCR is off."""
    import pandas as pd

    scan = Path(__file__).resolve().parents[1] / "fixtures" / "scans" / "changsha-p6-9-200dpi.pdf"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["extract", str(scan), "--out", str(out), "--jobs", "1", "--ocr", "off"])
    assert result.exit_code != 2, result.output
    docs = pd.read_parquet(out / "documents")
    assert len(docs) == 1
    error = docs.error.iloc[0]
    assert "no text layer" in error and "OCR is off" in error, error
    tables = pd.read_parquet(out / "tables")
    assert not (tables.text_source == "ocr").any()
