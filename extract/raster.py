"""A page read from its image: render, deskew, rulings by morphology, OCR → ``PagePrimitives``.

For pages without a usable text layer (``PageInfo.needs_ocr``: a scan, or glyphs that
cannot be decoded). The result is a ``PagePrimitives(text_source="ocr")`` that goes
through the same chain as a digital page (``layout.analyse_page``: rulings → grid →
cells → captions, text-aligned tables where nothing is ruled).

Steps, each a function here:

1. ``render_gray``: the page as displayed, greyscale, at ``settings.ocr_dpi`` (pypdfium2).
2. ``flatten``: divide by the paper's brightness (a max filter then a blur), so a grey or
   uneven background becomes white and ink stays dark; ``ink_mask`` binarises (Otsu).
3. ``estimate_skew`` / ``rotate``: the angle (degrees) that makes rows of ink most
   horizontal, by projection profiles over ±``settings.ocr_max_skew``; the image is
   turned back by it. Coordinates are those of the deskewed page.
4. ``find_rulings``: morphological opening of the ink with long thin kernels (a
   horizontal ruling is ink at least ``ocr_min_hruling`` pt long and a vertical one
   ``ocr_min_vruling`` pt tall, longer than any CJK stroke at body sizes); each
   connected piece becomes a ``Segment`` in PDF points. The rulings are then erased from
   the image the reader sees, so no ``|`` or ``一`` is read off a ruling.
5. The OCR reader (``ocr.py``) gives text runs with per-character positions; once
   every flagged page of the document is read, words printed more than once vote on
   their unsure characters (``ocrvote.py``); each character becomes a glyph dict
   (``text``, ``x0``..``bottom`` in pt, ``size``, ``upright``, ``dir`` 0, ``confidence``).

OpenCV (installed with camelot) does the image work; we keep our own skew and ruling
steps because they are a few array operations each and feed our ``Segment`` type
directly (camelot's lattice finder works on a whole page and returns its own tables).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .layout import analyse_page
from .models import PageResult
from .ocr import TextRun
from .primitives import Char, PagePrimitives, Segment
from .settings import ExtractSettings


def render_gray(pdf, page_no: int, dpi: float) -> np.ndarray:
    """Page ``page_no`` (1-based) of a ``pypdfium2.PdfDocument`` as a uint8 greyscale
    array (rows = y down), rendered as displayed (``/Rotate`` applied) at ``dpi``."""
    page = pdf[page_no - 1]
    try:
        bitmap = page.render(scale=dpi / 72.0, grayscale=True)
        arr = bitmap.to_numpy()
    finally:
        page.close()
    if arr.ndim == 3:
        arr = arr[:, :, 0]
    return np.ascontiguousarray(arr)


def flatten(gray: np.ndarray, dpi: float) -> np.ndarray:
    """Background to white: ``gray / paper * 255``, the paper's brightness estimated by a
    max filter wider than any stroke (about 3 pt) and smoothed."""
    import cv2

    k = max(3, int(round(3.0 * dpi / 72.0)) | 1)
    paper = cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.blur(paper, (4 * k + 1, 4 * k + 1))
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def ink_mask(flat: np.ndarray) -> np.ndarray:
    """Ink = 255, paper = 0 (Otsu's threshold on the flattened image)."""
    import cv2

    _, ink = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def rotate(img: np.ndarray, degrees: float, fill: int) -> np.ndarray:
    """``img`` turned anticlockwise by ``degrees`` about its centre, same size, ``fill`` outside."""
    import cv2

    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def estimate_skew(ink: np.ndarray, max_degrees: float = 3.0) -> float:
    """The page's skew: how far (degrees, anticlockwise) its rows of ink are turned
    from horizontal; ``rotate(img, -skew)`` levels them.

    Projection profiles: the image (scaled to about 1000 px wide) is turned by each
    candidate angle and its row sums compared; rulings and text lines give the sharpest
    profile (largest sum of squared differences between neighbouring rows) when level.
    Coarse steps of 0.2°, then 0.02° around the best. 0.0 for an empty page.
    """
    import cv2

    if max_degrees <= 0 or not ink.any():
        return 0.0
    h, w = ink.shape
    s = min(1.0, 1000.0 / w)
    small = cv2.resize(ink, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA).astype(np.float32)

    def score(a: float) -> float:
        prof = rotate(small, a, 0).sum(axis=1)
        return float(np.sum(np.diff(prof) ** 2))

    coarse = np.arange(-max_degrees, max_degrees + 1e-9, 0.2)
    best = max(coarse, key=score)
    fine = np.arange(best - 0.2, best + 0.2 + 1e-9, 0.02)
    best = max(fine, key=score)
    return float(round(-best, 2)) + 0.0


def _segments(mask: np.ndarray, ink: np.ndarray, orient: str, px: float, max_thick_px: float) -> list[Segment]:
    """The connected pieces of ``mask`` (an opened ruling mask, image px) as ``Segment``s
    in pt. A piece thicker than ``max_thick_px`` is dropped, and so is one with ink on
    both sides along its length (``_flanked``): that is a line of glyphs fused by the
    scan's blur (a figure such as ``251.92`` in a 150 dpi scan opens into a bar as long
    as a short ruling), not a ruling, which has paper on at least one side. Dropped
    pieces are cleared from ``mask`` (so they are not erased from the reader's image)."""
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    scale = 1.0 / px
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        thick = h if orient == "h" else w
        if thick > max_thick_px or _flanked(ink, orient, x, y, w, h, px):
            sub = mask[y:y + h, x:x + w]
            sub[labels[y:y + h, x:x + w] == i] = 0
            continue
        if orient == "h":
            out.append(Segment("h", (y + h / 2.0) * scale, x * scale, (x + w) * scale))
        else:
            out.append(Segment("v", (x + w / 2.0) * scale, y * scale, (y + h) * scale))
    return out


FLANK_PT = 1.5  # width of the strip beside a ruling piece that is looked at (pt)
FLANK_MAX_INK = 0.2  # share of ink in both strips above which the piece is fused glyphs


def _flanked(ink: np.ndarray, orient: str, x: int, y: int, w: int, h: int, px: float) -> bool:
    """True when the strips of ``FLANK_PT`` beside a piece (above and below a horizontal
    one, left and right of a vertical one; a gap of 0.5 pt left for the blur of its own
    edges) both hold more than ``FLANK_MAX_INK`` ink. A ruling has paper on at least
    one side (cell text keeps a padding from it, crossing rulings are a few pixels);
    a fused line of glyphs has their strokes on both."""
    k = max(2, int(round(FLANK_PT * px)))
    gap = max(1, int(round(0.5 * px)))
    if orient == "h":
        a = ink[max(0, y - gap - k):max(0, y - gap), x:x + w]
        b = ink[y + h + gap:y + h + gap + k, x:x + w]
    else:
        a = ink[y:y + h, max(0, x - gap - k):max(0, x - gap)]
        b = ink[y:y + h, x + w + gap:x + w + gap + k]
    if a.size == 0 or b.size == 0:
        return False
    return min(float((a > 0).mean()), float((b > 0).mean())) > FLANK_MAX_INK


def find_rulings(ink: np.ndarray, dpi: float, settings: ExtractSettings) -> tuple[list[Segment], np.ndarray]:
    """Rulings of a deskewed page: ``Segment``s in pt and the mask of their pixels
    (dilated by one pixel, to erase them from the image the reader sees).

    Ink is first closed over gaps of about 0.5 pt (a scanned ruling breaks up), then
    opened with a ``ocr_min_hruling`` × 1 and a 1 × ``ocr_min_vruling`` kernel; pieces
    thicker than ``max_ruling_thickness`` + 1 pt (a filled block, a bold heading) are
    not rulings, nor is one with ink along both sides (``_flanked``: fused glyphs). A
    vertical piece shorter than ``ocr_free_vruling`` must run from one horizontal
    ruling to another (the stem of a large title glyph does not), and a horizontal one
    shorter than ``ocr_free_hruling`` from one vertical ruling to another.
    """
    import cv2

    px = dpi / 72.0
    gap = max(1, int(round(0.5 * px)))
    hk = max(5, int(round(settings.ocr_min_hruling * px)))
    vk = max(5, int(round(settings.ocr_min_vruling * px)))
    hmask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap + 1, 1)))
    hmask = cv2.morphologyEx(hmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (hk, 1)))
    vmask = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (1, gap + 1)))
    vmask = cv2.morphologyEx(vmask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, vk)))
    thick = (settings.max_ruling_thickness + 1.0) * px
    hsegs = _segments(hmask, ink, "h", px, thick)
    vsegs = _segments(vmask, ink, "v", px, thick)
    keep = [s for s in vsegs if s.length >= settings.ocr_free_vruling or _between_rulings(s, hsegs, settings)]
    if len(keep) < len(vsegs):  # the strokes of a large title are not rulings: leave them in the image
        vmask = _mask_of(keep, vmask.shape, px)
    hkeep = [s for s in hsegs if s.length >= settings.ocr_free_hruling or _between_rulings(s, keep, settings)]
    if len(hkeep) < len(hsegs):  # the fused bottom strokes of a line of bold glyphs: leave them in the image
        hmask = _mask_of(hkeep, hmask.shape, px)
    lines = cv2.dilate(cv2.bitwise_or(hmask, vmask), cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    return hkeep + keep, lines


def _between_rulings(s: Segment, across: list[Segment], settings: ExtractSettings) -> bool:
    """A short piece is a ruling when rulings of the other direction (``across``) pass
    at both its ends: a vertical one a row tall, a horizontal one a column wide (a cell
    border). A stroke of a glyph, or the bottom strokes of a line of bold glyphs fused
    by a scan's blur, stops short of them."""
    tol = settings.intersection_tolerance + settings.max_ruling_thickness

    def meets(end: float) -> bool:
        return any(abs(o.pos - end) <= tol and o.a - tol <= s.pos <= o.b + tol for o in across)

    return meets(s.a) and meets(s.b)


def _mask_of(segs: list[Segment], shape: tuple[int, ...], px: float) -> np.ndarray:
    """A mask with the given rulings drawn 3 px wide (image px)."""
    import cv2

    mask = np.zeros(shape, np.uint8)
    for s in segs:
        p = int(round(s.pos * px))
        if s.orient == "v":
            cv2.line(mask, (p, int(s.a * px)), (p, int(np.ceil(s.b * px))), 255, 3)
        else:
            cv2.line(mask, (int(s.a * px), p), (int(np.ceil(s.b * px)), p), 255, 3)
    return mask


def runs_to_chars(runs: list[TextRun], scale: float) -> list[Char]:
    """Glyph dicts (pt) from text runs (px): one per recognised character, ``size`` =
    0.85 × the run's box height (the detector's box is padded around the ink)."""
    chars: list[Char] = []
    for run in runs:
        top, bottom = run.top * scale, run.bottom * scale
        size = 0.85 * (bottom - top)
        for c in run.chars:
            chars.append({
                "text": c.text, "x0": c.x0 * scale, "x1": c.x1 * scale, "top": top, "bottom": bottom,
                "size": size, "upright": True, "dir": 0, "confidence": round(c.confidence, 4),
                "fontname": "OCR",
            })
    return chars


def read_page_image(gray: np.ndarray, reader, settings: ExtractSettings, dpi: float
                    ) -> tuple[list[TextRun], list[Segment], float]:
    """One rendered page (``gray``: uint8, as displayed, ``dpi``) read by ``reader``:
    its text runs (image px of the deskewed page), its rulings (``Segment``s, pt) and
    the skew angle found (degrees, anticlockwise)."""
    flat = flatten(gray, dpi)
    ink = ink_mask(flat)
    angle = estimate_skew(ink, settings.ocr_max_skew)
    if abs(angle) >= 0.05:
        flat = rotate(flat, -angle, 255)  # level the rows
        ink = ink_mask(flat)
    segs, lines = find_rulings(ink, dpi, settings)
    clean = flat.copy()
    clean[lines > 0] = 255
    px = dpi / 72.0
    vr = [(s.pos * px, s.a * px, s.b * px) for s in segs if s.orient == "v"]
    return reader.read(clean, vr), segs, angle


def ocr_primitives(runs: list[TextRun], segs: list[Segment], page_no: int, width: float, height: float,
                   rotation: int, dpi: float) -> PagePrimitives:
    """The ``PagePrimitives(text_source="ocr")`` of a page read from its image: ``runs``
    in image px at ``dpi``, ``segs`` in pt, ``width``/``height`` the page size in pt as
    displayed."""
    chars = runs_to_chars(runs, 72.0 / dpi)
    return PagePrimitives(page=page_no, width=width, height=height, rotation=rotation, chars=tuple(chars),
                          segments=tuple(segs), images=(), text_source="ocr")


def skew_note(angle: float) -> str:
    return f"{angle:+.2f}°" if not math.isclose(angle, 0.0, abs_tol=0.005) else "0°"


class OcrPages:
    """Reads flagged pages of one PDF from their images (opened lazily by ``extract_document``).

    ``unavailable`` is None when a reader is ready, else why pages cannot be OCR'd
    (the message names the install command). ``read_pages`` never raises: a page whose OCR
    fails keeps its flags and gets a warning.
    """

    def __init__(self, data: bytes, settings: ExtractSettings):
        from .ocr import INSTALL_HINT, OcrUnavailable, get_reader

        self.settings = settings
        self.reader = None
        self.unavailable: str | None = None
        self._pdf = None
        self._data = data
        if settings.ocr == "off":
            self.unavailable = (f"OCR is off (--ocr off, or settings ocr='off'); {INSTALL_HINT} and --ocr auto "
                                "read such pages")
            return
        name = "rapidocr" if settings.ocr == "auto" else settings.ocr
        try:
            self.reader = get_reader(name, settings.ocr_threads)
        except OcrUnavailable as e:
            self.unavailable = str(e)

    def read_pages(self, results: Sequence[PageResult]) -> list[PageResult]:
        """The pages of ``results`` (each ``needs_ocr``, of this document) read from their
        images, in the same order; each PageInfo keeps the text layer's flags, with
        ``text_source="ocr"``. Every page is read before any page's tables are built,
        so that words printed on several pages vote on their unsure characters
        (``ocrvote.vote_repeated_words``). A page whose OCR fails keeps its flags and
        gets a warning."""
        if self.reader is None:
            return list(results)
        import pypdfium2 as pdfium

        from .ocrvote import vote_repeated_words

        dpi = self.settings.ocr_dpi
        out: list[PageResult] = list(results)
        read: list[tuple[int, list, list, float]] = []  # index in results, runs, segments, skew
        for k, result in enumerate(results):
            try:
                if self._pdf is None:
                    self._pdf = pdfium.PdfDocument(self._data)
                gray = render_gray(self._pdf, result.info.page, dpi)
                runs, segs, angle = read_page_image(gray, self.reader, self.settings, dpi)
            except Exception as e:  # a page OCR cannot read stays flagged, the document goes on
                out[k] = self._failed(result, e)
                continue
            read.append((k, runs, segs, angle))
        voted, n_voted = vote_repeated_words([runs for _, runs, _, _ in read])
        for (k, _, segs, angle), runs, n in zip(read, voted, n_voted):
            result, info = results[k], results[k].info
            try:
                prims = ocr_primitives(runs, segs, info.page, info.width, info.height, info.rotation, dpi)
                got = analyse_page(prims, self.settings, f"ocr:{self.reader.name}")
            except Exception as e:
                out[k] = self._failed(result, e)
                continue
            note = f"{self.reader.name} {self.reader.version or ''}".strip() + f", {dpi} dpi, skew {skew_note(angle)}"
            if n:
                note += f"; {n} unsure character{'s' if n > 1 else ''} decided by the word's other printings"
            new_info = replace(info, lines=got.info.lines, text_source="ocr", ocr=note)
            out[k] = PageResult(new_info, got.tables, (*got.warnings, f"page {info.page}: read by OCR ({note})"))
        return out

    @staticmethod
    def _failed(result: PageResult, e: Exception) -> PageResult:
        return PageResult(result.info, result.tables, (*result.warnings, f"page {result.info.page}: OCR failed: {e!r}"))

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()
            self._pdf = None


__all__ = ["OcrPages", "estimate_skew", "find_rulings", "flatten", "ink_mask", "ocr_primitives", "read_page_image",
           "render_gray", "rotate", "runs_to_chars"]
