"""Reading frames: turning a page (or a group of glyphs) so that text printed sideways reads upright.

A landscape table drawn turned on a portrait page has every glyph's baseline pointing up
(``dir`` 90) or down (270); read in page coordinates its rows come out as columns and its
strings reversed (``出支目项``). ``Frame(turn, width, height)`` maps page coordinates to
the coordinates of the page turned so that baselines of direction ``turn`` run left to
right, and back. Everything is PDF points, top-left origin, y down.

=========== ===================================== ==========================
``turn``    the page is turned                    point (x, y) goes to
=========== ===================================== ==========================
0           not at all                            (x, y)
90          clockwise (text read bottom to top)   (H - y, x)
180         half a turn                           (W - x, H - y)
270         anticlockwise (read top to bottom)    (y, W - x)
=========== ===================================== ==========================
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .models import BBox, PageTable, TextLine
from .primitives import Char, PagePrimitives, Segment


@dataclass(frozen=True)
class Frame:
    turn: int  # 0, 90, 180 or 270
    width: float  # of the space being turned (the page as displayed)
    height: float

    @property
    def size(self) -> tuple[float, float]:
        """Width and height of the turned space."""
        return (self.height, self.width) if self.turn in (90, 270) else (self.width, self.height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        W, H = self.width, self.height
        if self.turn == 90:
            return H - y, x
        if self.turn == 180:
            return W - x, H - y
        if self.turn == 270:
            return y, W - x
        return x, y

    def point_back(self, x: float, y: float) -> tuple[float, float]:
        W, H = self.width, self.height
        if self.turn == 90:
            return y, H - x
        if self.turn == 180:
            return W - x, H - y
        if self.turn == 270:
            return W - y, x
        return x, y

    def _box(self, x0: float, top: float, x1: float, bottom: float, back: bool) -> tuple[float, float, float, float]:
        f = self.point_back if back else self.point
        (ax, ay), (bx, by) = f(x0, top), f(x1, bottom)
        return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)

    def box(self, b: BBox) -> BBox:
        return BBox(*self._box(b.x0, b.top, b.x1, b.bottom, False))

    def box_back(self, b: BBox) -> BBox:
        return BBox(*self._box(b.x0, b.top, b.x1, b.bottom, True))

    def char(self, ch: Char) -> Char:
        """A glyph in the turned space: its box turned, its direction relative to the frame,
        its size the height of its turned box (the font size for a glyph now upright)."""
        x0, top, x1, bottom = self._box(ch["x0"], ch["top"], ch["x1"], ch["bottom"], False)
        d = (ch.get("dir", 0) - self.turn) % 360
        out = {**ch, "x0": x0, "top": top, "x1": x1, "bottom": bottom, "dir": d, "upright": d == 0}
        if ch.get("dir", 0) % 180 != d % 180:  # the glyph's box turned a quarter: its height is its size now
            out["size"] = bottom - top if d == 0 else x1 - x0
        return out

    def segment(self, s: Segment) -> Segment:
        a = self.point(s.a, s.pos) if s.orient == "h" else self.point(s.pos, s.a)
        b = self.point(s.b, s.pos) if s.orient == "h" else self.point(s.pos, s.b)
        if abs(a[1] - b[1]) < 1e-6:  # horizontal now
            return Segment("h", a[1], min(a[0], b[0]), max(a[0], b[0]), s.synthetic)
        return Segment("v", a[0], min(a[1], b[1]), max(a[1], b[1]), s.synthetic)

    def primitives(self, prims: PagePrimitives) -> PagePrimitives:
        """The page's primitives in the turned space (its size swapped for a quarter turn)."""
        if self.turn == 0:
            return prims
        w, h = self.size
        return replace(prims, width=w, height=h, chars=tuple(self.char(c) for c in prims.chars),
                       segments=tuple(self.segment(s) for s in prims.segments),
                       images=tuple(self.box(b) for b in prims.images), dots=tuple(self.box(b) for b in prims.dots))

    def table_back(self, t: PageTable) -> PageTable:
        """A table found in the turned space with its boxes back in page coordinates
        (its ``row_edges``/``col_edges`` stay in its reading frame, ``rotation`` says which)."""
        if self.turn == 0:
            return t
        return replace(t, bbox=self.box_back(t.bbox), rotation=self.turn,
                       cells=tuple(replace(c, bbox=self.box_back(c.bbox)) for c in t.cells),
                       captions_above=tuple(self.line_back(l) for l in t.captions_above),
                       captions_below=tuple(self.line_back(l) for l in t.captions_below))

    def line_back(self, line: TextLine) -> TextLine:
        return TextLine(line.text, self.box_back(line.bbox)) if self.turn else line


def dominant_direction(chars: Sequence[Char], min_share: float = 0.5) -> int:
    """The baseline direction of at least ``min_share`` of the glyphs, else 0 (upright)."""
    if not chars:
        return 0
    counts = Counter(c.get("dir", 0) for c in chars)
    d, n = counts.most_common(1)[0]
    return d if d and n >= min_share * len(chars) else 0


__all__ = ["Frame", "dominant_direction"]
