"""Resolving a stale save of a course standard field by field (pure, no database).

After a ``Conflict`` the editor holds three ``standard_content`` snapshots: ``base`` (what it
started from), ``mine`` (its unsaved content) and ``theirs`` (what is saved now).
``differences`` lists every place where mine and theirs differ — header fields, row fields,
whole rows only one side has — each with the base value and a ``suggested`` side: the side that
changed it when only one did, ``None`` when both did (a clash the user must decide).
``resolve`` builds the content to save from one choice ("mine" / "theirs") per difference;
nothing of theirs is dropped unless a choice says so.

Alignments are not part of it: the editor saves text only, alignments change one by one
(``services.alignments``) and are always taken as saved now.
"""

from __future__ import annotations

from typing import Any

from services.standards import HEADER_FIELDS, TABLE_FIELDS
from services.tablediff import same

TABLES = ("objectives", "units", "assessment")
SIDES = ("mine", "theirs")


def _suggest(base: Any, mine: Any, theirs: Any) -> str | None:
    if same(mine, base):
        return "theirs"
    if same(theirs, base):
        return "mine"
    return None


def _row_values(table: str, row: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else {f: row.get(f) for f in TABLE_FIELDS[table]}


def _row_same(table: str, a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return all(same(a.get(f), b.get(f)) for f in TABLE_FIELDS[table])


def _item(key: str, table: str, row_id: Any, field: str, row: dict[str, Any] | None, base: Any, mine: Any,
          theirs: Any, suggested: str | None) -> dict[str, Any]:
    return {"key": key, "table": table, "row_id": row_id, "field": field, "row": row, "base": base, "mine": mine,
            "theirs": theirs, "suggested": suggested}


def differences(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> list[dict[str, Any]]:
    """Every difference between ``mine`` and ``theirs``, in document order.

    Each item: ``key`` (stable: "header:<field>", "<table>:<id>:<field>", "<table>:<id>:row" for a
    row one side does not have, "<table>:new<n>:row" for a row new in mine), ``table`` ("header" or
    a table), ``row_id``, ``field`` ("row" for whole rows), ``row`` (the row's fields, for a label),
    ``base`` / ``mine`` / ``theirs`` (values; for whole rows the row's fields or ``None`` where
    absent) and ``suggested`` ("mine", "theirs" or ``None`` for a clash).
    """
    items: list[dict[str, Any]] = []
    for field in HEADER_FIELDS:
        b, m, t = (c.get("header", {}).get(field) for c in (base, mine, theirs))
        if not same(m, t):
            items.append(_item(f"header:{field}", "header", None, field, None, b, m, t, _suggest(b, m, t)))
    for table in TABLES:
        b_rows = {r["id"]: r for r in base.get(table, []) if r.get("id") is not None}
        m_rows = {r["id"]: r for r in mine.get(table, []) if r.get("id") is not None}
        t_rows = {r["id"]: r for r in theirs.get(table, []) if r.get("id") is not None}
        order = [*m_rows, *(i for i in t_rows if i not in m_rows)]
        for row_id in order:
            b, m, t = b_rows.get(row_id), m_rows.get(row_id), t_rows.get(row_id)
            if m is not None and t is not None:
                for field in TABLE_FIELDS[table]:
                    if not same(m.get(field), t.get(field)):
                        bv = b.get(field) if b else None
                        items.append(_item(f"{table}:{row_id}:{field}", table, row_id, field, _row_values(table, t),
                                           bv, m.get(field), t.get(field),
                                           _suggest(bv, m.get(field), t.get(field)) if b else None))
                continue
            present = m if m is not None else t
            if b is None:  # new on their side (rows new on mine have no id)
                suggested = "theirs" if t is not None else "mine"
            elif m is None:  # I deleted it: fine unless they changed it
                suggested = "mine" if _row_same(table, b, t) else None
            else:  # they deleted it: fine unless I changed it
                suggested = "theirs" if _row_same(table, b, m) else None
            items.append(_item(f"{table}:{row_id}:row", table, row_id, "row", _row_values(table, present),
                               _row_values(table, b), _row_values(table, m), _row_values(table, t), suggested))
        for n, row in enumerate(r for r in mine.get(table, []) if r.get("id") is None):
            items.append(_item(f"{table}:new{n}:row", table, None, "row", _row_values(table, row), None,
                               _row_values(table, row), None, "mine"))
    return items


def open_items(items: list[dict[str, Any]], choices: dict[str, str | None]) -> list[dict[str, Any]]:
    """The differences that still need a choice (clashes nobody has decided yet)."""
    return [i for i in items if (choices.get(i["key"]) or i["suggested"]) not in SIDES]


def resolve(mine: dict[str, Any], theirs: dict[str, Any], items: list[dict[str, Any]],
            choices: dict[str, str | None]) -> dict[str, Any]:
    """The content to save: ``theirs`` with every difference set to the chosen side.

    ``choices`` maps item keys to "mine" / "theirs"; a missing choice takes the item's
    ``suggested`` side. Raises ``ValueError`` naming the first clash left undecided. Rows follow
    mine's order, rows only theirs has after the row they follow there; a row they deleted and
    mine keeps is created again (no id).
    """
    undecided = open_items(items, choices)
    if undecided:
        raise ValueError(f"no choice for {undecided[0]['key']}")
    pick = {i["key"]: choices.get(i["key"]) or i["suggested"] for i in items}
    out: dict[str, Any] = {"meta": dict(theirs.get("meta") or mine.get("meta") or {}),
                           "header": dict(theirs.get("header") or {})}
    for field in HEADER_FIELDS:
        if pick.get(f"header:{field}") == "mine":
            out["header"][field] = mine.get("header", {}).get(field)
    for table in TABLES:
        t_rows = {r["id"]: r for r in theirs.get(table, []) if r.get("id") is not None}
        rows: list[dict[str, Any]] = []
        new_n = 0
        for r in mine.get(table, []):
            if r.get("id") is None:
                if pick.get(f"{table}:new{new_n}:row") == "mine":
                    rows.append(dict(r))
                new_n += 1
            elif r["id"] in t_rows:
                row = dict(t_rows[r["id"]])
                for field in TABLE_FIELDS[table]:
                    if pick.get(f"{table}:{r['id']}:{field}") == "mine":
                        row[field] = r.get(field)
                rows.append(row)
            elif pick.get(f"{table}:{r['id']}:row") == "mine":
                rows.append({**r, "id": None, "alignments": []})
        anchor = -1
        placed = {r.get("id") for r in rows if r.get("id") is not None}
        for r in theirs.get(table, []):
            if r["id"] in placed:
                anchor = next(i for i, x in enumerate(rows) if x.get("id") == r["id"])
            elif pick.get(f"{table}:{r['id']}:row") == "theirs":
                anchor += 1
                rows.insert(anchor, dict(r))
        out[table] = rows
    return out
