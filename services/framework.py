"""Competency framework (岗位 → 工作领域 → 工作任务 → 职业能力): read as a tree, search, edit."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import COMPETENCY_TYPES, NODE_KINDS, Alignment, Competency, Course, JobRole, Program
from models.enums import NODE_STATUSES
from services import audit, notifications
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, ValidationFailed, field_error
from services.hierarchy import allowed_parent_kinds, new_node_provenance, parent_allowed
from services.outline import code_sort_key, normalize_text, required_level_from_importance
from services.permissions import require
from services.versioning import apply_changes

FRAME_COLUMNS = [
    "id", "parent_id", "kind", "code", "statement", "comp_type", "importance", "required_level",
    "required_level_override", "job_role_id", "job_role", "status", "proposed_side", "external_uri",
    "area_code", "area", "task_code", "task", "depth", "version",
]


def framework_frame(engine: Engine, *, program_id: int) -> pd.DataFrame:
    """Every node of a programme in tree order (area, its tasks, their competencies)."""
    with session_scope(engine) as session:
        rows = session.exec(select(Competency).where(Competency.program_id == program_id)).all()
        roles = dict(session.exec(select(JobRole.id, JobRole.name).where(JobRole.program_id == program_id)).all())
        nodes = [audit.snapshot(r) or {} for r in rows]
    return build_frame(nodes, roles)


def build_frame(nodes: list[dict[str, Any]], roles: dict[int, str]) -> pd.DataFrame:
    """Order nodes depth-first by natural code order and add area/task context columns (pure)."""
    by_parent: dict[int | None, list[dict[str, Any]]] = {}
    for node in nodes:
        by_parent.setdefault(node["parent_id"], []).append(node)
    for children in by_parent.values():
        children.sort(key=lambda n: (n.get("sort_order") or 0, code_sort_key(n["code"])))
    out: list[dict[str, Any]] = []

    def walk(parent_id: int | None, depth: int, area: dict | None, task: dict | None) -> None:
        for node in by_parent.get(parent_id, []):
            a = node if node["kind"] == "area" else area
            t = node if node["kind"] == "task" else task
            role_id = node.get("job_role_id") or (t or {}).get("job_role_id")
            out.append({
                **{k: node.get(k) for k in ("id", "parent_id", "kind", "code", "statement", "comp_type",
                                            "importance", "status", "proposed_side", "external_uri",
                                            "job_role_id", "version")},
                "job_role_id": role_id,
                "job_role": roles.get(role_id, "") if role_id else "",
                "required_level_override": node.get("required_level"),
                "required_level": (node.get("required_level") or required_level_from_importance(node.get("importance")))
                if node["kind"] == "competency" else None,
                "area_code": (a or {}).get("code", ""), "area": (a or {}).get("statement", ""),
                "task_code": (t or {}).get("code", ""), "task": (t or {}).get("statement", ""),
                "depth": depth,
            })
            walk(node["id"], depth + 1, a, t)

    walk(None, 0, None, None)
    frame = pd.DataFrame(out, columns=FRAME_COLUMNS)
    for column in ("importance", "required_level", "required_level_override", "job_role_id", "parent_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def search_frame(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose code or statement contains every word of ``query``, with their ancestors."""
    words = [w.lower() for w in normalize_text(query).split() if w]
    if not words or frame.empty:
        return frame
    haystack = (frame["code"].astype(str) + " " + frame["statement"].astype(str)).str.lower()
    mask = pd.Series(True, index=frame.index)
    for word in words:
        mask &= haystack.str.contains(word, regex=False)
    keep = set(frame.loc[mask, "id"])
    parents = dict(zip(frame["id"], frame["parent_id"], strict=True))
    for node_id in list(keep):
        parent = parents.get(node_id)
        while parent is not None and not pd.isna(parent):
            keep.add(int(parent))
            parent = parents.get(int(parent))
    return frame[frame["id"].isin(keep)]


def get_node(engine: Engine, *, node_id: int) -> dict[str, Any]:
    """One node with its parent chain, children and the alignments that cover it."""
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        if node is None:
            raise NotFound(f"competency {node_id} not found")
        data = audit.snapshot(node) or {}
        chain, parent_id = [], node.parent_id
        while parent_id is not None:
            parent = session.get(Competency, parent_id)
            chain.insert(0, {"id": parent.id, "kind": parent.kind, "code": parent.code, "statement": parent.statement})
            parent_id = parent.parent_id
        children = session.exec(select(Competency).where(Competency.parent_id == node_id)).all()
        rows = session.exec(
            select(Alignment, Course.code, Course.name).join(Course, Course.id == Alignment.course_id)
            .where(Alignment.competency_id == node_id)).all()
        data["ancestors"] = chain
        data["children"] = sorted(
            ({"id": c.id, "kind": c.kind, "code": c.code, "statement": c.statement} for c in children),
            key=lambda c: code_sort_key(c["code"]))
        data["alignments"] = [
            {"id": a.id, "course_code": code, "course_name": name, "target": a.target, "level": a.level,
             "status": a.status, "proposed_side": a.proposed_side, "reason": a.reason}
            for a, code, name in sorted(rows, key=lambda r: code_sort_key(r[1]))
        ]
        data["required_level_effective"] = node.required_level or required_level_from_importance(node.importance)
        role = session.get(JobRole, node.job_role_id) if node.job_role_id else None
        data["job_role"] = role.name if role else ""
        return data


def list_job_roles(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        rows = session.exec(select(JobRole).where(JobRole.program_id == program_id)
                            .order_by(JobRole.sort_order, JobRole.name)).all()
        counts = dict(session.exec(select(Competency.job_role_id, func.count()).where(
            Competency.program_id == program_id).group_by(Competency.job_role_id)).all())
        return [{**(audit.snapshot(r) or {}), "nodes": counts.get(r.id, 0)} for r in rows]


def _validate_node(session: Session, *, program_id: int, values: dict[str, Any], node_id: int | None) -> None:
    errors = []
    kind = values.get("kind")
    if kind not in NODE_KINDS:
        errors.append(field_error("kind", "error.field.node_kind", message=f"kind: one of {', '.join(NODE_KINDS)}"))
    code = normalize_text(values.get("code"))
    if not code:
        errors.append(field_error("code", "error.field.code_required"))
    if not normalize_text(values.get("statement")):
        errors.append(field_error("statement", "error.field.statement_required"))
    if values.get("comp_type") not in (None, *COMPETENCY_TYPES):
        errors.append(field_error("comp_type", "error.field.comp_type",
                              message=f"type: one of {', '.join(COMPETENCY_TYPES)}"))
    importance = values.get("importance")
    if importance is not None and not (isinstance(importance, int) and 1 <= importance <= 5):
        errors.append(field_error("importance", "error.field.importance"))
    required = values.get("required_level")
    if required is not None and not (isinstance(required, int) and 1 <= required <= 3):
        errors.append(field_error("required_level", "error.field.required_level"))
    if values.get("status", "accepted") not in NODE_STATUSES:
        errors.append(field_error("status", "error.field.node_status",
                              message=f"status: one of {', '.join(NODE_STATUSES)}"))
    parent_id = values.get("parent_id")
    parent = session.get(Competency, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.program_id != program_id):
        errors.append(field_error("parent_id", "error.field.parent_missing"))
    elif kind in NODE_KINDS and not parent_allowed(kind, parent.kind if parent else None):
        under = " or ".join(allowed_parent_kinds(kind)) or "nothing"
        errors.append(field_error("parent_id", "error.field.area_parent" if kind == "area" else f"error.field.parent_kind.{kind}",
                                  message=f"parent: a {kind} belongs under {under}" if kind != "area" else None))
    if code:
        clash = session.exec(select(Competency.id).where(
            Competency.program_id == program_id, Competency.code == code)).first()
        if clash is not None and clash != node_id:
            errors.append(field_error("code", "error.field.node_code_used", code=code))
    if errors:
        raise ValidationFailed(errors)


def create_node(
    engine: Engine, *, actor: Actor, program_id: int, kind: str, code: str, statement: str,
    parent_id: int | None = None, comp_type: str | None = None, importance: int | None = None,
    required_level: int | None = None, job_role_id: int | None = None, external_uri: str = "",
) -> dict[str, Any]:
    """Add an area, task or competency. Mentors' and faculty's proposals start as ``proposed``."""
    require(actor, "framework.edit")
    provenance = new_node_provenance(actor)
    values = dict(kind=kind, code=normalize_text(code), statement=statement.strip(), parent_id=parent_id,
                  comp_type=comp_type, importance=importance, required_level=required_level,
                  job_role_id=job_role_id, external_uri=external_uri, status=provenance.pop("status"))
    with session_scope(engine) as session:
        if session.get(Program, program_id) is None:
            raise NotFound(f"programme {program_id} not found")
        _validate_node(session, program_id=program_id, values=values, node_id=None)
        node = Competency(program_id=program_id, **provenance, **values)
        session.add(node)
        session.flush()
        audit.record(session, actor=actor, entity_type="competency", entity_id=node.id, action="create",
                     after=audit.snapshot(node), program_id=program_id, summary=f"{node.code} {node.statement[:80]}")
        return audit.snapshot(node) or {}


EDITABLE_NODE_FIELDS = {"code", "statement", "comp_type", "importance", "required_level", "job_role_id",
                        "external_uri", "notes", "status"}


def update_node(
    engine: Engine, *, actor: Actor, node_id: int, expected_version: int, changes: dict[str, Any]
) -> dict[str, Any]:
    """Edit a node; a stale ``expected_version`` raises ``Conflict``."""
    require(actor, "framework.edit")
    unknown = set(changes) - EDITABLE_NODE_FIELDS
    if unknown:
        raise ValidationFailed([field_error("changes", "error.field.cannot_change", fields=", ".join(sorted(unknown)))])
    if "status" in changes:
        require(actor, "framework.confirm")
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        if node is None:
            raise NotFound(f"competency {node_id} not found")
        before = audit.snapshot(node) or {}
        if "code" in changes:
            changes["code"] = normalize_text(changes["code"])
        _validate_node(session, program_id=node.program_id, values={**before, **changes}, node_id=node.id)
        if changes.get("status") == "accepted" and node.status != "accepted":
            changes["confirmed_by_id"] = actor.id
        apply_changes(session, node, expected_version=expected_version, changes=changes)
        audit.record(session, actor=actor, entity_type="competency", entity_id=node.id, action="update",
                     before=before, after=audit.snapshot(node), program_id=node.program_id,
                     summary=f"{node.code} {node.statement[:80]}")
        notifications.rating_changed(session, actor=actor, competency=node)
        return audit.snapshot(node) or {}
