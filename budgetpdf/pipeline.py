"""One input file → everything it contributes to the dataset, never an exception.

Bad input (empty, not a PDF, encrypted, truncated, scanned, garbled) becomes a
``documents`` row with a clear status and error; the batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

from budgetpdf import __version__
from budgetpdf.extract.document import PdfOpenError, extract_document
from budgetpdf.extract.models import ExtractedDocument
from budgetpdf.normalize import NormalizedDocument, normalize_document
from budgetpdf.normalize.records import DocumentRecord

from .dataset import DocumentOutput

log = logging.getLogger("budgetpdf")
PIPELINE_VERSION = __version__


def page_ranges(pages: list[int]) -> str:
    """[3,4,5,9] → "3-5, 9"."""
    out: list[str] = []
    for p in sorted(pages):
        if out and "-" not in out[-1].split(",")[-1] and int(out[-1]) == p - 1:
            out[-1] = f"{out[-1]}-{p}"
        elif out and "-" in out[-1] and int(out[-1].split("-")[1]) == p - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{p}"
        else:
            out.append(str(p))
    return ", ".join(out)


def _status(doc: ExtractedDocument, norm: NormalizedDocument | None) -> tuple[str, str | None]:
    """ok / partial / failed with the reason, from page flags and what was found."""
    problems = []
    no_text = [p.page for p in doc.pages if not p.has_text_layer and not p.is_blank]
    garbled = doc.garbled_pages
    if no_text:
        problems.append(f"no text layer on pages {page_ranges(no_text)}")
    if garbled:
        problems.append(f"unusable text layer (undecodable glyphs) on pages {page_ranges(garbled)}")
    unusable = set(no_text) | set(garbled)
    blank = {p.page for p in doc.pages if p.is_blank}
    if doc.page_count == 0:
        return "failed", "the PDF has no pages"
    if len(blank) == doc.page_count:
        return "failed", "every page is blank (no text, no images)"
    if unusable and len(unusable | blank) == doc.page_count:
        return "failed", "; ".join(problems)
    if problems:
        return "partial", "; ".join(problems)
    return "ok", None


def process_failed(source: str, error: str, doc_id: str | None = None, page_count: int | None = None) -> DocumentOutput:
    """The documents row of a file nothing could be extracted from."""
    log.warning("%s: failed: %s", source, error)
    return DocumentOutput(DocumentRecord(doc_id, source, None, None, "unknown", page_count, "failed", error, 0, 0,
                                         PIPELINE_VERSION, datetime.now(timezone.utc)))


def process_file(path: Path | str, source_path: str | None = None, engine: str = "pdfplumber") -> DocumentOutput:
    """Extract, normalize and check one file; errors become the documents row's status."""
    path = Path(path)
    source = source_path or str(path)
    now = datetime.now(timezone.utc)

    def failed(doc_id: str | None, error: str, page_count: int | None = None) -> DocumentOutput:
        return process_failed(source, error, doc_id, page_count)

    try:
        data = path.read_bytes()
    except OSError as e:
        return failed(None, f"cannot read file: {e.strerror or e}")
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        doc = extract_document(path, engine=engine)
    except PdfOpenError as e:
        return failed(doc_id, str(e))
    except Exception as e:  # a parser crash on one file must not stop the batch
        log.exception("%s: extract crashed", source)
        return failed(doc_id, f"corrupt: the PDF could not be parsed ({type(e).__name__}: {e})")
    try:
        norm = normalize_document(doc)
    except Exception as e:
        log.exception("%s: normalize crashed", source)
        return failed(doc_id, f"internal error while normalizing ({type(e).__name__}: {e})", doc.page_count)
    status, error = _status(doc, norm)
    record = DocumentRecord(
        doc_id=doc_id, source_path=source, department=norm.department, fiscal_year=norm.fiscal_year,
        doc_kind=norm.doc_kind, page_count=doc.page_count, status=status, error=error,
        n_tables=len(norm.tables), n_checks_failed=norm.n_checks_failed, pipeline_version=PIPELINE_VERSION,
        extracted_at=now,
    )
    if status != "ok":
        log.warning("%s: %s: %s", source, status, error)
    return DocumentOutput(record, norm.tables, norm.cells, norm.line_items, norm.performance_targets, norm.checks)
