"""One page → PageInfo + PageTables (pdfplumber engine).

The page is parsed once: chars and drawing objects are read from pdfplumber's
cached object lists; no layout analysis (LAParams) and no second pass.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .models import BBox, GridCell, PageInfo, PageTable, TextLine
from .rulings import RawGrid, Segment, _coverage, grid_from_group, group_segments, merge_segments, page_segments, slot_spans
from .settings import ExtractSettings
from .textrepair import (
    Char,
    chars_to_text,
    cluster_lines,
    dedupe_chars,
    garble_report,
    garbled_verdict,
    has_bad_text,
    line_text,
)

NUMERIC = re.compile(r"^[-+−]?[\d,，]*\.?\d+%?$|^[-—–]$")
NOTE = re.compile(r"^\s*(注|备注|说明|数据来源|资料来源)\s*[0-9０-９]*\s*[:：.．、]")


@dataclass
class PageResult:
    info: PageInfo
    tables: list[PageTable]
    warnings: list[str] = field(default_factory=list)


def is_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.replace(" ", "")))


def _center(ch: Char) -> tuple[float, float]:
    return (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2


def _slot_of(edges: Sequence[float], v: float) -> int | None:
    i = bisect.bisect_right(edges, v) - 1
    if 0 <= i < len(edges) - 1:
        return i
    return None


def assign_slots(chars: Sequence[Char], grid: RawGrid) -> dict[tuple[int, int], list[Char]]:
    """Chars by the grid slot holding their centre."""
    slots: dict[tuple[int, int], list[Char]] = {}
    for ch in chars:
        x, y = _center(ch)
        r = _slot_of(grid.row_edges, y)
        c = _slot_of(grid.col_edges, x)
        if r is not None and c is not None:
            slots.setdefault((r, c), []).append(ch)
    return slots


MONEY_2DP = re.compile(r"[-－]?(\d{1,3}(,\d{3})+|\d+)\.\d{2}")


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
        return all(_coverage(grid.hsegs, y, ce[c], ce[c + 1], tol) >= mc for c in range(C))

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


def grid_cells(spans, slots: dict[tuple[int, int], list[Char]], row_edges: Sequence[float],
               col_edges: Sequence[float], garbled: bool, settings: ExtractSettings) -> list[GridCell]:
    """Cells with repaired text for spans (row, col, row_span, col_span) over a slot grid;
    text None where glyphs are present but undecodable."""
    cells: list[GridCell] = []
    for r, c, rs, cs in spans:
        chs = [ch for rr in range(r, r + rs) for cc in range(c, c + cs) for ch in slots.get((rr, cc), ())]
        text: str | None = chars_to_text(chs, overlap=settings.line_overlap, gap_ratio=settings.word_gap_ratio)
        if chs and (garbled or has_bad_text(text or "")):
            text = None
        cells.append(GridCell(r, c, rs, cs, BBox(col_edges[c], row_edges[r], col_edges[c + cs], row_edges[r + rs]), text))
    return cells


def build_ruled_table(
    grid: RawGrid, chars: Sequence[Char], page_no: int, garbled: bool, settings: ExtractSettings
) -> PageTable | None:
    """Cells with spans and repaired text for one ruled grid."""
    slots = assign_slots(chars, grid)
    if settings.split_unruled_bands:
        grid2 = split_unruled_bands(grid, slots, settings)
        if grid2 is not grid:
            grid = grid2
            slots = assign_slots(chars, grid)
    spans = slot_spans(grid, settings)
    R, C = len(grid.row_edges) - 1, len(grid.col_edges) - 1
    if R * C < 2 or len(spans) < 2:
        return None
    re_, ce = grid.row_edges, grid.col_edges
    cells = grid_cells(spans, slots, re_, ce, garbled, settings)
    return PageTable(
        page=page_no,
        index_on_page=0,
        bbox=BBox(ce[0], re_[0], ce[-1], re_[-1]),
        n_rows=R,
        n_cols=C,
        cells=tuple(cells),
        row_edges=tuple(re_),
        col_edges=tuple(ce),
        ruled=True,
        engine="pdfplumber",
        open_bottom=grid.open_bottom,
        open_top=grid.open_top,
        synthetic_row_edges=tuple(grid.synthetic_rows),
    )


def _inside(ch: Char, bbox: BBox, pad: float = 1.0) -> bool:
    x, y = _center(ch)
    return bbox.x0 - pad <= x <= bbox.x1 + pad and bbox.top - pad <= y <= bbox.bottom + pad


def split_chunks(line: Sequence[Char], gap: float) -> list[list[Char]]:
    """Split a visual line where glyphs are more than ``gap`` × size apart."""
    out: list[list[Char]] = []
    for ch in line:
        if out:
            prev = out[-1][-1]
            size = max(prev.get("size") or 0, ch.get("size") or 0, 1.0)
            if ch["x0"] - prev["x1"] > gap * size:
                out.append([ch])
                continue
            out[-1].append(ch)
        else:
            out.append([ch])
    return out


def _bbox(chs: Sequence[Char]) -> BBox:
    return BBox(min(c["x0"] for c in chs), min(c["top"] for c in chs), max(c["x1"] for c in chs), max(c["bottom"] for c in chs))


def text_lines(chars: Sequence[Char], settings: ExtractSettings, garbled: bool) -> list[TextLine]:
    """Repaired lines outside tables; a wide gap splits a line (`编制部门：…   单位：元`)."""
    out: list[TextLine] = []
    for ln in cluster_lines(chars, settings.line_overlap):
        for chunk in split_chunks(ln, settings.line_split_gap_ratio):
            text = line_text(chunk, settings.word_gap_ratio)
            if not text:
                continue
            if garbled or has_bad_text(text):
                continue  # never pass garbage on; the page is flagged garbled
            out.append(TextLine(text, _bbox(chunk)))
    return out


def attach_captions(
    tables: list[PageTable], lines: list[TextLine], settings: ExtractSettings
) -> tuple[list[PageTable], list[TextLine]]:
    """Give each table the lines just above it (title, 部门, 单位, 续表) and its 注 lines below.

    Above: walking up from the table top, up to the previous table or the page top,
    while the gap to the next caption line stays under ``caption_max_gap``.
    Below: a line starting with 注/备注/说明 right under the table, plus the lines
    that continue it.
    """
    import dataclasses

    used: set[int] = set()
    order = sorted(range(len(lines)), key=lambda i: (lines[i].bbox.top, lines[i].bbox.x0))
    out: list[PageTable] = []
    tables = sorted(tables, key=lambda t: t.bbox.top)
    for ti, t in enumerate(tables):
        prev_bottom = tables[ti - 1].bbox.bottom if ti else -1.0
        next_top = tables[ti + 1].bbox.top if ti + 1 < len(tables) else float("inf")
        above = [i for i in order if i not in used and lines[i].bbox.bottom <= t.bbox.top + 2 and lines[i].bbox.top >= prev_bottom - 2]
        above.sort(key=lambda i: lines[i].bbox.bottom, reverse=True)
        cap: list[int] = []
        edge = t.bbox.top
        for i in above:
            if edge - lines[i].bbox.bottom > settings.caption_max_gap:
                break
            cap.append(i)
            edge = min(edge, lines[i].bbox.top)
        below = [i for i in order if i not in used and i not in cap and lines[i].bbox.top >= t.bbox.bottom - 2 and lines[i].bbox.bottom <= next_top + 2]
        below.sort(key=lambda i: (lines[i].bbox.top, lines[i].bbox.x0))
        notes: list[int] = []
        if below and NOTE.match(lines[below[0]].text) and lines[below[0]].bbox.top - t.bbox.bottom < settings.caption_max_gap:
            notes.append(below[0])
            last = lines[below[0]]
            for i in below[1:]:
                ln = lines[i]
                h = max(last.bbox.height, 6.0)
                if ln.bbox.top - last.bbox.bottom > 1.2 * h:
                    break
                notes.append(i)
                last = ln
        used.update(cap)
        used.update(notes)
        cap_lines = sorted((lines[i] for i in cap), key=lambda l: (l.bbox.top, l.bbox.x0))
        note_lines = [lines[i] for i in notes]
        out.append(dataclasses.replace(t, index_on_page=ti, captions_above=tuple(cap_lines), captions_below=tuple(note_lines)))
    rest = [lines[i] for i in order if i not in used]
    return out, rest


def page_info_base(page, chars: Sequence[Char], settings: ExtractSettings) -> tuple[int, bool, bool]:
    rep = garble_report(chars)
    garbled = garbled_verdict(rep, min_chars=settings.garbled_min_chars, bad_ratio=settings.garbled_bad_ratio)
    has_text = rep.n_chars - rep.bad > 0
    return rep.n_chars, has_text, garbled


def page_info(page, page_no: int, n_chars: int, has_text: bool, garbled: bool, lines: Sequence[TextLine]) -> PageInfo:
    """A pdfplumber page's facts beside its tables (both engines report pages alike)."""
    return PageInfo(
        page=page_no,
        width=float(page.width),
        height=float(page.height),
        rotation=int(page.rotation or 0),
        n_chars=n_chars,
        has_text_layer=has_text,
        garbled=garbled,
        lines=tuple(lines),
        n_images=len(page.images),
    )


def extract_page(page, settings: ExtractSettings) -> PageResult:
    """Tables, captions, prose lines and flags of one pdfplumber page."""
    from .unruled import find_unruled_tables

    page_no = page.page_number
    raw = [c for c in page.chars if not c["text"].isspace()]
    chars = dedupe_chars(raw, settings.dedupe_tolerance)
    n_chars, has_text, garbled = page_info_base(page, chars, settings)
    objs = list(page.lines) + list(page.rects) + list(page.curves)
    tables: list[PageTable] = []
    warnings: list[str] = []
    if objs:
        segs = merge_segments(page_segments(objs, settings), settings)
        for group in group_segments(segs, settings):
            grid = grid_from_group(group, settings)
            if grid is None:
                continue
            t = build_ruled_table(grid, chars, page_no, garbled, settings)
            if t is not None:
                tables.append(t)
    tables = _drop_nested(tables)
    rest = [c for c in chars if not any(_inside(c, t.bbox) for t in tables)] if tables else chars
    if not tables and settings.detect_unruled and has_text and not garbled:
        tables = find_unruled_tables(rest, page_no, settings)
        if tables:
            rest = [c for c in chars if not any(_inside(c, t.bbox) for t in tables)]
    lines = text_lines(rest, settings, garbled)
    tables, lines = attach_captions(tables, lines, settings)
    info = page_info(page, page_no, n_chars, has_text, garbled, lines)
    if garbled:
        warnings.append(f"page {page_no}: text layer garbled (unmapped or mis-mapped glyphs); cell texts set to None")
    if not has_text and page.images:
        warnings.append(f"page {page_no}: no text layer")
    return PageResult(info, tables, warnings)


def _drop_nested(tables: list[PageTable]) -> list[PageTable]:
    """A frame drawn inside another frame's area (a box inside a cell) is not a separate table."""
    keep: list[PageTable] = []
    for t in sorted(tables, key=lambda t: -(t.bbox.width * t.bbox.height)):
        if any(
            k.bbox.x0 - 2 <= t.bbox.x0 and t.bbox.x1 <= k.bbox.x1 + 2 and k.bbox.top - 2 <= t.bbox.top and t.bbox.bottom <= k.bbox.bottom + 2
            for k in keep
        ):
            continue
        keep.append(t)
    return sorted(keep, key=lambda t: (t.bbox.top, t.bbox.x0))
