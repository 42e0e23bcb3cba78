"""Normalize stage: page tables → logical tables → contract records + identity checks.

``normalize_document(extracted)`` is the one entry point; each step is a module of its
own (``stitch``, ``emit``, ``facts``, ``checks``) testable alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from budgetpdf.extract.models import ExtractedDocument

from . import emit, facts
from .checks import CheckRules, run_checks
from .records import CellRecord, CheckResult, LineItem, PerformanceTarget, TableRecord
from .registry import Registry, default_registry
from .stitch import LogicalTable, stitch_document


@dataclass(frozen=True)
class NormalizedDocument:
    """Every record one document contributes, before it is written."""

    doc_id: str
    department: str | None
    fiscal_year: int | None
    doc_kind: str
    logical_tables: tuple[LogicalTable, ...]
    tables: tuple[TableRecord, ...]
    cells: tuple[CellRecord, ...]
    line_items: tuple[LineItem, ...]
    performance_targets: tuple[PerformanceTarget, ...]
    checks: tuple[CheckResult, ...]
    prose: str

    @property
    def n_checks_failed(self) -> int:
        return sum(1 for c in self.checks if c.status == "failed")


def normalize_document(doc: ExtractedDocument, registry: Registry | None = None,
                       rules: CheckRules | None = None) -> NormalizedDocument:
    registry = registry or default_registry()
    logical = stitch_document(doc.tables, registry)
    cells = [c for lt in logical for c in emit.cell_records(doc.doc_id, lt)]
    items = [li for lt in logical for li in emit.line_items(doc.doc_id, lt)]
    targets = [t for lt in logical for t in emit.performance_targets(doc.doc_id, lt)]
    tables = [emit.table_record(doc.doc_id, lt) for lt in logical]
    prose = "\n".join(line.text for page in doc.pages for line in page.lines)
    checks = run_checks(doc.doc_id, tables, items, targets, prose, rules)
    run = Counter(c.table_id for c in checks if c.status != "not_run")
    failed = Counter(c.table_id for c in checks if c.status == "failed")
    tables = [replace(t, n_checks_run=run[t.table_id], n_checks_failed=failed[t.table_id]) for t in tables]
    return NormalizedDocument(
        doc_id=doc.doc_id,
        department=facts.department(logical, doc),
        fiscal_year=facts.fiscal_year(logical, doc),
        doc_kind=facts.doc_kind(logical, doc),
        logical_tables=tuple(logical),
        tables=tuple(tables),
        cells=tuple(cells),
        line_items=tuple(items),
        performance_targets=tuple(targets),
        checks=tuple(checks),
        prose=prose,
    )


__all__ = ["NormalizedDocument", "normalize_document", "LogicalTable"]
