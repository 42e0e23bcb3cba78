"""Repairing the text layer of budget PDFs: fake bold, CJK spacing, wraps, garbage.

All functions are pure and work on pdfplumber char dicts (keys ``text``, ``x0``,
``x1``, ``top``, ``bottom``, ``size``), so they can be tested without a PDF.
"""

from __future__ import annotations

import math
import re
import unicodedata
from operator import itemgetter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .primitives import Char

_CID = re.compile(r"\(cid:\d+\)")
NUMERIC = re.compile(r"^[-+−]?[\d,，]*\.?\d+%?$|^[-—–]$")
_WS = re.compile(r"[ \t\u00a0\u3000]+")
# A gap must exceed its threshold by more than this (pt) to split or space glyphs. Readers
# differ in the last float digits (pdfium keeps single precision, pdfminer double), and
# some producers set digits on a grid whose gap is exactly 0.25 em (杭州 2024 report:
# `100.9`), so a gap equal to the threshold must not hang on rounding noise.
GAP_EPS = 1e-3


def is_cjk(ch: str) -> bool:
    """CJK ideographs, CJK punctuation and full-width forms: no spaces around them."""
    o = ord(ch)
    return (
        0x4E00 <= o <= 0x9FFF  # unified ideographs
        or 0x3400 <= o <= 0x4DBF  # ext A
        or 0x3000 < o <= 0x303F  # CJK punctuation (not the ideographic space)
        or 0xFF01 <= o <= 0xFF60  # full-width forms
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0x2E80 <= o <= 0x2FDF  # radicals
        or o in (0x201C, 0x201D, 0x2018, 0x2019, 0x2014, 0x2026, 0x00B7)  # “”‘’—…·
    )


_NONE4 = [None, None, None, None]
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd]")


def is_bad_glyph(text: str) -> bool:
    """A glyph that did not map to Unicode: (cid:NN), private use area, U+FFFD, or a control
    character (NUL and the other C0/C1 codes a missing ToUnicode entry decodes to)."""
    return text.startswith("(cid:") or _BAD_CHAR.search(text) is not None


def mark_word_spaces(chars: Sequence[Char]) -> list[Char]:
    """The non-whitespace glyphs, in drawing order, each followed by a real space glyph
    on its line marked ``space_after`` (Latin word spaces: ``Merged cell 1``).

    Producers that draw text word by word (Calibri's space is 0.226 em, about the gap
    ``line_text`` needs to guess a space) put an explicit U+0020 glyph between words;
    keeping that fact lets ``line_text`` keep the space. Spaces inside CJK runs are
    removed later anyway (``fix_spacing``).
    """
    out: list[Char] = []
    for ch in chars:
        if not ch["text"].isspace():
            out.append(ch)
            continue
        if not out:
            continue
        prev = out[-1]
        size = max(prev.get("size") or 0, 1.0)
        same_line = abs(ch["top"] - prev["top"]) < 0.5 * size and -0.5 * size <= ch["x0"] - prev["x1"] <= size
        if same_line and not prev.get("space_after"):
            out[-1] = {**prev, "space_after": True}
    return out


def dedupe_chars(chars: Sequence[Char], tolerance: float = 1.0) -> list[Char]:
    """Drop fake-bold duplicates: the same glyph painted again within ``tolerance`` pt.

    Word/WPS "bold" for fonts without a bold face draws every glyph two or three
    times with a sub-point offset; keeping them gives `收收入入`.
    """
    if tolerance <= 0 or not _has_near_twin(chars, tolerance):
        return list(chars)
    # kept glyphs by (text, grid cell of x0, top) with cells 2 × tolerance wide: a duplicate
    # lies within tol <= tolerance = half a cell of a kept glyph, so on each axis it is in
    # the glyph's own cell or the neighbour on the side of the cell's half the glyph is in
    cell = 2 * max(tolerance, 0.01)
    seen: dict[tuple[str, int, int], list[Char]] = {}
    get = seen.get
    out: list[Char] = []
    for ch in chars:
        t = ch["text"]
        if t.isspace():
            out.append(ch)
            continue
        x0, top = ch["x0"], ch["top"]
        fx, fy = x0 / cell, top / cell
        kx, ky = math.floor(fx), math.floor(fy)
        nx = kx - 1 if fx - kx < 0.5 else kx + 1
        ny = ky - 1 if fy - ky < 0.5 else ky + 1
        cands = [get((t, kx, ky)), get((t, nx, ky)), get((t, kx, ny)), get((t, nx, ny))]
        if cands != _NONE4:
            w = ch["x1"] - x0
            tol = 0.3 * (w if w > 0.1 else 0.1)
            if tol > tolerance:
                tol = tolerance
            same = [o for lst in cands if lst for o in lst if abs(o["x0"] - x0) <= tol and abs(o["top"] - top) <= tol]
            if same:
                if ch.get("space_after"):  # the word space follows the glyph, whichever copy
                    _first_kept(same, tolerance, out)["space_after"] = True
                continue
        lst = get((t, kx, ky))
        if lst is None:
            seen[(t, kx, ky)] = [ch]
        else:
            lst.append(ch)
        out.append(ch)
    return out


def _has_near_twin(chars: Sequence[Char], tolerance: float) -> bool:
    """Two non-space glyphs with the same text within ``tolerance`` pt on both axes: the
    necessary condition for ``dedupe_chars`` to drop anything (a duplicate is within
    ``tol <= tolerance`` of a kept glyph). Most pages have none, and one sort of the
    (text, top, x0) triples answers it in a fraction of the per-glyph grid probing."""
    items = sorted([(c["text"], c["top"], c["x0"]) for c in chars if not c["text"].isspace()])
    for k in range(1, len(items)):
        t, top, x0 = items[k]
        j = k - 1
        while j >= 0:
            t2, top2, x2 = items[j]
            if t2 != t or top - top2 > tolerance:
                break
            if -tolerance <= x0 - x2 <= tolerance:
                return True
            j -= 1
    return False


def _first_kept(same: list[Char], tolerance: float, kept: list[Char]) -> Char:
    """Of several kept glyphs a duplicate matches, the one that takes its word space: the
    first by (x0, top) grid cell of ``tolerance`` pt, then by the order they were kept."""
    if len(same) == 1:
        return same[0]
    cell = max(tolerance, 0.01)
    order = {id(c): k for k, c in enumerate(kept)}
    return min(same, key=lambda o: (int(o["x0"] // cell), int(o["top"] // cell), order[id(o)]))


def is_numeric(text: str) -> bool:
    """A figure (``1,234.50``, ``-3``, ``95%``) or a dash standing for none."""
    return bool(NUMERIC.match(text.replace(" ", "")))


def split_chunks(line: Sequence[Char], gap: float) -> list[list[Char]]:
    """Split a visual line (sorted left to right) where glyphs are more than ``gap`` × size apart."""
    out: list[list[Char]] = []
    for ch in line:
        if out:
            prev = out[-1][-1]
            size = max(prev.get("size") or 0, ch.get("size") or 0, 1.0)
            if ch["x0"] - prev["x1"] > gap * size + GAP_EPS:
                out.append([ch])
                continue
            out[-1].append(ch)
        else:
            out.append([ch])
    return out


def chunk_texts(line: Sequence[Char], split_gap: float, word_gap: float) -> list[tuple[str, tuple[float, float, float, float]]]:
    """``split_chunks(line, split_gap)`` and each chunk's ``line_text(chunk, word_gap)`` and box
    (x0, top, x1, bottom, pt) in one pass over the line (sorted left to right): the same
    results as the two calls, for the prose lines of every page."""
    out: list[tuple[str, tuple[float, float, float, float]]] = []
    if not line:
        return out
    first = line[0]
    parts = [first["text"]]
    x0, top, x1, bottom = first["x0"], first["top"], first["x1"], first["bottom"]
    prev = first
    psize = first.get("size") or 0
    for ch in line[1:]:
        csize = ch.get("size") or 0
        size = psize if psize > csize else csize
        if size < 1.0:
            size = 1.0
        gap = ch["x0"] - prev["x1"]
        if gap > split_gap * size + GAP_EPS:
            out.append((fix_spacing("".join(parts)), (x0, top, x1, bottom)))
            parts = [ch["text"]]
            x0, top, x1, bottom = ch["x0"], ch["top"], ch["x1"], ch["bottom"]
        else:
            if prev.get("space_after") or gap > word_gap * size + GAP_EPS:
                parts.append(" ")
            parts.append(ch["text"])
            if ch["x0"] < x0:
                x0 = ch["x0"]
            if ch["top"] < top:
                top = ch["top"]
            if ch["x1"] > x1:
                x1 = ch["x1"]
            if ch["bottom"] > bottom:
                bottom = ch["bottom"]
        prev, psize = ch, csize
    out.append((fix_spacing("".join(parts)), (x0, top, x1, bottom)))
    return out


_TOP_X0 = itemgetter("top", "x0")
_X0 = itemgetter("x0")


def cluster_lines(chars: Iterable[Char], overlap: float = 0.5) -> list[list[Char]]:
    """Group chars into visual lines (vertical overlap), each sorted left to right.

    Lines are returned top to bottom. A char joins the line it overlaps by at least
    ``overlap`` of the smaller height; this keeps superscript footnote marks and
    slightly lowered digits (mixed fonts) on their line.
    """
    items = sorted(chars, key=_TOP_X0)
    lines: list[list[Char]] = []
    tops: list[float] = []  # band of each line: [tops[i], bottoms[i]]
    bottoms: list[float] = []
    for ch in items:
        top, bottom = ch["top"], ch["bottom"]
        h = bottom - top
        if h < 0.1:
            h = 0.1
        # the char can only belong to one of the last few lines (sorted by top)
        n = len(lines)
        for i in range(n - 1, n - 4 if n > 3 else -1, -1):
            bt, bb = tops[i], bottoms[i]
            inter = (bb if bb < bottom else bottom) - (bt if bt > top else top)
            band = bb - bt
            if inter >= overlap * (h if h < band else band):
                lines[i].append(ch)
                if top < bt:
                    tops[i] = top
                if bottom > bb:
                    bottoms[i] = bottom
                break
        else:
            lines.append([ch])
            tops.append(top)
            bottoms.append(bottom)
    for ln in lines:
        if len(ln) > 1:
            ln.sort(key=_X0)
    order = sorted(range(len(lines)), key=tops.__getitem__)
    return [lines[i] for i in order]


def line_text(chars: Sequence[Char], gap_ratio: float = 0.25) -> str:
    """Text of one visual line: spaces where a space glyph was drawn or glyphs are far
    apart, then CJK spacing repaired."""
    parts: list[str] = []
    prev: Char | None = None
    for ch in chars:
        if prev is not None:
            size = max(prev.get("size") or 0, ch.get("size") or 0, 1.0)
            if prev.get("space_after") or ch["x0"] - prev["x1"] > gap_ratio * size + GAP_EPS:
                parts.append(" ")
        parts.append(ch["text"])
        prev = ch
    return fix_spacing("".join(parts))


def fix_spacing(text: str) -> str:
    """NFC, collapse whitespace, and remove spaces that touch CJK on both sides.

    `社会效益指 标` → `社会效益指标`, `项  目` → `项目`; `1. 一般公共预算` and
    `Times New Roman` keep their spaces.
    """
    text = unicodedata.normalize("NFC", text)
    text = _WS.sub(" ", text).strip()
    if " " not in text:
        return text
    out: list[str] = []
    n = len(text)
    for i, c in enumerate(text):
        if c == " " and 0 < i < n - 1 and is_cjk(text[i - 1]) and is_cjk(text[i + 1]):
            continue
        out.append(c)
    return "".join(out)


def join_wrapped(lines: Sequence[str]) -> str:
    """Join a cell's wrapped lines in reading order.

    CJK (or any non-Latin boundary) joins with nothing — a wrapped Chinese word has
    no separator; two Latin words/numbers join with one space.
    """
    out = ""
    for ln in lines:
        ln = ln.strip()
        if not ln:
            continue
        if not out:
            out = ln
            continue
        a, b = out[-1], ln[0]
        if a.isascii() and b.isascii() and a.isalpha() and b.isalnum():
            out += " " + ln
        else:
            out += ln
    return fix_spacing(out)


def chars_to_text(chars: Sequence[Char], *, overlap: float = 0.5, gap_ratio: float = 0.25) -> str:
    """Repaired text of the chars of one cell: lines top to bottom, wraps joined.

    Glyphs whose baseline is not upright (``dir`` ≠ 0: a header label printed turned in a
    narrow column) are read in their own direction, each direction's run in turn, in
    reading order of where the runs start.
    """
    if not chars:
        return ""
    if all(not c.get("dir") for c in chars):
        return join_wrapped([line_text(ln, gap_ratio) for ln in cluster_lines(chars, overlap)])
    from .frames import Frame

    groups: dict[int, list[Char]] = {}
    for c in chars:
        groups.setdefault(c.get("dir", 0) or 0, []).append(c)
    ordered = sorted(groups.items(), key=lambda kv: (min(c["top"] for c in kv[1]), min(c["x0"] for c in kv[1])))
    parts = []
    for d, group in ordered:
        frame = Frame(d, 0.0, 0.0)
        turned = [frame.char(c) for c in group] if d else group
        parts.append(join_wrapped([line_text(ln, gap_ratio) for ln in cluster_lines(turned, overlap)]))
    return join_wrapped(parts)


@dataclass(frozen=True)
class GarbleReport:
    """Why a page's text layer is (not) usable."""

    n_chars: int
    bad: int  # (cid:NN), private use, U+FFFD
    ideographs: int
    latin_letters: int
    cjk_punct: int

    @property
    def garbled(self) -> bool:
        return garbled_verdict(self)


_IDEO = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_LATIN = re.compile("[A-Za-z]")
_CJK_PUNCT = re.compile("[\u3001-\u303f\uff01-\uff0f\uff1a-\uff20]")
_SPACE = re.compile(r"\s")


def garble_report(chars: Sequence[Char]) -> GarbleReport:
    """Counts of a page's glyphs for ``garbled_verdict`` (whitespace glyphs not counted).

    When every glyph is one character and none is undecodable (nearly every page), the
    counts are taken on the joined text by regular expressions, which run in C; otherwise
    glyph by glyph. Both give the same counts: a glyph is classed by its first character."""
    texts = [ch["text"] for ch in chars]
    joined = "".join(texts)
    if len(joined) == len(texts) and not _BAD_CHAR.search(joined):  # no "(cid:": it is 8 characters
        return GarbleReport(len(texts) - len(_SPACE.findall(joined)), 0, len(_IDEO.findall(joined)),
                            len(_LATIN.findall(joined)), len(_CJK_PUNCT.findall(joined)))
    n = bad = ideo = latin = punct = 0
    for ch in chars:
        t = ch["text"]
        if t.isspace():
            continue
        n += 1
        if is_bad_glyph(t):
            bad += 1
            continue
        c = t[0]
        o = ord(c)
        if 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF:
            ideo += 1
        elif c.isascii() and c.isalpha():
            latin += 1
        elif 0x3001 <= o <= 0x303F or 0xFF01 <= o <= 0xFF0F or 0xFF1A <= o <= 0xFF20:
            punct += 1
    return GarbleReport(n, bad, ideo, latin, punct)


def garbled_verdict(r: GarbleReport, *, min_chars: int = 20, bad_ratio: float = 0.05) -> bool:
    """Is the page's text layer unusable?

    Two signatures: many unmapped glyphs; or Chinese punctuation (，、。) between runs
    of Latin letters and almost no ideographs — a font whose ToUnicode map points
    hanzi at ASCII (the Huai'an report reads `NOPQR67ST ５UV，jddklm、`).
    """
    if r.n_chars < min_chars:
        return r.bad > 0 and r.bad >= r.n_chars / 2
    if r.bad / r.n_chars >= bad_ratio:
        return True
    if r.cjk_punct >= 3 and r.latin_letters > 4 * max(r.ideographs, 1) and r.ideographs < 0.2 * r.n_chars:
        return True
    return False


def has_bad_text(text: str) -> bool:
    """``text`` holds a (cid:NN) or a character ``is_bad_glyph`` rejects."""
    return _CID.search(text) is not None or _BAD_CHAR.search(text) is not None
