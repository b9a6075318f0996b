"""The e-mail digest (#13): off by default, each user's unread notifications mailed once, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from services import comments, notifications
from services.actor import SYSTEM
from services.digest import SmtpSettings, pending_digests, send_digests, smtp_settings
from services.errors import ValidationFailed
from services.users import list_users
from tests.smtp_sink import SmtpSink
from tests.standard_factories import make_world
from tests.test_manage import ROOT


def test_settings_are_off_without_a_host_and_checked_when_on():
    """No host: off. A host with a bad port or no sender is refused, naming the variable."""
    assert smtp_settings({}) is None
    on = smtp_settings({"COSTANDARD_SMTP_HOST": "mail.example.edu", "COSTANDARD_SMTP_SENDER": "cs@example.edu"})
    assert on == SmtpSettings(host="mail.example.edu", port=25, sender="cs@example.edu")
    with pytest.raises(ValidationFailed) as caught:
        smtp_settings({"COSTANDARD_SMTP_HOST": "mail", "COSTANDARD_SMTP_PORT": "smtp"})
    assert "COSTANDARD_SMTP_PORT" in str(caught.value) and "COSTANDARD_SMTP_SENDER" in str(caught.value)


def test_each_user_gets_their_unread_items_once(engine):
    """A mentor's comment reaches the owner by mail; a second run sends nothing; a new event is sent next."""
    world = make_world(engine)
    comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                         body="请核对第二单元的学时")
    with SmtpSink() as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, sender="costandard@example.edu",
                                domain="example.edu")
        first = send_digests(engine, settings=settings, timeout=5)
        assert first["sent"] == [world.owner.username]
        (sender, recipients, message), = sink.messages
        assert sender == "<costandard@example.edu>"
        assert recipients == [f"{world.owner.username}@example.edu"]
        assert "请核对第二单元的学时" in message.get_content() and "1" in message["Subject"]
        assert send_digests(engine, settings=settings, timeout=5)["sent"] == []
        assert len(sink.messages) == 1
        comments.add_comment(engine, actor=world.lead, entity_type="standard", entity_id=world.standard_id,
                             body="第三单元也请核对")
        assert send_digests(engine, settings=settings, timeout=5)["sent"] == [world.owner.username]
        assert "第三单元也请核对" in sink.messages[-1][2].get_content()
        assert "请核对第二单元的学时" not in sink.messages[-1][2].get_content()


def test_read_items_and_users_without_an_address_are_not_mailed(engine):
    """Read notifications are not pending; without a domain a plain username has no address and is skipped."""
    world = make_world(engine)
    comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                         body="看一下")
    assert [d["address"] for d in pending_digests(engine)] == [None]
    with SmtpSink() as sink:
        report = send_digests(engine, settings=SmtpSettings(host="127.0.0.1", port=sink.port,
                                                            sender="cs@example.edu"), timeout=5)
    assert report == {"sent": [], "skipped": [world.owner.username]} and sink.messages == []
    notifications.mark_all_read(engine, actor=world.owner)
    assert pending_digests(engine, domain="example.edu") == []


def _manage(*args: str, url: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COSTANDARD_SMTP")}
    return subprocess.run([sys.executable, "manage.py", "--db", url, *args], cwd=ROOT, capture_output=True,
                          text=True, env={**base, **env}, timeout=120)


def test_send_digests_command_exit_codes(seeded_sqlite_path):
    """Off: exit 2. Sink up: exit 0 and one message per user. Server gone: exit 1."""
    from services.db import make_engine

    url = f"sqlite:///{seeded_sqlite_path}"
    engine = make_engine(url)
    people = {u["username"]: u for u in list_users(engine, actor=SYSTEM)}
    notifications.create_notification(engine, user_id=int(people["faculty"]["id"]), kind="comment",
                                      key="notification.comment", params={"by": "mentor", "course": "ZH3021",
                                                                          "body": "digest check"})
    engine.dispose()
    off = _manage("send-digests", url=url)
    assert off.returncode == 2 and "COSTANDARD_SMTP_HOST" in off.stderr
    with SmtpSink() as sink:
        smtp = {"COSTANDARD_SMTP_HOST": "127.0.0.1", "COSTANDARD_SMTP_PORT": str(sink.port),
                "COSTANDARD_SMTP_SENDER": "costandard@example.edu", "COSTANDARD_SMTP_DOMAIN": "example.edu"}
        sent = _manage("send-digests", "--json", url=url, **smtp)
        assert sent.returncode == 0, sent.stderr
        assert "faculty@example.edu" in [r for _, rs, _ in sink.messages for r in rs]
        count = len(sink.messages)
        assert _manage("send-digests", url=url, **smtp).returncode == 0 and len(sink.messages) == count
        port = sink.port
    notifications_engine = make_engine(url)
    notifications.create_notification(notifications_engine, user_id=int(people["faculty"]["id"]), kind="comment",
                                      key="notification.comment", params={"by": "mentor", "course": "ZH3021",
                                                                          "body": "second"})
    notifications_engine.dispose()
    gone = _manage("send-digests", url=url, **{**smtp, "COSTANDARD_SMTP_PORT": str(port)})
    assert gone.returncode == 1 and "SMTP server" in gone.stderr


def test_a_users_email_is_where_the_digest_goes_and_a_bad_one_is_refused(engine):
    """The address set on the user wins over the username/domain rule; an address without @ or domain is refused."""
    from services.users import update_user

    world = make_world(engine)
    owner = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == world.owner.username)
    with pytest.raises(ValidationFailed) as caught:
        update_user(engine, actor=SYSTEM, user_id=owner["id"], expected_version=owner["version"],
                    changes={"email": "wang at school"})
    assert [e.field for e in caught.value.errors] == ["email"]
    update_user(engine, actor=SYSTEM, user_id=owner["id"], expected_version=owner["version"],
                changes={"email": " wang.laoshi@college.edu.cn "})
    comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                         body="请核对学时")
    assert [d["address"] for d in pending_digests(engine, domain="example.edu")] == ["wang.laoshi@college.edu.cn"]
    with SmtpSink() as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, sender="cs@example.edu", domain="example.edu")
        assert send_digests(engine, settings=settings, timeout=5)["sent"] == [world.owner.username]
    assert sink.messages[0][1] == ["wang.laoshi@college.edu.cn"]
