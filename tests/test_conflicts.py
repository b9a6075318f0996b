"""Resolving a stale save field by field: every difference listed, nothing of theirs dropped without a choice."""

from __future__ import annotations

import copy

import pytest

from services.conflicts import differences, open_items, resolve


def _content(**header):
    return {
        "meta": {"standard_id": 1},
        "header": {"title": "课程", "resources": "实训室", "nature": "核心课", **header},
        "objectives": [{"id": 1, "dimension": "knowledge", "code": "K1", "text": "能够说明原理", "alignments": []}],
        "units": [{"id": 10, "title": "单元一", "content": "", "learning_tasks": "", "hours_theory": 16,
                   "hours_practice": 16, "alignments": [{"code": "1.1.1", "level": 2}]},
                  {"id": 11, "title": "单元二", "content": "", "learning_tasks": "", "hours_theory": 8,
                   "hours_practice": 8, "alignments": []}],
        "assessment": [{"id": 20, "name": "过程性考核", "category": "process", "weight": 60.0, "method": ""}],
    }


def test_a_field_both_sides_changed_is_a_clash_without_a_suggestion():
    """Both changed the resources: listed with base, mine and theirs, and no side is chosen for the user."""
    base = _content()
    mine, theirs = _content(resources="我的资源"), _content(resources="同事的资源")
    items = differences(base, mine, theirs)
    assert [(i["key"], i["base"], i["mine"], i["theirs"], i["suggested"]) for i in items] == [
        ("header:resources", "实训室", "我的资源", "同事的资源", None)]
    assert open_items(items, {}) == items
    with pytest.raises(ValueError):
        resolve(mine, theirs, items, {})
    assert resolve(mine, theirs, items, {"header:resources": "theirs"})["header"]["resources"] == "同事的资源"
    assert resolve(mine, theirs, items, {"header:resources": "mine"})["header"]["resources"] == "我的资源"


def test_one_sided_changes_are_suggested_from_the_side_that_made_them():
    """Their new title and my new hours are both kept by default; equal blanks and 16 vs 16.0 are no difference."""
    base = _content()
    mine, theirs = _content(), _content(title="新课程名")
    mine["units"][0]["hours_practice"] = 20.0
    theirs["units"][0]["hours_theory"] = 16.0
    mine["units"][0]["content"] = None
    items = differences(base, mine, theirs)
    assert [(i["key"], i["suggested"]) for i in items] == [("header:title", "theirs"),
                                                           ("units:10:hours_practice", "mine")]
    merged = resolve(mine, theirs, items, {})
    assert merged["header"]["title"] == "新课程名" and merged["units"][0]["hours_practice"] == 20.0
    assert merged["units"][0]["alignments"] == [{"code": "1.1.1", "level": 2}], "alignments are taken as saved now"


def test_rows_one_side_added_or_deleted():
    """Their new row and my new row are kept; a row they deleted that I changed is a clash; re-created when kept."""
    base = _content()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    theirs["units"].insert(1, {"id": 12, "title": "同事加的单元", "content": "", "learning_tasks": "",
                               "hours_theory": 4, "hours_practice": 4, "alignments": []})
    mine["units"].append({"id": None, "title": "我加的单元", "content": "", "learning_tasks": "",
                          "hours_theory": 2, "hours_practice": 2})
    theirs["assessment"] = []
    mine["assessment"][0]["weight"] = 70.0
    items = differences(base, mine, theirs)
    by_key = {i["key"]: i for i in items}
    assert by_key["units:12:row"]["suggested"] == "theirs" and by_key["units:12:row"]["mine"] is None
    assert by_key["units:new0:row"]["suggested"] == "mine"
    assert by_key["assessment:20:row"]["suggested"] is None and by_key["assessment:20:row"]["theirs"] is None
    kept = resolve(mine, theirs, items, {"assessment:20:row": "mine"})
    assert [u["title"] for u in kept["units"]] == ["单元一", "同事加的单元", "单元二", "我加的单元"]
    assert kept["assessment"] == [{**mine["assessment"][0], "id": None, "alignments": []}]
    dropped = resolve(mine, theirs, items, {"assessment:20:row": "theirs", "units:12:row": "mine"})
    assert dropped["assessment"] == [] and [u["title"] for u in dropped["units"]] == ["单元一", "单元二", "我加的单元"]


def test_a_row_i_deleted_that_they_left_alone_stays_deleted_by_default():
    base = _content()
    mine, theirs = copy.deepcopy(base), copy.deepcopy(base)
    del mine["units"][1]
    theirs["header"]["nature"] = "同事改的性质"
    items = differences(base, mine, theirs)
    assert {i["key"]: i["suggested"] for i in items} == {"header:nature": "theirs", "units:11:row": "mine"}
    merged = resolve(mine, theirs, items, {})
    assert [u["id"] for u in merged["units"]] == [10] and merged["header"]["nature"] == "同事改的性质"


def test_no_difference_means_theirs_unchanged():
    base = _content()
    assert differences(base, _content(), _content()) == []
    assert resolve(_content(), _content(), [], {})["header"] == _content()["header"]
