"""Who may do what. Enforced here, in services, whatever the UI shows or hides.

The matrix is explicit so it can be read, documented and tested role by role.

Separation of duties: the school's signature on a course standard must come from someone who
did not write it. Its author (whoever created or saved the revision) and the course's owners may
not sign for the school; the programme lead, another school user or an admin who did not write
it does. The enterprise signs through its mentors.
"""

from __future__ import annotations

from services.actor import Actor
from services.errors import PermissionDenied

# action -> roles allowed unconditionally
_ALLOWED: dict[str, frozenset[str]] = {
    "user.manage": frozenset({"admin"}),
    "program.create": frozenset({"admin", "lead"}),
    "program.edit": frozenset({"admin", "lead"}),
    "program.delete": frozenset({"admin"}),
    "program.view": frozenset({"admin", "lead", "faculty", "mentor"}),
    "framework.edit": frozenset({"admin", "lead", "mentor", "faculty"}),
    "framework.confirm": frozenset({"admin", "lead", "mentor"}),
    "course.create": frozenset({"admin", "lead"}),
    "course.edit": frozenset({"admin", "lead"}),  # faculty: only courses they own (see below)
    "course.delete": frozenset({"admin", "lead"}),
    "standard.edit": frozenset({"admin", "lead"}),  # faculty: own courses
    "standard.submit": frozenset({"admin", "lead"}),  # faculty: own courses
    "standard.sign_school": frozenset({"admin", "lead", "faculty"}),  # never its author or course owner
    "standard.sign_enterprise": frozenset({"admin", "mentor"}),
    "alignment.propose": frozenset({"admin", "lead", "faculty", "mentor"}),
    "alignment.decide": frozenset({"admin", "lead", "faculty", "mentor"}),
    "comment.write": frozenset({"admin", "lead", "faculty", "mentor"}),
    "rating.write": frozenset({"admin", "lead", "mentor"}),
    "survey.manage": frozenset({"admin", "lead", "mentor"}),
    "change.mark": frozenset({"admin", "lead", "mentor"}),
    "import.run": frozenset({"admin", "lead"}),
    "export.run": frozenset({"admin", "lead", "faculty", "mentor"}),
    "backup.run": frozenset({"admin"}),
    "audit.view": frozenset({"admin", "lead"}),
    "coverage.snapshot": frozenset({"admin", "lead"}),
}

# actions a faculty member may take on a course they own
_OWNER_ACTIONS = frozenset({"course.edit", "standard.edit", "standard.submit"})
# actions refused to whoever wrote the thing or owns its course (separation of duties)
_INDEPENDENT_ACTIONS = frozenset({"standard.sign_school"})

ACTIONS = tuple(sorted(_ALLOWED))


def can(actor: Actor | None, action: str, *, owns_course: bool = False, wrote: bool = False) -> bool:
    """True if ``actor`` may perform ``action`` (``owns_course`` for course-scoped actions;
    ``wrote`` when the actor wrote the thing acted on, which bars the independent actions)."""
    if actor is None:
        return False
    if action not in _ALLOWED:
        raise KeyError(f"unknown action {action!r}")
    if action in _INDEPENDENT_ACTIONS and (owns_course or wrote):
        return False
    if actor.role in _ALLOWED[action]:
        return True
    return actor.role == "faculty" and owns_course and action in _OWNER_ACTIONS


def require(actor: Actor | None, action: str, *, owns_course: bool = False, wrote: bool = False) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may perform ``action``."""
    if not can(actor, action, owns_course=owns_course, wrote=wrote):
        who = actor.username if actor else "anonymous"
        role = actor.role if actor else "-"
        if actor is not None and action in _INDEPENDENT_ACTIONS and (owns_course or wrote) \
                and can(actor, action):
            raise PermissionDenied(f"{who} ({role}) wrote this or owns its course and may not {action}",
                                   key="permission.error.not_independent", action=action, role=role)
        raise PermissionDenied(f"{who} ({role}) may not {action}", action=action, role=role)
