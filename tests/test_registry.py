"""The template registry classifies every title of the fixture and real corpora as expected."""

import json
from pathlib import Path

import pytest

from budgetpdf.normalize.registry import default_registry

ROOT = Path(__file__).resolve().parents[1]
REAL = json.loads((ROOT / "tests" / "data" / "real_corpus_expected.json").read_text("utf-8"))
REAL_TITLES = sorted({(t["title"], t["table_type"]) for doc in REAL.values() for t in doc["tables"]})


@pytest.mark.parametrize("title,table_type", REAL_TITLES)
def test_real_document_titles_classify(title, table_type):
    assert default_registry().classify_title(title) == table_type


def test_fixture_titles_classify():
    from fixtures.specs import all_docs

    for doc in all_docs():
        for t in doc.tables:
            assert default_registry().classify_title(t.title) == t.table_type, t.title


@pytest.mark.parametrize("path,role,measure", [
    (("收 入", "本年预算"), "amount", "current_year"),
    (("本级财政拨款", "其中：经费拨款"), "amount", "funding_appropriation"),
    (("年度预算申请", "资金总额"), "funds", "funds"),
    (("三公经费预（决）算数（财政拨款）", "其中：公务用车运行费"), "amount", "vehicle_operation"),
])
def test_column_roles_and_measures(path, role, measure):
    got = default_registry().column_role(path, "x")
    assert (got.role, got.measure) == (role, measure)
