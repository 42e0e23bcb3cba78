"""``budgetpdf validate``: a good dataset passes; each kind of damage is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from budgetpdf.batch import run_batch
from budgetpdf.cli import main
from budgetpdf.validate import validate_dataset

ROOT = Path(__file__).resolve().parents[1]
GOOD = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    out = tmp_path_factory.mktemp("good")
    run_batch([GOOD, ROOT / "fixtures" / "bad" / "empty.pdf"], out, jobs=2)
    return out


@pytest.fixture()
def broken(good, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(good, out)
    return out


def part(out: Path, name: str) -> Path:
    return max((out / name).glob("part-*.parquet"), key=lambda f: f.stat().st_size)


def test_good_dataset_is_clean(good):
    assert validate_dataset(good) == []
    res = CliRunner().invoke(main, ["validate", str(good)])
    assert res.exit_code == 0 and "no problems" in res.output


def test_missing_dataset(broken):
    shutil.rmtree(broken / "checks")
    assert any(p.startswith("checks: missing") for p in validate_dataset(broken))
    res = CliRunner().invoke(main, ["validate", str(broken)])
    assert res.exit_code == 1 and "checks: missing" in res.output


def test_wrong_type_and_missing_column(broken):
    f = part(broken, "line_items")
    t = pq.read_table(f)
    t = t.set_column(t.schema.get_field_index("amount"), "amount", pc.cast(t["amount"], pa.float64()))
    pq.write_table(t.drop(["measure"]).replace_schema_metadata(None), f)
    problems = validate_dataset(broken)
    assert any("column amount is double, contract says decimal128(24, 6)" in p for p in problems)
    assert any("missing column measure" in p for p in problems)
    assert any("metadata budgetpdf.schema_version" in p for p in problems)


def test_duplicate_document_records(broken):
    f = part(broken, "tables")
    shutil.copy(f, f.with_name("part-copy.parquet"))  # the same document stored twice
    shutil.copy(part(broken, "cells"), broken / "cells" / "part-copy.parquet")
    problems = validate_dataset(broken)
    assert any(p.startswith("tables: duplicate doc_id, table_id") for p in problems)
    assert any(p.startswith("cells: duplicate doc_id, table_id, row_index, col_index") for p in problems)
    assert any("n_tables differs" in p for p in problems)


def test_duplicate_source_path(broken):
    f = part(broken, "documents")
    shutil.copy(f, f.with_name("part-copy.parquet"))
    assert any(p.startswith("documents: duplicate source_path") for p in validate_dataset(broken))


def test_referential_integrity(broken):
    docs = pq.read_table(part(broken, "documents"))
    doc_id = next(d for d in pq.read_table(part(broken, "tables"))["doc_id"].to_pylist())
    for f in (broken / "documents").glob("*.parquet"):  # the document row is gone, its records stay
        if doc_id in pq.read_table(f)["doc_id"].to_pylist():
            f.unlink()
    t = pq.read_table(part(broken, "tables"))
    pq.write_table(t.filter(pc.not_equal(t["table_id"], 0)), part(broken, "tables"))  # table 0 is gone
    problems = validate_dataset(broken)
    assert any(p.startswith("tables: doc_id not in documents") for p in problems)
    assert any(p.startswith("cells: (doc_id, table_id) not in tables") for p in problems)
    assert any(p.startswith("line_items: (doc_id, table_id) not in tables") for p in problems)
    assert docs.num_rows == 1


def test_bad_values(broken):
    f = part(broken, "documents")
    t = pq.read_table(f)
    t = t.set_column(t.schema.get_field_index("status"), t.schema.field("status"), pa.array(["done"] * t.num_rows))
    pq.write_table(t, f)
    assert any("status not ok/partial/failed" in p for p in validate_dataset(broken))


@pytest.mark.parametrize("name, says", [
    ("cells", "with no cells (a cells part lost?"),
    ("checks", "n_checks_run/n_checks_failed differ from the rows in checks"),
])
def test_records_lost_from_a_part_are_named(broken, name, says):
    """A document's cells or checks gone (its part emptied) while its tables row stays: the
    tables row says they exist, so validate names the table (a re-run would skip the document)."""
    f = part(broken, name)
    t = pq.read_table(f)
    pq.write_table(t.slice(0, 0), f)
    problems = validate_dataset(broken)
    assert any(says in p for p in problems), problems
