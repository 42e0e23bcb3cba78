"""The handed failure cases (../shared/cases): each gives the output its expected.md states.

Right values come from each case's ``expected.md`` and ``truth-line-items.json`` (code,
item, 合计, 基本支出, 项目支出 per row of the invented 部门支出总表 of 青禾县统计局),
written by whoever made the case, not from this code.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import pytest

from budgetpdf.pipeline import process_file

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT.parent / "shared" / "cases"
HEADER = ("科目编码/类", "科目编码/款", "科目编码/项", "科目名称", "合计", "基本支出", "项目支出")

pytestmark = pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases not present (run beside the shared folder)")


@lru_cache(maxsize=None)
def run(relpath: str):
    return process_file(CASES / relpath)


def truth_items(case: str) -> Counter:
    rows = json.loads((CASES / case / "truth-line-items.json").read_text("utf-8"))
    out: Counter = Counter()
    for code, item, total, basic, project in rows:
        for label, amount in (("合计", total), ("基本支出", basic), ("项目支出", project)):
            out[(code, item, label, Decimal(amount))] += 1
    return out


def got_items(out) -> Counter:
    return Counter((li.code, li.item, li.column_label, li.amount) for li in out.line_items)


def assert_like_the_control(out, case: str) -> None:
    """What every 部门支出总表 case must give: expected.md's 'Right output'."""
    doc = out.document
    assert doc.status == "ok", doc.error
    assert (doc.department, doc.fiscal_year) == ("青禾县统计局", 2024)
    (table,) = out.tables
    assert (table.table_type, table.title, table.unit_label, table.n_rows, table.n_cols) == \
        ("expenditure_summary", "2024年部门支出总表", "万元", 15, 7)
    assert tuple(table.header) == HEADER
    assert got_items(out) == truth_items(case)
    statuses = Counter(c.status for c in out.checks)
    assert statuses["passed"] == 42 and statuses["failed"] == 0, [c for c in out.checks if c.status == "failed"][:3]


def test_03_table_turned_on_a_portrait_page_reads_like_the_upright_control():
    out = run("03-budget-table-turned-on-portrait-page/input.pdf")
    assert_like_the_control(out, "03-budget-table-turned-on-portrait-page")
    texts = {c.text for c in out.cells}
    assert "项目支出" in texts and "出支目项" not in texts
    # cells keep page coordinates: the turned table stands in the page's left part, bottom to top
    (page,) = {c.page for c in out.cells}
    head = next(c for c in out.cells if c.text == "科目编码")
    assert head.top > 400  # its header starts at the bottom of the portrait page


def test_03_control_is_read_exactly():
    assert_like_the_control(run("03-budget-table-turned-on-portrait-page/control-upright.pdf"),
                            "03-budget-table-turned-on-portrait-page")


def test_04_a_header_label_printed_turned_reads_upright():
    out = run("04-rotated-header-label/input.pdf")
    assert_like_the_control(out, "04-rotated-header-label")
    project = [li for li in out.line_items if li.column_label == "项目支出"]
    assert len(project) == 15 and all(li.measure == "project" for li in project)
    assert ("2010507", "专项普查活动", Decimal("126.75")) in {(li.code, li.item, li.amount) for li in project}


def test_05_latin_word_spaces_are_kept():
    out = run("05-latin-spaces-merged-cells-issue420/input.pdf")
    texts = {c.text for c in out.cells}
    for t in ("Header 1", "Header 4", "Merged cell 1", "Merged cell 2", "Cell 3-1", "Cell 4-3"):
        assert t in texts, t
    assert not texts & {"Header1", "Mergedcell1", "Cell3-1"}


def test_05_merged_cells_keep_their_spans():
    out = run("05-latin-spaces-merged-cells-issue420/input.pdf")
    spans = {(c.text, c.row_span, c.col_span) for c in out.cells}
    assert {("Merged cell 1", 3, 1), ("Merged cell 2", 3, 1)} <= spans
    for text, rs, cs in [("1-1", 1, 2), ("1-5", 7, 1), ("1-6", 8, 1), ("3-1", 3, 1), ("4-2", 3, 1), ("4-3", 1, 2),
                         ("7-1", 2, 4)]:
        assert (text, rs, cs) in spans, text


def test_05_a_body_row_of_small_integers_is_not_a_column_number_row():
    out = run("05-latin-spaces-merged-cells-issue420/input.pdf")
    (t2,) = [t for t in out.tables if t.page_start == 2]
    cells = {(c.row_index, c.col_index): (c.text, c.row_span) for c in out.cells if c.table_id == t2.table_id}
    assert cells[(0, 0)] == ("1", 1) and cells[(0, 1)] == ("2", 1)
    assert cells[(1, 0)] == ("3", 2) and cells[(1, 1)][0] == "4" and cells[(2, 1)][0] == "5"


def test_07_glyphs_hidden_by_a_clip_never_reach_the_next_cell():
    out = run("07-excel-clipped-overflow-text/input.pdf")
    assert out.document.status == "ok", out.document.error
    row = [li for li in out.line_items if li.code == "2080505"]
    assert {(li.column_label, li.amount) for li in row} == {
        ("合计", Decimal("41.18")), ("基本支出", Decimal("41.18")), ("项目支出", Decimal("0.00"))}
    assert all(li.item in ("机关事业单位基本养老保险缴费支出", "机关事业单位基本养老保险缴") for li in row)
    assert not any("费支出" in (c.text or "") and "41.18" in (c.text or "") for c in out.cells)
    statuses = Counter(c.status for c in out.checks)
    assert statuses["passed"] == 42 and statuses["failed"] == 0
    assert len(out.line_items) == 45


@pytest.mark.parametrize("variant", ["input.pdf", "input-segments.pdf", "input-dots-and-dashes.pdf",
                                     "input-solid-frame-inner-dots.pdf", "input-all-dashed.pdf"])
def test_08_dotted_and_dashed_rulings_are_rulings(variant):
    out = run(f"08-dotted-rulings/{variant}")
    assert_like_the_control(out, "08-dotted-rulings")
    # two header rows with their spans: 科目编码 over 类/款/项, the others two rows tall
    head = {(c.text, c.row_span, c.col_span) for c in out.cells if c.is_header}
    assert ("科目编码", 1, 3) in head and ("科目名称", 2, 1) in head and ("合计", 2, 1) in head


@pytest.mark.parametrize("variant", ["input.pdf", "input-xubiao-variant.pdf"])
def test_10_a_continuation_page_titled_xu_continues_the_table(variant):
    out = run(f"10-continuation-title-xu/{variant}")
    assert_like_the_control(out, "10-continuation-title-xu")
    (table,) = out.tables
    assert (table.page_start, table.page_end) == (1, 2)
    assert any("pages 1->2" in e for e in table.stitch_evidence)
    items = {(li.code, li.column_label): li.amount for li in out.line_items}
    assert items[("210", "合计")] == Decimal("17.02") and items[("221", "合计")] == Decimal("28.64")


def run_without_ocr(relpath: str):
    """The text layer alone: what these cases' expected.md describe (before OCR)."""
    from budgetpdf.extract.settings import ExtractSettings
    from budgetpdf.pipeline import RunConfig

    return process_file(CASES / relpath, config=RunConfig(settings=ExtractSettings(ocr="off")))


def test_12_a_scan_with_a_digital_page_number_has_no_text_layer():
    out = run_without_ocr("12-scan-with-digital-page-number/input.pdf")
    doc = out.document
    assert doc.status in ("failed", "partial")
    assert "no text layer on pages 1" in doc.error
    assert not out.tables


def test_18_glyphs_without_unicode_mapping_are_flagged_never_emitted():
    out = run_without_ocr("18-missing-tounicode-cid-glyphs/input.pdf")
    doc = out.document
    assert doc.status == "failed"
    assert "undecodable glyphs on pages 1" in doc.error and "no text layer" not in doc.error
    assert not out.line_items
    assert all(c.text is None for c in out.cells if c.text is not None and "(cid:" in c.text) or \
        not any(c.text for c in out.cells)
    assert not any("\x00" in (c.text or "") for c in out.cells)


def test_12_the_scanned_page_is_read_by_ocr_against_truth():
    """With OCR (the `ocr` extra, installed by `make setup`) the scanned page (case 03's
    upright table at 110 dpi) is read from its image: its line items equal case 03's truth."""
    out = run("12-scan-with-digital-page-number/input.pdf")
    assert out.tables and all(t.text_source == "ocr" for t in out.tables)
    got = Counter((li.code, li.item, li.column_label, li.amount) for li in out.line_items)
    want = truth_items("03-budget-table-turned-on-portrait-page")
    assert got == want, f"missing {list(want - got)[:4]}, extra {list(got - want)[:4]}"
    assert out.document.status == "ok", out.document.error  # its identities pass


def test_18_ocr_of_a_page_whose_glyphs_are_not_drawn_is_not_accepted():
    """Case 18's font subset draws none of its CJK glyphs and only some digits (render it:
    the labels are blank), so OCR reads fragments. No identity can be checked on them:
    the document is partial and the error names the table; nothing is passed as ok."""
    out = run("18-missing-tounicode-cid-glyphs/input.pdf")
    doc = out.document
    assert all(t.text_source == "ocr" for t in out.tables)
    assert doc.status == "partial"
    assert "OCR tables no identity check could verify: table 0 (page 1)" in doc.error
