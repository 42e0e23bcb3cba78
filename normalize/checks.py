"""Accounting identity checks over published records.

Budgets must add up, so every extracted document can check itself. The rules are data
(``templates/checks.toml``); this module evaluates a few generic shapes of them over
``TableRecord``/``LineItem``/``PerformanceTarget`` records and the prose of part 1.
A failed check is a finding (a misread number or a real error in the document); it is
reported, never "fixed". A check whose inputs are missing is ``not_run``, never passed.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Iterable, Literal, Sequence

import msgspec

from budgetpdf.contract import NUMBER_SCALE, UNIT_TO_YUAN, CheckResult, LineItem, PerformanceTarget, TableRecord

from .emit import INDENT_STEP
from .rules import check_regex, decode_rule_file, default_rule_set
from .vocabulary import Measure, Section, Shape, TableType

WHITESPACE = re.compile(r"\s+")


# ---------------------------------------------------------------- rules (data)


@dataclass(frozen=True)
class Selector:
    """Picks one figure of one table: its total row or the sum of its other rows."""

    table_type: TableType
    row: str = "total"  # "total" | "sum"
    section: Section | None = None
    item: str | None = None  # regex on the row label
    measures: tuple[Measure, ...] = (Measure.TOTAL,)


@dataclass(frozen=True)
class RowwiseRule:
    id: str
    table_types: tuple[TableType, ...]
    total: Measure
    parts: tuple[Measure, ...]


@dataclass(frozen=True)
class CrossRule:
    id: str
    subject: str
    expected: Selector
    actual: Selector


@dataclass(frozen=True)
class ProseRule:
    id: str
    pattern: re.Pattern[str]
    target: Selector


@dataclass(frozen=True)
class CheckRules:
    shapes: dict[Shape, tuple[TableType, ...]]
    rowwise: tuple[RowwiseRule, ...]
    cross: tuple[CrossRule, ...]
    prose: tuple[ProseRule, ...]

    def applies_to(self, table_type: str) -> bool:
        return any(table_type in types for types in self.shapes.values()) or any(
            table_type in r.table_types for r in self.rowwise
        )


# ---------------------------------------------------------------- the file's schema (validated on load)


class _Entry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class SelectorEntry(_Entry):
    table_type: TableType
    row: Literal["total", "sum"] = "total"
    section: Section | None = None
    item: str | None = None
    measures: list[Measure] = msgspec.field(default_factory=lambda: [Measure.TOTAL])

    def __post_init__(self) -> None:
        check_regex(self.item, "item")


class RowwiseEntry(_Entry):
    id: str
    table_types: list[TableType]
    total: Measure
    parts: list[Measure]


class CrossEntry(_Entry):
    id: str
    subject: str
    expected: SelectorEntry
    actual: SelectorEntry


class ProseEntry(_Entry):
    id: str
    pattern: str
    target: SelectorEntry

    def __post_init__(self) -> None:
        check_regex(self.pattern, "pattern")


class ChecksFile(_Entry):
    """``checks.toml`` as written (see the comments in that file)."""

    shapes: dict[Shape, list[TableType]] = {}
    rowwise: list[RowwiseEntry] = []
    cross: list[CrossEntry] = []
    prose: list[ProseEntry] = []


def _selector(d: SelectorEntry) -> Selector:
    return Selector(table_type=d.table_type, row=d.row, section=d.section, item=d.item, measures=tuple(d.measures))


def build_check_rules(text: str, source: str = "checks.toml") -> CheckRules:
    """Validate ``checks.toml``'s text and compile it; raises ``RuleFileError``."""
    f = decode_rule_file(text, source, ChecksFile)
    return CheckRules(
        shapes={k: tuple(v) for k, v in f.shapes.items()},
        rowwise=tuple(RowwiseRule(r.id, tuple(r.table_types), r.total, tuple(r.parts)) for r in f.rowwise),
        cross=tuple(CrossRule(r.id, r.subject, _selector(r.expected), _selector(r.actual)) for r in f.cross),
        prose=tuple(ProseRule(r.id, re.compile(r.pattern), _selector(r.target)) for r in f.prose),
    )


def load_rules(path: Path | None = None) -> CheckRules:
    """The identity rules from ``path`` (default: this process's rule set)."""
    if path is None:
        return default_rule_set().checks
    return build_check_rules(Path(path).read_text("utf-8"), str(path))


# ---------------------------------------------------------------- row view


@dataclass
class Row:
    """The line items of one printed row (one side of it, for two-sided tables)."""

    row_index: int
    section: str | None
    code: str | None
    code_level: int | None
    item: str
    is_total: bool
    cells: dict[str, LineItem] = field(default_factory=dict)  # by column_label, in column order
    indent: float | None = None  # pt from the label cell's left edge to its text, when known
    budget_unit: str | None = None  # in a table grouped by budget unit
    numbering: str | None = None  # the row's 序号 (八, （一）, 1) when printed in a column of its own

    def amount(self, column_label: str) -> Decimal | None:
        li = self.cells.get(column_label)
        return li.amount if li else None

    def by_measure(self, measure: str) -> LineItem | None:
        for li in self.cells.values():
            if li.measure == measure:
                return li
        return None


def rows_of(items: Iterable[LineItem], indents: dict[tuple[int, int, str | None], float] | None = None,
            numbering: dict[tuple[int, int, str | None], str] | None = None) -> list[Row]:
    """Group line items into rows, ordered by row index then section. ``indents`` and
    ``numbering`` (optional, keyed by table_id, row_index, section) give each row label's
    indentation in pt and its 序号 printed in a column of its own."""
    rows: dict[tuple[int, str | None, str], Row] = {}
    for li in items:
        key = (li.row_index, li.section, li.item)  # a side may hold two sub-tables with their own labels
        row = rows.get(key)
        if row is None:
            indent = (indents or {}).get((li.table_id, li.row_index, li.section))
            row = rows[key] = Row(li.row_index, li.section, li.code, li.code_level, li.item, li.is_total, indent=indent,
                                  budget_unit=li.budget_unit,
                                  numbering=(numbering or {}).get((li.table_id, li.row_index, li.section)))
        row.cells[li.column_label] = li
    return sorted(rows.values(), key=lambda r: (r.row_index, r.section or ""))


def _columns(rows: Sequence[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for r in rows:
        for label in r.cells:
            seen.setdefault(label, None)
    return list(seen)


# ---------------------------------------------------------------- evaluation


def _quantum(values: Iterable[Decimal]) -> Decimal:
    exps = [v.as_tuple().exponent for v in values if isinstance(v.as_tuple().exponent, int)]
    return Decimal(1).scaleb(min(exps)) if exps else Decimal("0.01")


def _tolerance(expected: Decimal, parts: Sequence[Decimal]) -> Decimal:
    """Rounding allowance: half a printed quantum per part, at least one quantum."""
    q = _quantum([expected, *parts])
    return max(q, q / 2 * len(parts))


STORED_QUANTUM = Decimal(1).scaleb(-NUMBER_SCALE)


def _stored(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """A figure at the contract's scale (6 decimals): computed figures (unit conversions,
    half-quantum tolerances) can have more; the comparison itself is made unrounded."""
    if value.as_tuple().exponent >= -NUMBER_SCALE:  # type: ignore[operator]
        return value
    return value.quantize(STORED_QUANTUM, rounding=rounding)


@dataclass
class _Ctx:
    doc_id: str
    results: list[CheckResult] = field(default_factory=list)

    def compare(
        self,
        check_id: str,
        table: TableRecord | None,
        table_type: str,
        subject: str,
        expected: Decimal,
        parts: Sequence[Decimal],
        pages: Iterable[int],
        tolerance: Decimal | None = None,
        at_most: bool = False,
    ) -> None:
        """Record ``expected`` (printed) against Σ ``parts`` (computed): equal within the
        rounding tolerance, or, with ``at_most``, the parts not exceeding the printed figure."""
        actual = sum(parts, Decimal(0))
        tol = tolerance if tolerance is not None else _tolerance(expected, parts)
        ok = actual - expected <= tol if at_most else abs(expected - actual) <= tol
        self.results.append(
            CheckResult(
                doc_id=self.doc_id,
                check_id=check_id,
                table_id=table.table_id if table else None,
                table_type=table_type,
                subject=subject,
                expected=_stored(expected),
                actual=_stored(actual),
                tolerance=_stored(tol, ROUND_CEILING),
                status="passed" if ok else "failed",
                passed=ok,
                pages=tuple(sorted(set(pages))),
            )
        )

    def not_run(self, check_id: str, table: TableRecord | None, table_type: str, subject: str) -> None:
        self.results.append(
            CheckResult(self.doc_id, check_id, table.table_id if table else None, table_type, subject, None, None, None,
                        "not_run", None, ())
        )


def _pages(rows: Iterable[Row], label: str | None = None) -> list[int]:
    out = []
    for r in rows:
        for lbl, li in r.cells.items():
            if label is None or lbl == label:
                out.append(li.page)
    return out


def printed_parents(coded: Sequence[Row]) -> dict[int, Row | None]:
    """Each coded row's nearest printed ancestor (the longest other code that is a prefix of
    its code), by row position; None for a top-level row. A level left unprinted (a 7-digit
    经济 code 3021101 whose 30211 is not a row) does not break the hierarchy."""
    by_code = {r.code: r for r in coded}
    out: dict[int, Row | None] = {}
    for r in coded:
        parent = None
        for k in range(len(r.code) - 1, 2, -1):
            parent = by_code.get(r.code[:k])
            if parent is not None:
                break
        out[id(r)] = parent
    return out


def _code_hierarchy(ctx: _Ctx, table: TableRecord, rows: list[Row]) -> None:
    """合计 = Σ top-level codes; each printed code = Σ its printed children, per column; a
    unit row = Σ its unit's top-level codes.

    Codes are read within each budget unit of a table grouped by unit. A code printed
    twice in one group (budget units run one after another without their names) makes
    its parent checks ambiguous: ``not_run``."""
    coded = [r for r in rows if r.code]
    totals = [r for r in rows if r.is_total and not r.code]
    if not coded:
        return
    groups: dict[str | None, list[Row]] = defaultdict(list)
    for r in coded:
        groups[r.budget_unit].append(r)
    parent_of: dict[int, Row | None] = {}
    repeated: set[str] = set()
    for group in groups.values():
        counts = Counter(r.code for r in group)
        repeated |= {c for c, n in counts.items() if n > 1}
        parent_of.update(printed_parents(group))
    top = [r for r in coded if parent_of[id(r)] is None]
    _unit_rows(ctx, table, rows, top, repeated)
    for label in _columns(rows):
        for total in totals:
            expected = total.amount(label)
            if expected is None or not top:
                continue
            if any(r.code in repeated for r in top) and not any(r.budget_unit for r in top):
                ctx.not_run(f"{table.table_type}.total_eq_sum_of_top_codes", table, table.table_type,
                            f"{total.item} / {label}: codes printed more than once (rows not identified)")
                continue
            parts = [r.amount(label) or Decimal(0) for r in top]
            ctx.compare(f"{table.table_type}.total_eq_sum_of_top_codes", table, table.table_type,
                        f"{total.item} / {label}", expected, parts, _pages([total, *top], label))
        for parent in coded:
            expected = parent.amount(label)
            if expected is None:
                continue
            children = [r for r in coded if parent_of[id(r)] is parent]
            if not children:
                continue
            subject = f"{parent.code} {parent.item} / {label}"
            if parent.code in repeated or any(c.code in repeated for c in children):
                ctx.not_run(f"{table.table_type}.parent_code_eq_sum_of_children", table, table.table_type,
                            f"{subject}: code printed more than once (rows not identified)")
                continue
            parts = [r.amount(label) or Decimal(0) for r in children]
            ctx.compare(f"{table.table_type}.parent_code_eq_sum_of_children", table, table.table_type,
                        subject, expected, parts, _pages([parent, *children], label))


def _unit_rows(ctx: _Ctx, table: TableRecord, rows: list[Row], top: list[Row], repeated: set[str]) -> None:
    """A unit row of a table grouped by unit (its name heading its rows, its own figures:
    广州 表11) = Σ the unit's top-level codes, per column: totals are checked per unit."""
    for head in rows:
        if head.code or head.is_total or not head.budget_unit or _squash(head.item) != _squash(head.budget_unit):
            continue
        mine = [r for r in top if r.budget_unit == head.budget_unit]
        for label in _columns(rows):
            expected = head.amount(label)
            if expected is None or not mine:
                continue
            subject = f"{head.item} / {label}"
            if any(r.code in repeated for r in mine):
                ctx.not_run(f"{table.table_type}.unit_eq_sum_of_top_codes", table, table.table_type,
                            f"{subject}: codes printed more than once (rows not identified)")
                continue
            ctx.compare(f"{table.table_type}.unit_eq_sum_of_top_codes", table, table.table_type, subject, expected,
                        [r.amount(label) or Decimal(0) for r in mine], _pages([head, *mine], label))


ENUM_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十]+[、.．]"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), 2),
    (re.compile(r"^\d+[、.．](?!\d)"), 3),
    (re.compile(r"^[（(]\d+[）)]"), 4),
)
OF_WHICH = re.compile(r"^其中[:：]?")


SEQ_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十]+[、.．]?$"), 1),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]$"), 2),
    (re.compile(r"^\d+[、.．]?$"), 3),
    (re.compile(r"^[（(]\d+[）)]$"), 4),
)


def _enum_level(item: str | Row) -> int | None:
    """Numbering depth of a label, or of a row (its 序号 column when printed apart: 八 /
    （一） / 1, 哈尔滨 2023 决算): 一、 > （一） > 1. > (1); None when unnumbered."""
    if isinstance(item, Row):
        if item.numbering:
            return next((level for pattern, level in SEQ_LEVELS if pattern.match(item.numbering)), None)
        item = item.item
    base = OF_WHICH.sub("", item)
    for pattern, level in ENUM_LEVELS:
        if pattern.match(base):
            return level
    return None


def _closes_block(row: Row) -> bool:
    """Rows that sum the items above them: totals, and subtotals (当年收入小计) that the
    contract does not count as is_total."""
    return row.is_total or row.item.endswith("小计")


def _side_levels(side: Sequence[Row]) -> list[int]:
    """Item depth down one side or table, from the numbering: 一、 > （一） > 1. > (1);
    其中： rows (and unnumbered rows after them) sit one below the row above; a numbering
    restarting at 一、 under an unnumbered row (年初结转和结余 / 一、二、三、) nests under it."""
    levels: list[int] = []
    nested = False
    of_which: int | None = None
    for i, row in enumerate(side):
        raw = _enum_level(row)
        prev = side[i - 1] if i else None
        if _closes_block(row):
            nested, of_which = False, None
            level = 1
        elif OF_WHICH.match(row.item):
            level = raw if raw is not None else (levels[-1] + 1 if levels else 2)
            of_which = level
        elif raw is None:
            if of_which is not None:
                # under a 其中 row; indented deeper than it, one of its own parts
                level = of_which
                anchor = next((j for j in range(i - 1, -1, -1) if OF_WHICH.match(side[j].item)), None)
                if anchor is not None and row.indent is not None and side[anchor].indent is not None \
                        and row.indent > side[anchor].indent + INDENT_STEP:
                    level = _indented_level(side, levels, i)
            else:
                level = _indented_level(side, levels, i)
            nested = nested and of_which is not None
        else:
            if raw == 1 and prev is not None and not _closes_block(prev) and _enum_level(prev) is None \
                    and not OF_WHICH.match(prev.item) and of_which is None and levels[-1] == 1:
                nested = True  # 一、二、 restarting under an unnumbered heading (年初结转和结余)
            level = raw + 1 if nested else raw
            if of_which is not None and level <= of_which - 1:
                of_which = None
        levels.append(level)
    return levels




def _indented_level(side: Sequence[Row], levels: Sequence[int], i: int) -> int:
    """Depth of an unnumbered row from indentation: one below the nearest row above it that
    is indented less (一般公共预算收入 under 一、财政拨款收入), the same as the nearest row
    above indented alike; 1 when the layout shows no indentation."""
    mine = side[i].indent
    if mine is None:
        return 1
    for j in range(i - 1, -1, -1):
        other = side[j]
        if _closes_block(other) or other.indent is None:
            break
        if other.indent < mine - INDENT_STEP:
            return levels[j] + 1
        if abs(other.indent - mine) <= INDENT_STEP:
            return levels[j]
    return 1


def hierarchy_unidentified(rows: Sequence[Row]) -> str | None:
    """Why the depth of a code-less table's rows cannot be read, or None when it can.

    Depth comes from numbering (一、（一）1.(1)) or from indentation. Unnumbered items are
    read only when their indents fall into clearly separate levels: each level's indents
    within 1.5 pt of each other, levels at least 6 pt apart (a justified or jittery
    label column, 河南 2026 provincial tables, leaves 款 and 项 ambiguous), all of them
    indented under the numbered rows (东莞 prints 款 and 项 flush with 一、)."""
    loose = [r for r in rows if not _closes_block(r) and _enum_level(r) is None and not OF_WHICH.match(r.item)]
    numbered = len(rows) - len(loose)
    if not loose:
        return None  # every item numbered
    if not numbered and len({r.indent for r in loose}) <= 1:
        return "neither codes, numbering nor indentation show the levels"
    indents = sorted(r.indent for r in loose if r.indent is not None)
    if len(indents) < len(loose):
        return "unnumbered rows without indentation"
    clusters: list[list[float]] = [[indents[0]]]
    for v in indents[1:]:
        if v - clusters[-1][-1] <= INDENT_STEP:
            clusters[-1].append(v)
        else:
            clusters.append([v])
    if any(c[-1] - c[0] > 1.5 for c in clusters) or \
            any(b[0] - a[-1] < 6.0 for a, b in zip(clusters, clusters[1:])):
        return "unnumbered rows whose indentation does not separate their levels"
    heads = [r.indent for r in rows if r not in loose and not _closes_block(r) and r.indent is not None]
    if heads and indents[0] < max(heads) + 6.0:
        return "unnumbered rows not indented under the numbered ones (款 and 项 alike)"
    return None


def _children(rows: Sequence[Row], levels: Sequence[int], i: int) -> list[Row]:
    """The direct children of row i: the shallowest rows below it before its next peer."""
    below: list[tuple[Row, int]] = []
    for nxt, lvl in zip(rows[i + 1:], levels[i + 1:]):
        if _closes_block(nxt) or lvl <= levels[i]:
            break
        below.append((nxt, lvl))
    if not below:
        return []
    top = min(lvl for _, lvl in below)
    return [r for r, lvl in below if lvl == top]


def _parent_items(ctx: _Ctx, table: TableRecord, rows: Sequence[Row], levels: Sequence[int], prefix: str) -> None:
    """A parent item = Σ its direct children (1、 under 一、), per printed column.

    ``其中：`` rows list some of the parent's parts, not always all of them (其中：国有土地使用权
    出让收入安排的支出 beside 国有土地收益基金安排的支出): for them the identity is that they
    never add up to more than the parent (``parent_item_covers_of_which_rows``)."""
    labels = _columns(rows)
    for i, row in enumerate(rows):
        # a 其中 row is no parent: the rows after it may be more 其中 items or its own parts
        children = [] if _closes_block(row) or OF_WHICH.match(row.item) else _children(rows, levels, i)
        of_which = any(OF_WHICH.match(c.item) for c in children)
        for label in labels if children else ():
            expected = row.amount(label)
            if expected is None:
                continue
            parts = [c.amount(label) or Decimal(0) for c in children]
            if of_which:
                ctx.compare(f"{table.table_type}.parent_item_covers_of_which_rows", table, table.table_type,
                            f"{prefix}{row.item} / {label}", expected, parts, _pages([row, *children], label),
                            at_most=True)
            else:
                ctx.compare(f"{table.table_type}.parent_item_eq_sum_of_children", table, table.table_type,
                            f"{prefix}{row.item} / {label}", expected, parts, _pages([row, *children], label))


def _side_totals(ctx: _Ctx, table: TableRecord, rows: list[Row]) -> None:
    sides: dict[str | None, list[Row]] = defaultdict(list)
    for r in rows:
        sides[r.section].append(r)
    for section, side in sides.items():
        labels = _columns(side)
        levels = _side_levels(side)
        side_name = f"{section} " if section else ""
        _parent_items(ctx, table, side, levels, side_name)
        # each total = Σ top-level rows since the previous total (+ the previous total)
        previous: Row | None = None
        block: list[Row] = []
        seen_items = False
        for row, lvl in zip(side, levels):
            if not _closes_block(row):
                seen_items = True
                if lvl == 1:
                    block.append(row)
                continue
            if previous is not None and not block and not seen_items:
                # two totals in a row: totals printed above their items (收入总计, then each
                # group's 小计 over its items): which rows a total sums is not identified
                ctx.not_run(f"{table.table_type}.total_eq_sum_of_items", table, table.table_type,
                            f"{side_name}{row.item}: totals printed above their items")
                break
            members = ([previous] if previous else []) + block
            for label in labels:
                expected = row.amount(label)
                if expected is None or not members:
                    continue
                parts = [m.amount(label) or Decimal(0) for m in members]
                ctx.compare(f"{table.table_type}.total_eq_sum_of_items", table, table.table_type,
                            f"{side_name}{row.item} / {label}", expected, parts, _pages([row, *members], label))
            previous, block = row, []
    # income totals = expenditure totals (本年收入合计 = 本年支出合计, 收入总计 = 支出总计)
    income = {r.item: r for r in sides.get("income", []) if r.is_total}
    final = {s: _headline([r for r in sides.get(s, []) if r.is_total][-1]) if any(r.is_total for r in sides.get(s, []))
             else None for s in ("income", "expenditure")}
    for exp_row in (r for r in sides.get("expenditure", []) if r.is_total):
        inc_row = income.get(exp_row.item.replace("支出", "收入"))
        if inc_row is None:
            continue
        inc, exp = _headline(inc_row), _headline(exp_row)
        if inc is None or exp is None:
            continue
        # 本年收入合计 = 本年支出合计 only when neither side carries balances in or out
        # (上年结转, 年末结余): then each side's 总计 equals its 本年 total. 总计 = 总计 always.
        carries = any(f is not None and f.amount != h.amount for f, h in ((final["income"], inc), (final["expenditure"], exp)))
        if carries and not (final["income"] is inc and final["expenditure"] is exp):
            continue
        ctx.compare(f"{table.table_type}.income_total_eq_expenditure_total", table, table.table_type,
                    f"{inc_row.item} vs {exp_row.item}", inc.amount, [exp.amount], [inc.page, exp.page])


def _headline(row: Row) -> LineItem | None:
    """The row's main figure: its total/current-year column, else its first printed one."""
    for measure in ("total", "current_year"):
        li = row.by_measure(measure)
        if li is not None:
            return li
    return next(iter(row.cells.values()), None)


def _rows_total(ctx: _Ctx, table: TableRecord, rows: list[Row]) -> None:
    """The total row (top or bottom) = Σ the top-level rows; a parent = Σ its 其中 rows."""
    levels = _side_levels(rows)
    totals = [r for r in rows if r.is_total]
    others = [r for r, lvl in zip(rows, levels) if not r.is_total and lvl == 1]
    if not others:
        return
    _parent_items(ctx, table, rows, levels, "")
    for total in totals:
        for label in _columns(rows):
            expected = total.amount(label)
            if expected is None:
                continue
            parts = [r.amount(label) or Decimal(0) for r in others]
            ctx.compare(f"{table.table_type}.total_eq_sum_of_rows", table, table.table_type,
                        f"{total.item} / {label}", expected, parts, _pages([total, *others], label))


def _squash(s: str | None) -> str:
    return WHITESPACE.sub("", s or "")


def _unit_projects(ctx: _Ctx, table: TableRecord, rows: list[Row], targets: Sequence[PerformanceTarget]) -> None:
    mine = [t for t in targets if t.table_id == table.table_id]
    unit_of_project = {_squash(t.project_name): _squash(t.unit_name) for t in mine if t.project_name}
    unit_names = {_squash(t.unit_name) for t in mine if t.unit_name} - set(unit_of_project)
    unit_rows = [r for r in rows if not r.is_total and _squash(r.item) in unit_names]
    totals = [r for r in rows if r.is_total]
    for total in totals:
        head = _headline(total)
        if head is None or not unit_rows:
            continue
        parts = [u.amount(head.column_label) or Decimal(0) for u in unit_rows]
        ctx.compare(f"{table.table_type}.total_eq_sum_of_units", table, table.table_type,
                    f"{total.item} / {head.column_label}", head.amount, parts, _pages([total, *unit_rows], head.column_label))
    for unit in unit_rows:
        head = _headline(unit)
        projects = [r for r in rows if not r.is_total and unit_of_project.get(_squash(r.item)) == _squash(unit.item)
                    and r.row_index > unit.row_index]
        if head is None or not projects:
            continue
        parts = [p.amount(head.column_label) or Decimal(0) for p in projects]
        ctx.compare(f"{table.table_type}.unit_eq_sum_of_projects", table, table.table_type,
                    f"{unit.item} / {head.column_label}", head.amount, parts, _pages([unit, *projects], head.column_label))


SUBTOTAL_TAIL = re.compile(r"/(小计|合计|金额)$")


def _outermost(parts: Sequence[LineItem]) -> list[LineItem]:
    """Parts without those already counted by a group subtotal among them: with
    ``财政拨款收入/小计`` a part, ``财政拨款收入/一般公共预算`` is inside it, not beside it; with
    ``事业收入/金额`` a part, ``事业收入/其中：教育收费`` is inside it (西南大学 收入预算表)."""
    groups = {SUBTOTAL_TAIL.sub("", p.column_label) + "/" for p in parts if SUBTOTAL_TAIL.search(p.column_label)}
    return [p for p in parts if not any(p.column_label.startswith(g) and not SUBTOTAL_TAIL.search(p.column_label)
                                        for g in groups)]


YEAR_BLOCK = re.compile(r"^[^/]*(?:20\d{2}|二[○〇零][一二三四五六七八九○〇零]{2})年[^/]*/")


def column_block(column_label: str) -> str:
    """The year block a column belongs to: ``2026年预算数/`` for ``2026年预算数/合计`` (tables
    printing last year's and this year's figures side by side), "" for other columns."""
    m = YEAR_BLOCK.match(column_label)
    return m.group(0) if m else ""


def _rowwise(ctx: _Ctx, table: TableRecord, rows: list[Row], rule: RowwiseRule) -> None:
    """Within each row: the ``total`` measure = Σ the ``parts`` measures printed in it, per
    year block (``2025年预算数 | 2026年预算数``: figures are compared within one year).

    Runs only on what is identified: a row printing a figure in a column whose measure is
    not known (it may be a part) gives ``not_run`` naming the column, never a failure.
    """
    check_id = f"{table.table_type}.{rule.id}"
    for row in rows:
        blocks: dict[str, list[LineItem]] = {}
        for li in row.cells.values():
            blocks.setdefault(column_block(li.column_label), []).append(li)
        for block, items in blocks.items():
            _rowwise_block(ctx, table, row, rule, check_id, block, items)


def _rowwise_block(ctx: _Ctx, table: TableRecord, row: Row, rule: RowwiseRule, check_id: str, block: str,
                   items: list[LineItem]) -> None:
    total = next((li for li in items if li.measure == rule.total), None)
    if total is None:
        return
    parts = _outermost([li for li in items if li.measure in rule.parts and li is not total])
    if not parts:
        return
    label = row.code or row.item
    subject = f"{label} ({row.section or 'row'})" if row.section else label
    subject = f"{block}{subject}" if block else subject
    unknown = [li.column_label for li in items if li.measure is None]
    if unknown:
        ctx.not_run(check_id, table, table.table_type, f"{subject}: column {unknown[0]} not identified")
        return
    ctx.compare(check_id, table, table.table_type, subject, total.amount, [p.amount for p in parts],
                [total.page] + [p.page for p in parts])


@dataclass(frozen=True)
class _Figure:
    value: Decimal
    unit: str | None
    table: TableRecord
    pages: tuple[int, ...]
    name: str = ""  # the total row's label


def _select(sel: Selector, tables: Sequence[TableRecord], rows_by_table: dict[int, list[Row]]) -> list[_Figure]:
    """The figures a selector names, one per total row its ``item`` pattern admits (in
    table order), or the sum of the other rows; empty when its table is missing, printed
    empty or has no such row."""
    for table in tables:
        if table.table_type != sel.table_type or table.is_empty:
            continue
        rows = [r for r in rows_by_table.get(table.table_id, []) if sel.section is None or r.section == sel.section]
        if sel.item:
            pattern = re.compile(sel.item)
            rows = [r for r in rows if pattern.search(_squash(r.item))]
        if sel.row == "total":
            groups = [[r] for r in rows if r.is_total]
            if not sel.item:
                groups = groups[:1]
        else:
            groups = [[r for r in rows if not r.is_total]]
        figures = []
        for candidates in groups:
            if not candidates:
                continue
            label = None
            for measure in sel.measures:
                found = [li for r in candidates for li in r.cells.values() if li.measure == measure]
                if found:  # in a table of two year blocks, this year's (the latest) block
                    label = max(found, key=lambda li: column_block(li.column_label)).column_label
                    break
            if label is None:
                continue
            items = [r.cells[label] for r in candidates if label in r.cells]
            value = sum((li.amount for li in items), Decimal(0))
            unit = items[0].unit if items else None
            name = candidates[0].item if sel.row == "total" else ""
            figures.append(_Figure(value, unit, table, tuple(li.page for li in items), name))
        if figures:
            return figures
    return []


def _cross(ctx: _Ctx, rule: CrossRule, tables: Sequence[TableRecord], rows_by_table: dict[int, list[Row]]) -> None:
    """One figure of one table = one figure of another. Where the expected selector admits
    several printed totals (本年收入合计 or 收入总计: templates differ in what the other
    table adds up to), the one nearest the computed figure is the expected one."""
    expected_all = _select(rule.expected, tables, rows_by_table)
    actual_all = _select(rule.actual, tables, rows_by_table)
    if not expected_all or not actual_all:
        missing = rule.expected.table_type if not expected_all else rule.actual.table_type
        ctx.not_run(f"cross_table.{rule.id}", None, "cross_table", f"{rule.subject}: no figure from {missing}")
        return
    actual = actual_all[0]
    pairs = [(e, _convert(actual.value, actual.unit, e.unit)) for e in expected_all]
    pairs = [(e, a) for e, a in pairs if a is not None]
    if not pairs:
        ctx.not_run(f"cross_table.{rule.id}", None, "cross_table",
                    f"{rule.subject}: units {actual.unit} vs {expected_all[0].unit}")
        return
    expected, act = min(pairs, key=lambda p: abs(p[0].value - p[1]))
    subject = rule.subject if expected is expected_all[0] else f"{rule.subject} ({expected.name})"
    ctx.compare(f"cross_table.{rule.id}", None, "cross_table", subject, expected.value, [act],
                expected.pages + actual.pages, tolerance=_tolerance(expected.value, [actual.value]))


def _convert(value: Decimal, unit: str | None, to_unit: str | None) -> Decimal | None:
    if unit == to_unit:
        return value
    f_from, f_to = UNIT_TO_YUAN.get(unit or ""), UNIT_TO_YUAN.get(to_unit or "")
    if f_from is None or f_to is None:
        return None
    return value * f_from / f_to


def _prose(ctx: _Ctx, rule: ProseRule, prose: str, tables: Sequence[TableRecord], rows_by_table: dict[int, list[Row]]) -> None:
    m = rule.pattern.search(prose)
    if not m:
        return
    quoted = Decimal(m.group(1).replace(",", ""))
    unit = m.group(2) if m.lastindex and m.lastindex >= 2 else "万元"
    subject = f"prose “{m.group(0)}”"
    figures = _select(rule.target, tables, rows_by_table)
    if not figures:
        ctx.not_run(f"prose.{rule.id}", None, "prose", f"{subject}: no {rule.target.table_type} figure")
        return
    converted = [(f, _convert(f.value, f.unit, unit)) for f in figures]
    converted = [(f, v) for f, v in converted if v is not None]
    if not converted:
        ctx.not_run(f"prose.{rule.id}", None, "prose", f"{subject}: unit {figures[0].unit} vs {unit}")
        return
    fig, table_value = min(converted, key=lambda p: abs(p[1] - quoted))
    q = _quantum([quoted])
    ctx.compare(f"prose.{rule.id}", None, "prose", subject, quoted, [table_value], fig.pages,
                tolerance=max(q / 2, _quantum([fig.value]) / 2))


def implicit_totals(line_items: Sequence[LineItem],
                    indents: dict[tuple[int, int, str | None], float] | None = None,
                    numbering: dict[tuple[int, int, str | None], str] | None = None) -> set[tuple[int, int, str | None]]:
    """Rows that are a table's total without saying so, as (table_id, row_index, section).

    A first or last row printing no 合计/总计 (a 全市 line, a “三公”经费 line, a label in
    another column) is the total when the identity says so: in every column it prints, its
    figure equals the sum of the table's other top-level rows (the shallowest codes, else
    the shallowest numbering/indentation), with at least two such rows behind each sum.
    A table's only row, unlabelled, is its own total (上海 三公 tables).
    """
    by_table: dict[int, list[LineItem]] = defaultdict(list)
    for li in line_items:
        by_table[li.table_id].append(li)
    out: set[tuple[int, int, str | None]] = set()
    for tid, items in by_table.items():
        for section in {li.section for li in items}:
            rows = rows_of([li for li in items if li.section == section], indents, numbering)
            if any(r.is_total for r in rows):
                continue
            if len(rows) == 1 and not rows[0].item:
                out.add((tid, rows[0].row_index, section))
                continue
            for cand in (rows[0], rows[-1]) if len(rows) >= 3 else ():
                others = [r for r in rows if r is not cand]
                if any(r.code for r in others):
                    top = min(r.code_level or 99 for r in others if r.code)
                    level1 = [r for r in others if r.code and r.code_level == top]
                else:
                    levels = _side_levels(others)
                    level1 = [r for r, lvl in zip(others, levels) if lvl == 1 and not OF_WHICH.match(r.item)]
                if len(level1) < 2 or cand.code:
                    continue
                sums_up = True
                for label in cand.cells:
                    parts = [r.amount(label) for r in level1 if r.amount(label) is not None]
                    expected = cand.amount(label)
                    if len(parts) < 2 or abs(expected - sum(parts, Decimal(0))) > _tolerance(expected, parts):
                        sums_up = False
                        break
                if sums_up and cand.cells:
                    out.add((tid, cand.row_index, section))
                    break
    return out


def run_checks(
    doc_id: str,
    tables: Sequence[TableRecord],
    line_items: Sequence[LineItem],
    targets: Sequence[PerformanceTarget] = (),
    prose: str | None = None,
    rules: CheckRules | None = None,
    errors: dict[int | None, str] | None = None,
    indents: dict[tuple[int, int, str | None], float] | None = None,
    numbering: dict[tuple[int, int, str | None], str] | None = None,
) -> list[CheckResult]:
    """Evaluate every identity that applies to this document's records.

    With ``errors`` given, a check rule that raises on one table is confined to it: its
    results for that table are dropped and ``errors[table_id]`` (``None`` for cross-table
    and prose rules) says why; without it the exception propagates.
    """
    rules = rules or load_rules()
    ctx = _Ctx(doc_id)
    by_table: dict[int, list[LineItem]] = defaultdict(list)
    for li in line_items:
        by_table[li.table_id].append(li)
    rows_by_table = {tid: rows_of(items, indents, numbering) for tid, items in by_table.items()}
    shape_fns = {Shape.CODE_HIERARCHY: _code_hierarchy, Shape.SIDE_TOTALS: _side_totals, Shape.ROWS_TOTAL: _rows_total}

    def guarded(key: int | None, fn, *args) -> None:
        if errors is None:
            fn(*args)
            return
        mark = len(ctx.results)
        try:
            fn(*args)
        except Exception as e:
            del ctx.results[mark:]
            errors.setdefault(key, f"{type(e).__name__}: {e}")

    for table in tables:
        rows = rows_by_table.get(table.table_id, [])
        if table.is_empty or not rows:
            if rules.applies_to(table.table_type):
                ctx.not_run(f"{table.table_type}.identities", table, table.table_type, "table printed empty: nothing to check")
            continue
        for shape, types in rules.shapes.items():
            if table.table_type not in types:
                continue
            if shape == Shape.UNIT_PROJECTS:
                guarded(table.table_id, _unit_projects, ctx, table, rows, targets)
            elif shape == Shape.CODE_HIERARCHY and not any(r.code for r in rows):
                # no codes printed (a government's 一、二、… tables): the numbering and
                # indentation give the hierarchy, as on a side of a two-sided table —
                # when they give it unambiguously
                why = hierarchy_unidentified(rows)
                if why:
                    ctx.not_run(f"{table.table_type}.parent_item_eq_sum_of_children", table, table.table_type,
                                f"no codes: {why}")
                else:
                    guarded(table.table_id, _side_totals, ctx, table, rows)
            else:
                guarded(table.table_id, shape_fns[shape], ctx, table, rows)
        for rule in rules.rowwise:
            if table.table_type in rule.table_types:
                guarded(table.table_id, _rowwise, ctx, table, rows, rule)
    for rule in rules.cross:
        guarded(None, _cross, ctx, rule, tables, rows_by_table)
    if prose:
        flat = _squash(prose)
        for rule in rules.prose:
            guarded(None, _prose, ctx, rule, flat, tables, rows_by_table)
    return ctx.results
