"""docs/permissions.md is the permission table: every action × role (and no user, a deactivated user) against the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services import sessions, users
from services.actor import SYSTEM, Actor
from services.errors import PermissionDenied
from services.login import LoginFailed, log_in
from services.permissions import ACTIONS, can, require

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "permissions.md"
ROLES = ("admin", "lead", "faculty", "mentor")
CELLS = {"yes", "no", "own courses", "yes¹"}


def _table() -> dict[str, dict[str, str]]:
    """The doc's table: action → column heading → cell."""
    lines = [line.strip() for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0].strip("`")] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


TABLE = _table()


def _actor(role: str) -> Actor:
    return Actor(id=7, username=role, display_name=role, role=role, side="enterprise" if role == "mentor" else "school")


def _enforced_in() -> dict[str, set[str]]:
    """Which service modules check each action (a ``require(actor, "x")`` or ``can(actor, "x")`` call)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "services").rglob("*.py"):
        if path.name == "permissions.py":
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for action in re.findall(r"\b(?:require|can)\([^,()]+, \"([a-z_.]+)\"", path.read_text(encoding="utf-8")):
            found.setdefault(action, set()).add(module)
    return found


def test_the_table_lists_every_action_once_with_known_cells():
    """Every action the code knows is a row, no row is unknown, and every cell uses the doc's vocabulary."""
    assert sorted(TABLE) == sorted(ACTIONS)
    for action, row in TABLE.items():
        for column in (*ROLES, "no user", "deactivated user"):
            assert row[column] in CELLS, (action, column, row[column])


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_what_the_table_says(role, action):
    """yes / no / own courses / yes¹ in the doc is what can() and require() answer, with and without ownership."""
    cell, actor = TABLE[action][role], _actor(role)
    plain = cell in ("yes", "yes¹")
    assert can(actor, action) is plain
    as_owner = plain or cell == "own courses"
    if cell == "yes¹":
        as_owner = False
    assert can(actor, action, owns_course=True) is as_owner
    assert can(actor, action, wrote=True) is (cell == "yes")
    if plain:
        require(actor, action)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action)


@pytest.mark.parametrize("action", ACTIONS)
def test_no_user_may_do_nothing(action):
    """The "no user" column is all no, and the code refuses an anonymous caller every action."""
    assert TABLE[action]["no user"] == "no"
    assert not can(None, action, owns_course=True)
    with pytest.raises(PermissionDenied):
        require(None, action)


def test_a_deactivated_user_gets_no_actor_so_may_do_nothing(engine):
    """Deactivated: login refused, open sessions ended, the per-run recheck finds nobody; the column is all no."""
    assert {row["deactivated user"] for row in TABLE.values()} == {"no"}
    created = users.create_user(engine, actor=SYSTEM, username="leaver", display_name="Leaver", role="lead",
                                side="school", password="secret")
    token = sessions.create_session(engine, user_id=created["id"])
    assert sessions.resolve_session(engine, token=token).role == "lead"
    users.update_user(engine, actor=SYSTEM, user_id=created["id"], expected_version=created["version"],
                      changes={"is_active": False})
    assert sessions.resolve_session(engine, token=token) is None
    assert users.active_actor(engine, user_id=created["id"]) is None
    with pytest.raises(LoginFailed):
        log_in(engine, username="leaver", password="secret")
    for action in ACTIONS:  # what every service then sees: no actor
        assert not can(None, action)


def test_the_enforced_in_column_names_the_services_that_check_each_action():
    """Each action's "enforced in" modules are the services that call require/can with it ("—": none)."""
    found = _enforced_in()
    assert set(found) <= set(ACTIONS), set(found) - set(ACTIONS)
    for action, row in TABLE.items():
        listed = set(re.findall(r"`([a-z_.]+)`", row["enforced in"]))
        assert listed == found.get(action, set()), action
