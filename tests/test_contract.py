"""One home for the output contract: record classes, their Arrow types, and the writer's checks.

The columns and types are checked against ../shared/SCHEMA.md itself (parsed here), so a
renamed field or a field without a type fails even though the schema is derived from
the record classes.
"""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from budgetpdf.contract import (
    DATASETS,
    RECORD_CLASSES,
    SCHEMAS,
    ContractError,
    DocumentOutput,
    LineItem,
    arrow_fields,
    encode,
    money_fits,
    to_arrow,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_MD = ROOT.parent / "shared" / "SCHEMA.md"

TYPE_NAMES = {"string": pa.string(), "int8": pa.int8(), "int16": pa.int16(), "int32": pa.int32(),
              "float32": pa.float32(), "float64": pa.float64(), "bool": pa.bool_(),
              "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"), "list<string>": pa.list_(pa.string()),
              "list<int32>": pa.list_(pa.int32())}


def schema_md_columns() -> dict[str, dict[str, str]]:
    """{dataset: {column: type as written}} from SCHEMA.md's tables (blank type: given later)."""
    if not SCHEMA_MD.is_file():
        pytest.skip("../shared/SCHEMA.md not present (run beside the shared folder)")
    out: dict[str, dict[str, str]] = {}
    current = None
    for line in SCHEMA_MD.read_text("utf-8").splitlines():
        m = re.match(r"^## (\w+)$", line)
        if m:
            current = m.group(1) if m.group(1) in DATASETS else None
            continue
        if current and line.startswith("| ") and not line.startswith(("| column", "|---")):
            cells = [c.strip() for c in line.strip("|").split("|")]
            names = [n.strip() for n in cells[0].split(",")]
            types = [t.strip() for t in re.split(r",(?![^()]*\))", cells[1])] if cells[1] else [""] * len(names)
            if len(types) == 1 and len(names) > 1:
                types = types * len(names)
            for n, t in zip(names, types + [""] * len(names)):
                out.setdefault(current, {})[n] = t
    return out


def test_every_contract_column_is_a_record_field_with_its_type():
    """SCHEMA.md is the contract: each column there is a field of the record class, with that Arrow type."""
    for dataset, columns in schema_md_columns().items():
        fields = dict(arrow_fields(RECORD_CLASSES[dataset]))
        for name, typ in columns.items():
            assert name in fields, f"{dataset}.{name} is in SCHEMA.md but not a field of {RECORD_CLASSES[dataset].__name__}"
            if typ in TYPE_NAMES:
                assert fields[name] == TYPE_NAMES[typ], (dataset, name, fields[name], typ)
            elif typ.startswith("decimal128"):
                p, s = map(int, re.findall(r"\d+", typ)[1:3])
                assert fields[name] == pa.decimal128(p, s), (dataset, name, fields[name], typ)


def test_schema_is_derived_from_the_record_classes():
    for dataset, cls in RECORD_CLASSES.items():
        assert SCHEMAS[dataset].names == [f.name for f in dataclasses.fields(cls)]
        assert SCHEMAS[dataset].metadata[b"budgetpdf.schema_version"] == b"2"


def test_a_field_without_an_arrow_type_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Broken:
        doc_id: str  # no Annotated[..., arrow type]

    with pytest.raises(TypeError, match="Broken.doc_id has no Arrow type"):
        arrow_fields(Broken)


def _item(**kw) -> LineItem:
    base = dict(doc_id="d", table_id=0, table_type="expenditure_summary", row_index=2, section=None, code="201",
                code_scheme="function", code_level=1, item="一般公共服务支出", is_total=False, column_label="合计",
                measure="total", amount=Decimal("71094.166056"), unit="万元", amount_yuan=Decimal("710941660.56"), page=1)
    return LineItem(**{**base, **kw})


def test_six_decimal_amounts_are_stored_exactly():
    t = to_arrow("line_items", [_item()])
    assert t.column("amount").to_pylist() == [Decimal("71094.166056")]


@pytest.mark.parametrize("bad, match", [
    (dict(amount=Decimal("1.1234567")), r"line_items\.amount: 1\.1234567 does not fit decimal128\(24,6\)"),
    (dict(amount=Decimal("412413414417421423428")), r"line_items\.amount: .* does not fit"),
    (dict(amount=1.5), r"line_items\.amount: 1\.5 is a float, not a Decimal"),
])
def test_a_value_beyond_the_contract_is_refused_with_the_field_named(bad, match):
    with pytest.raises(ContractError, match=match):
        to_arrow("line_items", [_item(**bad)])


def test_a_mapping_with_a_missing_or_unknown_field_is_refused_by_name():
    row = dataclasses.asdict(_item())
    row.pop("page")
    row["pages"] = 1
    with pytest.raises(ContractError, match=r"missing field\(s\) page; unknown field\(s\) pages"):
        to_arrow("line_items", [row])


def test_a_record_of_another_kind_is_refused():
    with pytest.raises(ContractError, match="expected a CheckResult, got LineItem"):
        to_arrow("checks", [_item()])


def test_money_fits_knows_the_limits():
    assert money_fits(Decimal("71094.166056"), "万元")
    assert money_fits(Decimal("1.5000000"))  # trailing zeros are no precision
    assert not money_fits(Decimal("618.9464812"))
    assert not money_fits(Decimal("412413414417421423428"))
    assert not money_fits(Decimal("99999999999999999"), "亿元")  # its 元 amount overflows decimal128(22,2)


def test_encode_refuses_a_document_whose_record_does_not_fit():
    from budgetpdf.pipeline import encode_or_fail, process_failed

    doc = process_failed("x.pdf", "placeholder").document
    out = DocumentOutput(dataclasses.replace(doc, status="ok", error=None), line_items=[_item(amount=Decimal("1e-9"))])
    with pytest.raises(ContractError):
        encode(out)
    enc = encode_or_fail(out)
    assert enc.document.status == "failed"
    assert "line_items.amount" in enc.document.error and enc.count("line_items") == 0
