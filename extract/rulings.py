"""From a page's drawing objects to ruled table grids with row/column spans.

Chain of small pure functions (as in pdfplumber's table finder):
``page_segments → merge_segments → group_segments → grid_from_group → slot_spans``.
Coordinates are pdfplumber's (top-left origin, after /Rotate).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .models import BBox
from .primitives import Segment
from .settings import ExtractSettings


def _is_light(color) -> bool:
    """White or nearly white paint (cell backgrounds), which is not a ruling."""
    if color is None:
        return False
    if isinstance(color, (int, float)):
        vals = [float(color)]
    else:
        try:
            vals = [float(v) for v in color]
        except (TypeError, ValueError):
            return False
    if not vals:
        return False
    if len(vals) == 4:  # CMYK: light when all inks are ~0
        return all(v <= 0.1 for v in vals)
    return all(v >= 0.9 for v in vals)


def is_painted(obj: dict) -> bool:
    """A drawing object painted in a visible (not white) colour by its fill or stroke."""
    if obj.get("object_type") == "line":
        return not _is_light(obj.get("stroking_color"))
    return _visible(obj)


def _visible(obj: dict) -> bool:
    """Painted in a visible colour by its fill or its stroke."""
    if obj.get("stroke") and not _is_light(obj.get("stroking_color")):
        return True
    if obj.get("fill") and not _is_light(obj.get("non_stroking_color")):
        return True
    return False


def object_segments(obj: dict, max_thickness: float) -> list[Segment]:
    """Rulings drawn by one line/rect/curve object.

    A thin painted box (filled rect/curve, the Excel/WPS way) is one ruling along its
    centre; a stroked larger box contributes its four sides; white boxes (cell
    backgrounds) contribute nothing.
    """
    x0, x1, top, bottom = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
    w, h = x1 - x0, bottom - top
    kind = obj.get("object_type")
    if kind == "line":
        if _is_light(obj.get("stroking_color")) and obj.get("stroke", True):
            return []
        pts = obj.get("pts") or []
        if h <= max_thickness and w > h:
            return [Segment("h", (top + bottom) / 2, x0, x1)]
        if w <= max_thickness and h > w:
            return [Segment("v", (x0 + x1) / 2, top, bottom)]
        return _polyline_segments(pts, max_thickness)
    if not _visible(obj):
        return []
    if h <= max_thickness and w > h:
        return [Segment("h", (top + bottom) / 2, x0, x1)]
    if w <= max_thickness and h > w:
        return [Segment("v", (x0 + x1) / 2, top, bottom)]
    if obj.get("stroke") and not _is_light(obj.get("stroking_color")):
        if kind == "curve":
            return _polyline_segments(obj.get("pts") or [], max_thickness)
        return [
            Segment("h", top, x0, x1),
            Segment("h", bottom, x0, x1),
            Segment("v", x0, top, bottom),
            Segment("v", x1, top, bottom),
        ]
    return []


def object_dot(obj: dict, max_thickness: float) -> BBox | None:
    """The box of a tiny painted mark (both sides <= ``max_thickness`` pt, painted in a
    visible colour): one dot of a dotted ruling, or a junction square; None otherwise."""
    x0, x1, top, bottom = obj["x0"], obj["x1"], obj["top"], obj["bottom"]
    if x1 - x0 > max_thickness or bottom - top > max_thickness or not is_painted(obj):
        return None
    return BBox(float(x0), float(top), float(x1), float(bottom))


def _polyline_segments(pts: Sequence, tol: float) -> list[Segment]:
    out: list[Segment] = []
    for (ax, ay), (bx, by) in zip(pts, pts[1:]):
        if abs(ay - by) <= tol and abs(ax - bx) > tol:
            out.append(Segment("h", (ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= tol and abs(ay - by) > tol:
            out.append(Segment("v", (ax + bx) / 2, min(ay, by), max(ay, by)))
    return out


def page_segments(objects: Iterable[dict], settings: ExtractSettings) -> list[Segment]:
    segs: list[Segment] = []
    for obj in objects:
        segs.extend(object_segments(obj, settings.max_ruling_thickness))
    return [s for s in segs if s.length > 1.0]


def dotted_segments(dots: Sequence[BBox], settings: ExtractSettings) -> list[Segment]:
    """Rulings drawn as rows of dots or short dashes: collinear marks, evenly close, chained.

    A dotted or dashed border (printer-driver output; camelot#370, pdfplumber#382) is many
    marks of at most ``max_ruling_thickness`` pt each. Marks whose centres share a y
    (within ``dot_align_tolerance``) and follow each other with gaps of at most
    ``dot_max_gap`` pt make a horizontal ruling when at least ``dot_min_count`` of them
    span ``dot_min_length`` pt; the same along x for vertical rulings.
    """
    out: list[Segment] = []
    if len(dots) < settings.dot_min_count:
        return out
    for orient in ("h", "v"):
        def pos(b: BBox) -> float:
            return (b.top + b.bottom) / 2 if orient == "h" else (b.x0 + b.x1) / 2

        def span(b: BBox) -> tuple[float, float]:
            return (b.x0, b.x1) if orient == "h" else (b.top, b.bottom)

        ordered = sorted(dots, key=pos)
        groups: list[list[BBox]] = []
        for b in ordered:
            if groups and pos(b) - pos(groups[-1][-1]) <= settings.dot_align_tolerance:
                groups[-1].append(b)
            else:
                groups.append([b])
        for group in groups:
            if len(group) < settings.dot_min_count:
                continue
            y = sum(pos(b) for b in group) / len(group)
            chain: list[tuple[float, float]] = []
            for a, b in sorted(span(b) for b in group):
                if chain and a - chain[-1][1] <= settings.dot_max_gap:
                    chain.append((a, b))
                    continue
                _emit_chain(chain, orient, y, settings, out)
                chain = [(a, b)]
            _emit_chain(chain, orient, y, settings, out)
    return out


def _emit_chain(chain: list[tuple[float, float]], orient: str, pos: float, settings: ExtractSettings,
                out: list[Segment]) -> None:
    if len(chain) >= settings.dot_min_count and chain[-1][1] - chain[0][0] >= settings.dot_min_length:
        out.append(Segment(orient, pos, chain[0][0], max(b for _, b in chain)))


def cluster_positions(values: Sequence[float], tol: float) -> list[list[float]]:
    """Single-linkage clusters of sorted 1-D positions (gap <= tol joins)."""
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return out


def merge_segments(segs: Sequence[Segment], settings: ExtractSettings) -> list[Segment]:
    """Snap near-collinear rulings to one position and join touching pieces.

    A thin double line, the four sides of adjacent bordered boxes and a ruling
    drawn 1 pt off all become one ruling here, so they cannot create phantom
    rows or columns.
    """
    out: list[Segment] = []
    for orient in ("h", "v"):
        group = sorted((s for s in segs if s.orient == orient), key=lambda s: s.pos)
        clusters: list[list[Segment]] = []
        for s in group:
            if clusters and s.pos - clusters[-1][-1].pos <= settings.snap_tolerance:
                clusters[-1].append(s)
            else:
                clusters.append([s])
        for cl in clusters:
            # length-weighted mean position
            tot = sum(max(s.length, 0.1) for s in cl)
            pos = sum(s.pos * max(s.length, 0.1) for s in cl) / tot
            ivs = sorted((s.a, s.b, s.synthetic) for s in cl)
            cur_a, cur_b, cur_syn = ivs[0]
            for a, b, syn in ivs[1:]:
                if a <= cur_b + settings.join_tolerance:
                    cur_b = max(cur_b, b)
                    cur_syn = cur_syn and syn
                else:
                    out.append(Segment(orient, pos, cur_a, cur_b, cur_syn))
                    cur_a, cur_b, cur_syn = a, b, syn
            out.append(Segment(orient, pos, cur_a, cur_b, cur_syn))
    return out


def _touch(h: Segment, v: Segment, tol: float) -> bool:
    return h.a - tol <= v.pos <= h.b + tol and v.a - tol <= h.pos <= v.b + tol


def group_segments(segs: Sequence[Segment], settings: ExtractSettings) -> list[list[Segment]]:
    """Connected components of touching rulings: one component = one table frame."""
    hs = [s for s in segs if s.orient == "h"]
    vs = [s for s in segs if s.orient == "v"]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = settings.intersection_tolerance
    vs_sorted = sorted(range(len(vs)), key=lambda j: vs[j].pos)
    vpos = [vs[j].pos for j in vs_sorted]
    import bisect

    for i, h in enumerate(hs):
        lo = bisect.bisect_left(vpos, h.a - tol)
        hi = bisect.bisect_right(vpos, h.b + tol)
        for k in range(lo, hi):
            j = vs_sorted[k]
            if _touch(h, vs[j], tol):
                ri, rj = find(i), find(len(hs) + j)
                if ri != rj:
                    parent[ri] = rj
    comps: dict[int, list[Segment]] = {}
    for i, s in enumerate(hs + vs):
        comps.setdefault(find(i), []).append(s)
    return list(comps.values())


@dataclass
class RawGrid:
    """A ruled frame's grid before text: edges plus which slot borders are ruled."""

    row_edges: list[float]
    col_edges: list[float]
    hsegs: list[Segment]  # merged horizontal rulings of the frame
    vsegs: list[Segment]
    open_bottom: bool = False
    open_top: bool = False
    synthetic_rows: list[float] = field(default_factory=list)


def grid_from_group(group: Sequence[Segment], settings: ExtractSettings) -> RawGrid | None:
    """Row/col edges of one frame; closes frames cut by a page break or open at the sides.

    - verticals running past the last horizontal ruling (no bottom border, the table
      continues on the next page) get a synthetic bottom edge where they end;
    - same at the top for a continuation page without a top border;
    - horizontals reaching beyond the outermost verticals (tables without side
      borders) get synthetic left/right edges where they end.
    """
    hs = [s for s in group if s.orient == "h"]
    vs = [s for s in group if s.orient == "v"]
    if not hs or not vs or len(hs) + len(vs) < 4:
        return None
    tol = settings.snap_tolerance
    rows = [sum(c) / len(c) for c in cluster_positions([s.pos for s in hs], tol)]
    cols = [sum(c) / len(c) for c in cluster_positions([s.pos for s in vs], tol)]
    v_top = min(s.a for s in vs)
    v_bot = max(s.b for s in vs)
    h_left = min(s.a for s in hs)
    h_right = max(s.b for s in hs)
    hsegs, vsegs = list(hs), list(vs)
    open_bottom = open_top = False
    if v_bot - rows[-1] > settings.min_open_extent:
        rows.append(v_bot)
        open_bottom = True
        hsegs.append(Segment("h", v_bot, h_left, h_right, synthetic=True))
    if rows[0] - v_top > settings.min_open_extent:
        rows.insert(0, v_top)
        open_top = True
        hsegs.append(Segment("h", v_top, h_left, h_right, synthetic=True))
    if cols[0] - h_left > settings.min_open_extent:
        cols.insert(0, h_left)
        vsegs.append(Segment("v", h_left, rows[0], rows[-1], synthetic=True))
    if h_right - cols[-1] > settings.min_open_extent:
        cols.append(h_right)
        vsegs.append(Segment("v", h_right, rows[0], rows[-1], synthetic=True))
    if len(rows) < 2 or len(cols) < 2:
        return None
    return RawGrid(rows, cols, hsegs, vsegs, open_bottom, open_top)


def _coverage(segs: Sequence[Segment], pos: float, a: float, b: float, tol: float) -> float:
    """Share of the interval a..b at ``pos`` covered by rulings."""
    if b <= a:
        return 1.0
    ivs = sorted((max(s.a, a), min(s.b, b)) for s in segs if abs(s.pos - pos) <= tol and s.b > a and s.a < b)
    covered = 0.0
    cur_a = cur_b = None
    for x, y in ivs:
        if cur_b is None or x > cur_b:
            if cur_b is not None:
                covered += cur_b - cur_a
            cur_a, cur_b = x, y
        else:
            cur_b = max(cur_b, y)
    if cur_b is not None:
        covered += cur_b - cur_a
    return covered / (b - a)


def slot_spans(grid: RawGrid, settings: ExtractSettings) -> list[tuple[int, int, int, int]]:
    """Cells as (row, col, row_span, col_span): slots with no ruling between them merge.

    A slot border counts as ruled when rulings cover ``min_coverage`` of it.
    """
    R, C = len(grid.row_edges) - 1, len(grid.col_edges) - 1
    tol = settings.snap_tolerance
    re_, ce = grid.row_edges, grid.col_edges
    mc = settings.min_coverage
    vnear = {x: near_segments(grid.vsegs, x, tol) for x in ce[1:-1]}
    hnear = {y: near_segments(grid.hsegs, y, tol) for y in re_[1:-1]}
    vbord = [[_coverage(vnear[ce[c + 1]], ce[c + 1], re_[r], re_[r + 1], tol) >= mc for c in range(C - 1)] for r in range(R)]
    hbord = [[_coverage(hnear[re_[r + 1]], re_[r + 1], ce[c], ce[c + 1], tol) >= mc for c in range(C)] for r in range(R - 1)]
    return spans_from_borders(vbord, hbord)


def near_segments(segs: Sequence[Segment], pos: float, tol: float) -> list[Segment]:
    """The rulings within ``tol`` of ``pos``: all ``_coverage`` looks at along one edge, so
    the slots of an edge scan them instead of every ruling of the frame."""
    return [s for s in segs if abs(s.pos - pos) <= tol]


def spans_from_borders(vbord: Sequence[Sequence[bool]], hbord: Sequence[Sequence[bool]]) -> list[tuple[int, int, int, int]]:
    """Cells as (row, col, row_span, col_span) from which slot borders are ruled.

    ``vbord[r][c]``: a ruling between slots (r, c) and (r, c+1) (R rows × C-1);
    ``hbord[r][c]``: a ruling between slots (r, c) and (r+1, c) (R-1 rows × C).
    Greedy rectangles in row-major order: extend right while the vertical border is
    missing, then down while the horizontal border under the whole width is missing.
    The one place spans are built, for every engine.
    """
    R = len(vbord)
    C = len(vbord[0]) + 1 if R else 0
    taken = [[False] * C for _ in range(R)]
    cells: list[tuple[int, int, int, int]] = []
    for r in range(R):
        for c in range(C):
            if taken[r][c]:
                continue
            cs = 1
            while c + cs < C and not vbord[r][c + cs - 1] and not taken[r][c + cs]:
                cs += 1
            rs = 1
            while (
                r + rs < R
                and not any(hbord[r + rs - 1][k] for k in range(c, c + cs))
                and not any(taken[r + rs][k] for k in range(c, c + cs))
                and not any(vbord[r + rs][k] for k in range(c, c + cs - 1))
            ):
                rs += 1
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken[rr][cc] = True
            cells.append((r, c, rs, cs))
    return cells
