"""The one module with raw pdfium calls (``pypdfium2.raw``): glyphs, painted paths, images.

Why raw calls and not pypdfium2's helper classes: a budget page holds 500-1,500 glyphs
and as many path objects, and each glyph needs several pdfium calls. The helpers
allocate Python objects per call; here every function gets a ``ctypes`` prototype
taking plain integer handles (``c_void_p``), which makes one call about 1 µs.

The glyphs' pdfium calls (about seven per glyph on Word/WPS prose, which draws 1-2
glyphs per text object) run in one C loop per page, ``_glyphrun.c``, built by
``setup.py`` as an optional extension and called through ctypes with pypdfium2's own
function addresses; the values come back in numpy arrays and the boxes are computed
over the whole page at once. Where no C compiler was present at install time,
``TextReader._glyph_runs`` makes the same calls through ctypes: the output is the same
(tests/test_pdfium_raw.py), prose pages take 1.5-2x as long. ``COMPILED_LOOP`` says
which runs; ``budgetpdf extract`` warns when it is the ctypes one. What is the same for
every glyph of a text object (matrix, font, size, clip) is read once per object and
worked out once per distinct (font, size, matrix, clip, render mode).

Everything returned is in the convention of ``primitives.PagePrimitives``: PDF points,
origin at the top-left corner of the page's MediaBox as displayed (after ``/Rotate``),
x right, y down. (pdfplumber measures from user-space 0,0 instead, so on a page whose
MediaBox does not start at 0,0 its boxes are shifted by the MediaBox origin.)

- Glyph boxes are computed the way pdfminer computes them (so the pdfium and
  pdfplumber engines see the same geometry): the glyph's advance width along the
  baseline times the font's descent..descent + font size across it, mapped by the
  glyph's text matrix; pdfium's own boxes are the ink box (tight) or an ascent-based
  box (loose), neither of which is pdfminer's. Two differences remain: pdfium keeps
  glyph widths in whole 1/1000 em, so positions drift by up to ~0.1 pt along a long
  run; and for a font whose descriptor gives Descent 0, pdfium measures the descent in
  the font program where pdfminer keeps 0 (the box sits ~0.12 em lower).
- A glyph's text and width depend only on its font and the Unicode pdfium reports (its
  char code when unmapped, shown ``(cid:N)``), so they are read once per page and font.
- Spaces: pdfium infers spaces at wide gaps (``FPDFText_IsGenerated``); those are not
  glyphs. A space drawn as a text object of its own has no ink, and pdfium's text page
  skips it; it is put back (``TextReader._lone_spaces``) so word spaces
  (``textrepair.mark_word_spaces``) are the same as pdfminer's.
- Painted paths come back as pdfplumber-shaped dicts (``object_type`` line / rect /
  curve, ``x0 x1 top bottom``, ``stroke``, ``fill``, colours, ``pts``), one per subpath,
  classified as pdfminer does, so ``rulings.object_segments`` gives the same rulings
  for the same drawing whichever engine read it. Paths inside form XObjects are
  included with the form's matrix applied.
- A glyph whose centre lies outside its text object's clipping path is hidden: the
  PDF paints nothing there (Excel/WPS write a cell's whole overflowing string and
  clip it at the cell edge). Hidden glyphs are returned apart, never mixed with the
  visible ones. pdfium drops a clip that holds its whole object, and objects drawn
  under one clip state share it, so clips are read once per state (``_clip_state``).

Handles are closed deterministically: ``RawDocument.close`` and ``RawPage.close``
(both context managers) free the pdfium document, page and text page at once rather
than waiting for the garbage collector.

Errors: ``PdfiumOpenError`` (with pdfium's error code) when a document cannot be
loaded; ``RuntimeError`` when a page cannot be loaded.
"""

from __future__ import annotations

import bisect
import ctypes
import math
import os
from ctypes import POINTER, byref, c_double, c_float, c_int, c_uint, c_ulong, c_void_p
from dataclasses import dataclass

import numpy as np
import pypdfium2  # noqa: F401  (initialises the pdfium library once per process)
import pypdfium2.raw as _raw

from .engines.plumber import DESCENT as BASELINE_DESCENT


def _fn(name: str, restype, *argtypes, hold_gil: bool = True):
    """A prototype of pdfium's ``name`` taking integer handles (no pointer-type checks).

    ``hold_gil``: call it without releasing Python's GIL (``ctypes.PYFUNCTYPE``). The
    accessors called per glyph, per object and per path point return in nanoseconds;
    releasing and re-taking the GIL around each is a tenth of the call's cost. Calls that
    parse (loading a document, a page, a text page) and closing calls release it.
    """
    addr = ctypes.cast(getattr(_raw, name), c_void_p).value
    return (ctypes.PYFUNCTYPE if hold_gil else ctypes.CFUNCTYPE)(restype, *argtypes)(addr)


_P = c_void_p
_pd, _pf, _pu = POINTER(c_double), POINTER(c_float), POINTER(c_uint)

# document / page
_LoadMemDocument64 = _fn("FPDF_LoadMemDocument64", _P, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, hold_gil=False)
_CloseDocument = _fn("FPDF_CloseDocument", None, _P, hold_gil=False)
_GetLastError = _fn("FPDF_GetLastError", c_ulong)
_GetPageCount = _fn("FPDF_GetPageCount", c_int, _P)
_LoadPage = _fn("FPDF_LoadPage", _P, _P, c_int, hold_gil=False)
_ClosePage = _fn("FPDF_ClosePage", None, _P, hold_gil=False)
_GetRotation = _fn("FPDFPage_GetRotation", c_int, _P)
_GetMediaBox = _fn("FPDFPage_GetMediaBox", c_int, _P, _pf, _pf, _pf, _pf)
_GetPageBoundingBox = _fn("FPDF_GetPageBoundingBox", c_int, _P, POINTER(_raw.FS_RECTF))
# text page
_TextLoadPage = _fn("FPDFText_LoadPage", _P, _P, hold_gil=False)
_TextClosePage = _fn("FPDFText_ClosePage", None, _P, hold_gil=False)
_CountChars = _fn("FPDFText_CountChars", c_int, _P)
_GetText = _fn("FPDFText_GetText", c_int, _P, c_int, c_int, _P)
_GetUnicode = _fn("FPDFText_GetUnicode", c_uint, _P, c_int)
_GetTextObject = _fn("FPDFText_GetTextObject", _P, _P, c_int)
_GetCharOrigin = _fn("FPDFText_GetCharOrigin", c_int, _P, c_int, _pd, _pd)
_GetCharMatrix = _fn("FPDFText_GetMatrix", c_int, _P, c_int, POINTER(_raw.FS_MATRIX))
_GetLooseCharBox = _fn("FPDFText_GetLooseCharBox", c_int, _P, c_int, POINTER(_raw.FS_RECTF))
_HasUnicodeMapError = _fn("FPDFText_HasUnicodeMapError", c_int, _P, c_int)
_GetFontSize = _fn("FPDFText_GetFontSize", c_double, _P, c_int)
# text objects and fonts
_TextObjGetFont = _fn("FPDFTextObj_GetFont", _P, _P)
_TextObjGetFontSize = _fn("FPDFTextObj_GetFontSize", c_int, _P, _pf)
_TextObjGetRenderMode = _fn("FPDFTextObj_GetTextRenderMode", c_int, _P)
_IsGenerated = _fn("FPDFText_IsGenerated", c_int, _P, c_int)
_FontGetBaseFontName = _fn("FPDFFont_GetBaseFontName", c_ulong, _P, ctypes.c_char_p, c_ulong)
_FontGetDescent = _fn("FPDFFont_GetDescent", c_int, _P, c_float, _pf)
_FontGetGlyphWidth = _fn("FPDFFont_GetGlyphWidth", c_int, _P, c_uint, c_float, _pf)
# page objects
_CountObjects = _fn("FPDFPage_CountObjects", c_int, _P)
_GetObject = _fn("FPDFPage_GetObject", _P, _P, c_int)
_FormCountObjects = _fn("FPDFFormObj_CountObjects", c_int, _P)
_FormGetObject = _fn("FPDFFormObj_GetObject", _P, _P, c_ulong)
_ObjGetType = _fn("FPDFPageObj_GetType", c_int, _P)
_ObjGetMatrix = _fn("FPDFPageObj_GetMatrix", c_int, _P, POINTER(_raw.FS_MATRIX))
_ObjGetFillColor = _fn("FPDFPageObj_GetFillColor", c_int, _P, _pu, _pu, _pu, _pu)
_ObjGetStrokeColor = _fn("FPDFPageObj_GetStrokeColor", c_int, _P, _pu, _pu, _pu, _pu)
_ObjGetClipPath = _fn("FPDFPageObj_GetClipPath", _P, _P)
_PathGetDrawMode = _fn("FPDFPath_GetDrawMode", c_int, _P, POINTER(c_int), POINTER(c_int))
_PathCountSegments = _fn("FPDFPath_CountSegments", c_int, _P)
_PathGetPathSegment = _fn("FPDFPath_GetPathSegment", _P, _P, c_int)
_SegGetPoint = _fn("FPDFPathSegment_GetPoint", c_int, _P, _pf, _pf)
_SegGetType = _fn("FPDFPathSegment_GetType", c_int, _P)
_SegGetClose = _fn("FPDFPathSegment_GetClose", c_int, _P)
_ClipCountPaths = _fn("FPDFClipPath_CountPaths", c_int, _P)
_ClipCountPathSegments = _fn("FPDFClipPath_CountPathSegments", c_int, _P, c_int)
_ClipGetPathSegment = _fn("FPDFClipPath_GetPathSegment", _P, _P, c_int, c_int)

OBJ_TEXT, OBJ_PATH, OBJ_IMAGE, OBJ_SHADING, OBJ_FORM = 1, 2, 3, 4, 5
SEG_LINETO, SEG_BEZIERTO, SEG_MOVETO = 0, 1, 2
ERR_PASSWORD = 4

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f, PDF order
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


class PdfiumOpenError(Exception):
    """pdfium could not load the document; ``code`` is pdfium's FPDF_ERR_* (4 = password)."""

    def __init__(self, code: int):
        super().__init__(f"pdfium could not load the document (FPDF_ERR {code})")
        self.code = code


def mat_mul(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF row-vector convention: p·m·n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


@dataclass(frozen=True)
class PageGeometry:
    """Where a page's user space lands on the displayed page.

    ``width``/``height``: the MediaBox as displayed (swapped for /Rotate 90 and 270), pt.
    ``to_display``: user space → (x, top) on the displayed page (y down).
    ``to_device``: the linear part of user space → displayed page with y up (pdfminer's
    device space), used for a glyph's direction and uprightness.
    """

    width: float
    height: float
    rotation: int  # degrees clockwise, 0/90/180/270
    to_display: Matrix
    to_device: Matrix


def page_geometry(mediabox: tuple[float, float, float, float], rotation: int) -> PageGeometry:
    """The displayed page of a MediaBox (x0, y0, x1, y1 in user space) turned by /Rotate."""
    x0, y0, x1, y1 = mediabox
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    rotation %= 360
    # device space (y up, origin at the displayed page's bottom-left), as pdfminer sets its CTM
    if rotation == 90:
        dev = (0.0, -1.0, 1.0, 0.0, -y0, x1)
        w, h = y1 - y0, x1 - x0
    elif rotation == 180:
        dev = (-1.0, 0.0, 0.0, -1.0, x1, y1)
        w, h = x1 - x0, y1 - y0
    elif rotation == 270:
        dev = (0.0, 1.0, -1.0, 0.0, y1, -x0)
        w, h = y1 - y0, x1 - x0
    else:
        rotation = 0 if rotation not in (0,) else rotation
        dev = (1.0, 0.0, 0.0, 1.0, -x0, -y0)
        w, h = x1 - x0, y1 - y0
    flip = (1.0, 0.0, 0.0, -1.0, 0.0, h)  # y up → y down (top)
    return PageGeometry(w, h, rotation, mat_mul(dev, flip), dev[:4] + (0.0, 0.0))


# ---------------------------------------------------------------------------------------
# documents and pages


class RawDocument:
    """A PDF loaded by pdfium from bytes (kept alive here while pdfium reads them lazily)."""

    def __init__(self, data: bytes):
        self._data = data
        handle = _LoadMemDocument64(data, len(data), None)
        if not handle:
            raise PdfiumOpenError(int(_GetLastError()))
        self.handle: int | None = handle
        self.page_count = int(_GetPageCount(handle))

    def page(self, index: int) -> RawPage:
        """Page ``index`` (0-based), loaded with its text page. Close it (or use ``with``)."""
        if self.handle is None:
            raise RuntimeError("document is closed")
        return RawPage(self.handle, index)

    def close(self) -> None:
        if self.handle is not None:
            _CloseDocument(self.handle)
            self.handle = None
            self._data = b""

    def __enter__(self) -> RawDocument:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RawPage:
    """One loaded page and its text page; ``close`` frees both."""

    def __init__(self, doc_handle: int, index: int):
        self.handle = _LoadPage(doc_handle, index)
        if not self.handle:
            raise RuntimeError(f"pdfium could not load page {index + 1} (FPDF_ERR {int(_GetLastError())})")
        self.text = _TextLoadPage(self.handle)
        if not self.text:
            _ClosePage(self.handle)
            self.handle = None
            raise RuntimeError(f"pdfium could not read the text of page {index + 1}")
        self.index = index
        self.geometry = self._geometry()

    def _geometry(self) -> PageGeometry:
        vals = [c_float() for _ in range(4)]
        if _GetMediaBox(self.handle, *(byref(v) for v in vals)):
            box = tuple(v.value for v in vals)
        else:  # MediaBox inherited or missing: pdfium's own page box
            rect = _raw.FS_RECTF()
            _GetPageBoundingBox(self.handle, byref(rect))
            box = (rect.left, rect.bottom, rect.right, rect.top)
        return page_geometry(box, int(_GetRotation(self.handle)) * 90)

    def close(self) -> None:
        if self.text:
            _TextClosePage(self.text)
            self.text = None
        if self.handle:
            _ClosePage(self.handle)
            self.handle = None

    def __enter__(self) -> RawPage:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------------------------------
# glyphs


class _Fonts:
    """Caches of font names, descents and glyph widths by font handle, for one page: a page
    keeps its fonts alive, but once it is closed pdfium may free a font and reuse its
    address for another on the next page."""

    def __init__(self) -> None:
        self.names: dict[int, str] = {}
        self.descents: dict[int, float] = {}
        self.widths: dict[tuple[int, int], float] = {}
        self._f = c_float()

    def name(self, font: int) -> str:
        n = self.names.get(font)
        if n is None:
            size = _FontGetBaseFontName(font, None, 0)
            buf = ctypes.create_string_buffer(max(int(size), 1))
            _FontGetBaseFontName(font, buf, size)
            n = buf.value.decode("utf-8", "replace")
            self.names[font] = n
        return n

    def descent(self, font: int) -> float:
        """The font's descent per unit font size (<= 0). pdfium takes /Descent from the font
        descriptor; where the descriptor gives 0 for both ascent and descent it measures the
        font program instead (pdfminer keeps 0 and puts the glyph box on the baseline)."""
        d = self.descents.get(font)
        if d is None:
            d = 0.0
            if _FontGetDescent(font, 1000.0, byref(self._f)):
                d = self._f.value / 1000.0
            if d > 0:  # some producers write /Descent positive; pdfminer forces it negative
                d = -d
            self.descents[font] = d
        return d

    def width(self, font: int, code: int) -> float:
        """Advance width per unit font size of the glyph for Unicode ``code`` (-1 when unknown)."""
        key = (font, code)
        w = self.widths.get(key)
        if w is None:
            w = -1.0
            if code and _FontGetGlyphWidth(font, code, 1000.0, byref(self._f)):
                w = self._f.value / 1000.0
                if w <= 0:
                    w = -1.0
            self.widths[key] = w
        return w


def _direction(a: float, b: float) -> int:
    return int(round(math.degrees(math.atan2(b, a)) / 90.0)) % 4 * 90


_UNCLIPPED = ()


class TextReader:
    """Reads the glyphs of the pages of a document."""

    def __init__(self) -> None:
        self.fonts = _Fonts()
        self._ox, self._oy = c_double(), c_double()
        self._pox, self._poy = byref(self._ox), byref(self._oy)
        self._m = _raw.FS_MATRIX()
        self._pm = byref(self._m)
        self._rect = _raw.FS_RECTF()

    def _object_info(self, font: int, size: float, m: tuple[float, float, float, float], regions: tuple, mode: int,
                     geo: PageGeometry) -> tuple:
        """What every glyph of a text object shares, as a tuple:
        (ux, uy, vx, vy, desc, font, fontname, upright, dir, clip regions, render mode), where
        (ux, uy) is the display displacement of one unit of advance (font size 1) along the
        baseline, (vx, vy) that of the font size across it, desc the descent as a fraction
        of the font size; clip regions () when unclipped."""
        a, b, c, d = m
        t, dv = geo.to_display, geo.to_device
        ux, uy = (a * t[0] + b * t[2]) * size, (a * t[1] + b * t[3]) * size
        vx, vy = (c * t[0] + d * t[2]) * size, (c * t[1] + d * t[3]) * size
        da, db = a * dv[0] + b * dv[2], a * dv[1] + b * dv[3]
        dc, dd = c * dv[0] + d * dv[2], c * dv[1] + d * dv[3]
        desc = self.fonts.descent(font) if font else 0.0
        if geo.rotation == 0 and not -0.5 <= desc <= 0.05:
            # the box would not hold the baseline in its lower half: rebuilt from the baseline
            # as the pdfplumber engine does (engines.plumber.baseline_box; 杭州 2024 digits)
            desc = -BASELINE_DESCENT
        return (ux, uy, vx, vy, desc, font,
                self.fonts.name(font) if font else "", da * dd > 0 and db * dc <= 0, _direction(da, db),
                regions, int(mode))

    def _glyph_table(self, tp: int, index: np.ndarray, font: np.ndarray,
                     code: np.ndarray) -> tuple[list[str], np.ndarray]:
        """(texts, advance widths per unit font size or -1) of distinct glyphs: ``code[j]`` in
        ``font[j]``, read at glyph ``index[j]`` of text page ``tp``. pdfium reports a glyph
        without a Unicode mapping by its char code, shown ``(cid:N)`` as pdfminer does; its
        width is -1 (``_loose_width`` then measures it)."""
        mapped = np.where(code == 0x2, 0x2D, code).astype(np.uint32)  # pdfium's mark for a hyphen ending a line
        if _GLYPH_WIDTHS is not None:
            fn, api = _GLYPH_WIDTHS
            m = len(code)
            err, width = np.empty(m, np.int32), np.empty(m)
            index = np.ascontiguousarray(index, np.int64)
            font = np.ascontiguousarray(font, np.uintp)
            fn(byref(api), tp, m, index.ctypes.data, font.ctypes.data, mapped.ctypes.data, err.ctypes.data,
               width.ctypes.data)
            err_l = err.tolist()
            width = np.where(width > 0, width / 1000.0, -1.0)
        else:
            err_l = [_HasUnicodeMapError(tp, i) for i in index.tolist()]
            width = np.array([-1.0 if e or not f else self.fonts.width(f, c)
                              for e, f, c in zip(err_l, font.tolist(), mapped.tolist())])
        texts = []
        for e, c, mc in zip(err_l, code.tolist(), mapped.tolist()):
            if e:
                texts.append(f"(cid:{c})")
            else:
                # a glyph mapped to U+0000 stays NUL, as pdfminer reads it (an undecodable glyph)
                texts.append(chr(mc) if 0 <= mc < 0x110000 and not 0xD800 <= mc < 0xE000 else "\ufffd")
        return texts, np.where(np.array(err_l, bool), -1.0, width)

    def page_chars(self, page: RawPage, clip: bool = True, texts: dict | None = None) -> tuple[list[dict], list[dict]]:
        """(visible glyphs, glyphs hidden by a clipping path) of one page, in content order.

        ``texts``: the page's text objects (``ObjectReader.page_objects``'s third value).
        Without it, the clips of text inside form XObjects are read in the wrong space, and
        word spaces drawn as text objects of their own are missing: pdfium's text page
        skips a text object whose glyph boxes are empty, which a lone space is.

        Glyphs pdfium generates (spaces and line breaks it infers) are left out; space
        glyphs the PDF draws are kept. An unmapped glyph's text is ``(cid:N)`` as in
        pdfminer. Keys: text, x0, x1, top, bottom, size, upright, dir, fontname,
        render_mode (3 = invisible, as OCR text layers are drawn).
        """
        tp = page.text
        geo = page.geometry
        self.fonts = _Fonts()  # font handles are valid for this page only
        n = _CountChars(tp)
        if n <= 0:
            return [], []
        runs, codes, xs, ys, objs, mats, sizes, fonts, modes, cps, states = (
            _glyph_runs_c(tp, n) if _GLYPH_RUNS is not None else self._glyph_runs(tp, n))
        texts = texts or {}
        in_forms = {o for o, where in texts.items() if where[2]}  # text objects inside form XObjects
        obj_l, font_l = objs.tolist(), fonts.tolist()
        present = set(obj_l)  # every text object the text page holds

        # What the glyphs of each text-object run share (``_object_info``): one Python step per
        # distinct (font, size, matrix, clip, render mode), not per run (Word/WPS prose draws
        # 1-2 glyphs per text object, Excel one).
        trusted = _CLIP_IDENTITY
        if not clip:
            clip_key = [0] * len(obj_l)
        else:
            clip_key = [(1, o) if o in in_forms else 0 if not cp else st if trusted else cp
                        for o, cp, st in zip(obj_l, cps.tolist(), states.tolist())]
        groups: dict[tuple, int] = {}
        run_group_l = [groups.setdefault(key, len(groups)) for key in zip(
            font_l, sizes.tolist(), modes.tolist(), clip_key, *(mats[j::4].tolist() for j in range(4)))]
        run_group = np.array(run_group_l, np.intp)
        first_run = np.unique(run_group, return_index=True)[1]
        ng = len(first_run)
        per_group = np.empty((ng, 6))  # ux uy vx vy dvx dvy
        clip_box = np.full((ng, 4), np.nan)  # the clip when it is one box (x0, top, x1, bottom)
        complex_clip: dict[int, tuple] = {}  # group → clip regions that are not one box
        names, upright, direction, mode_g = [""] * ng, [True] * ng, [0] * ng, [0] * ng
        t0, t1, t2, t3, t4, t5 = geo.to_display
        infos: dict = {}
        clips: dict = {}
        for g, k in enumerate(first_run.tolist()):
            obj, font, cp = obj_l[k], font_l[k], int(cps[k])
            size, mode = float(sizes[k]) or 1.0, int(modes[k])  # Tf
            m = tuple(mats[4 * k: 4 * k + 4].tolist())
            regions = _UNCLIPPED
            if clip:
                if obj in in_forms:
                    regions = _object_clips(obj, geo, texts[obj], clips) or _UNCLIPPED
                elif cp:
                    state = int(states[k]) if trusted else cp
                    if state:
                        regions = clips.get(state) if trusted else None
                        if regions is None:
                            regions = _read_clip(cp, geo.to_display) or _UNCLIPPED
                            if trusted:
                                clips[state] = regions
            key = (font, size, *m, id(regions), mode)
            info = infos.get(key)
            if info is None:
                info = infos[key] = self._object_info(font, size, m, regions, mode, geo)
            ux, uy, vx, vy, desc, _, names[g], upright[g], direction[g], regions, mode_g[g] = info
            per_group[g] = (ux, uy, vx, vy, desc * vx + t4, desc * vy + t5)
            if regions:
                if len(regions) == 1 and isinstance(regions[0], tuple):
                    clip_box[g] = regions[0]
                else:
                    complex_clip[g] = regions

        # Per glyph, vectorised over the page: text and advance width by (font, Unicode), box.
        idx = np.flatnonzero(runs >= 0)  # glyphs drawn by a text object, in content order
        if not len(idx):
            return [], []
        r = runs[idx]
        code = codes[idx].astype(np.int64)
        _, font_no = np.unique(fonts, return_inverse=True)
        pairs, first, inverse = np.unique((font_no.reshape(-1)[r].astype(np.int64) << 32) | code,
                                          return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        texts_u, widths_u = self._glyph_table(tp, idx[first], fonts[r[first]], (pairs & 0xFFFFFFFF).astype(np.uint32))
        w = widths_u[inverse]
        x, y = xs[idx], ys[idx]
        for j in np.flatnonzero(w < 0).tolist():
            w[j] = self._loose_width(tp, int(idx[j]), float(x[j]))
        gr = run_group[r]  # each glyph's run group
        ux, uy, vx, vy, dvx, dvy = (per_group[:, j][gr] for j in range(6))
        wx, wy = w * ux, w * uy
        bx = t0 * x + t2 * y + dvx
        by = t1 * x + t3 * y + dvy
        zero = 0.0
        x0 = bx + np.where(wx < 0, wx, zero) + np.where(vx < 0, vx, zero)
        x1 = bx + np.where(wx > 0, wx, zero) + np.where(vx > 0, vx, zero)
        top = by + np.where(wy < 0, wy, zero) + np.where(vy < 0, vy, zero)
        bottom = by + np.where(wy > 0, wy, zero) + np.where(vy > 0, vy, zero)

        # Hidden: the glyph's centre lies outside its object's clip.
        cx, cy = (x0 + x1) / 2, (top + bottom) / 2
        cb = clip_box[gr]
        with np.errstate(invalid="ignore"):
            hide = ~((cb[:, 0] <= cx) & (cx <= cb[:, 2]) & (cb[:, 1] <= cy) & (cy <= cb[:, 3])) & ~np.isnan(cb[:, 0])
        for g, regions in complex_clip.items():
            at = gr == g
            hide[at] = ~_inside_clips_many(regions, cx[at], cy[at])
        g_l = gr.tolist()

        chars = [{"text": texts_u[u], "x0": a, "x1": b, "top": c, "bottom": d, "size": d - c,
                  "upright": upright[g], "dir": direction[g], "fontname": names[g], "render_mode": mode_g[g]}
                 for u, g, a, b, c, d in zip(inverse.tolist(), g_l, x0.tolist(), x1.tolist(), top.tolist(),
                                             bottom.tolist())]
        if hide.any():
            hide_l = hide.tolist()
            visible = [ch for ch, h in zip(chars, hide_l) if not h]
            hidden = [ch for ch, h in zip(chars, hide_l) if h]
            seen = [obj_l[k] for k, h in zip(r.tolist(), hide_l) if not h]
        else:
            visible, hidden = chars, []
            seen = [obj_l[k] for k in r.tolist()]
        if len(texts) > len(present):
            self._lone_spaces(page, texts, present, seen, visible)
        return visible, hidden

    def _glyph_runs(self, tp: int, n: int) -> tuple[np.ndarray, ...]:
        """``_glyph_runs_c`` made through ctypes, call by call: the same values, for when the
        compiled loop (``_glyphrun.c``) was not built. The page's bulk text replaces the
        per-glyph Unicode call where it lines up with the glyph indices."""
        buf = ctypes.create_string_buffer(2 * (n + 1))
        got = _GetText(tp, 0, n, buf)
        text = buf.raw[: 2 * max(got - 1, 0)].decode("utf-16-le", "surrogatepass") if got > 0 else ""
        bulk = len(text) == n  # one UTF-16 unit per glyph: the bulk text lines up with the indices
        runs, codes, xs, ys = [-1] * n, [0] * n, [0.0] * n, [0.0] * n
        objs: list[int] = []
        mats: list[float] = []
        sizes: list[float] = []
        fonts: list[int] = []
        modes: list[int] = []
        cps: list[int] = []
        states: list[int] = []
        m, pm = self._m, self._pm
        ox, oy, pox, poy = self._ox, self._oy, self._pox, self._poy
        last = None
        for i in range(n):
            obj = _GetTextObject(tp, i)
            if not obj:
                continue
            if obj != last:
                last = obj
                objs.append(obj)
                m.a = m.b = m.c = m.d = 0.0
                _GetCharMatrix(tp, i, pm)  # text matrix × CTM (× forms)
                mats.extend((m.a, m.b, m.c, m.d))
                sizes.append(_GetFontSize(tp, i))
                fonts.append(_TextObjGetFont(obj) or 0)
                modes.append(_TextObjGetRenderMode(obj))
                cp = _ObjGetClipPath(obj) or 0
                cps.append(cp)
                states.append(_clip_state(cp) or 0 if cp else 0)
            code = ord(text[i]) if bulk else _GetUnicode(tp, i)
            if code == 0xFFFE:  # the page text marks a line-ending hyphen (0x2) and NUL (0) so
                code = _GetUnicode(tp, i)
            codes[i] = code
            if code <= 0x20 and _IsGenerated(tp, i):
                runs[i] = -2  # a space pdfium inferred inside a text object
                continue
            runs[i] = len(objs) - 1
            _GetCharOrigin(tp, i, pox, poy)
            xs[i], ys[i] = ox.value, oy.value
        return (np.array(runs, np.int32), np.array(codes, np.uint32), np.array(xs), np.array(ys),
                np.array(objs, np.uintp), np.array(mats), np.array(sizes), np.array(fonts, np.uintp),
                np.array(modes, np.int32), np.array(cps, np.uintp), np.array(states, np.uintp))

    def _lone_spaces(self, page: RawPage, texts: dict, present: set[int], seen: list[int], visible: list[dict]) -> None:
        """Put back the word spaces drawn as text objects of their own, each where its object
        comes in the content order. pdfium's text page skips a text object whose glyph boxes
        are empty, which is a glyph that draws no ink: a space (its text cannot be asked for
        either, pdfium reads an object's text off the text page), so each such object
        becomes one space glyph at its origin."""
        missing = sorted((order, obj, outer) for obj, (order, outer, _) in texts.items() if obj not in present)
        if not missing:
            return
        orders = [texts[o][0] for o in seen]
        added: list[tuple[int, dict]] = []
        f = c_float()
        m = self._m
        for order, obj, outer in missing:
            if not _TextObjGetFontSize(obj, byref(f)) or not f.value or not _ObjGetMatrix(obj, self._pm):
                continue
            size = f.value
            font = _TextObjGetFont(obj) or 0
            a, b, c, d, e, ff = mat_mul((m.a, m.b, m.c, m.d, m.e, m.f), outer)  # → display
            w = self.fonts.width(font, 0x20) if font else -1.0
            adv = (w if w > 0 else 0.25) * size
            desc = self.fonts.descent(font) if font else 0.0
            ox, oy = e + desc * size * c, ff + desc * size * d
            xs = (ox, ox + adv * a, ox + size * c, ox + adv * a + size * c)
            ys = (oy, oy + adv * b, oy + size * d, oy + adv * b + size * d)
            added.append((order, {"text": " ", "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                                  "size": max(ys) - min(ys), "upright": -a * d > 0 and b * c >= 0,
                                  "dir": _direction(a, -b),  # display is y-down: the device matrix is (a, -b, c, -d)
                                  "fontname": self.fonts.name(font) if font else "", "render_mode": 0}))
        for order, ch in reversed(added):  # from the last, so earlier insert positions hold
            visible.insert(bisect.bisect_right(orders, order), ch)

    def _loose_width(self, tp: int, i: int, x: float) -> float:
        """Advance width per unit font size from pdfium's loose box, for glyphs whose width the
        font cannot give by Unicode. Exact for text along x; 0 when it cannot tell."""
        r = self._rect
        if not _GetLooseCharBox(tp, i, byref(r)):
            return 0.0
        m = self._m
        _GetCharMatrix(tp, i, self._pm)
        size = _GetFontSize(tp, i)
        if abs(m.a) > 1e-6 and size:
            return max((r.right - x) / m.a / size, 0.0)
        return 0.0


# ---------------------------------------------------------------------------------------
# clipping paths


def _clip_state(clip: int) -> int | None:
    """Identity of the clip state behind an object's clip-path handle, or None when it
    cannot be trusted (see ``_clip_identity_works``).

    pdfium's ``CPDF_ClipPath`` is one copy-on-write pointer to shared path data: every page
    object drawn under the same clip state points to the same data, so the clip regions of
    a page need reading once per state instead of once per object (Excel exports put each
    glyph in its own text object, 700+ per page, under a handful of clips).
    """
    if _CLIP_IDENTITY:
        return ctypes.c_void_p.from_address(clip).value or 0
    return None


def _object_clips(obj: int, geo: PageGeometry, where: tuple, cache: dict) -> tuple | None:
    """The clip regions hiding parts of a text object inside form XObjects: its own clipping
    path and those of the forms holding it, each mapped from its content space to display
    space (``where``: the object's entry in ``ObjectReader.page_objects``'s texts)."""
    _, own, ancestors = where
    regions = list(_clip_regions(obj, own, cache) or ())
    for form, m in ancestors:
        regions.extend(_clip_regions(form, m, cache) or ())
    if not regions:
        return None
    key = tuple(id(r) for r in regions)
    return cache.setdefault(key, tuple(regions))


def _clip_regions(obj: int, t: Matrix, cache: dict | None = None) -> tuple | None:
    """The clip of a page object mapped by ``t`` (its content space → display): a tuple of
    regions, each a box (x0, top, x1, bottom) or a polygon (list of points); a point is
    visible when it lies in every region. None when the object is not clipped. ``cache``
    (one per page) keeps the regions of each clip state already read."""
    clip = _ObjGetClipPath(obj)
    if not clip:
        return None
    key = None
    if cache is not None:
        state = _clip_state(clip)
        if state == 0:
            return None  # no clip data at all
        if state is not None:
            key = (state, t)
            if key in cache:
                return cache[key]
    regions = _read_clip(clip, t)
    if key is not None:
        cache[key] = regions
    return regions


def _read_clip(clip: int, t: Matrix) -> tuple | None:
    n = _ClipCountPaths(clip)
    if n <= 0:
        return None
    regions = []
    fx, fy = c_float(), c_float()
    px, py = byref(fx), byref(fy)
    a, b, c, d, e, f = t
    for p in range(n):
        pts = []
        for k in range(_ClipCountPathSegments(clip, p)):
            seg = _ClipGetPathSegment(clip, p, k)
            if seg and _SegGetPoint(seg, px, py):
                x, y = fx.value, fy.value
                pts.append((a * x + c * y + e, b * x + d * y + f))
        if len(pts) < 3:
            continue
        xs = [q[0] for q in pts]
        ys = [q[1] for q in pts]
        box = (min(xs), min(ys), max(xs), max(ys))
        regions.append(box if _is_box(pts, box) else pts)
    return tuple(regions) if regions else None


def _is_box(pts, box, tol: float = 0.01) -> bool:
    x0, y0, x1, y1 = box
    return all((abs(x - x0) <= tol or abs(x - x1) <= tol) and (abs(y - y0) <= tol or abs(y - y1) <= tol) for x, y in pts)


def _inside_clips_many(regions: tuple, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which of the points (arrays of display x and y, pt) lie in every clip region: a bool
    array. A glyph whose centre is outside is hidden: the clip cuts it at least in half, and
    its centre would put it in the next cell. A curve's region is tested even-odd, its
    bezier control points taken as vertices."""
    ok = np.ones(len(x), bool)
    for reg in regions:
        if isinstance(reg, tuple):
            ok &= (reg[0] <= x) & (x <= reg[2]) & (reg[1] <= y) & (y <= reg[3])
            continue
        inside = np.zeros(len(x), bool)  # even-odd
        n = len(reg)
        for k in range(n):
            (ax, ay), (bx, by) = reg[k], reg[(k + 1) % n]
            if ay != by:  # a horizontal edge is never crossed
                inside ^= ((ay > y) != (by > y)) & (x < ax + (y - ay) * (bx - ax) / (by - ay))
        ok &= inside
    return ok


def _minimal_pdf(content: bytes) -> bytes:
    """A one-page PDF (200 × 200 pt, Helvetica as /F1) drawing ``content``."""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for k, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _clip_identity_works() -> bool:
    """Check on a page built here that the clip-state identity behaves as ``_clip_state``
    assumes: objects under one clip share it, a new clip gets another, no clip has none.
    If pdfium's layout ever differs, every clip is simply read per object."""
    # each text overflows its clip (pdfium drops a clip that contains its whole object)
    content = (b"q 0 0 100 100 re W n BT /F1 10 Tf 90 10 Td (AAAA) Tj ET BT /F1 10 Tf 90 30 Td (BBBB) Tj ET Q "
               b"q 0 0 50 50 re W n BT /F1 10 Tf 40 10 Td (CCCC) Tj ET Q BT /F1 10 Tf 40 60 Td (DDDD) Tj ET")
    try:
        with RawDocument(_minimal_pdf(content)) as doc, doc.page(0) as page:
            objs = [_GetObject(page.handle, k) for k in range(_CountObjects(page.handle))]
            if len(objs) != 4:
                return False
            clips = [_ObjGetClipPath(o) for o in objs]
            ids = [ctypes.c_void_p.from_address(c).value if c else None for c in clips]
            boxes = [_read_clip(c, IDENTITY) if c and i else None for c, i in zip(clips, ids)]
    except Exception:
        return False
    return (ids[0] is not None and ids[0] == ids[1] and ids[2] not in (None, ids[0]) and not ids[3]
            and boxes[0] == boxes[1] == ((0.0, 0.0, 100.0, 100.0),) and boxes[2] == ((0.0, 0.0, 50.0, 50.0),))


# ---------------------------------------------------------------------------------------
# painted paths and images


def _color(getter, obj: int, r, g, b, a) -> tuple[float, float, float] | None:
    """An object's fill or stroke colour as RGB in 0-1 (pdfium converts gray and CMYK)."""
    if not getter(obj, r[1], g[1], b[1], a[1]):
        return None
    return (r[0].value / 255.0, g[0].value / 255.0, b[0].value / 255.0)


def _objects(parent: int, n: int, form: bool) -> tuple[list[int], list[int]]:
    """(handles, FPDF_PAGEOBJ_* types) of the first ``n`` objects of a page, or of a form
    XObject when ``form``: through the compiled loop when it is built, else through ctypes."""
    if _OBJECT_TYPES is not None:
        fn, api = _OBJECT_TYPES
        handles, types = np.empty(n, np.uintp), np.empty(n, np.int32)
        fn(byref(api), parent, n, int(form), handles.ctypes.data, types.ctypes.data)
        return handles.tolist(), types.tolist()
    get = _FormGetObject if form else _GetObject
    handles = [get(parent, k) or 0 for k in range(n)]
    return handles, [_ObjGetType(o) if o else 0 for o in handles]


class ObjectReader:
    """Painted paths (as pdfplumber-shaped dicts) and image boxes of a page, forms included."""

    def __init__(self) -> None:
        self._m = _raw.FS_MATRIX()
        self._fill, self._stroke = c_int(), c_int()
        self._fx, self._fy = c_float(), c_float()
        self._px, self._py = byref(self._fx), byref(self._fy)
        self._rgba = [(v, byref(v)) for v in (c_uint(), c_uint(), c_uint(), c_uint())]

    def page_objects(self, page: RawPage) -> tuple[list[dict], list[tuple[float, float, float, float]], dict]:
        """(paths, images, texts): every painted subpath as a dict with ``object_type`` (line,
        rect, curve), ``x0 x1 top bottom``, ``stroke``, ``fill``, ``stroking_color``,
        ``non_stroking_color`` (RGB 0-1 or None) and ``pts`` (display points); every image
        as its box (x0, top, x1, bottom); all in display coordinates (pt). ``texts`` maps
        each text object to (its place in content order, its content space → display, the
        enclosing form objects with theirs), for ``TextReader.page_chars``."""
        paths: list[dict] = []
        images: list[tuple[float, float, float, float]] = []
        texts: dict = {}
        geo = page.geometry
        handle = page.handle
        self._walk(*_objects(handle, _CountObjects(handle), False), geo.to_display, paths, images, texts, ())
        return paths, images, texts

    def _matrix(self, obj: int) -> Matrix:
        m = self._m
        if not _ObjGetMatrix(obj, byref(m)):
            return IDENTITY
        return (m.a, m.b, m.c, m.d, m.e, m.f)

    def _walk(self, objs: list[int], kinds: list[int], outer: Matrix, paths: list[dict], images: list, texts: dict,
              ancestors: tuple) -> None:
        for obj, kind in zip(objs, kinds):
            if not obj:
                continue
            if kind == OBJ_TEXT:
                texts[obj] = (len(texts), outer, ancestors)
            elif kind == OBJ_PATH:
                self._path(obj, mat_mul(self._matrix(obj), outer), paths)
            elif kind == OBJ_IMAGE:
                m = mat_mul(self._matrix(obj), outer)
                pts = [apply(m, x, y) for x, y in ((0, 0), (1, 0), (0, 1), (1, 1))]
                xs = [p[0] for p in pts]
                ys = [p[1] for p in pts]
                images.append((min(xs), min(ys), max(xs), max(ys)))
            elif kind == OBJ_FORM:
                inner = mat_mul(self._matrix(obj), outer)
                self._walk(*_objects(obj, max(_FormCountObjects(obj), 0), True), inner, paths, images, texts,
                           ancestors + ((obj, outer),))

    def _path(self, obj: int, m: Matrix, out: list[dict]) -> None:
        if not _PathGetDrawMode(obj, byref(self._fill), byref(self._stroke)):
            return
        fill, stroke = self._fill.value != 0, bool(self._stroke.value)
        if not fill and not stroke:
            return
        rgba = self._rgba
        ncol = _color(_ObjGetFillColor, obj, *rgba) if fill else None
        scol = _color(_ObjGetStrokeColor, obj, *rgba) if stroke else None
        px, py, fx, fy = self._px, self._py, self._fx, self._fy
        a, b, c, d, e, f = m
        # the path's points → pdfminer's operators: m, l, c (3 points), h (close back to start)
        ops: list[str] = []
        pts: list[tuple[float, float]] = []
        subpaths: list[tuple[list[str], list[tuple[float, float]]]] = []
        start = None
        bez = 0
        for k in range(_PathCountSegments(obj)):
            seg = _PathGetPathSegment(obj, k)
            if not seg:
                continue
            typ = _SegGetType(seg)
            _SegGetPoint(seg, px, py)
            x, y = fx.value, fy.value
            p = (a * x + c * y + e, b * x + d * y + f)
            close = _SegGetClose(seg)
            if typ == SEG_MOVETO:
                if ops:
                    subpaths.append((ops, pts))
                ops, pts, start, bez = ["m"], [p], p, 0
                continue
            if start is None:  # a path not starting with a move: pdfminer ignores it
                continue
            if typ == SEG_BEZIERTO:
                bez += 1
                if bez < 3:
                    continue  # control points are not pdfminer points
                bez = 0
                ops.append("c")
                pts.append(p)
                if close:
                    ops.append("h")
                    pts.append(start)
                continue
            if close and p == start and len(ops) > 1:
                ops.append("h")  # the closing segment back to the start is pdfminer's `h`
                pts.append(start)
            else:
                ops.append("l")
                pts.append(p)
                if close:
                    ops.append("h")
                    pts.append(start)
        if ops:
            subpaths.append((ops, pts))
        for ops, pts in subpaths:
            obj_d = _subpath_object("".join(ops), pts, stroke, fill, scol, ncol)
            if obj_d is not None:
                out.append(obj_d)


def _subpath_object(shape: str, pts: list[tuple[float, float]], stroke: bool, fill: bool, scol, ncol) -> dict | None:
    """pdfminer's classification of one painted subpath (pdfminer.converter.paint_path):
    ``ml``/``mlh`` a line, a closed axis-aligned ``mlllh``/``mllll`` a rect, else a curve."""
    if len(pts) < 2:
        return None
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts = pts[:-2] + pts[-1:]
    kind = "curve"
    if shape in ("ml", "mlh"):
        kind = "line"
        pts = pts[:2]
    elif shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or
                                 (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
            kind = "rect"
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    return {"object_type": kind, "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
            "stroke": stroke, "fill": fill, "stroking_color": scol, "non_stroking_color": ncol, "pts": pts}


_CLIP_IDENTITY = False
_CLIP_IDENTITY = _clip_identity_works()


# ---------------------------------------------------------------------------------------
# the compiled glyph loop (_glyphrun.c)


class _GlyphApi(ctypes.Structure):
    """The pdfium functions ``_glyphrun.c`` calls, by address (its ``Api`` struct)."""

    _fields_ = [(name, c_void_p) for name in (
        "FPDFText_GetTextObject", "FPDFText_GetUnicode", "FPDFText_IsGenerated", "FPDFText_GetCharOrigin",
        "FPDFText_GetMatrix", "FPDFText_GetFontSize", "FPDFTextObj_GetFont", "FPDFTextObj_GetTextRenderMode",
        "FPDFPageObj_GetClipPath")]


class _FontApi(ctypes.Structure):
    """The pdfium functions ``budgetpdf_glyph_widths`` calls (its ``FontApi`` struct)."""

    _fields_ = [(name, c_void_p) for name in ("FPDFText_HasUnicodeMapError", "FPDFFont_GetGlyphWidth")]


class _ObjectApi(ctypes.Structure):
    """The pdfium functions ``budgetpdf_object_types`` calls (its ``ObjectApi`` struct)."""

    _fields_ = [(name, c_void_p) for name in ("FPDFPage_GetObject", "FPDFFormObj_GetObject", "FPDFPageObj_GetType")]


def _load_compiled(symbol: str, api_type: type[ctypes.Structure], restype, argtypes: list):
    """``symbol`` of the compiled extension ``_glyphrun`` with its pdfium addresses bound (the
    function and its ``api`` struct), or None when the optional extension was not built
    (no C compiler at install time): the ctypes loops then make the same calls."""
    import importlib

    try:
        module = importlib.import_module(f"{__package__}._glyphrun")
        fn = getattr(ctypes.CDLL(module.__file__), symbol)
    except (OSError, AttributeError, ImportError, ValueError, TypeError):
        return None
    fn.restype = restype
    fn.argtypes = argtypes
    api = api_type(*(ctypes.cast(getattr(_raw, name), c_void_p).value for name, _ in api_type._fields_))
    return fn, api


# BUDGETPDF_GLYPH_LOOP=ctypes runs the ctypes loops even where the extension is built
# (to compare the two: bench/prose.py, tests/test_pdfium_raw.py)
_USE_COMPILED = os.environ.get("BUDGETPDF_GLYPH_LOOP", "compiled") != "ctypes"
_GLYPH_RUNS = _GLYPH_WIDTHS = _OBJECT_TYPES = None
if _USE_COMPILED:
    _GLYPH_RUNS = _load_compiled("budgetpdf_glyph_runs", _GlyphApi, c_int, [_P, _P, c_int] + [_P] * 11)
    _GLYPH_WIDTHS = _load_compiled("budgetpdf_glyph_widths", _FontApi, None, [_P, _P, c_int] + [_P] * 5)
    _OBJECT_TYPES = _load_compiled("budgetpdf_object_types", _ObjectApi, None, [_P, _P, c_int, c_int, _P, _P])
# True when the compiled loops run; False when the extension was not built (no C compiler
# or Python headers at install time) or BUDGETPDF_GLYPH_LOOP=ctypes asked for the ctypes ones
COMPILED_LOOP = _GLYPH_RUNS is not None and _GLYPH_WIDTHS is not None and _OBJECT_TYPES is not None


def _glyph_runs_c(tp: int, n: int) -> tuple[np.ndarray, ...]:
    """The glyphs of text page ``tp`` (``n`` of them) through the compiled loop: per glyph its
    run index (-1 generated without an object, -2 an inferred space), Unicode and origin
    (PDF user space, points); per text-object run its object, matrix a b c d (flat, 4 per
    run), font size, font, render mode, clip path and clip state. numpy arrays, as
    ``TextReader._glyph_runs`` returns them."""
    fn, api = _GLYPH_RUNS
    run = np.empty(n, np.int32)
    code = np.empty(n, np.uint32)
    x = np.zeros(n, np.float64)
    y = np.zeros(n, np.float64)
    obj = np.empty(n, np.uintp)
    mat = np.empty(4 * n, np.float64)
    size = np.empty(n, np.float64)
    font = np.empty(n, np.uintp)
    mode = np.empty(n, np.int32)
    clip = np.empty(n, np.uintp)
    state = np.empty(n, np.uintp)
    k = fn(byref(api), tp, n, *(a.ctypes.data for a in (run, code, x, y, obj, mat, size, font, mode, clip, state)))
    return run, code, x, y, obj[:k], mat[:4 * k], size[:k], font[:k], mode[:k], clip[:k], state[:k]
