"""Alignment suggestions (issue 15): which competencies a unit or objective may build, and back.

Offline and explainable: a character n-gram TF-IDF index of the programme's competencies
(``services.suggestion_index``) ranks them for a text; each suggestion carries its score, the
block contributions and the matched terms of the statement (for highlighting). Nothing is
downloaded at run time.

Rules (enforced here):
- Suggested are the programme's competencies (leaves, not retired) that the target is not
  already aligned to (in any status) and that nobody rejected as a suggestion for it.
- Accepting creates a *proposed* alignment through ``services.alignments.propose_alignment``
  (its permission and frozen-revision rules apply) at a suggested level the user can change;
  rejecting needs the same right to propose. Either is stored as a ``SuggestionDecision``
  (deciding again replaces it) with an audit record, and becomes evidence for the ranking:
  accepted texts pull their competency up for similar texts, rejected ones push it down.
- The index is cached per programme and rebuilt when its fingerprint changes: count, highest
  id and sum of versions of the programme's competencies and of its decisions, so an edited
  statement or a new decision is seen by the next suggestion.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    Alignment,
    Competency,
    Course,
    CourseStandard,
    LearningUnit,
    Objective,
    Program,
    SuggestionDecision,
)
from models.enums import SIDES, SUGGESTION_DECISIONS
from models.tables import alignment_target, utcnow
from services import audit
from services.actor import Actor
from services.alignments import may_propose, propose_alignment, propose_in
from services.db import session_scope
from services.errors import NotFound, PermissionDenied, ValidationFailed, field_error
from services.outline import code_sort_key, required_level_from_importance
from services.rows import kept_columns, raise_any, unknown_value
from services.standards import invalid, record_content_change
from services.suggestion_index import Document, SuggestionIndex, weights_for
from services.versioning import apply_changes

DECISIONS = SUGGESTION_DECISIONS
DEFAULT_TOP = 10
# a standard-wide table shows this many suggestions per unit or objective
PER_TARGET = 3
_CACHE_SIZE = 8
_cache: OrderedDict[tuple[str, int], SuggestionIndex] = OrderedDict()
_cache_lock = threading.Lock()


# --------------------------------------------------------------------------- index and cache


def programme_fingerprint(session: Session, program_id: int) -> tuple:
    """(count, highest id, sum of versions) of the programme's competencies and of its decisions."""
    nodes = session.exec(select(func.count(), func.max(Competency.id), func.sum(Competency.version))
                         .where(Competency.program_id == program_id)).one()
    decisions = session.exec(select(func.count(), func.max(SuggestionDecision.id),
                                    func.sum(SuggestionDecision.version))
                             .where(SuggestionDecision.program_id == program_id)).one()
    return (program_id, *tuple(nodes), *tuple(decisions))


def _documents(session: Session, program_id: int) -> list[Document]:
    nodes = session.exec(select(Competency).where(Competency.program_id == program_id)).all()
    by_id = {n.id: n for n in nodes}
    evidence: dict[int, dict[str, list[str]]] = {}
    for d in session.exec(select(SuggestionDecision).where(SuggestionDecision.program_id == program_id)
                          .order_by(SuggestionDecision.id)).all():
        evidence.setdefault(d.competency_id, {"accept": [], "reject": []})[d.decision].append(d.text)
    leaves = sorted((n for n in nodes if n.kind == "competency" and n.status != "retired"),
                    key=lambda n: code_sort_key(n.code))
    documents = []
    for n in leaves:
        task = by_id.get(n.parent_id)
        area = by_id.get(task.parent_id) if task else None
        found = evidence.get(n.id, {"accept": [], "reject": []})
        documents.append(Document(
            id=n.id, code=n.code, statement=n.statement,
            context=" ".join(x.statement for x in (task, area) if x is not None),
            accepted=found["accept"], rejected=found["reject"],
            extra={"comp_type": n.comp_type, "importance": n.importance, "required_level": n.required_level,
                   "task_code": task.code if task else "", "task": task.statement if task else "",
                   "area_code": area.code if area else "", "area": area.statement if area else ""}))
    return documents


def competency_index(engine: Engine, *, program_id: int) -> SuggestionIndex:
    """The programme's suggestion index, rebuilt only when its fingerprint changed."""
    with session_scope(engine) as session:
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"programme {program_id} not found", program_id=program_id)
        fingerprint = programme_fingerprint(session, program_id)
        key = (str(engine.url), program_id)
        with _cache_lock:
            cached = _cache.get(key)
            if cached is not None and cached.fingerprint == fingerprint:
                _cache.move_to_end(key)
                return cached
        documents = _documents(session, program_id)
        language = program.language
    index = SuggestionIndex(documents, weights=weights_for(language), fingerprint=fingerprint)
    with _cache_lock:
        _cache[key] = index
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return index


def clear_cache() -> None:
    """Forget every cached index (tests, benchmarks)."""
    with _cache_lock:
        _cache.clear()


def suggested_level(document: Document) -> int:
    """The level an accepted suggestion starts at: the competency's required level (1–3)."""
    return document.extra.get("required_level") or required_level_from_importance(document.extra.get("importance"))


def _rows(index: SuggestionIndex, text: str, *, top: int, exclude: set[int]) -> list[dict[str, Any]]:
    out = []
    for hit in index.rank(text, top=top, exclude=exclude):
        doc = index.documents[hit.row]
        out.append({
            "competency_id": doc.id, "code": doc.code, "statement": doc.statement, "score": round(hit.score, 4),
            "matched": index.matched(text, hit.row), "parts": hit.parts,
            "evidence": {"accepted": len(doc.accepted), "rejected": len(doc.rejected)},
            "suggested_level": suggested_level(doc), **doc.extra})
    return out


# --------------------------------------------------------------------------- queries


def suggest_for_text(engine: Engine, *, program_id: int, text: str, top: int = DEFAULT_TOP,
                     exclude_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """The ``top`` competencies of a programme for a free text, best first.

    Each row: ``competency_id, code, statement, score, matched`` (terms of the statement shared
    with the text), ``parts`` (score per block), ``evidence`` (decisions behind it),
    ``suggested_level``, type, importance, task and area.
    """
    if top < 1:
        raise invalid("suggest.error.top", "top must be at least 1", field="top")
    index = competency_index(engine, program_id=program_id)
    return _rows(index, text or "", top=top, exclude=set(exclude_ids or ()))


def _target(session: Session, *, unit_id: int | None, objective_id: int | None) -> dict[str, Any]:
    if (unit_id is None) == (objective_id is None):
        raise invalid("alignments.error.target", "give exactly one of unit or objective", field="target")
    row = session.get(LearningUnit, unit_id) if unit_id is not None else session.get(Objective, objective_id)
    if row is None:
        raise NotFound(f"{'unit' if unit_id is not None else 'objective'} not found")
    standard = session.get(CourseStandard, row.standard_id)
    course = session.get(Course, standard.course_id)
    if unit_id is not None:
        text = "\n".join(x for x in (row.title, row.content, row.learning_tasks) if x)
        label = row.title
    else:
        text, label = row.text, f"{row.code} {row.text}".strip()
    target = alignment_target(course_id=course.id, unit_id=unit_id, objective_id=objective_id)
    return {"target": target, "unit_id": unit_id, "objective_id": objective_id, "text": text, "label": label,
            "standard_id": standard.id, "course_id": course.id, "program_id": course.program_id,
            "frozen": standard.status == "approved"}


def _excluded(session: Session, targets: list[str]) -> dict[str, set[int]]:
    """target → competencies not to suggest: already aligned (any status) or rejected as a suggestion."""
    out: dict[str, set[int]] = {t: set() for t in targets}
    if not targets:
        return out
    for target, competency_id in session.exec(select(Alignment.target, Alignment.competency_id)
                                              .where(Alignment.target.in_(targets))).all():
        out[target].add(competency_id)
    for target, competency_id in session.exec(
            select(SuggestionDecision.target, SuggestionDecision.competency_id)
            .where(SuggestionDecision.target.in_(targets), SuggestionDecision.decision == "reject")).all():
        out[target].add(competency_id)
    return out


def suggest_for_target(engine: Engine, *, unit_id: int | None = None, objective_id: int | None = None,
                       top: int = DEFAULT_TOP) -> dict[str, Any]:
    """Suggestions for one learning unit or objective: ``{target, label, text, ..., suggestions}``.

    Competencies it is already aligned to, and pairs rejected as suggestions, are left out.
    """
    with session_scope(engine) as session:
        target = _target(session, unit_id=unit_id, objective_id=objective_id)
        exclude = _excluded(session, [target["target"]])[target["target"]]
    index = competency_index(engine, program_id=target["program_id"])
    return {**target, "suggestions": _rows(index, target["text"], top=top, exclude=exclude)}


def _standard_targets(session: Session, standard_id: int) -> list[dict[str, Any]]:
    standard = session.get(CourseStandard, standard_id)
    if standard is None:
        raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
    units = session.exec(select(LearningUnit.id).where(LearningUnit.standard_id == standard_id)
                         .order_by(LearningUnit.sort_order, LearningUnit.id)).all()
    objectives = session.exec(select(Objective.id).where(Objective.standard_id == standard_id)
                              .order_by(Objective.sort_order, Objective.id)).all()
    return ([_target(session, unit_id=u, objective_id=None) for u in units]
            + [_target(session, unit_id=None, objective_id=o) for o in objectives])


def standard_targets(engine: Engine, *, standard_id: int) -> list[dict[str, Any]]:
    """The units (in order) then objectives of a standard as ``{target, unit_id, objective_id, label, text}``."""
    with session_scope(engine) as session:
        return _standard_targets(session, standard_id)


def suggest_for_standard(engine: Engine, *, standard_id: int, per_target: int = PER_TARGET) -> list[dict[str, Any]]:
    """A suggested set of alignments for every unit and objective of a standard, for review in one table.

    One row per (target, competency): ``target, target_type, unit_id, objective_id, label`` and
    the suggestion fields of ``suggest_for_text``; units first, then objectives, best first.
    """
    with session_scope(engine) as session:
        targets = _standard_targets(session, standard_id)
        exclude = _excluded(session, [t["target"] for t in targets])
        program_id = session.get(Course, session.get(CourseStandard, standard_id).course_id).program_id
    index = competency_index(engine, program_id=program_id)
    rows = []
    for t in targets:
        for s in _rows(index, t["text"], top=per_target, exclude=exclude[t["target"]]):
            rows.append({"target": t["target"], "target_type": "unit" if t["unit_id"] else "objective",
                         "unit_id": t["unit_id"], "objective_id": t["objective_id"], "label": t["label"], **s})
    return rows


def suggest_targets_for_competency(engine: Engine, *, competency_id: int, top: int = DEFAULT_TOP) -> dict[str, Any]:
    """Units and objectives of the programme's course standards (latest revision of each course)
    that may build a competency, best first, to close a coverage gap.

    Targets already aligned to it, or that rejected it as a suggestion, are left out. Each row
    carries ``score`` and ``matched`` (terms of the unit or objective text shared with the
    competency and its task); ``suggested_level`` is the competency's required level.
    """
    with session_scope(engine) as session:
        comp = session.get(Competency, competency_id)
        if comp is None or comp.kind != "competency":
            raise NotFound(f"competency {competency_id} not found", competency_id=competency_id)
        task = session.get(Competency, comp.parent_id) if comp.parent_id else None
        program = session.get(Program, comp.program_id)
        latest = (select(CourseStandard.course_id, func.max(CourseStandard.revision).label("revision"))
                  .join(Course, Course.id == CourseStandard.course_id)
                  .where(Course.program_id == comp.program_id).group_by(CourseStandard.course_id)).subquery()
        standards = session.exec(select(CourseStandard, Course.code, Course.name)
                                 .join(latest, (latest.c.course_id == CourseStandard.course_id)
                                       & (latest.c.revision == CourseStandard.revision))
                                 .join(Course, Course.id == CourseStandard.course_id)).all()
        targets = []
        for standard, course_code, course_name in sorted(standards, key=lambda r: code_sort_key(r[1])):
            for t in _standard_targets(session, standard.id):
                targets.append({**t, "course_code": course_code, "course_name": course_name})
        aligned = set(session.exec(select(Alignment.target).where(Alignment.competency_id == comp.id)).all())
        rejected = set(session.exec(select(SuggestionDecision.target).where(
            SuggestionDecision.competency_id == comp.id, SuggestionDecision.decision == "reject")).all())
        query = f"{comp.statement} {task.statement if task else ''}"
        language = program.language
        level = comp.required_level or required_level_from_importance(comp.importance)
    candidates = [t for t in targets if t["target"] not in aligned | rejected]
    documents = [Document(id=n, code=t["target"], statement=t["text"]) for n, t in enumerate(candidates)]
    index = SuggestionIndex(documents, weights=weights_for(language))
    rows = []
    for hit in index.rank(query, top=top):
        t = candidates[hit.row]
        rows.append({**{k: t[k] for k in ("target", "unit_id", "objective_id", "label", "text", "standard_id",
                                          "course_id", "course_code", "course_name", "frozen")},
                     "target_type": "unit" if t["unit_id"] else "objective", "score": round(hit.score, 4),
                     "matched": index.matched(query, hit.row)})
    return {"competency_id": comp.id, "code": comp.code, "statement": comp.statement, "suggested_level": level,
            "suggestions": rows}


# --------------------------------------------------------------------------- decisions


DECISION_KEPT_COLUMNS = ("decided_at", "version")


def new_decision_row(*, program_id: int, competency_id: int, course_id: int, unit_id: int | None,
                     objective_id: int | None, decision: str, text: str = "", score: float = 0.0,
                     alignment_id: int | None = None, decided_by_id: int | None, decided_side: str | None,
                     **kept: Any) -> dict[str, Any]:
    """The columns of a suggestion decision, the one rule for the suggestion panel and restore: on a unit or
    an objective (its target key from ``alignment_target``), accept or reject, the deciding side known
    (``ValidationFailed``); ``decided_at`` and ``version`` kept when given. Pure: no session."""
    raise_any([None if (unit_id is None) != (objective_id is None) else
               field_error("target", "error.field.unknown_value", "target: a unit or an objective", value="course"),
               unknown_value("decision", decision, SUGGESTION_DECISIONS),
               unknown_value("decided_side", decided_side, SIDES, nullable=True)])
    return {"program_id": program_id, "competency_id": competency_id,
            "target": alignment_target(course_id=course_id, unit_id=unit_id, objective_id=objective_id),
            "unit_id": unit_id, "objective_id": objective_id, "decision": decision, "text": text or "",
            "score": float(score or 0.0), "alignment_id": alignment_id, "decided_by_id": decided_by_id,
            "decided_side": decided_side, **kept_columns(kept, DECISION_KEPT_COLUMNS, "suggestion decision")}


def _record_decision(session: Session, *, actor: Actor, target: dict[str, Any], competency: Competency,
                     decision: str, score: float, alignment_id: int | None, reason: str = "") -> SuggestionDecision:
    existing = session.exec(select(SuggestionDecision).where(SuggestionDecision.competency_id == competency.id,
                                                             SuggestionDecision.target == target["target"])).first()
    values = {"decision": decision, "text": target["text"], "score": float(score or 0.0),
              "alignment_id": alignment_id, "decided_by_id": actor.id, "decided_side": actor.side,
              "decided_at": utcnow()}
    if existing is not None:
        before = audit.snapshot(existing)
        apply_changes(session, existing, expected_version=existing.version, changes=values)
        row = existing
    else:
        before = None
        row = SuggestionDecision(**new_decision_row(program_id=target["program_id"], competency_id=competency.id,
                                                    course_id=target["course_id"], unit_id=target["unit_id"],
                                                    objective_id=target["objective_id"], **values))
        session.add(row)
        session.flush()
    audit.record(session, actor=actor, entity_type="suggestion", entity_id=row.id, action=decision,
                 before=before, after=audit.snapshot(row), program_id=target["program_id"],
                 summary=f"{target['target']} → {competency.code} {decision}ed"
                 + (f": {reason[:200]}" if reason else ""))
    return row


def _competency_for(session: Session, target: dict[str, Any], competency_id: int) -> Competency:
    comp = session.get(Competency, competency_id)
    if comp is None or comp.kind != "competency" or comp.program_id != target["program_id"]:
        raise invalid("standards.error.unknown_competency", f"{competency_id} is not a competency of this programme",
                      field="competency", code=str(competency_id))
    return comp


def accept_suggestion(engine: Engine, *, actor: Actor, competency_id: int, unit_id: int | None = None,
                      objective_id: int | None = None, level: int | None = None, score: float = 0.0) -> dict[str, Any]:
    """Accept a suggestion: a *proposed* alignment (through the alignment service) at ``level``
    (default: the competency's required level), and the decision stored as evidence.

    Returns ``{"alignment": …, "decision": …}``; the alignment dict carries ``standard`` version info.
    """
    with session_scope(engine) as session:
        target = _target(session, unit_id=unit_id, objective_id=objective_id)
        comp = _competency_for(session, target, competency_id)
        default_level = comp.required_level or required_level_from_importance(comp.importance)
    alignment = propose_alignment(engine, actor=actor, level=level if level is not None else default_level,
                                  competency_id=competency_id, unit_id=unit_id, objective_id=objective_id)
    with session_scope(engine) as session:
        comp = session.get(Competency, competency_id)
        row = _record_decision(session, actor=actor, target=target, competency=comp, decision="accept",
                               score=score, alignment_id=alignment["id"])
        decision = audit.snapshot(row)
    return {"alignment": alignment, "decision": decision}


def reject_suggestion(engine: Engine, *, actor: Actor, competency_id: int, unit_id: int | None = None,
                      objective_id: int | None = None, score: float = 0.0, reason: str = "") -> dict[str, Any]:
    """Reject a suggestion: it is not suggested for this unit/objective again and counts against
    the competency for similar texts. Needs the right to propose alignments for the course."""
    with session_scope(engine) as session:
        target = _target(session, unit_id=unit_id, objective_id=objective_id)
        if not may_propose(session, actor, target["course_id"]):
            raise PermissionDenied(f"{actor.username} ({actor.role}) may not decide suggestions here",
                                   action="suggestion.reject", role=actor.role)
        comp = _competency_for(session, target, competency_id)
        row = _record_decision(session, actor=actor, target=target, competency=comp, decision="reject",
                               score=score, alignment_id=None, reason=(reason or "").strip())
        return audit.snapshot(row) or {}


def review_choices(rows: list[dict[str, Any]], edited: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The whole-standard review table's edits (pure): ``rows`` as ``suggest_for_standard`` gives
    them now, ``edited`` the table's rows (``target``, ``competency_id``, ``accept`` / ``reject``
    ticks, ``level``), matched to ``rows`` by (target, competency) rather than position.

    Returns ``{"accepted": [...], "rejected": [...]}`` as ``review_standard_suggestions`` takes
    them. Refused (``ValidationFailed`` naming the 1-based table row): a row ticked both ways,
    and a ticked row that is no longer suggested (the table changed meanwhile).
    """
    current = {(r["target"], int(r["competency_id"])): r for r in rows}
    accepted, rejected, errors = [], [], []
    for n, edit in enumerate(edited, start=1):
        accept, reject = bool(edit.get("accept")), bool(edit.get("reject"))
        if not accept and not reject:
            continue
        row = current.get((edit.get("target"), int(edit.get("competency_id") or 0)))
        if row is None:
            errors.append(invalid("suggest.error.table_changed", f"row {n} is no longer suggested", field="table",
                                  row=n).errors[0])
        elif accept and reject:
            errors.append(invalid("suggest.error.both", f"row {n}: accept or reject, not both", field="accept",
                                  row=n, n=n, code=row["code"]).errors[0])
        else:
            choice = {"unit_id": row.get("unit_id"), "objective_id": row.get("objective_id"),
                      "competency_id": int(row["competency_id"]), "score": row.get("score", 0.0)}
            if accept:
                level = edit.get("level")
                level = row["suggested_level"] if level is None or level != level or level == "" else int(level)
                accepted.append({**choice, "level": level})
            else:
                rejected.append(choice)
    if errors:
        exc = ValidationFailed(errors)
        exc.key, exc.params = errors[0].params["key"], errors[0].params
        raise exc
    return {"accepted": accepted, "rejected": rejected}


def review_standard_suggestions(engine: Engine, *, actor: Actor, standard_id: int,
                                accepted: list[dict[str, Any]] = (), rejected: list[dict[str, Any]] = ()
                                ) -> dict[str, Any]:
    """Save the whole-standard review table in one transaction.

    Each ``accepted`` row (``unit_id`` or ``objective_id``, ``competency_id``, ``level``,
    ``score``) becomes a *proposed* alignment through the alignment service's rules
    (``services.alignments.propose_in``) and an accept decision; each ``rejected`` row a reject
    decision (never suggested for that target again). The standard gets one new version for the
    batch. Any refused row (permission, frozen revision, duplicate, a target of another
    standard) leaves nothing written. Returns ``{accepted, rejected, standard}``.
    """
    accepted, rejected = list(accepted), list(rejected)
    if not accepted and not rejected:
        return {"accepted": 0, "rejected": 0, "standard": None}
    with session_scope(engine) as session:
        standard = session.get(CourseStandard, standard_id)
        if standard is None:
            raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)

        def target_of(row: dict[str, Any]) -> dict[str, Any]:
            target = _target(session, unit_id=row.get("unit_id"), objective_id=row.get("objective_id"))
            if target["standard_id"] != standard_id:
                raise invalid("suggest.error.other_standard", f"{target['target']} is not in this standard",
                              field="target", target=target["target"])
            return target

        codes = []
        for row in accepted:
            target = target_of(row)
            comp = _competency_for(session, target, row["competency_id"])
            level = row.get("level") or comp.required_level or required_level_from_importance(comp.importance)
            alignment, _ = propose_in(session, actor=actor, level=level, competency_id=comp.id,
                                      unit_id=target["unit_id"], objective_id=target["objective_id"])
            _record_decision(session, actor=actor, target=target, competency=comp, decision="accept",
                             score=row.get("score", 0.0), alignment_id=alignment.id)
            codes.append(comp.code)
        for row in rejected:
            target = target_of(row)
            if not may_propose(session, actor, target["course_id"]):
                raise PermissionDenied(f"{actor.username} ({actor.role}) may not decide suggestions here",
                                       action="suggestion.reject", role=actor.role)
            comp = _competency_for(session, target, row["competency_id"])
            _record_decision(session, actor=actor, target=target, competency=comp, decision="reject",
                             score=row.get("score", 0.0), alignment_id=None)
        change = record_content_change(session, actor=actor, standard=standard,
                                       note=f"suggested alignments {', '.join(codes)} proposed") if codes else None
    return {"accepted": len(accepted), "rejected": len(rejected), "standard": change}


def decisions(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """Every suggestion decision of a programme with the competency code, newest first."""
    with session_scope(engine) as session:
        rows = session.exec(select(SuggestionDecision, Competency.code)
                            .join(Competency, Competency.id == SuggestionDecision.competency_id)
                            .where(SuggestionDecision.program_id == program_id)
                            .order_by(SuggestionDecision.id.desc())).all()
        return [{**(audit.snapshot(d) or {}), "code": code} for d, code in rows]
