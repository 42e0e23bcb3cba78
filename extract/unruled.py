"""Text-aligned (unruled) tables: columns of numbers with no rulings at all.

Limitations: only blocks of consecutive lines that each have at least
``unruled_min_cols`` separated chunks and ``unruled_min_numeric_cols`` numbers, and
whose numbers share right edges, are taken; headers above such a block stay in
the captions/lines; no spans are inferred. Prose never qualifies because justified
prose lines have no wide gaps.
"""

from __future__ import annotations

from collections.abc import Sequence

from .cells import make_page_table
from .models import PageTable
from .primitives import Char
from .rulings import cluster_positions
from .settings import ExtractSettings
from .textrepair import GAP_EPS, cluster_lines, is_numeric, line_text, split_chunks


def _aligned_columns(rows: list[list[tuple[float, float, str, bool]]], tol: float) -> int:
    """How many right-edge positions of numbers are shared by most rows."""
    xs = [x1 for row in rows for (_, x1, _, num) in row if num]
    support = 0
    for cl in cluster_positions(xs, tol):
        if len(cl) >= 0.6 * len(rows) and max(cl) - min(cl) <= 3 * tol:
            support += 1
    return support


def has_row_run(lines: Sequence[Sequence[Char]], min_rows: int, min_cols: int) -> bool:
    """Some ``min_rows`` consecutive lines each fall into at least ``min_cols`` chunks at
    ``split_chunks(line, 1.0)``: the first thing ``find_unruled_tables`` needs (only such
    runs are read as rows), counted without building the chunks. A prose page, whose
    lines have no gap wider than a glyph, answers False after one pass over its glyphs."""
    need = min_cols - 1  # gaps wider than the glyph size
    run = 0
    for ln in lines:
        gaps = 0
        prev = None
        psize = 0
        for ch in ln:
            csize = ch.get("size") or 0
            if prev is not None:
                size = psize if psize > csize else csize
                if size < 1.0:
                    size = 1.0
                if ch["x0"] - prev["x1"] > size + GAP_EPS:
                    gaps += 1
                    if gaps >= need:
                        break
            prev, psize = ch, csize
        if gaps >= need and ln:
            run += 1
            if run >= min_rows:
                return True
        else:
            run = 0
    return False


def find_unruled_tables(chars: Sequence[Char], page_no: int, settings: ExtractSettings, *,
                        engine: str = "pdfplumber", text_source: str = "pdf",
                        lines: list[list[Char]] | None = None) -> list[PageTable]:
    """Tables of aligned text with no rulings: runs of lines with several wide-gapped
    chunks and numbers sharing right edges; one cell per slot (no spans).
    ``lines``: ``cluster_lines(chars)`` when the caller already has it."""
    if lines is None:
        lines = cluster_lines(chars, settings.line_overlap)
    if not has_row_run(lines, settings.unruled_min_rows, settings.unruled_min_cols):
        return []
    chunked = [split_chunks(ln, 1.0) for ln in lines]
    # only lines in a run of unruled_min_rows lines of unruled_min_cols chunks can be table
    # rows: their chunks alone are read (prose lines rarely have wide gaps)
    wide = [len(ch) >= settings.unruled_min_cols for ch in chunked]
    in_run = [False] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and wide[j]:
            j += 1
        if j - i >= settings.unruled_min_rows:
            for k in range(i, j):
                in_run[k] = True
        i = max(j, i + 1)
    infos: list[tuple[list[Char], list[tuple[float, float, str, bool]]]] = []
    for ln, chunks, keep in zip(lines, chunked, in_run):
        row = []
        if keep:
            for ch in chunks:
                t = line_text(ch, settings.word_gap_ratio)
                row.append((ch[0]["x0"], ch[-1]["x1"], t, is_numeric(t)))
        infos.append((ln, row))
    cand = [len(r) >= settings.unruled_min_cols and sum(n for *_, n in r) >= settings.unruled_min_numeric_cols for _, r in infos]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(infos):
        if not cand[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(infos) and cand[j + 1]:
            j += 1
        if j - i + 1 >= settings.unruled_min_rows:
            runs.append((i, j))
        i = j + 1
    tables: list[PageTable] = []
    for i, j in runs:
        rows = [infos[k][1] for k in range(i, j + 1)]
        if _aligned_columns(rows, settings.unruled_align_tolerance) < settings.unruled_min_numeric_cols:
            continue
        # column bands: union of chunk x-intervals
        ivs = sorted((a, b) for row in rows for (a, b, _, _) in row)
        bands: list[list[float]] = []
        for a, b in ivs:
            if bands and a <= bands[-1][1] + 1.0:
                bands[-1][1] = max(bands[-1][1], b)
            else:
                bands.append([a, b])
        if len(bands) < settings.unruled_min_cols:
            continue
        col_edges = [bands[0][0] - 1.0] + [(bands[k][1] + bands[k + 1][0]) / 2 for k in range(len(bands) - 1)] + [bands[-1][1] + 1.0]
        lns = [infos[k][0] for k in range(i, j + 1)]
        tops = [min(c["top"] for c in ln) for ln in lns]
        bots = [max(c["bottom"] for c in ln) for ln in lns]
        row_edges = [tops[0] - 1.0] + [(bots[k] + tops[k + 1]) / 2 for k in range(len(lns) - 1)] + [bots[-1] + 1.0]
        spans = [(r, c, 1, 1) for r in range(len(rows)) for c in range(len(bands))]
        chs = [ch for ln in lns for ch in ln]
        tables.append(make_page_table(page_no, row_edges, col_edges, spans, chs, False, settings, engine=engine,
                                      ruled=False, text_source=text_source))
    return tables
