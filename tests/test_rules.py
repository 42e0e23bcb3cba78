"""Rule files load typed, at start-up: a typo stops the command (exit 2) with file, entry and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from budgetpdf.cli import main
from budgetpdf.normalize.rules import RULES_ENV, RuleFileError, load_rule_set
from budgetpdf.normalize.vocabulary import Measure, Role, Shape, TableType

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "normalize" / "templates"
GOOD_PDF = ROOT / "fixtures" / "docs" / "baisha-civil-affairs-2021-budget.pdf"


def rules_with(tmp_path: Path, file: str, old: str, new: str) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for f in TEMPLATES.glob("*.toml"):
        shutil.copy(f, folder / f.name)
    text = (folder / file).read_text("utf-8")
    assert old in text, f"{old!r} not in {file}"
    (folder / file).write_text(text.replace(old, new, 1), "utf-8")
    return folder


CASES = [
    # (file, old, new, what the message must name)
    ("checks.toml", "rows_total = [", "row_total = [", ["checks.toml", "[shapes]", "row_total"]),
    ("checks.toml", 'parts = ["reception", "overseas", "vehicles"]', 'parts = ["reception", "oversea", "vehicles"]',
     ["checks.toml", "[[rowwise]] entry", "subtotal_eq_three_public_items", "parts[1]", "oversea"]),
    ("checks.toml", 'total = "three_public"', 'totl = "three_public"',
     ["checks.toml", "[[rowwise]]", "subtotal_eq_three_public_items", "unknown key `totl`"]),
    ("registry.toml", 'measure = "basic"', 'measure = "basci"', ["registry.toml", "[[columns]]", "measure", "basci"]),
    ("registry.toml", 'label = "^类$"', 'label = "^类($"', ["registry.toml", "[[columns]] entry 1", "`label` is not a valid regex"]),
    ("registry.toml", 'role = "goal"', 'rol = "goal"', ["registry.toml", "[[columns]] entry {n}", "unknown key `rol`"]),
    ("checks.toml", 'id = "total_eq_basic_plus_project"', 'i = "total_eq_basic_plus_project"',
     ["checks.toml", "[[rowwise]] entry 1", "unknown key `i`"]),
]


@pytest.mark.parametrize("file, old, new, names", CASES, ids=[c[2][:24] for c in CASES])
def test_a_typo_in_a_rule_file_names_file_entry_and_key(tmp_path, file, old, new, names):
    folder = rules_with(tmp_path, file, old, new)
    with pytest.raises(RuleFileError) as e:
        load_rule_set(folder)
    # "entry {n}": the 1-based index of the [[columns]] table that holds the typo,
    # counted in the file itself so that adding a rule above it keeps the test right.
    text = (TEMPLATES / file).read_text("utf-8")
    n = text[: text.index(old)].count("[[columns]]")
    for name in names:
        name = name.format(n=n)
        assert name in str(e.value), (name, str(e.value))


@pytest.mark.parametrize("file, old, new, names", CASES[:2] + CASES[3:5], ids=["shape", "measure", "reg-measure", "regex"])
def test_the_cli_stops_with_exit_code_2_before_reading_any_document(tmp_path, monkeypatch, file, old, new, names):
    monkeypatch.delenv(RULES_ENV, raising=False)
    folder = rules_with(tmp_path, file, old, new)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["--rules", str(folder), "extract", str(GOOD_PDF), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "invalid rules" in result.output and names[-1] in result.output
    assert not out.exists()  # nothing was read or written
    monkeypatch.delenv(RULES_ENV, raising=False)


def _doc_values(heading: str) -> set[str]:
    """Backticked values in the first column of the table under ``heading`` in docs/VOCABULARY.md."""
    text = (ROOT / "docs" / "VOCABULARY.md").read_text("utf-8")
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    values: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            values.update(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    return values


@pytest.mark.parametrize("enum, heading", [
    (TableType, "## `tables.table_type`"),
    (Measure, "## `line_items.measure`"),
    (Role, "## Column roles"),
    (Shape, "## Check shapes"),
])
def test_vocabulary_doc_lists_exactly_the_enumerations(enum, heading):
    assert _doc_values(heading) == {m.value for m in enum}
