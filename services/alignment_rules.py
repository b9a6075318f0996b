"""The pure rules of an alignment's row, shared by the editor (services/alignments.py, services/standards.py)
and the bulk import (services/importing/plan.py, commit.py). No database, no heavy imports: the importer
loads this without the editor's modules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.actor import Actor

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
