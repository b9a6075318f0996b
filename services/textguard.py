"""Every text that comes in: control characters out, lengths within one table of limits (issue #12).

Control characters are removed (never anything else: text is otherwise stored exactly as written):
NUL and the other C0 controls except tab, line feed and carriage return, DEL and the C1 controls,
terminal escape sequences (ESC with its CSI/OSC parameters) and the bidirectional embedding,
override and isolate characters U+202A–U+202E and U+2066–U+2069 (they can make a statement read
backwards on screen). Import readers and restore call ``strip_controls`` and warn with the cell or
the JSON path; the editor and every other ORM write are covered by a ``before_flush`` hook
(``install``) that also checks ``FIELD_LIMITS``, the one table of per-field length limits; a bulk writer
may mark what it has already cleaned (``mark_checked``) so that the hook does not walk it a second time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import JSON, String, event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from services.errors import FieldError, ValidationFailed

# An escape sequence (CSI ``ESC [ … final`` or OSC ``ESC ] … BEL/ST``, or ESC and one character), then
# single control characters.
_ESCAPE = r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?"
_SINGLE = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
CONTROL = re.compile(f"{_ESCAPE}|{_SINGLE}")
# Every match of CONTROL holds one of these characters (an escape sequence starts with ESC): searching for
# the class alone is the fast test of whether there is anything to remove (about three times faster).
CONTROL_CHAR = re.compile(_SINGLE)

# Maximum characters per user text field, by table and column; the database's VARCHAR sizes are the
# ceiling for short fields (tests/test_textguard.py checks every text column of the models is listed).
PROSE = 20_000
FIELD_LIMITS: dict[str, dict[str, int]] = {
    "app_user": {"username": 64, "display_name": 128, "organisation": 200, "email": 254},
    "program": {"code": 32, "name": 200, "description": PROSE},
    "job_role": {"name": 200, "description": PROSE, "external_code": 64, "external_uri": 500},
    "competency": {"code": 64, "statement": 4_000, "notes": PROSE, "external_uri": 500, "cert_level": 16},
    "course": {"code": 64, "name": 200, "description": PROSE},
    "course_standard": {"title": 200, "department": 200, "author_name": 100, "author_date": 32,
                        "reviewer_name": 100, "reviewer_date": 32, "prerequisites": PROSE, "follow_on": PROSE,
                        "nature": PROSE, "design_rationale": PROSE, "teaching_methods": PROSE,
                        "resources": PROSE, "rejection_reason": 5_000},
    "standard_version": {"note": 500},
    "objective": {"code": 32, "text": 4_000},
    "learning_unit": {"title": 300, "content": PROSE, "learning_tasks": PROSE},
    "assessment_item": {"name": 200, "method": PROSE},
    "alignment": {"reason": 5_000},
    "comment": {"body": 5_000},
    "rating": {"rater": 128, "comment": 5_000},
    "coverage_snapshot": {"label": 200},
    "suggestion_decision": {"text": PROSE},
    "survey": {"title": 200},
    "survey_rater": {"name": 128},
    "change_mark": {"note": PROSE},
    "skill_weight": {"section": 200, "item": 500, "level": 16},
}
# Import records → table: which limits a parsed row of the import engine is held to.
IMPORT_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "nodes": ("competency", ("code", "statement", "notes", "external_uri")),
    "courses": ("course", ("code", "name", "description")),
    "ratings": ("rating", ("rater", "comment")),
    "job_roles": ("job_role", ("name", "description", "external_code", "external_uri")),
}


def has_controls(text: str) -> bool:
    return CONTROL.search(text) is not None


def strip_controls(text: str) -> str:
    """``text`` without control characters, escape sequences and bidirectional overrides; else unchanged."""
    return CONTROL.sub("", text)


def limit_of(table: str, column: str) -> int | None:
    return FIELD_LIMITS.get(table, {}).get(column)


def too_long(table: str, column: str, value: str, **where: Any) -> FieldError | None:
    """A field error naming the field when ``value`` is over its limit, else None."""
    limit = limit_of(table, column)
    if limit is None or len(value) <= limit:
        return None
    from services.i18n import translate

    params = {"key": "error.field.too_long", "field": column, "limit": limit, "length": len(value)}
    return FieldError(field=column, message=translate("error.field.too_long", "en", **params), params=params,
                      **where)


def clean_tree(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """A JSON value with control characters removed from every string (keys too), and the paths changed.

    Iterative, so a deeply nested document cannot exhaust the stack.
    """
    changed: list[str] = []

    def fix(text: str, where: str) -> str:
        if CONTROL.search(text) is None:
            return text
        changed.append(where or "/")
        return CONTROL.sub("", text)

    if isinstance(value, str):
        return fix(value, path), changed
    root = [value]
    stack: list[tuple[Any, str | None]] = [(root, None)]  # None: the wrapper around the value itself
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                item = node[key]
                sub = f"{where}/{key}"
                new_key = fix(key, sub) if isinstance(key, str) else key
                if new_key != key:
                    del node[key]
                    node[new_key] = item
                if isinstance(item, str):
                    node[new_key] = fix(item, sub)
                elif isinstance(item, (dict, list)):
                    stack.append((item, sub))
        else:
            for i, item in enumerate(node):
                sub = path if where is None else f"{where}/{i}"
                if isinstance(item, str):
                    node[i] = fix(item, sub)
                elif isinstance(item, (dict, list)):
                    stack.append((item, sub))
    return root[0], changed


_COLUMNS: dict[Any, list[tuple[str, str, bool]]] = {}


def base_type(column: Any) -> Any:
    """A column's type under any decorator (SQLModel's ``AutoString`` is a decorated ``String``)."""
    kind = column.type
    return kind.impl_instance if isinstance(kind, TypeDecorator) else kind


def _text_columns(mapper) -> Iterator[tuple[str, str, bool]]:
    """(attribute, column, is_json) of a mapper's string and JSON columns, cached on the mapper."""
    cached = _COLUMNS.get(mapper)
    if cached is None:
        cached = _COLUMNS[mapper] = [(attr.key, attr.columns[0].name, isinstance(base_type(attr.columns[0]), JSON))
                                     for attr in mapper.column_attrs
                                     if isinstance(base_type(attr.columns[0]), (String, JSON))]
    return iter(cached)


_CHECKED = "textguard.checked"  # session.info key: id(obj) → (obj, attributes its writer already cleaned)


def mark_checked(session: Session, obj: Any, *attributes: str) -> None:
    """Tell the flush guard that ``attributes`` of ``obj`` hold only text its writer has already cleaned.

    For the bulk import's own record: its ``entities`` (every row the import created, changed or deleted,
    with before → after values) is built from cells the reader stripped and the length check passed, and
    from values read back from the database; walking it again costs about half a second per 50,000 changed
    rows. The mark covers those attributes of that one object at its next flush only: its other attributes
    and every other object in the session are guarded as always.
    """
    session.info.setdefault(_CHECKED, {})[id(obj)] = (obj, frozenset(attributes))


def clean_values(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` for an UPDATE statement on ``model``'s table, held to the flush guard's rules.

    A version-checked save (``services.versioning.apply_changes``) writes with a Core UPDATE, which no
    ``before_flush`` hook sees: control characters are removed here from its text and JSON values, and a
    text over its field's limit raises ``ValidationFailed``, exactly as for an ORM write.
    """
    mapper = inspect(model)
    table = mapper.local_table.name
    out = dict(values)
    errors: list[FieldError] = []
    for key, column, is_json in _text_columns(mapper):
        if key not in out:
            continue
        value = out[key]
        if is_json:
            if isinstance(value, (dict, list)):
                out[key] = clean_tree(value)[0]
            continue
        if isinstance(value, str):
            cleaned = _clean_text(table, column, value, errors)
            if cleaned is not value:
                out[key] = cleaned
    if errors:
        raise ValidationFailed(errors)
    return out


def _clean_text(table: str, column, value: str, errors: list[FieldError]) -> str:
    """``value`` without control characters (the same object when it had none); a length error is appended."""
    if CONTROL.search(value) is not None:
        value = CONTROL.sub("", value)
    error = too_long(table, column, value)
    if error is not None:
        error.params["record"] = table
        errors.append(error)
    return value


def _guard(session: Session, _context, _instances) -> None:
    errors: list[FieldError] = []
    checked = session.info.get(_CHECKED)
    for obj, new in [(o, True) for o in session.new] + [(o, False) for o in session.dirty]:
        state = inspect(obj)
        table = getattr(obj, "__tablename__", None) or state.mapper.local_table.name
        skip: frozenset[str] = frozenset()
        if checked:
            marked = checked.pop(id(obj), None)
            if marked is not None and marked[0] is obj:
                skip = marked[1]
        for key, column, is_json in _text_columns(state.mapper):
            if key in skip or (not new and not state.attrs[key].history.has_changes()):
                continue
            value = getattr(obj, key)
            if is_json:
                if isinstance(value, (dict, list)):
                    cleaned, changed = clean_tree(value)
                    if changed:
                        setattr(obj, key, cleaned)
                continue
            if isinstance(value, str):
                cleaned = _clean_text(table, column, value, errors)
                if cleaned is not value:
                    setattr(obj, key, cleaned)
    if errors:
        raise ValidationFailed(errors)


def install() -> None:
    """Guard every ORM flush (idempotent)."""
    if not event.contains(Session, "before_flush", _guard):
        event.listen(Session, "before_flush", _guard)
