"""Competency framework (岗位 → 工作领域 → 工作任务 → 职业能力): read as a tree, search, edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import COMPETENCY_TYPES, NODE_KINDS, Alignment, Competency, CompetencyLink, Course, JobRole, Program
from models.enums import NODE_STATUSES, SIDES, SOURCE_KINDS
from services import audit, notifications
from services.actor import Actor
from services.db import session_scope
from services.errors import Conflict, FieldError, NotFound, ValidationFailed, field_error
from services.hierarchy import allowed_parent_kinds, new_node_provenance, parent_allowed
from services.outline import code_sort_key, normalize_text, required_level_from_importance
from services.permissions import require
from services.rows import kept_columns, raise_any, unknown_value
from services.versioning import apply_changes

if TYPE_CHECKING:
    import pandas as pd

FRAME_COLUMNS = [
    "id", "parent_id", "kind", "code", "statement", "comp_type", "importance", "required_level",
    "required_level_override", "job_role_id", "job_role", "status", "proposed_side", "external_uri",
    "area_code", "area", "task_code", "task", "depth", "version", "cert_level",
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
                                            "job_role_id", "version", "cert_level")},
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
    import pandas as pd  # only here: the import's planner loads this module for its rules and must not pay for pandas

    frame = pd.DataFrame(out, columns=FRAME_COLUMNS)
    for column in ("importance", "required_level", "required_level_override", "job_role_id", "parent_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def search_frame(frame: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose code or statement contains every word of ``query``, with their ancestors."""
    import pandas as pd

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


JOB_ROLE_KEPT_COLUMNS = ("version",)


def new_job_role_row(*, program_id: int, name: str, description: str = "", external_code: str = "",
                     external_uri: str = "", source: str = "manual", kind: str = "job", sort_order: int = 0,
                     dacum_panels: dict[str, Any] | None = None, **kept: Any) -> dict[str, Any]:
    """The columns of a new job role (or certificate / competition source), the one rule for the editor,
    restore and the demo seed: a name (trimmed) and a known source kind (``ValidationFailed``); ``version``
    kept when given (restore). Pure: no session."""
    name = (name or "").strip()
    raise_any(job_role_errors({"name": name, "kind": kind}))
    return {"program_id": program_id, "name": name, "description": description or "",
            "external_code": external_code or "", "external_uri": external_uri or "", "source": source or "manual",
            "kind": kind, "sort_order": sort_order, "dacum_panels": dict(dacum_panels or {}),
            **kept_columns(kept, JOB_ROLE_KEPT_COLUMNS, "job role")}


def job_role_errors(values: dict[str, Any]) -> list[FieldError]:
    """The checks of a job role's values (a new one's, or a stored one's merged with changes): a name, a known
    source kind (``kind`` absent: a job). The one rule of ``new_job_role_row``, ``update_job_role`` and the
    import's planner. Pure."""
    return [e for e in (
        None if str(values.get("name") or "").strip() else field_error("name", "industry.error.required",
                                                                       "name: required"),
        None if values.get("kind", "job") in SOURCE_KINDS else field_error(
            "kind", "industry.error.source_kind", f"kind: one of {', '.join(SOURCE_KINDS)}")) if e is not None]


def create_job_role(engine: Engine, *, actor: Actor, program_id: int, name: str, description: str = "",
                    external_code: str = "", external_uri: str = "", source: str = "manual",
                    kind: str = "job") -> dict[str, Any]:
    """Add a job role (岗位) to a programme — or, with ``kind`` certificate / competition, a further
    岗课赛证 source held the same way; the name is unique within the programme."""
    require(actor, "framework.edit")
    given = dict(program_id=program_id, name=name.strip()[:200], description=description,
                 external_code=external_code, external_uri=external_uri, source=source, kind=kind)
    new_job_role_row(**given)  # checked before the database is asked
    with session_scope(engine) as session:
        if session.get(Program, program_id) is None:
            raise NotFound(f"programme {program_id} not found")
        if session.exec(select(JobRole.id).where(JobRole.program_id == program_id,
                                                 JobRole.name == name.strip())).first() is not None:
            raise ValidationFailed([field_error("name", "industry.error.duplicate", f"name: {name.strip()} already exists",
                                                value=name.strip())])
        count = session.exec(select(func.count()).select_from(JobRole).where(JobRole.program_id == program_id)).one()
        role = JobRole(**new_job_role_row(**given, sort_order=count))
        session.add(role)
        session.flush()
        audit.record(session, actor=actor, entity_type="job_role", entity_id=role.id, action="create",
                     after=audit.snapshot(role), program_id=program_id, summary=role.name)
        return audit.snapshot(role) or {}


_COMP_TYPES_OR_NONE = frozenset({None, *COMPETENCY_TYPES})


def _has_text(value: Any) -> bool:
    """Whether ``normalize_text(value)`` is not empty, without folding text that plainly is not (NFKC never
    turns a character that is not whitespace into whitespace or nothing; only "_x000D_" is dropped): the
    import checks 50,000 rows with this rule."""
    if value is None:
        return False
    text = value if value.__class__ is str else str(value)
    if "_x000D_" in text:
        return bool(normalize_text(text))
    return bool(text) and not text.isspace()


def _node_errors(values: dict[str, Any]) -> list:
    """The checks of a node's own values (no session): kind, code, statement, type, importance, level, status."""
    errors = []
    kind = values.get("kind")
    if kind not in NODE_KINDS:
        errors.append(field_error("kind", "error.field.node_kind", message=f"kind: one of {', '.join(NODE_KINDS)}"))
    if not _has_text(values.get("code")):
        errors.append(field_error("code", "error.field.code_required"))
    if not _has_text(values.get("statement")):
        errors.append(field_error("statement", "error.field.statement_required"))
    if values.get("comp_type") not in _COMP_TYPES_OR_NONE:
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
    return errors


def node_errors(values: dict[str, Any], *, parent_kind: str | None = None) -> list[FieldError]:
    """The one rule of a node's values and place (no session): the checks of its own values and the
    hierarchy's rule for its ``kind`` under ``parent_kind`` (None: at the root). ``new_node_row`` raises
    these; the import's planner reports them per row before it writes its nodes column by column."""
    errors = _node_errors(values)
    parent = _parent_error(values.get("kind"), parent_kind)
    if parent is not None:
        errors.append(parent)
    return errors


def node_checker() -> Callable[..., list[FieldError]]:
    """``node_errors`` for many rows (the import's 50,000): a node's errors depend only on its kind, type,
    importance and level (with their Python types), status, whether code and statement hold text, and its
    parent's kind, so each distinct combination is checked once by ``node_errors`` itself and its answer
    reused. Same signature and answers as ``node_errors``."""
    memo: dict[tuple, list[FieldError]] = {}

    def check(values: dict[str, Any], *, parent_kind: str | None = None) -> list[FieldError]:
        get = values.get
        importance, required = get("importance"), get("required_level")
        key = (get("kind"), _has_text(get("code")), _has_text(get("statement")), get("comp_type"), importance,
               importance.__class__, required, required.__class__, get("status", "accepted"), parent_kind)
        try:
            errors = memo.get(key)
        except TypeError:  # an unhashable value: no reuse
            return node_errors(values, parent_kind=parent_kind)
        if errors is None:
            errors = memo[key] = node_errors(values, parent_kind=parent_kind)
        return list(errors)
    return check


def _parent_error(kind: Any, parent_kind: str | None):
    """The error of a ``kind`` node under a ``parent_kind`` one (None: the root) the hierarchy refuses, else None."""
    if kind not in NODE_KINDS or parent_allowed(kind, parent_kind):
        return None
    under = " or ".join(allowed_parent_kinds(kind)) or "nothing"
    return field_error("parent_id", "error.field.area_parent" if kind == "area" else f"error.field.parent_kind.{kind}",
                       message=f"parent: a {kind} belongs under {under}" if kind != "area" else None)


NODE_FIELDS = ("parent_id", "comp_type", "importance", "required_level", "job_role_id", "external_uri", "notes",
               "sort_order", "cert_level")
NODE_KEPT_COLUMNS = ("created_at", "updated_at", "version")


def new_node_row(*, program_id: int, kind: str, code: str, statement: str, status: str,
                 proposed_by_id: int | None, proposed_side: str | None, confirmed_by_id: int | None,
                 parent_kind: str | None = None, **fields: Any) -> dict[str, Any]:
    """The columns of a new framework node, the one rule for the editor, restore and the demo seed: the
    editor's checks of its values, the hierarchy's rule for a ``kind`` under ``parent_kind`` (None: at the
    root) and its review columns as given — ``hierarchy.new_node_provenance(actor)`` for a new node, the
    stored ones on a restore (``ValidationFailed``). The code is normalised, the statement kept as written.
    Timestamps and version kept when given. Pure: no session."""
    given = {k: v for k, v in fields.items() if k in NODE_FIELDS}
    kept = kept_columns({k: v for k, v in fields.items() if k not in NODE_FIELDS}, NODE_KEPT_COLUMNS, "node")
    values = {"kind": kind, "code": normalize_text(code), "statement": statement, "status": status, **given}
    raise_any([*node_errors(values, parent_kind=parent_kind),
               unknown_value("proposed_side", proposed_side, SIDES, nullable=True)])
    return {"program_id": program_id, **values, "proposed_by_id": proposed_by_id, "proposed_side": proposed_side,
            "confirmed_by_id": confirmed_by_id, **kept}


def _validate_node(session: Session, *, program_id: int, values: dict[str, Any], node_id: int | None) -> None:
    errors = _node_errors(values)
    kind, code = values.get("kind"), normalize_text(values.get("code"))
    parent_id = values.get("parent_id")
    parent = session.get(Competency, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.program_id != program_id):
        errors.append(field_error("parent_id", "error.field.parent_missing"))
    elif _parent_error(kind, parent.kind if parent else None) is not None:
        errors.append(_parent_error(kind, parent.kind if parent else None))
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
    sort_order: int = 0, cert_level: str = "",
) -> dict[str, Any]:
    """Add an area, task or competency (``cert_level``: a certificate requirement's level as written).
    Mentors' and faculty's proposals start as ``proposed``."""
    require(actor, "framework.edit")
    provenance = new_node_provenance(actor)
    values = dict(kind=kind, code=normalize_text(code), statement=statement.strip(), parent_id=parent_id,
                  comp_type=comp_type, importance=importance, required_level=required_level,
                  job_role_id=job_role_id, external_uri=external_uri, status=provenance.pop("status"),
                  cert_level=cert_level.strip())  # over its limit: refused by the field guard
    with session_scope(engine) as session:
        if session.get(Program, program_id) is None:
            raise NotFound(f"programme {program_id} not found")
        _validate_node(session, program_id=program_id, values=values, node_id=None)
        parent = session.get(Competency, parent_id) if parent_id else None
        node = Competency(**new_node_row(program_id=program_id, sort_order=sort_order, **provenance, **values,
                                         parent_kind=parent.kind if parent else None))
        session.add(node)
        session.flush()
        audit.record(session, actor=actor, entity_type="competency", entity_id=node.id, action="create",
                     after=audit.snapshot(node), program_id=program_id, summary=f"{node.code} {node.statement[:80]}")
        return audit.snapshot(node) or {}


EDITABLE_NODE_FIELDS = {"code", "statement", "comp_type", "importance", "required_level", "job_role_id",
                        "external_uri", "notes", "status", "cert_level"}


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


def set_importance_in(session: Session, *, actor: Actor, node_id: int, importance: int, reason: str) -> int | None:
    """Set a competency's importance inside the caller's transaction (a closing survey); returns the
    previous value. The change is audited like an edit (before → after), so history shows it and a
    later manual edit (``update_node``) overrides it as usual."""
    if not (isinstance(importance, int) and 1 <= importance <= 5):
        raise ValidationFailed(["importance: 1–5"])
    node = session.get(Competency, node_id)
    if node is None:
        raise NotFound(f"competency {node_id} not found")
    previous = node.importance
    if previous == importance:
        return previous
    before = audit.snapshot(node) or {}
    apply_changes(session, node, expected_version=node.version, changes={"importance": importance})
    audit.record(session, actor=actor, entity_type="competency", entity_id=node.id, action="update",
                 before=before, after=audit.snapshot(node), program_id=node.program_id,
                 summary=f"{node.code} {reason}"[:500])
    return previous


def move_node(engine: Engine, *, actor: Actor, node_id: int, expected_version: int, parent_id: int,
              position: int) -> dict[str, Any]:
    """Move a node under ``parent_id`` (the same or another) at ``position`` (0-based) among its siblings.

    The node keeps its code (its identity in alignments, imports and links); the hierarchy rule
    decides where it may go. Its version is checked; the siblings' ``sort_order`` is renumbered
    (a layout change, so their versions are left alone and nobody's edit of them is refused).
    """
    require(actor, "framework.edit")
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        parent = session.get(Competency, parent_id)
        if node is None or parent is None:
            raise NotFound(f"competency {node_id if node is None else parent_id} not found")
        if parent.program_id != node.program_id or not parent_allowed(node.kind, parent.kind):
            raise ValidationFailed([field_error("parent", "industry.error.parent", "parent: not allowed here",
                                                kind=node.kind)])
        ancestor = parent
        while ancestor is not None:  # never under itself
            if ancestor.id == node.id:
                raise ValidationFailed([field_error("parent", "industry.error.parent", "parent: inside itself",
                                                    kind=node.kind)])
            ancestor = session.get(Competency, ancestor.parent_id) if ancestor.parent_id else None
        before = audit.snapshot(node) or {}
        old_siblings = sorted(session.exec(select(Competency).where(Competency.parent_id == node.parent_id)).all(),
                              key=lambda s: (s.sort_order or 0, code_sort_key(s.code)))
        before["position"] = next(n for n, s in enumerate(old_siblings) if s.id == node.id)  # where an undo puts it
        siblings = [s for s in session.exec(select(Competency).where(Competency.parent_id == parent_id)).all()
                    if s.id != node.id]
        siblings.sort(key=lambda s: (s.sort_order or 0, code_sort_key(s.code)))
        position = max(0, min(int(position), len(siblings)))
        apply_changes(session, node, expected_version=expected_version,
                      changes={"parent_id": parent_id, "sort_order": position})
        for order, sibling in enumerate([*siblings[:position], None, *siblings[position:]]):
            if sibling is not None and sibling.sort_order != order:
                sibling.sort_order = order
                session.add(sibling)
        session.flush()
        audit.record(session, actor=actor, entity_type="competency", entity_id=node.id, action="move",
                     before=before, after={**(audit.snapshot(node) or {}), "position": position},
                     program_id=node.program_id,
                     summary=f"{node.code} → {parent.code} #{position + 1}")
        return audit.snapshot(node) or {}


def update_job_role(engine: Engine, *, actor: Actor, job_role_id: int, expected_version: int,
                    changes: dict[str, Any]) -> dict[str, Any]:
    """Edit a job role (name, description, external code / URI, DACUM side panels); version-checked."""
    require(actor, "framework.edit")
    allowed = {"name", "description", "external_code", "external_uri", "dacum_panels", "kind"}
    if set(changes) - allowed:
        raise ValidationFailed([f"cannot change {', '.join(sorted(set(changes) - allowed))}"])
    with session_scope(engine) as session:
        role = session.get(JobRole, job_role_id)
        if role is None:
            raise NotFound(f"job role {job_role_id} not found")
        before = audit.snapshot(role) or {}
        raise_any(job_role_errors({**before, **changes}))
        apply_changes(session, role, expected_version=expected_version, changes=changes)
        audit.record(session, actor=actor, entity_type="job_role", entity_id=role.id, action="update",
                     before=before, after=audit.snapshot(role), program_id=role.program_id, summary=role.name)
        return audit.snapshot(role) or {}


def new_link_row(*, program_id: int, a_id: int, b_id: int, created_by_id: int | None, **kept: Any) -> dict[str, Any]:
    """The columns of a link between two competencies, stored once per pair (``low_id < high_id``); a
    competency is never linked to itself (``ValidationFailed``). ``created_at`` kept when given. Pure."""
    low, high = sorted((int(a_id), int(b_id)))
    if low == high:
        raise ValidationFailed([field_error("link", "industry.error.link", "link: two competencies of one programme")])
    return {"program_id": program_id, "low_id": low, "high_id": high, "created_by_id": created_by_id,
            **kept_columns(kept, ("created_at",), "link")}


def link_competencies(engine: Engine, *, actor: Actor, a_id: int, b_id: int) -> dict[str, Any]:
    """Record that two competencies of a programme are the same requirement in two sources (a job
    competency and a certificate skill, say): an alignment to either counts for both in the 岗课赛证
    view. Linking a pair again changes nothing."""
    require(actor, "framework.edit")
    low, high = sorted((int(a_id), int(b_id)))
    with session_scope(engine) as session:
        a, b = session.get(Competency, low), session.get(Competency, high)
        if a is None or b is None:
            raise NotFound(f"competency {low if a is None else high} not found")
        if low == high or a.program_id != b.program_id or "competency" not in (a.kind, b.kind) \
                or a.kind != b.kind:
            raise ValidationFailed([field_error("link", "industry.error.link", "link: two competencies of one "
                                                "programme")])
        existing = session.exec(select(CompetencyLink).where(CompetencyLink.low_id == low,
                                                             CompetencyLink.high_id == high)).first()
        if existing is None:
            existing = CompetencyLink(**new_link_row(program_id=a.program_id, a_id=low, b_id=high,
                                                     created_by_id=actor.id))
            session.add(existing)
            session.flush()
            audit.record(session, actor=actor, entity_type="competency", entity_id=low, action="link",
                         after={"linked": high}, program_id=a.program_id, summary=f"{a.code} = {b.code}")
        return {"id": existing.id, "low_id": low, "high_id": high}


def unlink_competencies(engine: Engine, *, actor: Actor, link_id: int) -> None:
    """Remove a link between two competencies."""
    require(actor, "framework.edit")
    with session_scope(engine) as session:
        link = session.get(CompetencyLink, link_id)
        if link is None:
            raise NotFound(f"link {link_id} not found")
        session.delete(link)
        audit.record(session, actor=actor, entity_type="competency", entity_id=link.low_id, action="unlink",
                     before={"linked": link.high_id}, program_id=link.program_id)


def competency_links(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """The programme's links with both competencies' codes and statements."""
    with session_scope(engine) as session:
        rows = session.exec(select(CompetencyLink).where(CompetencyLink.program_id == program_id)).all()
        nodes = {n.id: n for n in session.exec(select(Competency).where(Competency.id.in_(
            [r.low_id for r in rows] + [r.high_id for r in rows]))).all()} if rows else {}
        return [{"id": r.id, "low_id": r.low_id, "high_id": r.high_id, "low_code": nodes[r.low_id].code,
                 "high_code": nodes[r.high_id].code, "low_statement": nodes[r.low_id].statement,
                 "high_statement": nodes[r.high_id].statement} for r in rows]


def delete_node(engine: Engine, *, actor: Actor, node_id: int, expected_version: int) -> dict[str, Any]:
    """Delete a node that holds nothing yet: no children, no alignments (a fresh proposal taken back).
    Its proposer may, and whoever may confirm framework nodes; the last values stay in the audit."""
    require(actor, "framework.edit")
    with session_scope(engine) as session:
        node = session.get(Competency, node_id)
        if node is None:
            raise NotFound(f"competency {node_id} not found")
        if node.proposed_by_id != actor.id:
            require(actor, "framework.confirm")
        if node.version != expected_version:
            raise Conflict(f"competency {node_id} changed (now version {node.version})",
                           current=audit.snapshot(node), entity="Competency", id=node_id)
        has_children = session.exec(select(Competency.id).where(Competency.parent_id == node_id)).first()
        has_links = session.exec(select(Alignment.id).where(Alignment.competency_id == node_id)).first()
        if has_children is not None or has_links is not None:
            raise ValidationFailed([field_error("node", "industry.error.not_empty",
                                                "the node has children or alignments", code=node.code)])
        before = audit.snapshot(node)
        session.delete(node)
        audit.record(session, actor=actor, entity_type="competency", entity_id=node_id, action="delete",
                     before=before, program_id=node.program_id, summary=f"{node.code} {node.statement[:80]}")
        return before or {}


def merge_nodes(engine: Engine, *, actor: Actor, keep_id: int, drop_id: int, keep_version: int,
                drop_version: int) -> dict[str, Any]:
    """Merge a duplicate into the node kept (two tasks, or two competencies, of one programme).

    What pointed at the duplicate follows: its children move under the kept node; for competencies its
    alignments (``services.alignments.move_to_competency``: the stronger level wins on a shared target),
    ratings, survey items, suggestion decisions and cross-source links move unless the kept node already
    has the same one; change marks and comment threads move. Then the duplicate is deleted. Both
    versions are checked; one transaction; audited as ``merge`` with the duplicate's last values.
    """
    from models import ChangeMark, Rating, SuggestionDecision, SurveyItem
    from services.alignments import move_to_competency  # alignments own their rows (and import this module)
    from services.standards import reattach_comments

    require(actor, "framework.confirm")
    with session_scope(engine) as session:
        keep, drop = session.get(Competency, keep_id), session.get(Competency, drop_id)
        if keep is None or drop is None:
            raise NotFound(f"competency {keep_id if keep is None else drop_id} not found")
        if keep.id == drop.id or keep.program_id != drop.program_id or keep.kind != drop.kind \
                or keep.kind == "area":
            raise ValidationFailed([field_error("merge", "industry.error.merge", "merge: two tasks or two "
                                                "competencies of one programme")])
        for node, version in ((keep, keep_version), (drop, drop_version)):
            if node.version != version:
                raise Conflict(f"competency {node.id} changed (now version {node.version})",
                               current=audit.snapshot(node), entity="Competency", id=node.id)
        before = audit.snapshot(drop)
        counts: dict[str, int] = {"children": 0}
        siblings = session.exec(select(func.count()).select_from(Competency).where(Competency.parent_id == keep.id)).one()
        for n, child in enumerate(session.exec(select(Competency).where(Competency.parent_id == drop.id)
                                               .order_by(Competency.sort_order, Competency.id)).all()):
            child.parent_id, child.sort_order, child.version = keep.id, siblings + n, child.version + 1
            session.add(child)
            counts["children"] += 1
        if keep.kind == "competency":
            counts.update(move_to_competency(session, actor=actor, from_id=drop.id, to_id=keep.id))
            for model, key in ((Rating, "rater"), (SuggestionDecision, "target"), (SurveyItem, "survey_id")):
                kept = set(session.exec(select(getattr(model, key)).where(model.competency_id == keep.id)).all())
                for row in session.exec(select(model).where(model.competency_id == drop.id)).all():
                    if getattr(row, key) in kept:
                        session.delete(row)
                    else:
                        row.competency_id = keep.id
                        session.add(row)
            for link in session.exec(select(CompetencyLink).where(
                    (CompetencyLink.low_id == drop.id) | (CompetencyLink.high_id == drop.id))).all():
                other = link.high_id if link.low_id == drop.id else link.low_id
                session.delete(link)
                low, high = sorted((keep.id, other))
                if other != keep.id and session.exec(select(CompetencyLink.id).where(
                        CompetencyLink.low_id == low, CompetencyLink.high_id == high)).first() is None:
                    session.add(CompetencyLink(**new_link_row(program_id=keep.program_id, a_id=low, b_id=high,
                                                              created_by_id=actor.id)))
        for mark in session.exec(select(ChangeMark).where(ChangeMark.competency_id == drop.id)).all():
            mark.competency_id = keep.id
            session.add(mark)
        reattach_comments(session, actor=actor, entity_type="competency", ids=[drop.id], to=("competency", keep.id),
                          program_id=keep.program_id)
        session.flush()
        session.delete(drop)
        audit.record(session, actor=actor, entity_type="competency", entity_id=drop.id, action="merge",
                     before=before, after={"merged_into": keep.id, **counts}, program_id=keep.program_id,
                     summary=f"{drop.code} → {keep.code}")
        return {"kept": keep.id, "dropped": drop.id, **counts}
