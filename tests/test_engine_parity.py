"""The pdfium engine gives the records the pdfplumber engine gives, except where listed.

Both engines run the whole pipeline on every fixture and on every page of both real
corpora (``tests/tools/engine_parity.py``). Every record one has and the other lacks
must be listed in ``tests/data/engine_parity.json`` with a verdict reached by looking
at the page image; a new difference fails, and so does a listed one that went away
(the list must say what is true today).
"""

from __future__ import annotations

import pytest

from tools.engine_parity import ROOT, all_differences, corpus, doc_name, identity, load

VERDICTS = {"pdfium", "pdfplumber", "neither"}

pytestmark = pytest.mark.slow


def test_every_listed_difference_is_judged():
    bad = [(e["doc"], e["dataset"], e["page"]) for e in load() if e.get("verdict") not in VERDICTS or not e.get("why")]
    assert not bad, f"differences without a verdict and a reason: {bad[:10]}"


def test_the_engines_differ_exactly_where_listed():
    files = corpus()
    assert len(files) >= 6, "the fixtures at least"
    docs = {doc_name(f) for f in files}
    found = {identity(e): e for e in all_differences(files)}
    listed = {identity(e): e for e in load() if e["doc"] in docs}
    new = [(e["doc"], e["dataset"], e["page"]) for k, e in found.items() if k not in listed]
    gone = [(e["doc"], e["dataset"], e["page"]) for k, e in listed.items() if k not in found]
    assert not new, f"new differences between the engines (judge them, then tests/tools/engine_parity.py --write): {new}"
    assert not gone, f"listed differences no longer there (rerun tests/tools/engine_parity.py --write): {gone}"


def test_fixtures_have_no_difference_at_all():
    """Fixtures are exact for both engines against their truth, so they cannot differ."""
    fixtures = {doc_name(f) for f in sorted((ROOT / "fixtures" / "docs").glob("*.pdf"))}
    assert not [e for e in load() if e["doc"] in fixtures]
