"""The camelot engine: camelot finds the grids, the shared chain does the rest.

Camelot's lattice parser (on the page rendered with pypdfium2, no ghostscript) finds
ruled grids; its stream parser is tried on pages without any lattice table. Spans come
from camelot's per-cell edge flags; cell text comes from the page's glyphs (read with
pdfplumber) with the same slot assignment and repair as every engine
(``cells.make_page_table``), so engines differ only in grid finding.

Limitations: camelot coordinates are PDF user space (bottom-left origin) and are
flipped with the page height; rotated pages are passed through as camelot sees
them; stream tables are kept only when they look like numeric tables (camelot's
stream would otherwise turn prose into tables); camelot is called once per page.
"""

from __future__ import annotations

import io
import logging
import warnings as _warnings

from ..cells import make_page_table
from ..layout import finish_page, text_flags, visible_chars
from ..models import PageResult, PageTable
from ..primitives import Char
from ..rulings import spans_from_borders
from ..settings import ExtractSettings
from ..textrepair import is_numeric
from .plumber import PlumberDocument


def camelot_spans(ctable) -> list[tuple[int, int, int, int]]:
    """(row, col, row_span, col_span) from camelot's per-cell edge flags."""
    cells = ctable.cells
    R, C = len(cells), len(cells[0]) if cells else 0
    vbord = [[bool(cells[r][c].right) for c in range(C - 1)] for r in range(R)]
    hbord = [[bool(cells[r][c].bottom) for c in range(C)] for r in range(R - 1)]
    return spans_from_borders(vbord, hbord)


def convert_table(ctable, page_no: int, page_height: float, chars: list[Char], garbled: bool, ruled: bool,
                  settings: ExtractSettings) -> PageTable | None:
    """A camelot Table → PageTable in pdfplumber coordinates (top-left origin)."""
    cells = ctable.cells
    if not cells or not cells[0]:
        return None
    col_edges = [cells[0][c].x1 for c in range(len(cells[0]))] + [cells[0][-1].x2]
    row_edges = [page_height - cells[r][0].y2 for r in range(len(cells))] + [page_height - cells[-1][0].y1]
    spans = camelot_spans(ctable) if ruled else [(r, c, 1, 1) for r in range(len(cells)) for c in range(len(cells[0]))]
    return make_page_table(page_no, row_edges, col_edges, spans, chars, garbled, settings, engine="camelot", ruled=ruled)


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


class CamelotDocument(PlumberDocument):
    """A PDF read by camelot for grids and by pdfplumber for glyphs."""

    def __init__(self, data: bytes, settings: ExtractSettings):
        super().__init__(data, settings, name="camelot")
        self.data = data

    def _read(self, page_no: int, flavor: str) -> list:
        import camelot

        kw = {"backend": "pdfium"} if flavor == "lattice" else {}
        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")
            logging.getLogger("camelot").setLevel(logging.ERROR)
            return list(camelot.read_pdf(io.BytesIO(self.data), pages=str(page_no), flavor=flavor,
                                         suppress_stdout=True, **kw))

    def extract_page(self, page_no: int) -> PageResult:
        prims = self.primitives(page_no)
        chars = visible_chars(prims, self.settings)
        n_chars, has_text, garbled = text_flags(prims, chars, self.settings)
        found: list[PageTable] = []
        for ct in self._read(page_no, "lattice"):
            t = convert_table(ct, page_no, prims.height, chars, garbled, True, self.settings)
            if t is not None and t.n_rows * t.n_cols >= 2:
                found.append(t)
        if not found and self.settings.detect_unruled:
            for ct in self._read(page_no, "stream"):
                t = convert_table(ct, page_no, prims.height, chars, garbled, False, self.settings)
                if t is not None and _numeric_enough(t, self.settings):
                    found.append(t)
        return finish_page(prims, chars, found, self.settings, n_chars, has_text, garbled)


class CamelotEngine:
    """Grids from camelot (lattice, then stream on pages without lattice tables)."""

    name = "camelot"

    def open(self, data: bytes, settings: ExtractSettings) -> CamelotDocument:
        return CamelotDocument(data, settings)


__all__ = ["CamelotEngine", "camelot_spans", "convert_table"]
