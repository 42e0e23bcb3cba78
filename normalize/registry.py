"""The template registry (``templates/registry.toml``): titles and header labels as data.

Knowledge about templates lives in the TOML file, not in code branches; this module
declares the file's schema (``RegistryFile``, validated on load by ``rules``), compiles
it, and answers "what type is this title" and "what role does this column play".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from .rules import check_regex, decode_rule_file, default_rule_set
from .vocabulary import CodeScheme, FormField, Measure, Role, Section, TableType

WHITESPACE = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """Text with all whitespace removed (how titles and labels are compared)."""
    return WHITESPACE.sub("", text or "")


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
    """A table printed as a form: label/value rows, then an indicator grid (registry.toml)."""

    table_type: TableType
    start: re.Pattern[str]
    fields: dict[FormField, re.Pattern[str]]
    indicator_columns: dict[Role, re.Pattern[str]]


@dataclass(frozen=True)
class Registry:
    table_types: tuple[TableTypeRule, ...]
    columns: tuple[ColumnRule, ...]
    sections: tuple[tuple[Section, re.Pattern[str]], ...]
    complete_cell: dict[Role, re.Pattern[str]] = field(default_factory=dict)  # role -> what a whole cell looks like
    forms: tuple[FormRule, ...] = ()

    def form_starting(self, first_cell_text: str | None, table_type: str) -> FormRule | None:
        """The form a page table starts, judged by its first cell (项目名称), if any."""
        t = squash(first_cell_text)
        for form in self.forms:
            if form.table_type == table_type and t and form.start.search(t):
                return form
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

    def column_role(self, path: tuple[str, ...], table_type: str) -> ColumnRole:
        """Role of a column named by its header labels, top to bottom."""
        labels = [squash(p) for p in path if squash(p)]
        last = labels[-1] if labels else ""
        full = "/".join(labels)
        section = None
        for name, pattern in self.sections:
            if labels and len(labels) > 1 and pattern.search(labels[0]):
                section = name
                break
        for rule in self.columns:
            if rule.types and table_type not in rule.types:
                continue
            if not rule.label.search(last):
                continue
            if rule.path is not None and not rule.path.search(full):
                continue
            return ColumnRole(rule.role, rule.measure, rule.scheme, section, rule.label.pattern)
        return ColumnRole(Role.UNKNOWN, None, None, section, None)


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
    table_type: TableType
    start: str
    fields: dict[FormField, str]
    indicator_columns: dict[Role, str]

    def __post_init__(self) -> None:
        check_regex(self.start, "start")
        for k, p in (*self.fields.items(), *self.indicator_columns.items()):
            check_regex(p, str(k))


class RegistryFile(_Entry):
    """``registry.toml`` as written (see the comments in that file)."""

    table_types: list[TableTypeEntry] = []
    columns: list[ColumnEntry] = []
    sections: list[SectionEntry] = []
    stitch: StitchEntry = StitchEntry()
    forms: list[FormEntry] = []


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
        forms=tuple(
            FormRule(x.table_type, re.compile(x.start), {k: re.compile(v) for k, v in x.fields.items()},
                     {k: re.compile(v) for k, v in x.indicator_columns.items()})
            for x in f.forms
        ),
    )


def load_registry(path: Path | None = None) -> Registry:
    """The registry from ``path`` (default: the packaged ``templates/registry.toml``)."""
    if path is None:
        return default_registry()
    return build_registry(Path(path).read_text("utf-8"), str(path))


def default_registry() -> Registry:
    """The registry of this process's rule set (``rules.default_rule_set``)."""
    return default_rule_set().registry
