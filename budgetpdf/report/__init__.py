"""The review report: a static HTML site over an output dataset (``budgetpdf report``).

``build_report(OUT_DIR, REPORT_DIR)`` writes an index of documents (sortable and
filterable in the browser), one page per document (every logical table with its cells and
line items, each failed check with the printed and computed figures and a page crop with
the cells outlined, not_run checks with their reason) and batch charts. It opens from disk:
no server, nothing fetched. Modules: ``data`` (duckdb queries), ``locate`` (line item →
cell and check → cells joins), ``crops`` (pypdfium2 + PIL), ``charts`` (pygal SVG),
``build`` (pages, jinja2 templates in ``templates/``, ``assets/``), ``command`` (the CLI).
"""

__all__ = ["ReportDirError", "ReportSummary", "build_report"]


def __getattr__(name: str):  # imported lazily: `budgetpdf --help` must not load jinja2, duckdb, pygal
    if name in __all__:
        from . import build

        return getattr(build, name)
    raise AttributeError(f"module 'budgetpdf.report' has no attribute {name!r}")
