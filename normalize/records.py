"""The record kinds of the output contract (SCHEMA.md), one frozen dataclass each.

These are what the normalize stage emits and the writer stores; the identity checks
read only these, so anyone can re-run the checks from a published dataset.
Money is ``Decimal`` throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

SCHEMA_VERSION = "1"

UNIT_TO_YUAN: dict[str, Decimal] = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def to_yuan(amount: Decimal, unit: str | None) -> Decimal | None:
    """``amount`` in ``unit`` converted to 元, rounded to 分 (None for an unknown unit)."""
    factor = UNIT_TO_YUAN.get(unit or "")
    if factor is None:
        return None
    return (amount * factor).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str | None
    source_path: str
    department: str | None
    fiscal_year: int | None
    doc_kind: str
    page_count: int | None
    status: str  # ok / partial / failed
    error: str | None
    n_tables: int
    n_checks_failed: int
    pipeline_version: str
    extracted_at: datetime


@dataclass(frozen=True)
class TableRecord:
    doc_id: str
    table_id: int
    table_type: str
    title: str | None
    unit_label: str | None
    page_start: int
    page_end: int
    n_rows: int
    n_cols: int
    header: tuple[str, ...]
    is_empty: bool
    n_checks_run: int = 0
    n_checks_failed: int = 0
    stitch_evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class CellRecord:
    doc_id: str
    table_id: int
    row_index: int
    col_index: int
    row_span: int
    col_span: int
    is_header: bool
    text: str | None
    page: int
    x0: float | None = None
    top: float | None = None
    x1: float | None = None
    bottom: float | None = None


@dataclass(frozen=True)
class LineItem:
    doc_id: str
    table_id: int
    table_type: str
    row_index: int
    section: str | None
    code: str | None
    code_scheme: str | None
    code_level: int | None
    item: str
    is_total: bool
    column_label: str
    measure: str | None
    amount: Decimal
    unit: str | None
    amount_yuan: Decimal | None
    page: int


@dataclass(frozen=True)
class PerformanceTarget:
    doc_id: str
    table_id: int
    table_type: str
    unit_code: str | None
    unit_name: str | None
    project_name: str | None
    funds: Decimal | None
    goal: str | None
    level1: str | None
    level2: str | None
    level3: str | None
    target_raw: str | None
    comparator: str | None
    target_value: Decimal | None
    target_low: Decimal | None
    target_high: Decimal | None
    target_unit: str | None
    target_content: str | None
    scoring_rule: str | None
    weight: float | None
    page_start: int
    page_end: int


@dataclass(frozen=True)
class CheckResult:
    doc_id: str
    check_id: str
    table_id: int | None
    table_type: str
    subject: str
    expected: Decimal | None
    actual: Decimal | None
    tolerance: Decimal | None
    status: str  # passed / failed / not_run
    passed: bool | None
    pages: tuple[int, ...] = field(default=())
