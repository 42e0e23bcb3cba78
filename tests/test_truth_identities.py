"""The fixture truth itself passes every accounting identity (the generator is consistent).

The identities are evaluated by normalize/checks.py over the truth records exactly as
they are over extracted ones, so this also shows the rules hold on well-formed budgets;
each fixture must exercise the cross-table and prose checks, not only per-table ones.
"""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from budgetpdf.normalize.checks import run_checks
from budgetpdf.normalize.records import LineItem, PerformanceTarget, TableRecord

ROOT = Path(__file__).resolve().parents[1]
TRUTHS = sorted((ROOT / "fixtures" / "docs").glob("*.truth.json"))


def dec(v):
    return None if v is None else Decimal(str(v))


def records(truth: dict):
    doc_id = truth["documents"][0]["doc_id"]
    tables = [TableRecord(doc_id, t["table_id"], t["table_type"], t["title"], t["unit_label"], t["page_start"],
                          t["page_end"], t["n_rows"], t["n_cols"], tuple(t["header"]), t["is_empty"]) for t in truth["tables"]]
    items = [LineItem(**{**li, "doc_id": doc_id, "amount": dec(li["amount"]), "amount_yuan": dec(li["amount_yuan"])})
             for li in ({k: v for k, v in li.items() if k in LineItem.__dataclass_fields__} for li in truth["line_items"])]
    targets = [PerformanceTarget(**{**t, "doc_id": doc_id, **{k: dec(t[k]) for k in ("funds", "target_value", "target_low",
                                                                                     "target_high")}})
               for t in ({k: v for k, v in t.items() if k in PerformanceTarget.__dataclass_fields__}
                         for t in truth["performance_targets"])]
    return doc_id, tables, items, targets


def prose_of(key: str) -> str:
    from fixtures.specs import all_docs

    return "\n".join(next(d for d in all_docs() if d.key == key).prose)


@pytest.mark.parametrize("path", TRUTHS, ids=[p.name.removesuffix(".truth.json") for p in TRUTHS])
def test_truth_passes_every_identity(path):
    truth = json.loads(path.read_text("utf-8"))
    doc_id, tables, items, targets = records(truth)
    results = run_checks(doc_id, tables, items, targets, prose_of(path.name.removesuffix(".truth.json")))
    failed = [(r.check_id, r.subject, r.expected, r.actual) for r in results if r.status == "failed"]
    assert not failed
    passed = Counter(r.check_id.split(".")[0] for r in results if r.status == "passed")
    assert passed["cross_table"] >= 4, passed
    assert passed["prose"] >= 4, passed
    not_run = [r for r in results if r.status == "not_run"]
    assert all(r.table_type != "cross_table" or "government_fund" in r.subject or "no figure" in r.subject
               for r in not_run)
    # every non-empty money table was checked
    checked = {r.table_id for r in results if r.status == "passed"}
    for t in tables:
        if not t.is_empty and t.table_type != "other":
            assert t.table_id in checked, t.title
