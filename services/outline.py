"""Outline codes ("1.2.10") and the vocabularies users type for importance and type."""

from __future__ import annotations

import re
import unicodedata

_SPLIT = re.compile(r"(\d+)")


def normalize_text(value: object) -> str:
    """NFKC-fold (full-width → half-width), join line breaks, collapse spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = text.replace("_x000D_", "").replace("\r", " ").replace("\n", " ")
    return re.sub(r"\s+", " ", text).strip()


def code_sort_key(code: str | None) -> tuple:
    """Natural order for outline codes: 1.2 < 1.9 < 1.10; text parts compare as text."""
    if not code:
        return ((2, ""),)
    parts = _SPLIT.split(code)
    key = []
    for part in parts:
        if not part:
            continue
        key.append((0, int(part), "") if part.isdigit() else (1, 0, part))
    return tuple(key)


_IMPORTANCE = {
    "a": 5, "核心": 5, "h": 5, "high": 5, "高": 5, "core": 5,
    "b": 3, "重要": 3, "m": 3, "medium": 3, "中": 3, "important": 3,
    "c": 1, "一般": 1, "l": 1, "low": 1, "低": 1, "general": 1,
    "a类": 5, "b类": 3, "c类": 1, "核心能力": 5, "重要能力": 3, "一般能力": 1, "非常重要": 5, "比较重要": 3,
}


_STARS_OF_THREE = {1: 1, 2: 3, 3: 5}


def parse_importance(value: object, *, stars: int = 3) -> int | None:
    """A/B/C, 核心/重要/一般, H/M/L, 1–5 or ★ marks → 1–5; ``None`` for blank; ``ValueError`` otherwise.

    ★★★ / ★★ / ★ read like A / B / C on a three-star scale (``stars=3``, unless a value has more than
    three stars); on a five-star scale (``stars=5``) each star counts one.
    """
    text = normalize_text(value).lower()
    if text in ("", "nan", "none"):
        return None
    if text in _IMPORTANCE:
        return _IMPORTANCE[text]
    if "★" in text:
        count = text.count("★")
        if text.replace("★", "").replace("☆", "").strip() or not 1 <= count <= 5:
            raise ValueError(f"importance {value!r} is not one to five stars")
        return _STARS_OF_THREE[count] if stars == 3 and count <= 3 and "☆" not in text else count
    try:
        number = float(text)
    except ValueError as exc:
        raise ValueError(f"importance {value!r} is not A/B/C, 核心/重要/一般, H/M/L or 1–5") from exc
    if number != int(number) or not 1 <= number <= 5:
        raise ValueError(f"importance {value!r} is outside 1–5")
    return int(number)


_TYPES = {
    "knowledge": "knowledge", "知识": "knowledge", "k": "knowledge", "知": "knowledge",
    "skill": "skill", "技能": "skill", "能力": "skill", "s": "skill", "skill/competence": "skill",
    "competence": "skill", "技": "skill",
    "quality": "quality", "素质": "quality", "attitude": "quality", "素养": "quality", "q": "quality",
    "a": "quality", "态度": "quality", "transversal": "quality",
}


def parse_comp_type(value: object) -> str | None:
    """知识/技能/素质 or knowledge/skill/attitude (and abbreviations) → knowledge/skill/quality."""
    text = normalize_text(value).lower()
    if text in ("", "nan", "none"):
        return None
    if text in _TYPES:
        return _TYPES[text]
    raise ValueError(f"type {value!r} is not 知识/技能/素质 or knowledge/skill/attitude")


def required_level_from_importance(importance: int | None) -> int:
    """Importance ≥ 4 → 3, importance 3 → 2, otherwise 1 (docs/coverage.md)."""
    if importance is None:
        return 1
    if importance >= 4:
        return 3
    if importance == 3:
        return 2
    return 1
