"""Matrix marks → alignment levels 1–3, with the scheme detected from the whole sheet.

"M" is Medium (2) under H/M/L but Mastered (3) under I/R/M: when the marks of a sheet fit
more than one scheme the import stops and asks (``--marks``); it never guesses. A custom
mapping such as ``"1=3,2=2,3=0"`` covers anything else (0 means "no alignment").
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable
from typing import Any

from services.importing.readers import cell_text

SCHEMES: dict[str, dict[str, int]] = {
    "symbols": {"●": 3, "◐": 2, "○": 1, "■": 3, "▲": 2, "△": 1, "◉": 3, "◎": 2, "◑": 2},
    "hml": {"H": 3, "M": 2, "L": 1, "HIGH": 3, "MEDIUM": 2, "LOW": 1, "高": 3, "低": 1},
    "irm": {"I": 1, "R": 2, "M": 3},
    "numeric": {"1": 1, "2": 2, "3": 3},
    "strength": {"强": 3, "中": 2, "弱": 1},
    "ticks": {"√": 1, "✓": 1, "✔": 1, "☑": 1, "Y": 1, "YES": 1, "是": 1, "有": 1},
}
SCHEME_NAMES = tuple(SCHEMES)
BLANKS = frozenset({"", "0", "-", "--", "—", "/", "N", "NO", "否", "无", "NAN", "NONE", "×", "✗", "✘"})
# "N"/"NO"/"否"/"×" mean "not aligned"; "0" too under every scheme


_NORMALIZED: dict[Any, str] = {}


def normalize_mark(value: Any) -> str:
    """Width-folded, upper-case, no spaces; numbers without ".0" (memoised: a sheet has few distinct marks)."""
    if value == "" or value is None:
        return ""
    try:
        return _NORMALIZED[value]
    except (KeyError, TypeError):
        pass
    text = unicodedata.normalize("NFKC", cell_text(value)).strip().upper()
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    text = text.replace(" ", "")
    if len(_NORMALIZED) < 10_000:
        with contextlib.suppress(TypeError):
            _NORMALIZED[value] = text
    return text


def parse_marks_option(value: str | dict[str, Any] | None) -> str | dict[str, int] | None:
    """``"irm"`` → ``"irm"``; ``"1=3, 2=2, 3=0"`` → a custom mapping; raises ``ValueError`` otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return {normalize_mark(k): int(v) for k, v in value.items()}
    text = value.strip()
    if text.lower() in SCHEMES:
        return text.lower()
    if "=" in text:
        mapping = {}
        for part in text.replace("；", ",").replace(";", ",").split(","):
            if not part.strip():
                continue
            key, _, level = part.partition("=")
            level_int = int(level.strip())
            if not 0 <= level_int <= 3:
                raise ValueError(f"level {level_int} is outside 0–3")
            mapping[normalize_mark(key)] = level_int
        if mapping:
            return mapping
    raise ValueError(f"unknown mark scheme {value!r}: use {', '.join(SCHEMES)} or VALUE=LEVEL pairs")


def table_for(scheme: str | dict[str, int]) -> dict[str, int]:
    return dict(scheme) if isinstance(scheme, dict) else SCHEMES[scheme]


def detect_scheme(values: Iterable[Any]) -> tuple[str | None, list[str], list[str]]:
    """(scheme or None, candidate schemes, values no scheme knows) for the marks of one sheet."""
    seen = {normalize_mark(v) for v in values} - BLANKS
    if not seen:
        return None, [], []
    candidates = [name for name, table in SCHEMES.items() if seen <= set(table)]
    if len(candidates) == 1:
        return candidates[0], candidates, []
    if candidates:
        return None, candidates, []
    # the closest scheme decides which values are reported as unknown
    known = set().union(*(set(t) for t in SCHEMES.values()))
    unknown = sorted(seen - known) or sorted(seen)
    closest = max(SCHEMES, key=lambda n: len(seen & set(SCHEMES[n])))
    if seen & set(SCHEMES[closest]):
        unknown = sorted(seen - set(SCHEMES[closest]))
    return None, [], unknown


def level_of(value: Any, table: dict[str, int]) -> int | None:
    """Level 1–3 of a mark, ``None`` for blank / "no"; ``KeyError`` for a mark the table does not know."""
    mark = normalize_mark(value)
    if mark in table:
        level = table[mark]
        return level if level > 0 else None
    if mark in BLANKS:
        return None
    raise KeyError(mark)
