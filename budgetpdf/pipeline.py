"""One input file → everything it contributes to the dataset, never an exception.

Bad input (empty, not a PDF, encrypted, truncated, scanned, garbled) becomes a
``documents`` row with a clear status and error; so does any failure while
normalizing or encoding the records (a figure that does not fit the contract, a bug):
``process_encoded`` isolates the whole chain, extract → normalize → encode, so the
writer only ever receives encoded tables and a batch never stops on one file.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from budgetpdf import __version__
from budgetpdf.contract import DocumentOutput, DocumentRecord, EncodedDocument, encode
from budgetpdf.extract.document import PdfOpenError, extract_document
from budgetpdf.extract.engines import DEFAULT_ENGINE
from budgetpdf.extract.models import ExtractedDocument
from budgetpdf.extract.ocr import ocr_fingerprint
from budgetpdf.extract.settings import DEFAULT_SETTINGS, ExtractSettings
from budgetpdf.normalize import NormalizedDocument, normalize_document
from budgetpdf.normalize.rules import RuleSet, default_rule_set

log = logging.getLogger("budgetpdf")
# each document's outcome (failed / partial, with its error): a library caller's only report
# of it; a batch worker silences it, since the batch reports every document itself
outcome_log = logging.getLogger("budgetpdf.documents")


@dataclass(frozen=True)
class RunConfig:
    """What produces a document's records besides its bytes: engine, extract settings, rules.

    ``fingerprint`` (written to ``documents.pipeline_version``) changes when any of them
    changes, and a re-run redoes documents whose fingerprint differs.
    """

    engine: str = DEFAULT_ENGINE
    settings: ExtractSettings = DEFAULT_SETTINGS
    rules: RuleSet = field(default_factory=default_rule_set)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.engine, self.settings, self.rules)


def _short(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


FINGERPRINT_PARTS = ("budgetpdf", "engine", "settings", "rules", "ocr")


def fingerprint(engine: str, settings: ExtractSettings, rules: RuleSet) -> str:
    """``budgetpdf 0.2.0; engine pdfplumber; settings 1a2b…; rules 3c4d…; ocr rapidocr-onnxruntime 1.4.4``:
    the package version, the extract engine, a digest of the extract settings, a digest
    of the contents of both rule files, and the OCR reader that would read pages without
    a usable text layer (``none`` when it is not installed, ``off``), so that installing
    OCR redoes the documents whose pages were left unread."""
    return (f"budgetpdf {__version__}; engine {engine}; settings {_short(repr(settings))}; "
            f"rules {rules.digest[:12]}; ocr {ocr_fingerprint(settings.ocr)}")


def fingerprint_changes(old: str | None, new: str) -> list[str]:
    """Which parts of the fingerprint differ: ``["rules"]``, ``["engine"]``, … (all for
    a fingerprint of another format, such as the bare version of older runs)."""
    def parts(fp: str | None) -> dict[str, str]:
        out = {}
        for piece in (fp or "").split("; "):
            key, _, value = piece.partition(" ")
            if key in FINGERPRINT_PARTS:
                out[key] = value
        return out

    a, b = parts(old), parts(new)
    if set(a) != set(b):
        return ["version"]
    changed = [k for k in FINGERPRINT_PARTS if a.get(k) != b.get(k)]
    return ["version" if k == "budgetpdf" else k for k in changed]


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


def document_status(doc: ExtractedDocument, norm: NormalizedDocument | None) -> tuple[str, str | None]:
    """ok / partial / failed with the reason, from page flags, per-table problems and what was found.

    Pages read by OCR are not unusable; their tables are accepted by the identity
    checks (``ocr_table_problems``). Pages that need OCR but were not read keep their
    flag, with how to enable OCR when no reader is installed.
    """
    problems = []
    no_text = [p.page for p in doc.pages if p.unread and not p.has_text_layer and not p.is_blank and not p.garbled]
    garbled = [p.page for p in doc.pages if p.unread and p.garbled]
    some_bad = [p.page for p in doc.pages if p.n_undecodable and not p.garbled and p.text_source != "ocr"]
    failed_pages = [p.page for p in doc.pages if p.error is not None]
    if no_text:
        problems.append(f"no text layer on pages {page_ranges(no_text)}")
    if garbled or some_bad:
        problems.append(f"undecodable glyphs on pages {page_ranges(garbled + some_bad)} (the text layer has glyphs "
                        f"without a Unicode mapping: " + ("unusable, OCR would be needed" if garbled else
                                                           "the cells holding them are left empty") + ")")
    if (no_text or garbled) and doc.ocr_unavailable:
        problems.append(f"pages not read: {doc.ocr_unavailable}")
    if failed_pages:
        problems.append(f"pages {page_ranges(failed_pages)} could not be read")
    sideways = [p.page for p in doc.pages if p.sideways_tables]
    if sideways:
        problems.append(f"tables printed with sideways text not read on pages {page_ranges(sideways)}")
    if norm is not None:
        problems.extend(norm.warnings)
        problems.extend(ocr_table_problems(norm))
    unusable = set(no_text) | set(garbled) | set(failed_pages)
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


def ocr_table_problems(norm: NormalizedDocument) -> list[str]:
    """Tables read by OCR (``text_source == "ocr"``) that the identity checks do not
    accept: some check failed (``OCR tables with failed checks: table 3 (page 5)``),
    or, holding figures, no check could be run on them. OCR misreads digits (8/3,
    ``,``/``.``); the checks flag such tables, nothing is corrected."""
    def where(t) -> str:
        pages = f"page {t.page_start}" if t.page_start == t.page_end else f"pages {t.page_start}-{t.page_end}"
        return f"table {t.table_id} ({pages})"

    ocr_tables = [t for t in norm.tables if t.text_source == "ocr"]
    failed = [where(t) for t in ocr_tables if t.n_checks_failed]
    unchecked = [where(t) for t in ocr_tables if not t.n_checks_run and not t.is_empty]
    out = []
    if failed:
        out.append(f"OCR tables with failed checks: {', '.join(failed)}")
    if unchecked:
        out.append(f"OCR tables no identity check could verify: {', '.join(unchecked)}")
    return out


def process_failed(source: str, error: str, doc_id: str | None = None, page_count: int | None = None,
                   fingerprint: str | None = None) -> DocumentOutput:
    """The documents row of a file nothing could be extracted from."""
    outcome_log.warning("%s: failed: %s", source, error)
    return DocumentOutput(DocumentRecord(doc_id, source, None, None, "unknown", page_count, "failed", error, 0, 0,
                                         fingerprint or RunConfig().fingerprint, datetime.now(timezone.utc)))


def process_file(path: Path | str, source_path: str | None = None, engine: str | None = None,
                 config: RunConfig | None = None) -> DocumentOutput:
    """Extract, normalize and check one file; errors become the documents row's status.

    ``config`` (engine, settings, rules) defaults to ``RunConfig()``; ``engine`` is a
    shorthand that overrides its engine.
    """
    config = config or RunConfig()
    if engine is not None and engine != config.engine:
        config = RunConfig(engine, config.settings, config.rules)
    path = Path(path)
    source = source_path or str(path)
    now = datetime.now(timezone.utc)
    started = time.perf_counter()
    fp = config.fingerprint

    def failed(doc_id: str | None, error: str, page_count: int | None = None) -> DocumentOutput:
        return process_failed(source, error, doc_id, page_count, fp)

    try:
        data = path.read_bytes()
    except OSError as e:
        return failed(None, f"cannot read file: {e.strerror or e}")
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        doc = extract_document(path, engine=config.engine, settings=config.settings)
    except PdfOpenError as e:
        return failed(doc_id, str(e))
    except Exception as e:  # a parser crash on one file must not stop the batch
        log.exception("%s: extract crashed", source)
        return failed(doc_id, f"corrupt: the PDF could not be parsed ({type(e).__name__}: {e})")
    try:
        norm = normalize_document(doc, config.rules)
    except Exception as e:
        log.exception("%s: normalize crashed", source)
        return failed(doc_id, f"internal error while normalizing ({type(e).__name__}: {e})", doc.page_count)
    status, error = document_status(doc, norm)
    record = DocumentRecord(
        doc_id=doc_id, source_path=source, department=norm.department, fiscal_year=norm.fiscal_year,
        doc_kind=norm.doc_kind, page_count=doc.page_count, status=status, error=error,
        n_tables=len(norm.tables), n_checks_failed=norm.n_checks_failed, pipeline_version=fp,
        extracted_at=now, extract_seconds=round(time.perf_counter() - started, 3),
    )
    if status != "ok":
        outcome_log.warning("%s: %s: %s", source, status, error)
    return DocumentOutput(record, norm.tables, norm.cells, norm.line_items, norm.performance_targets, norm.checks)


def encode_or_fail(out: DocumentOutput) -> EncodedDocument:
    """Encode ``out`` for the writer; a record that does not fit the contract turns the
    document into its failed row (with the reason), never an exception."""
    try:
        return encode(out)
    except Exception as e:
        doc = out.document
        log.exception("%s: records do not fit the contract", doc.source_path)
        failed = process_failed(doc.source_path, f"internal error while encoding records ({type(e).__name__}: {e})",
                                doc.doc_id, doc.page_count, doc.pipeline_version)
        return encode(failed)


def process_encoded(path: Path | str, source_path: str | None = None, config: RunConfig | None = None) -> EncodedDocument:
    """``process_file`` then ``encode``: one file's Arrow tables, never an exception."""
    try:
        out = process_file(path, source_path, config=config)
    except Exception as e:  # a bug outside the guarded stages
        source = source_path or str(path)
        log.exception("%s: crashed", source)
        out = process_failed(source, f"internal error ({type(e).__name__}: {e})")
    return encode_or_fail(out)


__all__ = ["RunConfig", "document_status", "encode_or_fail", "fingerprint", "fingerprint_changes", "ocr_table_problems",
           "page_ranges",
           "process_encoded", "process_failed", "process_file"]
