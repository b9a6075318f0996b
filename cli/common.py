"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from services.db import check_connection, make_engine, schema_is_current

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


def open_engine(args: argparse.Namespace, *, migrated: bool = True):
    """Engine for ``--db`` / ``DATABASE_URL``; migrates an empty database unless ``migrated=False``."""
    engine = make_engine(getattr(args, "db", None))
    check_connection(engine)
    if migrated and not schema_is_current(engine):
        from services.migrate import upgrade

        upgrade(engine)
    return engine


def print_json(data: Any) -> None:
    """One JSON object on stdout (UTF-8, non-ASCII kept)."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
