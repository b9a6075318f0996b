#!/usr/bin/env python
"""CoStandard command line: the automation interface.

Exit codes: 0 = done, 1 = input rejected (nothing written), 2 = usage error.
Every command accepts ``--db URL`` (overrides ``DATABASE_URL``). Commands live in the
modules listed in ``cli.COMMAND_MODULES``, each with a ``register(add)`` function.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable

from cli import COMMAND_MODULE, COMMAND_MODULES
from cli.common import EXIT_REJECTED, EXIT_USAGE
from services.errors import DomainError, ValidationFailed


def _command_of(argv: list[str]) -> str | None:
    """The command named in ``argv`` (the first word that is not an option or ``--db``'s value)."""
    words = iter(argv)
    for word in words:
        if word == "--db":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; given ``argv`` naming a known command, only that command's module is loaded."""
    parser = argparse.ArgumentParser(prog="manage.py", description=__doc__.splitlines()[0])
    parser.add_argument("--db", metavar="URL", help="database URL (overrides DATABASE_URL)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=(func.__doc__ or "").strip().splitlines()[0],
                           description=(func.__doc__ or "").strip())
        p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                       help="database URL (overrides DATABASE_URL)")
        p.set_defaults(func=func)
        return p

    only = COMMAND_MODULE.get(_command_of(argv)) if argv is not None else None
    for module_name in (only,) if only else COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # a command group not built yet
                continue
            raise
        module.register(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
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
