"""Loading the rule files (``templates/registry.toml``, ``templates/checks.toml``), typed.

Each file is decoded once, at start-up, into frozen ``msgspec`` structures declared
beside the code that uses them (``registry.RegistryFile``, ``checks.ChecksFile``):
unknown keys, missing keys, a value outside the closed vocabularies of
``vocabulary.py`` (roles, measures, shapes, table types) and a regex that does not
compile are all errors. ``RuleFileError`` names the file, the entry and the key; the
CLI turns it into exit code 2 before any document is read.

The rules come from the package's ``templates/`` folder, or from a folder named by
``--rules DIR`` / the ``BUDGETPDF_RULES`` environment variable (a folder holding
``registry.toml`` and ``checks.toml``; a file missing there is taken from the package).
``RuleSet.digest`` (sha256 of both files' bytes) goes into the run fingerprint, so a
change of either file redoes documents on the next run.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

if TYPE_CHECKING:
    from .checks import CheckRules
    from .registry import Registry

RULES_ENV = "BUDGETPDF_RULES"
REGISTRY_FILE = "registry.toml"
CHECKS_FILE = "checks.toml"
T = TypeVar("T")


class RuleFileError(ValueError):
    """A rule file is invalid. ``str(e)`` names the file, the entry and the key."""

    def __init__(self, path: str, where: str, message: str):
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")
        self.path, self.where, self.message = path, where, message


def check_regex(pattern: str | None, key: str) -> None:
    """Raise ``ValueError`` naming ``key`` when ``pattern`` is not a valid Python regex
    (called from the file structs' ``__post_init__``; msgspec adds the location)."""
    if pattern is None:
        return
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"`{key}` is not a valid regex ({e}): {pattern!r}") from None


_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w]*)|\[(\d+)\]")
_ENTRY_NAMES = ("id", "type", "table_type", "role", "section")


def _describe(raw: dict, path: str) -> str:
    """``$.rowwise[0].parts[2]`` → ``[[rowwise]] entry 1 (id = "total_eq…"), key parts[2]``."""
    tokens = [(m.group(1), m.group(2)) for m in _PATH_TOKEN.finditer(path.removeprefix("$"))]
    if not tokens:
        return ""
    table, rest = tokens[0][0], tokens[1:]
    node: Any = raw.get(table) if table else None
    if rest and rest[0][1] is not None and isinstance(node, list):
        i = int(rest[0][1])
        entry = node[i] if i < len(node) else {}
        names = [f"{k} = {entry[k]!r}" for k in _ENTRY_NAMES if isinstance(entry, dict) and k in entry][:2]
        where = f"[[{table}]] entry {i + 1}" + (f" ({', '.join(names)})" if names else "")
        rest = rest[1:]
    else:
        where = f"[{table}]"
    key = "".join(f".{name}" if name else f"[{idx}]" for name, idx in rest).lstrip(".")
    return where + (f", key {key}" if key else "")


def decode_rule_file(text: str, path: str, schema: type[T]) -> T:
    """Decode and validate one TOML rule file into ``schema``; ``RuleFileError`` otherwise."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RuleFileError(path, "", f"not valid TOML ({e})") from None
    try:
        return msgspec.convert(raw, type=schema, strict=True)
    except msgspec.ValidationError as e:
        msg = str(e)
        m = re.search(r" - at `([^`]*)`(?: in `(\$[^`]*)`)?$", msg)
        if not m:
            raise RuleFileError(path, "", msg) from None
        loc = m.group(2) or m.group(1)
        detail = msg[: m.start()]
        if m.group(2):  # a bad dict key: "Invalid enum value 'x' - at `key` in `$.a.b`"
            detail = detail.replace("Invalid enum value", "unknown key")
        missing = re.match(r"Object missing required field `(\w+)`", detail)
        unknown = re.match(r"Object contains unknown field `(\w+)`", detail)
        if missing:
            detail = f"missing key `{missing.group(1)}`"
        elif unknown:
            detail = f"unknown key `{unknown.group(1)}`"
        if "enum value" in detail or "unknown key '" in detail:
            detail += " (not in the vocabulary of docs/VOCABULARY.md)"
        raise RuleFileError(path, _describe(raw, loc), detail) from None


@dataclass(frozen=True)
class RuleSet:
    """The loaded rules of one run: the template registry, the identity checks, and a
    digest of both files' bytes (part of the run fingerprint)."""

    registry: "Registry"
    checks: "CheckRules"
    digest: str
    sources: tuple[str, str]  # where registry.toml and checks.toml were read from


def _read(folder: Path | None, name: str) -> tuple[str, str]:
    if folder is not None and (folder / name).is_file():
        p = folder / name
        return p.read_text("utf-8"), str(p)
    res = files(__package__).joinpath("templates", name)
    return res.read_text("utf-8"), f"normalize/templates/{name}"


def load_rule_set(folder: str | Path | None = None) -> RuleSet:
    """Load and validate both rule files (see the module docstring for where from).

    Raises ``RuleFileError`` (naming file, entry and key) and ``FileNotFoundError`` when
    ``folder`` does not exist.
    """
    from .checks import build_check_rules
    from .registry import build_registry

    if folder is not None:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"rules folder not found: {folder}")
    reg_text, reg_src = _read(folder, REGISTRY_FILE)
    chk_text, chk_src = _read(folder, CHECKS_FILE)
    registry = build_registry(reg_text, reg_src)
    checks = build_check_rules(chk_text, chk_src)
    digest = hashlib.sha256(reg_text.encode() + b"\0" + chk_text.encode()).hexdigest()
    return RuleSet(registry, checks, digest, (reg_src, chk_src))


@lru_cache(maxsize=4)
def _cached(folder: str | None) -> RuleSet:
    return load_rule_set(folder)


def default_rule_set() -> RuleSet:
    """The rules of this process: ``$BUDGETPDF_RULES`` if set, else the packaged files (cached)."""
    return _cached(os.environ.get(RULES_ENV) or None)


__all__ = ["RULES_ENV", "RuleFileError", "RuleSet", "check_regex", "decode_rule_file", "default_rule_set",
           "load_rule_set"]
