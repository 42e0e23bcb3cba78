"""From a grid of slots and the page's glyphs to a ``PageTable``: the one place cells are made.

Every engine ends here: the pdfplumber and pdfium rulings (``rulings.RawGrid``), camelot's
grids and the text-aligned tables of ``unruled`` all give row/column edges and spans;
this module puts each glyph into the slot holding its centre, splits bands ruled only
around a block of rows, and builds the cells with repaired text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from .models import BBox, GridCell, PageTable
from .primitives import Char, Segment
from .rulings import RawGrid, _coverage, near_segments, slot_spans
from .settings import ExtractSettings
from .textrepair import chars_to_text, cluster_lines, has_bad_text, is_numeric, line_text

Span = tuple[int, int, int, int]  # row, col, row_span, col_span

MONEY_2DP = re.compile(r"[-－]?(\d{1,3}(,\d{3})+|\d+)\.\d{2}")


def center(ch: Char) -> tuple[float, float]:
    return (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2


def inside(ch: Char, bbox: BBox, pad: float = 1.0) -> bool:
    """The glyph's centre lies in ``bbox`` grown by ``pad`` pt."""
    x, y = center(ch)
    return bbox.x0 - pad <= x <= bbox.x1 + pad and bbox.top - pad <= y <= bbox.bottom + pad


def outside(chars: Sequence[Char], boxes: Sequence[BBox], pad: float = 1.0) -> list[Char]:
    """The glyphs ``inside`` none of ``boxes`` (same test, the boxes grown once)."""
    grown = [(b.x0 - pad, b.x1 + pad, b.top - pad, b.bottom + pad) for b in boxes]
    out = []
    for ch in chars:
        x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for x0, x1, top, bottom in grown:
            if x0 <= x <= x1 and top <= y <= bottom:
                break
        else:
            out.append(ch)
    return out


def _slot_of(edges: Sequence[float], v: float) -> int | None:
    i = bisect.bisect_right(edges, v) - 1
    if 0 <= i < len(edges) - 1:
        return i
    return None


def assign_slots(chars: Sequence[Char], row_edges: Sequence[float], col_edges: Sequence[float]) -> dict[tuple[int, int], list[Char]]:
    """Glyphs by the grid slot (row, col) holding their centre; glyphs outside the grid are left out."""
    slots: dict[tuple[int, int], list[Char]] = {}
    nr, nc = len(row_edges) - 1, len(col_edges) - 1
    for ch in chars:  # _slot_of(edges, centre) of both axes, inline (a hot loop)
        r = bisect.bisect_right(row_edges, (ch["top"] + ch["bottom"]) / 2) - 1
        if 0 <= r < nr:
            c = bisect.bisect_right(col_edges, (ch["x0"] + ch["x1"]) / 2) - 1
            if 0 <= c < nc:
                lst = slots.get((r, c))
                if lst is None:
                    slots[(r, c)] = [ch]
                else:
                    lst.append(ch)
    return slots


def _has_wrapped_number(lines: Sequence[tuple[float, float, str]]) -> bool:
    """A line that is the head of a figure wrapped in its cell: alone it is no complete
    money figure, joined with the next line it is one (``1,962.8`` + ``0``, ``2528`` + ``.61``)."""
    texts = [re.sub(r"\s+", "", t) for _, _, t in sorted(lines)]
    return any(is_numeric(a) and not MONEY_2DP.fullmatch(a) and MONEY_2DP.fullmatch(a + b)
               for a, b in zip(texts, texts[1:]))


def split_unruled_bands(grid: RawGrid, slots: dict[tuple[int, int], list[Char]], settings: ExtractSettings) -> RawGrid:
    """Split row bands that hold several aligned rows of text but no ruling between them.

    Some exports rule only the header, the body block and the total row (Henan's
    provincial tables): the body is one band with 24 lines in every column. A band
    is split at every gap of its text lines projected on the y axis when at least
    two columns hold several lines and one of them several numbers; a label wrapped
    over two lines beside a vertically centred number leaves no gap and stays one
    row, and wrapped header labels (no numbers) are never split.

    Only a band ruled across every column at its top and its bottom is such a
    block. Where some column has no ruling at the band's top or bottom, that
    column's cell is merged over several bands (单位编码, 整体绩效目标 of a
    performance-target table) and the band is just one ruled row of its
    neighbouring columns: splitting it would cut the merged cell where no ruling
    crosses it, so such a band is left alone. Lines of one cell wrapped at the
    same leading (a number wrapped as ``2528`` / ``.61``) are not rows either: a
    column counts as numeric only when its numbers fall into different rows.
    """
    R, C = len(grid.row_edges) - 1, len(grid.col_edges) - 1
    re_, ce = grid.row_edges, grid.col_edges
    tol, mc = settings.snap_tolerance, settings.min_coverage

    def ruled_across(y: float) -> bool:
        near = near_segments(grid.hsegs, y, tol)
        return all(_coverage(near, y, ce[c], ce[c + 1], tol) >= mc for c in range(C))

    new_rows: list[float] = []
    new_segs: list[Segment] = []
    for r in range(R):
        if not (ruled_across(re_[r]) and ruled_across(re_[r + 1])):
            continue  # a cell of some column runs on past this band: not a block ruled around
        col_lines: dict[int, list[tuple[float, float, str]]] = {}
        for c in range(C):
            chs = slots.get((r, c))
            if not chs:
                continue
            lines = cluster_lines(chs, settings.line_overlap)
            if len(lines) >= 1:
                col_lines[c] = [
                    (min(x["top"] for x in ln), max(x["bottom"] for x in ln), line_text(ln)) for ln in lines
                ]
        multi = [c for c, ls in col_lines.items() if len(ls) >= 2]
        numeric_multi = [c for c in multi if sum(is_numeric(t) for _, _, t in col_lines[c]) >= 2]
        if len(multi) < 2 or not numeric_multi:
            continue
        if any(_has_wrapped_number(col_lines[c]) for c in multi):
            continue  # one row whose figures wrapped inside their cells (1,962.8 / 0)
        # projection of all text lines of the band on y: every free gap is a row border
        ivs = sorted((t, b) for ls in col_lines.values() for t, b, _ in ls)
        cuts: list[float] = []
        cur_b = ivs[0][1]
        for t, b in ivs[1:]:
            if t > cur_b + 0.3:
                cuts.append((cur_b + t) / 2)
            cur_b = max(cur_b, b)
        if not cuts:
            continue
        # numbers of a real row block sit one per row; a wrapped number stays in one row
        rows_of = {c: [bisect.bisect_right(cuts, (t + b) / 2) for t, b, txt in col_lines[c] if is_numeric(txt)] for c in numeric_multi}
        if not any(len(set(rs)) == len(rs) for rs in rows_of.values()):
            continue
        for y in cuts:
            new_rows.append(y)
            for c in range(C):
                new_segs.append(Segment("h", y, ce[c], ce[c + 1], synthetic=True))
    if not new_rows:
        return grid
    return RawGrid(
        sorted(grid.row_edges + new_rows),
        grid.col_edges,
        grid.hsegs + new_segs,
        grid.vsegs,
        grid.open_bottom,
        grid.open_top,
        sorted(new_rows),
    )


def _indent(chs: Sequence[Char], left: float) -> float | None:
    """Distance (pt) from ``left`` to the first text line's left edge; None for an empty cell."""
    if not chs:
        return None
    top = min(ch["top"] for ch in chs)
    first = [ch for ch in chs if ch["top"] <= top + 0.5 * max(ch.get("size") or 1.0, 1.0)]
    return round(min(ch["x0"] for ch in first) - left, 1)


def grid_cells(spans: Sequence[Span], slots: dict[tuple[int, int], list[Char]], row_edges: Sequence[float],
               col_edges: Sequence[float], garbled: bool, settings: ExtractSettings) -> list[GridCell]:
    """Cells with repaired text for ``spans`` over a slot grid.

    ``text`` is None where glyphs are present but undecodable (the page is garbled, or
    the cell holds ``(cid:NN)``/private-use glyphs); ``confidence`` is the lowest OCR
    confidence of the cell's glyphs (None for text from the PDF).
    """
    cells: list[GridCell] = []
    for r, c, rs, cs in spans:
        chs = [ch for rr in range(r, r + rs) for cc in range(c, c + cs) for ch in slots.get((rr, cc), ())]
        text: str | None = chars_to_text(chs, overlap=settings.line_overlap, gap_ratio=settings.word_gap_ratio)
        if chs and (garbled or has_bad_text(text or "")):
            text = None
        confs = [ch["confidence"] for ch in chs if ch.get("confidence") is not None]
        cells.append(GridCell(r, c, rs, cs, BBox(col_edges[c], row_edges[r], col_edges[c + cs], row_edges[r + rs]), text,
                              min(confs) if confs else None, _indent(chs, col_edges[c])))
    return cells


def make_page_table(page_no: int, row_edges: Sequence[float], col_edges: Sequence[float], spans: Sequence[Span],
                    chars: Sequence[Char], garbled: bool, settings: ExtractSettings, *, engine: str,
                    ruled: bool = True, open_bottom: bool = False, open_top: bool = False,
                    synthetic_row_edges: Sequence[float] = (), text_source: str = "pdf",
                    slots: dict[tuple[int, int], list[Char]] | None = None) -> PageTable:
    """The one constructor of a ``PageTable`` from edges (pt, top-left origin), spans and glyphs."""
    if slots is None:
        slots = assign_slots(chars, row_edges, col_edges)
    cells = grid_cells(spans, slots, row_edges, col_edges, garbled, settings)
    return PageTable(
        page=page_no,
        index_on_page=0,
        bbox=BBox(col_edges[0], row_edges[0], col_edges[-1], row_edges[-1]),
        n_rows=len(row_edges) - 1,
        n_cols=len(col_edges) - 1,
        cells=tuple(cells),
        row_edges=tuple(row_edges),
        col_edges=tuple(col_edges),
        ruled=ruled,
        engine=engine,
        open_bottom=open_bottom,
        open_top=open_top,
        synthetic_row_edges=tuple(synthetic_row_edges),
        text_source=text_source,
    )


def ruled_table(grid: RawGrid, chars: Sequence[Char], page_no: int, garbled: bool, settings: ExtractSettings, *,
                engine: str, text_source: str = "pdf") -> PageTable | None:
    """Cells with spans and repaired text for one ruled grid; None for a frame of fewer than two cells."""
    slots = assign_slots(chars, grid.row_edges, grid.col_edges)
    if settings.split_unruled_bands:
        grid2 = split_unruled_bands(grid, slots, settings)
        if grid2 is not grid:
            grid = grid2
            slots = assign_slots(chars, grid.row_edges, grid.col_edges)
    spans = slot_spans(grid, settings)
    R, C = len(grid.row_edges) - 1, len(grid.col_edges) - 1
    if R * C < 2 or len(spans) < 2:
        return None
    return make_page_table(page_no, grid.row_edges, grid.col_edges, spans, chars, garbled, settings, engine=engine,
                           ruled=True, open_bottom=grid.open_bottom, open_top=grid.open_top,
                           synthetic_row_edges=grid.synthetic_rows, text_source=text_source, slots=slots)


__all__ = ["assign_slots", "center", "grid_cells", "inside", "make_page_table", "outside", "ruled_table", "split_unruled_bands"]
