"""The pdfplumber engine: glyphs and drawing objects from pdfminer via pdfplumber.

The page is parsed once: chars, lines, rects and curves are read from pdfplumber's
cached object lists; no layout analysis (LAParams) and no second pass. pdfminer ignores
clipping paths, so the glyphs a clip hides are found with pdfium (``HiddenGlyphs``) and
dropped here.
"""

from __future__ import annotations

import dataclasses
import io
import math

from ..frames import Frame
from ..layout import analyse_page
from ..models import BBox, PageResult
from ..primitives import PagePrimitives
from ..rulings import object_dot, object_segments
from ..settings import ExtractSettings


def glyph_direction(matrix) -> int:
    """Baseline direction (0/90/180/270, anticlockwise) of a glyph from its text matrix
    (pdfminer's, device space with y up, page rotation included)."""
    if not matrix:
        return 0
    a, b = matrix[0], matrix[1]
    return int(round(math.degrees(math.atan2(b, a)) / 90.0)) % 4 * 90


ASCENT, DESCENT = 0.88, 0.12  # a glyph box rebuilt from its baseline, in font sizes


def baseline_box(ch: dict, page_width: float, page_height: float, origin: tuple[float, float] = (0.0, 0.0)) -> None:
    """Rebuild a glyph's box from its baseline when its font's metrics put the box off the
    baseline (杭州 2024: digits in a font whose box hangs entirely on the far side of the
    baseline, 8 pt off the CJK text and the commas of the same line). pdfminer's box comes
    from the font's ascent/descent; the baseline (the text matrix's origin) is exact.
    Works in the glyph's own upright frame, so turned text is handled alike. ``origin`` is
    (left, top) of the page box in PDF user space: the text matrix is in user space, the
    glyph boxes are relative to the page box (哈尔滨 2023 pages start at -11.9 pt)."""
    m = ch.get("matrix")
    if not m:
        return
    frame = Frame(ch["dir"], page_width, page_height)
    up = frame.char(ch)
    _, base = frame.point(m[4] - origin[0], origin[1] - m[5])
    top, bottom = up["top"], up["bottom"]
    h = bottom - top
    if h > 0 and top + 0.5 * h <= base <= bottom + 0.05 * h:
        return  # the usual box: the baseline in its lower half
    size = up.get("size") or h
    box = frame.box_back(BBox(up["x0"], base - ASCENT * size, up["x1"], base + DESCENT * size))
    ch["x0"], ch["top"], ch["x1"], ch["bottom"] = box.x0, box.top, box.x1, box.bottom


def page_primitives(page, settings: ExtractSettings) -> PagePrimitives:
    """A pdfplumber page's glyphs, rulings and images (pt, top-left origin, as displayed)."""
    chars = page.chars
    rotated = int(page.rotation or 0) % 360 != 0
    box = page.mediabox
    origin = (float(box[0]), float(box[3]))
    for ch in chars:
        ch["dir"] = glyph_direction(ch.get("matrix"))
        if not rotated:
            baseline_box(ch, float(page.width), float(page.height), origin)
    segs = []
    dots = []
    t = settings.max_ruling_thickness
    for obj in (*page.lines, *page.rects, *page.curves):
        segs.extend(object_segments(obj, t))
        dot = object_dot(obj, t)
        if dot is not None:
            dots.append(dot)
    return PagePrimitives(
        page=page.page_number,
        width=float(page.width),
        height=float(page.height),
        rotation=int(page.rotation or 0),
        chars=tuple(chars),
        segments=tuple(segs),
        images=tuple(BBox(float(i["x0"]), float(i["top"]), float(i["x1"]), float(i["bottom"])) for i in page.images),
        dots=tuple(dots),
    )


class PlumberDocument:
    """A PDF opened with pdfplumber; pages are closed as soon as they are read."""

    def __init__(self, data: bytes, settings: ExtractSettings, name: str = "pdfplumber"):
        import pdfplumber
        from pdfplumber.utils.exceptions import PdfminerException

        from ..document import PdfOpenError

        try:
            self.pdf = pdfplumber.open(io.BytesIO(data))
        except PdfminerException as e:
            if "Password" in repr(e):
                raise PdfOpenError("encrypted", "a user password is required") from None
            raise PdfOpenError("corrupt", f"{e!r}") from None
        self.settings = settings
        self.name = name
        self.page_count = len(self.pdf.pages)
        from .pdfium import HiddenGlyphs

        self.hidden = HiddenGlyphs(data)

    def primitives(self, page_no: int) -> PagePrimitives:
        page = self.pdf.pages[page_no - 1]
        try:
            prims = page_primitives(page, self.settings)
        finally:
            page.close()
        # pdfplumber's coordinates are pdfium's shifted by its MediaBox origin
        chars, n_hidden = self.hidden.drop(page_no, prims.chars, float(page.mediabox[0]), float(page.mediabox[1]))
        return dataclasses.replace(prims, chars=tuple(chars), n_hidden_chars=n_hidden) if n_hidden else prims

    def extract_page(self, page_no: int) -> PageResult:
        return analyse_page(self.primitives(page_no), self.settings, self.name)

    def close(self) -> None:
        self.pdf.close()
        self.hidden.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class PdfplumberEngine:
    """Own ruling analysis over pdfplumber's glyphs and drawing objects (the default)."""

    name = "pdfplumber"

    def open(self, data: bytes, settings: ExtractSettings) -> PlumberDocument:
        return PlumberDocument(data, settings)


__all__ = ["PdfplumberEngine", "PlumberDocument", "page_primitives"]
