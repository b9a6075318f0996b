#!/usr/bin/env python
"""CoStandard command line: the automation interface.

Exit codes: 0 = done, 1 = input rejected (nothing written), 2 = usage error.
Every command accepts ``--db URL`` (overrides ``DATABASE_URL``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable

from services.actor import SYSTEM
from services.db import check_connection, make_engine, safe_url
from services.errors import DomainError, ValidationFailed

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def _engine(args: argparse.Namespace, *, migrated: bool = True):
    engine = make_engine(args.db)
    check_connection(engine)
    if migrated:
        from services.db import schema_is_current

        if not schema_is_current(engine):
            from services.migrate import upgrade

            upgrade(engine)
    return engine


def cmd_init_db(args: argparse.Namespace) -> int:
    """Create or migrate the schema to the newest version."""
    from services.migrate import current_revision, upgrade

    engine = _engine(args, migrated=False)
    upgrade(engine)
    print(f"database {safe_url(str(engine.url))} at revision {current_revision(engine)}")
    return EXIT_OK


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Load the demo programmes and accounts (idempotent)."""
    from services.demo import database_is_empty, seed_demo

    engine = _engine(args)
    if args.if_empty and not database_is_empty(engine):
        print("database already has data: demo not loaded")
        return EXIT_OK
    report = seed_demo(engine)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(f"demo programmes created: {', '.join(report['created']) or '-'}; "
              f"already present: {', '.join(report['skipped']) or '-'}")
    return EXIT_OK


def cmd_create_user(args: argparse.Namespace) -> int:
    """Create a user; the password comes from a prompt or, when piped, from stdin."""
    from services.users import create_user

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("passwords do not match", file=sys.stderr)
            return EXIT_REJECTED
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = _engine(args)
    user = create_user(engine, actor=SYSTEM, username=args.username, display_name=args.name or args.username,
                       role=args.role, side=args.side, password=password, organisation=args.organisation)
    print(f"created user {user['username']} ({user['role']}, {user['side']})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", help="database URL (overrides DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands: dict[str, tuple[Callable, str]] = {}

    def add(name: str, func: Callable) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=(func.__doc__ or "").strip().splitlines()[0])
        p.add_argument("--db", metavar="URL", help="database URL (overrides DATABASE_URL)", default=argparse.SUPPRESS)
        p.set_defaults(func=func)
        commands[name] = (func, p.description or "")
        return p

    add("init-db", cmd_init_db)
    add("migrate", cmd_init_db)
    p = add("seed-demo", cmd_seed_demo)
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no data yet")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p = add("create-user", cmd_create_user)
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=("admin", "lead", "faculty", "mentor"))
    p.add_argument("--side", required=True, choices=("school", "enterprise"))
    p.add_argument("--name", help="display name")
    p.add_argument("--organisation", default="")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except ValidationFailed as exc:
        for error in exc.errors:
            print(f"error: {getattr(error, 'message', error)}", file=sys.stderr)
        return EXIT_REJECTED
    except DomainError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REJECTED


if __name__ == "__main__":
    sys.exit(main())
