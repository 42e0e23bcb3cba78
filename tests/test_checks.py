"""Identity checks on figures typed in from the seed (shared/seed/changsha-miit-2023-budget.txt)."""

from decimal import Decimal

from budgetpdf.normalize.checks import run_checks
from budgetpdf.contract import LineItem, TableRecord

D = Decimal

# 部门支出总体情况表 of the seed: (code, item, 总计, 基本支出, 项目支出)
SEED_EXPENDITURE = [
    (None, "合计", "9266.22", "7095.92", "2170.30"),
    ("215", "资源勘探工业信息等支出", "9266.22", "7095.92", "2170.30"),
    ("21505", "工业和信息产业监管", "9266.22", "7095.92", "2170.30"),
    ("2150501", "行政运行", "2528.61", "2528.61", None),
    ("2150502", "一般行政管理事务", "312.58", None, "312.58"),
    ("2150517", "产业发展", "349.05", None, "349.05"),
    ("2150550", "事业运行", "4567.31", "4567.31", None),
    ("2150599", "其他工业和信息产业监管支出", "1508.67", None, "1508.67"),
]
MEASURES = [("总计", "total"), ("基本支出", "basic"), ("项目支出", "project")]


def expenditure_items(rows=SEED_EXPENDITURE, table_id=0):
    items = []
    for i, (code, item, *amounts) in enumerate(rows):
        for (label, measure), amount in zip(MEASURES, amounts):
            if amount is None:
                continue
            items.append(LineItem("d", table_id, "expenditure_summary", 3 + i, None, code,
                                  "function" if code else None, {3: 1, 5: 2, 7: 3}.get(len(code or "")),
                                  item, item == "合计", label, measure, D(amount), "万元", D(amount) * 10000, 2))
    return items


def table(table_type="expenditure_summary", table_id=0, is_empty=False):
    return TableRecord("d", table_id, table_type, "t", "万元", 2, 2, 8, 7, (), is_empty)


def test_seed_expenditure_summary_adds_up():
    results = run_checks("d", [table()], expenditure_items())
    assert results, "no checks ran"
    failed = [r for r in results if r.status != "passed"]
    assert not [r for r in failed if not r.check_id.startswith("cross_table")], failed
    ids = {r.check_id for r in results if r.status == "passed"}
    assert "expenditure_summary.total_eq_sum_of_top_codes" in ids
    assert "expenditure_summary.parent_code_eq_sum_of_children" in ids
    assert "expenditure_summary.total_eq_basic_plus_project" in ids


def test_misread_project_amount_fails_the_right_check_with_the_printed_figure():
    rows = list(SEED_EXPENDITURE)
    rows[4] = ("2150502", "一般行政管理事务", "312.58", None, "31.58")  # a dropped digit
    results = run_checks("d", [table()], expenditure_items(rows))
    failed = {(r.check_id, r.subject): r for r in results if r.status == "failed"}
    parent = failed[("expenditure_summary.parent_code_eq_sum_of_children", "21505 工业和信息产业监管 / 项目支出")]
    assert parent.expected == D("2170.30") and parent.actual == D("1889.30")
    row = failed[("expenditure_summary.total_eq_basic_plus_project", "2150502")]
    assert row.expected == D("312.58") and row.actual == D("31.58")


def test_cross_table_check_is_not_run_when_the_other_table_is_missing():
    results = run_checks("d", [table()], expenditure_items())
    cross = [r for r in results if r.check_id == "cross_table.project_targets_total_eq_expenditure_project"]
    assert cross and cross[0].status == "not_run" and cross[0].passed is None


def test_empty_table_gives_not_run_never_passed():
    results = run_checks("d", [table("government_fund_expenditure", 1, is_empty=True)], [])
    assert [(r.check_id, r.status, r.passed) for r in results if r.table_id == 1] == [
        ("government_fund_expenditure.identities", "not_run", None)
    ]


def test_seed_three_public_and_prose_figures():
    labels = [("小计", "three_public", "36.94"), ("公务接待费", "reception", "3.70"), ("因公出国（境）费", "overseas", "11.00"),
              ("公务用车购置及运行费", "vehicles", "22.24"), ("其中：公务用车运行费", "vehicle_operation", "22.24")]
    items = []
    for row, name in ((2, "合计"), (3, "长沙市工业和信息化局")):
        for label, measure, amount in labels:
            items.append(LineItem("d", 6, "three_public_expenses", row, None, None, None, None, name, name == "合计",
                                  "三公经费预（决）算数（财政拨款）/" + label, measure, D(amount), "万元", D(amount) * 10000, 9))
    prose = "“三公”经费预算数为 36.94 万元，其中，公务接待费 3.70 万元，公务用车购置及运行费 22.24 万元，因公出国（境）费 11.00 万元。"
    results = run_checks("d", [table("three_public_expenses", 6)], items, prose=prose)
    by_id = {r.check_id: r for r in results}
    assert by_id["prose.three_public_total"].status == "passed"
    assert by_id["prose.three_public_total"].expected == D("36.94")
    assert by_id["three_public_expenses.vehicles_eq_purchase_plus_operation"].status == "passed"
    assert all(r.status == "passed" for r in results if r.table_id == 6)
    wrong = run_checks("d", [table("three_public_expenses", 6)], items, prose=prose.replace("3.70", "3.07"))
    assert {r.check_id: r.status for r in wrong}["prose.three_public_reception"] == "failed"
