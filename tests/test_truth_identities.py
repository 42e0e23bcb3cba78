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
from budgetpdf.contract import LineItem, PerformanceTarget, TableRecord

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
    if len(tables) >= 8:  # a whole 部门预算 (the Excel-print fixtures keep only tables 1, 3, 9, 10)
        assert passed["cross_table"] >= 4, passed
        assert passed["prose"] >= 4, passed
    else:
        assert passed["cross_table"] >= 1, passed
    not_run = [r for r in results if r.status == "not_run"]
    assert all(r.table_type != "cross_table" or "government_fund" in r.subject or "no figure" in r.subject
               for r in not_run)
    # every non-empty money table was checked
    checked = {r.table_id for r in results if r.status == "passed"}
    for t in tables:
        if not t.is_empty and t.table_type != "other":
            assert t.table_id in checked, t.title


def _mutated(truth: dict, match, new_amount: str):
    """The truth with one line item's printed amount changed (a misread figure)."""
    items = []
    hit = 0
    for li in truth["line_items"]:
        if match(li):
            li = {**li, "amount": new_amount}
            hit += 1
        items.append(li)
    assert hit == 1, f"{hit} line items matched"
    return {**truth, "line_items": items}


CHANGSHA = ROOT / "fixtures" / "docs" / "changsha-miit-2023-budget.truth.json"


@pytest.mark.parametrize("match,new,check_id,expected,actual", [
    # 行政运行 基本支出 in 部门支出总表 misread 2,528.61 → 2,582.61: its 款 21505 no longer adds up
    (lambda li: li["table_type"] == "expenditure_summary" and li["code"] == "2150501" and li["measure"] == "basic",
     "2582.61", "expenditure_summary.parent_code_eq_sum_of_children", "7095.92", "7149.92"),
    # 30101 基本工资 misread 895.57 → 859.57: 301 工资福利支出 = Σ 301xx fails with 4,821.85 printed
    (lambda li: li["table_type"] == "general_budget_basic_expenditure" and li["code"] == "30101" and li["measure"] == "total",
     "859.57", "general_budget_basic_expenditure.parent_code_eq_sum_of_children", "4821.85", "4785.85"),
    # 项目支出绩效目标表: project 派驻纪检监察组办公经费 3.00 misread as 8.00: unit 501001 ≠ Σ projects
    (lambda li: li["table_type"] == "project_performance_targets" and li["item"] == "派驻纪检监察组办公经费",
     "8.00", "project_performance_targets.unit_eq_sum_of_projects", "312.58", "317.58"),
])
def test_a_misread_figure_fails_the_right_check_with_the_printed_expected(match, new, check_id, expected, actual):
    truth = _mutated(json.loads(CHANGSHA.read_text("utf-8")), match, new)
    doc_id, tables, items, targets = records(truth)
    results = run_checks(doc_id, tables, items, targets, prose_of("changsha-miit-2023-budget"))
    failed = [r for r in results if r.status == "failed" and r.check_id == check_id]
    assert [(r.expected, r.actual) for r in failed][:1] == [(Decimal(expected), Decimal(actual))], \
        [(r.check_id, r.subject, r.expected, r.actual) for r in results if r.status == "failed"]


NANXI = ROOT / "fixtures" / "docs" / "nanxi-health-2026-budget.truth.json"


def _basic_item(li, row_index):
    return li["table_type"] == "general_budget_basic_expenditure" and li["row_index"] == row_index \
        and li["column_label"] == "合计"


@pytest.mark.parametrize("row_index,new,check_id,subject,expected,actual", [
    # 南溪市人民医院's unit row 1,729.38 misread 1,792.38: that unit's 类 no longer add up to it
    (12, "1792.38", "general_budget_basic_expenditure.unit_eq_sum_of_top_codes", "南溪市人民医院 / 合计",
     "1792.38", "1729.38"),
    # its 30101 基本工资 421.23 misread 412.23: 301 fails within the unit, and only there
    (14, "412.23", "general_budget_basic_expenditure.parent_code_eq_sum_of_children", "301 工资福利支出 / 合计",
     "1624.31", "1615.31"),
])
def test_a_misread_figure_in_a_table_grouped_by_unit_fails_within_its_unit(row_index, new, check_id, subject,
                                                                             expected, actual):
    truth = _mutated(json.loads(NANXI.read_text("utf-8")), lambda li: _basic_item(li, row_index), new)
    doc_id, tables, items, targets = records(truth)
    results = run_checks(doc_id, tables, items, targets, prose_of("nanxi-health-2026-budget"))
    failed = [(r.check_id, r.subject, r.expected, r.actual) for r in results if r.status == "failed"]
    # (the row's own 合计 = 人员经费 + 公用经费 fails too)
    assert [f for f in failed if f[0] == check_id] == [(check_id, subject, Decimal(expected), Decimal(actual))]
    assert {f[0] for f in failed} <= {check_id, "general_budget_basic_expenditure.total_eq_personnel_plus_public_funds"}


def test_without_budget_units_the_repeated_codes_of_a_grouped_table_are_not_checked():
    """The same codes recur in every unit: read across units, parents would add up the
    children of all units; without budget_unit those checks are not_run, never failed."""
    truth = json.loads(NANXI.read_text("utf-8"))
    truth["line_items"] = [{**li, "budget_unit": None} for li in truth["line_items"]]
    doc_id, tables, items, targets = records(truth)
    results = run_checks(doc_id, tables, items, targets, prose_of("nanxi-health-2026-budget"))
    assert not [r for r in results if r.status == "failed"]
    assert any(r.status == "not_run" and r.check_id == "expenditure_summary.parent_code_eq_sum_of_children"
               for r in results)
