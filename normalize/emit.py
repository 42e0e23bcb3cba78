"""Logical tables to contract records: cells, line_items, performance_targets, tables.

Column roles come from the template registry; this module completes 类/款/项 codes
from the hierarchy, splits two-sided tables into sections, fills merged indicator
cells down, and parses amounts and target values into Decimals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from budgetpdf.contract import CellRecord, LineItem, PerformanceTarget, TableRecord, money_fits, to_yuan
from .forms import FormFacts, read_form
from .registry import ColumnRole, Registry, default_registry, squash
from .stitch import LogicalCell, LogicalTable
from .vocabulary import PERFORMANCE_TYPES, CodeScheme, FormField, Role, Section, TableType
from .values import is_amount_text, parse_amount, parse_target, parse_weight

TOTAL_ITEM = re.compile(r"^(合计|总计|小计)$|(合计|总计)$")
NOT_MONEY_LABEL = re.compile(r"%|％|率|比例|比重|增减|幅度|人数|编码|代码|序号|栏次")
FUNCTION_LEVELS = {3: 1, 5: 2, 7: 3}
INDENT_STEP = 4.0  # pt: labels indented less than this apart stand at one depth (a level is ~1 em; jitter ~3 pt)
ECONOMIC_LEVELS = {3: 1, 5: 2, 7: 3}


def is_total_item(item: str) -> bool:
    """SCHEMA rule: 合计/总计/小计, or a label ending in 合计/总计."""
    return bool(TOTAL_ITEM.search(item))


def cell_records(doc_id: str, lt: LogicalTable) -> list[CellRecord]:
    return [
        CellRecord(doc_id, lt.table_id, c.row, c.col, c.row_span, c.col_span, c.is_header, c.text, c.page,
                   c.bbox.x0, c.bbox.top, c.bbox.x1, c.bbox.bottom, c.confidence)
        for c in lt.cells
    ]


# ---------------------------------------------------------------- columns


def money_columns(lt: LogicalTable) -> dict[int, ColumnRole]:
    """Columns holding money: by registry role, or (for unknown columns) plainly amounts."""
    out: dict[int, ColumnRole] = {}
    body = [c for c in lt.cells if not c.is_header]
    for col, role in enumerate(lt.roles):
        if role.role in (Role.AMOUNT, Role.FUNDS):
            out[col] = role
            continue
        # a performance table's figures are indicator values (≥ 15.52, 100) unless its header names money
        if role.role != Role.UNKNOWN or NOT_MONEY_LABEL.search(lt.column_labels[col]) or lt.table_type in PERFORMANCE_TYPES:
            continue
        texts = [squash(c.text) for c in body if c.col == col and c.col_span == 1 and squash(c.text)]
        decimal = [t for t in texts if is_amount_text(t) and ("." in t or "," in t)]
        integer = [t for t in texts if is_amount_text(t) and t.lstrip("-").isdigit()]
        # figures with decimals mark money even in a one-row table; bare integers need several
        if texts and len(decimal) + len(integer) >= 0.6 * len(texts) and (decimal or len(integer) >= 2):
            out[col] = role
    return out


def _first_col(lt: LogicalTable, roles: Sequence[str], section: str | None) -> int | None:
    for col, role in enumerate(lt.roles):
        if role.role in roles and (section is None or role.section in (section, None)):
            return col
    return None


@dataclass
class _CodeState:
    lei: str | None = None
    kuan: str | None = None


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def complete_code(parts: tuple[str, str, str] | None, single: str | None, scheme: str, state: _CodeState) -> str | None:
    """Printed code parts → full code (``05`` under ``215`` → ``21505``), tracking the hierarchy."""
    if parts is not None:
        lei, kuan, xiang = (_digits(p) for p in parts)
        if xiang:
            lei, kuan = lei or state.lei or "", kuan or state.kuan or ""
            state.lei, state.kuan = lei or state.lei, kuan or state.kuan
            return lei + kuan + xiang
        if kuan:
            lei = lei or state.lei or ""
            state.lei, state.kuan = lei or state.lei, kuan
            return lei + kuan
        if lei:
            state.lei, state.kuan = lei, None
            return lei
        return None
    code = _digits(single)
    if not code:
        return None
    if scheme == "function":
        if len(code) == 3:
            state.lei, state.kuan = code, None
        elif len(code) == 5:
            state.lei, state.kuan = code[:3], code[3:]
        elif len(code) == 2 and state.lei:
            if state.kuan is None:
                state.kuan = code
                return state.lei + code
            return state.lei + state.kuan + code
    return code


def _label_run(label_cols: Sequence[int], amount_col: int) -> list[int]:
    """The label columns an amount column belongs to: the nearest run of adjacent label
    columns to its left (a side may hold two sub-tables, 功能分类 and 支出用途, each with
    its own labels), else every label column of the section."""
    left = [c for c in label_cols if c < amount_col]
    if not left:
        return list(label_cols)
    run = [left[-1]]
    while run[0] - 1 in label_cols:
        run.insert(0, run[0] - 1)
    return run


def _row_label(row: Sequence[LogicalCell | None], label_cols: Sequence[int]) -> str:
    """The row's own label: the innermost label cell with text (a group label merged down
    the first column, 一般公共预算资金, stands over its rows' own labels, 小计)."""
    for col in sorted(label_cols, reverse=True):
        cell = row[col]
        if cell is not None and squash(cell.text):
            return squash(cell.text)
    return ""


def _code_level(code: str | None, scheme: str | None) -> int | None:
    if not code or not scheme:
        return None
    return (FUNCTION_LEVELS if scheme == "function" else ECONOMIC_LEVELS).get(len(code))


# ---------------------------------------------------------------- line items


@dataclass(frozen=True)
class SectionPlan:
    """Which columns of one side (or of the whole one-sided table) make line items."""

    section: Section | None
    money: tuple[int, ...]  # money columns, left to right
    labels: dict[int, tuple[int, ...]]  # money column → the label columns naming its rows
    code_parts: tuple[int, int, int | None] | None  # 类, 款(, 项) columns of a split code
    code_col: int | None  # a whole code in one column
    scheme: CodeScheme | None
    code_in_label: bool = False  # no code column: labels start with their code ([205]教育支出, 30101 基本工资)


def section_plans(lt: LogicalTable) -> list[SectionPlan]:
    """Step 1: the line-item layout of a table, one plan per side (pure, from roles and cells)."""
    money = money_columns(lt)
    sections = sorted({r.section for r in money.values()}, key=lambda s: (s is not None, s or ""))
    plans = []
    for section in sections:
        cols = tuple(c for c, r in money.items() if r.section == section)
        label_cols = [c for c, r in enumerate(lt.roles) if r.role in (Role.LABEL, Role.NAME) and r.section in (section, None)]
        if not label_cols:  # an unrecognised table: its text columns left of the money label the rows
            label_cols = [c for c, r in enumerate(lt.roles) if r.role == Role.UNKNOWN and c not in money]
        split = tuple(_first_col(lt, (k,), section) for k in (Role.CODE_LEI, Role.CODE_KUAN, Role.CODE_XIANG))
        single = _first_col(lt, (Role.CODE,), section)
        # 类/款/项 in three columns; 类/款 alone is an economic code (301 | 01) in an economic table
        parts = split if split[0] is not None and split[1] is not None and (split[2] is not None or single is None) else None
        if parts:
            scheme = CodeScheme.ECONOMIC if split[2] is None and lt.family == "economic_spending" else CodeScheme.FUNCTION
        else:
            scheme = (lt.roles[single].scheme or CodeScheme.FUNCTION) if single is not None else None
        labels = {col: tuple(_label_run(label_cols, col)) for col in cols}
        in_label = False
        if scheme is None and _labels_carry_codes(lt, sorted({c for run in labels.values() for c in run})):
            in_label = True
            scheme = CodeScheme.ECONOMIC if lt.family == "economic_spending" else CodeScheme.FUNCTION
        plans.append(SectionPlan(section, cols, labels, parts, None if parts else single, scheme,  # type: ignore[arg-type]
                                 in_label))
    return plans


LABEL_CODE = re.compile(r"^[\[【(（]?(?P<code>\d{3}(?:\d{2}){0,2})[\]】)）]?(?=\D)")


def label_code(text: str | None) -> str | None:
    """The classification code a label starts with: ``[205]教育支出`` → 205, ``2050299 其他…`` → 2050299."""
    m = LABEL_CODE.match(squash(text))
    return m.group("code") if m else None


def _labels_carry_codes(lt: LogicalTable, label_cols: Sequence[int]) -> bool:
    """Most labels of the table start with a 3-, 5- or 7-digit code (广州: ``[205]教育支出``)."""
    texts = [squash(c.text) for c in lt.cells if not c.is_header and c.col in label_cols and squash(c.text)]
    texts = [t for t in texts if not TOTAL_ITEM.search(t)]
    return len(texts) >= 3 and sum(1 for t in texts if label_code(t)) >= 0.6 * len(texts)


def _row_starts(grid: list[list[LogicalCell | None]], r: int) -> dict[int, LogicalCell]:
    """The body cells that start in row r, by column."""
    return {c.col: c for c in grid[r] if c is not None and c.row == r and not c.is_header}


def row_codes(lt: LogicalTable, grid: list[list[LogicalCell | None]], plan: SectionPlan) -> dict[int, str]:
    """Step 2: each body row's full classification code, completed down the hierarchy
    (``05`` under ``215`` → ``21505``). Rows without a code, or whose code cells hold
    undecodable glyphs, are left out."""
    if plan.scheme is None:
        return {}
    state = _CodeState()
    out: dict[int, str] = {}
    code_cols = tuple(c for c in plan.code_parts if c is not None) if plan.code_parts is not None else (plan.code_col,)
    label_cols = sorted({c for run in plan.labels.values() for c in run}, reverse=True)
    for r in range(lt.n_header_rows, lt.n_header_rows + lt.n_rows):
        starts = _row_starts(grid, r)
        if plan.code_in_label:
            code = next((label_code(starts[c].text) for c in label_cols if c in starts and squash(starts[c].text)), None)
            if code:
                out[r] = code
            continue
        if any(c in starts and starts[c].text is None for c in code_cols):
            continue  # undecodable glyphs in the code: the row's code is unknown, never guessed
        if plan.code_parts is not None:
            parts = tuple((starts[c].text if c is not None and c in starts else "") for c in plan.code_parts)
            code = complete_code(parts, None, plan.scheme, state)  # type: ignore[arg-type]
        else:
            code = complete_code(None, starts[plan.code_col].text if plan.code_col in starts else None, plan.scheme, state)
        if code:
            out[r] = code
    return out


UNIT_HEADER = re.compile(r"单位(名称)?$|^单位$|资金使用单位|预算单位")
ORG_NAME = re.compile(r"(局|厅|委员会|委|办公室|办|院|医院|中心|学校|大学|学院|所|站|馆|会|队|本级|处|部|社|园|场)$")


def budget_units(lt: LogicalTable, grid: list[list[LogicalCell | None]], plan: SectionPlan) -> dict[int, str]:
    """The budget unit each body row belongs to, in a table grouped by unit (本级 and its
    sub-units in one table): the text of a unit column (单位名称 left of the row labels, also
    beyond a code column: 单位名称 | 科目编码 | 科目名称; its merged cells filled down), or a unit row (an organisation's name flush left, its
    items indented under it: 广州 表11/表12). Empty for a table not grouped by unit."""
    label_cols = sorted({c for run in plan.labels.values() for c in run})
    out: dict[int, str] = {}
    rows = range(lt.n_header_rows, lt.n_header_rows + lt.n_rows)
    # the unit column stands left of the rows' own label, beside it or beyond a code column
    # (单位名称 | 科目编码 | 科目名称)
    outer = [c for c, r in enumerate(lt.roles) if r.role in (Role.LABEL, Role.NAME) and r.section in (plan.section, None)
             and label_cols and c < label_cols[-1]]
    unit_col = next((c for c in outer if UNIT_HEADER.search(lt.column_labels[c])), None)
    if unit_col is not None:
        for r in rows:
            cell = grid[r][unit_col]
            if cell is not None and squash(cell.text) and not is_total_item(squash(cell.text)):
                out[r] = squash(cell.text)
        return out
    labelled = []
    for r in rows:
        cell = next((grid[r][c] for c in label_cols if grid[r][c] is not None and grid[r][c].row == r
                     and squash(grid[r][c].text)), None)
        if cell is not None and cell.indent is not None:
            labelled.append((r, squash(cell.text), cell.indent))
    if len(labelled) < 4:
        return out
    flush = min(ind for _, _, ind in labelled)
    heads = [(r, t) for r, t, ind in labelled if ind < flush + INDENT_STEP and not is_total_item(t)]
    deeper = [r for r, _, ind in labelled if ind >= flush + INDENT_STEP]
    header_says_unit = any(UNIT_HEADER.search(lt.column_labels[c]) for c in label_cols)
    if len(heads) < 2 or not deeper or not (header_says_unit or all(ORG_NAME.search(re.sub(r"[（(][^）)]*[）)]$", "", t))
                                                                    for _, t in heads)):
        return out
    current = None
    for r, text, ind in labelled:
        if ind < flush + INDENT_STEP:
            current = None if is_total_item(text) else text
        if current is not None:
            out[r] = current
    return out


def section_items(doc_id: str, lt: LogicalTable, grid: list[list[LogicalCell | None]], plan: SectionPlan,
                  codes: dict[int, str], rejected: list[str] | None = None) -> list[LineItem]:
    """Step 3: one line item per amount cell of the plan's money columns.

    A figure that does not fit the contract (``money_fits``) is no line item: its cell
    keeps the text, and ``rejected`` (when given) names it for ``documents.error``."""
    roles = {col: lt.roles[col] for col in plan.money}
    units = budget_units(lt, grid, plan)
    out: list[LineItem] = []
    for r in range(lt.n_header_rows, lt.n_header_rows + lt.n_rows):
        starts = _row_starts(grid, r)
        code = codes.get(r)
        for col in plan.money:
            cell = starts.get(col)
            amount = parse_amount(cell.text) if cell is not None else None
            if amount is None:
                continue
            if not money_fits(amount, lt.unit):
                if rejected is not None:
                    rejected.append(f"{squash(cell.text)} (page {cell.page})")
                continue
            item = _row_label(grid[r], plan.labels[col])
            out.append(LineItem(
                doc_id=doc_id, table_id=lt.table_id, table_type=lt.table_type, row_index=r, section=plan.section,
                code=code, code_scheme=plan.scheme if code else None, code_level=_code_level(code, plan.scheme),
                item=item, is_total=is_total_item(item), column_label=lt.column_labels[col], measure=roles[col].measure,
                amount=amount, unit=lt.unit, amount_yuan=to_yuan(amount, lt.unit), page=cell.page,
                budget_unit=units.get(r),
            ))
    return out


def label_indents(lt: LogicalTable) -> dict[tuple[int, Section | None], float]:
    """Each body row's label indentation (pt), by (row_index, section): the depth of an
    unnumbered item shows only there (一般公共预算收入 under 一、财政拨款收入)."""
    out: dict[tuple[int, Section | None], float] = {}
    if lt.form is not None:
        return out
    grid = lt.grid()
    for plan in section_plans(lt):
        cols = sorted({c for run in plan.labels.values() for c in run}, reverse=True)
        for r in range(lt.n_header_rows, lt.n_header_rows + lt.n_rows):
            cell = next((grid[r][c] for c in cols if grid[r][c] is not None and squash(grid[r][c].text)), None)
            if cell is not None and cell.row == r and cell.indent is not None:
                out[(r, plan.section)] = cell.indent
    return out


def row_numbers(lt: LogicalTable) -> dict[tuple[int, Section | None], str]:
    """Each body row's 序号 (八, （一）, 1) where the table prints it in a column of its own
    (role ``seq``), by (row_index, section): the row's depth shows there, not in its label."""
    seq_cols = [c for c, r in enumerate(lt.roles) if r.role == Role.SEQ]
    if not seq_cols or lt.form is not None:
        return {}
    grid = lt.grid()
    out: dict[tuple[int, Section | None], str] = {}
    for plan in section_plans(lt):
        col = next((c for c in seq_cols if plan.section is None or lt.roles[c].section in (plan.section, None)), None)
        if col is None:
            continue
        for r in range(lt.n_header_rows, lt.n_header_rows + lt.n_rows):
            cell = grid[r][col]
            if cell is not None and cell.row == r and squash(cell.text):
                out[(r, plan.section)] = squash(cell.text)
    return out


def line_items(doc_id: str, lt: LogicalTable, rejected: list[str] | None = None,
               registry: Registry | None = None) -> list[LineItem]:
    """Every line item of a logical table: plan the columns, complete the codes, read the amounts."""
    if lt.form is not None:
        return _form_line_items(doc_id, lt, registry or default_registry())
    plans = section_plans(lt)
    if not plans:
        return []
    grid = lt.grid()
    return [li for plan in plans for li in section_items(doc_id, lt, grid, plan, row_codes(lt, grid, plan), rejected)]


# ---------------------------------------------------------------- performance targets


def _text(cell: LogicalCell | None) -> str | None:
    if cell is None:
        return None
    t = (cell.text or "").strip()
    return t or None


def _filled_levels(row_level1: str | None, row_level2: str | None, level1: str | None,
                   level2: str | None) -> tuple[str | None, str | None]:
    """一级/二级指标 filled down over merged cells: a new 一级指标 starts its 二级 afresh."""
    if row_level1 and row_level1 != level1:
        level1, level2 = row_level1, None
    if row_level2:
        level2 = row_level2
    return level1, level2


def _indicator_target(doc_id: str, lt: LogicalTable, grid, r: int, at, level1: str | None, level2: str | None,
                      level3: str, owner: dict) -> PerformanceTarget:
    """One indicator row as a target; ``owner`` holds its unit/project fields."""
    raw, vtype = _text(at(r, "target_raw")), _text(at(r, "value_type"))
    parsed = parse_target(raw, vtype)
    # the indicator's own cells: merged project/unit cells run over pages it does not reach
    own = [c for c in grid[r] if c is not None and c.row == r and c.row_span == 1] or [at(r, "level3")]
    return PerformanceTarget(
        doc_id=doc_id, table_id=lt.table_id, table_type=lt.table_type, **owner,
        level1=level1, level2=level2, level3=level3,
        target_raw=raw, comparator=parsed.comparator, target_value=parsed.value,
        target_low=parsed.low, target_high=parsed.high,
        target_unit=_text(at(r, "target_unit")), target_content=_text(at(r, "target_content")),
        scoring_rule=_text(at(r, "scoring_rule")), weight=parse_weight(_text(at(r, "remark"))),
        page_start=min(c.page for c in own), page_end=max(c.page_end for c in own),
    )


def _levels(registry: Registry, has_levels: bool, l1: str | None, l2: str | None, l3: str) -> tuple[str | None, str | None, str]:
    """Without 一级/二级 columns, an indicator printed as 一级+二级+三级 in one cell is split by
    the standard level names (Beijing 预算13表); otherwise the cells as they are."""
    if has_levels:
        return l1, l2, l3
    s1, s2, s3 = registry.indicator_levels.split(l3)
    return (s1, s2, s3) if s1 is not None else (l1, l2, l3)


def _form_owner(lt: LogicalTable, form: FormFacts) -> dict:
    is_project = lt.table_type == TableType.PROJECT_PERFORMANCE_TARGETS
    unit_name = form.fields.get(FormField.UNIT_NAME) or (None if is_project else lt.department)
    return {"unit_code": squash(form.fields.get(FormField.UNIT_CODE)) or None, "unit_name": unit_name,
            "project_name": form.fields.get(FormField.PROJECT_NAME) if is_project else None,
            "funds": parse_amount(form.funds.cell.text) if form.funds else None,
            "goal": form.fields.get(FormField.GOAL)}


def _form_targets(doc_id: str, lt: LogicalTable, registry: Registry) -> list[PerformanceTarget]:
    form = read_form(lt, registry)
    grid = lt.grid()
    owner = _form_owner(lt, form)
    out: list[PerformanceTarget] = []
    level1 = level2 = None
    for ind in form.indicators:
        cols = ind.columns
        at = lambda r, name: grid[r][cols[name]] if name in cols else None  # noqa: E731
        level1, level2 = _filled_levels(_text(at(ind.row, "level1")), _text(at(ind.row, "level2")), level1, level2)
        l3 = _text(at(ind.row, "level3"))
        if not l3 or squash(l3) == "/":
            continue
        l1, l2, l3 = _levels(registry, Role.LEVEL1 in cols or Role.LEVEL2 in cols, level1, level2, l3)
        out.append(_indicator_target(doc_id, lt, grid, ind.row, at, l1, l2, l3, owner))
    return out


def _form_line_items(doc_id: str, lt: LogicalTable, registry: Registry) -> list[LineItem]:
    """A form's money: its 资金总额 once, and each other figure whose label names a money
    measure (其中：财政拨款, 上年结转; the 部门整体 form's split by source and by nature)."""
    form = read_form(lt, registry)
    owner = _form_owner(lt, form)
    item = squash(owner["project_name"] or owner["unit_name"]) or None
    out = []
    for value, role in form.money:
        cell, amount, unit = value.cell, parse_amount(value.cell.text), form.unit_of(value, lt.unit)
        if amount is None or not money_fits(amount, unit):
            continue
        out.append(LineItem(doc_id, lt.table_id, lt.table_type, cell.row, None, None, None, None, item or "", False,
                            "/".join(value.labels), role.measure, amount, unit, to_yuan(amount, unit), cell.page))
    return out


def performance_targets(doc_id: str, lt: LogicalTable, registry: Registry | None = None) -> list[PerformanceTarget]:
    """One target per indicator (三级指标) row of a performance table, grid or form."""
    if lt.table_type not in PERFORMANCE_TYPES:
        return []
    if lt.form is not None:
        return _form_targets(doc_id, lt, registry or default_registry())
    grid = lt.grid()
    col = {role.role: i for i, role in reversed(list(enumerate(lt.roles)))}
    if "level3" not in col:
        return []
    at = lambda r, role: grid[r][col[role]] if role in col else None  # noqa: E731
    out: list[PerformanceTarget] = []
    unit_name: str | None = None
    level1 = level2 = None
    owner = None
    for r in range(lt.n_header_rows, lt.n_header_rows + lt.n_rows):
        name_cell = at(r, "name")
        goal_cell = at(r, "goal")
        name = _text(name_cell)
        if name_cell is not None and name_cell.row == r and name and not _text(goal_cell) and not is_total_item(squash(name)):
            unit_name = name  # a unit row of 项目支出绩效目标表 (no goal, no indicators)
        if name_cell is not owner:
            owner, level1, level2 = name_cell, None, None
        level1, level2 = _filled_levels(_text(at(r, "level1")), _text(at(r, "level2")), level1, level2)
        l3 = _text(at(r, "level3"))
        if not l3 or squash(l3) == "/":
            continue
        is_project_table = lt.table_type == "project_performance_targets"
        out.append(_indicator_target(doc_id, lt, grid, r, at, level1, level2, l3, {
            "unit_code": squash(_text(at(r, "unit_code"))) or None,
            "unit_name": unit_name if is_project_table else name,
            "project_name": name if is_project_table else None,
            "funds": parse_amount(_text(at(r, "funds"))), "goal": _text(goal_cell)}))
    return out


# ---------------------------------------------------------------- tables


def is_empty(lt: LogicalTable) -> bool:
    """No body cell holds a value (row labels alone may be printed)."""
    body = [c for c in lt.cells if not c.is_header]
    if lt.table_type in PERFORMANCE_TYPES:
        return not any(squash(c.text) for c in body)
    money = money_columns(lt)
    if money:
        return not any(c.col in money and parse_amount(c.text) is not None for c in body)
    return not any(squash(c.text) for c in body)


def table_record(doc_id: str, lt: LogicalTable, n_checks_run: int = 0, n_checks_failed: int = 0) -> TableRecord:
    return TableRecord(
        doc_id=doc_id, table_id=lt.table_id, table_type=lt.table_type, title=squash(lt.title) or None,
        unit_label=lt.unit, page_start=min(lt.pages), page_end=max(lt.pages), n_rows=lt.n_rows, n_cols=lt.n_cols,
        header=lt.column_labels, is_empty=is_empty(lt), n_checks_run=n_checks_run, n_checks_failed=n_checks_failed,
        stitch_evidence=lt.evidence, text_source=lt.text_source, type_rule=lt.type_rule,
    )


__all__ = ["cell_records", "label_indents", "line_items", "row_numbers", "performance_targets", "table_record", "is_total_item", "money_columns"]
