"""Fixture builders: printed grid shape and truth records follow SCHEMA.md rules."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from fixtures.generator.builders import (
    CodedRow, Fmt, Indicator, OverallUnit, Project, SideRow, Unit, UnitBlock, coded_table, is_total_label,
    overall_targets_table, project_targets_table, simple_table, two_sided_table, unit_grouped_table,
)
from fixtures.generator.spec import Column

CAP = dict(department_caption="部门名称：测试局", unit_caption="单位：万元", unit="万元")


def _cells(spec):
    """(row_index, col_index) -> cell, for the whole grid."""
    return {(r, c): cell for r, c, _, cell in spec.grid_positions()}


def _t3(rows, split_style="seed"):
    return coded_table(
        table_type="expenditure_summary", title="2023年部门支出总体情况表", **CAP,
        code_columns=[Column("lei", ("科目编码", "类")), Column("kuan", ("科目编码", "款")),
                      Column("xiang", ("科目编码", "项"))],
        label_column=Column("item", ("功能科目",)),
        amount_columns=[Column("total", ("总 计",), "total", True), Column("basic", ("基本支出",), "basic", True),
                        Column("project", ("项目支出",), "project", True)],
        rows=rows, code_scheme="function", split_style=split_style)


ROWS3 = [
    CodedRow(None, "合计", {"total": D("9266.22"), "basic": D("7095.92"), "project": D("2170.30")}),
    CodedRow("215", "资源勘探工业信息等支出", {"total": D("9266.22")}),
    CodedRow("21505", "工业和信息产业监管", {"total": D("9266.22")}),
    CodedRow("2150501", "行政运行", {"total": D("2528.61"), "basic": D("0")}),
]


def test_coded_table_header_rows_with_code_span():
    spec = _t3(ROWS3)
    assert len(spec.header_rows) == 2  # 科目编码 over 类/款/项; 3 printed rows with the number row
    first = spec.header_rows[0]
    assert first[0].text == "科目编码" and first[0].col_span == 3
    assert first[1].text == "功能科目" and first[1].row_span == 2
    assert spec.has_column_number_row
    assert [c.number for c in spec.columns] == ["**", "**", "**", "**", "1", "2", "3"]


def test_seed_split_style_kuan_row_prints_only_its_digits():
    spec = _t3(ROWS3)
    assert [c.text for c in spec.body_rows[1][:3]] == ["215", "", ""]
    assert [c.text for c in spec.body_rows[2][:3]] == ["", "05", ""]
    assert [c.text for c in spec.body_rows[3][:3]] == ["215", "05", "01"]
    full = _t3(ROWS3, split_style="full")
    assert [c.text for c in full.body_rows[2][:3]] == ["215", "05", ""]


def test_coded_table_line_items():
    spec = _t3(ROWS3)
    by = {(li.body_row, li.col_key): li for li in spec.line_items}
    assert by[(0, "total")].is_total and by[(0, "total")].code is None and by[(0, "total")].code_level is None
    kuan = by[(2, "total")]
    assert (kuan.code, kuan.code_level, kuan.code_scheme, kuan.is_total) == ("21505", 2, "function", False)
    assert by[(3, "basic")].amount == D("0")  # printed 0.00 is a line item
    assert (3, "project") not in by  # blank is not
    assert by[(0, "total")].column_label == "总计"
    assert spec.body_rows[0][4].text == "9,266.22"


def test_empty_coded_table():
    spec = _t3([])
    assert spec.body_rows == [] and spec.line_items == []


def test_fmt():
    assert Fmt().money(D("9266.2")) == "9,266.20"
    assert Fmt(thousands=False).money(D("9266.22")) == "9266.22"
    assert Fmt().money(None) == ""
    assert Fmt().money(D("-1234.5")) == "-1,234.50"


@pytest.mark.parametrize("label,total", [
    ("合计", True), ("本 年 收 入 合 计", True), ("收 入 总 计", True), ("小计", True),
    ("一、本年收入", False), ("资源勘探工业信息等支出", False), ("合计数说明", False),
])
def test_is_total_rules(label, total):
    assert is_total_label(label) is total


def test_two_sided_pads_shorter_side():
    spec = two_sided_table(
        table_type="income_expenditure_summary", title="2023年部门收支总体情况表", **CAP,
        income_columns=[Column("in_item", ("收 入", "项 目")),
                        Column("in_amount", ("收 入", "本年预算"), "current_year", True)],
        expenditure_columns=[Column("ex_item", ("支 出", "项 目")),
                             Column("ex_amount", ("支 出", "本年预算"), "current_year", True)],
        income_rows=[SideRow("一、本级财政拨款收入", {"in_amount": D("9266.22")}),
                     SideRow("本 年 收 入 合 计", {"in_amount": D("9266.22")})],
        expenditure_rows=[SideRow("一、基本支出", {"ex_amount": D("7095.92")}), SideRow("二、项目支出"),
                          SideRow("本 年 支 出 合 计", {"ex_amount": D("9266.22")})],
    )
    assert len(spec.header_rows) == 2 and spec.header_rows[0][0].col_span == 2
    assert len(spec.body_rows) == 3 and spec.body_rows[2][0].text == ""
    li = {(x.body_row, x.section): x for x in spec.line_items}
    assert li[(1, "income")].item == "本年收入合计" and li[(1, "income")].is_total
    assert li[(0, "income")].column_label == "收入/本年预算"
    assert li[(0, "expenditure")].item == "一、基本支出" and not li[(0, "expenditure")].is_total
    assert len(spec.line_items) == 4


def test_simple_table_three_public():
    spec = simple_table(
        table_type="three_public_expenses", title="2023年一般公共预算“三公”经费支出情况表", **CAP,
        label_column=Column("unit", ("部门名称",)),
        amount_columns=[Column("total", ("三公经费预（决）算数（财政拨款）", "小计"), "total", True),
                        Column("reception", ("三公经费预（决）算数（财政拨款）", "公务接待费"), "reception", True)],
        rows=[SideRow("合计", {"total": D("36.94"), "reception": D("3.70")})],
    )
    assert spec.header_rows[0][0].row_span == 2
    assert spec.line_items[0].column_label == "三公经费预（决）算数（财政拨款）/小计"


PT_COLS = [
    Column("unit_code", ("单位编码",)), Column("name", ("单位（项目）名称",)),
    Column("funds", ("资金总额",), "funds", True), Column("goal", ("绩效目标",)),
    Column("level1", ("绩效指标", "一级指标")), Column("level2", ("绩效指标", "二级指标")),
    Column("level3", ("绩效指标", "三级指标")), Column("target_raw", ("绩效指标", "指标值")),
    Column("target_content", ("绩效指标", "指标值内容")), Column("scoring_rule", ("绩效指标", "评（扣）分标准")),
    Column("target_unit", ("绩效指标", "度量单位")), Column("value_type", ("绩效指标", "指标值类型")),
    Column("remark", ("绩效指标", "备注")),
]


def _ind(l1, l2, l3, raw="1", vt="≥"):
    return Indicator(l1, l2, l3, target_raw=raw, value_type=vt, remark="4", comparator=">=",
                     target_value=D(raw) if raw.isdigit() else None, weight=4.0)


def _pt(unit_code_merge="project"):
    units = [Unit("501001", "测试局", [
        Project("甲项目", D("10"), "目标甲", [
            _ind("产出指标", "数量指标", "会议次数"), _ind("产出指标", "数量指标", "培训次数"),
            _ind("产出指标", "质量指标", "合格率", "100"), _ind("效益指标", "生态效益指标", None, ""),
            _ind("成本指标", "社会成本指标", "/", "/"),
        ]),
        Project("乙项目", D("2.5"), "目标乙", [_ind("产出指标", "数量指标", "次数")]),
    ])]
    return project_targets_table(title="2023年项目支出绩效目标表", **CAP, columns=PT_COLS, units=units,
                                 unit_code_merge=unit_code_merge)


def test_project_targets_merges_and_targets():
    spec = _pt()
    h = len(spec.header_rows)
    assert h == 2
    cells = _cells(spec)
    assert cells[(h, 0)].text == "合计" and cells[(h, 0)].col_span == 2
    assert cells[(h, 2)].text == "12.50"
    assert cells[(h + 1, 0)].text == "501001" and cells[(h + 1, 2)].text == "12.50"
    code = cells[(h + 2, 0)]
    assert code.text == "501001" and code.row_span == 5  # over the project's 5 indicator rows
    assert cells[(h + 2, 3)].text == "目标甲" and cells[(h + 2, 3)].row_span == 5
    assert cells[(h + 2, 4)].text == "产出指标" and cells[(h + 2, 4)].row_span == 3
    assert cells[(h + 2, 5)].text == "数量指标" and cells[(h + 2, 5)].row_span == 2
    assert cells[(h + 4, 5)].text == "质量指标" and cells[(h + 4, 5)].row_span == 1
    assert cells[(h + 7, 0)].text == "501001" and cells[(h + 7, 1)].text == "乙项目"
    # level3 None / "/" rows are printed but are not targets
    assert [t.level3 for t in spec.targets] == ["会议次数", "培训次数", "合格率", "次数"]
    t = spec.targets[0]
    assert (t.unit_code, t.unit_name, t.project_name, t.funds, t.goal) == ("501001", "测试局", "甲项目", D("10.00"),
                                                                          "目标甲")
    assert t.body_rows == (2,) and spec.targets[-1].body_rows == (7,)
    li = [(x.body_row, x.item, x.amount, x.is_total) for x in spec.line_items]
    assert li == [(0, "合计", D("12.50"), True), (1, "测试局", D("12.50"), False), (2, "甲项目", D("10.00"), False),
                  (7, "乙项目", D("2.50"), False)]


def test_project_targets_unit_wide_code_merge():
    spec = _pt("unit")
    cells = _cells(spec)
    h = len(spec.header_rows)
    assert cells[(h + 2, 0)].row_span == 6
    assert (h + 7, 0) not in cells and cells[(h + 7, 1)].text == "乙项目"


def test_overall_targets_header_and_merges():
    g = "年度预算申请"
    cols = [
        Column("unit_code", ("单位编码",)), Column("name", ("单位名称",)),
        Column("funds", (g, "资金总额"), "funds", True),
        Column("general_budget", (g, "按收入性质分", "一般公共预算"), "general_budget", True),
        Column("other", (g, "按收入性质分", "其他资金"), "other", True),
        Column("basic", (g, "按支出性质分", "基本支出"), "basic", True),
        Column("project", (g, "按支出性质分", "项目支出"), "project", True),
        Column("goal", ("整体绩效目标",)),
        *[Column(k, ("部门整体支出年度绩效目标", lab)) for k, lab in [
            ("level1", "一级指标"), ("level2", "二级指标"), ("level3", "三级指标"), ("value_type", "指标值类型"),
            ("target_raw", "指标值"), ("target_unit", "计量单位"), ("target_content", "指标解释"),
            ("scoring_rule", "评（扣）分标准"), ("remark", "备注")]],
    ]
    spec = overall_targets_table(title="2023年部门整体支出绩效目标表", **CAP, columns=cols, units=[
        OverallUnit("501001", "测试局", D("3"), {"general_budget": D("3")}, {"basic": D("2"), "project": D("1")},
                    "目标", [_ind("产出指标", "数量指标", "会议"), _ind("效益指标", "经济效益指标", "/", "/")]),
    ])
    assert len(spec.header_rows) == 3
    assert spec.header_rows[0][0].row_span == 3 and spec.header_rows[0][2].col_span == 5
    cells = _cells(spec)
    assert cells[(3, 2)].row_span == 2 and cells[(3, 2)].text == "3.00"
    assert cells[(3, 4)].text == "" and cells[(3, 4)].row_span == 2
    assert [(x.col_key, x.column_label) for x in spec.line_items] == [
        ("funds", "年度预算申请/资金总额"), ("general_budget", "年度预算申请/按收入性质分/一般公共预算"),
        ("basic", "年度预算申请/按支出性质分/基本支出"), ("project", "年度预算申请/按支出性质分/项目支出")]
    assert len(spec.targets) == 1 and spec.targets[0].project_name is None


def _grouped(layout):
    blocks = [UnitBlock("测试局（本级）", [CodedRow("301", "工资福利支出", {"total": D("10.00")}),
                                      CodedRow("30101", "基本工资", {"total": D("10.00")})], {"total": D("10.00")}),
              UnitBlock("测试中心", [CodedRow("301", "工资福利支出", {"total": D("5.00")})], {"total": D("5.00")})]
    return unit_grouped_table(
        table_type="general_budget_basic_expenditure", title="表6\n一般公共预算基本支出情况表", **CAP, layout=layout,
        unit_column=Column("unit", ("单位名称",)) if layout == "column" else None,
        code_column=Column("code", ("经济科目编码",)), label_column=Column("item", ("经济科目名称",)),
        amount_columns=[Column("total", ("合计",), "total", True)], total=SideRow("合计", {"total": D("15.00")}),
        blocks=blocks, code_scheme="economic")


def test_unit_grouped_table_unit_column():
    spec = _grouped("column")
    cells = _cells(spec)
    assert (cells[(1, 0)].text, cells[(1, 0)].col_span) == ("合计", 3)  # 合计 spans unit, code and label
    assert (cells[(2, 0)].text, cells[(2, 0)].row_span) == ("测试局（本级）", 2)  # the unit merged down its rows
    assert (cells[(4, 0)].text, cells[(4, 1)].text) == ("测试中心", "301")
    got = [(li.body_row, li.code, li.item, li.budget_unit) for li in spec.line_items]
    assert got == [(0, None, "合计", None), (1, "301", "工资福利支出", "测试局（本级）"),
                   (2, "30101", "基本工资", "测试局（本级）"), (3, "301", "工资福利支出", "测试中心")]


def test_unit_grouped_table_unit_rows():
    spec = _grouped("row")
    cells = _cells(spec)
    assert (cells[(2, 0)].text, cells[(2, 1)].text) == ("", "测试局（本级）")  # the unit row: no code, flush left
    assert (cells[(3, 1)].text, cells[(4, 1)].text) == ("\u3000" * 2 + "工资福利支出", "\u3000" * 4 + "基本工资")  # by level
    got = [(li.body_row, li.code, li.item, li.budget_unit) for li in spec.line_items]
    assert got == [(0, None, "合计", None), (1, None, "测试局（本级）", "测试局（本级）"),
                   (2, "301", "工资福利支出", "测试局（本级）"), (3, "30101", "基本工资", "测试局（本级）"),
                   (4, None, "测试中心", "测试中心"), (5, "301", "工资福利支出", "测试中心")]
    with pytest.raises(ValueError):
        unit_grouped_table(**{**_grouped_kwargs(), "layout": "row", "unit_column": Column("unit", ("单位名称",))})


def _grouped_kwargs():
    return dict(table_type="general_budget_basic_expenditure", title="t", **CAP, layout="row", unit_column=None,
                code_column=Column("code", ("经济科目编码",)), label_column=Column("item", ("经济科目名称",)),
                amount_columns=[Column("total", ("合计",), "total", True)], total=SideRow("合计"), blocks=[],
                code_scheme="economic")


def test_amount_column_needs_measure():
    with pytest.raises(ValueError):
        simple_table(table_type="other", title="x", **CAP, label_column=Column("l", ("项目",)),
                     amount_columns=[Column("a", ("金额",), None, True)], rows=[])


# ---------------------------------------------------------------------------
# the Changsha transcription: every table valid, the printed identities hold
# ---------------------------------------------------------------------------


def _by_row(spec):
    """body_row -> {col_key: amount} from the truth line items."""
    out: dict[int, dict[str, D]] = {}
    for li in spec.line_items:
        out.setdefault(li.body_row, {})[li.col_key] = li.amount
    return out


def _coded(spec):
    """code (or None for 合计) -> {col_key: amount}."""
    out = {}
    for li in spec.line_items:
        out.setdefault(li.code, {})[li.col_key] = li.amount
    return out


def test_changsha_builds_and_validates():
    from fixtures.specs import all_docs
    from fixtures.specs.changsha import changsha_2023

    doc = changsha_2023()
    assert doc.key == "changsha-miit-2023-budget" and doc.fiscal_year == 2023 and doc.doc_kind == "budget"
    assert len(doc.tables) == 10
    for t in doc.tables:
        t.validate()
        assert t.title.startswith("2023年") and t.unit == "万元"
        for li in t.line_items:
            assert isinstance(li.amount, D)
    assert [t.table_type for t in doc.tables] == [
        "income_expenditure_summary", "income_summary", "expenditure_summary", "appropriation_summary",
        "general_budget_expenditure", "general_budget_basic_expenditure", "three_public_expenses",
        "government_fund_expenditure", "project_performance_targets", "overall_performance_targets"]
    assert all_docs()[0].key == doc.key
    assert any("9266.22万元" in p for p in doc.prose)


def test_changsha_identities():
    from fixtures.specs.changsha import changsha_2023

    t1, t2, t3, t4, t5, t6, t7, t8, t9, t10 = changsha_2023().tables
    total = D("9266.22")
    rows1 = {(li.item, li.section): li.amount for li in t1.line_items}
    assert rows1[("本年收入合计", "income")] == rows1[("本年支出合计", "expenditure")] == total
    assert rows1[("一、基本支出", "expenditure")] + rows1[("二、项目支出", "expenditure")] == total
    for t in (t2, t3, t5):  # 合计 = 类 = 款 = Σ 项, per column
        c = _coded(t)
        for key, v in c[None].items():
            assert c["215"][key] == c["21505"][key] == v
            assert sum(x.get(key, D(0)) for code, x in c.items() if code and len(code) == 7) == v
    c3 = _coded(t3)
    assert c3[None]["basic"] + c3[None]["project"] == c3[None]["total"] == total
    assert list(_coded(t5)) == [None, "215", "21505", "2150501", "2150502", "2150550", "2150517", "2150599"]
    c6 = _coded(t6)
    assert c6[None]["total"] == c6["301"]["total"] + c6["302"]["total"] + c6["303"]["total"] == D("7095.92")
    assert c6[None]["personnel"] + c6[None]["public_funds"] == c6[None]["total"]
    for group in ("301", "302", "303"):
        assert sum(x["total"] for code, x in c6.items() if code and code.startswith(group) and len(code) == 5) \
            == c6[group]["total"]
    assert c6[None]["total"] == c3[None]["basic"]
    r7 = _by_row(t7)
    assert r7[0]["total"] == r7[0]["reception"] + r7[0]["overseas"] + r7[0]["vehicles"] == D("36.94")
    assert t8.body_rows == [] and t8.line_items == []
    assert sum(1 for li in t4.line_items if li.amount == total) == len(t4.line_items)
    # table 9: 合计 = Σ units = table 3 项目支出; units = Σ projects (as printed)
    items9 = [(li.item, li.amount) for li in t9.line_items]
    assert items9[0] == ("合计", D("2170.30")) and items9[0][1] == c3[None]["project"]
    units = {"长沙市工业和信息化局": D("312.58"), "长沙市制造业发展促进中心": D("349.05"), "长沙市企业服务中心": D("1508.67")}
    assert [a for i, a in items9 if i in units] == list(units.values())
    # table 10: Σ 资金总额 = 9,266.22; Σ 基本支出 = table 3 基本支出
    f10 = [li for li in t10.line_items if li.col_key == "funds"]
    assert sum(li.amount for li in f10) == total
    assert sum(li.amount for li in t10.line_items if li.col_key == "basic") == c3[None]["basic"]
    # targets: table 10 has no project names; "/" and blank-三级指标 rows are no targets
    assert all(t.project_name is None for t in t10.targets)
    assert all(t.level3 and t.level3 != "/" for t in t9.targets + t10.targets)
    assert len(t9.targets) == 124 and len(t10.targets) == 46
    first = t9.targets[0]
    assert (first.unit_code, first.project_name, first.funds, first.comparator, first.target_value, first.weight) == \
        ("501001", "工业和信息化工作经费", D("151.95"), "<=", D("151.95"), 20.0)
