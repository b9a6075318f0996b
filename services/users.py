"""Users, passwords (argon2) and login."""

from __future__ import annotations

import functools
import re
import secrets
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import ROLES, SIDES, User
from services import audit, sessions
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, ValidationFailed, field_error
from services.permissions import require
from services.rows import kept_columns
from services.versioning import apply_changes

_hasher = PasswordHasher()
DEMO_USERNAMES = ("admin", "lead", "faculty", "mentor")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown or inactive users so that every login costs one
    argon2 verification (an unknown name must not answer faster than a known one)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def actor_of(user: User) -> Actor:
    return Actor(id=user.id, username=user.username, display_name=user.display_name, role=user.role, side=user.side)


def _user_dict(user: User) -> dict[str, Any]:
    data = audit.snapshot(user) or {}
    return data


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _check_email(email: str, errors: list) -> None:
    if email and not EMAIL.fullmatch(email):
        errors.append(field_error("email", "error.field.email", message=f"email: {email!r} is not an e-mail address"))


def _validate(username: str, role: str, side: str, password: str | None) -> None:
    errors = []
    if not username or not username.strip() or len(username) > 64 or any(c.isspace() for c in username):
        errors.append(field_error("username", "error.field.username"))
    if role not in ROLES:
        errors.append(field_error("role", "error.field.role", message=f"role: one of {', '.join(ROLES)}"))
    if side not in SIDES:
        errors.append(field_error("side", "error.field.side", message=f"side: one of {', '.join(SIDES)}"))
    if password is not None and len(password) < 4:
        errors.append(field_error("password", "error.field.password"))
    if errors:
        raise ValidationFailed(errors)


USER_KEPT_COLUMNS = ("created_at", "version")


def new_user_row(*, username: str, display_name: str, role: str, side: str, password_hash: str = "",
                 organisation: str = "", email: str = "", is_active: bool = True, is_demo: bool = False,
                 preferred_lang: str | None = None, **kept: Any) -> dict[str, Any]:
    """The columns of a new account, the one rule for the Users page, restore and the demo seed: a username of
    1–64 characters without spaces, a known role and side (``ValidationFailed``), the display name defaulting
    to the username; the password arrives hashed (``hash_password``), "" for an account that cannot log in.
    ``created_at`` and ``version`` kept when given (restore). Pure: no session."""
    _validate(username, role, side, None)
    return {"username": username, "display_name": (display_name or "").strip() or username, "role": role,
            "side": side, "organisation": organisation or "", "email": email or "", "password_hash": password_hash,
            "is_active": bool(is_active), "is_demo": bool(is_demo), "preferred_lang": preferred_lang,
            **kept_columns(kept, USER_KEPT_COLUMNS, "user")}


def create_user(
    engine: Engine,
    *,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    side: str,
    password: str,
    organisation: str = "",
    is_demo: bool = False,
    email: str = "",
) -> dict[str, Any]:
    """Create a user (admins only). Raises ``ValidationFailed`` for a taken name or bad values."""
    require(actor, "user.manage")
    username, email = username.strip(), email.strip()
    _validate(username, role, side, password)
    errors: list = []
    _check_email(email, errors)
    if errors:
        raise ValidationFailed(errors)
    with session_scope(engine) as session:
        if session.exec(select(User).where(User.username == username)).first():
            raise ValidationFailed([field_error("username", "error.field.username_taken", username=username,
                                            message=f"username: {username!r} is already taken")])
        user = User(**new_user_row(username=username, display_name=display_name, role=role, side=side,
                                   organisation=organisation, email=email, password_hash=hash_password(password),
                                   is_demo=is_demo))
        session.add(user)
        session.flush()
        audit.record(session, actor=actor, entity_type="user", entity_id=user.id, action="create",
                     after=_user_dict(user), summary=username)
        return _user_dict(user)


def authenticate(engine: Engine, *, username: str, password: str) -> Actor | None:
    """The actor for valid credentials of an active user, else ``None``.

    Exactly one argon2 verification whatever the name: an unknown or inactive account is checked
    against a dummy hash, so the time taken does not tell which accounts exist. Pages log in through
    ``services.login.log_in``, which adds throttling and auditing.
    """
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username.strip())).first()
        usable = user is not None and user.is_active and bool(user.password_hash)
        matches = verify_password(user.password_hash if usable else _dummy_hash(), password)
        return actor_of(user) if usable and matches else None


def active_actor(engine: Engine, *, user_id: int | None) -> Actor | None:
    """A logged-in user as the database has them now (one primary-key read); ``None`` if gone or inactive."""
    if user_id is None:
        return None
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        return actor_of(user) if user is not None and user.is_active else None


def get_actor(engine: Engine, *, username: str) -> Actor:
    with session_scope(engine) as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"user {username!r} not found", username=username)
        return actor_of(user)


def list_users(engine: Engine, *, actor: Actor) -> list[dict[str, Any]]:
    """All users without password hashes (admins only)."""
    require(actor, "user.manage")
    with session_scope(engine) as session:
        return [_user_dict(u) for u in session.exec(select(User).order_by(User.username)).all()]


def update_user(
    engine: Engine, *, actor: Actor, user_id: int, expected_version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change display name, role, side, organisation, e-mail or active flag (admins only).

    Deactivating ends all of the user's sessions; a role change applies at their next script run.
    """
    require(actor, "user.manage")
    allowed = {"display_name", "role", "side", "organisation", "email", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed([field_error("changes", "error.field.cannot_change", fields=", ".join(sorted(unknown)))])
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        _validate(user.username, changes.get("role", user.role), changes.get("side", user.side), None)
        if "email" in changes:
            changes = {**changes, "email": str(changes["email"] or "").strip()}
            errors: list = []
            _check_email(changes["email"], errors)
            if errors:
                raise ValidationFailed(errors)
        if user.id == actor.id and (changes.get("is_active") is False or changes.get("role", "admin") != "admin"):
            raise ValidationFailed([field_error("is_active", "error.field.lock_out")])
        before = _user_dict(user)
        apply_changes(session, user, expected_version=expected_version, changes=changes)
        if changes.get("is_active") is False:  # a deactivated account is logged out everywhere at once
            sessions.end_all_in(session, user_id=user.id)
        audit.record(session, actor=actor, entity_type="user", entity_id=user.id, action="update",
                     before=before, after=_user_dict(user), summary=user.username)
        return _user_dict(user)


def set_password(engine: Engine, *, actor: Actor, user_id: int, password: str) -> None:
    """Set a new password: admins for anyone (which ends that user's sessions), every user for themselves."""
    if actor.id != user_id:
        require(actor, "user.manage")
    if len(password) < 4:
        raise ValidationFailed([field_error("password", "error.field.password")])
    with session_scope(engine) as session:
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} not found")
        user.password_hash = hash_password(password)
        user.version += 1
        if actor.id != user_id:  # an admin's reset also closes the sessions opened with the old password
            sessions.end_all_in(session, user_id=user_id)
        audit.record(session, actor=actor, entity_type="user", entity_id=user.id, action="password",
                     summary=user.username)


def demo_accounts_active(engine: Engine) -> bool:
    """True while the seeded demo accounts exist (the login page then lists them)."""
    with session_scope(engine) as session:
        rows = session.exec(select(User.username).where(User.is_demo == True, User.is_active == True)).all()  # noqa: E712
        return set(DEMO_USERNAMES) <= set(rows)
