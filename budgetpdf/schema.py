"""Arrow schemas of the six datasets (SCHEMA.md, contract version 1)."""

from __future__ import annotations

import pyarrow as pa

from budgetpdf.normalize.records import SCHEMA_VERSION

STR = pa.string()
DEC20 = pa.decimal128(20, 4)
DEC22_2 = pa.decimal128(22, 2)
DEC22_4 = pa.decimal128(22, 4)

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", STR), ("source_path", STR), ("department", STR), ("fiscal_year", pa.int16()),
        ("doc_kind", STR), ("page_count", pa.int32()), ("status", STR), ("error", STR),
        ("n_tables", pa.int32()), ("n_checks_failed", pa.int32()), ("pipeline_version", STR),
        ("extracted_at", pa.timestamp("us", tz="UTC")),
    ]),
    "tables": pa.schema([
        ("doc_id", STR), ("table_id", pa.int32()), ("table_type", STR), ("title", STR), ("unit_label", STR),
        ("page_start", pa.int32()), ("page_end", pa.int32()), ("n_rows", pa.int32()), ("n_cols", pa.int32()),
        ("header", pa.list_(STR)), ("is_empty", pa.bool_()), ("n_checks_run", pa.int32()),
        ("n_checks_failed", pa.int32()), ("stitch_evidence", pa.list_(STR)),
    ]),
    "cells": pa.schema([
        ("doc_id", STR), ("table_id", pa.int32()), ("row_index", pa.int32()), ("col_index", pa.int32()),
        ("row_span", pa.int16()), ("col_span", pa.int16()), ("is_header", pa.bool_()), ("text", STR),
        ("page", pa.int32()), ("x0", pa.float32()), ("top", pa.float32()), ("x1", pa.float32()), ("bottom", pa.float32()),
    ]),
    "line_items": pa.schema([
        ("doc_id", STR), ("table_id", pa.int32()), ("table_type", STR), ("row_index", pa.int32()), ("section", STR),
        ("code", STR), ("code_scheme", STR), ("code_level", pa.int8()), ("item", STR), ("is_total", pa.bool_()),
        ("column_label", STR), ("measure", STR), ("amount", DEC20), ("unit", STR), ("amount_yuan", DEC22_2),
        ("page", pa.int32()),
    ]),
    "performance_targets": pa.schema([
        ("doc_id", STR), ("table_id", pa.int32()), ("table_type", STR), ("unit_code", STR), ("unit_name", STR),
        ("project_name", STR), ("funds", DEC20), ("goal", STR), ("level1", STR), ("level2", STR), ("level3", STR),
        ("target_raw", STR), ("comparator", STR), ("target_value", DEC20), ("target_low", DEC20),
        ("target_high", DEC20), ("target_unit", STR), ("target_content", STR), ("scoring_rule", STR),
        ("weight", pa.float64()), ("page_start", pa.int32()), ("page_end", pa.int32()),
    ]),
    "checks": pa.schema([
        ("doc_id", STR), ("check_id", STR), ("table_id", pa.int32()), ("table_type", STR), ("subject", STR),
        ("expected", DEC22_4), ("actual", DEC22_4), ("tolerance", DEC22_4), ("status", STR), ("passed", pa.bool_()),
        ("pages", pa.list_(pa.int32())),
    ]),
}

DATASETS = tuple(SCHEMAS)
METADATA = {b"budgetpdf.schema_version": SCHEMA_VERSION.encode()}


def with_metadata(schema: pa.Schema, extra: dict[bytes, bytes] | None = None) -> pa.Schema:
    return schema.with_metadata({**METADATA, **(extra or {})})
