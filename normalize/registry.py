"""The template registry (``templates/registry.toml``): titles and header labels as data.

Knowledge about templates lives in the TOML file, not in code branches; this module
declares the file's schema (``RegistryFile``, validated on load by ``rules``), compiles
it, and answers "what type is this title" and "what role does this column play".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

import msgspec
import regex

from .rules import check_regex, decode_rule_file, default_rule_set
from .vocabulary import CodeScheme, FormField, Measure, Role, Section, TableType

WHITESPACE = re.compile(r"\s+")
OF_WHICH = re.compile(r"^其中[:：]?")  # 其中：基本支出 — an "of which" column keeps the measure of what follows
TOTAL_LABEL_RULE = "^(合计|总计|小计)$"  # registry.toml's generic total column rule
GROUP_AMOUNT = re.compile(r"^金额$")  # a group's own figure beside its 其中 columns (事业收入 | 金额 其中：教育收费)


_BRACKETS = str.maketrans({"(": "（", ")": "）"})

# Roles a header label read by OCR may take from a near match (``Registry.column_role``,
# ``ocr=True``): the text columns of performance tables and the row label. Money, code and
# numbering columns are left out: a label printed outside the vocabulary on purpose
# (调整预算, 预算数为上年执行数%, 项目编码) is one edit from a money or code rule, and a
# wrong money role makes identity checks fail on a correct table. Measured over every
# header label of the fixtures and both real corpora (877 paths): no unknown label takes
# one of these roles by a near match, and 128 of 140 labels with one character changed
# get their own role back (12 ambiguous, none wrong).
OCR_NEAR_ROLES = frozenset({Role.LABEL, Role.NAME, Role.UNIT_CODE, Role.GOAL, Role.LEVEL1, Role.LEVEL2,
                            Role.LEVEL3, Role.TARGET_RAW, Role.TARGET_CONTENT, Role.SCORING_RULE,
                            Role.TARGET_UNIT, Role.VALUE_TYPE, Role.REMARK})


def ocr_edit_budget(n: int) -> int:
    """How many character edits (substitution, insertion, deletion) an OCR'd header label
    of ``n`` characters may differ from a vocabulary label by: none under 4 characters
    (一级/二级/三级指标 differ by one character in four, so shorter labels are too close
    to call), one under 10, two from 10."""
    return 0 if n < 4 else 1 if n < 10 else 2


def fold_brackets(label: str) -> str:
    """A header label with half-width brackets as full-width ones, as the column rules
    write them: ``评(扣)分标准`` is ``评（扣）分标准`` (some publishers print the narrow
    form; OCR cannot always tell the two apart)."""
    return label.translate(_BRACKETS)


def squash(text: str | None) -> str:
    """Text with all whitespace removed (how titles and labels are compared)."""
    return WHITESPACE.sub("", text or "")


def _header_labels(paths: Sequence[Sequence[str]]) -> list[str]:
    """Every header label (whitespace removed) and every column path joined with ``/``."""
    labels: list[str] = []
    for path in paths:
        parts = [squash(p) for p in path if squash(p)]
        labels.extend(parts)
        if len(parts) > 1:
            labels.append("/".join(parts))
    return labels


@dataclass(frozen=True)
class TableTypeRule:
    type: TableType
    titles: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ColumnRule:
    role: Role
    label: re.Pattern[str]
    path: re.Pattern[str] | None = None
    measure: Measure | None = None
    scheme: CodeScheme | None = None
    types: tuple[TableType, ...] = ()


@dataclass(frozen=True)
class ColumnRole:
    """What one column of a logical table holds."""

    role: Role  # Role.UNKNOWN when no rule matched
    measure: Measure | None = None
    scheme: CodeScheme | None = None
    section: Section | None = None
    rule: str | None = None  # the pattern that matched, for the debug dump


@dataclass(frozen=True)
class FormRule:
    """Performance tables printed as forms: label/value rows, then an indicator grid
    (registry.toml ``[forms]``; 烟台, 西南大学, Dongguan, Beijing 转移支付, Chongqing 表十一)."""

    start: re.Pattern[str]  # the label that opens a form (项目名称, 转移支付名称, 部门名称)
    fields: dict[FormField, re.Pattern[str]]  # labels whose value is a record field
    labels: tuple[re.Pattern[str], ...] = ()  # other labels printed in forms (never a value)

    def field(self, text: str | None) -> FormField | None:
        t = squash(text)
        return next((f for f, p in self.fields.items() if t and p.search(t)), None)

    def is_label(self, text: str | None) -> bool:
        t = squash(text)
        return bool(t) and (self.field(t) is not None or self.start.search(t) is not None
                            or any(p.search(t) for p in self.labels))


@dataclass(frozen=True)
class IndicatorLevels:
    """The standard 一级/二级指标 names (registry ``[indicator_levels]``), to split an
    indicator printed as 一级+二级+三级 in one cell (Beijing 预算13表)."""

    level1: tuple[str, ...] = ()
    level2: tuple[str, ...] = ()

    def split(self, text: str) -> tuple[str | None, str | None, str]:
        """``产出指标数量指标加载社会优待功能受理率`` → (产出指标, 数量指标, 加载社会优待功能受理率);
        text not starting with a known 一级+二级 pair comes back whole as the 三级指标."""
        t = squash(text)
        for l1 in self.level1:
            if t.startswith(l1):
                for l2 in sorted(self.level2, key=len, reverse=True):
                    rest = t[len(l1):]
                    if rest.startswith(l2) and len(rest) > len(l2):
                        return l1, l2, rest[len(l2):]
        return None, None, text


@dataclass(frozen=True)
class SignatureRule:
    """A header signature: which header labels make a table of ``type`` (registry ``[[signatures]]``)."""

    name: str
    type: TableType
    family: str
    all: tuple[re.Pattern[str], ...]  # each must match some header label or column path
    any: tuple[re.Pattern[str], ...] = ()  # at least one must match, when given
    none: tuple[re.Pattern[str], ...] = ()  # none may match
    decisive: bool = False  # the header types the table whatever its title (performance indicators)

    def matches(self, labels: Sequence[str]) -> bool:
        def found(p: re.Pattern[str]) -> bool:
            return any(p.search(x) for x in labels)
        return all(found(p) for p in self.all) and (not self.any or any(found(p) for p in self.any)) \
            and not any(found(p) for p in self.none)


@dataclass(frozen=True)
class Classification:
    """A table's canonical type and the rule that gave it (``tables.type_rule``)."""

    table_type: TableType
    rule: str | None  # "title /…/", "header <signature>", "header <signature> over title /…/", None for other


@dataclass(frozen=True)
class Registry:
    table_types: tuple[TableTypeRule, ...]
    columns: tuple[ColumnRule, ...]
    sections: tuple[tuple[Section, re.Pattern[str]], ...]
    complete_cell: dict[Role, re.Pattern[str]] = field(default_factory=dict)  # role -> what a whole cell looks like
    form: FormRule | None = None
    signatures: tuple[SignatureRule, ...] = ()
    families: dict[TableType, str] = field(default_factory=dict)
    indicator_levels: IndicatorLevels = IndicatorLevels()
    _roles: dict = field(default_factory=dict, compare=False, repr=False)  # column_role memo (pure in its arguments)

    def classify(self, title: str | None, paths: Sequence[Sequence[str]]) -> Classification:
        """The type of a table from its title and its header, scored together.

        A title pattern names the type; a header signature (the column labels: 类/款/项 +
        基本支出/项目支出, two sides 收入/支出, 经济科目 + 人员/公用, 一级/二级/三级指标 …)
        names a family of types and a default type. When both speak and agree on the family
        the title's (more specific) type wins; when they disagree the header wins, since it
        is what the columns hold — unless the registry knows no header signature of the
        title's family (政府采购, 项目支出 tables print all sorts of columns); with no title
        match the header alone types the table.
        A title pattern typed ``other`` (government-level totals, transfer payments) keeps
        the table ``other``, except against a ``decisive`` signature: a header of performance
        indicators makes a performance table whatever the title (转移支付绩效目标表, 区域绩效目标表).
        Neither: ``other``.
        """
        t = squash(title)
        title_rule = next(((rule, p) for rule in self.table_types for p in rule.titles if t and p.search(t)), None)
        labels = _header_labels(paths)
        sig = next((s for s in self.signatures if s.matches(labels)), None) if labels else None
        if title_rule is not None:
            rule, pattern = title_rule
            family = self.families.get(rule.type)
            checkable = any(s.family == family for s in self.signatures)  # its header is known to the registry
            if sig is not None and sig.decisive and family != sig.family:
                return Classification(sig.type, f"header {sig.name} over title /{pattern.pattern}/")
            if rule.type == TableType.OTHER or sig is None or family == sig.family or not checkable:
                return Classification(rule.type, f"title /{pattern.pattern}/")
            return Classification(sig.type, f"header {sig.name} over title /{pattern.pattern}/")
        if sig is not None:
            return Classification(sig.type, f"header {sig.name}")
        return Classification(TableType.OTHER, None)

    def indicator_roles(self, labels: Sequence[str | None], *, ocr: bool = False) -> dict[int, Role] | None:
        """The roles of a row of labels when it is the header row of an indicator grid (it
        names an indicator column, 三级指标 / 指标名称 / 绩效指标, and a value column, 指标值 /
        本年绩效指标值 / 年度指标值), by position; None for any other row. Labels are matched by
        the [[columns]] vocabulary of performance tables; ``ocr``: labels read by OCR, which
        may also match near (``column_role``)."""
        level3 = self._roles.get("level3 labels")
        if level3 is None:
            level3 = self._roles["level3 labels"] = [r.label for r in self.columns if r.role == Role.LEVEL3]
        if not ocr and not any(p.search(squash(t)) for t in labels if squash(t) for p in level3):
            return None  # cheap: most rows of most tables name no indicator column
        roles = {i: self.column_role((t,), TableType.PROJECT_PERFORMANCE_TARGETS, ocr=ocr).role
                 for i, t in enumerate(labels) if squash(t)}
        found = set(roles.values())
        if Role.LEVEL3 in found and (Role.TARGET_RAW in found or Role.VALUE_TYPE in found):
            return {i: r for i, r in roles.items() if r != Role.UNKNOWN}
        return None

    def classify_title(self, title: str | None) -> str:
        """Canonical table type of a printed title, ``other`` if none matches."""
        t = squash(title)
        if not t:
            return TableType.OTHER
        for rule in self.table_types:
            if any(p.search(t) for p in rule.titles):
                return rule.type
        return TableType.OTHER

    def column_role(self, path: tuple[str, ...], table_type: str, *, ocr: bool = False) -> ColumnRole:
        """Role of a column named by its header labels, top to bottom.

        ``ocr``: the labels were read by OCR. A label that no rule matches may then match a
        rule of ``OCR_NEAR_ROLES`` near: within ``ocr_edit_budget`` character edits of it
        (``评（扣）分标）准`` for ``评（扣）分标准``), when exactly one role is that near. The
        ``rule`` of such a role starts with ``~``.

        Besides the registry's rules, two printing conventions of these tables:
        - ``其中：基本支出`` is an "of which" column: it keeps the measure of what follows
          the prefix (the rule is matched on the label without it);
        - a group's own total (``基本支出 | 小计 人员经费 公用经费``) takes the group's
          measure (``basic``), and a column under a group with a known measure whose own
          label names none (``财政专户拨款收入 | 教育收费 其他专户收入拨款``) is a component
          of it and takes that measure too. A 小计 under a group that names no measure stays
          a total (``一般公共预算支出 | 小计 其中：基本支出 项目支出``). A ``金额`` under such a
          group is the group's own figure (``事业收入 | 金额 其中：教育收费``, 西南大学 收入预算表):
          the group's measure, its 其中 columns components inside it.
        """
        key = (tuple(path), table_type, ocr)
        if key not in self._roles:
            self._roles[key] = self._column_role(path, table_type, ocr)
        return self._roles[key]

    def _column_role(self, path: tuple[str, ...], table_type: str, ocr: bool = False) -> ColumnRole:
        labels = [squash(p) for p in path if squash(p)]
        section = None
        for name, pattern in self.sections:
            if labels and len(labels) > 1 and pattern.search(labels[0]):
                section = name
                break
        own = self._match(labels, table_type, section)
        if own.role == Role.UNKNOWN and ocr and labels:
            own = self._near_match(labels, table_type, section)
        if len(labels) < 2 or own.role not in (Role.AMOUNT, Role.UNKNOWN):
            return own
        group = self._match(labels[:-1], table_type, section)
        if group.role != Role.AMOUNT or group.measure in (None, Measure.TOTAL):
            return own
        if own.role == Role.UNKNOWN:
            return replace(group, rule=f"component of group {labels[-2]}")
        if own.measure == Measure.TOTAL and own.rule == TOTAL_LABEL_RULE:
            return replace(group, rule=f"subtotal of group {labels[-2]}")
        if GROUP_AMOUNT.match(labels[-1]):
            return replace(group, rule=f"amount of group {labels[-2]}")
        return own

    def _match(self, labels: Sequence[str], table_type: str, section: Section | None) -> ColumnRole:
        labels = [fold_brackets(x) for x in labels]
        last = OF_WHICH.sub("", labels[-1]) if labels else ""
        full = "/".join(labels)
        for rule in self.columns:
            if rule.types and table_type not in rule.types:
                continue
            if not rule.label.search(last):
                continue
            if rule.path is not None and not rule.path.search(full):
                continue
            return ColumnRole(rule.role, rule.measure, rule.scheme, section, rule.label.pattern)
        return ColumnRole(Role.UNKNOWN, None, None, section, None)

    def _near_match(self, labels: Sequence[str], table_type: str, section: Section | None) -> ColumnRole:
        """The one role of ``OCR_NEAR_ROLES`` whose label rule matches the last label within
        its edit budget (counted on the matched span too, so a short unanchored rule does not
        match two characters of a long label by one edit); UNKNOWN when none or several."""
        labels = [fold_brackets(x) for x in labels]
        last = OF_WHICH.sub("", labels[-1])
        full = "/".join(labels)
        budget = ocr_edit_budget(len(last))
        if budget == 0:
            return ColumnRole(Role.UNKNOWN, None, None, section, None)
        found: dict[tuple, ColumnRule] = {}
        for rule in self.columns:
            if rule.role not in OCR_NEAR_ROLES or rule.types and table_type not in rule.types:
                continue
            m = _near_pattern(rule.label.pattern, budget).search(last)
            if m is None or sum(m.fuzzy_counts) > ocr_edit_budget(len(m.group())):
                continue
            if rule.path is not None and not rule.path.search(full):
                continue
            found.setdefault((rule.role, rule.measure, rule.scheme), rule)
        if len(found) != 1:
            return ColumnRole(Role.UNKNOWN, None, None, section, None)
        rule = next(iter(found.values()))
        return ColumnRole(rule.role, rule.measure, rule.scheme, section, "~" + rule.label.pattern)


_NEAR: dict[tuple[str, int], regex.Pattern[str]] = {}


def _near_pattern(pattern: str, edits: int) -> regex.Pattern[str]:
    """``pattern`` as a fuzzy pattern of the ``regex`` package allowing ``edits`` character
    edits, searching for the best (fewest edits) match."""
    key = (pattern, edits)
    if key not in _NEAR:
        _NEAR[key] = regex.compile(f"(?b)(?:{pattern}){{e<={edits}}}")
    return _NEAR[key]


# ---------------------------------------------------------------- the file's schema (validated on load)


class _Entry(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    pass


class TableTypeEntry(_Entry):
    type: TableType
    titles: list[str]

    def __post_init__(self) -> None:
        for i, p in enumerate(self.titles):
            check_regex(p, f"titles[{i}]")


class ColumnEntry(_Entry):
    role: Role
    label: str
    path: str | None = None
    measure: Measure | None = None
    scheme: CodeScheme | None = None
    types: list[TableType] = []

    def __post_init__(self) -> None:
        check_regex(self.label, "label")
        check_regex(self.path, "path")
        if self.measure is not None and self.role not in (Role.AMOUNT, Role.FUNDS):
            raise ValueError(f"`measure` is only for money columns (role amount or funds), not role {self.role}")


class SectionEntry(_Entry):
    section: Section
    label: str

    def __post_init__(self) -> None:
        check_regex(self.label, "label")


class StitchEntry(_Entry):
    complete: dict[Role, str] = {}

    def __post_init__(self) -> None:
        for role, p in self.complete.items():
            check_regex(p, f"complete.{role}")


class FormEntry(_Entry):
    start: str
    fields: dict[FormField, str]
    labels: list[str] = []

    def __post_init__(self) -> None:
        check_regex(self.start, "start")
        for k, p in self.fields.items():
            check_regex(p, f"fields.{k}")
        for i, p in enumerate(self.labels):
            check_regex(p, f"labels[{i}]")


class IndicatorLevelsEntry(_Entry):
    level1: list[str] = []
    level2: list[str] = []


class SignatureEntry(_Entry):
    name: str
    type: TableType
    family: str
    all: list[str]
    any: list[str] = []
    none: list[str] = []
    decisive: bool = False

    def __post_init__(self) -> None:
        for key in ("all", "any", "none"):
            for i, p in enumerate(getattr(self, key)):
                check_regex(p, f"{key}[{i}]")


class RegistryFile(_Entry):
    """``registry.toml`` as written (see the comments in that file)."""

    families: dict[TableType, str] = {}
    table_types: list[TableTypeEntry] = []
    signatures: list[SignatureEntry] = []
    columns: list[ColumnEntry] = []
    sections: list[SectionEntry] = []
    stitch: StitchEntry = StitchEntry()
    forms: FormEntry | None = None
    indicator_levels: IndicatorLevelsEntry = IndicatorLevelsEntry()


def build_registry(text: str, source: str = "registry.toml") -> Registry:
    """Validate ``registry.toml``'s text and compile it; raises ``RuleFileError``."""
    f = decode_rule_file(text, source, RegistryFile)
    return Registry(
        table_types=tuple(TableTypeRule(t.type, tuple(re.compile(p) for p in t.titles)) for t in f.table_types),
        columns=tuple(
            ColumnRule(role=c.role, label=re.compile(c.label), path=re.compile(c.path) if c.path is not None else None,
                       measure=c.measure, scheme=c.scheme, types=tuple(c.types))
            for c in f.columns
        ),
        sections=tuple((s.section, re.compile(s.label)) for s in f.sections),
        complete_cell={role: re.compile(p) for role, p in f.stitch.complete.items()},
        form=FormRule(re.compile(f.forms.start), {k: re.compile(v) for k, v in f.forms.fields.items()},
                      tuple(re.compile(p) for p in f.forms.labels)) if f.forms is not None else None,
        indicator_levels=IndicatorLevels(tuple(f.indicator_levels.level1), tuple(f.indicator_levels.level2)),
        signatures=tuple(
            SignatureRule(x.name, x.type, x.family, tuple(map(re.compile, x.all)), tuple(map(re.compile, x.any)),
                          tuple(map(re.compile, x.none)), x.decisive)
            for x in f.signatures
        ),
        families=dict(f.families),
    )


def load_registry(path: Path | None = None) -> Registry:
    """The registry from ``path`` (default: the packaged ``templates/registry.toml``)."""
    if path is None:
        return default_registry()
    return build_registry(Path(path).read_text("utf-8"), str(path))


def default_registry() -> Registry:
    """The registry of this process's rule set (``rules.default_rule_set``)."""
    return default_rule_set().registry
