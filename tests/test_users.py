"""Users: creation, argon2 passwords, login, admin-only management."""

from __future__ import annotations

import pytest

from services import users
from services.actor import SYSTEM
from services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.factories import make_user


def test_create_and_authenticate(engine):
    """A created user logs in with the right password only; the hash is argon2."""
    users.create_user(engine, actor=SYSTEM, username="wang", display_name="王老师", role="faculty",
                      side="school", password="s3cret")
    actor = users.authenticate(engine, username="wang", password="s3cret")
    assert actor is not None and actor.role == "faculty" and actor.side == "school"
    assert users.authenticate(engine, username="wang", password="wrong") is None
    assert users.authenticate(engine, username="nobody", password="s3cret") is None
    listed = users.list_users(engine, actor=SYSTEM)
    assert "password_hash" not in listed[0]


def test_password_hash_is_argon2():
    hashed = users.hash_password("pw")
    assert hashed.startswith("$argon2id$") and users.verify_password(hashed, "pw")
    assert not users.verify_password("not-a-hash", "pw")


def test_duplicate_username_and_bad_values_are_rejected(engine):
    make_user(engine, username="dup")
    with pytest.raises(ValidationFailed):
        make_user(engine, username="dup")
    with pytest.raises(ValidationFailed):
        users.create_user(engine, actor=SYSTEM, username="x y", display_name="", role="faculty", side="school",
                          password="pass")
    with pytest.raises(ValidationFailed):
        users.create_user(engine, actor=SYSTEM, username="ok", display_name="", role="boss", side="school",
                          password="pass")


def test_only_admins_manage_users(engine):
    """Permissions are enforced in the service, whatever the UI shows."""
    lead = make_user(engine, role="lead")
    with pytest.raises(PermissionDenied):
        users.create_user(engine, actor=lead, username="z", display_name="z", role="faculty", side="school",
                          password="pass")
    with pytest.raises(PermissionDenied):
        users.list_users(engine, actor=lead)


def test_deactivated_user_cannot_log_in_and_stale_edit_conflicts(engine):
    admin = make_user(engine, role="admin")
    make_user(engine, username="mentor9", role="mentor")
    row = next(u for u in users.list_users(engine, actor=admin) if u["username"] == "mentor9")
    users.update_user(engine, actor=admin, user_id=row["id"], expected_version=row["version"],
                      changes={"is_active": False})
    assert users.authenticate(engine, username="mentor9", password="secret") is None
    with pytest.raises(Conflict):
        users.update_user(engine, actor=admin, user_id=row["id"], expected_version=row["version"],
                          changes={"display_name": "late"})


def test_admin_cannot_lock_themselves_out(engine):
    admin = make_user(engine, role="admin")
    me = next(u for u in users.list_users(engine, actor=admin) if u["id"] == admin.id)
    with pytest.raises(ValidationFailed):
        users.update_user(engine, actor=admin, user_id=admin.id, expected_version=me["version"],
                          changes={"is_active": False})


def test_users_change_their_own_password_only(engine):
    a = make_user(engine, role="faculty")
    b = make_user(engine, role="faculty")
    users.set_password(engine, actor=a, user_id=a.id, password="newpass")
    assert users.authenticate(engine, username=a.username, password="newpass")
    with pytest.raises(PermissionDenied):
        users.set_password(engine, actor=a, user_id=b.id, password="hijack")
