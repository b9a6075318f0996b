"""The translation helper pages use: ``t(key, **params)`` in the session's language."""

from __future__ import annotations

import streamlit as st

from services.i18n import LANGS, label, normalize_lang, translate
from ui.cookies import read_cookie, write_cookie

LANG_COOKIE = "costandard_lang"
_LANG_WRITTEN = "lang_cookie_written"
LANG_COOKIE_AGE = 365 * 24 * 3600


def current_lang() -> str:
    """The language chosen in the sidebar, else the one chosen last time in this browser (a cookie, so a
    reload or a link keeps it), else the browser's locale (zh or en)."""
    lang = st.session_state.get("lang")
    if lang in LANGS:
        return lang
    lang = read_cookie(LANG_COOKIE)
    if lang not in LANGS:
        try:
            locale = st.context.locale
        except Exception:  # noqa: BLE001 - no browser context (bare mode, tests)
            locale = None
        lang = normalize_lang(locale)
    st.session_state["lang"] = lang
    st.session_state[_LANG_WRITTEN] = read_cookie(LANG_COOKIE)
    return lang


def remember_lang() -> None:
    """Keep the chosen language in the browser for the next session (written once per change)."""
    lang = current_lang()
    if st.session_state.get(_LANG_WRITTEN) != lang:
        write_cookie(LANG_COOKIE, lang, LANG_COOKIE_AGE)
        st.session_state[_LANG_WRITTEN] = lang


def t(key: str, /, **params) -> str:
    """Translate ``key`` into the current language."""
    return translate(key, current_lang(), **params)


def tm(key: str, /, **params) -> str:
    """``t`` for a Markdown place (alerts, captions, titles, labels): text parameters are escaped, so user
    text in them shows as typed and never renders as a link, an image or formatting."""
    from ui.safe import md_escape

    return translate(key, current_lang(), **{k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()})


def enum_label(kind: str, value: str | None) -> str:
    """Translated label of an enumeration value (role, side, course_type, …)."""
    return label(kind, value, current_lang())


def error_lines(exc: Exception) -> list[str]:
    """A domain error's messages in the user's language: the UI's one error formatter."""
    from services.errors import error_lines as lines
    from ui.safe import md_escape

    # every caller shows the lines in an alert, which renders Markdown: the values they name are escaped
    return lines(exc, current_lang(), escape=md_escape)


def error_text(exc: Exception) -> str:
    """A domain error as one line in the user's language (its messages joined), safe for an alert."""
    return "; ".join(error_lines(exc))


def show_error(exc: Exception) -> None:
    """Show a domain error on the page, one ``st.error`` per message."""
    for line in error_lines(exc):
        st.error(line)


def join_list(items) -> str:
    """Names or codes joined the way the current language lists them (、 in Chinese, ", " in English)."""
    return t("format.list_separator").join(str(i) for i in items)


def enum_format(kind: str):
    """A ``format_func`` for widgets over enumeration values, bound to the current language."""
    lang = current_lang()
    return lambda value: label(kind, value, lang)
