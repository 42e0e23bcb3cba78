"""Python API: one PDF → the six datasets in memory, no files written.

>>> from budgetpdf import extract_pdf
>>> data = extract_pdf("fixtures/docs/baisha-civil-affairs-2021-budget.pdf")
>>> data["line_items"].query("table_type == 'expenditure_summary'").head()
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .dataset import DocumentOutput, to_arrow
from .schema import DATASETS


def extract_pdf(path: str | Path, *, engine: str = "pdfplumber",
                as_: Literal["pandas", "arrow"] = "pandas") -> dict:
    """Extract, normalize and check one PDF in this process.

    Returns ``{dataset name: DataFrame}`` (``as_="pandas"``) or ``{name: pyarrow.Table}``
    (``as_="arrow"``) for the six datasets of the contract, with the contract's schema
    (money as Decimal). Never raises on a bad PDF: ``documents`` then holds one row with
    ``status="failed"`` and the ``error``. Unlike ``budgetpdf extract`` there is no time
    or memory limit: the caller's process does the work.
    """
    if as_ not in ("pandas", "arrow"):
        raise ValueError(f"as_ must be 'pandas' or 'arrow', not {as_!r}")
    from .pipeline import process_file

    out: DocumentOutput = process_file(Path(path), source_path=str(path), engine=engine)
    tables = {"documents": to_arrow("documents", [out.document])}
    for name in DATASETS[1:]:
        tables[name] = to_arrow(name, getattr(out, name))
    if as_ == "arrow":
        return tables
    return {name: t.to_pandas() for name, t in tables.items()}


__all__ = ["extract_pdf"]
