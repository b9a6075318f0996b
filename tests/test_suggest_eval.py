"""The suggestion evaluation: labelled sets, split hygiene, metrics and margins (figures: docs/suggestions.md)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import suggest_eval as ev
from services.suggestion_index import Document


def test_metrics_of_one_ranked_list():
    """P@5 counts hits in the first five, R@10 the share of relevant items in the first ten, RR the first hit."""
    assert ev.per_query([9, 1, 8, 2, 7, 3], {1, 2, 3, 4}) == (0.4, 0.75, 0.5)
    assert ev.per_query([9, 8], {1}) == (0.0, 0.0, 0.0)


def test_bootstrap_interval_contains_the_mean_difference():
    """The margin's interval brackets the mean difference; equal runs give a zero-width interval."""
    ours = np.array([[1.0, 1.0, 1.0], [0.0, 0.5, 0.5], [1.0, 0.0, 1.0]])
    theirs = np.zeros_like(ours)
    for mean, low, high in ev.bootstrap_margin(ours, theirs):
        assert low <= mean <= high
    assert ev.bootstrap_margin(ours, ours) == [(0.0, 0.0, 0.0)] * 3


def test_labelled_sets_split_cleanly(real_data):
    """ESCO occupations fall in exactly one half; the demo set is test-only and resolves every code."""
    real_data / "derived/esco_v1.2.0_manufacturing_occupation_skills_long.csv"  # skips without the file
    esco = ev.esco_set()
    assert len(esco.tune) + len(esco.test) == 150 and esco.tune and esco.test
    assert not {q.id for q in esco.tune} & {q.id for q in esco.test}
    assert all(q.relevant for q in esco.test) and len(esco.documents) == 1796
    demo = ev.demo_zh_set()
    assert demo.tune == [] and len(demo.test) == 28 and len(demo.documents) == 55


def test_outline_items_drop_level_marks_and_code_only_lines():
    """A 教学基本要求 item keeps its words and its section; the cognitive level and code marks go."""
    text = "### 2. `MySQL` 数据库基础\n-  `MySQL` 数据库的安装与配置 **`掌握`**\n    -  `DBA` \n  - 权限的种类 **`较高要求`**\n"
    assert ev.outline_items(text) == [("MySQL 数据库的安装与配置", "2. MySQL 数据库基础"), ("权限的种类", "2. MySQL 数据库基础")]


def test_distractor_protocol_keeps_the_demo_queries_and_labels(real_data):
    """The harder demo protocol adds real Chinese distractors (with a context each) and changes nothing else."""
    real_data / "china_occupation_classification/occupations_tree_2022_dadian.json"  # skips without the file
    demo = ev.demo_zh_set()
    hard = ev.demo_zh_distractor_set(demo)
    assert hard.documents[:len(demo.documents)] == demo.documents and hard.tune == []
    assert [(q.id, q.text, q.relevant) for q in hard.test] == [(q.id, q.text, q.relevant) for q in demo.test]
    extra = hard.documents[len(demo.documents):]
    assert len(extra) > 2000 and all(d.context for d in extra)
    assert len({d.statement for d in hard.documents}) == len(hard.documents)
    assert not {d.id for d in extra} & set().union(*(q.relevant for q in hard.test))


class _Poisoned(ev.Query):
    @property
    def text(self):
        raise AssertionError("tuning read a test query")

    @text.setter
    def text(self, value):
        pass


def test_tuning_never_reads_the_test_split():
    """tune() ranks only tuning queries: a test query that explodes when read is never touched."""
    docs = [Document(id=i, code=str(i), statement=s) for i, s in enumerate(["install robots", "read diagrams"])]
    labelled = ev.LabelledSet("toy", "en", docs, tune=[ev.Query(id="a", text="install", relevant={0})],
                              test=[_Poisoned(id="b", text="x", relevant={1})])
    best, tried = ev.tune(labelled, depth=2)
    assert len(tried) == len(ev.TUNING_GRID) and best in ev.TUNING_GRID
    with pytest.raises(AssertionError, match="tuning read a test query"):
        ev.evaluate(ev.rank_ours(ev.SuggestionIndex(docs), 2), labelled.test)
