"""The camelot engine behind ``extract_document(engine="camelot")``.

Camelot finds the grids (lattice on the rendered page via pypdfium2, no
ghostscript; stream for pages without any lattice table); spans come from its
cell edge flags, and cell text is taken from the page's chars with the same repair
as the pdfplumber engine, so the two engines differ only in grid finding.

Limitations: camelot coordinates are PDF user space (bottom-left origin) and are
flipped with the page height; rotated pages are passed through as camelot sees
them; stream tables are kept only when they look like numeric tables (camelot's
stream would otherwise turn prose into tables).
"""

from __future__ import annotations

import io
import logging
import warnings as _warnings
from collections.abc import Sequence

from .models import BBox, PageInfo, PageTable
from .page import _inside, assign_slots, attach_captions, grid_cells, is_numeric, page_info, page_info_base, text_lines
from .rulings import RawGrid
from .settings import ExtractSettings
from .textrepair import dedupe_chars


def camelot_spans(ctable) -> list[tuple[int, int, int, int]]:
    """(row, col, row_span, col_span) from camelot's per-cell edge flags."""
    cells = ctable.cells
    R, C = len(cells), len(cells[0]) if cells else 0
    taken = [[False] * C for _ in range(R)]
    out: list[tuple[int, int, int, int]] = []
    for r in range(R):
        for c in range(C):
            if taken[r][c]:
                continue
            cs = 1
            while c + cs < C and not cells[r][c + cs - 1].right and not taken[r][c + cs]:
                cs += 1
            rs = 1
            while r + rs < R and not any(cells[r + rs - 1][k].bottom for k in range(c, c + cs)) and not any(
                taken[r + rs][k] for k in range(c, c + cs)
            ):
                rs += 1
            for rr in range(r, r + rs):
                for cc in range(c, c + cs):
                    taken[rr][cc] = True
            out.append((r, c, rs, cs))
    return out


def convert_table(ctable, page_no: int, page_height: float, chars, garbled: bool, ruled: bool, settings: ExtractSettings) -> PageTable | None:
    """A camelot Table → PageTable in pdfplumber coordinates (top-left origin)."""
    cells = ctable.cells
    if not cells or not cells[0]:
        return None
    col_edges = [cells[0][c].x1 for c in range(len(cells[0]))] + [cells[0][-1].x2]
    row_edges = [page_height - cells[r][0].y2 for r in range(len(cells))] + [page_height - cells[-1][0].y1]
    grid = RawGrid(row_edges, col_edges, [], [])
    slots = assign_slots(chars, grid)
    spans = camelot_spans(ctable) if ruled else [(r, c, 1, 1) for r in range(len(cells)) for c in range(len(cells[0]))]
    out = grid_cells(spans, slots, row_edges, col_edges, garbled, settings)
    return PageTable(
        page=page_no,
        index_on_page=0,
        bbox=BBox(col_edges[0], row_edges[0], col_edges[-1], row_edges[-1]),
        n_rows=len(row_edges) - 1,
        n_cols=len(col_edges) - 1,
        cells=tuple(out),
        row_edges=tuple(row_edges),
        col_edges=tuple(col_edges),
        ruled=ruled,
        engine="camelot",
    )


def _numeric_enough(t: PageTable, settings: ExtractSettings) -> bool:
    """Keep a stream table only if it has enough mostly-numeric columns and rows."""
    if t.n_rows < settings.unruled_min_rows or t.n_cols < settings.unruled_min_cols:
        return False
    numeric_cols = 0
    for c in range(t.n_cols):
        vals = [cell.text for cell in t.cells if cell.col == c and cell.text]
        if len(vals) >= settings.unruled_min_rows // 2 and sum(is_numeric(v) for v in vals) >= 0.6 * len(vals):
            numeric_cols += 1
    return numeric_cols >= settings.unruled_min_numeric_cols


def _read(camelot, data: bytes, pages: Sequence[int], flavor: str):
    if not pages:
        return []
    kw = {"backend": "pdfium"} if flavor == "lattice" else {}
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        logging.getLogger("camelot").setLevel(logging.ERROR)
        return list(camelot.read_pdf(io.BytesIO(data), pages=",".join(map(str, pages)), flavor=flavor, suppress_stdout=True, **kw))


def extract_pages_camelot(data: bytes, pdf, wanted: Sequence[int], settings: ExtractSettings):
    import camelot

    warnings: list[str] = []
    lattice = _read(camelot, data, wanted, "lattice")
    by_page: dict[int, list] = {}
    for t in lattice:
        by_page.setdefault(int(t.page), []).append(t)
    stream_pages = [p for p in wanted if p not in by_page] if settings.detect_unruled else []
    stream_by_page: dict[int, list] = {}
    for t in _read(camelot, data, stream_pages, "stream"):
        stream_by_page.setdefault(int(t.page), []).append(t)
    infos: list[PageInfo] = []
    tables: list[PageTable] = []
    for pno in wanted:
        page = pdf.pages[pno - 1]
        chars = dedupe_chars([c for c in page.chars if not c["text"].isspace()], settings.dedupe_tolerance)
        n_chars, has_text, garbled = page_info_base(page, chars, settings)
        h = float(page.height)
        found: list[PageTable] = []
        for ct in by_page.get(pno, []):
            t = convert_table(ct, pno, h, chars, garbled, True, settings)
            if t is not None and t.n_rows * t.n_cols >= 2:
                found.append(t)
        for ct in stream_by_page.get(pno, []):
            t = convert_table(ct, pno, h, chars, garbled, False, settings)
            if t is not None and _numeric_enough(t, settings):
                found.append(t)
        rest = [c for c in chars if not any(_inside(c, t.bbox) for t in found)]
        lines = text_lines(rest, settings, garbled)
        found, lines = attach_captions(found, lines, settings)
        tables.extend(found)
        infos.append(page_info(page, pno, n_chars, has_text, garbled, lines))
        if garbled:
            warnings.append(f"page {pno}: text layer garbled; cell texts set to None")
        page.close()
    return infos, tables, warnings


__all__ = ["extract_pages_camelot", "camelot_spans", "convert_table"]
