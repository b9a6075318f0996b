"""Alignments (对应 / 支撑): course, unit or objective → competency, proposed by one side, decided by the other.

Rules (enforced here, whatever the page shows):
- Proposing needs ``alignment.propose``; a faculty member proposes only on courses they own
  (their standard), mentors on any course of a programme, leads and admins anywhere. A new
  alignment is ``proposed`` with the proposer's side; a lead or admin may accept it at once.
- Deciding needs ``alignment.decide`` and the *other* side: mentors decide school proposals,
  leads and course-owning faculty decide enterprise proposals, admins decide anything.
  A reject needs a reason. A decision can be revised by the deciding side.
- Changing the level of a decided alignment re-opens it (proposed again by the changer's side):
  ``level_change`` (services/alignment_rules.py), which the import applies too.
  Removing needs the standard's edit right, or being the proposer of a still-open proposal.
- Unit and objective alignments belong to a standard revision: changes to them bump the
  standard's version, store a version snapshot and are refused once the revision is approved.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models import (
    Alignment,
    Competency,
    Course,
    CourseOwner,
    CourseStandard,
    LearningUnit,
    Objective,
    User,
)
from models.tables import alignment_target
from services import audit, notifications
from services.actor import Actor
from services.alignment_rules import (  # noqa: F401 - LEVEL_CHANGE_COLUMNS, level_change: the one rule, public here
    LEVEL_CHANGE_COLUMNS,
    level_change,
    new_row,
    proposal,
)
from services.alignment_rules import decision as decide
from services.courses import owns_course
from services.db import retry_transient, session_scope
from services.errors import NotFound, PermissionDenied
from services.outline import code_sort_key, normalize_text, required_level_from_importance
from services.permissions import can
from services.standards import ensure_editable, invalid, lock_standard, reattach_comments, record_content_change
from services.versioning import apply_changes, deleted
from services.vocabulary import ACCEPTED, PROPOSED, REJECTED, counted_alignments

DECISIONS = ("accept", "reject")


# --------------------------------------------------------------------------- rules


def _denied(actor: Actor, what: str, **params: Any) -> PermissionDenied:
    return PermissionDenied(f"{actor.username} ({actor.role}) may not {what}", action=what, role=actor.role, **params)


def may_act_for_school(session: Session, actor: Actor, course_id: int) -> bool:
    """Leads and admins, or faculty who own the course, speak for the school on its alignments."""
    return actor.role in ("admin", "lead") or (actor.role == "faculty" and owns_course(session, actor, course_id))


def may_propose(session: Session, actor: Actor | None, course_id: int) -> bool:
    """True if ``actor`` may propose (add) alignments for this course."""
    if not can(actor, "alignment.propose"):
        return False
    return actor.role != "faculty" or owns_course(session, actor, course_id)


def deciding_side(alignment: Alignment) -> str | None:
    """The side that decides an alignment: the other side than its proposer (``None``: either)."""
    return {"school": "enterprise", "enterprise": "school"}.get(alignment.proposed_side or "")


def may_decide(session: Session, actor: Actor | None, alignment: Alignment) -> bool:
    """True if ``actor`` may accept or reject this alignment."""
    if not can(actor, "alignment.decide"):
        return False
    if actor.is_admin:
        return True
    side = deciding_side(alignment)
    if side is not None and actor.side != side:
        return False
    if actor.side == "school":
        return may_act_for_school(session, actor, alignment.course_id)
    return actor.role == "mentor"


def _may_remove(session: Session, actor: Actor, alignment: Alignment) -> bool:
    if can(actor, "standard.edit", owns_course=owns_course(session, actor, alignment.course_id)):
        return True
    return alignment.status == "proposed" and alignment.proposed_by_id == actor.id and actor.id is not None


# --------------------------------------------------------------------------- helpers


def _fresh(session: Session, model, row_id: int | None):
    """The row as committed now (after a lock was taken), or ``None`` if it is gone."""
    if row_id is None:
        return None
    return session.exec(select(model).where(model.id == row_id).execution_options(populate_existing=True)).first()


def _load_locked(session: Session, alignment_id: int) -> tuple[Alignment, CourseStandard | None]:
    """The alignment and its standard, the standard's row locked first (the one lock order).

    A link someone removed meanwhile is a ``Deleted`` conflict: the caller saw it (it names
    the version it started from), so it existed.
    """
    alignment = session.get(Alignment, alignment_id)
    if alignment is None:
        raise deleted("alignment", alignment_id)
    target = session.get(LearningUnit, alignment.unit_id) if alignment.unit_id is not None else \
        session.get(Objective, alignment.objective_id) if alignment.objective_id is not None else None
    if target is None:
        if alignment.unit_id is None and alignment.objective_id is None:
            return alignment, None
        raise deleted("alignment", alignment_id)
    standard = lock_standard(session, target.standard_id)
    alignment = _fresh(session, Alignment, alignment_id)
    if alignment is None:
        raise deleted("alignment", alignment_id)
    return alignment, standard


def _check_level(level: Any) -> int:
    if isinstance(level, bool) or not isinstance(level, Integral) or int(level) not in (1, 2, 3):
        raise invalid("standards.error.level", "level must be 1, 2 or 3", field="level")
    return int(level)


def _as_dict(session: Session, alignment: Alignment) -> dict[str, Any]:
    data = audit.snapshot(alignment) or {}
    comp = session.get(Competency, alignment.competency_id)
    data["code"], data["statement"] = comp.code, comp.statement
    return data


def _after_change(session: Session, *, actor: Actor, alignment: Alignment, standard: CourseStandard | None,
                  note: str) -> dict[str, Any]:
    """Bump the owning standard (if any) so concurrent editors see the change; report the outcome."""
    result = _as_dict(session, alignment)
    if standard is not None:
        result["standard"] = record_content_change(session, actor=actor, standard=standard, note=note)
    return result


# --------------------------------------------------------------------------- commands


@retry_transient
def propose_alignment(
    engine: Engine, *, actor: Actor, level: int, competency_id: int | None = None, code: str | None = None,
    course_id: int | None = None, unit_id: int | None = None, objective_id: int | None = None,
    accept: bool = False, reason: str = "",
) -> dict[str, Any]:
    """Link a course, a learning unit or an objective to a competency (by id or code) at ``level`` 1–3.

    Give exactly one of ``course_id``, ``unit_id``, ``objective_id``. Re-proposing a rejected
    link opens it again. ``accept=True`` (leads and admins only) records it as accepted at once.
    Returns the alignment as a dict (plus ``standard`` version info for unit/objective targets).
    """
    with session_scope(engine) as session:
        alignment, standard = propose_in(session, actor=actor, level=level, competency_id=competency_id, code=code,
                                         course_id=course_id, unit_id=unit_id, objective_id=objective_id,
                                         accept=accept, reason=reason)
        comp = session.get(Competency, alignment.competency_id)
        return _after_change(session, actor=actor, alignment=alignment, standard=standard,
                             note=f"alignment {comp.code} proposed")


def propose_in(
    session: Session, *, actor: Actor, level: int, competency_id: int | None = None, code: str | None = None,
    course_id: int | None = None, unit_id: int | None = None, objective_id: int | None = None,
    accept: bool = False, reason: str = "",
) -> tuple[Alignment, CourseStandard | None]:
    """``propose_alignment``'s rules inside the caller's transaction, for a batch that commits once
    (the suggestion review table). Returns the alignment and the standard it belongs to (``None``
    for a course alignment); the caller records the standard's content change
    (``services.standards.record_content_change``) once for the batch.
    """
    if sum(x is not None for x in (course_id, unit_id, objective_id)) != 1:
        raise invalid("alignments.error.target", "give exactly one of course, unit or objective", field="target")
    level = _check_level(level)
    standard = None
    if unit_id is not None or objective_id is not None:
        model, row_id = (LearningUnit, unit_id) if unit_id is not None else (Objective, objective_id)
        row = session.get(model, row_id)
        if row is None:
            raise NotFound(f"{'unit' if unit_id is not None else 'objective'} not found")
        standard = lock_standard(session, row.standard_id)
        if _fresh(session, model, row_id) is None:
            raise deleted("unit" if unit_id is not None else "objective", row_id)
        course_id = standard.course_id
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(f"course {course_id} not found", course_id=course_id)
    if not may_propose(session, actor, course.id):
        raise _denied(actor, "alignment.propose", course=course.code)
    if accept and actor.role not in ("admin", "lead"):
        raise _denied(actor, "alignment.accept_directly")
    if standard is not None and standard.status == "approved":
        raise invalid("standards.error.frozen", f"revision {standard.revision} is approved and frozen",
                      field="status", revision=standard.revision)
    query = select(Competency).where(Competency.program_id == course.program_id)
    query = query.where(Competency.id == competency_id) if competency_id is not None \
        else query.where(Competency.code == normalize_text(code))
    comp = session.exec(query).first()
    if comp is None or comp.kind != "competency":
        raise invalid("standards.error.unknown_competency",
                      f"{code or competency_id} is not a competency of this programme",
                      field="competency", code=str(code or competency_id))
    if comp.status == "retired":
        raise invalid("standards.error.retired_competency", f"{comp.code} is retired in the framework",
                      field="competency", code=comp.code)
    target = alignment_target(course_id=course.id, unit_id=unit_id, objective_id=objective_id)
    existing = session.exec(select(Alignment).where(Alignment.competency_id == comp.id,
                                                    Alignment.target == target)).first()
    review = {**proposal(actor), **decide(ACCEPTED, decided_by_id=actor.id, reason=reason)} if accept \
        else proposal(actor)
    if existing is not None and counted_alignments(existing.status):
        raise invalid("alignments.error.duplicate", f"{comp.code} is already aligned here",
                      field="competency", code=comp.code, alignment_id=existing.id)
    if existing is not None:
        before = audit.snapshot(existing)
        apply_changes(session, existing, expected_version=existing.version, changes={"level": level, **review})
        alignment, action = existing, "repropose"
    else:
        before = None
        alignment = Alignment(**new_row(competency_id=comp.id, course_id=course.id, unit_id=unit_id,
                                        objective_id=objective_id, level=level, source="manual", **review))
        session.add(alignment)
        comp_code = comp.code
        try:
            session.flush()
        except IntegrityError as exc:
            # course-level links have no standard lock: a simultaneous proposal of the same link won
            if "uq_alignment_competency_target" in str(exc.orig) or "alignment.competency_id" in str(exc.orig):
                raise invalid("alignments.error.duplicate", f"{comp_code} is already aligned here",
                              field="competency", code=comp_code) from None
            raise
        action = "create"
    audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action=action,
                 before=before, after=audit.snapshot(alignment), program_id=course.program_id,
                 summary=f"{course.code} {target} → {comp.code} L{level} {alignment.status}")
    return alignment, standard


@retry_transient
def change_level(engine: Engine, *, actor: Actor, alignment_id: int, expected_version: int, level: int) -> dict[str, Any]:
    """Change an alignment's level; a decided alignment goes back to ``proposed`` for the other side."""
    level = _check_level(level)
    with session_scope(engine) as session:
        alignment, standard = _load_locked(session, alignment_id)
        if not may_propose(session, actor, alignment.course_id):
            raise _denied(actor, "alignment.propose")
        if standard is not None and standard.status == "approved":
            raise invalid("standards.error.frozen", f"revision {standard.revision} is approved and frozen",
                          field="status", revision=standard.revision)
        before = audit.snapshot(alignment)
        # an unchanged level still bumps the version (and is audited), as a save always is
        changes = level_change(before, level, actor=actor) or {"level": level}
        apply_changes(session, alignment, expected_version=expected_version, changes=changes)
        comp = session.get(Competency, alignment.competency_id)
        audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action="update",
                     before=before, after=audit.snapshot(alignment),
                     program_id=session.get(Course, alignment.course_id).program_id,
                     summary=f"{alignment.target} → {comp.code} L{level}")
        return _after_change(session, actor=actor, alignment=alignment, standard=standard,
                             note=f"alignment {comp.code} level {level}")


@retry_transient
def remove_alignment(engine: Engine, *, actor: Actor, alignment_id: int, expected_version: int) -> dict[str, Any]:
    """Delete an alignment (the standard's editors, or the proposer withdrawing an open proposal)."""
    with session_scope(engine) as session:
        alignment, standard = _load_locked(session, alignment_id)
        if not _may_remove(session, actor, alignment):
            raise _denied(actor, "alignment.remove")
        if standard is not None and standard.status == "approved":
            raise invalid("standards.error.frozen", f"revision {standard.revision} is approved and frozen",
                          field="status", revision=standard.revision)
        # the version check runs as a conditional UPDATE so a concurrent decision is never lost
        before = audit.snapshot(alignment)
        apply_changes(session, alignment, expected_version=expected_version, changes={})
        comp = session.get(Competency, alignment.competency_id)
        audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action="delete",
                     before=before, program_id=session.get(Course, alignment.course_id).program_id,
                     summary=f"{alignment.target} → {comp.code}")
        if alignment.unit_id or alignment.objective_id:
            to = ("unit", alignment.unit_id) if alignment.unit_id else ("objective", alignment.objective_id)
        else:
            to = ("competency", alignment.competency_id)
        reattach_comments(session, actor=actor, entity_type="alignment", ids=[alignment.id], to=to,
                          program_id=session.get(Course, alignment.course_id).program_id)
        session.delete(alignment)
        session.flush()
        result = {"id": alignment_id, "deleted": True}
        if standard is not None:
            result["standard"] = record_content_change(session, actor=actor, standard=standard,
                                                       note=f"alignment {comp.code} removed")
        return result


@retry_transient
def decide_alignment(
    engine: Engine, *, actor: Actor, alignment_id: int, expected_version: int, decision: str, reason: str = "",
) -> dict[str, Any]:
    """Accept or reject an alignment for the side that did not propose it; a reject needs a reason."""
    if decision not in DECISIONS:
        raise invalid("alignments.error.decision", "decision must be accept or reject", field="decision")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise invalid("alignments.error.reason_required", "a rejection needs a reason", field="reason")
    with session_scope(engine) as session:
        alignment, standard = _load_locked(session, alignment_id)
        if not may_decide(session, actor, alignment):
            raise _denied(actor, "alignment.decide", side=deciding_side(alignment) or "")
        if standard is not None and standard.status == "approved":
            raise invalid("standards.error.frozen", f"revision {standard.revision} is approved and frozen",
                          field="status", revision=standard.revision)
        before = audit.snapshot(alignment)
        status = ACCEPTED if decision == "accept" else REJECTED
        apply_changes(session, alignment, expected_version=expected_version,
                      changes=decide(status, decided_by_id=actor.id, reason=reason))
        comp = session.get(Competency, alignment.competency_id)
        audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action=decision,
                     before=before, after=audit.snapshot(alignment),
                     program_id=session.get(Course, alignment.course_id).program_id,
                     summary=f"{alignment.target} → {comp.code} {status}" + (f": {reason[:200]}" if reason else ""))
        notifications.alignment_decided(session, actor=actor, alignment=alignment, competency=comp)
        return _after_change(session, actor=actor, alignment=alignment, standard=standard,
                             note=f"alignment {comp.code} {status}")


# --------------------------------------------------------------------------- queries


def _levels(session: Session, program_id: int, competency_ids: set[int] | None = None) -> dict[int, int]:
    query = (select(Alignment.competency_id, func.max(Alignment.level)).join(Course, Course.id == Alignment.course_id)
             .where(Course.program_id == program_id, counted_alignments(Alignment.status))
             .group_by(Alignment.competency_id))
    if competency_ids is not None:
        query = query.where(Alignment.competency_id.in_(competency_ids or {-1}))
    return dict(session.exec(query).all())


def search_competencies(
    engine: Engine, *, program_id: int, query: str, limit: int = 20, include_retired: bool = False,
) -> list[dict[str, Any]]:
    """Competencies (leaves) matching every word of ``query`` as a code prefix or in the statement.

    Each hit carries its task and area, ``required_level`` and ``coverage_level``: the
    programme's current coverage (highest non-rejected level over all courses, 0 if none).
    Exact code matches come first, then code-prefix matches, then by code.
    """
    words = [w.lower() for w in normalize_text(query).split()]
    with session_scope(engine) as session:
        nodes = session.exec(select(Competency).where(Competency.program_id == program_id)).all()
        by_id = {n.id: n for n in nodes}
        needle = normalize_text(query).lower()
        hits = []
        for n in nodes:
            if n.kind != "competency" or (n.status == "retired" and not include_retired):
                continue
            code, statement = n.code.lower(), n.statement.lower()
            # each word is a code prefix or part of the statement ("2.1 示教" works; "1.2" ≠ "1.1.2")
            if words and not all(code.startswith(w) or w in statement for w in words):
                continue
            rank = 0 if n.code.lower() == needle else 1 if needle and n.code.lower().startswith(needle) else 2
            hits.append((rank, code_sort_key(n.code), n))
        hits.sort(key=lambda h: (h[0], h[1]))
        hits = hits[:max(limit, 0)]
        levels = _levels(session, program_id, {n.id for _, _, n in hits})
        out = []
        for _, _, n in hits:
            task = by_id.get(n.parent_id)
            area = by_id.get(task.parent_id) if task else None
            out.append({
                "id": n.id, "code": n.code, "statement": n.statement, "comp_type": n.comp_type,
                "importance": n.importance, "status": n.status,
                "required_level": n.required_level or required_level_from_importance(n.importance),
                "coverage_level": levels.get(n.id, 0),
                "task_code": task.code if task else "", "task": task.statement if task else "",
                "area_code": area.code if area else "", "area": area.statement if area else "",
            })
        return out


def _target_labels(session: Session, alignments: list[Alignment]) -> dict[int, tuple[str, str, int | None]]:
    """alignment id → (target_type, label, standard_id)."""
    unit_ids = {a.unit_id for a in alignments if a.unit_id}
    objective_ids = {a.objective_id for a in alignments if a.objective_id}
    units = {u.id: u for u in session.exec(select(LearningUnit).where(LearningUnit.id.in_(unit_ids or {-1}))).all()}
    objectives = {o.id: o for o in session.exec(select(Objective).where(Objective.id.in_(objective_ids or {-1}))).all()}
    out = {}
    for a in alignments:
        if a.unit_id:
            u = units[a.unit_id]
            out[a.id] = ("unit", u.title, u.standard_id)
        elif a.objective_id:
            o = objectives[a.objective_id]
            out[a.id] = ("objective", f"{o.code} {o.text}".strip(), o.standard_id)
        else:
            out[a.id] = ("course", "", None)
    return out


def alignments_for_standard(engine: Engine, *, standard_id: int, actor: Actor | None = None) -> list[dict[str, Any]]:
    """Every unit and objective alignment of a standard with provenance (who proposed, from which
    side, who decided and why) and the competency's programme coverage level, by target then code.
    ``may_decide`` on each row: an open proposal ``actor`` may accept or reject (``may_decide``;
    False without an actor)."""
    with session_scope(engine) as session:
        standard = session.get(CourseStandard, standard_id)
        if standard is None:
            raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
        course = session.get(Course, standard.course_id)
        unit_ids = session.exec(select(LearningUnit.id).where(LearningUnit.standard_id == standard_id)).all()
        objective_ids = session.exec(select(Objective.id).where(Objective.standard_id == standard_id)).all()
        rows = session.exec(select(Alignment, Competency).join(Competency, Competency.id == Alignment.competency_id)
                            .where(Alignment.unit_id.in_(unit_ids or [-1]) |
                                   Alignment.objective_id.in_(objective_ids or [-1]))).all()
        return _alignment_rows(session, course.program_id, rows, actor=actor)


def _alignment_rows(session: Session, program_id: int, rows: list[tuple[Alignment, Competency]],
                    actor: Actor | None = None) -> list[dict[str, Any]]:
    names = dict(session.exec(select(User.id, User.display_name)).all())
    labels = _target_labels(session, [a for a, _ in rows])
    levels = _levels(session, program_id, {c.id for _, c in rows})
    decides: dict[tuple[str | None, int], bool] = {}  # the rule depends on the proposing side and the course only

    def decidable(a: Alignment) -> bool:
        if actor is None or a.status != PROPOSED:
            return False
        key = (a.proposed_side, a.course_id)
        if key not in decides:
            decides[key] = may_decide(session, actor, a)
        return decides[key]

    out = []
    for a, c in rows:
        target_type, label, standard_id = labels[a.id]
        out.append({
            "id": a.id, "course_id": a.course_id, "standard_id": standard_id, "target": a.target,
            "target_type": target_type, "target_label": label, "unit_id": a.unit_id, "objective_id": a.objective_id,
            "competency_id": c.id, "code": c.code, "statement": c.statement, "competency_status": c.status,
            "level": a.level, "status": a.status, "proposed_side": a.proposed_side,
            "proposed_by": names.get(a.proposed_by_id, ""), "decided_by": names.get(a.decided_by_id, ""),
            "decided_at": a.decided_at.isoformat() if a.decided_at else None, "reason": a.reason,
            "deciding_side": deciding_side(a), "may_decide": decidable(a), "coverage_level": levels.get(c.id, 0),
            "version": a.version, "created_at": a.created_at.isoformat() if a.created_at else None,
        })
    return sorted(out, key=lambda r: (r["target_type"], r["target"], code_sort_key(r["code"])))


def review_queue(engine: Engine, *, actor: Actor, program_id: int) -> dict[str, Any]:
    """What waits for ``actor``'s side in a programme.

    ``alignments``: open proposals from the other side that ``actor`` may decide (not in
    approved revisions), oldest first, with course code and target labels. ``comments``:
    unresolved threads whose last message came from the other side (see
    ``services.comments.awaiting``). Returns ``{alignments, comments, counts}``.
    """
    from services.comments import awaiting

    with session_scope(engine) as session:
        query = (select(Alignment, Competency).join(Competency, Competency.id == Alignment.competency_id)
                 .join(Course, Course.id == Alignment.course_id)
                 .where(Course.program_id == program_id, Alignment.status == "proposed"))
        if not actor.is_admin:
            other = "enterprise" if actor.side == "school" else "school"
            query = query.where((Alignment.proposed_side == other) | (Alignment.proposed_side == None))  # noqa: E711
        if actor.role == "faculty":
            query = query.join(CourseOwner, (CourseOwner.course_id == Course.id) & (CourseOwner.user_id == actor.id))
        rows = [(a, c) for a, c in session.exec(query).all() if may_decide(session, actor, a)]
        frozen = set(session.exec(select(CourseStandard.id).join(Course, Course.id == CourseStandard.course_id)
                                  .where(Course.program_id == program_id, CourseStandard.status == "approved")).all())
        courses = dict(session.exec(select(Course.id, Course.code).where(Course.program_id == program_id)).all())
        items = [r for r in _alignment_rows(session, program_id, rows) if r["standard_id"] not in frozen]
        for item in items:
            item["course_code"] = courses.get(item["course_id"], "")
        items.sort(key=lambda r: (r["created_at"] or "", r["id"]))
    threads = awaiting(engine, actor=actor, program_id=program_id)
    return {"alignments": items, "comments": threads,
            "counts": {"alignments": len(items), "comments": len(threads)}}


def move_to_competency(session: Session, *, actor: Actor, from_id: int, to_id: int) -> dict[str, int]:
    """Inside the caller's transaction (a merge of duplicate competencies): every alignment of ``from_id``
    now points at ``to_id``. Where ``to_id`` already has one on the same target, the stronger level is
    kept on ``to_id``'s link and ``from_id``'s is deleted. Standards whose alignments changed get a new
    version (refused once approved, as every alignment change). Returns ``{"moved", "merged"}``."""
    theirs = {a.target: a for a in session.exec(select(Alignment).where(Alignment.competency_id == to_id)).all()}
    moved = merged = 0
    standards: dict[int, CourseStandard] = {}
    for alignment in session.exec(select(Alignment).where(Alignment.competency_id == from_id)).all():
        _, standard = _load_locked(session, alignment.id)  # the standard first: the one lock order
        if standard is not None:
            ensure_editable(standard)
            standards[standard.id] = standard
        before = audit.snapshot(alignment)
        other = theirs.get(alignment.target)
        if other is None:
            alignment.competency_id, alignment.version = to_id, alignment.version + 1
            session.add(alignment)
            audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action="update",
                         before=before, after=audit.snapshot(alignment), summary=f"merge → competency {to_id}")
            moved += 1
            continue
        if alignment.level > other.level:
            other_before = audit.snapshot(other)
            # the one level-change rule: a decided alignment whose level rises is reopened for the other side
            apply_changes(session, other, expected_version=other.version,
                          changes=level_change(other_before, alignment.level, actor=actor) or {"level": alignment.level})
            session.refresh(other)
            audit.record(session, actor=actor, entity_type="alignment", entity_id=other.id, action="update",
                         before=other_before, after=audit.snapshot(other), summary="merge: stronger level kept")
        session.delete(alignment)
        audit.record(session, actor=actor, entity_type="alignment", entity_id=alignment.id, action="delete",
                     before=before, summary=f"merge into competency {to_id}")
        merged += 1
    session.flush()
    for standard in standards.values():
        record_content_change(session, actor=actor, standard=standard, note="merge of duplicate competencies")
    return {"moved": moved, "merged": merged}
