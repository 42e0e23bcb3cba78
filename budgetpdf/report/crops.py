"""Page crops with the cells of a check or a table outlined (pypdfium2 renders, PIL draws).

Coordinates are the contract's: PDF points, top-left origin of the page as displayed
(after ``/Rotate``), which is also how pdfium renders a page, so a point maps to
``point × scale`` pixels. A crop spans the table's width on that page and the outlined
cells' height plus a margin, so the row labels stay in view; when the table's header rows
printed on that page are above the crop, a strip of them is stacked on top (a grey bar
marks the cut), so every outlined figure sits under its column heading.
Images are saved as palette PNGs (the page is black text on white: 64 colours, fast-octree
quantized, lose nothing a reader needs and shrink the files about threefold).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

#: Outline colours (RGB) by role.
COLORS = {
    "printed": (220, 30, 30),  # the printed figure a check compared (expected)
    "parts": (30, 90, 220),  # the cells whose sum is the computed figure (actual)
    "cell": (30, 150, 60),  # every cell of a table, for table crops
}
SCALE = 2.0  # pixels per PDF point (144 dpi): small CJK digits stay legible
MARGIN = 36.0  # points above and below the outlined cells


@dataclass(frozen=True)
class Box:
    """One outlined rectangle on a page, in PDF points (top-left origin)."""

    page: int  # 1-based
    x0: float
    top: float
    x1: float
    bottom: float
    role: str  # a key of COLORS


@dataclass
class CropJob:
    """One image to write: a region of one page with boxes drawn on it."""

    path: Path
    page: int
    boxes: list[Box]  # drawn; the crop contains them
    area: tuple[float, float, float, float] | None = None  # (x0, top, x1, bottom) points the crop also contains
    margin: float = MARGIN  # points added above and below
    header: tuple[float, float] | None = None  # (top, bottom) of the table's header rows on this page, stacked on top


class PdfUnavailable(Exception):
    """The document's PDF cannot be opened from ``source_path`` (moved, deleted, unreadable)."""


def render_crops(pdf_path: Path, jobs: Sequence[CropJob]) -> list[Path]:
    """Write every job's PNG; each page is rendered once. Raises ``PdfUnavailable``."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    try:
        pdf = pdfium.PdfDocument(str(pdf_path))
    except (OSError, pdfium.PdfiumError) as e:
        raise PdfUnavailable(f"cannot open {pdf_path}: {e}") from None
    written: list[Path] = []
    try:
        by_page: dict[int, list[CropJob]] = {}
        for job in jobs:
            by_page.setdefault(job.page, []).append(job)
        for page_no, page_jobs in sorted(by_page.items()):
            if not 1 <= page_no <= len(pdf):
                continue
            page = pdf[page_no - 1]
            try:
                base = page.render(scale=SCALE).to_pil().convert("RGB")
            finally:
                page.close()
            for job in page_jobs:
                img = base.copy()
                draw = ImageDraw.Draw(img)
                for b in job.boxes:
                    draw.rectangle([b.x0 * SCALE - 2, b.top * SCALE - 2, b.x1 * SCALE + 2, b.bottom * SCALE + 2],
                                   outline=COLORS[b.role], width=3)
                region = _region(job, img.width, img.height)
                head = job.header
                if head and head[1] * SCALE < region[1]:  # header rows out of view: stack them above the crop
                    strip = img.crop((region[0], max(0, int((head[0] - 2) * SCALE)), region[2], int((head[1] + 2) * SCALE)))
                    body = img.crop(region)
                    img = Image.new("RGB", (body.width, strip.height + 6 + body.height), (160, 160, 160))
                    img.paste(strip, (0, 0))
                    img.paste(body, (0, strip.height + 6))
                else:
                    img = img.crop(region)
                job.path.parent.mkdir(parents=True, exist_ok=True)
                img.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(job.path)
                written.append(job.path)
    finally:
        pdf.close()
    return written


def _region(job: CropJob, width: int, height: int) -> tuple[int, int, int, int]:
    xs = [b.x0 for b in job.boxes] + [b.x1 for b in job.boxes]
    ys = [b.top for b in job.boxes] + [b.bottom for b in job.boxes]
    if job.area:
        xs += [job.area[0], job.area[2]]
        ys += [job.area[1], job.area[3]]
    x0, x1 = (min(xs) - 12) * SCALE, (max(xs) + 12) * SCALE
    y0, y1 = (min(ys) - job.margin) * SCALE, (max(ys) + job.margin) * SCALE
    return (max(0, int(x0)), max(0, int(y0)), min(width, int(x1) + 1), min(height, int(y1) + 1))


def extent(cells: Iterable) -> tuple[float, float, float, float] | None:
    """(x0, top, x1, bottom) around the cells that carry coordinates; None if none does."""
    boxes = boxes_for(cells, "cell")
    if not boxes:
        return None
    return (min(b.x0 for b in boxes), min(b.top for b in boxes), max(b.x1 for b in boxes), max(b.bottom for b in boxes))


def boxes_for(cells: Iterable, role: str) -> list[Box]:
    """Boxes for cells (``data.Cell``) that carry coordinates (cells without them are skipped)."""
    out = []
    for c in cells:
        if None in (c.x0, c.top, c.x1, c.bottom, c.page):
            continue
        out.append(Box(c.page, c.x0, c.top, c.x1, c.bottom, role))
    return out
