"""One page's primitives → its tables, captions, prose lines and flags (every engine).

The chain, each step a pure function of its own module::

    PagePrimitives ─ textrepair.dedupe_chars ─ rulings (segments → frames → grids)
                   ─ cells.ruled_table (slots, spans, repaired text) ─ unruled (no rulings)
                   ─ captions (titles above, notes below, prose) ─▶ PageResult

Engines (``engines/``) only read primitives off the page; camelot, which finds its own
grids, joins the chain at ``finish_page``.
"""

from __future__ import annotations

from collections.abc import Sequence

from .captions import attach_captions, text_lines
from .cells import inside, ruled_table
from .models import PageInfo, PageResult, PageTable
from .primitives import Char, PagePrimitives
from .rulings import grid_from_group, group_segments, merge_segments
from .settings import ExtractSettings
from .textrepair import dedupe_chars, garble_report, garbled_verdict


def visible_chars(prims: PagePrimitives, settings: ExtractSettings) -> list[Char]:
    """The page's glyphs without whitespace glyphs and fake-bold duplicates."""
    return dedupe_chars([c for c in prims.chars if not c["text"].isspace()], settings.dedupe_tolerance)


def text_flags(chars: Sequence[Char], settings: ExtractSettings) -> tuple[int, bool, bool]:
    """(glyph count, has decodable text, garbled) for a page's visible glyphs."""
    rep = garble_report(chars)
    garbled = garbled_verdict(rep, min_chars=settings.garbled_min_chars, bad_ratio=settings.garbled_bad_ratio)
    return rep.n_chars, rep.n_chars - rep.bad > 0, garbled


def ruled_tables(prims: PagePrimitives, chars: Sequence[Char], garbled: bool, settings: ExtractSettings,
                 engine: str) -> list[PageTable]:
    """Tables framed by the page's rulings (frames drawn inside another frame dropped)."""
    if not prims.segments:
        return []
    tables: list[PageTable] = []
    segs = merge_segments([s for s in prims.segments if s.length > 1.0], settings)
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
                n_chars: int, has_text: bool, garbled: bool) -> PageResult:
    """Captions for the tables, prose lines and page flags, given the tables found."""
    rest = [c for c in chars if not any(inside(c, t.bbox) for t in tables)] if tables else list(chars)
    lines = text_lines(rest, settings, garbled)
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
    )
    warnings: list[str] = []
    if garbled:
        warnings.append(f"page {prims.page}: text layer garbled (unmapped or mis-mapped glyphs); cell texts set to None")
    if not has_text and prims.images:
        warnings.append(f"page {prims.page}: no text layer")
    return PageResult(info, tuple(found), tuple(warnings))


def analyse_page(prims: PagePrimitives, settings: ExtractSettings, engine: str) -> PageResult:
    """Tables (ruled, else text-aligned), captions, prose lines and flags of one page."""
    from .unruled import find_unruled_tables

    chars = visible_chars(prims, settings)
    n_chars, has_text, garbled = text_flags(chars, settings)
    tables = ruled_tables(prims, chars, garbled, settings, engine)
    if not tables and settings.detect_unruled and has_text and not garbled:
        tables = find_unruled_tables(chars, prims.page, settings, engine=engine, text_source=prims.text_source)
    return finish_page(prims, chars, tables, settings, n_chars, has_text, garbled)


__all__ = ["analyse_page", "drop_nested", "finish_page", "ruled_tables", "text_flags", "visible_chars"]
