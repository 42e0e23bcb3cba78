"""PNG overlays of detected cells on the rendered page (pypdfium2 + PIL), for eyeballing."""

from __future__ import annotations

from pathlib import Path

from .models import ExtractedDocument

COLORS = {"ruled": (220, 30, 30), "unruled": (30, 90, 220), "span": (30, 160, 60), "caption": (200, 120, 0)}


def write_overlays(doc: ExtractedDocument, out_dir: str | Path, *, scale: float = 1.5) -> list[Path]:
    """One PNG per extracted page: cells outlined (red ruled, blue unruled, green spans), captions in orange."""
    import pypdfium2 as pdfium
    from PIL import ImageDraw

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    pdf = pdfium.PdfDocument(doc.source_path)
    try:
        for info in doc.pages:
            page = pdf[info.page - 1]
            img = page.render(scale=scale).to_pil().convert("RGB")
            # pdfium renders the page as displayed (after /Rotate), as are our coordinates
            sx = img.width / info.width
            sy = img.height / info.height
            draw = ImageDraw.Draw(img)
            for t in doc.tables:
                if t.page != info.page:
                    continue
                base = COLORS["ruled"] if t.ruled else COLORS["unruled"]
                for c in t.cells:
                    b = c.bbox
                    col = COLORS["span"] if (c.row_span > 1 or c.col_span > 1) else base
                    draw.rectangle([b.x0 * sx + 1, b.top * sy + 1, b.x1 * sx - 1, b.bottom * sy - 1], outline=col, width=2)
                for ln in (*t.captions_above, *t.captions_below):
                    b = ln.bbox
                    draw.rectangle([b.x0 * sx, b.top * sy, b.x1 * sx, b.bottom * sy], outline=COLORS["caption"], width=1)
                draw.text((t.bbox.x0 * sx, max(0, t.bbox.top * sy - 12)), f"T{t.index_on_page} {t.n_rows}x{t.n_cols}", fill=base)
            path = out / f"{Path(doc.source_path).stem}_p{info.page:03d}.png"
            img.save(path)
            written.append(path)
            page.close()
    finally:
        pdf.close()
    return written
