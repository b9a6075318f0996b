"""Audit page helpers: an event's before → after as rows of changed fields."""

from __future__ import annotations

import json
from typing import Any

from services.i18n import catalog
from ui.i18n import current_lang


def audit_label(kind: str, value: str | None) -> str:
    """An audit event's entity type (``kind="entity"``) or action (``"act"``) in the user's language;
    a value without a catalog entry (a future action) shows as stored."""
    if not value:
        return ""
    return catalog(current_lang()).get(f"audit.{kind}.{value}", value)


def audit_format(kind: str):
    """``format_func`` for a select over entity types or actions; "" means any (``any_label``)."""
    lang = current_lang()
    names = catalog(lang)
    return lambda value: names.get(f"audit.{kind}.{value}", value)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def change_table(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[dict[str, str]]:
    """``[{"field", "before", "after"}]`` for every field whose value differs (all fields of a create or delete)."""
    before, after = before or {}, after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [{"field": "", "before": _shown(before or None), "after": _shown(after or None)}]
    fields = [*before, *(k for k in after if k not in before)]
    return [{"field": str(k), "before": _shown(before.get(k)), "after": _shown(after.get(k))}
            for k in fields if before.get(k) != after.get(k)]
