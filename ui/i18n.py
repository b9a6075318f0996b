"""The translation helper pages use: ``t(key, **params)`` in the session's language."""

from __future__ import annotations

import streamlit as st

from services.i18n import LANGS, label, normalize_lang, translate


def current_lang() -> str:
    """The language chosen in the sidebar, else the browser's locale (zh or en)."""
    lang = st.session_state.get("lang")
    if lang in LANGS:
        return lang
    try:
        locale = st.context.locale
    except Exception:  # noqa: BLE001 - no browser context (bare mode, tests)
        locale = None
    lang = normalize_lang(locale)
    st.session_state["lang"] = lang
    return lang


def t(key: str, /, **params) -> str:
    """Translate ``key`` into the current language."""
    return translate(key, current_lang(), **params)


def enum_label(kind: str, value: str | None) -> str:
    """Translated label of an enumeration value (role, side, course_type, …)."""
    return label(kind, value, current_lang())


def error_text(exc: Exception) -> str:
    """A domain error as one line in the user's language: every part comes from the catalogs
    (field errors by their keys, other errors by their class key), never the English message."""
    from services.errors import DomainError, ValidationFailed
    from services.standards import error_lines

    if isinstance(exc, ValidationFailed):
        return t("error.validation", details="; ".join(error_lines(exc, current_lang())))
    if isinstance(exc, DomainError):
        return translate(exc.key, current_lang(), **exc.params, details=t("error.unknown_detail"))
    return t("error.unexpected")


def enum_format(kind: str):
    """A ``format_func`` for widgets over enumeration values, bound to the current language."""
    lang = current_lang()
    return lambda value: label(kind, value, lang)
