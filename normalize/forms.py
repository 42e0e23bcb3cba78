"""Reading performance tables printed as forms: label/value rows, then an indicator grid.

One ruled form per project (烟台 政策和项目预算绩效目标表, 西南大学 项目绩效目标表, Dongguan
表13, Beijing's 转移支付 forms, Chongqing 表十一) or per unit (Beijing 预算13表, Chongqing 表十):

    项目名称 | 城市更新城市体检
    主管部门及代码 | 253_… | 实施单位 | 烟台市住房和城乡建设局
    项目资金（万元） | 年度预算资金总额： | 87.45
                     | 其中：财政拨款     | 87.45
    总体目标 | 按照市级统筹、分区实施原则…
    (绩效指标) | 一级指标 | 二级指标 | 三级指标 | 指标值        ← the indicator header row
    绩效指标   | 成本指标 | 经济成本 | 项目总成本 | ≤87.45万元   ← one indicator per row

The stitched form (``stitch``: its pages laid on one grid of all their column edges) is read
row by row. Before the indicator header row, each text cell is a *label* (a ``[forms]`` field
or label, or a money column label of ``[[columns]]``) or a *value*; a value belongs to
- the label printed just left of it in its row (项目名称 | name), else
- the label just above it that heads a block (当年整体绩效目标 over its text; 预算支出总额 over
  its figure in Beijing's money grid; 2026年度目标 under 总体绩效目标 in Dongguan), or the
  value above it it continues, else
- the merged label left of it that spans its row (项目资金（万元） over 年度资金总额 rows).
Values of unknown labels (项目类型 | 专项资金项目) belong to nothing. After a header row, the
columns named in it (``Registry.indicator_roles``, the [[columns]] vocabulary) give each
row's indicator fields; a repeated header row (Dongguan continuation pages) re-maps them and
is never an indicator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .registry import ColumnRole, Registry, squash
from .stitch import LogicalCell, LogicalTable
from .vocabulary import FormField, Role
from .values import parse_amount

UNIT_IN_LABEL = re.compile(r"[（(](亿元|万元|千元|元)[）)]")


@dataclass(frozen=True)
class FormValue:
    """A value of a form's label/value part, with the labels naming it (outermost first)."""

    cell: LogicalCell
    labels: tuple[str, ...]
    field: FormField | None  # the record field its own label names, if any


@dataclass(frozen=True)
class IndicatorRow:
    """A row of the form's indicator grid: its index and the columns of each role in force."""

    row: int
    columns: dict[Role, int]


@dataclass(frozen=True)
class FormFacts:
    """What a form says: its fields, its money values and its indicator rows."""

    fields: dict[FormField, str]
    funds: FormValue | None  # the value whose label has role ``funds`` (年度资金总额, 预算金额 …)
    money: tuple[tuple[FormValue, ColumnRole], ...]  # every money value with the role of its labels
    indicators: tuple[IndicatorRow, ...]

    def unit_of(self, value: FormValue, default: str | None) -> str | None:
        """The money unit a value is printed in: named in one of its labels (（万元）, (元)), else ``default``."""
        for label in value.labels:
            m = UNIT_IN_LABEL.search(label)
            if m:
                return m.group(1)
        return default


def _row_starts(grid: list[list[LogicalCell | None]], r: int) -> list[LogicalCell]:
    out: list[LogicalCell] = []
    for c in grid[r]:
        if c is not None and c.row == r and (not out or out[-1] is not c):
            out.append(c)
    return out


def _header_columns(registry: Registry, own: list[LogicalCell], ocr: bool) -> dict[Role, int] | None:
    roles = registry.indicator_roles([c.text for c in own], ocr=ocr)
    if roles is None:
        return None
    cols: dict[Role, int] = {}
    for i, role in sorted(roles.items()):  # the rightmost column of a role: 绩效指标 | … | 三级指标
        cols[role] = own[i].col
    return cols


def read_form(lt: LogicalTable, registry: Registry) -> FormFacts:
    """The fields, money values and indicator rows of a form table (``lt.form`` set)."""
    form = lt.form
    assert form is not None
    grid = lt.grid()
    kinds: dict[int, str | None] = {}  # id(cell) -> "label" / None (a value)
    owners: dict[int, LogicalCell | None] = {}  # id(value cell) -> its label

    def is_label(c: LogicalCell) -> bool:
        k = id(c)
        if k not in kinds:
            t = squash(c.text)
            money = registry.column_role((t,), lt.table_type).role in (Role.AMOUNT, Role.FUNDS) and parse_amount(t) is None
            kinds[k] = "label" if form.is_label(t) or money else None
        return kinds[k] == "label"

    def texted(c: LogicalCell | None) -> bool:
        return c is not None and bool(squash(c.text))

    def heads_block(label: LogicalCell) -> bool:
        """No value printed right of the label in its row: it names what stands below it."""
        for r in range(label.row, label.row + label.row_span):
            for c in grid[r][label.col + label.col_span:]:
                if texted(c) and c.row == r and not is_label(c):
                    return False
        return True

    def left_text(r: int, col: int) -> LogicalCell | None:
        for c in reversed(grid[r][:col]):
            if texted(c):
                return c
        return None

    def owner(v: LogicalCell) -> LogicalCell | None:
        if id(v) in owners:
            return owners[id(v)]
        r, found = v.row, None
        left = left_text(r, v.col)
        if left is not None and left.row == r and is_label(left):
            found = left
        elif r > 0 and texted(above := grid[r - 1][v.col]) and above is not v:
            if is_label(above) and heads_block(above):
                found = above
            elif not is_label(above) and above.col == v.col and above.col_span == v.col_span:
                found = owner(above)  # text running on in the row below (or on the next page)
        if found is None and left is not None and left.row < r and is_label(left):
            found = left
        owners[id(v)] = found
        return found

    def label_path(label: LogicalCell) -> tuple[str, ...]:
        """The label and the labels it stands under or beside: 财政拨款 / 合计; 项目资金（万元） / 年度资金总额."""
        path = [squash(label.text)]
        above = grid[label.row - 1][label.col] if label.row > 0 else None
        if texted(above) and is_label(above) and above.row < label.row and heads_block(above):
            path.insert(0, squash(above.text))
        outer = left_text(label.row, label.col)  # a label merged over the rows of a block: 项目资金（万元）
        if outer is not None and is_label(outer) and outer.row_span > 1 and not heads_block(outer):
            path.insert(0, squash(outer.text))
        return tuple(path)

    values: list[FormValue] = []
    indicators: list[IndicatorRow] = []
    columns: dict[Role, int] | None = None
    for r in range(len(grid)):
        own = _row_starts(grid, r)
        header = _header_columns(registry, own, lt.text_source == "ocr")
        if header is not None:
            columns = header
            continue
        if columns is not None:
            col = columns.get(Role.LEVEL3)
            cell = grid[r][col] if col is not None else None
            if texted(cell) and cell.row == r:
                indicators.append(IndicatorRow(r, columns))
            continue
        for c in own:
            if not texted(c) or is_label(c):
                continue
            label = owner(c)
            if label is not None:
                values.append(FormValue(c, label_path(label), form.field(label.text)))

    fields: dict[FormField, str] = {}
    goal_labels: tuple[str, ...] | None = None
    for v in values:
        if v.field is None:
            continue
        text = (v.cell.text or "").strip()
        if v.field != FormField.GOAL:
            fields.setdefault(v.field, text)
        elif goal_labels is None or goal_labels == v.labels:  # one label's text (Dongguan: 2026年度目标)
            goal_labels = v.labels
            fields[v.field] = fields[v.field] + "\n" + text if v.field in fields else text
    money: list[tuple[FormValue, ColumnRole]] = []
    funds = None
    for v in values:
        role = registry.column_role(v.labels, lt.table_type)
        if role.role not in (Role.AMOUNT, Role.FUNDS) or parse_amount(v.cell.text) is None:
            continue
        if role.role == Role.FUNDS:
            if funds is not None:
                continue  # one 资金总额 per form
            funds = v
        money.append((v, role))
    return FormFacts(fields, funds, tuple(money), tuple(indicators))


__all__ = ["FormFacts", "FormValue", "IndicatorRow", "read_form"]
