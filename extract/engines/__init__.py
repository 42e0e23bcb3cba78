"""The engine interface: one object per engine that opens a PDF and gives one
``PageResult`` per page.

``extract_document`` owns the page loop and the per-page ``try``: an engine only says
how to read a page. Engines that read primitives (glyphs, rulings, images) hand them
to the shared chain (``layout.analyse_page``); camelot, which finds its own grids,
joins the chain after grid finding.

Add an engine: a module here with a class implementing ``Engine``, registered in
``ENGINES`` by name (the CLI's ``--engine`` choices come from it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Protocol, runtime_checkable

from ..models import PageResult
from ..settings import ExtractSettings


@runtime_checkable
class OpenDocument(Protocol):
    """A PDF opened by an engine. Close it (or use it as a context manager) to free memory."""

    page_count: int

    def extract_page(self, page_no: int) -> PageResult:
        """Tables, captions, prose lines and flags of one page (1-based). May raise; the
        caller turns the exception into that page's error."""

    def close(self) -> None:
        ...


class Engine(Protocol):
    """An extract engine: ``open`` a PDF's bytes with the given settings."""

    name: str

    def open(self, data: bytes, settings: ExtractSettings) -> OpenDocument:
        """Raises ``PdfOpenError`` (kind ``encrypted`` or ``corrupt``) when the bytes cannot be opened."""


# name → "module:class", imported on first use so `import budgetpdf.extract` stays cheap
ENGINES: dict[str, str] = {
    "pdfplumber": "budgetpdf.extract.engines.plumber:PdfplumberEngine",
    "camelot": "budgetpdf.extract.engines.camelot:CamelotEngine",
    "pdfium": "budgetpdf.extract.engines.pdfium:PdfiumEngine",
}
DEFAULT_ENGINE = "pdfium"


def get_engine(name: str) -> Engine:
    """The engine registered under ``name``; ``ValueError`` naming the choices otherwise."""
    try:
        target = ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}") from None
    module, cls = target.split(":")
    return getattr(import_module(module), cls)()


__all__ = ["DEFAULT_ENGINE", "ENGINES", "Engine", "OpenDocument", "get_engine"]
