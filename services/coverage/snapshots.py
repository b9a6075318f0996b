"""Coverage snapshots: taking one (the workflow does after an approval), listing and comparing them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from models import (
    CoverageSnapshot,
    User,
)
from services import audit
from services.actor import Actor
from services.coverage.compute import GAP_KINDS, HEADLINE_METRICS, compute_coverage
from services.db import session_scope
from services.errors import NotFound, ValidationFailed, field_error
from services.outline import code_sort_key
from services.permissions import require
from services.rows import kept_columns

# --------------------------------------------------------------------------- snapshots


SNAPSHOT_FIELDS = ("id", "code", "statement", "importance", "required_level", "level", "courses", "hours", "gap",
                   "under_invested", "over_invested")


def _plain(value: Any) -> Any:
    """A JSON-safe Python value (numpy scalars unboxed, NA → None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def take_snapshot(
    engine: Engine, *, actor: Actor, program_id: int, reason: str = "manual", label: str = "",
    confirmed_only: bool = False,
) -> dict[str, Any]:
    """Store the programme's current metrics and per-competency coverage; returns the snapshot summary.

    ``reason`` is "manual" (on demand) or "approval" (taken by the standards workflow when a
    course standard is approved: call it after the approval has committed, with an actor
    allowed ``coverage.snapshot``, e.g. ``services.actor.SYSTEM``).
    """
    require(actor, "coverage.snapshot")
    _check_snapshot(reason, label)
    result = compute_coverage(engine, program_id=program_id, confirmed_only=confirmed_only)
    rows = [_plain(dict(zip(SNAPSHOT_FIELDS, values, strict=True)))
            for values in zip(*(result.by_competency[c].tolist() for c in SNAPSHOT_FIELDS), strict=True)]
    with session_scope(engine) as session:
        snap = CoverageSnapshot(**new_snapshot_row(program_id=program_id, created_by_id=actor.id, reason=reason,
                                                   label=label.strip(), confirmed_only=confirmed_only,
                                                   metrics=_plain(result.metrics), by_competency=rows))
        session.add(snap)
        session.flush()
        audit.record(session, actor=actor, entity_type="coverage_snapshot", entity_id=snap.id, action="create",
                     after={"reason": reason, "label": snap.label, "confirmed_only": confirmed_only,
                            **{k: snap.metrics.get(k) for k in HEADLINE_METRICS}},
                     program_id=program_id, summary=f"coverage snapshot {snap.label or reason}")
        return _snapshot_summary(snap, actor.display_name)


def _check_snapshot(reason: Any, label: Any) -> None:
    if not isinstance(reason, str) or not reason or len(reason) > 32:
        raise ValidationFailed([field_error("reason", "error.field.snapshot_reason")])
    if not isinstance(label, str) or len(label) > 200:
        raise ValidationFailed([field_error("label", "error.field.snapshot_label")])


def new_snapshot_row(*, program_id: int, created_by_id: int | None, reason: str = "manual", label: str = "",
                     confirmed_only: bool = False, metrics: dict[str, Any], by_competency: list[Any],
                     **kept: Any) -> dict[str, Any]:
    """The columns of a coverage snapshot, the one rule for taking one and for restore: a reason of 1–32
    characters, a label of at most 200, the figures as a document and a list (``ValidationFailed``);
    ``created_at`` kept when given (restore). Pure: no session."""
    _check_snapshot(reason, label)
    if not isinstance(metrics, dict) or not isinstance(by_competency, list):
        raise ValidationFailed([field_error("metrics", "error.field.unknown_value", "metrics: a document",
                                            value=type(metrics).__name__)])
    return {"program_id": program_id, "created_by_id": created_by_id, "reason": reason, "label": label,
            "confirmed_only": bool(confirmed_only), "metrics": metrics, "by_competency": by_competency,
            **kept_columns(kept, ("created_at",), "snapshot")}


def _snapshot_summary(snap: CoverageSnapshot, created_by: str | None) -> dict[str, Any]:
    return {"id": snap.id, "program_id": snap.program_id, "created_at": snap.created_at.isoformat(),
            "created_by": created_by or "", "reason": snap.reason, "label": snap.label,
            "confirmed_only": snap.confirmed_only, "metrics": dict(snap.metrics)}


def list_snapshots(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """A programme's snapshots, newest first, with who took them and their metrics."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(CoverageSnapshot, User.display_name).outerjoin(User, User.id == CoverageSnapshot.created_by_id)
            .where(CoverageSnapshot.program_id == program_id)
            .order_by(CoverageSnapshot.created_at.desc(), CoverageSnapshot.id.desc())).all()
        return [_snapshot_summary(snap, name) for snap, name in rows]


def _load_snapshot(session, snapshot_id: int) -> CoverageSnapshot:
    snap = session.get(CoverageSnapshot, snapshot_id)
    if snap is None:
        raise NotFound(f"coverage snapshot {snapshot_id} not found")
    return snap


def _metric_deltas(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b))
        out[key] = {"before": b, "after": a, "delta": (a - b) if numeric else None}
    return out


def compare_snapshots(engine: Engine, *, a_id: int, b_id: int) -> dict[str, Any]:
    """What changed from snapshot ``a_id`` to ``b_id``: gaps closed and opened, level changes, metric deltas.

    A gap is a (competency, kind) pair with kind uncovered, below_required or redundant;
    competencies are matched by id (their code may have changed in between).
    """
    with session_scope(engine) as session:
        a, b = _load_snapshot(session, a_id), _load_snapshot(session, b_id)
        if a.program_id != b.program_id:
            raise ValidationFailed([field_error("snapshots", "error.field.snapshots_differ")])
        before = {row.get("id", row["code"]): row for row in a.by_competency}
        after = {row.get("id", row["code"]): row for row in b.by_competency}
        metrics_a, metrics_b = dict(a.metrics), dict(b.metrics)
        info = {"a": {"id": a.id, "created_at": a.created_at.isoformat(), "label": a.label, "reason": a.reason},
                "b": {"id": b.id, "created_at": b.created_at.isoformat(), "label": b.label, "reason": b.reason}}

    def gaps(rows):
        return {(key, row["gap"]) for key, row in rows.items() if row.get("gap") in GAP_KINDS}

    def entry(key, kind):
        row = after.get(key) or before.get(key)
        return {"id": row.get("id"), "code": row["code"], "statement": row["statement"], "kind": kind,
                "level_before": (before.get(key) or {}).get("level"),
                "level_after": (after.get(key) or {}).get("level")}

    def order(items):
        return sorted(items, key=lambda e: (code_sort_key(e["code"]), e.get("kind") or ""))

    changes = [
        {"id": (after.get(k) or before.get(k)).get("id"), "code": (after.get(k) or before.get(k))["code"],
         "statement": (after.get(k) or before.get(k))["statement"],
         "before": (before.get(k) or {}).get("level"), "after": (after.get(k) or {}).get("level")}
        for k in set(before) | set(after)
        if (before.get(k) or {}).get("level") != (after.get(k) or {}).get("level")
    ]
    return {
        **info,
        "gaps_closed": order(entry(k, kind) for k, kind in gaps(before) - gaps(after)),
        "gaps_opened": order(entry(k, kind) for k, kind in gaps(after) - gaps(before)),
        "level_changes": order(changes),
        "metrics": _metric_deltas(metrics_a, metrics_b),
    }


def latest_snapshot_delta(engine: Engine, *, program_id: int, confirmed_only: bool = False) -> dict[str, Any] | None:
    """Change of the headline metrics since the latest snapshot of the same mode; ``None`` without one.

    Returns ``{"snapshot": {id, created_at, label, reason}, "metrics": {name: {before, after, delta}}}``.
    """
    with session_scope(engine) as session:
        snap = session.execute(
            select(CoverageSnapshot).where(CoverageSnapshot.program_id == program_id,
                                           CoverageSnapshot.confirmed_only == confirmed_only)
            .order_by(CoverageSnapshot.created_at.desc(), CoverageSnapshot.id.desc()).limit(1)).scalar()
        if snap is None:
            return None
        before = {k: snap.metrics.get(k) for k in HEADLINE_METRICS}
        info = {"id": snap.id, "created_at": snap.created_at.isoformat(), "label": snap.label, "reason": snap.reason}
    now = compute_coverage(engine, program_id=program_id, confirmed_only=confirmed_only).metrics
    return {"snapshot": info, "metrics": _metric_deltas(before, {k: now.get(k) for k in HEADLINE_METRICS})}
