"""Performance-target tables (绩效目标表) of every layout, on small page tables shaped like the
real documents' (tests/data/real2/*.performance.json describes those): per-project forms,
forms continued on the next page, a title inside the frame, the flat indicator layout, other
column names, Excel page breaks that print a merged cell on one side only, the 部门整体 form."""

from __future__ import annotations

from decimal import Decimal

from budgetpdf.extract.models import BBox, ExtractedDocument, GridCell, PageInfo, PageTable, TextLine
from budgetpdf.normalize import emit, normalize_document
from budgetpdf.normalize.registry import default_registry
from budgetpdf.normalize.stitch import stitch_document

Cell = tuple  # (text, col_span, row_span)


def table(page: int, rows: list[list], title: str | None, edges: list[float] | None = None, index: int = 0,
          captions: tuple[str, ...] = ()) -> PageTable:
    """A page table from rows of cells laid out HTML-style: a cell is text or (text, col_span,
    row_span); slots covered by a span from above are skipped. ``edges``: column x positions."""
    n_cols = max(sum((c[1] if isinstance(c, tuple) else 1) for c in r) for r in rows)
    edges = edges or [float(i * 40) for i in range(n_cols + 1)]
    occupied: set[tuple[int, int]] = set()
    cells = []
    for r, row in enumerate(rows):
        c = 0
        for item in row:
            text, cs, rs = (item, 1, 1) if not isinstance(item, tuple) else (item + (1, 1))[:3]
            while (r, c) in occupied:
                c += 1
            cells.append(GridCell(r, c, rs, cs, BBox(edges[c], r * 20, edges[c + cs], (r + rs) * 20), text))
            for dr in range(rs):
                for dc in range(cs):
                    occupied.add((r + dr, c + dc))
            c += cs
    lines = tuple(TextLine(t, BBox(0, -40 + 12 * i, 100, -30 + 12 * i)) for i, t in enumerate(((title,) if title else ()) + captions))
    return PageTable(page, index, BBox(edges[0], 0, edges[-1], len(rows) * 20), len(rows), n_cols, tuple(cells),
                     tuple(float(i * 20) for i in range(len(rows) + 1)), tuple(edges), lines, (), True, "test")


def targets(lts):
    return [t for lt in lts for t in emit.performance_targets("d", lt)]


def items(lts):
    return [li for lt in lts for li in emit.line_items("d", lt)]


def yantai_form(page: int, name: str, funds: str, indicators: list[tuple[str, str, str, str]], title="政策和项目预算绩效目标表"):
    """烟台's 政策和项目预算绩效目标表: label/value rows, then a grid whose rows print 绩效指标."""
    rows = [
        [("项目名称", 3), (name, 3)],
        [("主管部门及代码", 3), "253_烟台市住房和城乡建设局", "实施单位", "烟台市住房和城乡建设局"],
        [("项目资金（万元）", 3, 3), "年度预算资金总额：", (funds, 2)],
        ["其中：财政拨款", (funds, 2)],
        ["其他资金", ("0.00", 2)],
        ["总体目标", ("按照市级统筹、分区实施原则，完成城市体检。", 5)],
        ["", "一级指标", "二级指标", "三级指标", ("指标值", 2)],
    ] + [["绩效指标", l1, l2, l3, (v, 2)] for l1, l2, l3, v in indicators]
    return table(page, rows, title)


def test_consecutive_forms_are_one_project_each():
    a = yantai_form(37, "城市更新城市体检", "87.45", [("成本指标", "经济成本", "项目总成本", "≤87.45万元"),
                                                 ("产出指标", "数量指标", "建设城市体检平台数量", "=1个")])
    b = yantai_form(38, "冬季清洁取暖绩效评价服务", "108.35", [("产出指标", "质量指标", "验收合格率", "=100%")])
    lts = stitch_document([a, b])
    assert [lt.table_type for lt in lts] == ["project_performance_targets"] * 2
    got = [(t.table_id, t.project_name, t.unit_name, t.funds, t.level1, t.level2, t.level3, t.target_raw, t.comparator,
            t.target_value) for t in targets(lts)]
    assert got == [
        (0, "城市更新城市体检", "烟台市住房和城乡建设局", Decimal("87.45"), "成本指标", "经济成本", "项目总成本", "≤87.45万元", "<=",
         Decimal("87.45")),
        (0, "城市更新城市体检", "烟台市住房和城乡建设局", Decimal("87.45"), "产出指标", "数量指标", "建设城市体检平台数量", "=1个", "=",
         Decimal("1")),
        (1, "冬季清洁取暖绩效评价服务", "烟台市住房和城乡建设局", Decimal("108.35"), "产出指标", "质量指标", "验收合格率", "=100%", "=",
         Decimal("100")),
    ]
    assert targets(lts)[0].goal == "按照市级统筹、分区实施原则，完成城市体检。"
    money = [(li.table_id, li.item, li.column_label, li.measure, li.amount) for li in items(lts)]
    assert money == [
        (0, "城市更新城市体检", "项目资金（万元）/年度预算资金总额：", "funds", Decimal("87.45")),
        (0, "城市更新城市体检", "项目资金（万元）/其中：财政拨款", "appropriation", Decimal("87.45")),
        (0, "城市更新城市体检", "项目资金（万元）/其他资金", "other", Decimal("0.00")),
        (1, "冬季清洁取暖绩效评价服务", "项目资金（万元）/年度预算资金总额：", "funds", Decimal("108.35")),
        (1, "冬季清洁取暖绩效评价服务", "项目资金（万元）/其中：财政拨款", "appropriation", Decimal("108.35")),
        (1, "冬季清洁取暖绩效评价服务", "项目资金（万元）/其他资金", "other", Decimal("0.00")),
    ]


def test_a_form_continues_on_a_page_opening_with_its_goal_and_a_grid_of_other_columns():
    """西南大学 p19→20: the form's name and funds at the bottom of a page; its 年度总体目标 and
    all its indicators on the next page, untitled, ruled with other column edges."""
    top = table(19, [["项目名称", ("236中央高校管理改革等绩效拨款", 4)],
                     ["主管部门及代码", "[105]教育部", "实施单位", ("西南大学本级", 2)],
                     [("项目资金（万元）", 1, 2), "年度资金总额：", ("809.21", 2), ("执行率分值（10）", 1, 2)],
                     ["其中：财政拨款", ("809.21", 2)]],
                title="236中央高校管理改革等绩效拨款项目绩效目标表", edges=[89, 182, 322, 409, 471, 520])
    rest = table(20, [["年度总体目标", ("通过设立研究生学业奖学金，激励研究生勤奋学习。", 5)],
                      [("绩效指标", 1, 3), "一级指标", "二级指标", "三级指标", "指标值", "分值（90）"],
                      ["产出指标", "数量指标", "奖助学生人次", "≥2100人次", "20"],
                      ["效益指标", "社会效益指标", "促进高层次拔尖创新人才培养", "显著", "30"]],
                 title=None, edges=[89, 114, 182, 291, 410, 471, 521])
    (lt,) = stitch_document([top, rest])
    assert lt.pages == (19, 20) and any("form_continued" in e for e in lt.evidence)
    got = [(t.project_name, t.unit_name, t.funds, t.goal, t.level3, t.target_raw, t.comparator, t.weight)
           for t in targets([lt])]
    assert got == [
        ("236中央高校管理改革等绩效拨款", "西南大学本级", Decimal("809.21"), "通过设立研究生学业奖学金，激励研究生勤奋学习。",
         "奖助学生人次", "≥2100人次", ">=", 20.0),
        ("236中央高校管理改革等绩效拨款", "西南大学本级", Decimal("809.21"), "通过设立研究生学业奖学金，激励研究生勤奋学习。",
         "促进高层次拔尖创新人才培养", "显著", None, 30.0),
    ], "执行率分值（10） and the 分值（90） header are no indicators"


def test_a_title_inside_the_frame_and_a_repeated_header_row_on_a_continuation_page():
    """A form whose ruled frame opens with its title; the next page repeats the title and the
    grid's header row (Dongguan p170), neither of which is an indicator."""
    first = table(1, [[("项目绩效目标表", 4)],
                      ["项目名称", ("文化发展专项资金", 3)],
                      ["用款单位", ("中共某市委宣传部", 3)],
                      ["2026年预算金额(元)", ("15,873,800.00", 3)],
                      [("总体绩效目标", 1, 4), ("实施周期总目标", 3)],
                      [("为贯彻落实文化强国战略。", 3)],
                      [("2026年度目标", 3)],
                      [("文化艺术类方面，根据实际情况资助。", 3)],
                      ["一级指标", "三级指标", "实施周期指标值", "年度指标值"],
                      ["产出指标", "新闻报道类奖励数量", "45件", "15件"]], title=None)
    cont = table(2, [[("项目绩效目标表", 4)], ["一级指标", "三级指标", "实施周期指标值", "年度指标值"],
                     ["满意度指标", "服务对象满意度", "大于等于90%", "大于等于90%"]], title=None)
    nxt = table(3, [[("项目绩效目标表", 4)], ["项目名称", ("散裂中子源支持经费", 3)],
                    ["2026年预算金额(元)", ("50,000,000.00", 3)],
                    ["一级指标", "三级指标", "实施周期指标值", "年度指标值"], ["产出指标", "论文发表数量", "120篇", "30篇"]],
                title=None)
    lts = stitch_document([first, cont, nxt])
    assert [(lt.title, lt.pages) for lt in lts] == [("项目绩效目标表", (1, 2)), ("项目绩效目标表", (3,))]
    got = [(t.project_name, t.funds, t.level1, t.level3, t.target_raw, t.comparator, t.goal) for t in targets(lts)]
    assert got == [
        ("文化发展专项资金", Decimal("15873800.00"), "产出指标", "新闻报道类奖励数量", "15件", None, "文化艺术类方面，根据实际情况资助。"),
        ("文化发展专项资金", Decimal("15873800.00"), "满意度指标", "服务对象满意度", "大于等于90%", ">=",
         "文化艺术类方面，根据实际情况资助。"),
        ("散裂中子源支持经费", Decimal("50000000.00"), "产出指标", "论文发表数量", "30篇", None, None),
    ]
    assert [(li.measure, li.unit, li.amount) for li in items(lts)] == [("funds", "元", Decimal("15873800.00")),
                                                                      ("funds", "元", Decimal("50000000.00"))]


def test_flat_indicator_layout_and_other_column_names():
    """Chongqing 表十二: 指标名称 | 指标性质 | 指标值 | 计量单位 | 指标权重(%), no levels; funds from
    当年财政拨款预算金额."""
    rows = [["序号", "项目名称", "当年财政拨款预算金额", "当年绩效目标", "指标名称", "指标性质", "指标值", "计量单位", "指标权重(%)"],
            [("1", 1, 2), ("水利行业业务经费", 1, 2), ("14,299.16", 1, 2), ("推进项目实施", 1, 2), "水质检验对象数量", "≥", "3060",
             "个次", "10"],
            ["年度预算执行率", "=", "100", "%", "10"]]
    (lt,) = stitch_document([table(33, rows, "表十二 2026年市级一般性项目绩效目标表（一级项目）")])
    assert lt.table_type == "project_performance_targets"
    got = [(t.project_name, t.funds, t.goal, t.level1, t.level3, t.target_raw, t.comparator, t.target_value, t.target_unit,
            t.weight) for t in targets([lt])]
    assert got == [("水利行业业务经费", Decimal("14299.16"), "推进项目实施", None, "水质检验对象数量", "3060", ">=", Decimal("3060"),
                    "个次", 10.0),
                   ("水利行业业务经费", Decimal("14299.16"), "推进项目实施", None, "年度预算执行率", "100", "=", Decimal("100"),
                    "%", 10.0)]
    assert [(li.item, li.measure, li.amount) for li in items([lt])] == [("水利行业业务经费", "funds", Decimal("14299.16"))]


def test_beijing_columns_header_rows_and_a_project_named_below_the_page_break():
    """Beijing 预算表12: 项目总额 / 其中：财政资金 / 绩效指标性质 / 本年绩效指标值 / 绩效度量单位. The
    header rows are no indicators. A project whose merged cells Excel printed only below the
    page break began, blank, above it: one project, its 项目总额 counted once."""
    header = [[("项目名称", 1, 2), ("项目总额", 1, 2), ("其中：", 2), ("绩效目标", 1, 2), ("一级指标", 1, 2), ("二级指标", 1, 2),
               ("三级指标", 1, 2), ("绩效指标性质", 1, 2), ("本年绩效指标值", 1, 2), ("绩效度量单位", 1, 2)],
              ["财政资金", "其他资金"]]
    p26 = table(26, header + [
        [("11000022T000000489978-儿童福利和保护工作服务", 1, 2), ("18.853800", 1, 2), ("18.853800", 1, 2), ("", 1, 2),
         ("按照有关工作精神开展评估", 1, 2), "产出指标", "数量指标", "形成家庭收养能力评估报告数量", "≥", "1", "份"],
        ["效益指标", "社会效益指标", "符合安置条件孤儿社会回归率", "＝", "100", "%"],
        [("", 1, 2), ("", 1, 2), ("", 1, 2), ("", 1, 2), ("本项目将结合慈善工作重点，", 1, 2), "成本指标", "经济成本指标",
         "中华慈善日主题活动", "≤", "47.012", "万元"],
        ["产出指标", "质量指标", "慈善北京文化建设工作匹配率", "＝", "100", "%"]], "预算表12 项目支出绩效目标表",
        captions=("金额单位：万元",))
    p27 = table(27, [
        [("11000023T000002064522-慈善北京文化建设服务", 1, 2), ("74.111000", 1, 2), ("74.111000", 1, 2), ("", 1, 2),
         ("开展公益慈善项目大赛。", 1, 2), "产出指标", "时效指标", "主题活动完成率", "＝", "100", "%"],
        ["满意度指标", "服务对象满意度指标", "慈善组织满意度", "≥", "90", "%"]], None)
    (lt,) = stitch_document([p26, p27])
    got = [(t.project_name, t.funds, t.level3, t.comparator, t.target_value, t.target_unit, t.page_start)
           for t in targets([lt])]
    first = "11000022T000000489978-儿童福利和保护工作服务"
    second = "11000023T000002064522-慈善北京文化建设服务"
    assert got == [(first, Decimal("18.853800"), "形成家庭收养能力评估报告数量", ">=", Decimal("1"), "份", 26),
                   (first, Decimal("18.853800"), "符合安置条件孤儿社会回归率", "=", Decimal("100"), "%", 26),
                   (second, Decimal("74.111000"), "中华慈善日主题活动", "<=", Decimal("47.012"), "万元", 26),
                   (second, Decimal("74.111000"), "慈善北京文化建设工作匹配率", "=", Decimal("100"), "%", 26),
                   (second, Decimal("74.111000"), "主题活动完成率", "=", Decimal("100"), "%", 27),
                   (second, Decimal("74.111000"), "慈善组织满意度", ">=", Decimal("90"), "%", 27)]
    assert {t.goal for t in targets([lt]) if t.project_name == second} == {"本项目将结合慈善工作重点，开展公益慈善项目大赛。"}
    funds = [(li.item, li.amount) for li in items([lt]) if li.measure == "funds"]
    assert funds == [(first, Decimal("18.853800")), (second, Decimal("74.111000"))]


def test_header_vocabulary_types_a_table_whatever_its_title_and_its_values_are_not_money():
    """A 转移支付 form and a 区域绩效目标表 (社保基金) are performance tables: typed by their
    indicator header, their indicator values (≥ 15.52) never line items."""
    transfer = table(62, [["转移支付名称", "养老服务补助", "市级主管部门", "北京市民政局"],
                          [("资金情况（万元）", 1, 2), "年度金额：", ("62400.000000", 2)],
                          ["其中：中央财政资金", ("0.000000", 2)],
                          [("绩效指标", 1, 2), "一级指标", "三级指标", "指标值"],
                          ["产出指标", "高龄老年人津贴发放人数", "≥31万人"]], "北京市社会福利彩票公益金专项转移支付绩效目标表")
    region = table(70, [["一级指标", "二级指标", "三级指标", "指标值"],
                        ["产出指标", "数量指标", "人均基金结余可支付月数", "≥ 15.52"],
                        ["产出指标", "数量指标", "参保人数", "12.60"],
                        ["效益指标", "社会效益指标", "待遇按时足额发放率", "100"]], "2025年社会保险基金区域绩效目标表")
    lts = stitch_document([transfer, region])
    assert [lt.table_type for lt in lts] == ["project_performance_targets", "project_performance_targets"]
    assert "header performance_indicators" in lts[0].type_rule
    assert [(t.project_name, t.funds, t.level3) for t in targets(lts[:1])] == [
        ("养老服务补助", Decimal("62400.000000"), "高龄老年人津贴发放人数")]
    assert [t.target_raw for t in targets(lts[1:])] == ["≥ 15.52", "12.60", "100"]
    assert [(li.table_id, li.measure, li.amount) for li in items(lts)] == [(0, "funds", Decimal("62400.000000"))]


def test_overall_form_funding_split_and_run_together_levels():
    """Beijing 预算13表: 部门名称, a money block (预算支出总额 | 财政拨款 合计/基本/项目 | 其他资金 …),
    整体绩效目标, then 活动 | 绩效指标 (一级+二级+三级 run together) | 指标性质 | 指标值 | 度量单位.
    The split feeds line_items and the overall-funds identities pass."""
    rows = [[("部门名称", 2), ("北京市民政局", 7)],
            [("总体资金情况（万元）", 2, 3), ("预算支出总额", 1, 2), ("财政拨款", 3), ("其他资金", 3)],
            ["合计", "基本支出", "项目支出", "合计", "基本支出", "项目支出"],
            ["69,317.305202", "68,310.156361", "45,537.409377", "22,772.746984", "1,007.148841", "443.145628", "564.003213"],
            [("整体绩效目标", 1, 5), "整体绩效目标", ("以新时代思想为指导，履行民政职责。", 7)],
            ["其他说明", ("", 7)],
            [("活动", 2), ("绩效指标", 2), "指标性质", ("指标值", 2), "度量单位"],
            [("残疾人福利", 2), ("产出指标数量指标残疾人及救助托养机构安全检查机构数量", 2), "=", ("26", 2), "家"],
            [("养老服务", 2), ("效益指标社会效益指标养老服务体系不断完善", 2), "定性", ("优", 2), ""]]  # 整体绩效目标 runs down
    pt = table(61, rows, "预算13表 部门整体支出绩效目标表")
    (lt,) = stitch_document([pt])
    assert lt.table_type == "overall_performance_targets"
    got = [(t.unit_name, t.project_name, t.funds, t.goal, t.level1, t.level2, t.level3, t.comparator, t.target_unit)
           for t in targets([lt])]
    assert got == [
        ("北京市民政局", None, Decimal("69317.305202"), "以新时代思想为指导，履行民政职责。", "产出指标", "数量指标",
         "残疾人及救助托养机构安全检查机构数量", "=", "家"),
        ("北京市民政局", None, Decimal("69317.305202"), "以新时代思想为指导，履行民政职责。", "效益指标", "社会效益指标",
         "养老服务体系不断完善", "qualitative", None)]
    money = {(li.column_label, li.measure): li.amount for li in items([lt])}
    assert money == {("总体资金情况（万元）/预算支出总额", "funds"): Decimal("69317.305202"),
                     ("财政拨款/合计", "appropriation"): Decimal("68310.156361"),
                     ("财政拨款/基本支出", "basic"): Decimal("45537.409377"),
                     ("财政拨款/项目支出", "project"): Decimal("22772.746984"),
                     ("其他资金/合计", "other"): Decimal("1007.148841"),
                     ("其他资金/基本支出", "basic"): Decimal("443.145628"),
                     ("其他资金/项目支出", "project"): Decimal("564.003213")}
    doc = ExtractedDocument("x.pdf", "d", 61, (PageInfo(61, 842, 595, 0, 100, True, False),), (pt,), "test")
    checks = {(c.check_id, c.status) for c in normalize_document(doc).checks}
    assert ("overall_performance_targets.funds_eq_sum_by_income", "passed") in checks
    assert ("overall_performance_targets.funds_eq_basic_plus_project", "passed") in checks
    assert not any(status == "failed" for _, status in checks)


def test_registry_splits_run_together_levels_only_by_the_standard_names():
    levels = default_registry().indicator_levels
    assert levels.split("满意度指标服务对象满意度指标群众满意度") == ("满意度指标", "服务对象满意度指标", "群众满意度")
    assert levels.split("开展养老服务") == (None, None, "开展养老服务")
