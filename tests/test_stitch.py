"""Stitching page tables into logical tables, on small page tables shaped like the seed's."""

from __future__ import annotations

from dataclasses import replace

from budgetpdf.extract.models import BBox, GridCell, PageTable, TextLine
from budgetpdf.normalize import emit
from budgetpdf.normalize.stitch import is_column_number_row, stitch_document

TITLE = "2023年项目支出绩效目标表"
HEADER = [["单位编码", "单位（项目）名称", "资金总额", "绩效目标", "一级指标", "二级指标", "三级指标", "指标值",
           "指标值内容", "评（扣）分标准", "度量单位", "指标值类型", "备注"]]


def page_table(page: int, rows: list[list[str | None]], spans: dict[tuple[int, int], int] | None = None,
               title: str | None = TITLE, index: int = 0, open_bottom: bool = False) -> PageTable:
    """A page table from row texts; ``None`` marks a slot covered by a row span from above."""
    spans = spans or {}
    n_cols = max(len(r) for r in rows)
    cells = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text is None:
                continue
            cells.append(GridCell(r, c, spans.get((r, c), 1), 1, BBox(c * 10, r * 10, c * 10 + 10, r * 10 + 10), text))
    captions = (TextLine(title, BBox(0, -30, 100, -20)), TextLine("部门名称：测试局", BBox(0, -15, 50, -5)),
                TextLine("单位：万元", BBox(60, -15, 100, -5))) if title else ()
    return PageTable(page, index, BBox(0, 0, n_cols * 10, len(rows) * 10), len(rows), n_cols, tuple(cells),
                     tuple(float(i * 10) for i in range(len(rows) + 1)),
                     tuple(float(i * 10) for i in range(n_cols + 1)), captions, (), True, "test", open_bottom)


def row(*cells: str | None) -> list[str | None]:
    return list(cells) + [""] * (13 - len(cells))


def test_repeated_title_and_header_are_dropped_on_continuation_pages():
    p1 = page_table(1, HEADER + [row("", "合计", "10.00"), row("501001", "某局", "10.00")])
    p2 = page_table(2, HEADER + [row("501001", "某项目", "10.00", "目标", "产出指标", "数量指标", "次数", "4")])
    (lt,) = stitch_document([p1, p2])
    assert lt.n_header_rows == 1 and lt.n_rows == 3
    assert [c.text for c in lt.cells if c.is_header][:3] == ["单位编码", "单位（项目）名称", "资金总额"]
    assert any("repeated title" in e for e in lt.evidence)
    assert lt.pages == (1, 2)


def test_row_split_across_page_break_is_merged():
    cut = row("501001", "某项目", "3.00", "目标", "产出指标", "数量指标", "开展三高四新", "12", "开展", "完成率小于60%", "次", "≥", "10")
    rest = row("", "", "", "", "", "", "专项行动", "", "三高四新专项行动", "为不及格", "", "", "")
    p1 = page_table(1, HEADER + [row("", "合计", "3.00"), cut])
    p2 = page_table(2, HEADER + [rest, row("", "", "", "", "", "时效指标", "及时率", "100", "", "", "%", "=", "10")])
    (lt,) = stitch_document([p1, p2])
    assert lt.n_rows == 3  # 合计, the cut row made whole, the next indicator
    targets = emit.performance_targets("d", lt)
    assert [t.level3 for t in targets] == ["开展三高四新专项行动", "及时率"]
    assert targets[0].target_content == "开展三高四新专项行动" and targets[0].scoring_rule == "完成率小于60%为不及格"
    assert (targets[0].page_start, targets[0].page_end) == (1, 2)
    assert any("cut by the page break" in e for e in lt.evidence)


def test_merged_project_cells_run_over_the_page_break_blank_or_repeated():
    first = row("501001", "某项目", "3.00", "保障日常办公", "产出指标", "数量指标", "会议次数", "4", "", "", "次", "≥", "10")
    p1 = page_table(1, HEADER + [first, row(None, None, None, None, None, None, "报道次数", "2", "", "", "次", "≥", "10")],
                    spans={(1, c): 2 for c in range(6)})
    blank = page_table(2, HEADER + [row("", "", "", "", "", "", "培训人次", "100", "", "", "人", "≥", "10")])
    repeated = page_table(2, HEADER + [row("501001", "某项目", "3.00", "保障日常办公", "产出指标", "数量指标", "培训人次", "100",
                                          "", "", "人", "≥", "10")])
    for p2 in (blank, repeated):
        (lt,) = stitch_document([p1, p2])
        project = next(c for c in lt.cells if c.text == "某项目")
        assert project.row_span == 3, "the project's name cell covers its rows on both pages"
        targets = emit.performance_targets("d", lt)
        assert {t.project_name for t in targets} == {"某项目"} and len(targets) == 3
        assert all(t.level2 == "数量指标" for t in targets)


def test_new_project_at_the_top_of_a_page_starts_new_cells():
    p1 = page_table(1, HEADER + [row("501001", "甲项目", "3.00", "甲目标", "产出指标", "数量指标", "次数", "4", "", "", "次", "≥", "10")])
    p2 = page_table(2, HEADER + [row("501001", "乙项目", "5.00", "乙目标", "产出指标", "数量指标", "次数", "6", "", "", "次", "≥", "10")])
    (lt,) = stitch_document([p1, p2])
    assert [t.project_name for t in emit.performance_targets("d", lt)] == ["甲项目", "乙项目"]


def test_wrapped_merged_cell_text_continues_on_the_next_page():
    p1 = page_table(1, HEADER + [row("501006", "大院运行", "49.05", "保障办公", "成本指标", "生态环境成本指标", "", "", "", "", "", "", "")])
    p2 = page_table(2, HEADER + [row("", "费", "", "", "", "经济成本指标", "项目总成本", "49.05万", "", "", "%", "≤", "20分")])
    (lt,) = stitch_document([p1, p2])
    (target,) = emit.performance_targets("d", lt)
    assert target.project_name == "大院运行费" and target.funds is not None and target.weight == 20.0


def test_level_label_cut_at_the_break_is_joined_but_a_new_level_row_is_not():
    levels_only = row("501001", "某项目", "3.00", "目标", "效益指标", "经济效益", "", "", "", "", "", "", "")
    cut = page_table(2, HEADER + [row("", "", "", "", "", "指标", "", "", "", "", "", "", "")])
    (lt,) = stitch_document([page_table(1, HEADER + [levels_only]), cut])
    assert "经济效益指标" in [c.text for c in lt.cells] and lt.n_rows == 1
    complete = row("501001", "某项目", "3.00", "目标", "效益指标", "经济效益指标", "", "", "", "", "", "", "")
    new_row = page_table(2, HEADER + [row("", "", "", "", "", "社会效益指标", "", "", "", "", "", "", "")])
    (lt,) = stitch_document([page_table(1, HEADER + [complete]), new_row])
    assert lt.n_rows == 2


def test_continuation_without_title_joins_by_the_same_column_grid_only_on_the_next_page():
    body = [["类", "款", "项", "科目名称", "合计"], ["201", "", "", "一般公共服务支出", "5.00"]]
    p1 = page_table(1, body, title="2025年部门支出预算总表")
    p2 = page_table(2, [["201", "03", "01", "行政运行", "5.00"]], title=None)
    p5 = page_table(5, [["201", "03", "01", "行政运行", "5.00"]], title=None)
    assert len(stitch_document([p1, p2])) == 1
    assert len(stitch_document([p1, p5])) == 2


def test_two_tables_on_one_page_stay_apart():
    a = page_table(3, [["项目", "金额"], ["合计", "1.00"]], title="2025年部门收入预算总表", index=0)
    b = page_table(3, [["项目", "金额"], ["合计", "1.00"]], title="2025年部门支出预算总表", index=1)
    assert [lt.table_type for lt in stitch_document([a, b])] == ["income_summary", "expenditure_summary"]


def test_a_unit_column_merged_down_runs_over_the_break_and_names_the_rows_budget_unit():
    """单位名称 | 科目编码 | 科目名称 | 合计 (a table grouped by unit, the unit's cell merged down its rows
    and cut by the page break): the blank cell below the break is the same unit; a 合计 row is not."""
    head = [["单位名称", "科目编码", "科目名称", "合计"]]
    title = "支出总体情况表"
    p1 = page_table(1, head + [["合计", "", "", "30.00"], ["测试中心", "208", "社会保障和就业支出", "10.00"],
                               [None, "20805", "行政事业单位养老支出", "10.00"]], spans={(2, 0): 2}, title=title)
    for rest, unit in (([["", "2080505", "机关事业单位基本养老保险缴费支出", "10.00"]], "测试中心"),
                       ([["", "", "合计", "10.00"]], None)):
        (lt,) = stitch_document([p1, page_table(2, head + rest, title=title)])
        items = emit.line_items("d", lt)
        assert [li.budget_unit for li in items if li.row_index == 4] == [unit]
        assert next(c for c in lt.cells if c.text == "测试中心").row_span == (3 if unit else 2)


def test_continuation_header_ends_at_its_column_number_row_even_with_a_misread_label():
    """OCR read one header label of page 2 differently (本级动政披款 for 本级财政拨款):
    the column-number row under it still ends the repeated header, so neither it nor
    the ``** 1 2 3`` row becomes a body row."""
    head = [["项目", "合计", "本级财政拨款"], ["**", "1", "2"]]
    misread = [["项目", "合计", "本级动政披款"], ["**", "1", "2"]]
    p1 = page_table(1, head + [["合计", "10.00", "10.00"], ["某项", "4.00", "4.00"]], title="2021年收入总表")
    p2 = page_table(2, misread + [["另一项", "6.00", "6.00"]], title="2021年收入总表")
    (lt,) = stitch_document([p1, replace(p2, text_source="ocr")])
    body = {c.text for c in lt.cells if not c.is_header}
    assert "**" not in body and "本级动政披款" not in body and "另一项" in body
    assert [c.text for c in lt.cells if not c.is_header and c.col == 0] == ["合计", "某项", "另一项"]


def test_a_column_number_row_whose_marks_ocr_read_as_quotes_is_still_one():
    """Changsha's 收入总表 scanned at 150 dpi: PP-OCR read the ``**`` marks of the 类/款/项
    columns as ``*`` and ``”``. In an OCR table that row still ends the header, so the
    header labels stay 合计 (not 合计/1) and the first body row is the total; in a table
    with a text layer, a ``”`` is text and the row is not taken for a column-number row."""
    rows = [["类", "款", "项", "项目", "合计", "本级财政拨款"], ["*", "”", "”", "", "1", "2"],
            ["", "", "", "合计", "10.00", "10.00"], ["215", "", "", "资源勘探", "10.00", "10.00"]]
    pt = replace(page_table(1, rows, title="2023年收入总表"), text_source="ocr")
    (lt,) = stitch_document([pt])
    body = [c for c in lt.cells if not c.is_header]
    assert not {"*", "”", "1", "2"} & {c.text for c in body}
    assert [c.text for c in body if c.col == 3] == ["合计", "资源勘探"]
    assert is_column_number_row(pt, 1)
    assert not is_column_number_row(page_table(1, rows, title="2023年收入总表"), 1)  # a text layer's ” is text
