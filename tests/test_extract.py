"""Extract stage: ruled grids with spans, page breaks, captions, flags, engines, bad input.

Real-corpus expectations were checked by eye against pdftoppm renders and
``pdftotext -layout`` of the same pages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from budgetpdf.extract import ExtractSettings, PdfOpenError, extract_document, parse_pages, to_debug_dict
from budgetpdf.extract.rulings import RawGrid, Segment, grid_from_group, group_segments, merge_segments, slot_spans
from budgetpdf.extract.unruled import find_unruled_tables

REPO = Path(__file__).resolve().parents[1]
REAL = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real"
FIXTURES = REPO / "fixtures" / "docs"
S = ExtractSettings()

needs_real = pytest.mark.skipif(not REAL.is_dir(), reason=f"real corpus not present at {REAL}")


def real(name: str) -> Path:
    return REAL / name


COMMERCE = "GovBudgetChecker__sh_putuo_commerce_2025_dept_budget.pdf"
HENAN = "atlas__henan_2026_provincial_budget_tables.pdf"
DONGGUAN = "atlas__dongguan_2026_city_budget_disclosure.pdf"
GAOFAYUAN = "ae86jack__js_gaofayuan_2019_doc.pdf"
HUAIAN = "atlas__huaian_2026_budget_report_broken_font.pdf"
FINANCE = "GovBudgetChecker__sh_putuo_finance_2024_dept_final.pdf"


# ---------------------------------------------------------------- rulings (pure)

def h(y, a, b, syn=False):
    return Segment("h", y, a, b, syn)


def v(x, a, b, syn=False):
    return Segment("v", x, a, b, syn)


def frame(segs):
    merged = merge_segments(segs, S)
    groups = group_segments(merged, S)
    assert len(groups) == 1
    return grid_from_group(groups[0], S)


def box_grid(xs, ys):
    return [h(y, xs[0], xs[-1]) for y in ys] + [v(x, ys[0], ys[-1]) for x in xs]


def test_thin_double_line_does_not_create_a_phantom_row():
    segs = box_grid([0, 100, 200], [0, 20, 40]) + [h(21.2, 0, 200)]  # double rule under the header
    g = frame(segs)
    assert len(g.row_edges) == 3 and len(g.col_edges) == 3


def test_slightly_misaligned_ruling_snaps_to_its_column():
    segs = [h(0, 0, 200), h(20, 0, 200), h(40, 0, 200), v(0, 0, 40), v(200, 0, 40), v(100, 0, 20), v(101.5, 20, 40)]
    g = frame(segs)
    assert len(g.col_edges) == 3
    assert sorted(slot_spans(g, S)) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]


def test_rectangle_borders_of_adjacent_cells_do_not_double_rulings():
    # each cell drawn as its own stroked box: shared sides coincide (±0.5 pt)
    segs = []
    for x0, x1 in [(0, 100), (100.5, 200)]:
        for y0, y1 in [(0, 20), (20.4, 40)]:
            segs += [h(y0, x0, x1), h(y1, x0, x1), v(x0, y0, y1), v(x1, y0, y1)]
    g = frame(segs)
    assert (len(g.row_edges), len(g.col_edges)) == (3, 3)


def test_missing_internal_segment_is_a_merged_cell():
    # header 预算数 spans two columns; 项目 spans two rows
    segs = [h(0, 0, 300), h(20, 100, 300), h(40, 0, 300), h(60, 0, 300), v(0, 0, 60), v(300, 0, 60), v(100, 0, 60), v(200, 20, 60)]
    g = frame(segs)
    assert sorted(slot_spans(g, S)) == [(0, 0, 2, 1), (0, 1, 1, 2), (1, 1, 1, 1), (1, 2, 1, 1), (2, 0, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)]


def test_table_cut_by_page_break_is_closed_at_the_bottom_of_its_verticals():
    segs = [h(0, 0, 200), h(20, 0, 200), v(0, 0, 80), v(100, 0, 80), v(200, 0, 80)]
    g = frame(segs)
    assert g.open_bottom and g.row_edges[-1] == pytest.approx(80)
    assert len(g.row_edges) == 3


def test_table_without_side_borders_gets_outer_columns_from_its_horizontals():
    # Henan: only interior verticals are drawn
    segs = [h(0, 55, 539), h(20, 55, 539), h(400, 55, 539), v(182, 0, 400), v(257, 0, 400)]
    g = frame(segs)
    assert g.col_edges[0] == pytest.approx(55) and g.col_edges[-1] == pytest.approx(539)
    assert len(g.col_edges) == 4


# ---------------------------------------------------------------- unruled (pure)

def _chars(text, x0, top, size=10.0):
    return [{"text": c, "x0": x0 + i * size * 0.6, "x1": x0 + (i + 1) * size * 0.6, "top": top, "bottom": top + size, "size": size} for i, c in enumerate(text)]


def test_aligned_number_columns_without_rulings_are_an_unruled_table():
    chars = []
    rows = [("项目", "2024", "2025"), ("税收收入", "1,234.50", "1,300.00"), ("非税收入", "234.10", "240.00"), ("合计", "1,468.60", "1,540.00"), ("其他", "1.00", "2.00")]
    for r, (a, b, c) in enumerate(rows):
        y = 100 + r * 16
        chars += _chars(a, 50, y) + _chars(b.rjust(8), 200, y) + _chars(c.rjust(8), 320, y)
    chars = [c for c in chars if c["text"] != " "]
    (t,) = find_unruled_tables(chars, 1, S)
    assert not t.ruled and t.n_cols == 3
    assert t.row_texts(t.n_rows - 1) == ["其他", "1.00", "2.00"]


def test_prose_lines_with_numbers_are_not_a_table():
    chars = []
    for r, line in enumerate(["2025年，全市一般公共预算收入891.73亿元，同口径增长3.2%，", "完成预算的100%。一般公共预算支出915.59亿元，增长0.77%，", "其中市本级支出1,094.79亿元。", "主要原因是2025年执行中追加了12.3亿元。"]):
        chars += _chars(line, 50, 100 + r * 16)
    assert find_unruled_tables(chars, 1, S) == []


# ---------------------------------------------------------------- real corpus

@needs_real
def test_two_sided_summary_table_has_exact_grid_and_merged_side_headers():
    doc = extract_document(real(COMMERCE), pages=[9])
    (t,) = doc.tables
    assert (t.n_rows, t.n_cols) == (16, 4)
    spans = {(c.row, c.col): (c.row_span, c.col_span) for c in t.cells}
    assert spans[(0, 0)] == (1, 2) and spans[(0, 2)] == (1, 2)  # 本年收入 / 本年支出
    assert t.row_texts(2) == ["一、财政拨款收入", "371,514,655.00", "一、一般公共服务支出", "21,601,733.00"]
    assert t.row_texts(3)[0] == "1. 一般公共预算资金"  # the space after "1." is kept
    assert [ln.text for ln in t.captions_above] == ["2025年部门财务收支预算总表", "编制部门：上海市普陀区商务委员会", "单位：元"]


@needs_real
def test_two_row_merged_header_with_code_columns():
    (t,) = extract_document(real(COMMERCE), pages=[10]).tables
    assert (t.n_rows, t.n_cols) == (17, 9)
    spans = {(c.row, c.col): (c.row_span, c.col_span, c.text) for c in t.cells}
    assert spans[(0, 0)] == (1, 4, "项目")
    assert spans[(1, 0)] == (1, 3, "功能分类科目编码")
    assert spans[(1, 3)] == (2, 1, "功能分类科目名称")
    assert t.row_texts(2)[:3] == ["类", "款", "项"]
    assert t.row_texts(5)[:5] == ["201", "13", "01", "行政运行", "9,389,913.00"]


@needs_real
def test_white_background_rects_are_not_rulings_and_thin_black_rects_are():
    # Gaofayuan p8: 708 white fills + 527 thin black rects drawn as borders
    doc = extract_document(real(GAOFAYUAN), pages=[8])
    (t,) = doc.tables
    assert (t.n_rows, t.n_cols) == (27, 6)
    assert t.row_texts(3) == ["一、财政拨款", "37,188.34", "一、一般公共服务支出", "", "一、基本支出", "21,968.00"]
    assert t.row_texts(19)[2] == "十七、自然资源海洋气象等支出"  # wrapped over two lines in the cell
    assert "部门名称：江苏省高级人民法院" in [ln.text for ln in t.captions_above]


@needs_real
def test_body_block_without_row_rulings_is_split_into_rows_at_text_lines():
    doc = extract_document(real(HENAN), pages=[6])
    (t,) = doc.tables
    assert t.n_cols == 6 and t.n_rows == 26 and len(t.synthetic_row_edges) == 24  # header band; body band = 24 items + 合计
    assert t.row_texts(0) == ["项目", "2025年预算数", "2025年调整预算数", "2025年执行数", "2026年预算数", "为上年预算数%"]
    assert t.row_texts(1) == ["一般公共服务支出", "749,276", "872,879", "838,379", "731,967", "97.7"]
    assert t.row_texts(21) == ["预备费", "210,000", "", "", "220,000", "104.8"]
    assert t.row_texts(25) == ["合计", "18,480,000", "24,912,754", "21,961,908", "19,800,000", "107.1"]
    assert t.captions_below[0].text.startswith("备注：1.本表中的预算数")
    assert len(t.captions_below) == 3


@pytest.mark.skipif(not (FIXTURES / "changsha-miit-2023-budget.pdf").exists(), reason="fixture not generated")
def test_merged_cell_is_not_split_by_rows_of_neighbouring_columns():
    # performance-target table: 单位编码 … 整体绩效目标 (cols 0-9) are single cells from the
    # first body row to the table bottom, ruled only where the 指标 columns change row;
    # the wrapped lines of 成本指标 / 2528.61 / 评分标准 must not make synthetic rows
    (t,) = extract_document(FIXTURES / "changsha-miit-2023-budget.pdf", pages=[31]).tables
    assert t.synthetic_row_edges == ()
    cell = next(c for c in t.cells if (c.row, c.col) == (3, 0))
    assert (cell.text, cell.row_span) == ("501001", t.n_rows - 3)  # every body row
    for col in range(10):
        (c,) = [c for c in t.cells if c.col == col and c.row <= 3 < c.row + c.row_span]
        assert c.row + c.row_span == t.n_rows
    col11 = [(c.row, c.row_span, c.text) for c in t.cells if c.col == 11]
    assert (7, 2, "成本指标") in col11 and not any(c.text in ("成本指", "标") for c in t.cells)


@needs_real
def test_label_rows_without_numbers_in_an_unruled_block_stay_separate_rows():
    (t,) = extract_document(real(HENAN), pages=[2]).tables
    texts = [t.row_texts(r)[0] for r in range(t.n_rows)]
    i = texts.index("（三）调入资金")
    assert texts[i + 1 : i + 5] == ["政府性基金预算调入资金", "国有资本经营预算调入资金", "其他调入资金", "（四）动用预算稳定调节基金"]


@needs_real
def test_table_continuing_on_next_page_without_bottom_border_keeps_its_last_row():
    (t,) = extract_document(real(HENAN), pages=[2]).tables
    assert t.open_bottom
    assert t.row_texts(t.n_rows - 1) == ["（四）动用预算稳定调节基金", "550,000", "550,000", "100.0"]


@needs_real
def test_rulings_drawn_as_thin_filled_curves():
    (t,) = extract_document(real(DONGGUAN), pages=[40]).tables
    assert (t.n_rows, t.n_cols) == (46, 3)
    assert t.row_texts(1) == ["2010701", "行政运行", "80,788.00"]
    assert t.row_texts(45) == ["2013199", "其他党委办公厅（室）及相关机构事务支出", "2,588.00"]


@needs_real
def test_repeated_header_on_every_page_of_a_27_page_table():
    doc = extract_document(real("atlas__nanchang_2025_gp_expenditure_execution_table.pdf"), pages="1-3")
    assert [t.page for t in doc.tables] == [1, 2, 3]
    heads = {tuple(t.row_texts(0)) for t in doc.tables}
    assert len(heads) == 1


@needs_real
def test_huaian_broken_font_pages_are_garbled_and_yield_no_garbage():
    # the text layer alone (OCR off; tests/test_ocr.py reads these pages from their images)
    doc = extract_document(real(HUAIAN), settings=ExtractSettings(ocr="off"))
    assert doc.garbled_pages == list(range(1, 13))
    assert all(p.has_text_layer for p in doc.pages)
    assert all(not p.lines for p in doc.pages)
    assert all(c.text is None or c.text == "" for t in doc.tables for c in t.cells)


@needs_real
def test_page_without_text_layer_is_flagged():
    doc = extract_document(real(FINANCE), pages=[14])
    assert doc.pages_without_text == [14]


NARRATIVE = {
    COMMERCE: "3-8,22-26",
    "GovBudgetChecker__sh_putuo_gov_office_2025_dept_budget.pdf": "3-7,21-22",
    "GovBudgetChecker__sh_putuo_wanli_street_2024_dept_budget.pdf": "3-9,32-33",
    FINANCE: "2-4,21-25",
    "GovBudgetChecker__sh_template_2024_dept_final_TEMPLATE.pdf": "15-23",
    GAOFAYUAN: "2-5,18,20-26",
    "ae86jack__js_renda_2018_doc.pdf": "2-7,19-31",
    DONGGUAN: "4-31,146-148",
}


@needs_real
@pytest.mark.parametrize("name", sorted(NARRATIVE))
def test_narrative_pages_yield_no_tables(name):
    doc = extract_document(real(name), pages=NARRATIVE[name])
    assert [(t.page, t.n_rows, t.n_cols, t.ruled) for t in doc.tables] == []
    assert all(p.lines for p in doc.pages)  # the prose is kept as lines


@needs_real
def test_camelot_engine_gives_the_same_grid_on_a_ruled_page():
    a = extract_document(real(COMMERCE), pages=[10])
    b = extract_document(real(COMMERCE), pages=[10], engine="camelot")
    (ta,), (tb,) = a.tables, b.tables
    assert tb.engine == "camelot"
    assert (ta.n_rows, ta.n_cols) == (tb.n_rows, tb.n_cols)
    assert [(c.row, c.col, c.row_span, c.col_span, c.text) for c in ta.cells] == [
        (c.row, c.col, c.row_span, c.col_span, c.text) for c in tb.cells
    ]


@needs_real
def test_engines_disagree_on_henan_body_block_without_row_rulings():
    # camelot lattice only sees the ruled bands; ours splits the body at text lines
    a = extract_document(real(HENAN), pages=[6]).tables[0]
    b = extract_document(real(HENAN), pages=[6], engine="camelot").tables
    assert a.n_rows == 26
    assert all(t.n_rows < 26 for t in b)


@needs_real
def test_debug_dump_is_json_serialisable():
    doc = extract_document(real(COMMERCE), pages="9")
    d = to_debug_dict(doc)
    json.dumps(d, ensure_ascii=False)
    assert d["tables"][0]["rows"][2][1] == "371,514,655.00"


# ---------------------------------------------------------------- bad input

@pytest.fixture
def small_pdf(tmp_path) -> Path:
    from reportlab.pdfgen import canvas

    p = tmp_path / "small.pdf"
    c = canvas.Canvas(str(p))
    c.drawString(100, 700, "hello 123")
    c.save()
    return p


def test_empty_file_is_reported_as_empty(tmp_path):
    p = tmp_path / "e.pdf"
    p.write_bytes(b"")
    with pytest.raises(PdfOpenError) as e:
        extract_document(p)
    assert e.value.kind == "empty"


def test_html_saved_as_pdf_is_not_pdf(tmp_path):
    p = tmp_path / "x.pdf"
    p.write_text("<html>404</html>")
    with pytest.raises(PdfOpenError) as e:
        extract_document(p)
    assert e.value.kind == "not_pdf"


def test_truncated_pdf_is_corrupt(tmp_path, small_pdf):
    p = tmp_path / "t.pdf"
    p.write_bytes(small_pdf.read_bytes()[:300])
    with pytest.raises(PdfOpenError) as e:
        extract_document(p)
    assert e.value.kind == "corrupt"


def test_user_password_pdf_is_encrypted_and_owner_only_opens(tmp_path, small_pdf):
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(small_pdf) as pdf:
        pdf.save(tmp_path / "user.pdf", encryption=pikepdf.Encryption(user="u", owner="o"))
        pdf.save(tmp_path / "owner.pdf", encryption=pikepdf.Encryption(user="", owner="o", allow=pikepdf.Permissions(extract=False)))
    with pytest.raises(PdfOpenError) as e:
        extract_document(tmp_path / "user.pdf")
    assert e.value.kind == "encrypted" and str(e.value) == "encrypted: a user password is required"
    doc = extract_document(tmp_path / "owner.pdf")
    assert doc.pages[0].lines[0].text == "hello 123"


def test_rotated_page_is_read_in_display_coordinates(tmp_path):
    # a landscape table page stored portrait with /Rotate 90 and its content drawn turned
    pikepdf = pytest.importorskip("pikepdf")
    from reportlab.pdfgen import canvas

    src = tmp_path / "src.pdf"
    c = canvas.Canvas(str(src))
    c.translate(300, 100)
    c.rotate(90)
    c.drawString(0, 0, "hello 123")
    c.save()
    with pikepdf.open(src) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.save(tmp_path / "rot.pdf")
    doc = extract_document(tmp_path / "rot.pdf")
    info = doc.pages[0]
    assert info.rotation == 90 and info.width > info.height
    assert info.lines[0].text == "hello 123"


def test_page_ranges_parse():
    assert parse_pages("3-5,8", 10) == [3, 4, 5, 8]
    assert parse_pages(None, 2) == [1, 2]
    with pytest.raises(ValueError):
        parse_pages("11", 10)
