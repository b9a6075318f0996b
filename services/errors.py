"""Domain errors. Pages and manage.py turn each into a message; none is a crash."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    ``key`` is a translation key and ``params`` its placeholders, so the UI and the
    command line can show the message in the user's language.
    """

    key = "error.generic"

    def __init__(self, message: str = "", *, key: str | None = None, **params: Any) -> None:
        super().__init__(message or (key or self.key))
        if key:
            self.key = key
        self.params = params


class NotFound(DomainError):
    key = "error.not_found"


class PermissionDenied(DomainError):
    key = "error.permission_denied"


class Conflict(DomainError):
    """A save named a version that is no longer current."""

    key = "error.conflict"

    def __init__(self, message: str = "", *, current: dict[str, Any] | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.current = current or {}


class Deleted(Conflict, NotFound):
    """The row a change was aimed at was deleted by someone else meanwhile.

    A ``Conflict`` (the user's view is out of date) and a ``NotFound`` (callers that only
    know the latter keep working); ``entity`` names what was deleted.
    """

    key = "error.deleted"


class Busy(DomainError):
    """The database kept refusing the transaction (deadlock, serialization failure, locked file)
    after a few retries: nothing was saved, and trying again later works."""

    key = "error.busy"


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None
    sheet: str | None = None
    file: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def field_error(field: str, key: str, message: str | None = None, **params: Any) -> FieldError:
    """A field error the UI shows translated (``key``, with ``field`` shown by its label); ``message``
    (default: the English text of ``key``) is what logs and the command line print."""
    if message is None:
        from services.i18n import translate

        message = translate(key, "en", **params)
    return FieldError(field=field, message=message, params={"key": key, "field": field, **params})


class ValidationFailed(DomainError):
    key = "error.validation"

    def __init__(self, errors: list[FieldError] | list[str], message: str = "") -> None:
        super().__init__(message or "; ".join(str(getattr(e, "message", e)) for e in errors))
        self.errors = errors


class DatabaseUnavailable(DomainError):
    key = "error.database_unavailable"


# Params that name a table or a field are shown by their label in the user's language; a field of
# a standard's table (the error names the table) is labelled as the editor's column.
_TABLE_KEYS = ("standards.section.{}",)
_FIELD_KEYS = ("field.{}", "standards.page.field.{}", "standards.page.col.{}")
_TABLE_FIELD_KEYS = ("standards.page.col.{}", "standards.page.field.{}", "field.{}")


def _labelled(params: dict[str, Any], lang: str) -> dict[str, Any]:
    from services.i18n import catalog

    texts = catalog(lang)
    out = dict(params)
    in_table = isinstance(params.get("table") or params.get("sheet"), str)
    keys = {"table": _TABLE_KEYS, "sheet": _TABLE_KEYS, "field": _TABLE_FIELD_KEYS if in_table else _FIELD_KEYS}
    for name, patterns in keys.items():
        value = out.get(name)
        if isinstance(value, str):
            out[name] = next((texts[p.format(value)] for p in patterns if p.format(value) in texts), value)
    return out


def _escaped(params: dict[str, Any], escape: Callable[[str], str] | None) -> dict[str, Any]:
    return {k: escape(v) if escape and isinstance(v, str) else v for k, v in params.items()}


def field_error_text(error: FieldError, lang: str) -> str:
    """One field error's message in ``lang``: its translation key, a table or field it names shown by its label."""
    from services.i18n import translate

    params = dict(error.params or {})
    key = params.pop("key", None)
    return translate(key, lang, **_labelled(params, lang)) if key else str(error.message)


def error_lines(exc: Exception, lang: str, *, escape: Callable[[str], str] | None = None) -> list[str]:
    """A domain error's messages in ``lang``, the one formatter the UI and the command line use.

    One line per field error of a ``ValidationFailed`` (each carries a translation key; a table
    or field it names is shown by its label), else the error's own key. ``escape`` is applied to every text
    parameter (the UI passes its Markdown escape; the command line prints plain text).
    """
    from services.i18n import translate

    errors = getattr(exc, "errors", None)
    if errors:
        lines = []
        for error in errors:
            params = dict(getattr(error, "params", None) or {})
            key = params.pop("key", None)
            lines.append(translate(key, lang, **_escaped(_labelled(params, lang), escape)) if key
                         else _escaped({"m": str(getattr(error, "message", error))}, escape)["m"])
        return lines
    params = _labelled(dict(getattr(exc, "params", {}) or {}), lang)
    params.setdefault("details", str(exc))
    return [translate(getattr(exc, "key", "error.generic"), lang, **_escaped(params, escape))]
