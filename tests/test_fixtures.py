"""The committed fixture PDFs agree with their truth files (no LibreOffice needed).

Reads fixtures/docs/<key>.pdf + <key>.truth.json and fixtures/bad/; page text comes
from pypdfium2 so these checks do not depend on pdfplumber (the pipeline's engine).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest

pdfium = pytest.importorskip("pypdfium2")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "fixtures" / "docs"
BAD = ROOT / "fixtures" / "bad"
TRUTHS = sorted(DOCS.glob("*.truth.json"))
IDS = [p.name.removesuffix(".truth.json") for p in TRUTHS]


def norm(s: str | None) -> str:
    # pdfium marks a hyphen that ends a line as U+FFFE
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", (s or "").replace("\ufffe", "-")))


def load(truth_path: Path) -> tuple[dict, Path]:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return truth, truth_path.with_name(truth_path.name.removesuffix(".truth.json") + ".pdf")


@lru_cache(maxsize=None)
def page_texts(pdf: Path) -> tuple[str, ...]:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            out.append(norm(page.get_textpage().get_text_range()))
        return tuple(out)
    finally:
        doc.close()


def test_fixture_corpus_exists():
    assert TRUTHS, "no fixtures/docs/*.truth.json: run `make fixtures`"
    total_split = sum(len(json.loads(p.read_text(encoding="utf-8"))["split_rows"]) for p in TRUTHS)
    assert total_split >= 5, f"the corpus must hold at least 5 rows cut by a page break, has {total_split}"
    renderers = {json.loads(p.read_text(encoding="utf-8"))["renderer"] for p in TRUTHS}
    assert "report" in renderers, "at least one fixture must come from the report renderer (open cut cells)"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=IDS)
def test_doc_id_and_page_count(truth_path):
    truth, pdf = load(truth_path)
    d = truth["documents"][0]
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == d["doc_id"]
    assert d["source_path"] == pdf.relative_to(ROOT).as_posix()
    assert len(page_texts(pdf)) == d["page_count"]
    assert d["n_tables"] == len(truth["tables"])
    assert not truth.get("locate_warnings"), truth["locate_warnings"]


@pytest.mark.parametrize("truth_path", TRUTHS, ids=IDS)
def test_truth_is_consistent(truth_path):
    truth, _ = load(truth_path)
    n_pages = truth["documents"][0]["page_count"]
    prev_end = 0
    for t in truth["tables"]:
        assert prev_end < t["page_start"] <= t["page_end"] <= n_pages
        prev_end = t["page_end"]
        rows = truth["rows"][t["table_id"]]
        assert len(rows) == t["n_rows"]
        flat = [p for r in rows for p in r]
        assert flat == sorted(flat), "rows must land on non-decreasing pages"
        assert all(t["page_start"] <= p <= t["page_end"] for p in flat)
        assert len(t["header"]) == t["n_cols"]
    for li in truth["line_items"]:
        assert isinstance(li["amount"], str) and isinstance(li["amount_yuan"], str)
    for s in truth["split_rows"]:
        assert len(s["pages"]) == 2 and s["pages"][1] == s["pages"][0] + 1


def label_present(label: str, text: str) -> bool:
    """A header label is on the page: verbatim, or (wrapped in a narrow cell, its lines read
    out of order) its head, its tail and all its characters."""
    if label in text:
        return True
    if Counter(label) - Counter(text):
        return False
    return len(label) <= 3 or (label[:2] in text and label[-2:] in text)


@pytest.mark.parametrize("truth_path", TRUTHS, ids=IDS)
def test_titles_and_headers_on_every_page(truth_path):
    truth, pdf = load(truth_path)
    texts = page_texts(pdf)
    for t in truth["tables"]:
        title = norm(t["title"])
        assert title in texts[t["page_start"] - 1], f"title {title} not on page {t['page_start']}"
        labels = [norm(c["text"]) for c in truth["cells"]
                  if c["table_id"] == t["table_id"] and c["is_header"] and norm(c["text"])]
        for p in range(t["page_start"], t["page_end"] + 1):
            text = texts[p - 1]
            assert title in text, f"table {t['table_id']}: title missing on page {p}"
            missing = [lab for lab in labels if not label_present(lab, text)]
            assert not missing, f"table {t['table_id']}: header labels {missing} not repeated on page {p}"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=IDS)
def test_split_rows_really_split(truth_path):
    """A split row's text is printed on both pages: one of its cells is cut, i.e. it is not
    printed whole on either page (more whole copies than the other rows account for would
    mean it is), a head of it is on the first page and the rest on the second."""
    truth, pdf = load(truth_path)
    texts = page_texts(pdf)
    for s in truth["split_rows"]:
        a, b = s["pages"]
        tid = s["table_id"]
        n_head = s["row_index"] - s["body_row"]
        rows = truth["rows"][tid]
        one_row = [c for c in truth["cells"] if c["table_id"] == tid and not c["is_header"] and c["row_span"] == 1]
        cells = [c for c in one_row if c["row_index"] == s["row_index"] and len(norm(c["text"])) >= 2]
        assert cells, f"split row {s} has no text"

        def whole_elsewhere(cell: dict, page: int) -> int:
            """Copies of the cell's text that other cells (any row, this one included) may print whole."""
            t = norm(cell["text"])
            return sum(1 for c in one_row if c is not cell and norm(c["text"]) == t
                       and page in rows[c["row_index"] - n_head])

        def is_cut(cell: dict) -> bool:
            t = norm(cell["text"])
            if texts[a - 1].count(t) > whole_elsewhere(cell, a) or texts[b - 1].count(t) > whole_elsewhere(cell, b):
                return False  # printed whole on one of the pages: not cut
            return any(t[:k] in texts[a - 1] and t[k:] in texts[b - 1] for k in range(1, len(t)))

        assert any(is_cut(t) for t in cells), \
            f"table {tid} body row {s['body_row']}: no cell of it is cut between pages {a} and {b}"


@pytest.mark.parametrize("truth_path", TRUTHS, ids=IDS)
def test_body_rows_on_their_pages(truth_path):
    """Every body cell's text (one-row cells) is found on the pages recorded for its row."""
    truth, pdf = load(truth_path)
    texts = page_texts(pdf)
    n_head = {t["table_id"]: sum(1 for _ in range(0)) for t in truth["tables"]}
    for t in truth["tables"]:
        header_rows = {c["row_index"] for c in truth["cells"] if c["table_id"] == t["table_id"] and c["is_header"]}
        n_head[t["table_id"]] = len(header_rows)
    for c in truth["cells"]:
        text = norm(c["text"])
        if c["is_header"] or c["row_span"] != 1 or not text:
            continue
        pages = truth["rows"][c["table_id"]][c["row_index"] - n_head[c["table_id"]]]
        joined = "".join(texts[p - 1] for p in pages)
        if len(pages) == 1:
            assert text in joined, f"cell {c} not on page {pages[0]}"
        else:
            assert text in joined or any(text[:k] in texts[pages[0] - 1] and text[k:] in texts[pages[1] - 1]
                                         for k in range(1, len(text))), f"cell {c} not on pages {pages}"


# ------------------------------------------------------------------ negatives

EXPECTED_BAD = {
    "empty.pdf", "truncated.pdf", "encrypted-user-password.pdf", "encrypted-owner-only.pdf",
    "not-a-pdf.pdf", "scanned-image-only.pdf", "no-tables.pdf",
}


def bad_expected() -> dict:
    return json.loads((BAD / "expected.json").read_text(encoding="utf-8"))


def test_bad_fixtures_listed():
    exp = bad_expected()
    assert set(exp) == EXPECTED_BAD
    for name, e in exp.items():
        assert (BAD / name).exists(), name
        assert e["status"] in {"ok", "partial", "failed"}
        assert (e["error_contains"] is None) == (e["status"] == "ok")


def test_bad_fixture_contents():
    assert (BAD / "empty.pdf").stat().st_size == 0
    trunc = (BAD / "truncated.pdf").read_bytes()
    assert trunc.startswith(b"%PDF-") and b"%%EOF" not in trunc[-1024:]
    assert not (BAD / "not-a-pdf.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(str(BAD / "encrypted-user-password.pdf"))
    assert pdfium.PdfDocument(str(BAD / "encrypted-user-password.pdf"), password="budget-user")
    owner = pdfium.PdfDocument(str(BAD / "encrypted-owner-only.pdf"))
    assert len(owner) == bad_expected()["encrypted-owner-only.pdf"]["page_count"]
    assert b"/Encrypt" in (BAD / "encrypted-owner-only.pdf").read_bytes()
    scanned = page_texts(BAD / "scanned-image-only.pdf")
    assert len(scanned) == 1 and scanned[0] == ""
    assert b"/Image" in (BAD / "scanned-image-only.pdf").read_bytes()
    prose = page_texts(BAD / "no-tables.pdf")
    assert sum(len(t) for t in prose) > 200


def test_fixtures_folder_size():
    total = sum(p.stat().st_size for p in (ROOT / "fixtures").rglob("*") if p.is_file())
    # 16 MiB: the scans (4 MB) and the two Excel-print documents of issue 15 (0.9 MB) came in together
    assert total < 16 * 1024 * 1024, f"fixtures/ is {total / 1e6:.1f} MB"
