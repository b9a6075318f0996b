"""Which kind of file is this? Every kind scores the book; the best one wins, the user may override."""

from __future__ import annotations

import importlib
from types import ModuleType

from services.importing.readers import RawBook

KINDS = ("framework", "courses", "matrix", "standard", "ratings", "moodle", "opensalt", "case", "esco", "onet")


def kind_module(kind: str) -> ModuleType:
    if kind not in KINDS:
        raise KeyError(kind)
    return importlib.import_module(f"services.importing.kinds.{kind}")


def available_kinds() -> list[str]:
    """Kinds whose module exists (all of ``KINDS`` once the engine is complete)."""
    out = []
    for kind in KINDS:
        try:
            kind_module(kind)
        except ModuleNotFoundError:
            continue
        out.append(kind)
    return out


def score_kinds(book: RawBook) -> list[dict[str, float | str]]:
    """``[{"kind", "score"}]`` best first; scores are 0–1 and comparable across kinds."""
    scores = []
    for kind in available_kinds():
        module = kind_module(kind)
        try:
            value = float(module.score(book))
        except Exception:  # noqa: BLE001 - a scorer must never break detection
            value = 0.0
        if value > 0:
            scores.append({"kind": kind, "score": round(value, 3)})
    scores.sort(key=lambda s: (-s["score"], KINDS.index(s["kind"])))
    return scores
