"""Extract stage: per page, ruled (and text-aligned) tables with exact grids, spans,
repaired CJK text and captions, plus page flags (no text layer, garbled).

Contract with the next stage: ``ExtractedDocument`` (``models.py``) holding one
``PageInfo`` per page and the ``PageTable``s found, in page order. Engines
(``engines/``) read ``PagePrimitives`` off each page; ``layout.analyse_page`` turns them
into a ``PageResult``.
"""

from .debug import to_debug_dict
from .document import PdfOpenError, extract_document, parse_pages
from .engines import DEFAULT_ENGINE, ENGINES, Engine, get_engine
from .models import BBox, ExtractedDocument, GridCell, PageInfo, PageResult, PageTable, TextLine
from .primitives import PagePrimitives, Segment
from .settings import DEFAULT_SETTINGS, ExtractSettings

__all__ = [
    "BBox",
    "DEFAULT_ENGINE",
    "DEFAULT_SETTINGS",
    "ENGINES",
    "Engine",
    "ExtractSettings",
    "ExtractedDocument",
    "GridCell",
    "PageInfo",
    "PagePrimitives",
    "PageResult",
    "PageTable",
    "PdfOpenError",
    "Segment",
    "TextLine",
    "extract_document",
    "get_engine",
    "parse_pages",
    "to_debug_dict",
]
