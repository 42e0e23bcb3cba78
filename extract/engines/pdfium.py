"""The pdfium engine: glyphs, rulings and images read with pdfium (``pdfium_raw``).

Reads the same primitives as the pdfplumber engine about ten times faster (pdfium parses
the content stream in C; pdfminer does it in Python), then hands them to the shared
chain (``layout.analyse_page``). Beyond what pdfplumber reads, it drops the glyphs a
clipping path hides (``PagePrimitives.n_hidden_chars``): text overflowing a cell that
the producer clipped at the cell edge is not on the page.
"""

from __future__ import annotations

from ..layout import analyse_page
from ..models import BBox, PageResult
from ..pdfium_raw import ObjectReader, PdfiumOpenError, RawDocument, TextReader
from ..primitives import PagePrimitives
from ..rulings import object_dot, object_segments
from ..settings import ExtractSettings


class PdfiumDocument:
    """A PDF opened with pdfium; each page (and its text page) is closed as soon as it is read."""

    def __init__(self, data: bytes, settings: ExtractSettings, name: str = "pdfium"):
        from ..document import PdfOpenError

        try:
            self.doc = RawDocument(data)
        except PdfiumOpenError as e:
            if e.code == 4:
                raise PdfOpenError("encrypted", "a user password is required") from None
            raise PdfOpenError("corrupt", str(e)) from None
        self.settings = settings
        self.name = name
        self.page_count = self.doc.page_count
        self.text = TextReader()
        self.objects = ObjectReader()

    def primitives(self, page_no: int) -> PagePrimitives:
        """Glyphs (hidden ones dropped), rulings, dots and images of one page (1-based)."""
        with self.doc.page(page_no - 1) as page:
            objects, images, texts = self.objects.page_objects(page)
            chars, hidden = self.text.page_chars(page, texts=texts)
            geo = page.geometry
        thick = self.settings.max_ruling_thickness
        segs = []
        dots = []
        for obj in objects:
            segs.extend(object_segments(obj, thick))
            dot = object_dot(obj, thick)
            if dot is not None:
                dots.append(dot)
        return PagePrimitives(
            page=page_no,
            width=geo.width,
            height=geo.height,
            rotation=geo.rotation,
            chars=tuple(chars),
            segments=tuple(segs),
            images=tuple(BBox(*b) for b in images),
            dots=tuple(dots),
            n_hidden_chars=len(hidden),
        )

    def extract_page(self, page_no: int) -> PageResult:
        return analyse_page(self.primitives(page_no), self.settings, self.name)

    def close(self) -> None:
        self.doc.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class HiddenGlyphs:
    """Glyphs hidden by a clipping path, read with pdfium, for another engine to drop.

    The pdfplumber engine reads every glyph of the content stream (pdfminer ignores
    clipping paths); ``drop(page_no, chars, dx, dy)`` removes those pdfium finds hidden.
    """

    def __init__(self, data: bytes):
        self.doc = RawDocument(data)
        self.text = TextReader()
        self.objects = ObjectReader()

    def boxes(self, page_no: int) -> list[dict]:
        """Hidden glyphs of one page (1-based), in this engine's coordinates."""
        with self.doc.page(page_no - 1) as page:
            texts = self.objects.page_objects(page)[2]
            return self.text.page_chars(page, texts=texts)[1]

    def drop(self, page_no: int, chars, dx: float = 0.0, dy: float = 0.0, tol: float = 0.5) -> tuple[list, int]:
        """(``chars`` without the hidden ones, how many were dropped). A glyph is hidden when
        pdfium reports a hidden glyph with the same text whose box, shifted by (dx, dy) into
        the caller's coordinates, has the same left and right edges (within ``tol`` pt) and
        overlaps it vertically."""
        hidden = self.boxes(page_no)
        if not hidden:
            return list(chars), 0
        by_text: dict[str, list[dict]] = {}
        for h in hidden:
            by_text.setdefault(h["text"], []).append(h)
        kept, n = [], 0
        for ch in chars:
            cands = by_text.get(ch["text"])
            if cands:
                for k, h in enumerate(cands):
                    if (abs(h["x0"] + dx - ch["x0"]) <= tol and abs(h["x1"] + dx - ch["x1"]) <= tol
                            and h["top"] + dy < ch["bottom"] and ch["top"] < h["bottom"] + dy):
                        del cands[k]
                        n += 1
                        break
                else:
                    kept.append(ch)
                continue
            kept.append(ch)
        return kept, n

    def close(self) -> None:
        self.doc.close()


class PdfiumEngine:
    """Own ruling analysis over pdfium's glyphs and drawing objects."""

    name = "pdfium"

    def open(self, data: bytes, settings: ExtractSettings) -> PdfiumDocument:
        return PdfiumDocument(data, settings)


__all__ = ["HiddenGlyphs", "PdfiumDocument", "PdfiumEngine"]
