"""User text shown through Markdown: escaped, so it reads as typed and never becomes a link or an image.

Streamlit renders Markdown in ``st.markdown``, ``st.write``, titles, captions, alerts, toasts and
every widget label (links and images included) plus its own directives (``:red[…]``,
``:material/…:``, emoji shortcodes, ``$…$`` maths). Every piece of user text (statements, names,
comments, reasons, codes) that goes into one of them passes through ``md_escape`` first, or through
``ui.i18n.tm`` which escapes a message's parameters.
"""

from __future__ import annotations

import re

# HTML's and Markdown's special characters (and Streamlit's $…$ maths), written as entities in HTML
_HTML_SPECIAL = frozenset("\\`*_{}[]()#+-.!|~<>$&\"':=@/")
# every ASCII punctuation character CommonMark lets a backslash escape; escaping one that needs no escape
# changes nothing on screen, and escaping all of them also breaks autolinks (http\:\/\/…, www\.…)
_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


# Streamlit's GFM autolinks are found in the text after escapes are resolved (http://…, www.…, a@b.c), so
# a backslash cannot stop them: an invisible WORD JOINER (U+2060) after the scheme or "www" and before "@"
# breaks the pattern and changes nothing on screen
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto|www)(?=\\?[:.])")
_AT = re.compile(r"(?=\\?@)")
JOINER = "\u2060"


def _no_autolink(text: str) -> str:
    return _AT.sub(JOINER, _AUTOLINK.sub(lambda m: m.group(1) + JOINER, text))


def md_escape(text: object) -> str:
    """``text`` (any value; ``None`` is empty) escaped for a Markdown string: shown as typed, nothing rendered."""
    if text is None:
        return ""
    return _no_autolink(_PUNCTUATION.sub(r"\\\1", str(text))).replace("\n", "  \n")


def html_text(text: object) -> str:
    """``text`` as inert HTML for ``st.markdown(..., unsafe_allow_html=True)``: Markdown's and HTML's special
    characters as entities, autolinks broken, so no tag, no formatting and no link."""
    if text is None:
        return ""
    return "".join(f"&#{ord(ch)};" if ch in _HTML_SPECIAL else ch for ch in _no_autolink(str(text)))


# in prose a writer may format (bold, lists, headings) but nothing that loads or links: images, links,
# autolinks (``<…>``, ``www.``, ``http://``, e-mail), Streamlit directives (``:red[…]``, icons) and maths
_PROSE_SPECIAL = re.compile(r"""([!\[\]()<>:$@\\])""")
_WWW = re.compile(r"(?i)\b(www)\.")


def md_prose(text: object) -> str:
    """Prose fields previewed as Markdown: formatting kept, links, images, directives and maths shown as typed."""
    if text is None:
        return ""
    return _no_autolink(_WWW.sub(r"\1\\.", _PROSE_SPECIAL.sub(r"\\\1", str(text))))
