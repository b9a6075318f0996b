"""send-digests: mail each user their unread notifications (off unless SMTP is configured)."""

from __future__ import annotations

import argparse
import smtplib
import sys

from cli.common import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, open_engine, print_json


def cmd_send_digests(args: argparse.Namespace) -> int:
    """Send each user one e-mail with their unread notifications not mailed before.

    SMTP settings come from COSTANDARD_SMTP_HOST, COSTANDARD_SMTP_PORT (25) and
    COSTANDARD_SMTP_SENDER; without a host the digest is off (exit 2). A server that cannot be
    reached or refuses a message exits 1 (digests sent before it stay recorded).
    """
    from services.digest import HOST_ENV, pending_digests, send_digests, smtp_settings

    settings = smtp_settings()  # a bad port or sender: ValidationFailed, exit 1 from manage.py
    engine = open_engine(args)
    if args.dry_run:
        pending = pending_digests(engine, domain=settings.domain if settings else "")
        report = {"pending": [{"username": d["username"], "address": d["address"],
                               "notifications": len(d["notifications"])} for d in pending]}
        if args.json:
            print_json(report)
        else:
            print(f"{len(pending)} digests pending: " + (", ".join(d["username"] for d in pending) or "-"))
        return EXIT_OK
    if settings is None:
        print(f"error: the e-mail digest is off: set {HOST_ENV} (and the port and sender) to send it",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        report = send_digests(engine, settings=settings)
    except (OSError, smtplib.SMTPException) as exc:
        print(f"error: SMTP server {settings.host}:{settings.port}: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    if args.json:
        print_json(report)
    else:
        print(f"digests sent: {len(report['sent'])} ({', '.join(report['sent']) or '-'}); "
              f"no address: {', '.join(report['skipped']) or '-'}")
    return EXIT_OK


def register(add) -> None:
    p = add("send-digests", cmd_send_digests)
    p.add_argument("--dry-run", action="store_true", help="list the pending digests, send nothing")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
