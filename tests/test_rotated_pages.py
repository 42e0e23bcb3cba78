"""Pages stored turned with /Rotate 90 (content drawn rotated, displayed upright) read the
same as the upright original: a copy of a fixture built at test time, no committed file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from budgetpdf.pipeline import process_file

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


def rotated_copy(src: Path, dst: Path) -> None:
    """Every page turned: its box swapped, its content rotated a quarter turn counter-
    clockwise, and /Rotate 90 so a viewer shows it exactly as the original."""
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(src) as pdf:
        for page in pdf.pages:
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            w, h = x1 - x0, y1 - y0
            page.contents_coalesce()
            body = page.Contents.read_bytes()
            prefix = f"q 0 1 -1 0 {h:.4f} 0 cm 1 0 0 1 {-x0:.4f} {-y0:.4f} cm\n".encode()
            page.Contents.write(prefix + body + b"\nQ\n")
            page.MediaBox = [0, 0, h, w]
            if "/CropBox" in page.obj:
                del page.obj["/CropBox"]
            page.Rotate = 90
        pdf.save(dst)


def test_rotated_document_gives_the_same_records(tmp_path):
    rotated = tmp_path / "rotated.pdf"
    rotated_copy(SOURCE, rotated)
    a, b = process_file(SOURCE), process_file(rotated)
    assert b.document.status == "ok", b.document.error
    key = lambda li: (li.table_id, li.row_index, li.item, li.column_label, li.amount, li.page)  # noqa: E731
    assert Counter(map(key, b.line_items)) == Counter(map(key, a.line_items))
    assert [(t.table_type, t.page_start, t.page_end) for t in b.tables] == \
        [(t.table_type, t.page_start, t.page_end) for t in a.tables]
    assert len(b.performance_targets) == len(a.performance_targets)
