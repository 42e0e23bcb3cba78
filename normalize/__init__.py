"""Normalize stage: page tables → logical tables → contract records + identity checks.

``normalize_document(extracted, rules)`` is the one entry point; each step is a module of
its own (``stitch``, ``emit``, ``facts``, ``checks``) testable alone. Contract with the
stages around it: in, ``budgetpdf.extract.ExtractedDocument``; out, a
``NormalizedDocument`` holding ``budgetpdf.contract`` records.

A failure while emitting or checking one logical table is confined to that table: it
keeps its ``tables`` row (and what was emitted before the failure is dropped), the
problem is named in ``warnings`` (the document becomes ``partial``), and every other
table still comes out.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace

from budgetpdf.contract import CellRecord, CheckResult, LineItem, PerformanceTarget, TableRecord
from budgetpdf.extract.models import ExtractedDocument

from . import emit, facts
from .checks import implicit_totals, run_checks
from .registry import Registry
from .rules import RuleSet, default_rule_set
from .stitch import LogicalTable, stitch_document

log = logging.getLogger("budgetpdf")


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
    warnings: tuple[str, ...] = ()  # per-table problems, named for documents.error

    @property
    def n_checks_failed(self) -> int:
        return sum(1 for c in self.checks if c.status == "failed")


def _pages(lt: LogicalTable) -> str:
    return f"page {lt.pages[0]}" if len(lt.pages) == 1 else f"pages {lt.pages[0]}-{lt.pages[-1]}"


def normalize_document(doc: ExtractedDocument, rules: RuleSet | Registry | None = None) -> NormalizedDocument:
    """Stitch, classify, emit records and run the identity checks of one extracted document.

    ``rules`` defaults to this process's rule set (``rules.default_rule_set``); a bare
    ``Registry`` is accepted for tests (with the default checks).
    """
    if rules is None or isinstance(rules, Registry):
        base = default_rule_set()
        rules = base if rules is None else replace(base, registry=rules)
    logical = stitch_document(doc.tables, rules.registry)
    warnings: list[str] = []
    tables: list[TableRecord] = []
    cells: list[CellRecord] = []
    items: list[LineItem] = []
    targets: list[PerformanceTarget] = []
    indents: dict[tuple[int, int, str | None], float] = {}
    numbering: dict[tuple[int, int, str | None], str] = {}
    for lt in logical:
        record = emit.table_record(doc.doc_id, lt)
        rejected: list[str] = []
        try:
            t_cells = emit.cell_records(doc.doc_id, lt)
            t_items = emit.line_items(doc.doc_id, lt, rejected, rules.registry)
            t_targets = emit.performance_targets(doc.doc_id, lt, rules.registry)
            t_indents = emit.label_indents(lt)
            t_numbers = emit.row_numbers(lt)
        except Exception as e:
            log.exception("%s: table %d: emitting records failed", doc.source_path, lt.table_id)
            warnings.append(f"table {lt.table_id} ({_pages(lt)}) not understood: internal error while emitting "
                            f"records ({type(e).__name__}: {e})")
            tables.append(record)
            continue
        if rejected:
            shown = ", ".join(rejected[:3]) + (f" and {len(rejected) - 3} more" if len(rejected) > 3 else "")
            warnings.append(f"table {lt.table_id} ({_pages(lt)}): figures beyond the contract's precision kept as "
                            f"text only: {shown}")
        tables.append(record)
        indents.update({(lt.table_id, r, sec): v for (r, sec), v in t_indents.items()})
        numbering.update({(lt.table_id, r, sec): v for (r, sec), v in t_numbers.items()})
        cells.extend(t_cells)
        items.extend(t_items)
        targets.extend(t_targets)
    implicit = implicit_totals(items, indents, numbering)
    if implicit:  # a total row printed without 合计 (全市, “三公”经费): the identities say it is one
        items = [replace(li, is_total=True) if (li.table_id, li.row_index, li.section) in implicit else li
                 for li in items]
    prose = "\n".join(line.text for page in doc.pages for line in page.lines)
    check_errors: dict[int | None, str] = {}
    checks = run_checks(doc.doc_id, tables, items, targets, prose, rules.checks, errors=check_errors, indents=indents,
                        numbering=numbering)
    for table_id, error in check_errors.items():
        where = "cross-table and prose checks" if table_id is None else f"table {table_id} ({_pages(logical[table_id])})"
        log.error("%s: %s: identity checks raised %s", doc.source_path, where, error)
        warnings.append(f"{where}: identity checks could not be evaluated (internal error: {error})")
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
        warnings=tuple(warnings),
    )


__all__ = ["NormalizedDocument", "normalize_document", "LogicalTable"]
