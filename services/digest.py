"""The optional e-mail digest: each user's unread notifications in one message, sent at most once.

Off unless ``COSTANDARD_SMTP_HOST`` is set; ``COSTANDARD_SMTP_PORT`` (default 25) and
``COSTANDARD_SMTP_SENDER`` complete the settings. A user's address is their e-mail (set on the
Users page); without one, their username when it contains ``@``, else
``username@COSTANDARD_SMTP_DOMAIN`` when that is set; users without an address are skipped and
reported. Each message sent leaves an
audit event (``digest_sent`` on the user, with the notification ids); a later run sends only
notifications created or refreshed after the user's last digest, so nothing is mailed twice.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import AuditEvent, Notification, User
from services.actor import SYSTEM
from services.audit import record
from services.db import session_scope
from services.errors import ValidationFailed
from services.i18n import DEFAULT_LANG, normalize_lang, translate
from services.notifications import list_notifications, text_of

HOST_ENV, PORT_ENV, SENDER_ENV, DOMAIN_ENV = ("COSTANDARD_SMTP_HOST", "COSTANDARD_SMTP_PORT",
                                              "COSTANDARD_SMTP_SENDER", "COSTANDARD_SMTP_DOMAIN")
DEFAULT_PORT = 25
ACTION = "digest_sent"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    domain: str = ""


def smtp_settings(environ: dict[str, str] | None = None) -> SmtpSettings | None:
    """The SMTP settings from the environment; ``None`` when the digest is off (no host).

    A port that is not a number or a missing sender raises ``ValidationFailed`` naming the variable."""
    env = os.environ if environ is None else environ
    host = env.get(HOST_ENV, "").strip()
    if not host:
        return None
    raw_port = env.get(PORT_ENV, "").strip() or str(DEFAULT_PORT)
    errors = []
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        errors.append(f"{PORT_ENV}={raw_port!r} is not a port number")
    sender = env.get(SENDER_ENV, "").strip()
    if "@" not in sender:
        errors.append(f"{SENDER_ENV} must be an e-mail address (got {sender!r})")
    if errors:
        raise ValidationFailed(errors)
    return SmtpSettings(host=host, port=int(raw_port), sender=sender, domain=env.get(DOMAIN_ENV, "").strip())


def address_of(username: str, domain: str) -> str | None:
    """Where a user's digest goes (see the module docstring), or ``None``."""
    if "@" in username:
        return username
    return f"{username}@{domain}" if domain else None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _last_digest(session, user_id: int) -> datetime | None:
    return session.exec(select(func.max(AuditEvent.at)).where(
        AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id, AuditEvent.action == ACTION)).one()


def pending_digests(engine: Engine, *, domain: str = "") -> list[dict[str, Any]]:
    """Per active user with unread notifications not yet mailed: ``user_id``, ``username``,
    ``name``, ``lang``, ``address`` (``None``: no address) and ``notifications`` (oldest first)."""
    from services.actor import Actor

    with session_scope(engine) as session:
        users = session.exec(select(User).where(User.is_active == True)).all()  # noqa: E712
        people = [(u.id, u.username, u.display_name, u.role, u.side, u.preferred_lang, _last_digest(session, u.id),
                   u.email) for u in users]
        with_unread = set(session.exec(select(Notification.user_id).where(
            Notification.read_at == None)).all())  # noqa: E711
    out = []
    for user_id, username, name, role, side, lang, last, email in sorted(people):
        if user_id not in with_unread:
            continue
        actor = Actor(id=user_id, username=username, display_name=name, role=role, side=side)
        notes = [n for n in list_notifications(engine, actor=actor, unread_only=True)
                 if last is None or _utc(datetime.fromisoformat(n["created_at"])) > _utc(last)]
        if notes:
            out.append({"user_id": user_id, "username": username, "name": name,
                        "lang": normalize_lang(lang or DEFAULT_LANG), "address": email or address_of(username, domain),
                        "notifications": notes[::-1]})
    return out


def compose(digest: dict[str, Any], *, sender: str) -> EmailMessage:
    """The message for one user's digest, in their language (plain text)."""
    lang = digest["lang"]
    message = EmailMessage()
    message["From"], message["To"] = sender, digest["address"]
    message["Subject"] = translate("digest.subject", lang, n=len(digest["notifications"]))
    lines = [translate("digest.greeting", lang, name=digest["name"]), "", translate("digest.intro", lang), ""]
    for note in digest["notifications"]:
        stamp = note["created_at"][:16].replace("T", " ")
        kind = translate(f"inbox.kind.{note['kind']}", lang)
        lines.append(f"- {stamp} UTC · {kind} · {text_of(note, lang)}")
        if note["link"]:
            query = "&".join(f"{k}={v}" for k, v in note["link"]["query"].items())
            lines.append(f"  {translate('digest.link', lang)}: /{note['link']['page']}" + (f"?{query}" if query else ""))
    lines += ["", translate("digest.footer", lang)]
    message.set_content("\n".join(lines))
    return message


def send_digests(engine: Engine, *, settings: SmtpSettings, timeout: float = 30.0) -> dict[str, Any]:
    """Send every pending digest over one SMTP connection; returns ``{"sent": [usernames],
    "skipped": [usernames without an address]}``. Each sent digest is recorded right after the
    server accepted it, so a failure part-way leaves the sent ones recorded and the rest pending."""
    pending = pending_digests(engine, domain=settings.domain)
    sent, skipped = [], [d["username"] for d in pending if not d["address"]]
    ready = [d for d in pending if d["address"]]
    if not ready:
        return {"sent": sent, "skipped": skipped}
    with smtplib.SMTP(settings.host, settings.port, timeout=timeout) as smtp:
        for digest in ready:
            smtp.send_message(compose(digest, sender=settings.sender))
            with session_scope(engine) as session:
                record(session, actor=SYSTEM, entity_type="user", entity_id=digest["user_id"], action=ACTION,
                       summary=f"digest of {len(digest['notifications'])} notifications to {digest['address']}",
                       after={"notifications": [n["id"] for n in digest["notifications"]],
                              "address": digest["address"]})
            sent.append(digest["username"])
    return {"sent": sent, "skipped": skipped}
