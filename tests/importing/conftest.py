"""Fixtures and builders for the import engine tests: workbooks made in memory, table counts."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from models import metadata
from services.actor import SYSTEM
from services.importing import analyse, commit


def xlsx_bytes(rows: Iterable[Iterable[Any]], *, title: str = "Sheet1", merges: Iterable[str] = (),
               sheets: dict[str, list[list[Any]]] | None = None) -> bytes:
    """An .xlsx with ``rows`` on one sheet (plus optional extra ``sheets``) and merged ranges."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for rng in merges:
        ws.merge_cells(rng)
    for name, extra in (sheets or {}).items():
        other = wb.create_sheet(name)
        for row in extra:
            other.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_counts(engine) -> dict[str, int]:
    """Row count of every table: compared before and after a rejected import."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in metadata.sorted_tables}


def run_import(engine, data: bytes, filename: str, *, program: str = "P1", actor=SYSTEM, skip_invalid=False,
               **options):
    """analyse + commit in one call; returns (preview, result)."""
    preview = analyse(data, filename, engine=engine, program_code=program, **options)
    result = commit(engine, actor=actor, preview=preview, skip_invalid=skip_invalid)
    return preview, result


def created(result_or_preview) -> dict[str, int]:
    counts = result_or_preview.counts["created"]
    return {k: v for k, v in counts.items() if v}


def updated(result_or_preview) -> dict[str, int]:
    return {k: v for k, v in result_or_preview.counts["updated"].items() if v}


@pytest.fixture
def sqlite_only(sqlite_engine):
    """SQLite alone, for tests that exercise parsing more than the database."""
    return sqlite_engine
