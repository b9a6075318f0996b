"""Every role × action, spelled out: the permission matrix is a product decision."""

from __future__ import annotations

import pytest

from services.actor import Actor
from services.errors import PermissionDenied
from services.permissions import ACTIONS, can, require

ROLES = ("admin", "lead", "faculty", "mentor")
# action: roles allowed (faculty-owner rights are checked separately below)
EXPECTED = {
    "user.manage": {"admin"},
    "program.create": {"admin", "lead"}, "program.edit": {"admin", "lead"}, "program.delete": {"admin"},
    "program.view": set(ROLES),
    "framework.edit": set(ROLES), "framework.confirm": {"admin", "lead", "mentor"},
    "course.create": {"admin", "lead"}, "course.edit": {"admin", "lead"}, "course.delete": {"admin", "lead"},
    "standard.edit": {"admin", "lead"}, "standard.submit": {"admin", "lead"},
    "standard.sign_school": {"admin", "lead", "faculty"}, "standard.sign_enterprise": {"admin", "mentor"},
    "alignment.propose": set(ROLES), "alignment.decide": set(ROLES), "comment.write": set(ROLES),
    "rating.write": {"admin", "lead", "mentor"}, "import.run": {"admin", "lead"}, "export.run": set(ROLES),
    "backup.run": {"admin"}, "audit.view": {"admin", "lead"}, "coverage.snapshot": {"admin", "lead"},
    "survey.manage": {"admin", "lead", "mentor"}, "change.mark": {"admin", "lead", "mentor"},
}
OWNER_EXTRA = {"course.edit", "standard.edit", "standard.submit"}
# separation of duties: refused to whoever wrote the thing or owns its course, whatever the role
INDEPENDENT = {"standard.sign_school"}


def actor(role: str) -> Actor:
    return Actor(id=1, username=role, display_name=role, role=role,
                 side="enterprise" if role == "mentor" else "school")


def test_matrix_covers_every_action():
    assert set(EXPECTED) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_action(role, action):
    """Allowed roles pass; others get PermissionDenied; faculty gain owner rights on own courses."""
    allowed = role in EXPECTED[action]
    assert can(actor(role), action) is allowed
    if allowed:
        require(actor(role), action)
    else:
        with pytest.raises(PermissionDenied):
            require(actor(role), action)
    owner_allowed = (allowed or (role == "faculty" and action in OWNER_EXTRA)) and action not in INDEPENDENT
    assert can(actor(role), action, owns_course=True) is owner_allowed
    assert can(actor(role), action, wrote=True) is (allowed and action not in INDEPENDENT)


@pytest.mark.parametrize("role", ROLES)
def test_the_author_or_course_owner_never_signs_for_the_school(role):
    """Separation of duties: whoever wrote a standard or owns its course is refused, with its own message."""
    for kwargs in ({"owns_course": True}, {"wrote": True}, {"owns_course": True, "wrote": True}):
        assert not can(actor(role), "standard.sign_school", **kwargs)
        with pytest.raises(PermissionDenied) as info:
            require(actor(role), "standard.sign_school", **kwargs)
        expected = "permission.error.not_independent" if role in EXPECTED["standard.sign_school"] \
            else "error.permission_denied"
        assert info.value.key == expected


def test_anonymous_may_do_nothing_and_unknown_actions_fail_loudly():
    assert not can(None, "program.view")
    with pytest.raises(KeyError):
        can(actor("admin"), "no.such.action")
