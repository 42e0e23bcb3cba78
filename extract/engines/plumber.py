"""The pdfplumber engine: glyphs and drawing objects from pdfminer via pdfplumber.

The page is parsed once: chars, lines, rects and curves are read from pdfplumber's
cached object lists; no layout analysis (LAParams) and no second pass.
"""

from __future__ import annotations

import io
import math

from ..layout import analyse_page
from ..models import BBox, PageResult
from ..primitives import PagePrimitives
from ..rulings import is_painted, object_segments
from ..settings import ExtractSettings


def glyph_direction(matrix) -> int:
    """Baseline direction (0/90/180/270, anticlockwise) of a glyph from its text matrix
    (pdfminer's, device space with y up, page rotation included)."""
    if not matrix:
        return 0
    a, b = matrix[0], matrix[1]
    return int(round(math.degrees(math.atan2(b, a)) / 90.0)) % 4 * 90


def page_primitives(page, settings: ExtractSettings) -> PagePrimitives:
    """A pdfplumber page's glyphs, rulings and images (pt, top-left origin, as displayed)."""
    chars = page.chars
    for ch in chars:
        ch["dir"] = glyph_direction(ch.get("matrix"))
    segs = []
    dots = []
    t = settings.max_ruling_thickness
    for obj in (*page.lines, *page.rects, *page.curves):
        segs.extend(object_segments(obj, t))
        if obj["x1"] - obj["x0"] <= t and obj["bottom"] - obj["top"] <= t and is_painted(obj):
            dots.append(BBox(float(obj["x0"]), float(obj["top"]), float(obj["x1"]), float(obj["bottom"])))
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

    def primitives(self, page_no: int) -> PagePrimitives:
        page = self.pdf.pages[page_no - 1]
        try:
            return page_primitives(page, self.settings)
        finally:
            page.close()

    def extract_page(self, page_no: int) -> PageResult:
        return analyse_page(self.primitives(page_no), self.settings, self.name)

    def close(self) -> None:
        self.pdf.close()

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
