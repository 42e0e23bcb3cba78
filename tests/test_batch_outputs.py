"""The written dataset read by the four tools, and more bad input (random bytes, zero pages, 1500 pages)."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.dataset as pds
import pyarrow.parquet as pq
import pytest

from budgetpdf.batch import parse_size, run_batch
from budgetpdf.pipeline import process_file
from budgetpdf.contract import DATASETS, SCHEMAS
from budgetpdf.validate import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    inputs = tmp_path_factory.mktemp("in")
    (inputs / "预算 公开.pdf").write_bytes(GOOD.read_bytes())
    (inputs / "random.pdf").write_bytes(os.urandom(50_000))
    run_batch([inputs], out, jobs=2)
    return out


@pytest.mark.parametrize("name", DATASETS)
def test_four_readers_read_each_dataset_with_one_path(written, name):
    import duckdb
    import pandas as pd
    import polars as pl

    folder = written / name
    n = pds.dataset(str(folder), format="parquet").count_rows()
    assert n == len(pd.read_parquet(folder))
    assert n == pl.scan_parquet(str(folder / "*.parquet")).select(pl.len()).collect().item()
    assert n == duckdb.sql(f"SELECT count(*) FROM '{folder}/*.parquet'").fetchall()[0][0]
    if name in ("line_items", "documents"):
        assert n > 0


def test_parquet_files_are_zstd_dictionary_encoded_with_the_schema_version(written):
    for name in DATASETS:
        for f in (written / name).glob("*.parquet"):
            meta = pq.read_metadata(f)
            assert meta.schema.to_arrow_schema().metadata[b"budgetpdf.schema_version"] == b"2"
            assert pq.read_schema(f).remove_metadata().equals(SCHEMAS[name])
            if meta.num_rows:
                col = meta.row_group(0).column(meta.schema.names.index("doc_id"))
                assert col.compression == "ZSTD"
                assert any("DICT" in e for e in col.encodings)


def test_duckdb_dashboard_query_from_the_readme(written):
    import duckdb

    rows = duckdb.sql(f"""
        SELECT d.department, d.fiscal_year, li.code, li.item, li.amount_yuan
        FROM '{written}/line_items/*.parquet' li
        JOIN '{written}/documents/*.parquet' d USING (doc_id)
        WHERE li.table_type = 'expenditure_summary' AND li.measure = 'total' AND li.code_level = 1
        ORDER BY d.department, li.code""").fetchall()
    assert rows and all(r[4] is not None for r in rows)


def test_random_bytes_fail_as_not_a_pdf(written):
    docs = {Path(d["source_path"]).name: d for d in pds.dataset(str(written / "documents")).to_table().to_pylist()}
    assert docs["random.pdf"]["status"] == "failed" and "not a PDF" in docs["random.pdf"]["error"]
    assert docs["预算 公开.pdf"]["status"] == "ok"
    assert validate_dataset(written) == []


def test_zero_pages_fails_with_a_clear_error(tmp_path):
    import pikepdf

    pdf = pikepdf.new()  # an empty page tree: /Pages with /Count 0
    pdf.save(tmp_path / "zero.pdf")
    doc = process_file(tmp_path / "zero.pdf").document
    assert doc.status == "failed" and doc.page_count in (0, None)
    assert doc.error and doc.doc_id


def test_zero_pages_error_says_no_pages(tmp_path):
    import pikepdf

    pikepdf.new().save(tmp_path / "zero.pdf")
    assert "no pages" in process_file(tmp_path / "zero.pdf").document.error


@pytest.mark.slow
def test_1500_page_document_is_ok_with_flat_memory(tmp_path):
    import pikepdf

    src = pikepdf.open(GOOD)
    big = pikepdf.new()
    while len(big.pages) < 1500:
        for page in src.pages[: 1500 - len(big.pages)]:
            big.pages.append(page)
    big.save(tmp_path / "big.pdf")
    small = run_batch([GOOD], tmp_path / "small-out", jobs=1)
    summary = run_batch([tmp_path / "big.pdf"], tmp_path / "out", jobs=1, timeout=1800)
    assert summary.statuses == {"ok": 1}, summary.failures
    assert summary.pages == 1500
    # 43x the pages of the small document; memory must not grow with them like that
    assert summary.peak_rss < parse_size("1GiB")
    assert summary.peak_rss < 4 * small.peak_rss, (summary.peak_rss, small.peak_rss)
