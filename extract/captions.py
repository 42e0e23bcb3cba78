"""Text outside tables: lines of prose and the captions that belong to each table.

A table's caption is the block of lines just above it (title, 部门名称/编制部门, 单位,
续表) and its 注 lines below; the rest of the page's lines are prose (``PageInfo.lines``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from .models import BBox, PageTable, TextLine
from .primitives import Char
from .settings import ExtractSettings
from .textrepair import chunk_texts, cluster_lines, has_bad_text

NOTE = re.compile(r"^\s*(注|备注|说明|数据来源|资料来源)\s*[0-9０-９]*\s*[:：.．、]")


def text_lines(chars: Sequence[Char], settings: ExtractSettings, garbled: bool,
               clustered: list[list[Char]] | None = None) -> list[TextLine]:
    """Repaired lines outside tables; a wide gap splits a line (`编制部门：…   单位：元`).

    Lines holding undecodable glyphs are dropped (the page is flagged instead). Glyphs
    running in another direction than the page's reading frame (``dir`` ≠ 0) make lines
    of their own, read in their direction. ``clustered``: ``cluster_lines(chars)`` when
    the caller already has it (all glyphs upright).
    """
    if any(c.get("dir") for c in chars):
        from .frames import Frame

        out = text_lines([c for c in chars if not c.get("dir")], settings, garbled)
        for d in sorted({c.get("dir") for c in chars} - {0, None}):
            frame = Frame(d, 0.0, 0.0)
            turned = [frame.char(c) for c in chars if c.get("dir") == d]
            out.extend(frame.line_back(ln) for ln in text_lines(turned, settings, garbled))
        return out
    out: list[TextLine] = []
    split, word = settings.line_split_gap_ratio, settings.word_gap_ratio
    for ln in clustered if clustered is not None else cluster_lines(chars, settings.line_overlap):
        for text, box in chunk_texts(ln, split, word):  # split_chunks, then line_text of each chunk
            if not text:
                continue
            if garbled or has_bad_text(text):
                continue  # never pass garbage on; the page is flagged garbled
            out.append(TextLine(text, BBox(*box)))
    return out


def attach_captions(
    tables: Sequence[PageTable], lines: Sequence[TextLine], settings: ExtractSettings
) -> tuple[list[PageTable], list[TextLine]]:
    """Give each table the lines just above it (title, 部门, 单位, 续表) and its 注 lines below.

    Above: walking up from the table top, up to the previous table or the page top,
    while the gap to the next caption line stays under ``caption_max_gap``.
    Below: a line starting with 注/备注/说明 right under the table, plus the lines
    that continue it. Returns the tables (numbered top to bottom) and the lines left over.
    """
    used: set[int] = set()
    order = sorted(range(len(lines)), key=lambda i: (lines[i].bbox.top, lines[i].bbox.x0))
    out: list[PageTable] = []
    tables = sorted(tables, key=lambda t: t.bbox.top)
    for ti, t in enumerate(tables):
        prev_bottom = tables[ti - 1].bbox.bottom if ti else -1.0
        next_top = tables[ti + 1].bbox.top if ti + 1 < len(tables) else float("inf")
        # a line read by OCR has the detector's box, padded around the ink by about a
        # third of its height: it is above the table when its middle is
        reach = 2.0 if t.text_source != "ocr" else None
        above = [i for i in order if i not in used and lines[i].bbox.top >= prev_bottom - 2 and (
            lines[i].bbox.bottom <= t.bbox.top + reach if reach is not None
            else (lines[i].bbox.top + lines[i].bbox.bottom) / 2 <= t.bbox.top)]
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


__all__ = ["NOTE", "attach_captions", "text_lines"]
