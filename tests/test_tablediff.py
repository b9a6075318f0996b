"""Data-editor write-back: the pure diff between shown rows and edited rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from services.tablediff import diff, from_editor_state, merge_rows, records, same

ORIGINAL = [
    {"id": 1, "title": "单元一", "hours_theory": 4, "hours_practice": 8, "alignments": [{"code": "1.1.1", "level": 3}]},
    {"id": 2, "title": "单元二", "hours_theory": 6, "hours_practice": 10, "alignments": []},
    {"id": 3, "title": "单元三", "hours_theory": 2, "hours_practice": 2, "alignments": []},
]


def _frame(rows):
    """What st.data_editor returns: a DataFrame without the hidden nested column, ids as nullable ints."""
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "alignments"} for r in rows])
    frame["id"] = frame["id"].astype("Int64")
    return frame


def test_untouched_editor_is_empty():
    """Showing the rows and saving them unchanged yields no change at all."""
    result = diff(ORIGINAL, _frame(ORIGINAL))
    assert result["empty"] and result["unchanged"] == 3
    assert result["added"] == result["updated"] == result["deleted"] == result["unknown"] == []


def test_added_updated_and_deleted_rows_are_classified():
    """A new row (blank id), an edited cell and a removed row each land in their bucket."""
    edited = _frame(ORIGINAL)
    edited.loc[0, "hours_theory"] = 6
    edited = edited[edited["id"] != 3]
    edited = pd.concat([edited, pd.DataFrame([{"id": pd.NA, "title": "新单元", "hours_theory": 2,
                                               "hours_practice": 0}])], ignore_index=True)
    result = diff(ORIGINAL, edited)
    assert [r["title"] for r in result["added"]] == ["新单元"]
    assert result["updated"] == [{"id": 1, "changes": {"hours_theory": {"old": 4, "new": 6}},
                                  "row": {"id": 1, "title": "单元一", "hours_theory": 6, "hours_practice": 8}}]
    assert result["deleted"] == [3] and result["unchanged"] == 1 and not result["empty"]


def test_blank_values_and_number_types_compare_as_a_user_sees_them():
    """None, NaN, NA and "" are equal; 4 equals 4.0 and numpy.int64(4); "4" typed equals 4."""
    assert same(None, "") and same(float("nan"), None) and same(pd.NA, "")
    assert same(4, 4.0) and same(np.int64(4), 4) and same("4", 4) and same(np.float64(2.5), 2.5)
    assert not same(4, 5) and not same("a", None) and not same("abc", 3) and not same(True, "x")
    original = [{"id": 1, "method": None, "weight": 40}]
    edited = pd.DataFrame([{"id": 1.0, "method": "", "weight": 40.0}])
    assert diff(original, edited)["empty"]


def test_only_named_fields_are_compared():
    """``fields`` limits the comparison (columns shown read-only are ignored)."""
    edited = [{**ORIGINAL[0], "title": "改名", "hours_theory": 5}]
    result = diff(ORIGINAL[:1], edited, fields=["hours_theory"])
    assert result["updated"][0]["changes"] == {"hours_theory": {"old": 4, "new": 5}}


def test_unknown_and_duplicate_ids_are_reported_not_applied():
    """An id the editor never showed (or a row pasted twice) is ``unknown``."""
    edited = [ORIGINAL[0], {**ORIGINAL[0]}, {"id": 99, "title": "x"}]
    result = diff(ORIGINAL[:1], edited)
    assert [r["id"] for r in result["unknown"]] == [1, 99]


def test_blank_new_rows_are_ignored():
    """An empty line the editor adds by itself is not a new row."""
    edited = [*ORIGINAL, {"id": None, "title": None, "hours_theory": None}]
    assert diff(ORIGINAL, edited)["added"] == []
    assert len(merge_rows(ORIGINAL, edited)) == 3


def test_merge_rows_keeps_hidden_columns_and_edited_order():
    """Nested alignments (not in the editor) survive; order follows the editor; new rows get id None."""
    edited = _frame(ORIGINAL).iloc[[1, 0]].copy()
    edited.loc[edited["id"] == 1, "title"] = "单元一（修订）"
    edited = pd.concat([edited, pd.DataFrame([{"id": pd.NA, "title": "新单元", "hours_theory": 1,
                                               "hours_practice": 1}])], ignore_index=True)
    rows = merge_rows(ORIGINAL, edited)
    assert [r["id"] for r in rows] == [2, 1, None]
    assert rows[1]["title"] == "单元一（修订）" and rows[1]["alignments"] == [{"code": "1.1.1", "level": 3}]
    assert rows[2] == {"id": None, "title": "新单元", "hours_theory": 1, "hours_practice": 1}
    assert all(type(r["hours_theory"]) is int for r in rows)


def test_records_turns_frames_into_plain_python():
    """numpy scalars become Python ones and NaN/NA become None."""
    frame = pd.DataFrame({"id": pd.array([1, None], dtype="Int64"), "weight": [np.float64(1.5), np.nan]})
    assert records(frame) == [{"id": 1, "weight": 1.5}, {"id": None, "weight": None}]
    assert records(None) == []


def test_editor_state_delta_is_applied_by_position():
    """st.data_editor's state (edited_rows, added_rows, deleted_rows) gives the edited rows."""
    state = {"edited_rows": {"0": {"hours_theory": 9}}, "added_rows": [{"title": "新", "hours_theory": 1}],
             "deleted_rows": [2]}
    rows = from_editor_state(ORIGINAL, state)
    assert [r["id"] for r in rows] == [1, 2, None]
    assert rows[0]["hours_theory"] == 9 and rows[0]["alignments"] == [{"code": "1.1.1", "level": 3}]
    result = diff(ORIGINAL, rows)
    assert result["deleted"] == [3] and len(result["added"]) == 1 and result["updated"][0]["id"] == 1


@pytest.mark.parametrize("key", ["id", "code"])
def test_any_key_column_works(key):
    """The key column is configurable (e.g. competency code)."""
    original = [{key: "A" if key == "code" else 1, "level": 1}]
    edited = [{key: "A" if key == "code" else 1, "level": 2}]
    assert diff(original, edited, key=key)["updated"][0]["changes"] == {"level": {"old": 1, "new": 2}}
