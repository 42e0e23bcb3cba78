"""Debug dump of the normalize stage: logical tables with the evidence of every join."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from . import NormalizedDocument
from .registry import squash


def normalized_debug_dict(norm: NormalizedDocument) -> dict[str, Any]:
    """Logical tables (roles, evidence, cells) and every record, as plain data."""
    return {
        "doc_id": norm.doc_id,
        "facts": {"department": norm.department, "fiscal_year": norm.fiscal_year, "doc_kind": norm.doc_kind},
        "logical_tables": [
            {
                "table_id": lt.table_id, "title": lt.title, "table_type": lt.table_type, "unit": lt.unit,
                "pages": list(lt.pages), "n_header_rows": lt.n_header_rows, "n_rows": lt.n_rows, "n_cols": lt.n_cols,
                "columns": [{"label": label, "role": r.role, "measure": r.measure, "section": r.section, "rule": r.rule}
                            for label, r in zip(lt.column_labels, lt.roles)],
                "evidence": list(lt.evidence),
                "cells": [asdict(c) for c in lt.cells],
            }
            for lt in norm.logical_tables
        ],
        "line_items": [asdict(li) for li in norm.line_items],
        "performance_targets": [asdict(t) for t in norm.performance_targets],
        "checks": [asdict(c) for c in norm.checks],
    }


def print_normalized(norm: NormalizedDocument, rows: int) -> None:
    from rich.console import Console
    from rich.table import Table

    con = Console(highlight=False, soft_wrap=True)
    con.print(f"[bold]{norm.department}[/] {norm.fiscal_year} {norm.doc_kind}: {len(norm.logical_tables)} tables, "
              f"{len(norm.line_items)} line items, {len(norm.performance_targets)} targets")
    checks = Counter((c.table_id, c.status) for c in norm.checks)
    for lt in norm.logical_tables:
        pages = f"{lt.pages[0]}-{lt.pages[-1]}" if len(lt.pages) > 1 else str(lt.pages[0])
        con.print(f"\n[bold cyan]T{lt.table_id}[/] {lt.table_type} [bold]{squash(lt.title)}[/] pages {pages} "
                  f"unit={lt.unit} {lt.n_rows} rows x {lt.n_cols} cols  checks passed={checks[(lt.table_id, 'passed')]} "
                  f"failed={checks[(lt.table_id, 'failed')]} not_run={checks[(lt.table_id, 'not_run')]}")
        for e in lt.evidence:
            con.print(f"  join: {e}")
        con.print("  columns: " + " | ".join(f"{label or '∅'}→{r.role}{'/' + r.measure if r.measure else ''}"
                                           for label, r in zip(lt.column_labels, lt.roles)))
        grid = Table(show_header=False, box=None, padding=(0, 1))
        g = lt.grid()
        for r in range(lt.n_header_rows, min(lt.n_header_rows + rows, len(g))):
            grid.add_row(*[("" if c is None or c.row != r else (c.text or ""))[:16] for c in g[r]])
        con.print(grid)
    for c in norm.checks:
        if c.status == "failed":
            con.print(f"[red]FAILED[/] {c.check_id} {c.subject}: printed {c.expected}, computed {c.actual} (pages {list(c.pages)})")
