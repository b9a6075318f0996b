"""What every owning module's row builder shares: the columns a builder carries over as given, and its checks.

A builder (``services.programs.new_program_row``, ``services.framework.new_node_row`` …) is pure: it
returns the columns of a new row or raises ``ValidationFailed``; the one table of which module owns which
record is ``tests/test_architecture.py``'s ``RECORD_OWNERS``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from services.errors import FieldError, ValidationFailed, field_error


def kept_columns(fields: dict[str, Any], allowed: Iterable[str], what: str) -> dict[str, Any]:
    """The given columns a builder keeps as they are (timestamps, versions, a stored review), ``None`` left
    out so the model's default applies; a column not in ``allowed`` is a ``ValidationFailed``."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationFailed([field_error("fields", "error.field.cannot_change",
                                            f"unknown {what} fields: {', '.join(unknown)}", fields=", ".join(unknown))])
    return {k: v for k, v in fields.items() if v is not None}


def unknown_value(field: str, value: Any, known: Iterable[Any], *, nullable: bool = False) -> FieldError | None:
    """A field error when ``value`` is not one of ``known`` (or ``None`` when ``nullable``), else None."""
    if (value is None and nullable) or value in tuple(known):
        return None
    return field_error(field, "error.field.unknown_value", f"{field}: {value!r} is not one of {', '.join(map(str, known))}",
                       value=str(value))


def in_range(value: Any, low: int, high: int) -> bool:
    """Whether ``value`` is a whole number (not a bool) from ``low`` to ``high``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def raise_any(errors: Iterable[FieldError | None]) -> None:
    """Raise ``ValidationFailed`` with the errors that are not None, if any."""
    found = [e for e in errors if e is not None]
    if found:
        raise ValidationFailed(found)
