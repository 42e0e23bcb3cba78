"""The Python API: ``budgetpdf.extract_pdf`` returns the six datasets of one PDF."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

import budgetpdf
from budgetpdf.contract import DATASETS, SCHEMAS

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


@pytest.fixture(scope="module")
def arrow():
    return budgetpdf.extract_pdf(GOOD, as_="arrow")


def test_arrow_tables_have_the_contract_schema(arrow):
    assert set(arrow) == set(DATASETS)
    for name, t in arrow.items():
        assert isinstance(t, pa.Table)
        assert t.schema.remove_metadata().equals(SCHEMAS[name])
    doc = arrow["documents"].to_pylist()[0]
    assert doc["status"] == "ok" and doc["n_tables"] == arrow["tables"].num_rows > 0


def test_pandas_frames_keep_decimals():
    frames = budgetpdf.extract_pdf(str(GOOD))
    assert set(frames) == set(DATASETS)
    amounts = frames["line_items"]["amount"].dropna()
    assert len(amounts) and isinstance(amounts.iloc[0], Decimal)


def test_bad_pdf_is_a_failed_row_not_an_exception():
    frames = budgetpdf.extract_pdf(ROOT / "fixtures" / "bad" / "not-a-pdf.pdf")
    assert frames["documents"]["status"].tolist() == ["failed"]
    assert all(len(frames[n]) == 0 for n in DATASETS[1:])


def test_bad_as_argument():
    with pytest.raises(ValueError):
        budgetpdf.extract_pdf(GOOD, as_="polars")


def test_import_budgetpdf_stays_cheap():
    code = "import sys, budgetpdf; print(any(m.startswith(('pdfplumber', 'pyarrow', 'pandas')) for m in sys.modules))"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip() == "False"
