"""Performance-target tables of the real documents against ground truth read off their PDFs.

``tests/data/real2/<name>.performance.json`` (西南大学, 北京民政局, 重庆水利局, 烟台住建局 and
Dongguan) lists every performance table, every printed project with its 资金 and number of
indicators, and 20 hand-checked indicators per document; ``real_performance.score`` compares
the pipeline's records with it. The documents are run once for the whole suite: the results
come from ``test_real_corpus.result`` / ``test_real2_corpus.result`` (module-level caches).
"""

from __future__ import annotations

import pytest

import test_real2_corpus
import test_real_corpus
from real_corpus import CORPUS, FOLDER, REAL
from real_performance import TRUTH, score

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present (run beside shared/)")

NAMES = sorted(TRUTH)


def _score(name: str):
    """The document's records from the cache of the test module that runs it anyway."""
    cache = test_real_corpus if FOLDER[name] == REAL else test_real2_corpus
    out, _ = cache.result(name)
    return score(name, out)


@pytest.mark.parametrize("name", NAMES)
def test_every_performance_table_found(name):
    s = _score(name)
    assert (s.tables_found, s.tables_extra) == (s.tables_expected, 0), [p for p in s.problems if "table" in p]


@pytest.mark.parametrize("name", NAMES)
def test_projects_found(name):
    s = _score(name)
    assert s.project_recall >= 0.98 and s.project_precision >= 0.98, [p for p in s.problems if "project" in p][:20]


@pytest.mark.parametrize("name", NAMES)
def test_indicator_recall_and_precision(name):
    s = _score(name)
    assert s.recall >= 0.95 and s.precision >= 0.98, (s.recall, s.precision, s.problems[:20])


@pytest.mark.parametrize("name", NAMES)
def test_sampled_indicators_funds_comparator_unit_weight(name):
    s = _score(name)
    assert s.sample_found == s.sample_n, [p for p in s.problems if p.startswith("sample")]
    wrong = {f: s.sample_n - s.sample_right[f] for f in ("funds", "comparator", "target_unit", "weight")}
    assert not any(wrong.values()), (wrong, [p for p in s.problems if p.startswith("sample")])


@pytest.mark.parametrize("name", NAMES)
def test_one_funds_line_item_per_printed_project_total(name):
    """Each project's (or unit's) printed 资金 is one line item; a project cut by a page break
    is not counted twice."""
    s = _score(name)
    assert (s.funds_items, s.funds_sum) == (s.funds_items_expected, s.funds_sum_expected)


@pytest.mark.parametrize("name", NAMES)
def test_no_performance_check_fails(name):
    """None of these documents prints an inconsistency the performance identities would catch
    (the truth files' document_errors name none), so a failure is a misread."""
    s = _score(name)
    assert not s.checks_failed
