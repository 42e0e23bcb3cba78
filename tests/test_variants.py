"""One invented 部门支出总表 drawn the ways producers draw it (fixtures/generator/variants.py):
each issue-11 failure class on a fixture of our own, beyond the handed case files.

Truth comes from the variant's spec (rows that add up to the 分), not from reading a PDF.
The PDFs are drawn at test time with reportlab and the WenQuanYi font (fonts-wqy-zenhei).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fixtures.generator.variants import DEPARTMENT, FONT_PATH, TITLE, VARIANTS, Variant, render_variant, truth
from budgetpdf.pipeline import process_file

pytestmark = pytest.mark.skipif(not Path(FONT_PATH).exists(),
                                reason="fonts-wqy-zenhei not installed (apt-get install fonts-wqy-zenhei)")
BY_NAME = {v.name: v for v in VARIANTS}
READABLE = [v.name for v in VARIANTS if not v.scanned]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    folder = tmp_path_factory.mktemp("variants")
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = process_file(render_variant(BY_NAME[name], folder / f"{name}.pdf"))
        return cache[name]
    return get


def _items(out) -> Counter:
    return Counter((li.code, li.item, li.column_label, li.amount) for li in out.line_items)


@pytest.mark.parametrize("name", READABLE)
def test_every_drawing_of_the_table_gives_its_truth(drawn, name):
    variant: Variant = BY_NAME[name]
    out = drawn(name)
    doc = out.document
    assert doc.status == "ok", doc.error
    assert (doc.department, doc.fiscal_year) == (DEPARTMENT, 2025)
    (table,) = out.tables
    assert (table.table_type, table.title, table.unit_label, table.page_start, table.page_end, table.n_rows) == \
        ("expenditure_summary", TITLE, "万元", 1, 2, 24)
    assert tuple(table.header) == ("科目编码/类", "科目编码/款", "科目编码/项", "科目名称", "合计", "基本支出", "项目支出")
    want = Counter(truth(variant))
    got = _items(out)
    if variant.clip_labels:  # a clipped name may come out whole or as its visible part, never longer
        names = {w[1] for w in want}

        def whole(item: str) -> str:
            if item in names:  # whole already (合计 and the short names fit their cell)
                return item
            full = [n for n in names if n.startswith(item)]
            assert len(item) >= 4 and len(full) == 1, item
            return full[0]
        got = Counter({(c, whole(i), lab, a): n for (c, i, lab, a), n in got.items()})
    assert got == want
    statuses = Counter(c.status for c in out.checks)
    assert statuses["failed"] == 0 and statuses["passed"] >= 50


def test_latin_word_spaces_survive_in_cells(drawn):
    texts = {c.text for c in drawn("dotted").cells}
    assert "GDP 核算数据核查专项" in texts


@pytest.mark.parametrize("name", ["turned-clockwise", "turned-anticlockwise-two-pages"])
def test_turned_tables_keep_page_coordinates(drawn, name):
    out = drawn(name)
    cells = [c for c in out.cells if c.page == 1]
    # on a portrait page the turned table is taller than wide
    width = max(c.x1 for c in cells) - min(c.x0 for c in cells)
    height = max(c.bottom for c in cells) - min(c.top for c in cells)
    assert height > 500 > width  # the landscape layout's width (~760 pt) runs down the page
    assert all(0 <= c.x0 < c.x1 <= 595.3 and 0 <= c.top < c.bottom <= 841.9 for c in cells)


def test_six_decimal_amounts_are_exact(drawn):
    out = drawn("six-decimals")
    amounts = {li.amount for li in out.line_items}
    assert all(-a.as_tuple().exponent == 6 for a in amounts)


def test_turned_header_labels_read_upright(drawn):
    head = {c.text for c in drawn("dotted-inner").cells if c.is_header}
    assert {"合计", "基本支出", "项目支出"} <= head


def test_a_scan_with_a_digital_stamp_has_no_text_layer(tmp_path):
    from budgetpdf.extract.settings import ExtractSettings
    from budgetpdf.pipeline import RunConfig

    pdf = render_variant(BY_NAME["scanned-with-stamp"], tmp_path / "scanned.pdf")
    out = process_file(pdf, config=RunConfig(settings=ExtractSettings(ocr="off")))  # the text layer alone
    assert out.document.status == "failed"
    assert "no text layer on pages 1-2" in out.document.error
    assert "pip install 'budgetpdf[ocr]'" in out.document.error
    assert not out.line_items


def test_a_scan_with_a_digital_stamp_is_read_by_ocr(drawn):
    """With OCR (the default when the extra is installed) the scanned pages give the
    table's truth, every table marked as read by OCR."""
    out = drawn("scanned-with-stamp")
    assert out.tables and all(t.text_source == "ocr" for t in out.tables)
    assert _items(out) == Counter(truth(BY_NAME["scanned-with-stamp"]))
    assert all(c.confidence is not None for c in out.cells if c.text)


def test_a_glyph_mapped_to_nul_empties_its_cells_and_flags_the_pages(tmp_path):
    """The dotted variant with the ToUnicode entry of the digit 3 pointing at U+0000 (what a
    broken subset font gives): cells holding a 3 lose their text, nothing else is guessed."""
    import pikepdf

    src = render_variant(BY_NAME["dotted"], tmp_path / "dotted.pdf")
    dst = tmp_path / "nul.pdf"
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            for _, font in page.Resources.Font.items():
                if "/ToUnicode" in font:
                    cmap = font.ToUnicode.read_bytes().replace(b"<0033>", b"<0000>")
                    font.ToUnicode = pikepdf.Stream(pdf, cmap)
        pdf.save(dst)
    out = process_file(dst)
    doc = out.document
    assert doc.status == "partial" and "undecodable glyphs on pages 1-2" in doc.error
    assert not any("\x00" in (c.text or "") for c in out.cells)
    assert not any("\x00" in (t.title or "") for t in out.tables)
    want = {(i, lab, a): code for code, i, lab, a in truth(BY_NAME["dotted"])}
    got = _items(out)
    assert len(got) > 30
    for code, item, label, amount in got:  # every figure read is right; those with a 3 are simply absent
        assert (item, label, amount) in want, (code, item, label, amount)
        assert code in (want[(item, label, amount)], None)  # a code with an undecodable digit is unknown, not guessed
    assert all("3" not in str(a) for (_, _, _, a) in got)
