"""The second real corpus (../shared/corpus/real2): money tables of templates nobody here
had seen, against expectations written by reading the PDFs (tests/data/real2/*.json).

Targets of issue 17, over the seven documents: tables found ≥ 0.95, typed right ≥ 0.95,
printed totals found ≥ 0.95, the facts of every document right, and every failed identity
check either an error printed in the document itself or an open misread listed below
(misreads ≤ 0.5 % of the checks run). Performance-target tables are measured by
test_real_performance.py.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from real_corpus import REAL2, REAL2_NAMES, run, score

pytestmark = pytest.mark.skipif(not REAL2.is_dir(), reason="../shared/corpus/real2 not present (run beside shared/)")
PERFORMANCE = frozenset({"project_performance_targets", "overall_performance_targets"})

# (document, check_id, subject) → why it fails. "document:" an error printed in the document
# (its page and figures, checked by hand); "misread:" an open extraction problem.
KNOWN_FAILURES = {
    ("yei__zhejiang_hangzhou_2024_gov_budget_report.pdf", "general_budget_expenditure.parent_item_eq_sum_of_children",
     "普通教育 / 2025年预算数"):
        "document: 附表十四 p168 prints 普通教育 706,548; its 项 add up to 706,541 "
        "(7,308 + 968 + 389,006 + 297,373 + 11,886), as tests/data/real2 records",
    ("yei__zhejiang_hangzhou_2024_gov_budget_report.pdf", "general_budget_expenditure.parent_item_eq_sum_of_children",
     "污染防治 / 2024年执行数"):
        "document: 附表四 p137 prints 森林保护修复 (116) indented as a 项 under 污染防治 (61) with its own "
        "款 heading missing, so by the page's own layout 污染防治 = 61 + 116",
}


@lru_cache(maxsize=None)
def result(name: str):
    out = run(name)
    return out, score(name, out, exclude_types=PERFORMANCE)


def totals():
    found = expected = typed = tot_found = tot_expected = 0
    for name in REAL2_NAMES:
        _, s = result(name)
        found += s.tables_found
        typed += s.tables_typed
        expected += s.tables_expected
        tot_found += s.totals_found
        tot_expected += s.totals_expected
    return found, typed, expected, tot_found, tot_expected


def test_money_tables_are_found_and_typed():
    found, typed, expected, _, _ = totals()
    assert found / expected >= 0.95, (found, expected)
    assert typed / expected >= 0.95, (typed, expected)


def test_printed_totals_are_line_items():
    *_, tot_found, tot_expected = totals()
    assert tot_found / tot_expected >= 0.95, (tot_found, tot_expected)


@pytest.mark.parametrize("name", REAL2_NAMES)
def test_document_facts(name):
    _, s = result(name)
    assert s.facts_ok, s.problems[:3]


@pytest.mark.parametrize("name", REAL2_NAMES)
def test_every_failed_check_is_a_document_error_or_a_listed_misread(name):
    out, _ = result(name)
    failed = {(name, c.check_id, c.subject) for c in out.checks if c.status == "failed"}
    assert failed <= set(KNOWN_FAILURES), sorted(failed - set(KNOWN_FAILURES))


def test_misreads_stay_under_half_a_percent_of_the_checks_run():
    run_count = misreads = 0
    for name in REAL2_NAMES:
        out, _ = result(name)
        run_count += sum(1 for c in out.checks if c.status in ("passed", "failed"))
        misreads += sum(1 for c in out.checks if c.status == "failed"
                        and KNOWN_FAILURES.get((name, c.check_id, c.subject), "misread").startswith("misread"))
    assert run_count > 2000
    assert misreads <= 0.005 * run_count, (misreads, run_count)
