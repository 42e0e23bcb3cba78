"""The template registry (``templates/registry.toml``): titles and header labels as data.

Knowledge about templates lives in the TOML file, not in code branches; this module only
loads it and answers "what type is this title" and "what role does this column play".
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

WHITESPACE = re.compile(r"\s+")


def squash(text: str | None) -> str:
    """Text with all whitespace removed (how titles and labels are compared)."""
    return WHITESPACE.sub("", text or "")


@dataclass(frozen=True)
class TableTypeRule:
    type: str
    titles: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class ColumnRule:
    role: str
    label: re.Pattern[str]
    path: re.Pattern[str] | None = None
    measure: str | None = None
    scheme: str | None = None
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnRole:
    """What one column of a logical table holds."""

    role: str  # see registry.toml; "unknown" when no rule matched
    measure: str | None = None
    scheme: str | None = None
    section: str | None = None
    rule: str | None = None  # the pattern that matched, for the debug dump


@dataclass(frozen=True)
class FormRule:
    """A table printed as a form: label/value rows, then an indicator grid (registry.toml)."""

    table_type: str
    start: re.Pattern[str]
    fields: dict[str, re.Pattern[str]]
    indicator_columns: dict[str, re.Pattern[str]]


@dataclass(frozen=True)
class Registry:
    table_types: tuple[TableTypeRule, ...]
    columns: tuple[ColumnRule, ...]
    sections: tuple[tuple[str, re.Pattern[str]], ...]
    complete_cell: dict[str, re.Pattern[str]] = field(default_factory=dict)  # role -> what a whole cell looks like
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
            return "other"
        for rule in self.table_types:
            if any(p.search(t) for p in rule.titles):
                return rule.type
        return "other"

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
        return ColumnRole("unknown", None, None, section, None)


def load_registry(path: Path | None = None) -> Registry:
    text = path.read_text("utf-8") if path else files(__package__).joinpath("templates/registry.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return Registry(
        table_types=tuple(
            TableTypeRule(t["type"], tuple(re.compile(p) for p in t["titles"])) for t in data.get("table_types", [])
        ),
        columns=tuple(
            ColumnRule(
                role=c["role"],
                label=re.compile(c["label"]),
                path=re.compile(c["path"]) if "path" in c else None,
                measure=c.get("measure"),
                scheme=c.get("scheme"),
                types=tuple(c.get("types", [])),
            )
            for c in data.get("columns", [])
        ),
        sections=tuple((s["section"], re.compile(s["label"])) for s in data.get("sections", [])),
        complete_cell={role: re.compile(p) for role, p in data.get("stitch", {}).get("complete", {}).items()},
        forms=tuple(
            FormRule(f["table_type"], re.compile(f["start"]), {k: re.compile(v) for k, v in f["fields"].items()},
                     {k: re.compile(v) for k, v in f["indicator_columns"].items()})
            for f in data.get("forms", [])
        ),
    )


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    return load_registry()
