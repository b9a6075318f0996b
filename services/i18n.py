"""Translation catalogs (zh, en) shared by pages, services and the command line.

Catalogs live in ``locales/<lang>.json`` plus optional per-feature parts
``locales/<lang>.<feature>.json`` (for example ``zh.import.json``), all flat ``key -> text``
maps with ``{name}`` placeholders. For every part, zh and en have the same keys (a test
checks), and no key is defined in two parts.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


@cache
def catalog(lang: str) -> dict[str, str]:
    """The catalog of ``lang`` (cached; files are read once per process)."""
    merged: dict[str, str] = {}
    for path in catalog_files(lang):
        merged.update(json.loads(path.read_text(encoding="utf-8")))
    return merged


def catalog_files(lang: str) -> list[Path]:
    """The catalog files of ``lang``: the main one first, then the per-feature parts."""
    return [LOCALES_DIR / f"{lang}.json", *sorted(LOCALES_DIR.glob(f"{lang}.*.json"))]


def normalize_lang(value: str | None) -> str:
    """Map a locale such as ``zh-CN``, ``en_US`` or ``None`` onto a supported language."""
    if not value:
        return DEFAULT_LANG
    head = value.replace("_", "-").split("-")[0].lower()
    return head if head in LANGS else "en"


def plural_key(key: str, count: int | float, lang: str) -> str:
    """``key.one`` or ``key.other`` when the catalog has plural forms of ``key``, else ``key``.

    English says "1 alignment" / "2 alignments"; Chinese has one form (its catalog repeats the
    text under both keys, so the catalogs keep the same keys).
    """
    names = catalog(normalize_lang(lang))
    form = f"{key}.one" if count == 1 and normalize_lang(lang) == "en" else f"{key}.other"
    return form if form in names or f"{key}.other" in catalog("en") else key


def translate(key: str, lang: str = DEFAULT_LANG, /, **params: Any) -> str:
    """Text of ``key`` in ``lang`` with placeholders filled; falls back to en, then the key.

    A ``count`` parameter picks the plural form (``plural_key``) and fills ``{count}``.
    """
    if "count" in params and isinstance(params["count"], (int, float)):
        key = plural_key(key, params["count"], lang)
    text = catalog(normalize_lang(lang)).get(key)
    if text is None:
        text = catalog("en").get(key, key)
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def _blank(value: object) -> bool:
    """None, "", NaN or pandas' NA (values taken from a DataFrame column)."""
    if value is None:
        return True
    try:
        return bool(value != value) or value == ""  # NaN is the only value unequal to itself
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def label(kind: str, value: str | None, lang: str) -> str:
    """Translated label of an enumeration value, e.g. ``label("role", "mentor", "zh")``."""
    if _blank(value):
        return ""
    return translate(f"enum.{kind}.{value}", lang)
