"""The pure rules of an alignment's row, shared by every path that writes one: the editor
(services/alignments.py, services/standards/), the bulk import (services/importing/plan.py, commit.py),
restore (services/importing/restore.py) and the demo seed (services/demo.py). No database, no heavy
imports: the importer loads this without the editor's modules.

- ``new_row``: every column of a new alignment (the target key derived from its most specific target).
- ``proposal``: the review columns of a new or re-opened proposal (proposer and side, no decision).
- ``decision``: the review columns of an accept or a reject (decider, time, reason).
- ``level_change``: a changed level re-opens a decided alignment.
- ``stored_review``: the review columns of a row carried over as recorded (a backup, a copy that keeps the review).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from models.tables import alignment_target, utcnow
from services.actor import Actor
from services.vocabulary import ALIGNMENT_DECIDED

# the columns a level change may set (the editor and the import's bulk writer both write them)
LEVEL_CHANGE_COLUMNS = ("level", "status", "proposed_by_id", "proposed_side", "decided_by_id", "decided_at", "reason")


def level_change(current: Mapping[str, Any], level: int, *, actor: Actor | None) -> dict[str, Any]:
    """The column changes of setting an alignment's level to ``level``: the one rule for every path.

    ``current`` holds at least the alignment's ``level`` and ``status``. An unchanged level
    changes nothing. A changed level on a decided alignment (accepted or rejected) re-opens it:
    proposed again by ``actor`` and their side, decision and reason cleared, so a sign-off never
    vouches for a level the other side has not seen. ``actor=None`` (a preview, before anyone
    commits) leaves the proposer empty; the writer applies the rule again with its actor.
    """
    if current.get("level") == level:
        return {}
    changes: dict[str, Any] = {"level": level}
    if current.get("status") != "proposed":
        changes.update(status="proposed", proposed_by_id=actor.id if actor else None,
                       proposed_side=actor.side if actor else None, decided_by_id=None, decided_at=None, reason="")
    return changes


REVIEW_COLUMNS = ("status", "proposed_by_id", "proposed_side", "decided_by_id", "decided_at", "reason")


def new_row(*, competency_id: int, course_id: int, unit_id: int | None = None, objective_id: int | None = None,
            level: int, source: str, **review: Any) -> dict[str, Any]:
    """The columns of a new alignment: its target (the most specific of unit, objective, course),
    level, source and review columns (``proposal``, ``decision`` or ``stored_review``)."""
    if unit_id is not None and objective_id is not None:
        raise ValueError("an alignment targets a unit or an objective, not both")
    unknown = set(review) - set(REVIEW_COLUMNS) - {"created_at", "updated_at", "version"}
    if unknown:
        raise ValueError(f"not alignment columns: {sorted(unknown)}")
    return {"competency_id": competency_id, "course_id": course_id, "unit_id": unit_id, "objective_id": objective_id,
            "target": alignment_target(course_id=course_id, unit_id=unit_id, objective_id=objective_id),
            "level": level, "source": source, **proposal(None), **review}


def proposal(actor: Actor | None, *, side: str | None = None) -> dict[str, Any]:
    """The review columns of an open proposal by ``actor`` (their side unless ``side`` is given): no decision."""
    return {"status": "proposed", "proposed_by_id": actor.id if actor else None,
            "proposed_side": side if side is not None else (actor.side if actor else None),
            "decided_by_id": None, "decided_at": None, "reason": ""}


def decision(status: str, *, decided_by_id: int | None, reason: str = "", at: Any = None) -> dict[str, Any]:
    """The review columns of deciding an alignment: ``accepted`` or ``rejected`` by ``decided_by_id`` at ``at``
    (now by default), with the reason as written (stripped of surrounding blanks)."""
    if status not in ALIGNMENT_DECIDED:
        raise ValueError(f"not a decision: {status!r}")
    return {"status": status, "decided_by_id": decided_by_id, "decided_at": at or utcnow(),
            "reason": (reason or "").strip()}


def stored_review(record: Mapping[str, Any]) -> dict[str, Any]:
    """The review columns of a row carried over as it was recorded (restore, a copy keeping the review).
    A row recorded as ``proposed`` carries no decision, whatever else the record says."""
    status = record.get("status") or "proposed"
    review = {"status": status, "proposed_by_id": record.get("proposed_by_id"),
              "proposed_side": record.get("proposed_side"), "decided_by_id": record.get("decided_by_id"),
              "decided_at": record.get("decided_at"), "reason": record.get("reason") or ""}
    if status == "proposed":
        review.update(decided_by_id=None, decided_at=None)
    return review
