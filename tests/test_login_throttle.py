"""Login hardening (#12 hole 2): throttling per account and per address, audited failures, equal work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from models import AuditEvent
from services import users
from services.actor import Actor
from services.db import session_scope
from services.login import LOCK_MINUTES, POLICIES, WINDOW, LoginFailed, LoginThrottled, client_address, log_in
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)

ADMIN = Actor(id=None, username="system", display_name="system", role="admin", side="school")
T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def wang(engine):
    users.create_user(engine, actor=ADMIN, username="wang", display_name="Wang", role="faculty", side="school",
                      password="right-pass")
    return engine


def fail(engine, *, username="wang", address="10.0.0.1", at=T0):
    with pytest.raises((LoginFailed, LoginThrottled)) as info:
        log_in(engine, username=username, password="wrong", address=address, now=at)
    return info.value


def test_growing_delays_then_a_lock_and_the_right_password_waits_too(wang):
    """After the free failures each one waits longer; at the limit the account is locked, even for the right password."""
    policy = POLICIES["account"]
    waits = []
    at = T0 - timedelta(seconds=1)
    for _ in range(policy.lock_after):
        at += timedelta(seconds=(waits[-1] if waits else 0) + 1)  # each attempt after the previous wait
        error = fail(wang, at=at)
        assert isinstance(error, LoginFailed)
        waits.append(error.params.get("seconds", 0))
    assert waits[:policy.free_failures] == [0] * policy.free_failures
    delays = waits[policy.free_failures:-1]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert waits[-1] == LOCK_MINUTES * 60 and error.key == "login.failed_locked"
    with pytest.raises(LoginThrottled) as info:
        log_in(wang, username="wang", password="right-pass", address="10.0.0.2", now=at)
    assert info.value.locked and 0 < info.value.retry_after <= LOCK_MINUTES * 60
    later = at + timedelta(minutes=LOCK_MINUTES, seconds=1)
    assert log_in(wang, username="wang", password="right-pass", address="10.0.0.2", now=later).username == "wang"


def test_a_wait_refuses_without_checking_the_password(wang, monkeypatch):
    """While an account name must wait, even the right password is refused and no hash is verified."""
    for _ in range(POLICIES["account"].free_failures + 1):
        fail(wang, address=None)
    calls = []
    monkeypatch.setattr(users, "verify_password", lambda *a: calls.append(a) or True)
    with pytest.raises(LoginThrottled) as info:
        log_in(wang, username=" WANG ", password="right-pass", now=T0)
    assert calls == [] and info.value.key == "login.throttled" and info.value.retry_after > 0


def test_success_clears_the_account_counter(wang):
    """A successful login (after the wait) starts the account's count again."""
    for _ in range(POLICIES["account"].free_failures):
        fail(wang)
    assert log_in(wang, username="wang", password="right-pass", address="10.0.0.1", now=T0).username == "wang"
    for _ in range(POLICIES["account"].free_failures):
        assert fail(wang).key == "login.failed"


def test_one_address_guessing_many_names_is_throttled(wang):
    """Spraying one wrong password over many names from one address trips the address limit."""
    policy = POLICIES["address"]
    for n in range(policy.free_failures):
        assert fail(wang, username=f"user{n}").key == "login.failed"
    assert fail(wang, username="another").key == "login.failed_wait"
    with pytest.raises(LoginThrottled):
        log_in(wang, username="wang", password="right-pass", address="10.0.0.1", now=T0)
    # another address is not affected
    assert log_in(wang, username="wang", password="right-pass", address="10.9.9.9", now=T0).username == "wang"


def test_unknown_names_are_throttled_like_real_ones(wang):
    """An unknown account name gets the same answers as a known one (nothing tells them apart)."""
    known = [fail(wang, username="wang", address=None).key for _ in range(5)]
    unknown = [fail(wang, username="ghost", address=None).key for _ in range(5)]
    assert known == unknown


def test_counters_expire_after_the_window(wang):
    """Failures older than the window are forgotten."""
    for _ in range(POLICIES["account"].free_failures):
        fail(wang)
    later = T0 + WINDOW + timedelta(seconds=1)
    assert fail(wang, at=later).key == "login.failed"  # counted from 1 again, so still free


def test_failed_logins_are_audited(wang):
    """Each failed login leaves an audit event with the name typed and the address."""
    fail(wang, username="ghost", address="192.0.2.7")
    with session_scope(wang) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "login")).all()
    assert [(e.action, e.username, e.user_id) for e in events] == [("failed", "ghost", None)]
    assert "192.0.2.7" in events[0].summary


@pytest.mark.parametrize("username", ["wang", "ghost", "inactive"])
def test_every_name_costs_one_hash_verification(wang, monkeypatch, username):
    """Known, unknown and inactive names all run the argon2 verifier once (equal time, not measured)."""
    inactive = users.create_user(wang, actor=ADMIN, username="inactive", display_name="I", role="faculty",
                                 side="school", password="whatever")
    users.update_user(wang, actor=ADMIN, user_id=inactive["id"], expected_version=inactive["version"],
                      changes={"is_active": False})
    users._dummy_hash()  # built once per process, before counting
    calls = []
    real = users._hasher

    class CountingHasher:
        def verify(self, hash_, password):
            calls.append(hash_)
            return real.verify(hash_, password)

    monkeypatch.setattr(users, "_hasher", CountingHasher())
    assert users.authenticate(wang, username=username, password="wrong") is None
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_client_address_trusts_forwarded_for_only_from_a_trusted_proxy():
    """X-Forwarded-For is read only when the peer is a configured proxy; else a client could forge it."""
    assert client_address("203.0.113.5", "1.2.3.4", trusted="") == "203.0.113.5"
    assert client_address("10.0.0.1", "1.2.3.4", trusted="") == "10.0.0.1"
    assert client_address("10.0.0.1", "6.6.6.6, 1.2.3.4", trusted="10.0.0.1") == "1.2.3.4"
    assert client_address("10.0.0.1", "1.2.3.4, 10.0.0.2", trusted="10.0.0.1,10.0.0.2") == "1.2.3.4"
    assert client_address(None, None, trusted="") is None


def test_login_page_shows_the_wait_in_the_users_language(app_db):
    """The login form answers a throttled account with the translated wait, not a crash or a bare refusal."""
    from services.i18n import translate

    messages = []
    for _ in range(POLICIES["account"].free_failures + 1):
        at = login("lead", password="wrong", lang="en")
        messages.append([e.value for e in at.error])
    assert messages[0] == [translate("login.failed", "en")]
    assert "wait" in messages[-1][0] and "seconds" in messages[-1][0]
    at = login("lead", password="demo", lang="en")  # the right password, still within the wait
    assert at.error[0].value.startswith("Too many failed logins")
    assert "auth" not in at.session_state
