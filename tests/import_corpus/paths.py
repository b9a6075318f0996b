"""Where a real third-party file is: a vendored copy in tests/data/real, else ../shared/data/real."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REAL_DATA, ROOT

VENDORED = ROOT / "tests" / "data" / "real"  # redistributable copies, when the repository carries them


def locate(relative: str) -> Path | None:
    """The file ``relative`` (e.g. "opensalt/case/Ordering.json"), or None when neither folder has it."""
    for base in (VENDORED, REAL_DATA):
        if (base / relative).is_file():
            return base / relative
    return None


def searched() -> str:
    return f"{VENDORED} or {REAL_DATA}"
