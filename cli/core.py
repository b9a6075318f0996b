"""Core commands: init-db / migrate, seed-demo, create-user."""

from __future__ import annotations

import argparse
import getpass
import sys

from cli.common import EXIT_OK, EXIT_REJECTED, open_engine, print_json
from services.actor import SYSTEM
from services.db import safe_url


def cmd_init_db(args: argparse.Namespace) -> int:
    """Create or migrate the schema to the newest version."""
    from services.migrate import current_revision, upgrade

    engine = open_engine(args, migrated=False)
    upgrade(engine)
    print(f"database {safe_url(str(engine.url))} at revision {current_revision(engine)}")
    return EXIT_OK


def cmd_seed_demo(args: argparse.Namespace) -> int:
    """Load the demo programmes and accounts (idempotent)."""
    from services.demo import database_is_empty, seed_demo

    engine = open_engine(args)
    if args.if_empty and not database_is_empty(engine):
        print("database already has data: demo not loaded")
        return EXIT_OK
    report = seed_demo(engine)
    if args.json:
        print_json(report)
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
            print("error: passwords do not match", file=sys.stderr)
            return EXIT_REJECTED
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = open_engine(args)
    user = create_user(engine, actor=SYSTEM, username=args.username, display_name=args.name or args.username,
                       role=args.role, side=args.side, password=password, organisation=args.organisation)
    print(f"created user {user['username']} ({user['role']}, {user['side']})")
    return EXIT_OK


def register(add) -> None:
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
