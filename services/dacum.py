"""DACUM chart of a job role: duties (work areas) as rows, tasks as cards, the four side panels.

The chart is a view of the framework: a duty is a work area, a task a work task, so every edit
goes through ``services.framework`` (create_node, move_node, update_job_role) with its version
checks and audit. A task belongs to the chart when its own job role is the chart's, or it has
none and its work area has; a duty when it has the role itself or holds one of those tasks.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import AuditEvent, JobRole
from models.enums import DACUM_PANELS
from services import audit, framework
from services.actor import Actor
from services.checks import lint_objective
from services.db import session_scope
from services.errors import NotFound, ValidationFailed, field_error
from services.outline import code_sort_key

_NUMBER = re.compile(r"^\d+$")


def _role(engine: Engine, job_role_id: int) -> dict[str, Any]:
    with session_scope(engine) as session:
        role = session.get(JobRole, job_role_id)
        if role is None:
            raise NotFound(f"job role {job_role_id} not found")
        return audit.snapshot(role) or {}


def _value(v: Any) -> Any:
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else v


def build_chart(frame: pd.DataFrame, *, job_role_id: int) -> list[dict[str, Any]]:
    """The framework frame → the chart's duties, each with its tasks in order (pure)."""
    rows = [{k: _value(v) for k, v in r.items()} for r in frame.to_dict("records")]
    children: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        if r["parent_id"] is not None:
            children.setdefault(int(r["parent_id"]), []).append(r)
    duties = []
    for area in (r for r in rows if r["kind"] == "area"):
        tasks = []
        for task in (c for c in children.get(area["id"], []) if c["kind"] == "task"):
            own = task["job_role_id"]
            if own == job_role_id or (own is None and area["job_role_id"] == job_role_id):
                leaves = [c for c in children.get(task["id"], []) if c["kind"] == "competency"]
                tasks.append({"id": int(task["id"]), "code": task["code"], "statement": task["statement"],
                              "version": int(task["version"]), "competencies": len(leaves),
                              "status": task["status"]})
        if tasks or area["job_role_id"] == job_role_id:
            duties.append({"id": int(area["id"]), "code": area["code"], "statement": area["statement"],
                           "version": int(area["version"]), "tasks": tasks})
    return duties


def dacum_chart(engine: Engine, *, job_role_id: int) -> dict[str, Any]:
    """The job role (with its side panels) and its duties and tasks, in framework order."""
    role = _role(engine, job_role_id)
    frame = framework.framework_frame(engine, program_id=role["program_id"])
    panels = {name: list((role.get("dacum_panels") or {}).get(name, [])) for name in DACUM_PANELS}
    return {"role": {**role, "dacum_panels": panels}, "duties": build_chart(frame, job_role_id=job_role_id)}


def _next_code(existing: list[str], prefix: str = "") -> str:
    used = set(existing)
    numbers = [int(c[len(prefix):]) for c in existing if c.startswith(prefix) and _NUMBER.match(c[len(prefix):])]
    n = max(numbers, default=0) + 1
    while f"{prefix}{n}" in used:
        n += 1
    return f"{prefix}{n}"


def _statement(statement: str) -> str:
    text = (statement or "").strip()
    if not text:
        raise ValidationFailed([field_error("statement", "industry.error.required", "statement: required")])
    return text


def add_duty(engine: Engine, *, actor: Actor, job_role_id: int, statement: str) -> dict[str, Any]:
    """A new duty (work area) on the role's chart, with the next free area number as its code."""
    role = _role(engine, job_role_id)
    frame = framework.framework_frame(engine, program_id=role["program_id"])
    code = _next_code(frame["code"].astype(str).tolist())
    return framework.create_node(engine, actor=actor, program_id=role["program_id"], kind="area", code=code,
                                 statement=_statement(statement), job_role_id=job_role_id,
                                 sort_order=int((frame["kind"] == "area").sum()))


def add_task(engine: Engine, *, actor: Actor, job_role_id: int, duty_id: int, statement: str) -> dict[str, Any]:
    """A new task card at the end of a duty's row; returns the node and the wording lint's findings
    (tasks are verb-first statements; the standards editor's rules apply)."""
    role = _role(engine, job_role_id)
    frame = framework.framework_frame(engine, program_id=role["program_id"])
    duty = frame[frame["id"] == duty_id]
    if duty.empty or duty.iloc[0]["kind"] != "area":
        raise NotFound(f"duty {duty_id} not found")
    duty_code = str(duty.iloc[0]["code"])
    siblings = frame[frame["parent_id"] == duty_id]
    code = _next_code(frame["code"].astype(str).tolist(), prefix=f"{duty_code}.")
    text = _statement(statement)
    node = framework.create_node(engine, actor=actor, program_id=role["program_id"], kind="task", code=code,
                                 statement=text, parent_id=duty_id, job_role_id=job_role_id,
                                 sort_order=len(siblings))
    warnings = [{"key": "dacum." + w["key"], "params": {**w["params"], "code": code}} for w in lint_objective(text)]
    return {"node": node, "warnings": warnings}


def move_task(engine: Engine, *, actor: Actor, task_id: int, expected_version: int, duty_id: int,
              position: int) -> dict[str, Any]:
    """Move a task card to ``position`` (0-based) in a duty's row, the same or another (version-checked)."""
    return framework.move_node(engine, actor=actor, node_id=task_id, expected_version=expected_version,
                               parent_id=duty_id, position=position)


def panel_lines(text: str) -> list[str]:
    """One entry per non-empty line, as typed (trimmed)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def save_panels(engine: Engine, *, actor: Actor, job_role_id: int, expected_version: int,
                panels: dict[str, str | list[str]]) -> dict[str, Any]:
    """Replace the side panels (general knowledge and skills, tools / equipment / materials, worker
    behaviours, future trends and concerns); a stale ``expected_version`` raises ``Conflict``."""
    unknown = set(panels) - set(DACUM_PANELS)
    if unknown:
        raise ValidationFailed([f"unknown panel {', '.join(sorted(unknown))}"])
    value = {name: panel_lines(v) if isinstance(v, str) else [str(x).strip() for x in v if str(x).strip()]
             for name, v in panels.items()}
    return framework.update_job_role(engine, actor=actor, job_role_id=job_role_id,
                                     expected_version=expected_version, changes={"dacum_panels": value})


def task_options(chart: dict[str, Any]) -> list[dict[str, Any]]:
    """Every task of the chart with its duty, for pickers."""
    return sorted(({**t, "duty_id": d["id"], "duty_code": d["code"], "position": n}
                   for d in chart["duties"] for n, t in enumerate(d["tasks"])),
                  key=lambda t: (code_sort_key(t["duty_code"]), t["position"]))


UNDOABLE = ("create", "move")


def _undone(session, program_id: int) -> set[int]:
    rows = session.exec(select(AuditEvent.after).where(AuditEvent.program_id == program_id,
                                                       AuditEvent.action == "undo")).all()
    # the undone event, and the move that undid it (itself not to be undone by the next click)
    return {int(r[k]) for r in rows if r for k in ("undid", "by") if r.get(k) is not None}


def last_undoable(engine: Engine, *, actor: Actor, job_role_id: int) -> dict[str, Any] | None:
    """``actor``'s latest add or move on this chart not undone yet (``None``: nothing to undo)."""
    chart = dacum_chart(engine, job_role_id=job_role_id)
    on_chart = {d["id"] for d in chart["duties"]} | {t["id"] for d in chart["duties"] for t in d["tasks"]}
    with session_scope(engine) as session:
        undone = _undone(session, chart["role"]["program_id"])
        events = session.exec(select(AuditEvent).where(
            AuditEvent.program_id == chart["role"]["program_id"], AuditEvent.user_id == actor.id,
            AuditEvent.entity_type == "competency", AuditEvent.action.in_(UNDOABLE))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(50)).all()
        for event in events:
            if event.id not in undone and event.entity_id in on_chart:
                return {"id": event.id, "action": event.action, "node_id": event.entity_id, "summary": event.summary,
                        "before": event.before or {}, "after": event.after or {}}
    return None


def undo_last(engine: Engine, *, actor: Actor, job_role_id: int) -> dict[str, Any] | None:
    """Undo ``actor``'s latest add (the card or duty is deleted if it holds nothing yet) or move (the task
    goes back where it was) on this chart; version-checked like any edit. Returns what was undone."""
    event = last_undoable(engine, actor=actor, job_role_id=job_role_id)
    if event is None:
        return None
    node = framework.get_node(engine, node_id=event["node_id"])
    if event["action"] == "create":
        framework.delete_node(engine, actor=actor, node_id=node["id"], expected_version=node["version"])
    else:
        parent = event["before"].get("parent_id", node["parent_id"])
        framework.move_node(engine, actor=actor, node_id=node["id"], expected_version=node["version"],
                            parent_id=parent, position=int(event["before"].get("position", 0) or 0))
    with session_scope(engine) as session:
        reverting = session.exec(select(AuditEvent.id).where(
            AuditEvent.user_id == actor.id, AuditEvent.entity_type == "competency",
            AuditEvent.entity_id == event["node_id"]).order_by(AuditEvent.id.desc())).first()
        audit.record(session, actor=actor, entity_type="competency", entity_id=event["node_id"], action="undo",
                     after={"undid": event["id"], "by": reverting}, program_id=node["program_id"],
                     summary=f"undo {event['action']} {event['summary']}"[:500])
    return event
