"""Extract stage: per page, ruled (and text-aligned) tables with exact grids, spans,
repaired CJK text and captions, plus page flags (no text layer, garbled)."""

from .debug import to_debug_dict
from .document import ENGINES, PdfOpenError, extract_document, parse_pages
from .models import BBox, ExtractedDocument, GridCell, PageInfo, PageTable, TextLine
from .settings import DEFAULT_SETTINGS, ExtractSettings

__all__ = [
    "BBox",
    "DEFAULT_SETTINGS",
    "ENGINES",
    "ExtractSettings",
    "ExtractedDocument",
    "GridCell",
    "PageInfo",
    "PageTable",
    "PdfOpenError",
    "TextLine",
    "extract_document",
    "parse_pages",
    "to_debug_dict",
]
