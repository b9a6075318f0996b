"""Domain errors. Pages and manage.py turn each into a message; none is a crash."""

from __future__ import annotations

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


@dataclass
class FieldError:
    field: str
    message: str
    row: int | None = None
    sheet: str | None = None
    file: str | None = None
    params: dict[str, Any] = field(default_factory=dict)


def field_error(field: str, key: str, *, message: str | None = None, **params: Any) -> FieldError:
    """A field error the UI shows in the user's language (``key`` with ``params``, see
    ``services.standards.error_lines``); ``message`` (default: the English text of ``key``) is what
    logs and the command line print."""
    from services.i18n import translate

    return FieldError(field=field, message=message or translate(key, "en", **params), params={"key": key, **params})


class ValidationFailed(DomainError):
    key = "error.validation"

    def __init__(self, errors: list[FieldError] | list[str], message: str = "") -> None:
        super().__init__(message or "; ".join(str(getattr(e, "message", e)) for e in errors))
        self.errors = errors


class DatabaseUnavailable(DomainError):
    key = "error.database_unavailable"
