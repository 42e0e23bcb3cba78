"""What an engine reads off one page, before any table logic: glyphs, rulings, images.

Every engine (pdfplumber, pdfium, a raster/OCR reader) turns a page into one
``PagePrimitives``; everything after that (rulings → grid → cells → text repair →
captions, ``layout.analyse_page``) is shared, so engines differ only in how they read
the page.

Coordinates are PDF points in the pdfplumber convention: origin at the top-left of the
page *as displayed* (after ``/Rotate``), x to the right, y down.

A glyph (``Char``) is a plain dict, the shape pdfplumber uses, because the text
functions are hot loops over hundreds of thousands of glyphs and dict access is the
cheapest there. Keys every engine must set:

========== ============================================================================
``text``    the glyph's Unicode text (one character, or ``(cid:NN)`` when unmapped)
``x0``      left edge, pt                ``x1``   right edge, pt
``top``     top edge, pt                 ``bottom`` bottom edge, pt
``size``    font size, pt (the glyph box height for a rotated glyph)
``upright`` True when the glyph's baseline runs left to right on the displayed page
``dir``     baseline direction on the displayed page, degrees anticlockwise:
            0 (normal), 90 (reads bottom to top), 180, 270 (reads top to bottom)
========== ============================================================================

Optional keys: ``fontname``, ``confidence`` (0-1, OCR only).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import BBox

Char = dict


@dataclass(frozen=True)
class Segment:
    """An axis-aligned ruling. For 'h': pos = y, a..b = x range; for 'v': pos = x, a..b = y range (pt)."""

    orient: str  # "h" or "v"
    pos: float
    a: float
    b: float
    synthetic: bool = False  # added by the extractor (a frame closed at a page break), not printed

    @property
    def length(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class PagePrimitives:
    """One page as an engine read it.

    ``chars``: visible glyphs, whitespace glyphs included (the text functions use real
    space glyphs between Latin words). ``segments``: axis-aligned rulings drawn on the
    page (lines, thin filled boxes, the sides of stroked boxes), not yet merged.
    ``images``: where images are painted (a scan is one image over the page).
    ``dots``: tiny painted marks (a dotted ruling is a row of them; ``rulings`` chains them).
    ``n_hidden_chars``: glyphs the engine dropped because a clipping path hides them.
    """

    page: int  # 1-based
    width: float
    height: float
    rotation: int  # /Rotate in degrees
    chars: tuple[Char, ...]
    segments: tuple[Segment, ...]
    images: tuple[BBox, ...] = ()
    dots: tuple[BBox, ...] = ()  # marks too small to be rulings alone (both sides <= max_ruling_thickness)
    text_source: str = "pdf"  # "pdf" or "ocr"
    n_hidden_chars: int = 0


__all__ = ["Char", "PagePrimitives", "Segment"]
