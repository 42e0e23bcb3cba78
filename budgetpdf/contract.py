"""The output contract with dashboards (``../shared/SCHEMA.md``, version 2), in one place.

The six record classes *are* the contract: each field carries its Arrow type in its
annotation (``Annotated[python type, arrow type]``), and the Arrow schema of each
dataset is derived from the class (``SCHEMAS``), so a field cannot exist in one and not
the other. The normalize stage builds these records, the pipeline wraps them in a
``DocumentOutput``, and ``encode`` turns that into Arrow tables, rejecting any record
that does not fit (wrong class, a missing or unknown field, a number beyond the
contract's precision) with a ``ContractError`` naming the dataset, field and value.
The writer (``dataset.py``) only ever sees encoded tables.

Money is ``Decimal`` end to end: printed numbers are ``decimal128(24, 6)`` (万元 printed
to the 分 has six decimals, e.g. ``71,094.166056``), ``amount_yuan`` is
``decimal128(22, 2)``. A value with more than 6 decimals or more than 18 integer digits
does not fit; ``money_fits`` tells before a record is made.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Iterable, Mapping, Sequence

import pyarrow as pa

SCHEMA_VERSION = "2"
METADATA_KEY = b"budgetpdf.schema_version"

# ---------------------------------------------------------------- Arrow types of the contract

STRING = pa.string()
INT8, INT16, INT32 = pa.int8(), pa.int16(), pa.int32()
FLOAT32, FLOAT64 = pa.float32(), pa.float64()
BOOL = pa.bool_()
TIMESTAMP = pa.timestamp("us", tz="UTC")
NUMBER = pa.decimal128(24, 6)  # every printed number: amounts, funds, targets, check figures
YUAN = pa.decimal128(22, 2)  # amount converted to 元, to the 分
STRINGS = pa.list_(STRING)
INT32S = pa.list_(INT32)

NUMBER_SCALE = 6
NUMBER_INTEGER_DIGITS = 24 - 6
YUAN_INTEGER_DIGITS = 22 - 2

UNIT_TO_YUAN: dict[str, Decimal] = {"元": Decimal(1), "千元": Decimal(1000), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def money_fits(value: Decimal, unit: str | None = None) -> bool:
    """True when ``value`` fits ``decimal128(24, 6)`` exactly (and, with a known ``unit``,
    its 元 amount fits ``decimal128(22, 2)``). A figure that does not fit stays text."""
    if not value.is_finite():
        return False
    sign, digits, exp = value.as_tuple()
    assert isinstance(exp, int)
    if exp < -NUMBER_SCALE:
        # trailing zeros beyond the scale are harmless (1.5000000 = 1.5)
        stripped = value.normalize()
        if stripped.as_tuple().exponent < -NUMBER_SCALE:  # type: ignore[operator]
            return False
    integer_digits = max(len(digits) + exp, 0)
    if integer_digits > NUMBER_INTEGER_DIGITS:
        return False
    factor = UNIT_TO_YUAN.get(unit or "")
    if factor is not None:
        yuan = abs(value * factor)
        if yuan >= Decimal(10) ** YUAN_INTEGER_DIGITS:
            return False
    return True


def to_yuan(amount: Decimal, unit: str | None) -> Decimal | None:
    """``amount`` in ``unit`` (元/千元/万元/亿元) converted to 元, rounded to the 分; None for an unknown unit."""
    factor = UNIT_TO_YUAN.get(unit or "")
    if factor is None:
        return None
    return (amount * factor).quantize(Decimal("0.01"))


# ---------------------------------------------------------------- records (SCHEMA.md, one class per dataset)

Str = Annotated[str, STRING]
OptStr = Annotated[str | None, STRING]
Int32 = Annotated[int, INT32]
OptInt32 = Annotated[int | None, INT32]
Bool = Annotated[bool, BOOL]
Number = Annotated[Decimal | None, NUMBER]


@dataclass(frozen=True)
class DocumentRecord:
    """``documents``: one row per input file, failed files included."""

    doc_id: OptStr  # sha256 of the file bytes; None only if the file could not be read
    source_path: Str
    department: OptStr
    fiscal_year: Annotated[int | None, INT16]
    doc_kind: Str  # budget / final_accounts / execution / unknown
    page_count: OptInt32
    status: Str  # ok / partial / failed
    error: OptStr
    n_tables: Int32
    n_checks_failed: Int32
    pipeline_version: Str  # the run fingerprint (budgetpdf.fingerprint)
    extracted_at: Annotated[datetime, TIMESTAMP]
    extract_seconds: Annotated[float | None, FLOAT64] = None  # wall time of extract + normalize + checks (added column)


@dataclass(frozen=True)
class TableRecord:
    """``tables``: one row per logical (stitched) table."""

    doc_id: Str
    table_id: Int32
    table_type: Str
    title: OptStr
    unit_label: OptStr
    page_start: Int32
    page_end: Int32
    n_rows: Int32
    n_cols: Int32
    header: Annotated[tuple[str, ...], STRINGS]
    is_empty: Bool
    n_checks_run: Int32 = 0
    n_checks_failed: Int32 = 0
    stitch_evidence: Annotated[tuple[str, ...], STRINGS] = ()
    text_source: Str = "pdf"  # pdf / ocr (SCHEMA.md "Versions": added column)
    type_rule: OptStr = None  # which registry rule typed the table (title / header signature)


@dataclass(frozen=True)
class CellRecord:
    """``cells``: every header and body cell of every logical table (coordinates in pt, top-left origin)."""

    doc_id: Str
    table_id: Int32
    row_index: Int32
    col_index: Int32
    row_span: Annotated[int, INT16]
    col_span: Annotated[int, INT16]
    is_header: Bool
    text: OptStr
    page: Int32
    x0: Annotated[float | None, FLOAT32] = None
    top: Annotated[float | None, FLOAT32] = None
    x1: Annotated[float | None, FLOAT32] = None
    bottom: Annotated[float | None, FLOAT32] = None
    confidence: Annotated[float | None, FLOAT32] = None  # OCR confidence 0-1; None for PDF text


@dataclass(frozen=True)
class LineItem:
    """``line_items``: one row per non-blank amount cell of a money table."""

    doc_id: Str
    table_id: Int32
    table_type: Str
    row_index: Int32
    section: OptStr
    code: OptStr
    code_scheme: OptStr
    code_level: Annotated[int | None, INT8]
    item: Str
    is_total: Bool
    column_label: Str
    measure: OptStr
    amount: Annotated[Decimal, NUMBER]  # in ``unit``, sign kept
    unit: OptStr
    amount_yuan: Annotated[Decimal | None, YUAN]
    page: Int32
    budget_unit: OptStr = None  # the budget unit (本级 / 下属单位) of a table grouped by unit (added column)


@dataclass(frozen=True)
class PerformanceTarget:
    """``performance_targets``: one row per indicator (三级指标) of a performance-target table."""

    doc_id: Str
    table_id: Int32
    table_type: Str
    unit_code: OptStr
    unit_name: OptStr
    project_name: OptStr
    funds: Number  # in the table's unit
    goal: OptStr
    level1: OptStr
    level2: OptStr
    level3: OptStr
    target_raw: OptStr
    comparator: OptStr
    target_value: Number
    target_low: Number
    target_high: Number
    target_unit: OptStr
    target_content: OptStr
    scoring_rule: OptStr
    weight: Annotated[float | None, FLOAT64]
    page_start: Int32
    page_end: Int32


@dataclass(frozen=True)
class CheckResult:
    """``checks``: one row per accounting identity evaluated (or that could not be)."""

    doc_id: Str
    check_id: Str
    table_id: OptInt32
    table_type: Str
    subject: Str
    expected: Number  # as printed
    actual: Number  # computed from the parts
    tolerance: Number
    status: Str  # passed / failed / not_run
    passed: Annotated[bool | None, BOOL]
    pages: Annotated[tuple[int, ...], INT32S] = field(default=())


RECORD_CLASSES: dict[str, type] = {
    "documents": DocumentRecord,
    "tables": TableRecord,
    "cells": CellRecord,
    "line_items": LineItem,
    "performance_targets": PerformanceTarget,
    "checks": CheckResult,
}
DATASETS = tuple(RECORD_CLASSES)
RECORD_DATASETS = DATASETS[1:]


class ContractError(ValueError):
    """A record does not fit the contract; the message names the dataset, field and value."""


@cache
def arrow_fields(cls: type) -> tuple[tuple[str, pa.DataType], ...]:
    """(field name, Arrow type) of a record class, from its annotations, in field order."""
    hints = typing.get_type_hints(cls, globalns=globals(), include_extras=True)
    out = []
    for f in fields(cls):
        hint = hints[f.name]
        meta = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, pa.DataType)]
        if len(meta) != 1:
            raise TypeError(f"{cls.__name__}.{f.name} has no Arrow type in its annotation")
        out.append((f.name, meta[0]))
    return tuple(out)


def arrow_schema(cls: type) -> pa.Schema:
    """The Arrow schema of a record class (every column nullable), with the contract version."""
    return pa.schema(list(arrow_fields(cls)), metadata={METADATA_KEY: SCHEMA_VERSION.encode()})


SCHEMAS: dict[str, pa.Schema] = {name: arrow_schema(cls) for name, cls in RECORD_CLASSES.items()}
METADATA = {METADATA_KEY: SCHEMA_VERSION.encode()}


def _column(dataset: str, name: str, typ: pa.DataType, values: list) -> pa.Array:
    if pa.types.is_decimal(typ):
        for v in values:
            if v is None:
                continue
            if not isinstance(v, Decimal):
                raise ContractError(f"{dataset}.{name}: {v!r} is a {type(v).__name__}, not a Decimal (money never passes through float)")
            limit = typ.precision - typ.scale
            if not v.is_finite() or (v.normalize().as_tuple().exponent < -typ.scale) or \
                    max(len(v.as_tuple().digits) + v.as_tuple().exponent, 0) > limit:  # type: ignore[operator]
                raise ContractError(f"{dataset}.{name}: {v} does not fit decimal128({typ.precision},{typ.scale})")
    elif typ in (STRINGS, INT32S):
        values = [list(v) if v is not None else None for v in values]
    try:
        return pa.array(values, type=typ)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError) as e:
        bad = next((v for v in values if v is not None), None)
        raise ContractError(f"{dataset}.{name}: cannot store {bad!r}… as {typ} ({e})") from None


def _values(dataset: str, cls: type, record: object, names: Sequence[str]) -> list:
    if isinstance(record, cls):
        return [getattr(record, n) for n in names]
    if isinstance(record, Mapping):
        missing = [n for n in names if n not in record]
        unknown = [k for k in record if k not in names]
        if missing or unknown:
            raise ContractError(f"{dataset}: record " + "; ".join(
                ([f"missing field(s) {', '.join(missing)}"] if missing else []) +
                ([f"unknown field(s) {', '.join(map(str, unknown))}"] if unknown else [])))
        return [record[n] for n in names]
    kind = type(record).__name__ if is_dataclass(record) else repr(type(record))
    raise ContractError(f"{dataset}: expected a {cls.__name__}, got {kind}")


def to_arrow(dataset: str, records: Iterable[object]) -> pa.Table:
    """Records of one dataset (its record class, or mappings with exactly its fields) as
    an Arrow table with the contract schema. Raises ``ContractError``."""
    cls = RECORD_CLASSES[dataset]
    spec = arrow_fields(cls)
    names = [n for n, _ in spec]
    rows = [_values(dataset, cls, r, names) for r in records]
    columns = [_column(dataset, n, t, [row[i] for row in rows]) for i, (n, t) in enumerate(spec)]
    return pa.Table.from_arrays(columns, schema=SCHEMAS[dataset])


@dataclass(frozen=True)
class DocumentOutput:
    """Everything one input file contributes to the dataset, as records."""

    document: DocumentRecord
    tables: Sequence[TableRecord] = ()
    cells: Sequence[CellRecord] = ()
    line_items: Sequence[LineItem] = ()
    performance_targets: Sequence[PerformanceTarget] = ()
    checks: Sequence[CheckResult] = ()


@dataclass(frozen=True)
class EncodedDocument:
    """One file's contribution as Arrow tables: what a worker sends and the writer stores.

    ``records`` maps each of ``RECORD_DATASETS`` to its table (possibly empty).
    """

    document: DocumentRecord
    records: Mapping[str, pa.Table]

    def count(self, dataset: str) -> int:
        return self.records[dataset].num_rows if dataset in self.records else 0

    def column(self, dataset: str, name: str) -> list:
        return self.records[dataset].column(name).to_pylist() if dataset in self.records else []


def encode(out: DocumentOutput) -> EncodedDocument:
    """Check and convert every record of ``out``; raises ``ContractError`` (the caller turns
    it into the document's failed row)."""
    to_arrow("documents", [out.document])
    return EncodedDocument(out.document, {name: to_arrow(name, getattr(out, name)) for name in RECORD_DATASETS})


__all__ = [
    "CellRecord", "CheckResult", "ContractError", "DATASETS", "DocumentOutput", "DocumentRecord", "EncodedDocument", "METADATA",
    "LineItem", "PerformanceTarget", "RECORD_CLASSES", "RECORD_DATASETS", "SCHEMAS", "SCHEMA_VERSION", "TableRecord",
    "UNIT_TO_YUAN", "arrow_schema", "encode", "money_fits", "to_arrow", "to_yuan",
]
