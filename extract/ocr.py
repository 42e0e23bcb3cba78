"""OCR readers: text runs with per-character positions and confidences from a page image.

A reader turns a greyscale page image (rulings already erased, deskewed, see
``raster.py``) into ``TextRun``s in image pixels (``read(img, vrulings)``). The reader:

- ``rapidocr``: PP-OCRv4 detection and recognition models run with
  onnxruntime, from the ``rapidocr-onnxruntime`` wheel, which ships the ``.onnx`` files
  inside the package (``rapidocr_onnxruntime/models/``): nothing is fetched at run time.
  Installed by the extra ``budgetpdf[ocr]``. We call its detector and recogniser
  directly (not ``RapidOCR.__call__``) so that a text box crossing a table's vertical
  ruling is cut there before recognition, the direction classifier is skipped (pages
  are deskewed and upright), and each character gets its own position and
  confidence from the recogniser's CTC time steps.

Debian's tesseract 5 with ``chi_sim`` was measured against it on the same scanned pages
(``bench/ocr.py --reader tesseract``, whose reader lives in the bench): it loses the
enumerators (一、二、), misreads separators (``7.095.92``) and scrambles the order of
characters in a line; line_items F1 0.15 against 1.0 on the Changsha scan at 200 dpi
(pages 6-9), 0.0 against 1.0 on the Baisha one at 150 dpi. It is about 3.5 times
cheaper (2.3 against 8.1 CPU seconds a page), which does not make up for that, so it is
not offered here.

``get_reader(name)`` gives a reader or raises ``OcrUnavailable`` with the message that
says how to install it. Readers are cached per process (loading the models takes
about a second).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

# onnxruntime 1.32's native library sends usage telemetry (1DS: DNS lookups of
# mobile.events.data.microsoft.com, seen under strace while reading a scan) unless this is
# set before it loads; budgetpdf reads offline. A user's own setting wins.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

INSTALL_HINT = "pip install 'budgetpdf[ocr]'"
READERS = ("rapidocr",)


class OcrUnavailable(RuntimeError):
    """The requested OCR reader is not installed; the message says how to install it."""


@dataclass(frozen=True)
class OcrChar:
    """One recognised character: its text, left/right edge (image px) and confidence 0-1;
    ``alternative``: the recogniser's next most probable character at the same CTC time
    step (``""`` when none was kept) with its probability ``alternative_confidence``.
    ``ocrvote`` decides between the two for words printed more than once."""

    text: str
    x0: float
    x1: float
    confidence: float
    alternative: str = ""
    alternative_confidence: float = 0.0


@dataclass(frozen=True)
class TextRun:
    """One recognised line fragment: box in image px (top-left origin) and its characters.

    ``chars`` are left to right; spaces the recogniser read are kept as characters
    (they mark a gap between words).
    """

    x0: float
    top: float
    x1: float
    bottom: float
    chars: tuple[OcrChar, ...]

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def confidence(self) -> float:
        return min((c.confidence for c in self.chars), default=0.0)


# A vertical ruling in image px: x, y_top, y_bottom. Text boxes are cut where one crosses them.
VRuling = tuple[float, float, float]


def _full_width(ch: str) -> bool:
    o = ord(ch)
    return (0x2E80 <= o <= 0x9FFF) or (0xF900 <= o <= 0xFAFF) or (0xFF00 <= o <= 0xFF60) or (0x3000 <= o <= 0x303F)


# Full-width forms the recogniser emits for what CJK documents print half-width: digits,
# Latin letters and the signs of figures. Chinese punctuation (，。：；（）！？、) keeps its
# full width, as printed.
_HALF = {chr(0xFF10 + i): str(i) for i in range(10)}
_HALF.update({chr(0xFF21 + i): chr(0x41 + i) for i in range(26)})
_HALF.update({chr(0xFF41 + i): chr(0x61 + i) for i in range(26)})
_HALF.update({"／": "/", "％": "%", "－": "-", "＋": "+", "＝": "=", "＜": "<", "＞": ">", "．": "."})


def canonical_text(text: str, fixed: frozenset[int] = frozenset()) -> str:
    """Recognised text in the widths CJK documents print: full-width digits, letters and
    ``/ % - + = < > .`` as ASCII, and a full-width ``，``/``．`` between two digits (a
    thousands separator or decimal point) as ``,``/``.``. A single dash ``—`` at the
    start of a word or between ideographs and followed by an ideograph or ``、`` is the
    numeral ``一`` (the same glyph in CJK fonts: ``—级指标``, ``—、``); a ``——`` pair
    stays. Nothing else changes: a
    misread digit stays as read (the identity checks flag it). ``fixed``: indices of
    brackets whose width was measured on the image (``bracket_width``); a mixed pair
    takes the measured one's width."""
    out = [_HALF.get(ch, ch) for ch in text]
    for i in range(1, len(out) - 1):
        if out[i] in "，．" and out[i - 1].isascii() and out[i - 1].isdigit() and out[i + 1].isascii() and out[i + 1].isdigit():
            out[i] = "," if out[i] == "，" else "."
    for i, ch in enumerate(out):  # 一 and a dash are one glyph in CJK fonts: a lone dash in a word is 一
        if ch in "—―" and i + 1 < len(out) and (_ideograph(out[i + 1]) or out[i + 1] == "、") and \
                (i == 0 or _ideograph(out[i - 1])):
            out[i] = "一"
    _match_bracket_widths(out, fixed)
    return "".join(out)


def _ideograph(ch: str) -> bool:
    return 0x4E00 <= ord(ch) <= 0x9FFF


_OPEN, _CLOSE = {"(": "（", "（": "("}, {")": "）", "）": ")"}


def _match_bracket_widths(chars: list[str], fixed: frozenset[int] = frozenset()) -> None:
    """A bracket pair read with mixed widths (``（境)``: the recogniser tells a full-width
    bracket from a half-width one by little more than its spacing) gets one width: that
    of the bracket in ``fixed`` (measured on the image) when only one of them is, else
    full when it encloses CJK text, as CJK documents print it, else half. A pair read
    with one width, a pair both measured, and an unpaired bracket stay. In place."""
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            j = stack.pop()
            full_open, full_close = chars[j] == "（", ch == "）"
            if full_open == full_close or (j in fixed and i in fixed):
                continue
            if j in fixed or i in fixed:
                full = full_open if j in fixed else full_close
            else:
                full = any(_full_width(c) for c in chars[j + 1:i])
            chars[j], chars[i] = ("（", "）") if full else ("(", ")")


BRACKETS = {"(": ("open", "("), "（": ("open", "（"), ")": ("close", ")"), "）": ("close", "）")}
FULL_GAP, HALF_GAP = 0.45, 0.3  # outer gap of a bracket's ink, in bracket heights


def bracket_width(ink: np.ndarray, x: float, opening: bool) -> str | None:
    """Whether the bracket read near ``x`` (px in ``ink``) is printed full width
    (``（ ）``) or half width (``( )``), from the space on its outer side; None when
    the image cannot tell.

    ``ink``: one line of text, uint8, ink 255. A full-width bracket takes a whole em
    with its ink at the inner edge, so the space between its ink and the glyph before
    an opening bracket (after a closing one) is about three quarters of an em
    (Noto Sans CJK and WenQuanYi Zen Hei at 7.5 pt: 5.5-5.8 pt); a half-width one
    has only the side bearings (about 1 pt, 0.15 em). The bracket is the tall thin
    piece of ink (at least 0.55 em tall, at least twice as tall as wide) nearest ``x``
    within 0.6 em, its height is taken for the em (a bracket spans the line's
    glyphs), and the gap counts in the rows it spans: at least ``FULL_GAP`` em is full
    width, at most ``HALF_GAP`` half. None (as read) when no glyph is on the outer side
    (the bracket starts or ends the line: the detector's box is padded, so the crop's
    edge says nothing), the bracket is fused with a neighbour by the scan's blur, or
    the gap is in between.
    """
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    best, best_d = 0, None
    for i in range(1, n):
        bx, by, bw, bh, _ = stats[i]
        if bh < 2.0 * bw or bh < 6:
            continue
        d = abs(bx + bw / 2.0 - x)
        if best_d is None or d < best_d:
            best, best_d = i, d
    if not best:
        return None
    bx, by, bw, bh, _ = stats[best]
    em = float(bh)
    if best_d > 0.6 * em or bw > 0.4 * em:
        return None
    rows = (labels[by:by + bh] != best) & (ink[by:by + bh] > 0)
    cols = np.nonzero(rows.any(axis=0))[0]
    if opening:
        left = cols[cols < bx]
        gap = bx - (left.max() + 1) if left.size else None
    else:
        right = cols[cols >= bx + bw]
        gap = right.min() - (bx + bw) if right.size else None
    if gap is None:
        return None
    if gap >= FULL_GAP * em:
        return "full"
    if gap <= HALF_GAP * em:
        return "half"
    return None


def place_chars(text: str, centres: Sequence[float], confs: Sequence[float], x0: float, x1: float,
                height: float, alternatives: Sequence[tuple[str, float]] = ()) -> tuple[OcrChar, ...]:
    """Characters of one run with edges that tile the run: the boundary between two
    neighbours is the midpoint of their centres, so a figure never gets a gap inside it
    (``9,266.22`` stays one word), except where the recogniser read a space, which
    leaves a gap of at least half the line height. ``centres`` in image px, one per
    character of ``text``; the run's ends are clamped to ``x0``..``x1``. ``alternatives``:
    per character of ``text``, the recogniser's next reading and its probability
    (``OcrChar.alternative``), or empty."""
    n = len(text)
    if len(alternatives) != n:
        alternatives = [("", 0.0)] * n
    if n == 0:
        return ()
    half = [0.5 * height * (0.95 if _full_width(ch) else 0.55) for ch in text]
    lefts = [max(x0, c - h) for c, h in zip(centres, half)]
    rights = [min(x1, c + h) for c, h in zip(centres, half)]
    for i in range(n - 1):
        if text[i] == " " or text[i + 1] == " ":
            continue
        mid = (centres[i] + centres[i + 1]) / 2
        rights[i] = mid
        lefts[i + 1] = mid
    out = []
    for i, ch in enumerate(text):
        if ch == " ":
            continue
        a, b = lefts[i], max(rights[i], lefts[i] + 0.1)
        out.append(OcrChar(ch, a, b, float(confs[i]), alternatives[i][0], float(alternatives[i][1])))
    # a space read between two glyphs must stay a visible gap (line_text puts a space at > 0.25 × size)
    res = list(out)
    k = 0
    for i, ch in enumerate(text):
        if ch != " ":
            k += 1
            continue
        if 0 < k < len(res):
            left, right = res[k - 1], res[k]
            gap = right.x0 - left.x1
            need = 0.5 * height
            if gap < need:
                cut = (need - gap) / 2
                res[k - 1] = replace(left, x1=max(left.x0 + 0.1, left.x1 - cut))
                res[k] = replace(right, x0=min(right.x1 - 0.1, right.x0 + cut))
    return tuple(res)


def split_box(box: tuple[float, float, float, float], vrulings: Sequence[VRuling],
              margin: float) -> list[tuple[float, float, float, float]]:
    """Cut a text box (x0, top, x1, bottom) where a vertical ruling crosses its middle."""
    x0, top, x1, bottom = box
    ymid = (top + bottom) / 2
    cuts = sorted(x for x, a, b in vrulings if x0 + margin < x < x1 - margin and a <= ymid <= b)
    if not cuts:
        return [box]
    edges = [x0, *cuts, x1]
    return [(edges[i], top, edges[i + 1], bottom) for i in range(len(edges) - 1)]


def _area(b) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def _inter(a, b) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def drop_repeats(img: np.ndarray, boxes: Sequence[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """``boxes`` (x0, top, x1, bottom, px of ``img``: uint8 grey, ink dark) less each box
    with no ink of its own (under 3 px, Otsu over the page) or whose ink lies 80 % or more
    inside wider boxes. The detector at times draws a small box on the paper just past a
    figure; its crop, padded for the recogniser, reaches into the figure's last glyph,
    which was then read twice (``619002`` and ``2`` gave ``6190022``: Baisha's 200 dpi
    scan, p. 25, the 单位编码 of 14 indicator rows)."""
    ink = _ink(img) > 0
    h, w = ink.shape
    out = []
    for i, b in enumerate(boxes):
        x0, top, x1, bottom = max(0, int(b[0])), max(0, int(b[1])), min(w, int(np.ceil(b[2]))), min(h, int(np.ceil(b[3])))
        own = ink[top:bottom, x0:x1]
        total = int(own.sum())
        if total < 3:
            continue
        wider = [o for j, o in enumerate(boxes) if j != i and o[2] - o[0] > b[2] - b[0] and _inter(o, b) > 0]
        if wider:
            inside = np.zeros_like(own)
            for o in wider:
                inside[max(0, int(o[1]) - top):max(0, int(np.ceil(o[3])) - top),
                       max(0, int(o[0]) - x0):max(0, int(np.ceil(o[2])) - x0)] = True
            if int((own & inside).sum()) >= 0.8 * total:
                continue
        out.append(b)
    return out


def cut_boxes(boxes: Sequence[tuple[float, float, float, float]], vrulings: Sequence[VRuling],
              margin: float) -> list[tuple[float, float, float, float]]:
    """Text boxes cut at vertical rulings; a piece lying mostly inside another box is a
    sliver of that box's text caught by an over-wide neighbour, and is dropped (the
    detector's boxes are padded and may reach over a ruling into the next cell). So is
    a piece narrower than it is tall (less than one CJK glyph) that overlaps another
    box at all: the end of that box's last glyph (``码`` cut down to a ``马``). And a
    piece under a quarter of its height wide: the padding of a box that reaches a few
    px over a ruling, which, grown to a glyph's square for recognition, read the end
    of the neighbouring cell's last glyph again (``象`` twice on Baisha's scan)."""
    out = []
    for i, box in enumerate(boxes):
        pieces = split_box(box, vrulings, margin)
        for p in pieces:
            narrow = p[2] - p[0] < p[3] - p[1]
            if len(pieces) > 1 and any(j != i and (_inter(p, b) >= 0.5 * _area(p) or (narrow and _inter(p, b) > 0))
                                       for j, b in enumerate(boxes)):
                continue
            sliver = len(pieces) > 1 and p[2] - p[0] < 0.25 * (p[3] - p[1])
            if p[2] - p[0] >= 2 and p[3] - p[1] >= 2 and not sliver:
                out.append(p)
    return out


def split_lines(img: np.ndarray, boxes: Sequence[tuple[float, float, float, float]],
                line_h: float) -> list[tuple[float, float, float, float]]:
    """``boxes`` (x0, top, x1, bottom, px) with each box that holds more than one line
    of text cut into one box per line.

    PP-OCR's detector joins the lines of a wrapped cell when their leading is small (a
    150 dpi scan of Baisha's 7.5 pt 绩效目标表: ``保障城市低保对象`` over ``人数`` came
    as one box 69 px tall, the page's lines being 35), and the recogniser, which reads
    one line, then drops a line or interleaves the two by x (``保人障数城市低保对象``).
    A box at least 1.3 × ``line_h`` tall is cut at each run of paper rows (rows whose
    Otsu ink is at most 1 % of the box's width) between bands of ink; each band at least
    0.3 of a line tall becomes a box, the box's width, reaching halfway into the
    leading on either side (the box's own top and bottom outside), unless the detector
    also drew a box over half or more of that line's ink (then its box reads the line,
    once). A box with no paper row inside (one tall glyph, a title) stays whole."""
    import cv2

    if line_h <= 0:
        return list(boxes)
    h, w = img.shape[:2]
    out: list[tuple[float, float, float, float]] = []
    for box in boxes:
        x0, top, x1, bottom = box
        if bottom - top < 1.3 * line_h:
            out.append(box)
            continue
        a, b = max(0, int(x0)), min(w, int(np.ceil(x1)))
        c, d = max(0, int(top)), min(h, int(np.ceil(bottom)))
        crop = img[c:d, a:b]
        if crop.size == 0:
            out.append(box)
            continue
        ink = _ink(crop)
        inked = (ink > 0).sum(axis=1) > max(1.0, 0.01 * (b - a))
        bands, start = [], None
        for y, on in enumerate(inked):
            if on and start is None:
                start = y
            elif not on and start is not None:
                bands.append((start, y))
                start = None
        if start is not None:
            bands.append((start, len(inked)))
        bands = [(y0, y1) for y0, y1 in bands if y1 - y0 >= 0.3 * line_h]
        if len(bands) < 2:
            out.append(box)
            continue
        for i, (y0, y1) in enumerate(bands):  # each line keeps half the leading on either side
            t = top if i == 0 else c + (bands[i - 1][1] + y0) / 2.0
            u = bottom if i == len(bands) - 1 else c + (y1 + bands[i + 1][0]) / 2.0
            xs = np.nonzero((ink[y0:y1] > 0).any(axis=0))[0]
            ink_box = (float(a + xs[0]), float(c + y0), float(a + xs[-1] + 1), float(c + y1))
            # the detector often drew this line's box as well: keep that one
            if not any(o is not box and _inter(ink_box, o) >= 0.5 * _area(ink_box) for o in boxes):
                out.append((x0, float(t), x1, float(u)))
    return out


def pad_box(box: tuple[float, float, float, float], line_h: float,
            vrulings: Sequence[VRuling], margin: float = 0.0) -> tuple[float, float, float, float]:
    """A box grown for recognition: a box smaller than the page's typical line
    (``line_h``, px) is grown to that height and to a square, centred (the detector
    draws a lone ``4`` tighter than its ink); then a box at least two lines wide (a
    line of text) by ``margin`` × ``line_h`` on each side. Never across a vertical ruling."""
    x0, top, x1, bottom = box
    h = bottom - top
    if line_h > 0 and h < 0.9 * line_h:
        grow = (line_h - h) / 2
        top, bottom = top - grow, bottom + grow
        h = line_h
    m = margin * line_h if x1 - x0 >= 2 * line_h else 0.0  # a line of text, not a lone code or sign
    grow = max(0.0, (h - (x1 - x0)) / 2) + m
    top, bottom = top - m, bottom + m
    if grow > 0:
        ymid = (top + bottom) / 2
        left = max((x for x, a, b in vrulings if x <= x0 and a <= ymid <= b), default=-1e9)
        right = min((x for x, a, b in vrulings if x >= x1 and a <= ymid <= b), default=1e9)
        x0, x1 = max(x0 - grow, min(x0, left + 1)), min(x1 + grow, max(x1, right - 1))
    return x0, top, x1, bottom


SIGNS = "≥≤=><-/"
# Comparators PP-OCRv6 reads alone: of 9,264 lone cells of the fixtures (digits, codes,
# ideographs and signs, degraded at 150 and 200 dpi), PP-OCRv4 was unsure of 3,322
# (probability under 0.95, or a sign). PP-OCRv6 read one of these signs with probability
# COMPARATOR_MIN or more in 1,258 of them: 58 were signs PP-OCRv4 and the shape rules
# missed, and one was a hyphen read as = (0.44), which the shape rule keeps a hyphen
# (RapidOcrReader.read_lone). At 0.5 it found 48 and made no error.
COMPARATORS = frozenset("≥≤=><")
COMPARATOR_MIN = 0.3
SECOND_OPINION_BELOW = 0.6  # an ideograph PP-OCRv6 reads with less probability is read by PP-OCRv4 too
SIGN_CONFIDENCE = 0.75  # the confidence given to a sign read by its shape (no model probability)

# Shapes of the signs, as polylines in the unit box of their ink (x right, y down). The
# slanted-bar forms (⩾ ⩽) are how CJK fonts (SimSun, Noto CJK) draw ≥ and ≤.
_SIGN_SHAPES: dict[str, list[tuple[tuple[float, float], ...]]] = {
    ">": [((0, 0), (1, 0.5), (0, 1))],
    "<": [((1, 0), (0, 0.5), (1, 1))],
    "≥": [((0, 0), (1, 0.33), (0, 0.66)), ((0, 1), (1, 1))],
    "≥slanted": [((0, 0), (1, 0.3), (0, 0.62)), ((0, 1), (1, 0.7))],
    "≤": [((1, 0), (0, 0.33), (1, 0.66)), ((0, 1), (1, 1))],
    "≤slanted": [((1, 0), (0, 0.3), (1, 0.62)), ((1, 1), (0, 0.7))],
    "/": [((1, 0), (0, 1))],
}
_GRID = 24


@functools.lru_cache(maxsize=None)
def _sign_templates() -> dict[str, list[np.ndarray]]:
    """Each sign drawn thin to bold at 96 px, cut to its ink's box, reduced to the grid."""
    import cv2

    out: dict[str, list[np.ndarray]] = {}
    big, m = 96, 8  # drawing size and margin (the stroke's half width stays inside)
    for name, lines in _SIGN_SHAPES.items():
        tpls = []
        for width in (6, 11, 16):
            img = np.zeros((big, big), np.uint8)
            inner = big - 2 * m
            for line in lines:
                pts = np.array([[m + x * inner, m + y * inner] for x, y in line], np.int32)
                cv2.polylines(img, [pts], False, 255, width, lineType=cv2.LINE_AA)
            ys, xs = np.nonzero(img > 127)  # the ink's box, as for the glyph
            img = img[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
            tpls.append(cv2.resize(img, (_GRID, _GRID), interpolation=cv2.INTER_AREA).astype(np.float32))
        out[name] = tpls
    return out


def _two_bars(glyph: np.ndarray) -> bool:
    """Ink (``glyph``: 0 paper .. 255 ink, cut to the ink's box) that is two bars, one
    above the other: the row profile has a peak in each half and a valley between
    them under 75 % of the lower peak, each bar spans most of the width, and every
    row outside the two bars' bands (rows holding half a peak's ink) is paper but
    for blur (under 15 % ink). The last keeps ideographs with a top and a bottom
    stroke out (是, 否, 类, 次 …: their strokes cross the gap; on the fixtures'
    digital pages 240 of 1,298 one-ideograph cells were read ``=`` without it).

    On a scan, blur often merges the two bars' bands, and then the gap is judged
    itself: its faintest row has under 10 % of its pixels at three quarters of full
    ink (a blurred ``=`` gap is evenly half grey; the sides of a ``0`` are full
    strokes), the row profile falls from the upper bar to that row and rises to the
    lower one (within 10 % of a bar's ink: 是's five strokes make it rise and fall),
    and each bar row has 70 % of its pixels above half the glyph's full ink. Measured
    on cells of the fixtures rendered at 150 and 200 dpi and degraded as
    ``fixtures.generator.scan`` does: on Changsha and Baisha, 1- to 3-digit cells read
    ``=`` 137 times in 1,454 before and none after, ``≥``/``≤`` 27 times and none, and
    ``=`` cells read ``=`` 125 times in 138 against 120 (the valley bound went from 70 to
    75 % with these tests); on the other eight fixtures (not used to choose the
    bounds) 194 of 3,556 digit cells before and 5 after, ``≥``/``≤`` 19 and none, ``=``
    259 of 278 against 257."""
    h = glyph.shape[0]
    if h < 3:
        return False
    prof = glyph.mean(axis=1)
    half = h // 2
    ta = int(np.argmax(prof[:half]))
    tb = half + int(np.argmax(prof[half:]))
    if tb - ta < 2:
        return False
    valley = float(prof[ta + 1:tb].min())
    if valley > 0.75 * min(prof[ta], prof[tb]):
        return False
    # the bars' bands: rows around each peak holding at least half its ink
    a0, a1, b0, b1 = ta, ta, tb, tb
    while a0 > 0 and prof[a0 - 1] >= 0.5 * prof[ta]:
        a0 -= 1
    while a1 + 1 < tb and prof[a1 + 1] >= 0.5 * prof[ta]:
        a1 += 1
    while b0 - 1 > a1 and prof[b0 - 1] >= 0.5 * prof[tb]:
        b0 -= 1
    while b1 + 1 < h and prof[b1 + 1] >= 0.5 * prof[tb]:
        b1 += 1
    outside = np.ones(h, bool)
    outside[a0:a1 + 1] = outside[b0:b1 + 1] = False
    if outside.any() and (glyph[outside] > 0.5 * glyph.max()).mean(axis=1).max() >= 0.15:
        return False
    # Blur can merge the two bands (no row left outside them), so the gap itself is
    # judged too: its faintest row holds no stroke (``02``: the sides of the 0), and the
    # ink falls from one bar to that row and rises to the other (是: five strokes).
    v = ta + 1 + int(np.argmin(prof[ta + 1:tb]))
    if (glyph[v] > 0.75 * glyph.max()).mean() >= 0.1:
        return False
    tol = 0.1 * min(prof[ta], prof[tb])
    if (np.diff(prof[ta:v + 1]) > tol).any() or (np.diff(prof[v:tb + 1]) < -tol).any():
        return False
    for row in (glyph[ta], glyph[tb]):  # each bar spans most of the width at full ink
        if (row > 0.5 * glyph.max()).mean() < 0.7:
            return False
    return True


def classify_sign(crop: np.ndarray, line_h: float) -> str | None:
    """A lone sign from its shape: ``≥ ≤ = > < - /``, or None.

    PP-OCR's recogniser reads such a sign standing alone in a cell badly (the
    slanted-bar ``≥`` of CJK fonts comes out as ``2`` or ``V``, ``=`` and ``/`` often
    not at all), and these signs carry meaning in 绩效目标表 (指标值类型: the
    comparator). The ink's box (Otsu; pieces under 15 % of the largest are specks) is
    scaled to a 24 × 24 grid and compared (normalised correlation) with each sign drawn thin to bold in the same box; the
    best match counts when its correlation is at least 0.75 and 0.08 above any
    other sign's, and the ink's proportions suit the sign. ``=`` is two bars (its
    row profile, ``_two_bars``: the thickness of its bars relative to the gap varies
    too much with the font and the blur for one template), ``-`` is told by its
    proportions: at least 1.5 times as wide as tall (WenQuanYi's 7.5 pt hyphen is
    5 × 3 px of Otsu ink at 150 dpi), under a fifth of a line
    (``line_h``, px) tall and at least 0.12 of one wide, one piece, at least half of its box ink (a ``**`` in small
    print, read ``-`` before, hid the column-number row of a whole table). ``crop``: uint8 grey, ink dark, one glyph with a margin.
    """
    import cv2

    if crop.size == 0 or line_h <= 0:
        return None
    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    if n <= 1:
        return None
    big = stats[1:, cv2.CC_STAT_AREA].max()
    i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    if big < 6 and not _dash(float(stats[i, cv2.CC_STAT_WIDTH]), float(stats[i, cv2.CC_STAT_HEIGHT]), int(big), line_h):
        return None  # a speck (a hyphen at 150 dpi, 4 x 1 px, is smaller and stays)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= 0.15 * big]  # the sign's strokes, not specks
    x0 = min(stats[i, 0] for i in keep)
    y0 = min(stats[i, 1] for i in keep)
    x1 = max(stats[i, 0] + stats[i, 2] for i in keep)
    y1 = max(stats[i, 1] + stats[i, 3] for i in keep)
    w, h = x1 - x0, y1 - y0
    if h > 1.2 * line_h or w > 1.5 * line_h:
        return None
    if w >= 1.5 * h and h <= 0.2 * line_h and w >= 0.12 * line_h:
        # one solid bar; ``**`` in small print is as flat but two pieces, mostly paper
        solid = len(keep) == 1 and float((ink[y0:y1, x0:x1] > 0).mean()) >= 0.5
        return "-" if solid else None
    if h < 0.15 * line_h:
        return None
    glyph = 255.0 - crop[y0:y1, x0:x1].astype(np.float32)
    if 1.0 <= w / h <= 3.5 and _two_bars(glyph):
        return "="
    g = cv2.resize(glyph, (_GRID, _GRID), interpolation=cv2.INTER_AREA)
    g = g - g.mean()
    gn = float(np.sqrt((g * g).sum()))
    if gn == 0:
        return None
    scores: dict[str, float] = {}
    for name, tpls in _sign_templates().items():
        best = -1.0
        for t in tpls:
            t0 = t - t.mean()
            best = max(best, float((g * t0).sum() / (gn * float(np.sqrt((t0 * t0).sum())))))
        sign = name[0]
        scores[sign] = max(scores.get(sign, -1.0), best)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (sign, best), (_, second) = ranked[0], ranked[1]
    aspect = w / h
    fits = {">": 0.4 <= aspect <= 1.4, "<": 0.4 <= aspect <= 1.4, "≥": 0.4 <= aspect <= 1.4,
            "≤": 0.4 <= aspect <= 1.4, "/": aspect <= 0.75}
    if best >= 0.5 and best - second >= 0.1 and fits.get(sign, False):
        return sign
    return None


def _dash(w: float, h: float, area: int, line_h: float) -> bool:
    """Ink ``w`` × ``h`` px with ``area`` px of ink shaped like a hyphen or dash at the
    page's line height ``line_h``: a solid bar (at least 60 % of its box ink) at least
    1.5 times as wide as tall (blur adds a row above and below a 1 px bar at 150 dpi), 0.12-1.2 lines wide and at most 0.2 of a line tall (Noto
    Sans CJK's ``-`` at 7.5 pt is 2.05 × 0.56 pt, a line 7-8 pt). Scanning noise makes
    specks, not bars this long; a ruling is longer and already erased."""
    return 0.12 * line_h <= w <= 1.2 * line_h and h <= 0.2 * line_h and w >= 1.5 * h and area >= 0.6 * w * h


def missed_ink(img: np.ndarray, boxes: Sequence[tuple[float, float, float, float]], vrulings: Sequence[VRuling],
               line_h: float) -> list[tuple[float, float, float, float]]:
    """Boxes around ink that no box of ``boxes`` (the detected ones, as padded for
    recognition) covers and that is shaped like a glyph or
    a short word: taller than a tenth of a line, at most two lines tall, not a speck;
    or a lone hyphen (``_dash``), which is flatter than that.

    A piece of ink with a fifth of its pixels or more inside a box belongs to that box's
    text (the end of a glyph the box cut through), and is not missed; a glyph of the next
    line whose top only grazes a box that is too tall is. Pieces of ink are joined over gaps of a third of a line across and 0.3 of a line
    down (a glyph's strokes, the bars of ``=``, ``**``) but not across a vertical ruling. Scanning noise gives specks far smaller than a
    glyph; what the recogniser cannot read with confidence is dropped after it.
    """
    import cv2

    if line_h <= 0:
        return []
    ink = _ink(img)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = np.nonzero(stats[:, cv2.CC_STAT_AREA] < max(4.0, 0.008 * line_h * line_h))[0]
    specks = np.array([i for i in small if not _dash(float(stats[i, cv2.CC_STAT_WIDTH]),
                                                     float(stats[i, cv2.CC_STAT_HEIGHT]),
                                                     int(stats[i, cv2.CC_STAT_AREA]), line_h)], dtype=int)
    # specks of noise; the thin bars of a small = and a hyphen (5 px at 150 dpi) stay
    ink[np.isin(labels, specks[specks > 0])] = 0
    covered = np.zeros_like(ink)
    for x0, top, x1, bottom in boxes:
        covered[max(0, int(top)):int(np.ceil(bottom)), max(0, int(x0)):int(np.ceil(x1))] = 255
    # a glyph reaching out of a box is that box's (象 cut by the box's edge was read again as 象);
    # one whose top row only grazes a box is the next line's (比 of 百分/比 under a box 7 px too tall)
    within = np.bincount(labels[(covered > 0) & (ink > 0)], minlength=n)
    inside = np.nonzero(within >= 0.2 * stats[:, cv2.CC_STAT_AREA])[0]
    ink[np.isin(labels, inside[inside > 0])] = 0
    ink[covered > 0] = 0
    for x, a, b in vrulings:  # keep glyphs on either side of a ruling apart
        ink[max(0, int(a)):int(np.ceil(b)), max(0, int(x) - 1):int(x) + 2] = 0
    k = max(1, int(line_h / 3))
    joined = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (k, max(2, int(0.3 * line_h)))))
    for x, a, b in vrulings:
        joined[max(0, int(a)):int(np.ceil(b)), max(0, int(x) - 1):int(x) + 2] = 0
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        # the ink itself inside the dilated blob
        blob = ink[y:y + h, x:x + w] & (labels[y:y + h, x:x + w] == i).astype(np.uint8) * 255
        ys, xs = np.nonzero(blob)
        if len(xs) == 0:
            continue
        bx0, bx1, by0, by1 = x + xs.min(), x + xs.max() + 1, y + ys.min(), y + ys.max() + 1
        bh, bw = by1 - by0, bx1 - bx0
        if _dash(bw, bh, len(xs), line_h):  # a lone ``-`` (度量单位 "-"): flat, but a glyph
            out.append((float(bx0), float(by0), float(bx1), float(by1)))
            continue
        if len(xs) < 0.02 * line_h * line_h:
            continue
        if bh < 0.1 * line_h or bh > 2.2 * line_h or bw < 0.1 * line_h:
            continue
        out.append((float(bx0), float(by0), float(bx1), float(by1)))
    return out


FULL_STOP_MIN = 0.2  # width of the ink of ``。``, in ems, at or above which a stop is the ideographic one


def full_stop(ink: np.ndarray, x: float) -> bool | None:
    """Whether the stop read near ``x`` (px in ``ink``, one line of text, ink 255) is
    the ideographic full stop ``。`` (True) or the point ``.`` (False); None when the
    image cannot tell.

    ``。`` is a ring about a quarter of an em wide (WenQuanYi Zen Hei 7.5 pt: 1.77 pt,
    Noto Sans CJK: 2.44 pt); ``.`` a dot an eighth of one (0.9-1.05 pt). A 150 dpi scan
    blurs the ring's hole shut, so the width of the ink tells them apart: at least
    ``FULL_STOP_MIN`` em is ``。`` (measured on the fixtures' digital pages at 150 and
    200 dpi: rings 0.21-0.35 em, points in figures at most 0.19 of the digits' height). The em is the median height of the pieces of ink
    at least half as tall as the crop (the line's glyphs; the crop is a detector box,
    about 1.4 em tall); the stop is the piece of ink nearest
    ``x`` (within half an em) that lies in the lower half of the line (not below it:
    the top of the next line's glyphs may be in the crop) and is 0.1-0.4 em tall.
    """
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tall = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.5 * ink.shape[0]]
    if not tall:
        return None
    em = float(np.median([stats[i, cv2.CC_STAT_HEIGHT] for i in tall]))
    top = float(np.median([stats[i, cv2.CC_STAT_TOP] for i in tall]))
    best, best_d = 0, None
    for i in range(1, n):
        bx, by, bw, bh, _ = stats[i]
        if bh >= 0.4 * em or bh < 0.1 * em or by + bh / 2.0 < top + 0.5 * em or by + bh > top + 1.15 * em:
            continue  # not a stop's size, or not in the lower half of this line
        d = abs(bx + bw / 2.0 - x)
        if d <= 0.5 * em and (best_d is None or d < best_d):
            best, best_d = i, d
    if not best or em < 6:
        return None
    return bool(stats[best, cv2.CC_STAT_WIDTH] >= FULL_STOP_MIN * em)


def _ink(crop: np.ndarray) -> np.ndarray:
    """``crop`` (uint8 grey, ink dark) binarised by Otsu: ink 255, paper 0."""
    import cv2

    _, ink = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    return ink


def missed_dashes(ink: np.ndarray, text: str, centres: Sequence[float]) -> list[tuple[int, float]]:
    """Hyphens the recogniser dropped from ``text`` (one line; ``centres``: each
    character's centre, px in ``ink``, ink 255): (index in ``text`` to insert ``-`` at,
    the hyphen's centre), left to right.

    At 150 dpi a 7.5 pt hyphen is a bar 4 × 1 px, and PP-OCR reads ranges such as
    ``90%-95%`` in 评分标准 as ``90%95%``. The line's glyph height ``g`` and top are the
    median height and top of the pieces of ink at least 0.4 of the crop tall (the crop
    is a detector box, about 1.4 em: ideographs and digits). A hyphen is taken from the
    image: a piece 0.15-0.9 ``g`` wide, at most 0.25 ``g`` tall and at least 1.5 times as
    wide, solid (60 % of its box ink), its middle 0.3-0.75 ``g`` below the glyphs' top,
    with no other ink above or below its inner columns within the glyphs' band (the
    bars of 二, 三, 工 have their glyph's other strokes there), and no character read within 0.25 ``g`` of
    its centre or beside it (a hyphen, dash or 一 read is not missed: PP-OCRv6 reads the
    hyphens, with centres up to half an em off). Measured on the fixtures' text
    layers (the truth): ``tests/test_ocr.py::test_a_dropped_hyphen_is_found_on_the_image_and_none_is_made_up``.
    """
    import cv2

    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    body = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.4 * ink.shape[0]]
    if not body or not text:
        return []
    em = float(np.median([stats[i, cv2.CC_STAT_HEIGHT] for i in body]))
    top = float(np.median([stats[i, cv2.CC_STAT_TOP] for i in body]))
    if em < 5:
        return []
    y0, y1 = max(0, int(top)), min(ink.shape[0], int(np.ceil(top + em)))
    out = []
    for i in range(1, n):
        bx, by, bw, bh, area = (int(v) for v in stats[i])
        if not (0.15 * em <= bw <= 0.9 * em and bh <= 0.25 * em and bw >= 1.5 * bh and area >= 0.6 * bw * bh):
            continue
        mid = by + bh / 2.0 - top
        if not 0.3 * em <= mid <= 0.75 * em:
            continue
        column = labels[y0:y1, bx + 1:bx + bw - 1]  # its inner columns: a neighbour blurred onto an end stays beside
        if ((column != 0) & (column != i)).any():
            continue  # other ink above or below: a stroke of a glyph
        cx = bx + bw / 2.0
        if any(abs(c - cx) <= 0.25 * em for c in centres):
            continue
        k = sum(1 for c in centres if c < cx)
        if 0 < k < len(text) and text[k - 1] not in _DASHES and text[k] not in _DASHES:
            out.append((k, cx))  # between two characters read, never at a run's end or beside a dash read
    return sorted(out)


def wrapped_stop(crop: np.ndarray, box: tuple[float, float, float, float],
                 lines: Sequence[tuple[float, float, float, float]], line_h: float) -> bool:
    """Whether the lone ink in ``box`` (px; ``crop``: that box of the page, uint8 grey,
    ink dark) is a ``。`` wrapped onto a line of its own: the full stop that ends a
    paragraph in a narrow cell (评（扣）分标准, 年度目标), which CJK typesetting without
    line-start rules puts alone at the start of the next line.

    The ink (its largest piece, Otsu) is stop-sized: 0.1-0.4 of a line (``line_h``, px)
    each way and roughly round (aspect 0.6-1.7); and it begins a line: some line of text
    in ``lines`` (boxes at least three lines wide) starts within 0.6 of a line of its
    left edge and ends at most one line above it. A digit is taller than 0.4 of a line,
    a hyphen flatter, and a speck of noise does not sit where the next line begins. The
    recogniser reads such a stop, alone in its crop, as ``·``, ``0`` or nothing: over the
    55 wrapped stops of the fixtures (Baisha, Yuanzhou, Yunzhou), degraded at 150 and
    200 dpi, 47 of 108 were lost."""
    if crop.size == 0 or line_h <= 0:
        return False
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(_ink(crop), connectivity=8)
    if n <= 1:
        return False
    big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    w, h = float(stats[big, cv2.CC_STAT_WIDTH]), float(stats[big, cv2.CC_STAT_HEIGHT])
    if not (0.1 * line_h <= w <= 0.4 * line_h and 0.1 * line_h <= h <= 0.4 * line_h and 0.6 <= w / h <= 1.7):
        return False
    x0, top = box[0] + float(stats[big, cv2.CC_STAT_LEFT]), box[1] + float(stats[big, cv2.CC_STAT_TOP])
    return any(lx1 - lx0 >= 3 * line_h and abs(lx0 - x0) <= 0.6 * line_h and 0 <= top - lbottom <= line_h
               for lx0, _, lx1, lbottom in lines)


_RINGS = frozenset("。oO〇°")  # what PP-OCRv4 reads for a lone 0 in 7.5 pt print


def _ring_is_zero(crop: np.ndarray, line_h: float) -> bool:
    """Whether a lone ring read as ``。``/``o``/``〇`` (``crop``: uint8 grey, ink dark) is
    the digit ``0``: its ink (the largest piece, Otsu) is at least 0.45 of a line
    (``line_h``, px) tall. A ``。`` is a quarter of an em, a lower-case ``o`` half of
    one; a digit is about 0.7 em, 0.5 of a detector line. On Baisha's 150 dpi scan
    PP-OCRv4 read the 指标值 ``0`` of two indicators as ``。`` (0.45) and ``o``."""
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(_ink(crop), connectivity=8)
    if n <= 1:
        return False
    big = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return bool(stats[big, cv2.CC_STAT_HEIGHT] >= 0.45 * line_h)


_DASHES = frozenset("-－‐‑–—―一~～")  # a bar at mid height, as a recogniser may read it
_CJK_PUNCT = frozenset("（）【】《》「」『』，。、；：？！")
def false_spaces(text: str) -> list[int]:
    """Indices of the spaces in ``text`` (one recognised line) beside full-width
    punctuation: ``）`` carries ¾ em of blank inside its own advance, which PP-OCRv6
    reads as a space (``（1-60%） ×指标分值``); CJK typesetting sets no space there. Other
    spaces stay: Baisha prints ``1. 提升`` with a space, and the image cannot tell a
    space from a wide gap."""
    return [i for i, ch in enumerate(text) if ch == " " and 0 < i < len(text) - 1
            and (text[i - 1] in _CJK_PUNCT or text[i + 1] in _CJK_PUNCT)]


SEMICOLON_MIN, COLON_MAX = 2.1, 1.2  # bounds of ``semicolon``'s measure (see there)


def semicolon(ink: np.ndarray, x: float) -> bool | None:
    """Whether the colon or semicolon read near ``x`` (px in ``ink``, one line of text,
    ink 255) is a semicolon (True) or a colon (False); None when the image cannot tell.

    Both have the same upper dot; a semicolon's lower piece is a comma, taller and
    heavier than the dot. A 150 dpi scan leaves a dot 2-3 px, and the recogniser reads
    ``；`` as ``：`` (Baisha's 绩效目标表: one 年度目标 cell, repeated over a project's
    rows). The measure is (lower height − upper height) / upper height + lower ink /
    upper ink, of the two largest pieces of ink within 0.35 em of ``x`` that are under
    0.6 em tall and one above the other: at least ``SEMICOLON_MIN`` is ``；``, at most
    ``COLON_MAX`` is ``：``. On every fixture's digital pages, rendered at 150 and 200 dpi
    and degraded as ``fixtures.generator.scan`` does, colons measured -0.45 to 2.0
    (849 at each dpi; 97 % at most 1.67) and semicolons 1.33 to 4.5 (287; the median
    2.67 at 150 dpi, 2.31 at 200): neither bound is crossed by the other mark. The em is found as in ``full_stop``.
    """
    import cv2

    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    tall = [i for i in range(1, n) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.5 * ink.shape[0]]
    if not tall:
        return None
    em = float(np.median([stats[i, cv2.CC_STAT_HEIGHT] for i in tall]))
    if em < 6:
        return None
    near = [i for i in range(1, n)
            if stats[i, cv2.CC_STAT_HEIGHT] < 0.6 * em and stats[i, cv2.CC_STAT_AREA] >= 2
            and abs(stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] / 2.0 - x) <= 0.35 * em]
    if len(near) < 2:
        return None
    two = sorted(near, key=lambda i: -stats[i, cv2.CC_STAT_AREA])[:2]
    up, lo = sorted(two, key=lambda i: stats[i, cv2.CC_STAT_TOP])
    if stats[lo, cv2.CC_STAT_TOP] < stats[up, cv2.CC_STAT_TOP] + stats[up, cv2.CC_STAT_HEIGHT]:
        return None  # not one above the other
    uh, lh = float(stats[up, cv2.CC_STAT_HEIGHT]), float(stats[lo, cv2.CC_STAT_HEIGHT])
    measure = (lh - uh) / uh + float(stats[lo, cv2.CC_STAT_AREA]) / float(stats[up, cv2.CC_STAT_AREA])
    if measure >= SEMICOLON_MIN:
        return True
    if measure <= COLON_MAX:
        return False
    return None


LINE_MODEL = "PP-OCRv6_rec_small.onnx"  # inside the ``rapidocr`` wheel (3.10+), models/


def _line_model_path():
    """The PP-OCRv6 recognition model shipped in the installed ``rapidocr`` wheel, or None
    when that package (or the file) is absent. The package is located, not imported:
    importing it reads its model registry, which names download URLs; budgetpdf only
    loads the file the wheel carries."""
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec("rapidocr")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / LINE_MODEL
    return path if path.is_file() else None


class _Alphabet:
    """An onnxruntime session (``OrtInferSession``) whose per-step class probabilities
    are kept only for the characters of ``allowed`` (a 0/1 vector over the model's
    classes, CTC blank and space included): what the CTC decoder then reads is the best
    character of that alphabet. PP-OCRv6's recogniser is multilingual (18,710 classes:
    traditional forms, Latin look-alikes); budget documents are printed in the
    simplified-Chinese alphabet of PP-OCRv4's dictionary (6,623 characters), and on
    Baisha's scan unmasked v6 read 人数 as 人數."""

    def __init__(self, session, allowed: np.ndarray):
        self._session, self._allowed = session, allowed

    def __call__(self, x):
        out = self._session(x)
        return [out[0][..., :len(self._allowed)] * self._allowed] + list(out[1:])

    def __getattr__(self, name):
        return getattr(self._session, name)


class _Candidates:
    """An onnxruntime session (as rapidocr's ``TextRecognizer`` calls it) that also keeps,
    for each batch it runs, the ``k`` most probable classes at every CTC time step: an
    index array and a probability array, each (batch, time steps, k), best first. The
    decoder reads the first; the second is the recogniser's alternative reading of a
    character (``OcrChar.alternative``). Kept only while ``recording`` (set by
    ``RapidOcrReader._recognise``), so other calls of the recogniser keep nothing."""

    def __init__(self, session, k: int = 3):
        self._session, self._k = session, k
        self.recording = False
        self.batches: list[tuple[np.ndarray, np.ndarray]] = []

    def __call__(self, x):
        out = self._session(x)
        if not self.recording:
            return out
        probs = out[0]
        best = probs.argmax(-1)
        idx = np.zeros(best.shape + (self._k,), dtype=np.int64)
        top = np.zeros(best.shape + (self._k,), dtype=np.float32)
        idx[..., 0] = best
        top[..., 0] = np.take_along_axis(probs, best[..., None], -1)[..., 0]
        read = ctc_read_steps(best)  # the other candidates only where a character is read
        if read.any():
            rows = probs[read]
            part = np.argpartition(-rows, self._k, axis=-1)[:, :self._k]
            p = np.take_along_axis(rows, part, -1)
            order = np.argsort(-p, axis=-1)
            idx[read] = np.take_along_axis(part, order, -1)
            top[read] = np.take_along_axis(p, order, -1)
        self.batches.append((idx, top))
        return out

    def __getattr__(self, name):
        return getattr(self._session, name)


def ctc_read_steps(best: np.ndarray) -> np.ndarray:
    """Which time steps greedy CTC decoding reads a character at, as rapidocr's
    ``CTCLabelDecode`` does: the best class is not the blank (0) and differs from the
    step before. ``best``: the best class per time step, time on the last axis; a bool
    array of the same shape."""
    read = best != 0
    read[..., 1:] &= best[..., 1:] != best[..., :-1]
    return read


def ctc_alternatives(idx: np.ndarray, probs: np.ndarray, alphabet: Sequence[str]) -> list[tuple[str, float]]:
    """Per character that greedy CTC decoding reads from one crop's time steps, the next
    most probable character at its time step and that probability (``("", 0.0)`` when
    the next candidates are the blank or the same character). ``idx``/``probs``: (time
    steps, k) class indices and probabilities, best first (``_Candidates``); class 0 is
    the CTC blank and class ``j`` is ``alphabet[j]``, as rapidocr's ``CTCLabelDecode``
    reads them, so the list aligns with the decoded text character for character."""
    best = idx[:, 0]
    out = []
    for t in np.flatnonzero(ctc_read_steps(best)):
        alt = ("", 0.0)
        for j, p in zip(idx[t, 1:], probs[t, 1:]):
            if j != best[t] and 0 < j < len(alphabet):
                alt = (alphabet[j], float(p))
                break
        out.append(alt)
    return out


def _alternatives_of(res) -> list[tuple[str, float]]:
    """The alternative reading of each character of a recogniser result ``res`` (its
    fourth item, from ``RapidOcrReader._recognise``), or none kept when it does not
    align with the text."""
    text = res[0]
    if len(res) > 3 and len(res[3]) == len(text):
        return list(res[3])
    return [("", 0.0)] * len(text)


class RapidOcrReader:
    """PP-OCR through onnxruntime, every model from an installed wheel: PP-OCRv4
    detection and recognition (``rapidocr-onnxruntime``), and PP-OCRv6 small
    recognition (``rapidocr`` 3.10+) for lines of text.

    Which recogniser reads what: a box at least 1.6 lines wide (a line of text) goes
    to PP-OCRv6, limited to PP-OCRv4's alphabet (``_Alphabet``); a lone glyph or short
    code goes to PP-OCRv4, whose reading the sign and dash rules were measured on
    (PP-OCRv6 reads a lone ``2`` as ``z`` and ``/`` as ``1``). On Baisha's 150 dpi scan,
    pages 15-35, v6 on lines took 绩效目标 records from 107 to 165 of 192 exact: it reads
    墓, 农村, 事故 and ranges with their hyphen where v4 read 基, 农树, 享故 and dropped
    it. Without ``rapidocr`` installed every box goes to PP-OCRv4, as before."""

    name = "rapidocr"

    def __init__(self, threads: int = 1, det_max_side: int = 1600, min_confidence: float = 0.5,
                 box_margin: float = 0.0, line_model: bool = True):
        try:
            import rapidocr_onnxruntime as ro
            from rapidocr_onnxruntime.ch_ppocr_det import TextDetector
            from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer
            from rapidocr_onnxruntime.utils import read_yaml, update_model_path
        except ImportError as e:  # the extra is not installed
            raise OcrUnavailable(f"OCR is not installed ({e.name} missing): {INSTALL_HINT}") from None
        from pathlib import Path

        cfg = update_model_path(read_yaml(Path(ro.__file__).with_name("config.yaml")))
        for part in ("Det", "Rec"):
            cfg[part]["intra_op_num_threads"] = threads
            cfg[part]["inter_op_num_threads"] = 1
        cfg["Det"]["limit_type"] = "max"
        cfg["Det"]["limit_side_len"] = det_max_side
        self.det_max_side = det_max_side
        self.box_margin = box_margin
        self.min_confidence = min_confidence
        try:  # and the events API too, for an onnxruntime loaded before this module
            import onnxruntime

            onnxruntime.disable_telemetry_events()
        except (ImportError, AttributeError):
            pass
        self.det = TextDetector(cfg["Det"])
        self.rec = TextRecognizer(cfg["Rec"])
        self.rec.session = _Candidates(self.rec.session)
        paths = [cfg["Det"]["model_path"], cfg["Rec"]["model_path"]]
        self.version = getattr(ro, "__version__", None) or _dist_version("rapidocr-onnxruntime")
        self.line_rec = None
        line_path = _line_model_path() if line_model else None
        if line_path is not None:
            lcfg = dict(cfg["Rec"], model_path=str(line_path), rec_keys_path=None)
            self.line_rec = TextRecognizer(lcfg)
            v4 = set(self.rec.postprocess_op.character)
            allowed = np.array([c in v4 for c in self.line_rec.postprocess_op.character], dtype=np.float32)
            allowed[0] = 1.0  # the CTC blank
            self.line_rec.session = _Candidates(_Alphabet(self.line_rec.session, allowed))
            paths.append(str(line_path))
            self.version = f"{self.version} + rapidocr {_dist_version('rapidocr')} {line_path.stem}"
        self.model_paths = tuple(paths)  # inside the installed packages

    def detect(self, img: np.ndarray) -> list[tuple[float, float, float, float]]:
        """Axis-aligned text boxes (x0, top, x1, bottom), image px, detected on a copy
        scaled to at most ``det_max_side`` px (text of 9 pt at 200 dpi is still ~15 px)."""
        import cv2

        h, w = img.shape[:2]
        s = min(1.0, self.det_max_side / max(h, w))
        small = cv2.resize(img, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA) if s < 1 else img
        bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
        quads, _ = self.det(bgr)
        if quads is None or len(quads) == 0:
            return []
        out = []
        for q in quads:
            xs, ys = q[:, 0] / s, q[:, 1] / s
            out.append((float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())))
        return out

    def read(self, img: np.ndarray, vrulings: Sequence[VRuling] = ()) -> list[TextRun]:
        """Text runs of a greyscale image (uint8, ink dark on white), boxes cut at ``vrulings``.

        Besides the detector's boxes, ink the detector left out (a lone ``=``, ``≥`` or
        digit in a cell, which the detector often misses) is recognised too: see
        ``missed_ink``. A box over two lines is cut into lines first (``split_lines``),
        and a hyphen the recogniser dropped inside a line is put back from its shape
        (``missed_dashes``). ``box_margin`` > 0 recognises a line of text with that margin
        (× the page's line height) around the detector's box (``pad_box``). Measured at
        0.15 on 150 dpi scans of the Baisha fixture it is mixed, so it is off: on its
        9 pt tables it cured ``事`` read as ``享``/``亭`` and ``赁`` as ``贷`` (four cells
        on four pages), on its 7.5 pt 绩效目标表 it lost a ``≥`` and read ``救`` as ``教``,
        and at 200 dpi (Changsha) it read two full-width bracket pairs as half-width.
        """
        import cv2

        boxes = cut_boxes(self.detect(img), vrulings, margin=3.0)
        line_h = float(np.median([b[3] - b[1] for b in boxes])) if boxes else 0.0
        boxes = drop_repeats(img, split_lines(img, boxes, line_h))
        padded = [pad_box(b, line_h, vrulings) for b in boxes]
        padded += [pad_box(b, line_h, vrulings) for b in missed_ink(img, padded, vrulings, line_h)]
        h, w = img.shape[:2]
        crops, kept = [], []
        for box in padded:
            # recognised with the margin; the run keeps the box without it (line heights, captions)
            x0, top, x1, bottom = pad_box(box, line_h, vrulings, self.box_margin)
            a, b = max(0, int(x0)), min(w, int(np.ceil(x1)))
            c, d = max(0, int(top)), min(h, int(np.ceil(bottom)))
            if b - a < 2 or d - c < 2:
                continue
            crops.append(img[c:d, a:b])
            kept.append(((float(a), float(c), float(b), float(d)), box))
        if not crops:
            return []
        results = self._recognise(crops, [(bx1 - bx0) > 1.6 * line_h for _, (bx0, _, bx1, _) in kept])
        runs: list[TextRun] = []
        lines = [b for _, b in kept if b[2] - b[0] >= 3 * line_h]
        for ((ca, cc, cb, cd), (x0, top, x1, bottom)), crop, res in zip(kept, crops, results):
            x0, x1 = max(x0, ca), min(x1, cb)
            text, score = res[0], float(res[1])
            lone = x1 - x0 <= 1.6 * line_h and bottom - top <= 1.4 * line_h
            if lone and wrapped_stop(crop, (ca, cc, cb, cd), lines, line_h):
                runs.append(TextRun(x0, top, x1, bottom, (OcrChar("。", x0, x1, SIGN_CONFIDENCE),)))
                continue
            if lone:
                sign, res = self.read_lone(crop, res, line_h)
                if sign is not None:  # read by its shape or as a sign (the recogniser does not know lone signs)
                    runs.append(TextRun(x0, top, x1, bottom, (OcrChar(sign[0], x0, x1, sign[1]),)))
                    continue
                text, score = res[0], float(res[1])
            if not lone and self.line_rec is not None:
                res = self._second_opinion(crop, res)
                text = res[0]
            if not text.strip() or score < self.min_confidence:
                continue
            t_eff, words, cols = res[2][0], res[2][1], res[2][2]
            flat_chars = [ch for wd in words for ch in wd]
            flat_cols = [c for wc in cols for c in wc]
            confs = res[2][4] if len(res[2]) > 4 else [score] * len(text)
            alts = _alternatives_of(res)
            if len(flat_chars) != len(text) or len(flat_cols) != len(text) or t_eff <= 0:
                # no usable time steps: spread the characters evenly over the box
                step = (x1 - x0) / max(len(text), 1)
                centres = [x0 + (i + 0.5) * step for i in range(len(text))]
            else:  # time steps span the crop (margin included)
                centres = [ca + (c + 0.5) / t_eff * (cb - ca) for c in flat_cols]
            ink = _ink(crop)
            read_as = text
            text, measured = self._measure_brackets(text, ink, [c - ca for c in centres])
            if len(confs) != len(text):
                confs = [score] * len(text)
            # a mark measured on the image keeps no alternative: the recogniser's is not put to a vote
            alts = [("", 0.0) if i in measured or a != b else alt for i, (a, b, alt) in enumerate(zip(read_as, text, alts))]
            for k in reversed(false_spaces(text) if " " in text else []):
                text = text[:k] + text[k + 1:]  # a space the recogniser read beside full-width punctuation
                centres = list(centres[:k]) + list(centres[k + 1:])
                confs = list(confs[:k]) + list(confs[k + 1:])
                alts = alts[:k] + alts[k + 1:]
                measured = frozenset(i - 1 if i > k else i for i in measured if i != k)
            dashes = missed_dashes(ink, text, [c - ca for c in centres]) if len(text) >= 2 else []
            for k, cx in reversed(dashes):  # hyphens the recogniser dropped, read by their shape
                text = text[:k] + "-" + text[k:]
                centres = list(centres[:k]) + [ca + cx] + list(centres[k:])
                confs = list(confs[:k]) + [SIGN_CONFIDENCE] + list(confs[k:])
                alts = alts[:k] + [("", 0.0)] + alts[k:]
                measured = frozenset(i + 1 if i >= k else i for i in measured)
            text = canonical_text(text, measured)
            chars = place_chars(text, centres, confs, x0, x1, bottom - top, alts)
            if chars:
                runs.append(TextRun(x0, top, x1, bottom, chars))
        return runs


    def _second_opinion(self, crop: np.ndarray, res):
        """A line read by PP-OCRv6 (``res``) with an ideograph it is unsure of (probability
        under ``SECOND_OPINION_BELOW``) is read by PP-OCRv4 too; where the two readings
        align character for character (``difflib``) and PP-OCRv4 reads another ideograph
        there with a probability at least 0.1 higher, that one is taken. Only ideographs:
        digits and punctuation have their own rules. On Baisha's 150 dpi scan PP-OCRv6
        read 围绕 as 图绕 (图 at 0.51) where PP-OCRv4 read 围 (0.66); the 年度目标 cell
        is merged over 25 indicator rows."""
        import difflib

        text = res[0]
        confs = list(res[2][4]) if len(res[2]) > 4 else []
        unsure = [i for i, (ch, c) in enumerate(zip(text, confs)) if c < SECOND_OPINION_BELOW and _ideograph(ch)]
        if len(confs) != len(text) or not unsure:
            return res
        alt = self._recognise([crop], [False])[0]
        atext = alt[0]
        aconfs = list(alt[2][4]) if len(alt[2]) > 4 else []
        if len(aconfs) != len(atext):
            return res
        out = list(text)
        alts = _alternatives_of(res)
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, text, atext, autojunk=False).get_opcodes():
            if op != "replace" or i2 - i1 != j2 - j1:
                continue
            for i, j in zip(range(i1, i2), range(j1, j2)):
                if i in unsure and _ideograph(atext[j]) and aconfs[j] >= confs[i] + 0.1:
                    alts[i] = (out[i], confs[i])  # PP-OCRv6's reading becomes the alternative
                    out[i], confs[i] = atext[j], aconfs[j]
        if out == list(text):
            return res
        return ("".join(out), res[1], tuple(res[2][:4]) + (confs,) + tuple(res[2][5:]), alts)

    def read_lone(self, crop: np.ndarray, res, line_h: float):
        """A lone glyph (a box at most 1.6 lines wide; ``crop``: uint8 grey, ink dark)
        that PP-OCRv4 read as ``res`` (text, probability, word boxes), at the page's line
        height ``line_h`` (px). Returns ``((sign, confidence), res)`` when it is a sign
        or a lone ``0``, else ``(None, res)`` with ``res`` perhaps PP-OCRv6's reading.

        In this order: a comparator PP-OCRv6 reads with probability ``COMPARATOR_MIN`` or more
        (``COMPARATORS``), when PP-OCRv4 is unsure (under 0.95, or read a sign); the
        shape rules (``classify_sign``) when PP-OCRv4 is under 0.9 or read a sign; a ring
        as tall as a digit (``_ring_is_zero``); ideographs PP-OCRv6 is sure of when
        PP-OCRv4 is under 0.9 (``_lone_ideographs``)."""
        text, score = res[0], float(res[1])
        alt = None  # PP-OCRv6's reading
        if self.line_rec is not None and (score < 0.95 or text in SIGNS):
            alt = self._recognise([crop], [True])[0]
            if alt[0] in COMPARATORS and float(alt[1]) >= COMPARATOR_MIN:
                if classify_sign(crop, line_h) == "-":
                    return ("-", SIGN_CONFIDENCE), res  # one flat bar: PP-OCRv6 read a hyphen as = once (0.44)
                return (alt[0], float(alt[1])), res
        if score < 0.9 or (text and text in SIGNS):  # what the recogniser is unsure of
            sign = classify_sign(crop, line_h)
            if sign is not None:
                return (sign, SIGN_CONFIDENCE), res
        if text in _RINGS and _ring_is_zero(crop, line_h):
            return ("0", SIGN_CONFIDENCE), res
        if score < 0.9 and alt is not None:
            res = self._lone_ideographs(res, alt)
        return None, res

    @staticmethod
    def _lone_ideographs(res, alt):
        """The reading of a lone glyph (or two) that PP-OCRv4 is unsure of (``res``, score
        under 0.9): PP-OCRv6's when it reads ideographs only, with a score of 0.9 or more.
        A character wrapped alone onto a cell's next line (合规/率, 百分/比 in Baisha's
        7.5 pt 绩效目标表) is a lone box, and PP-OCRv4 read 率 as 串 (0.41), dropped for
        its score; PP-OCRv6 reads it at 0.99 (``alt``: its reading). Digits stay with
        PP-OCRv4 and the shape rules (PP-OCRv6 reads a lone ``2`` as ``z``)."""
        if alt[0] and all(_ideograph(ch) for ch in alt[0]) and float(alt[1]) >= 0.9:
            return alt
        return res

    def _recognise(self, crops: list[np.ndarray], is_line: list[bool]) -> list:
        """rapidocr's result per crop (text, score, word boxes) with a fourth item, the
        alternative reading of each character of the text (``ctc_alternatives``; empty
        when it does not align): lines by the line recogniser when there is one, the
        rest by PP-OCRv4."""
        import cv2

        bgr = [cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops]
        results: list = [None] * len(crops)
        groups = [(self.line_rec, [i for i, f in enumerate(is_line) if f]),
                  (self.rec, [i for i, f in enumerate(is_line) if not f])] if self.line_rec is not None \
            else [(self.rec, list(range(len(crops))))]
        for rec, idx in groups:
            if not idx:
                continue
            rec.session.batches, rec.session.recording = [], True
            try:
                res, _ = rec([bgr[i] for i in idx], return_word_box=True)
            finally:
                rec.session.recording = False
            # rapidocr runs the crops in batches of rec_batch_num, sorted by aspect ratio
            order = np.argsort(np.array([bgr[i].shape[1] / float(bgr[i].shape[0]) for i in idx]))
            batches, n = rec.session.batches, rec.rec_batch_num
            alphabet = rec.postprocess_op.character
            for s, k in enumerate(order):
                alts: list = []
                if s // n < len(batches):
                    cand_idx, cand_p = batches[s // n]
                    alts = ctc_alternatives(cand_idx[s % n], cand_p[s % n], alphabet)
                r = res[k]
                results[idx[k]] = (r[0], r[1], r[2], alts if len(alts) == len(r[0]) else [])
            rec.session.batches = []
        return results

    @staticmethod
    def _measure_brackets(text: str, ink: np.ndarray, centres: Sequence[float]) -> tuple[str, frozenset[int]]:
        """``text`` with each bracket's width as the image shows it (``bracket_width``),
        each stop after an ideograph as ``。`` or ``.`` by its size (``full_stop``) and
        each colon or semicolon by its lower piece (``semicolon``);
        ``ink``: the crop binarised (``_ink``); ``centres``: each character's centre, px in it. Also the indices of the
        brackets measured."""
        if not any(ch in BRACKETS or ch in "。.：；:;" for ch in text):
            return text, frozenset()
        out, measured = list(text), set()
        for i, ch in enumerate(text):
            if ch in "。．." and i > 0 and _ideograph(text[i - 1]):  # a point between figures stays
                ideographic = full_stop(ink, centres[i])
                if ideographic is not None:
                    out[i] = "。" if ideographic else "."
                continue
            if ch in "：；:;":
                semi = semicolon(ink, centres[i])
                if semi is not None:
                    full = ch in "：；"
                    out[i] = ("；" if full else ";") if semi else ("：" if full else ":")
                continue
            if ch not in BRACKETS:
                continue
            kind = BRACKETS[ch][0]
            width = bracket_width(ink, centres[i], kind == "open")
            if width is not None:
                out[i] = {("open", "full"): "（", ("open", "half"): "(", ("close", "full"): "）",
                          ("close", "half"): ")"}[kind, width]
                measured.add(i)
        return "".join(out), frozenset(measured)


@functools.lru_cache(maxsize=8)
def _dist_version(name: str) -> str | None:
    """The installed version of distribution ``name`` (None when absent), once per process:
    importlib.metadata scans every installed distribution, ~2 ms, and every document's run
    fingerprint asks."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def ocr_fingerprint(setting: str) -> str:
    """What reads flagged pages under ``ExtractSettings.ocr == setting``, for the run
    fingerprint: ``rapidocr-onnxruntime 1.4.4 + rapidocr 3.10.0 PP-OCRv6_rec_small``
    (``rapidocr-onnxruntime 1.4.4`` without the line recogniser), ``none`` (not
    installed) or ``off``.
    Cheap: reads the installed distribution's version, loads no model."""
    if setting == "off":
        return "off"
    v = _dist_version("rapidocr-onnxruntime")
    if not v:
        return "none"
    line = _line_model_path()
    return f"rapidocr-onnxruntime {v}" + (f" + rapidocr {_dist_version('rapidocr')} {line.stem}" if line else "")


@functools.lru_cache(maxsize=4)
def get_reader(name: str, threads: int = 1):
    """The OCR reader ``name`` (``rapidocr``), cached per process.

    Raises ``OcrUnavailable`` (message: how to install it) or ``ValueError`` for an
    unknown name."""
    if name == "rapidocr":
        return RapidOcrReader(threads=threads)
    raise ValueError(f"unknown OCR reader {name!r}; choose one of {', '.join(READERS)}")


__all__ = ["INSTALL_HINT", "OcrChar", "bracket_width", "full_stop", "OcrUnavailable", "RapidOcrReader", "READERS", "TextRun", "canonical_text",
           "classify_sign", "false_spaces", "missed_dashes", "missed_ink", "semicolon", "split_lines", "ocr_fingerprint", "pad_box",
           "cut_boxes", "get_reader", "place_chars", "split_box"]
