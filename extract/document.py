"""``extract_document``: check the file, open it once with one engine, loop over its pages."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from .engines import DEFAULT_ENGINE, ENGINES, get_engine
from .models import ExtractedDocument, PageInfo, PageResult
from .settings import DEFAULT_SETTINGS, ExtractSettings


class PdfOpenError(Exception):
    """The file cannot be read as a PDF. ``kind`` is empty / not_pdf / encrypted / corrupt."""

    KINDS = ("empty", "not_pdf", "encrypted", "corrupt")
    LABELS = {"empty": "empty", "not_pdf": "not a PDF", "encrypted": "encrypted", "corrupt": "corrupt"}

    def __init__(self, kind: str, message: str) -> None:
        if kind not in self.KINDS:
            raise ValueError(f"unknown PdfOpenError kind {kind!r}")
        super().__init__(f"{self.LABELS[kind]}: {message}")
        self.kind = kind
        self.message = message


def parse_pages(spec: str | Iterable[int] | None, page_count: int) -> list[int]:
    """1-based page numbers from ``"3-5,8"`` or an iterable; out-of-range pages are an error."""
    if spec is None:
        return list(range(1, page_count + 1))
    if isinstance(spec, str):
        out: list[int] = []
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"(\d+)\s*(?:-\s*(\d*))?", part)
            if not m:
                raise ValueError(f"bad page range {part!r} (use e.g. 3-5,8)")
            a = int(m.group(1))
            b = a if m.group(2) is None else (int(m.group(2)) if m.group(2) else page_count)
            out.extend(range(a, b + 1))
    else:
        out = [int(p) for p in spec]
    bad = [p for p in out if not 1 <= p <= page_count]
    if bad:
        raise ValueError(f"pages {bad} out of range 1-{page_count}")
    return sorted(dict.fromkeys(out))


def preflight(path: Path) -> bytes:
    """Read the file and classify why it cannot open, cheaply (header + pdfium), before parsing.

    An owner-password-only PDF (printing/copying restrictions) opens normally; a
    user password raises ``encrypted``.
    """
    data = path.read_bytes()
    if not data.strip():
        raise PdfOpenError("empty", f"{path.name} is empty ({len(data)} bytes)")
    if b"%PDF-" not in data[:1024]:
        raise PdfOpenError("not_pdf", f"{path.name} has no %PDF- header (starts with {data[:8]!r})")
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
        n = len(doc)
        doc.close()
    except pdfium.PdfiumError as e:
        if getattr(e, "err_code", None) == 4 or "password" in str(e).lower():
            raise PdfOpenError("encrypted", "a user password is required") from None
        if _page_count_pdfminer(data) == 0:
            raise PdfOpenError("corrupt", f"{path.name} has no pages (its page tree is empty)") from None
        if b"%%EOF" not in data[-2048:]:
            raise PdfOpenError("corrupt", f"{path.name} is truncated (no %%EOF at its end) and cannot be parsed ({e})") from None
        raise PdfOpenError("corrupt", f"{path.name}: {e}") from None
    if n == 0:
        raise PdfOpenError("corrupt", f"{path.name} has no pages (its page tree is empty)")
    return data


def _page_count_pdfminer(data: bytes) -> int | None:
    """Pages by pdfminer's reading of the page tree (None when it cannot read it either)."""
    import io

    from pdfminer.pdfpage import PDFPage

    try:
        return sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
    except Exception:
        return None


def extract_document(
    path: str | Path,
    *,
    engine: str = DEFAULT_ENGINE,
    pages: str | Iterable[int] | None = None,
    settings: ExtractSettings | None = None,
) -> ExtractedDocument:
    """Tables (grids with spans, repaired text, captions) and page flags of one PDF.

    ``pages`` are 1-based (``"3-5"`` or a list); ``engine`` names one of ``ENGINES``.
    Raises ``FileNotFoundError``, ``PdfOpenError`` (empty, not a PDF, encrypted,
    corrupt) and ``ValueError`` (unknown engine, pages out of range). A page that
    fails is reported in its ``PageInfo.error`` and in ``warnings``; the other pages
    are still extracted.

    Pages that ``needs_ocr`` (a scan, or undecodable glyphs) and only those are read
    from their image (``raster.OcrPages``, reader chosen by ``settings.ocr``); their
    tables have ``text_source="ocr"``. Without a reader they stay flagged and
    ``ExtractedDocument.ocr_unavailable`` says how to install one.
    """
    eng = get_engine(engine)
    settings = settings or DEFAULT_SETTINGS
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    data = preflight(path)
    doc_id = hashlib.sha256(data).hexdigest()
    results: list[PageResult] = []
    ocr = None  # raster.OcrPages, made at the first page that needs OCR
    to_read: list[int] = []  # indices in results of the pages it reads
    opened = eng.open(data, settings)
    try:
        page_count = opened.page_count
        for pno in parse_pages(pages, page_count):
            try:
                res = opened.extract_page(pno)
            except Exception as e:  # one bad page must not abort the document
                results.append(PageResult(error_page(opened, pno, e), (), (f"page {pno}: extraction failed: {e!r}",)))
                continue
            if res.info.needs_ocr:
                if ocr is None:
                    from .raster import OcrPages

                    ocr = OcrPages(data, settings)
                to_read.append(len(results))
            results.append(res)
        if ocr is not None:  # all at once: words printed on several pages vote (ocrvote)
            for k, res in zip(to_read, ocr.read_pages([results[k] for k in to_read])):
                results[k] = res
    finally:
        opened.close()
        if ocr is not None:
            ocr.close()
    return ExtractedDocument(
        source_path=str(path),
        doc_id=doc_id,
        page_count=page_count,
        pages=tuple(r.info for r in results),
        tables=tuple(t for r in results for t in r.tables),
        engine=engine,
        warnings=tuple(w for r in results for w in r.warnings),
        ocr_unavailable=ocr.unavailable if ocr is not None else None,
    )


def error_page(opened, page_no: int, exc: Exception) -> PageInfo:
    """The PageInfo of a page whose extraction raised (size unknown: 0 × 0)."""
    return PageInfo(page=page_no, width=0.0, height=0.0, rotation=0, n_chars=0, has_text_layer=False, garbled=False,
                    error=repr(exc))
