"""The raw pdfium reader (extract/pdfium_raw.py) against independent references.

References: pdfplumber's glyphs and drawing objects on the same page (a different parser),
coordinates worked out by hand from what a viewer shows, and PDFs built here with
reportlab whose placements and string widths (reportlab's own font metrics) are known.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

from budgetpdf.extract import pdfium_raw as pr
from budgetpdf.extract.rulings import object_dot, object_segments

ROOT = Path(__file__).resolve().parents[1]
BAISHA = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"
SHARED = ROOT.parent / "shared"


def read_page(data: bytes, index: int = 0):
    """(visible glyphs, hidden glyphs, paths, images) of one page."""
    with pr.RawDocument(data) as doc, doc.page(index) as page:
        paths, images, texts = pr.ObjectReader().page_objects(page)
        visible, hidden = pr.TextReader().page_chars(page, texts=texts)
        return visible, hidden, paths, images


def reportlab_pdf(draw, size=(400, 300)) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def clipped_string(c, x, y, text, clip, font=("Helvetica", 10)):
    c.saveState()
    p = c.beginPath()
    p.rect(*clip)
    c.clipPath(p, stroke=0, fill=0)
    c.setFont(*font)
    c.drawString(x, y, text)
    c.restoreState()


def visible_by_metrics(text, x, clip_x1, font=("Helvetica", 10), scale=1.0, offset=0.0):
    """The glyphs whose centre lies left of the clip's right edge, from reportlab's widths."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out, pos = "", x
    for ch in text:
        w = stringWidth(ch, *font)
        if offset + scale * (pos + w / 2) <= offset + scale * clip_x1:
            out += ch
        pos += w
    return out


# ---------------------------------------------------------------------------------------
# page geometry


@pytest.mark.parametrize("rotation, top_left, bottom_right", [
    (0, (0, 0), (100, 200)),
    (90, (200, 0), (0, 100)),     # turned clockwise: the top edge is now on the right
    (180, (100, 200), (0, 0)),
    (270, (0, 100), (200, 0)),
])
def test_mediabox_corners_land_where_a_viewer_shows_them(rotation, top_left, bottom_right):
    geo = pr.page_geometry((10, 20, 110, 220), rotation)  # 100 wide, 200 tall in user space
    assert (geo.width, geo.height) == ((100, 200) if rotation in (0, 180) else (200, 100))
    assert pr.apply(geo.to_display, 10, 220) == pytest.approx(top_left)  # user top-left corner
    assert pr.apply(geo.to_display, 110, 20) == pytest.approx(bottom_right)


# ---------------------------------------------------------------------------------------
# glyphs


def test_glyph_boxes_match_pdfplumber_on_a_fixture_page():
    """Same glyphs in the same order with the same boxes as pdfminer computes them (this
    fixture's fonts give /Descent in their descriptor; see pdfium_raw on fonts without)."""
    import pdfplumber

    data = BAISHA.read_bytes()
    for index in (2, 5):
        visible, hidden, _, _ = read_page(data, index)
        with pdfplumber.open(BAISHA) as pdf:
            ref = [c for c in pdf.pages[index].chars if not c["text"].isspace()]
        got = [c for c in visible if not c["text"].isspace()]
        assert not hidden
        assert [c["text"] for c in got] == [c["text"] for c in ref]
        for a, b in zip(got, ref):
            # pdfium keeps glyph widths in whole 1/1000 em, so positions drift a little along
            # a long run (0.1 pt over a 400 pt line); widths and heights agree closely
            for k in ("x0", "x1"):
                assert a[k] == pytest.approx(b[k], abs=0.25), (a, k, b[k])
            for k in ("top", "bottom", "size"):
                assert a[k] == pytest.approx(b[k], abs=0.01), (a, k, b[k])
            assert a["x1"] - a["x0"] == pytest.approx(b["x1"] - b["x0"], abs=0.02)
            assert a["upright"] and a["dir"] == 0


def test_a_page_stored_turned_reads_like_the_upright_original(tmp_path):
    """/Rotate 90 over content drawn a quarter turn: the displayed page is the original."""
    from test_rotated_pages import rotated_copy

    rotated = tmp_path / "rotated.pdf"
    rotated_copy(BAISHA, rotated)
    a, _, pa, _ = read_page(BAISHA.read_bytes(), 2)
    b, _, pb, _ = read_page(rotated.read_bytes(), 2)
    assert [c["text"] for c in a] == [c["text"] for c in b]
    for x, y in zip(a, b):
        for k in ("x0", "x1", "top", "bottom"):
            assert x[k] == pytest.approx(y[k], abs=0.01)
        assert (y["dir"], y["upright"]) == (0, True)
    seg = lambda paths: sorted((s.orient, round(s.pos, 1), round(s.a, 1), round(s.b, 1))  # noqa: E731
                               for o in paths for s in object_segments(o, 3.0))
    assert seg(pa) == seg(pb)


@pytest.mark.parametrize("angle, direction, upright", [(90, 90, False), (180, 180, True), (270, 270, False)])
def test_text_drawn_turned_has_its_baseline_direction(angle, direction, upright):
    """``upright`` is pdfminer's (a·d > 0 and b·c <= 0), so text turned 180° counts as upright;
    ``dir`` tells the reading direction."""
    def draw(c):
        c.saveState()
        c.translate(200, 150)
        c.rotate(angle)
        c.setFont("Helvetica", 10)
        c.drawString(0, 0, "ABC")
        c.restoreState()

    visible, _, _, _ = read_page(reportlab_pdf(draw))
    assert [c["text"] for c in visible] == list("ABC")
    assert {(c["dir"], c["upright"]) for c in visible} == {(direction, upright)}
    # the first glyph starts at the origin (200, 300 - 150) and the run goes along `direction`
    first = visible[0]
    if direction == 90:  # reads bottom to top, left edge of the box at the origin minus the descent
        assert first["bottom"] == pytest.approx(150, abs=0.01) and visible[1]["bottom"] < first["bottom"]
    elif direction == 270:
        assert first["top"] == pytest.approx(150, abs=0.01) and visible[1]["top"] > first["top"]
    else:
        assert first["x1"] == pytest.approx(200, abs=0.01) and visible[1]["x1"] < first["x1"]


def test_a_hyphen_ending_a_line_stays_a_hyphen():
    """pdfium marks a line-ending '-' as a soft hyphen (0xFFFE); the reader restores it."""
    changsha = ROOT / "fixtures" / "docs" / "changsha-miit-2023-budget.pdf"
    import pdfplumber

    visible, _, _, _ = read_page(changsha.read_bytes(), 21)
    with pdfplumber.open(changsha) as pdf:
        ref = pdf.pages[21].chars
    assert sum(c["text"] == "-" for c in visible) == sum(c["text"] == "-" for c in ref) > 0
    assert not any(c["text"] in ("\ufffe", "\x02") for c in visible)


@pytest.mark.skipif(not (SHARED / "cases" / "18-missing-tounicode-cid-glyphs").is_dir(), reason="../shared/cases absent")
def test_unmapped_glyphs_read_as_cid_like_pdfminer():
    import pdfplumber

    pdf_path = next((SHARED / "cases" / "18-missing-tounicode-cid-glyphs").glob("input*.pdf"))
    visible, _, _, _ = read_page(pdf_path.read_bytes())
    with pdfplumber.open(pdf_path) as pdf:
        ref = [c["text"] for c in pdf.pages[0].chars if not c["text"].isspace()]
    got = [c["text"] for c in visible if not c["text"].isspace()]
    # pdfium skips text objects whose glyph boxes are empty (3 one-glyph objects here)
    assert all(t.startswith("(cid:") for t in got + ref)
    assert not Counter(got) - Counter(ref) and len(got) >= 0.98 * len(ref)


# ---------------------------------------------------------------------------------------
# clipping paths


def test_glyphs_outside_the_clip_are_hidden():
    text, clip = "ABCDEFGHIJKL", (100, 200, 60, 14)
    data = reportlab_pdf(lambda c: clipped_string(c, 102, 203, text, clip))
    visible, hidden, _, _ = read_page(data)
    want = visible_by_metrics(text, 102, 160)
    assert "".join(c["text"] for c in visible) == want and 0 < len(want) < len(text)
    assert "".join(c["text"] for c in hidden) == text[len(want):]


def test_clips_inside_a_form_xobject_are_mapped_with_the_form():
    """A cell drawn as a form XObject, placed translated and scaled: its clip is in form space."""
    text = "MNOPQRSTUVWX"

    def draw(c):
        c.beginForm("cell")
        clipped_string(c, 2, 3, text, (0, 0, 60, 14))
        c.rect(0, 0, 60, 14, stroke=1, fill=0)
        c.endForm()
        c.saveState()
        c.translate(100, 100)
        c.scale(1.5, 1.5)
        c.doForm("cell")
        c.restoreState()

    visible, hidden, paths, _ = read_page(reportlab_pdf(draw))
    want = visible_by_metrics(text, 2, 60, scale=1.5, offset=100)
    assert "".join(c["text"] for c in visible) == want and 0 < len(want) < len(text)
    assert "".join(c["text"] for c in hidden) == text[len(want):]
    # the form's frame lands at 100..190 × (300-121)..(300-100) on the displayed page
    (frame,) = paths
    assert (frame["object_type"], frame["x0"], frame["x1"], frame["top"], frame["bottom"]) == \
        ("rect", pytest.approx(100), pytest.approx(190), pytest.approx(179), pytest.approx(200))


def test_a_clip_that_is_not_a_box_is_tested_as_a_polygon():
    def draw(c):
        c.saveState()
        p = c.beginPath()  # a triangle: wide at the bottom, a point at the top
        p.moveTo(100, 100)
        p.lineTo(300, 100)
        p.lineTo(200, 200)
        p.close()
        c.clipPath(p, stroke=0, fill=0)
        c.setFont("Helvetica", 10)
        c.drawString(100, 105, "A" * 20)  # bottom row: inside the triangle's base
        c.drawString(100, 185, "B" * 20)  # near the apex: only the middle glyphs show
        c.restoreState()

    visible, hidden, _, _ = read_page(reportlab_pdf(draw))
    page_h = 300

    def in_triangle(c):  # user-space centre inside x >= y and x <= 400 - y, y >= 100
        x, y = (c["x0"] + c["x1"]) / 2, page_h - (c["top"] + c["bottom"]) / 2
        return 100 <= y and y <= x <= 400 - y

    b = [c for c in visible if c["text"] == "B"]
    assert all(in_triangle(c) for c in visible) and not any(in_triangle(c) for c in hidden)
    assert len(visible) + len(hidden) == 40
    assert sum(c["text"] == "A" for c in visible) >= 18 and 0 < len(b) < 6


@pytest.mark.skipif(not (SHARED / "cases" / "07-excel-clipped-overflow-text").is_dir(), reason="../shared/cases absent")
def test_case_07_the_overflowing_tail_is_hidden():
    data = (SHARED / "cases" / "07-excel-clipped-overflow-text" / "input.pdf").read_bytes()
    visible, hidden, _, _ = read_page(data)
    assert "".join(c["text"] for c in hidden) == "费支出"
    assert "机关事业单位基本养老保险缴" in "".join(c["text"] for c in visible)


# ---------------------------------------------------------------------------------------
# paths, dots and images


def test_rulings_match_pdfplumber_on_fixture_pages():
    import pdfplumber

    data = BAISHA.read_bytes()
    key = lambda segs: sorted((s.orient, round(s.pos, 1), round(s.a, 1), round(s.b, 1)) for s in segs if s.length > 1)  # noqa: E731
    with pdfplumber.open(BAISHA) as pdf:
        for index in (4, 5, 12):
            _, _, paths, _ = read_page(data, index)
            page = pdf.pages[index]
            ref = [s for o in (*page.lines, *page.rects, *page.curves) for s in object_segments(o, 3.0)]
            got = [s for o in paths for s in object_segments(o, 3.0)]
            assert len(got) > 20 and key(got) == key(ref)


def test_path_shapes_are_classified_as_pdfminer_does():
    def draw(c):
        c.setLineWidth(0.5)
        c.line(50, 250, 350, 250)               # a line
        c.rect(50, 200, 100, 20, stroke=1)      # a rect
        c.setFillGray(0.0)
        c.rect(50, 150, 300, 0.5, stroke=0, fill=1)  # a thin filled rect: one ruling
        p = c.beginPath()                       # a closed polygon that is no rectangle
        p.moveTo(200, 50)
        p.lineTo(300, 50)
        p.lineTo(250, 100)
        p.close()
        c.drawPath(p, stroke=1, fill=0)
        p = c.beginPath()                       # two subpaths in one path: two rects
        p.rect(50, 20, 10, 10)
        p.rect(70, 20, 10, 10)
        c.drawPath(p, stroke=0, fill=1)

    _, _, paths, _ = read_page(reportlab_pdf(draw))
    kinds = [p["object_type"] for p in paths]
    assert kinds == ["line", "rect", "rect", "curve", "rect", "rect"]
    thin = paths[2]
    assert (thin["x0"], thin["x1"], thin["top"], thin["bottom"]) == pytest.approx((50, 350, 149.5, 150))
    assert [(s.orient, s.pos) for s in object_segments(thin, 3.0)] == [("h", pytest.approx(149.75))]
    assert paths[1]["stroke"] and not paths[1]["fill"] and paths[4]["fill"] and not paths[4]["stroke"]


def test_dots_are_tiny_painted_marks_and_white_ones_are_not():
    def draw(c):
        c.setFillGray(0.0)
        for k in range(10):                     # a dotted ruling: 0.6 pt squares every 2 pt
            c.rect(50 + 2 * k, 100, 0.6, 0.6, stroke=0, fill=1)
        c.setFillGray(1.0)
        c.rect(50, 50, 0.6, 0.6, stroke=0, fill=1)  # white: paints nothing visible
        c.setFillGray(0.0)
        c.rect(50, 20, 20, 0.6, stroke=0, fill=1)   # a ruling, not a dot

    _, _, paths, _ = read_page(reportlab_pdf(draw))
    dots = [d for d in (object_dot(p, 3.0) for p in paths) if d is not None]
    assert len(dots) == 10
    assert [round(d.x0, 2) for d in dots] == [50 + 2 * k for k in range(10)]
    assert all(d.top == pytest.approx(199.4) and d.bottom == pytest.approx(200) for d in dots)


def test_images_are_placed_where_they_are_drawn():
    from reportlab.lib.utils import ImageReader
    from PIL import Image

    img = io.BytesIO()
    Image.new("RGB", (8, 4), (200, 0, 0)).save(img, "PNG")

    def draw(c):
        c.drawImage(ImageReader(io.BytesIO(img.getvalue())), 50, 120, width=100, height=80)

    _, _, _, images = read_page(reportlab_pdf(draw))
    assert images == [pytest.approx((50, 300 - 200, 150, 300 - 120))]


# ---------------------------------------------------------------------------------------
# handles


def test_documents_and_pages_close_once_and_refuse_use_after_close():
    doc = pr.RawDocument(BAISHA.read_bytes())
    page = doc.page(0)
    page.close()
    page.close()
    assert page.handle is None and page.text is None
    doc.close()
    doc.close()
    with pytest.raises(RuntimeError):
        doc.page(0)


def test_a_user_password_is_reported_with_pdfiums_code():
    with pytest.raises(pr.PdfiumOpenError) as e:
        pr.RawDocument((ROOT / "fixtures" / "bad" / "encrypted-user-password.pdf").read_bytes())
    assert e.value.code == pr.ERR_PASSWORD


def test_word_spaces_are_the_space_glyphs_drawn_never_inferred_ones():
    """A space drawn as a text object of its own (pdfium's text page skips it: it has no
    ink) is a glyph; a gap pdfium fills with a space of its own is not. Same as pdfminer."""
    import pdfplumber
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def draw(c):
        x = 100.0
        for word in ("Merged", " ", "cell"):  # three text objects (BT … ET each)
            t = c.beginText(x, 200)
            t.setFont("Helvetica", 10)
            t.textOut(word)
            c.drawText(t)
            x += stringWidth(word, "Helvetica", 10)
        c.setFont("Helvetica", 10)
        c.drawString(100, 150, "AB")  # two words 40 pt apart, no space drawn
        c.drawString(140, 150, "CD")

    data = reportlab_pdf(draw)
    visible, _, _, _ = read_page(data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        ref = pdf.pages[0].chars
    assert [c["text"] for c in visible] == [c["text"] for c in ref] == list("Merged cell") + list("ABCD")
    space = visible[6]
    assert space["x0"] == pytest.approx(100 + stringWidth("Merged", "Helvetica", 10), abs=0.01)
    assert (space["top"], space["bottom"]) == pytest.approx((visible[5]["top"], visible[5]["bottom"]), abs=0.01)


def _all_glyphs(path: Path, step: int = 1) -> list:
    """Visible and hidden glyphs, painted paths and image boxes of every ``step``-th page."""
    out = []
    with pr.RawDocument(path.read_bytes()) as doc:
        objects, text = pr.ObjectReader(), pr.TextReader()
        for i in range(0, doc.page_count, step):
            with doc.page(i) as page:
                paths, images, texts = objects.page_objects(page)
                out.append((text.page_chars(page, texts=texts), paths, images))
    return out


def test_the_compiled_glyph_loop_is_built_where_a_c_compiler_is():
    """``make setup`` builds extract/_glyphrun.c when the machine has the C compiler Python
    was built with and Python's headers (CI does); without them the ctypes loop runs, with
    the same output but slower on prose pages."""
    import os
    import shutil
    import sysconfig

    cc = (sysconfig.get_config_var("CC") or "gcc").split()[0]
    headers = os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
    if not shutil.which(cc) or not headers:
        pytest.skip(f"no {cc} or no Python.h on this machine: the optional extension _glyphrun is not built")
    if os.environ.get("BUDGETPDF_GLYPH_LOOP") == "ctypes":
        pytest.skip("BUDGETPDF_GLYPH_LOOP=ctypes is set")
    assert pr.COMPILED_LOOP
    import budgetpdf.extract._glyphrun as module  # an importable (empty) module, as package walkers expect

    assert module.__file__


@pytest.mark.parametrize("loop", ["compiled", "ctypes"])
def test_extract_says_when_the_ctypes_loop_runs(loop, tmp_path):
    """The batch's banner carries a note when the glyph loop runs through ctypes (the
    extension not built, or forced), and none otherwise."""
    import os
    import subprocess
    import sys

    if loop == "compiled" and not pr.COMPILED_LOOP:
        pytest.skip("the optional extension _glyphrun is not built")
    env = dict(os.environ, BUDGETPDF_GLYPH_LOOP=loop)
    pdf = ROOT / "fixtures" / "bad" / "no-tables.pdf"
    res = subprocess.run([sys.executable, "-m", "budgetpdf.cli", "extract", str(pdf), "--out", str(tmp_path / "out"),
                          "--jobs", "1"], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert ("glyph loop runs through ctypes" in res.stdout + res.stderr) == (loop == "ctypes")


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "fixtures" / "docs").glob("*.pdf")))
def test_compiled_and_ctypes_glyph_loops_read_the_same_glyphs(name, monkeypatch):
    """The C loop (_glyphrun.c) makes the same pdfium calls as the ctypes loop, so every glyph
    of every fixture page, its text, box, font, direction and clip, is the same either way."""
    if pr._GLYPH_RUNS is None:
        pytest.skip("the optional extension _glyphrun is not built")
    path = ROOT / "fixtures" / "docs" / name
    compiled = _all_glyphs(path)
    monkeypatch.setattr(pr, "_GLYPH_RUNS", None)
    monkeypatch.setattr(pr, "_GLYPH_WIDTHS", None)
    monkeypatch.setattr(pr, "_OBJECT_TYPES", None)
    assert _all_glyphs(path) == compiled
    assert sum(len(visible) for (visible, _), _, _ in compiled) > 0


@pytest.mark.slow
def test_compiled_and_ctypes_glyph_loops_agree_on_the_real_corpora(monkeypatch):
    """Every third page of both real corpora: clipped Excel exports, rotated pages, forms,
    undecodable fonts, lone space objects."""
    files = sorted(SHARED.glob("corpus/real*/*.pdf"))
    if not files:
        pytest.skip(f"{SHARED} is absent: the real corpora are not available here")
    if pr._GLYPH_RUNS is None:
        pytest.skip("the optional extension _glyphrun is not built")
    for f in files:
        try:
            compiled = _all_glyphs(f, 3)
        except pr.PdfiumOpenError:
            continue
        with monkeypatch.context() as m:
            m.setattr(pr, "_GLYPH_RUNS", None)
            m.setattr(pr, "_GLYPH_WIDTHS", None)
            m.setattr(pr, "_OBJECT_TYPES", None)
            assert _all_glyphs(f, 3) == compiled, f.name
