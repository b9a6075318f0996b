"""Optimistic concurrency: every editable row carries ``version``.

A save names the version it started from. The update is conditional on that version in
SQL (``UPDATE … WHERE id = :id AND version = :expected``), so two processes racing on the
same row cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, SQLModel

from models.tables import utcnow
from services.audit import snapshot
from services.errors import Conflict, Deleted
from services.textguard import clean_values


def apply_changes(session: Session, row: SQLModel, *, expected_version: int, changes: dict[str, Any]) -> SQLModel:
    """Update ``row`` with ``changes`` if it is still at ``expected_version``; bump the version.

    Raises ``Conflict`` (carrying the current values) when someone saved in between, and
    ``Deleted`` (a ``Conflict``) when someone deleted the row.
    """
    model = type(row)
    values = clean_values(model, changes)  # an UPDATE statement passes no flush hook: the text guard's rules here
    values["version"] = expected_version + 1
    if "updated_at" in model.model_fields:
        values["updated_at"] = utcnow()
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.version == expected_version)  # type: ignore[attr-defined]
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = session.execute(
            select(model).where(model.id == row.id).execution_options(populate_existing=True)  # type: ignore[attr-defined]
        ).scalar_one_or_none()
        if current is None:
            raise deleted(model.__name__, row.id)
        raise Conflict(
            f"{model.__name__} {row.id} was changed by someone else (now version {current.version}, "
            f"you started from {expected_version})",
            current=snapshot(current), entity=model.__name__, id=row.id,
        )
    session.refresh(row)
    return row


def deleted(entity: str, row_id: int | None) -> Deleted:
    """The ``Deleted`` conflict for a row someone removed while another user still looked at it."""
    return Deleted(f"{entity} {row_id} was deleted by someone else", entity=entity, id=row_id)
