"""Python API: one PDF → the six datasets in memory, no files written.

>>> from budgetpdf import extract_pdf
>>> data = extract_pdf("fixtures/docs/baisha-civil-affairs-2021-budget.pdf")
>>> data["line_items"].query("table_type == 'expenditure_summary'").head()
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from .contract import RECORD_DATASETS, to_arrow


def extract_pdf(path: str | Path, *, engine: str | None = None,
                as_: Literal["pandas", "arrow"] = "pandas") -> dict:
    """Extract, normalize and check one PDF in this process.

    Returns ``{dataset name: DataFrame}`` (``as_="pandas"``) or ``{name: pyarrow.Table}``
    (``as_="arrow"``) for the six datasets of the contract, with the contract's schema
    (money as Decimal). ``engine`` defaults to the CLI's default engine. Never raises on
    a bad PDF or on records that do not fit the contract: ``documents`` then holds one row
    with ``status="failed"`` and the ``error``. Raises ``ValueError`` for a bad ``as_`` or
    an unknown engine. Unlike ``budgetpdf extract`` there is no time or memory limit: the
    caller's process does the work.
    """
    if as_ not in ("pandas", "arrow"):
        raise ValueError(f"as_ must be 'pandas' or 'arrow', not {as_!r}")
    from .pipeline import RunConfig, process_encoded

    config = RunConfig() if engine is None else RunConfig(engine=engine)
    if engine is not None:
        from budgetpdf.extract.engines import get_engine

        get_engine(engine)  # an unknown engine is a usage error, not a failed document
    out = process_encoded(Path(path), source_path=str(path), config=config)
    tables = {"documents": to_arrow("documents", [out.document]), **{n: out.records[n] for n in RECORD_DATASETS}}
    if as_ == "arrow":
        return tables
    return {name: t.to_pandas() for name, t in tables.items()}


__all__ = ["extract_pdf"]
