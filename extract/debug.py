"""A JSON-able dump of the extract stage's output, for ``budgetpdf inspect --json``."""

from __future__ import annotations

import dataclasses
from typing import Any

from .models import ExtractedDocument, PageTable


def _round(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 2)
    if isinstance(v, (list, tuple)):
        return [_round(x) for x in v]
    if isinstance(v, dict):
        return {k: _round(x) for k, x in v.items()}
    return v


def table_to_dict(t: PageTable, *, with_cells: bool = True) -> dict[str, Any]:
    d = dataclasses.asdict(t)
    if not with_cells:
        d.pop("cells")
    d["rows"] = [t.row_texts(r) for r in range(t.n_rows)]
    return _round(d)


def to_debug_dict(doc: ExtractedDocument, *, with_cells: bool = True) -> dict[str, Any]:
    """Everything in ``doc`` as plain dicts/lists (floats rounded to 0.01 pt) plus each table's rows."""
    return {
        "source_path": doc.source_path,
        "doc_id": doc.doc_id,
        "page_count": doc.page_count,
        "engine": doc.engine,
        "warnings": list(doc.warnings),
        "pages": [_round(dataclasses.asdict(p)) for p in doc.pages],
        "tables": [table_to_dict(t, with_cells=with_cells) for t in doc.tables],
    }
