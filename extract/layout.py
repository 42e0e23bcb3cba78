"""One page's primitives → its tables, captions, prose lines and flags (every engine).

The chain, each step a pure function of its own module::

    PagePrimitives ─ textrepair.dedupe_chars ─ rulings (segments → frames → grids)
                   ─ cells.ruled_table (slots, spans, repaired text) ─ unruled (no rulings)
                   ─ captions (titles above, notes below, prose) ─▶ PageResult

Cheap pages stay cheap. Before any table search, necessary conditions decide whether a
page can hold a table at all; a page failing them is prose and pays only for its text:

- a ruled table needs rulings of both orientations (a segment longer than 1 pt of each,
  or dots): ``table_evidence``, from the object walk;
- a text-aligned table needs ``unruled_min_rows`` × ``unruled_min_numeric_cols`` glyphs
  that are digits or dashes (``table_evidence``), and ``unruled_min_rows`` consecutive
  lines each cut into ``unruled_min_cols`` chunks by gaps wider than the glyph size
  (``unruled.has_row_run``, one pass over the clustered lines, no chunk built).

Each condition is implied by what the table finders need, so a page failing one never
had a table to lose (when in doubt the full search runs). A prose page clusters its
lines once and builds each line's chunks and text in one pass (``textrepair.chunk_texts``).

Its glyphs are still read one by one: prose lines feed the prose identity checks and the
document facts (cover lines, years), and those lines are clustered from glyph boxes (line
order top to bottom, spaces and splits from gaps). pdfium's bulk page text is in content
order with its own space and line-break inference: on 12 of the bench's 40 prose pages
its whitespace-free text differs from the lines' (page numbers and headers move), so it
cannot stand in for them without changing output.

Engines (``engines/``) only read primitives off the page; camelot, which finds its own
grids, joins the chain at ``finish_page``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .captions import attach_captions, text_lines
from .cells import inside, outside, ruled_table
from .frames import Frame, dominant_direction
from .models import PageInfo, PageResult, PageTable
from .primitives import Char, PagePrimitives
from .rulings import dotted_segments, grid_from_group, group_segments, merge_segments
from .settings import ExtractSettings
from .textrepair import cluster_lines, dedupe_chars, garble_report, garbled_verdict, is_bad_glyph, mark_word_spaces

_DASHES = frozenset("-—–")


def visible_chars(prims: PagePrimitives, settings: ExtractSettings) -> list[Char]:
    """The page's glyphs without whitespace glyphs (a glyph followed by a word space is
    marked ``space_after``) and without fake-bold duplicates."""
    return dedupe_chars(mark_word_spaces(prims.chars), settings.dedupe_tolerance)


def image_coverage(prims: PagePrimitives) -> float:
    """Share of the page area painted by images (each image clipped to the page; overlaps
    counted once per image, capped at 1)."""
    area = prims.width * prims.height
    if area <= 0 or not prims.images:
        return 0.0
    covered = 0.0
    for b in prims.images:
        w = max(0.0, min(b.x1, prims.width) - max(b.x0, 0.0))
        h = max(0.0, min(b.bottom, prims.height) - max(b.top, 0.0))
        covered += w * h
    return min(1.0, covered / area)


def is_scanned(prims: PagePrimitives, chars: Sequence[Char], settings: ExtractSettings) -> bool:
    """A page that is an image with at most a few digital glyphs on it (a page number, a
    date, a stamp added to a scan): images cover at least ``scan_image_coverage`` of the
    page while the decodable glyphs' boxes cover less than ``scan_text_coverage`` of the
    image area. Such a page has no usable text layer, like an image-only page."""
    cover = image_coverage(prims)
    if cover < settings.scan_image_coverage:
        return False
    text_area = sum((c["x1"] - c["x0"]) * (c["bottom"] - c["top"]) for c in chars if not is_bad_glyph(c["text"]))
    return text_area < settings.scan_text_coverage * cover * prims.width * prims.height


def text_flags(prims: PagePrimitives, chars: Sequence[Char], settings: ExtractSettings) -> tuple[int, bool, bool]:
    """(glyph count, has a usable text layer, garbled) for a page's visible glyphs."""
    return _text_facts(prims, chars, settings)[:3]


def _text_facts(prims: PagePrimitives, chars: Sequence[Char], settings: ExtractSettings) -> tuple[int, bool, bool, int]:
    """``text_flags`` and the count of undecodable glyphs (``PageInfo.n_undecodable``): for
    visible glyphs (no whitespace glyph) the garble report's bad count is that count."""
    rep = garble_report(chars)
    garbled = garbled_verdict(rep, min_chars=settings.garbled_min_chars, bad_ratio=settings.garbled_bad_ratio)
    has_text = rep.n_chars - rep.bad > 0 and not is_scanned(prims, chars, settings)
    return rep.n_chars, has_text, garbled, rep.bad


def table_evidence(prims: PagePrimitives, chars: Sequence[Char], settings: ExtractSettings) -> tuple[bool, bool]:
    """(may hold a ruled table, may hold a text-aligned table), from the primitives alone.

    Both are necessary conditions of what the table finders need, so answering False
    never loses a table:

    - ruled: a frame needs a horizontal and a vertical ruling (``grid_from_group``): a
      segment longer than 1 pt of each orientation, or dots, which may chain into
      rulings of either; a page with underlines only has no frame.
    - text-aligned: ``unruled`` needs ``unruled_min_rows`` lines of at least
      ``unruled_min_numeric_cols`` figures each; a figure holds a digit or is a dash, so
      the page needs at least that many glyphs that are digits or dashes.
    """
    h = v = bool(prims.dots)
    if not (h and v):
        for s in prims.segments:
            if s.b - s.a > 1.0:
                if s.orient == "h":
                    h = True
                else:
                    v = True
                if h and v:
                    break
    need = settings.unruled_min_rows * settings.unruled_min_numeric_cols
    n = 0
    if settings.detect_unruled:
        for c in chars:
            t = c["text"]
            if t in _DASHES or (t.isdigit() if len(t) == 1 else any(x.isdigit() for x in t)):
                n += 1
                if n >= need:
                    break
    return h and v, n >= need


def ruled_tables(prims: PagePrimitives, chars: Sequence[Char], garbled: bool, settings: ExtractSettings,
                 engine: str) -> list[PageTable]:
    """Tables framed by the page's rulings (frames drawn inside another frame dropped)."""
    dotted = dotted_segments(prims.dots, settings) if prims.dots else []
    if not prims.segments and not dotted:
        return []
    tables: list[PageTable] = []
    segs = merge_segments([s for s in prims.segments if s.length > 1.0] + dotted, settings)
    for group in group_segments(segs, settings):
        grid = grid_from_group(group, settings)
        if grid is None:
            continue
        t = ruled_table(grid, chars, prims.page, garbled, settings, engine=engine, text_source=prims.text_source)
        if t is not None:
            tables.append(t)
    return drop_nested(tables)


def drop_nested(tables: list[PageTable]) -> list[PageTable]:
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


def finish_page(prims: PagePrimitives, chars: Sequence[Char], tables: Sequence[PageTable], settings: ExtractSettings,
                n_chars: int, has_text: bool, garbled: bool, clustered: list[list[Char]] | None = None,
                n_undecodable: int | None = None) -> PageResult:
    """Captions for the tables, prose lines and page flags, given the tables found.
    ``clustered``: ``cluster_lines(chars)`` when already computed (used only without tables);
    ``n_undecodable``: the count of undecodable glyphs of ``chars`` when already known."""
    rest = outside(chars, [t.bbox for t in tables]) if tables else list(chars)
    lines = text_lines(rest, settings, garbled, clustered=None if tables else clustered)
    found, lines = attach_captions(tables, lines, settings)
    info = PageInfo(
        page=prims.page,
        width=prims.width,
        height=prims.height,
        rotation=prims.rotation,
        n_chars=n_chars,
        has_text_layer=has_text,
        garbled=garbled,
        lines=tuple(lines),
        n_images=len(prims.images),
        n_undecodable=sum(1 for c in chars if is_bad_glyph(c["text"])) if n_undecodable is None else n_undecodable,
    )
    warnings: list[str] = []
    if not has_text and n_chars and not garbled:
        warnings.append(f"page {prims.page}: a scanned page (an image with {n_chars} digital glyph(s) only)")
    if garbled:
        warnings.append(f"page {prims.page}: text layer garbled (unmapped or mis-mapped glyphs); cell texts set to None")
    if not has_text and prims.images:
        warnings.append(f"page {prims.page}: no text layer")
    return PageResult(info, tuple(found), tuple(warnings))


def analyse_page(prims: PagePrimitives, settings: ExtractSettings, engine: str) -> PageResult:
    """Tables (ruled, else text-aligned), captions, prose lines and flags of one page.

    When most glyphs run sideways (a landscape table drawn turned on a portrait page), the
    page is read in the frame where they are upright (``frames.Frame``) and every box is
    mapped back to page coordinates. ``table_evidence`` spares a page that cannot hold a
    table the grid and column searches. A table whose text still runs sideways in the frame
    it was read in is counted in ``PageInfo.sideways_tables`` (the document is then
    partial, naming the page), never passed off as read.
    """
    from .unruled import find_unruled_tables

    chars = visible_chars(prims, settings)
    turn = dominant_direction(chars)
    frame = Frame(turn, prims.width, prims.height)
    fprims = frame.primitives(prims)
    if fprims is not prims:
        chars = visible_chars(fprims, settings)
    n_chars, has_text, garbled, n_bad = _text_facts(fprims, chars, settings)
    may_ruled, may_unruled = table_evidence(fprims, chars, settings)
    tables = ruled_tables(fprims, chars, garbled, settings, engine) if may_ruled else []
    clustered = None
    if not tables and settings.detect_unruled and has_text and not garbled and may_unruled:
        if not any(c.get("dir") for c in chars):
            clustered = cluster_lines(chars, settings.line_overlap)
        tables = find_unruled_tables(chars, fprims.page, settings, engine=engine, text_source=fprims.text_source,
                                     lines=clustered)
    result = finish_page(fprims, chars, tables, settings, n_chars, has_text, garbled, clustered, n_bad)
    sideways = sum(1 for t in result.tables if _reads_sideways(t, chars))
    info = replace(result.info, width=prims.width, height=prims.height, reading_turn=turn, sideways_tables=sideways,
                   lines=tuple(frame.line_back(l) for l in result.info.lines))
    warnings = list(result.warnings)
    if sideways:
        warnings.append(f"page {prims.page}: {sideways} table(s) printed with sideways text not read")
    return PageResult(info, tuple(frame.table_back(t) for t in result.tables), tuple(warnings))


def _reads_sideways(t: PageTable, chars: Sequence[Char]) -> bool:
    """Most glyphs of the table's body run sideways in the frame it was read in (its rows
    would be columns): stacked or turned header labels alone do not count."""
    inside_chars = [c for c in chars if inside(c, t.bbox)]
    return len(inside_chars) >= 10 and sum(1 for c in inside_chars if c.get("dir")) > 0.5 * len(inside_chars)


__all__ = ["analyse_page", "drop_nested", "finish_page", "ruled_tables", "table_evidence", "text_flags",
           "visible_chars"]
