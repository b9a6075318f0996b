"""Data-editor write-back: what changed between the rows shown and the rows the user edited (pure).

Pipeline (docs/architecture.md): the editor shows rows keyed by ``id`` (a hidden or disabled
column); on Save the page calls ``diff(original, edited)`` to show or check what changed, and
``merge_rows(original, edited)`` to get the full rows for the service (columns the editor did
not show, such as a unit's nested alignments, are kept from the original row). New rows have a
blank id; removed rows are missing. Blank values (None, NaN, pandas NA, "") compare equal, and
so do 4 and 4.0, so an untouched row never counts as changed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real
from typing import Any

import pandas as pd

Rows = Iterable[dict[str, Any]] | pd.DataFrame


def _plain(value: Any) -> Any:
    """numpy / pandas scalars → Python; NaN, NA and NaT → None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (list, dict, str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return value
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def records(rows: Rows | None) -> list[dict[str, Any]]:
    """A DataFrame or any iterable of dicts as a list of plain dicts (Python scalars, blanks as None)."""
    if rows is None:
        return []
    if isinstance(rows, pd.DataFrame):
        rows = rows.to_dict("records")
    return [{str(k): _plain(v) for k, v in dict(row).items()} for row in rows]


def _key(value: Any) -> Any:
    value = _plain(value)
    if value is None or value == "":
        return None
    if isinstance(value, Real) and not isinstance(value, bool) and float(value).is_integer():
        return int(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Equality as a user sees it: blanks are equal, 4 == 4.0, other values compare as they are."""
    a, b = _plain(a), _plain(b)
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    if isinstance(a, Real) and isinstance(b, Real) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
    if isinstance(a, str) != isinstance(b, str) and isinstance(a, (str, Real)) and isinstance(b, (str, Real)):
        try:  # "4" typed into a text cell against 4 stored
            return math.isclose(float(a), float(b), rel_tol=0, abs_tol=1e-9)
        except ValueError:
            return False
    return a == b


def diff(original_rows: Rows, edited_rows: Rows, *, key: str = "id",
         fields: Iterable[str] | None = None) -> dict[str, Any]:
    """Changes from ``original_rows`` to ``edited_rows``, matched by ``key``.

    Returns ``{added, updated, deleted, unchanged, unknown, empty}``: ``added`` edited rows with a
    blank key; ``updated`` ``[{id, changes: {field: {old, new}}, row}]`` for rows whose compared
    fields differ (``fields``, default: the edited row's columns except ``key``); ``deleted`` the
    keys of original rows no longer present; ``unchanged`` their count; ``unknown`` edited rows
    whose key is not among the originals (the page should treat them as an error).
    """
    original = {_key(r.get(key)): r for r in records(original_rows) if _key(r.get(key)) is not None}
    wanted = list(fields) if fields is not None else None
    added, updated, unknown, seen = [], [], [], set()
    unchanged = 0
    for row in records(edited_rows):
        row_key = _key(row.get(key))
        if row_key is None:
            if any(not same(v, None) for k, v in row.items() if k != key):
                added.append(row)
            continue
        if row_key not in original or row_key in seen:
            unknown.append(row)
            continue
        seen.add(row_key)
        before = original[row_key]
        compared = wanted if wanted is not None else [c for c in row if c != key]
        changes = {c: {"old": before.get(c), "new": row.get(c)} for c in compared
                   if c in row and not same(before.get(c), row.get(c))}
        if changes:
            updated.append({"id": row_key, "changes": changes, "row": row})
        else:
            unchanged += 1
    deleted = [k for k in original if k not in seen]
    return {"added": added, "updated": updated, "deleted": deleted, "unchanged": unchanged, "unknown": unknown,
            "empty": not (added or updated or deleted)}


def merge_rows(original_rows: Rows, edited_rows: Rows, *, key: str = "id") -> list[dict[str, Any]]:
    """The full rows to save: edited rows in edited order, each over its original (so columns the
    editor did not show survive); new rows as edited, with a blank key set to None; fully blank
    new rows (an untouched empty editor line) are dropped."""
    original = {_key(r.get(key)): r for r in records(original_rows) if _key(r.get(key)) is not None}
    out = []
    for row in records(edited_rows):
        row_key = _key(row.get(key))
        if row_key is None:
            if any(not same(v, None) for k, v in row.items() if k != key):
                out.append({**row, key: None})
            continue
        out.append({**original.get(row_key, {}), **row, key: row_key})
    return out


def from_editor_state(original_rows: Rows, state: dict[str, Any], *, key: str = "id") -> list[dict[str, Any]]:
    """Edited rows from ``st.data_editor``'s session-state delta (``edited_rows`` by position,
    ``added_rows``, ``deleted_rows``) applied to the rows the editor was given."""
    rows = records(original_rows)
    edited = {int(i): change for i, change in (state.get("edited_rows") or {}).items()}
    deleted = {int(i) for i in state.get("deleted_rows") or []}
    out = [{**row, **edited.get(i, {})} for i, row in enumerate(rows) if i not in deleted]
    out += [{key: None, **{k: _plain(v) for k, v in added.items()}} for added in state.get("added_rows") or []]
    return out
