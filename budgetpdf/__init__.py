"""budgetpdf: Chinese government budget PDFs to a validated Parquet dataset.

Stages (each its own package): ``budgetpdf.extract`` (PDF pages to page tables),
``budgetpdf.normalize`` (stitching, classification, records, identity checks).
``budgetpdf.extract_pdf(path)`` is the Python API (imported lazily: ``import budgetpdf``
stays cheap).
"""

__version__ = "0.2.0"
__all__ = ["extract_pdf", "__version__"]


def __getattr__(name: str):
    if name == "extract_pdf":
        from .api import extract_pdf

        return extract_pdf
    raise AttributeError(f"module 'budgetpdf' has no attribute {name!r}")
