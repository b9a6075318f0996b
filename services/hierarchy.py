"""The framework's hierarchy rule, in one place: which kind of node may sit under which.

岗位 → 工作领域 (area) → 工作任务 (task) → 职业能力 (competency) is the usual shape, but real
frameworks are not all three levels deep: a two-level analysis puts competencies directly under
a work area, a flat list has competencies at the root, and deep trees nest tasks in tasks. The
framework editor, every import, the demo seed and restoring a backup all ask ``parent_allowed``,
so whatever one of them accepts, the others accept too. A competency is always a leaf and an
area always a root.
"""

from __future__ import annotations

# kind -> kinds its parent may have (None: at the root)
ALLOWED_PARENTS: dict[str, frozenset[str | None]] = {
    "area": frozenset({None}),
    "task": frozenset({"area", "task"}),
    "competency": frozenset({None, "area", "task"}),
}


def parent_allowed(kind: str, parent_kind: str | None) -> bool:
    """True if a node of ``kind`` may sit under a parent of ``parent_kind`` (``None``: no parent)."""
    return parent_kind in ALLOWED_PARENTS.get(kind, frozenset())


def allowed_parent_kinds(kind: str) -> tuple[str, ...]:
    """The parent kinds a node of ``kind`` may have, in tree order, for messages (root excluded)."""
    return tuple(k for k in ("area", "task") if k in ALLOWED_PARENTS.get(kind, frozenset()))


def kind_under(parent_kind: str | None, *, has_children: bool) -> str | None:
    """The kind a node takes under a parent of ``parent_kind``: the first allowed kind that can hold children
    when it has some (area, then task), else a competency; None when no kind is allowed there."""
    shapes = ("area", "task") if has_children else ("competency",)
    return next((kind for kind in shapes if parent_allowed(kind, parent_kind)), None)


# roles whose new nodes are accepted at once (they also confirm others' proposals)
CONFIRMING_ROLES = ("admin", "lead")


def new_node_provenance(actor) -> dict:
    """The review columns of a node ``actor`` adds (the framework editor and every import): a lead's or
    admin's node is accepted and confirmed by them; anyone else's is a proposal waiting for confirmation."""
    accepted = actor.role in CONFIRMING_ROLES
    return {"status": "accepted" if accepted else "proposed", "proposed_by_id": actor.id,
            "proposed_side": actor.side, "confirmed_by_id": actor.id if accepted else None}
