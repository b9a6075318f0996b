"""The pure suggestion index: text preparation, ranking, block contributions, matched terms, highlight spans."""

from __future__ import annotations

import pytest

from services.suggestion_index import (
    CHINESE_WEIGHTS,
    ENGLISH_WEIGHTS,
    Document,
    SuggestionIndex,
    Weights,
    highlight_spans,
    matched_terms,
    prepare,
    weights_for,
    word_tokens,
)

ENGLISH = [Document(id=1, code="1", statement="Install and commission automation systems"),
           Document(id=2, code="2", statement="Read electrical diagrams"),
           Document(id=3, code="3", statement="Programme a CNC controller"),
           Document(id=4, code="4", statement="Maintain hydraulic systems")]


def test_prepare_folds_width_and_case_and_splits_on_punctuation():
    """Full-width letters and digits fold to ASCII; punctuation becomes a space; the text is not otherwise changed."""
    assert prepare("ＰＬＣ与S7-1200，通信。") == "plc与s7 1200 通信"
    assert prepare(None) == ""


def test_word_tokens_are_stems_and_cjk_bigrams():
    """Latin words are cut to a 5-letter stem (stop words out); CJK runs give bigrams."""
    assert word_tokens(prepare("Installing the PLC 示教器")) == ["insta", "plc", "示教", "教器"]


def test_english_ranking_and_parts():
    """Word pieces match across forms (installation ~ install); parts add up to the score."""
    index = SuggestionIndex(ENGLISH, weights=ENGLISH_WEIGHTS)
    hits = index.rank("installation of automation equipment", top=2)
    assert index.documents[hits[0].row].code == "1"
    assert sum(hits[0].parts.values()) == pytest.approx(hits[0].score, abs=1e-3)
    assert index.matched("installation of automation equipment", hits[0].row) == ["Install", "automation"]


def test_exclude_and_empty_inputs():
    """Excluded ids never come back; an empty index or query ranks nothing."""
    index = SuggestionIndex(ENGLISH)
    assert 1 not in [int(index.ids[h.row]) for h in index.rank("install automation", top=4, exclude={1})]
    assert index.rank("", top=3) == []
    assert SuggestionIndex([]).rank("install", top=3) == []
    assert SuggestionIndex([Document(id=1, code="1", statement="…")]).rank("install", top=3) == []


def test_rejected_evidence_counts_against():
    """A document whose rejected texts resemble the query scores lower than without them."""
    docs = [Document(id=1, code="1", statement="能使用示教器完成手动操纵"),
            Document(id=2, code="2", statement="能完成示教编程")]
    plain = SuggestionIndex(docs, weights=Weights()).scores("示教器手动操纵")[0]
    docs[0].rejected.append("项目一 示教器手动操纵")
    assert SuggestionIndex(docs, weights=Weights()).scores("示教器手动操纵")[0] < plain


def test_matched_terms_ignore_lone_common_bigrams():
    """能够 / 完成 alone are not matches; a run with a telling bigram stays whole and as written."""
    common = frozenset({"能够", "完成"})
    assert matched_terms("能够 完成", "能够完成安装", common_bigrams=common) == []
    assert matched_terms("完成ＰＬＣ接线", "能完成PLC接线与调试", common_bigrams=common) == ["完成PLC接线"]


def test_highlight_spans_cover_the_statement_exactly():
    """Joining the pieces gives the statement back; matched pieces are flagged (case-insensitive)."""
    pieces = highlight_spans("Read electrical diagrams <b>", ["electrical", "<b>"])
    assert "".join(p for p, _ in pieces) == "Read electrical diagrams <b>"
    assert [p for p, hit in pieces if hit] == ["electrical", "<b>"]


def test_weights_follow_the_programme_language():
    """zh programmes use the a-priori Chinese weights, every other language the tuned English ones."""
    assert weights_for("zh") is CHINESE_WEIGHTS and weights_for("zh-CN") is CHINESE_WEIGHTS
    assert weights_for("en") is ENGLISH_WEIGHTS and weights_for(None) is CHINESE_WEIGHTS
