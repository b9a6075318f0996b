"""Comment threads on a standard, one of its sections, a unit, an objective, an alignment or a competency.

A thread is a root comment (``parent_id`` NULL) and its replies; the root carries the
resolved flag. Sections of a standard are stored as ``entity_type`` "section:<name>" with
``entity_id`` the standard id (names from ``services.standards.SECTIONS``, so the value stays
well under the column's 32 characters and stays indexable); the API takes
``entity_type="section"`` plus ``section=<name>`` and gives the same back.

Anyone with ``comment.write`` (every role) may start, answer, resolve and reopen threads; a
reply to a resolved thread reopens it. Comments are never edited or deleted (an audit trail of
the review). A thread "awaits" the side that did not write its last message.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Alignment, Comment, Competency, Course, CourseOwner, CourseStandard, LearningUnit, Objective, User
from models.tables import utcnow
from services import audit, notifications
from services.actor import Actor
from services.db import retry_transient, session_scope
from services.errors import NotFound
from services.permissions import require
from services.standards import SECTIONS, invalid
from services.textguard import FIELD_LIMITS
from services.versioning import apply_changes, deleted

ENTITY_TYPES = ("standard", "section", "unit", "objective", "alignment", "competency")
MAX_BODY = FIELD_LIMITS["comment"]["body"]  # the one table of limits (services.textguard)
SECTION_PREFIX = "section:"


def _stored_type(entity_type: str, section: str | None) -> str:
    if entity_type not in ENTITY_TYPES:
        raise invalid("comments.error.entity_type", f"cannot comment on {entity_type!r}", field="entity_type",
                      entity_type=entity_type)
    if entity_type == "section":
        if section not in SECTIONS:
            raise invalid("comments.error.section", f"unknown section {section!r}", field="section",
                          section=str(section))
        return SECTION_PREFIX + section
    return entity_type


def _public_type(stored: str) -> tuple[str, str | None]:
    if stored.startswith(SECTION_PREFIX):
        return "section", stored[len(SECTION_PREFIX):]
    return stored, None


def _clean_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise invalid("comments.error.empty", "a comment needs some text", field="body")
    if len(text) > MAX_BODY:
        raise invalid("comments.error.too_long", f"a comment holds at most {MAX_BODY} characters", field="body",
                      limit=MAX_BODY)
    return text


def takes_comments(stored_type: str) -> bool:
    """Whether a stored entity type (a section as ``section:<name>``) is one a comment may be about."""
    public, section = _public_type(stored_type)
    return public in ENTITY_TYPES and (public != "section" or section in SECTIONS)


COMMENT_KEPT_COLUMNS = ("parent_id", "resolved", "resolved_by_id", "resolved_at", "created_at", "version")


def new_comment_row(*, program_id: int, entity_type: str, entity_id: int, body: str, author_id: int | None,
                    author_side: str | None, **kept: Any) -> dict[str, Any]:
    """The columns of a new comment, the one rule for the editor (thread and reply) and restore:
    ``entity_type`` as stored (a section as ``section:<name>``) must be one that can take comments, the
    body is trimmed, non-empty and within its limit (``ValidationFailed``). ``parent_id`` and the
    resolution and timestamp columns are kept when given (restore). Pure: no session."""
    public, section = _public_type(entity_type)
    stored = _stored_type(public, section)
    unknown = sorted(set(kept) - set(COMMENT_KEPT_COLUMNS))
    if unknown:
        raise invalid("error.field.cannot_change", f"unknown comment fields: {', '.join(unknown)}", field="fields",
                      fields=", ".join(unknown))
    return {"program_id": program_id, "entity_type": stored, "entity_id": entity_id, "author_id": author_id,
            "author_side": author_side, "body": _clean_body(body),
            **{k: v for k, v in kept.items() if v is not None}}


def _context(session: Session, entity_type: str, entity_id: int) -> tuple[int, int | None]:
    """(program id, standard id or None) of a commented entity; ``NotFound`` if it does not exist."""
    standard_id: int | None = None
    course_id: int | None = None
    if entity_type in ("standard", "section"):
        standard_id = entity_id
    elif entity_type in ("unit", "objective"):
        row = session.get(LearningUnit if entity_type == "unit" else Objective, entity_id)
        standard_id = row.standard_id if row else None
        if row is None:  # units and objectives are deleted by saves: the commenter saw it a moment ago
            raise deleted(entity_type, entity_id)
    elif entity_type == "alignment":
        a = session.get(Alignment, entity_id)
        if a is None:
            raise deleted("alignment", entity_id)
        course_id = a.course_id
        if a.unit_id or a.objective_id:
            row = session.get(LearningUnit, a.unit_id) if a.unit_id else session.get(Objective, a.objective_id)
            standard_id = row.standard_id
    else:
        comp = session.get(Competency, entity_id)
        if comp is None:
            raise NotFound(f"competency {entity_id} not found")
        return comp.program_id, None
    if standard_id is not None:
        standard = session.get(CourseStandard, standard_id)
        if standard is None:
            raise NotFound(f"course standard {standard_id} not found")
        course_id = standard.course_id
    return session.get(Course, course_id).program_id, standard_id


def _root(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(f"comment {comment_id} not found", comment_id=comment_id)
    while comment.parent_id is not None:
        comment = session.get(Comment, comment.parent_id)
    return comment


def _message(c: Comment, names: dict[int, str]) -> dict[str, Any]:
    return {"id": c.id, "author_id": c.author_id, "author": names.get(c.author_id, ""), "author_side": c.author_side,
            "body": c.body, "created_at": c.created_at.isoformat()}


def _threads(session: Session, roots: list[Comment]) -> list[dict[str, Any]]:
    if not roots:
        return []
    names = dict(session.exec(select(User.id, User.display_name)).all())
    replies: dict[int, list[Comment]] = {}
    for r in session.exec(select(Comment).where(Comment.parent_id.in_([c.id for c in roots]))).all():
        replies.setdefault(r.parent_id, []).append(r)
    out = []
    for root in sorted(roots, key=lambda c: (c.created_at, c.id)):
        answers = sorted(replies.get(root.id, []), key=lambda c: (c.created_at, c.id))
        last = answers[-1] if answers else root
        entity_type, section = _public_type(root.entity_type)
        other = {"school": "enterprise", "enterprise": "school"}.get(last.author_side or "")
        out.append({
            **_message(root, names), "entity_type": entity_type, "entity_id": root.entity_id, "section": section,
            "program_id": root.program_id, "resolved": root.resolved,
            "resolved_by": names.get(root.resolved_by_id, ""),
            "resolved_at": root.resolved_at.isoformat() if root.resolved_at else None, "version": root.version,
            "replies": [_message(r, names) for r in answers], "last_side": last.author_side,
            "last_at": last.created_at.isoformat(), "awaiting_side": None if root.resolved else other,
        })
    return out


def _thread(session: Session, root: Comment) -> dict[str, Any]:
    return _threads(session, [root])[0]


# --------------------------------------------------------------------------- commands


@retry_transient
def add_comment(
    engine: Engine, *, actor: Actor, entity_type: str, entity_id: int, body: str, section: str | None = None,
) -> dict[str, Any]:
    """Start a thread on an entity (``entity_type`` in ``ENTITY_TYPES``; for "section" give the
    standard id and ``section``). Returns the thread."""
    require(actor, "comment.write")
    stored = _stored_type(entity_type, section)
    text = _clean_body(body)
    with session_scope(engine) as session:
        program_id, _ = _context(session, entity_type, entity_id)
        comment = Comment(**new_comment_row(program_id=program_id, entity_type=stored, entity_id=entity_id,
                                             author_id=actor.id, author_side=actor.side, body=text))
        session.add(comment)
        session.flush()
        audit.record(session, actor=actor, entity_type="comment", entity_id=comment.id, action="create",
                     after=audit.snapshot(comment), program_id=program_id,
                     summary=f"{stored} {entity_id}: {text[:200]}")
        notifications.comment_added(session, actor=actor, comment=comment)
        return _thread(session, comment)


@retry_transient
def reply(engine: Engine, *, actor: Actor, comment_id: int, body: str) -> dict[str, Any]:
    """Answer a thread (a reply to a reply joins the same thread); reopens a resolved thread."""
    require(actor, "comment.write")
    text = _clean_body(body)
    with session_scope(engine) as session:
        root = _root(session, comment_id)
        answer = Comment(**new_comment_row(program_id=root.program_id, entity_type=root.entity_type,
                                           entity_id=root.entity_id, parent_id=root.id, author_id=actor.id,
                                           author_side=actor.side, body=text))
        session.add(answer)
        session.flush()
        audit.record(session, actor=actor, entity_type="comment", entity_id=answer.id, action="reply",
                     after=audit.snapshot(answer), program_id=root.program_id,
                     summary=f"re #{root.id}: {text[:200]}")
        notifications.reply_added(session, actor=actor, root=root, answer=answer)
        if root.resolved:
            _set_resolved(session, actor=actor, root=root, expected_version=root.version, resolved=False)
        return _thread(session, root)


def _set_resolved(session: Session, *, actor: Actor, root: Comment, expected_version: int, resolved: bool) -> None:
    before = audit.snapshot(root)
    apply_changes(session, root, expected_version=expected_version, changes={
        "resolved": resolved, "resolved_by_id": actor.id if resolved else None,
        "resolved_at": utcnow() if resolved else None})
    audit.record(session, actor=actor, entity_type="comment", entity_id=root.id,
                 action="resolve" if resolved else "reopen", before=before, after=audit.snapshot(root),
                 program_id=root.program_id, summary=f"#{root.id} {'resolved' if resolved else 'reopened'}")


def resolve_thread(engine: Engine, *, actor: Actor, comment_id: int, expected_version: int) -> dict[str, Any]:
    """Mark a thread resolved (``expected_version`` is the root comment's version)."""
    return _resolve(engine, actor=actor, comment_id=comment_id, expected_version=expected_version, resolved=True)


def reopen_thread(engine: Engine, *, actor: Actor, comment_id: int, expected_version: int) -> dict[str, Any]:
    """Open a resolved thread again."""
    return _resolve(engine, actor=actor, comment_id=comment_id, expected_version=expected_version, resolved=False)


@retry_transient
def _resolve(engine: Engine, *, actor: Actor, comment_id: int, expected_version: int, resolved: bool) -> dict[str, Any]:
    require(actor, "comment.write")
    with session_scope(engine) as session:
        root = _root(session, comment_id)
        if root.resolved == resolved:
            raise invalid("comments.error.already_resolved" if resolved else "comments.error.not_resolved",
                          f"the thread is {'already' if resolved else 'not'} resolved", field="resolved")
        _set_resolved(session, actor=actor, root=root, expected_version=expected_version, resolved=resolved)
        return _thread(session, root)


# --------------------------------------------------------------------------- queries


def list_threads(
    engine: Engine, *, entity_type: str, entity_id: int, section: str | None = None, include_resolved: bool = True,
) -> list[dict[str, Any]]:
    """The threads on one entity, oldest first, each with its replies, ``last_side`` and ``awaiting_side``."""
    stored = _stored_type(entity_type, section)
    with session_scope(engine) as session:
        query = select(Comment).where(Comment.entity_type == stored, Comment.entity_id == entity_id,
                                      Comment.parent_id == None)  # noqa: E711
        if not include_resolved:
            query = query.where(Comment.resolved == False)  # noqa: E712
        return _threads(session, list(session.exec(query).all()))


def _standard_targets(session: Session, standard_id: int) -> dict[str, set[int]]:
    units = set(session.exec(select(LearningUnit.id).where(LearningUnit.standard_id == standard_id)).all())
    objectives = set(session.exec(select(Objective.id).where(Objective.standard_id == standard_id)).all())
    alignments = set(session.exec(select(Alignment.id).where(
        Alignment.unit_id.in_(units or {-1}) | Alignment.objective_id.in_(objectives or {-1}))).all())
    return {"unit": units, "objective": objectives, "alignment": alignments}


def _standard_roots(session: Session, standard_id: int, *, include_resolved: bool) -> list[Comment]:
    targets = _standard_targets(session, standard_id)
    condition = ((Comment.entity_type == "standard") | Comment.entity_type.startswith(SECTION_PREFIX)) \
        & (Comment.entity_id == standard_id)
    for kind, ids in targets.items():
        if ids:
            condition = condition | ((Comment.entity_type == kind) & Comment.entity_id.in_(ids))
    query = select(Comment).where(condition, Comment.parent_id == None)  # noqa: E711
    if not include_resolved:
        query = query.where(Comment.resolved == False)  # noqa: E712
    return list(session.exec(query).all())


def standard_threads(engine: Engine, *, standard_id: int, include_resolved: bool = True) -> list[dict[str, Any]]:
    """Every thread on a standard, its sections, units, objectives and their alignments.

    Each thread has ``target`` ("standard", "section:nature", "unit:12", …) so the page can
    group threads beside the item they are about.
    """
    with session_scope(engine) as session:
        if session.get(CourseStandard, standard_id) is None:
            raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
        threads = _threads(session, _standard_roots(session, standard_id, include_resolved=include_resolved))
    for thread in threads:
        thread["target"] = _target_key(thread)
    return threads


def _target_key(thread: dict[str, Any]) -> str:
    if thread["entity_type"] == "standard":
        return "standard"
    if thread["entity_type"] == "section":
        return f"section:{thread['section']}"
    return f"{thread['entity_type']}:{thread['entity_id']}"


def unresolved_counts(engine: Engine, *, standard_id: int) -> dict[str, Any]:
    """Unresolved threads of a standard: ``{total, by_target: {"unit:12": 2, "section:nature": 1, …}}``."""
    return count_unresolved(standard_threads(engine, standard_id=standard_id, include_resolved=False))


def count_unresolved(threads: list[dict[str, Any]]) -> dict[str, Any]:
    """``unresolved_counts`` of threads already read with ``standard_threads`` (a page that shows them
    too reads them once)."""
    open_threads = [th for th in threads if not th["resolved"]]
    by_target: dict[str, int] = {}
    for thread in open_threads:
        by_target[thread["target"]] = by_target.get(thread["target"], 0) + 1
    return {"total": len(open_threads), "by_target": by_target}


def _standard_of_roots(session: Session, roots: list[Comment]) -> dict[int, int | None]:
    """root comment id → standard id (None for competencies and course-level alignments)."""
    ids: dict[str, set[int]] = {}
    for c in roots:
        ids.setdefault(_public_type(c.entity_type)[0], set()).add(c.entity_id)
    unit_std = dict(session.exec(select(LearningUnit.id, LearningUnit.standard_id)
                                 .where(LearningUnit.id.in_(ids.get("unit", set()) | {-1}))).all())
    objective_std = dict(session.exec(select(Objective.id, Objective.standard_id)
                                      .where(Objective.id.in_(ids.get("objective", set()) | {-1}))).all())
    alignment_std: dict[int, int | None] = {}
    for a in session.exec(select(Alignment).where(Alignment.id.in_(ids.get("alignment", set()) | {-1}))).all():
        if a.unit_id:
            alignment_std[a.id] = unit_std.get(a.unit_id) or session.get(LearningUnit, a.unit_id).standard_id
        elif a.objective_id:
            alignment_std[a.id] = objective_std.get(a.objective_id) or session.get(Objective, a.objective_id).standard_id
    out: dict[int, int | None] = {}
    for c in roots:
        kind = _public_type(c.entity_type)[0]
        out[c.id] = {"standard": c.entity_id, "section": c.entity_id, "unit": unit_std.get(c.entity_id),
                     "objective": objective_std.get(c.entity_id), "alignment": alignment_std.get(c.entity_id),
                     }.get(kind)
    return out


def awaiting(engine: Engine, *, actor: Actor, program_id: int) -> list[dict[str, Any]]:
    """Unresolved threads whose last message is from the other side than ``actor``'s, oldest first.

    Faculty see the threads on standards of courses they own and on competencies; leads,
    mentors and admins see the whole programme. Each thread has ``standard_id`` and ``target``.
    """
    with session_scope(engine) as session:
        roots = list(session.exec(select(Comment).where(
            Comment.program_id == program_id, Comment.parent_id == None, Comment.resolved == False)).all())  # noqa: E711,E712
        mapping = _standard_of_roots(session, roots)
        if actor.role == "faculty":
            owned = set(session.exec(select(CourseStandard.id).join(
                CourseOwner, CourseOwner.course_id == CourseStandard.course_id).where(
                CourseOwner.user_id == actor.id)).all())
            roots = [c for c in roots if mapping[c.id] in owned or c.entity_type == "competency"]
        threads = [t for t in _threads(session, roots) if t["last_side"] != actor.side]
    for thread in threads:
        thread["standard_id"] = mapping.get(thread["id"])
        thread["target"] = _target_key(thread)
    return sorted(threads, key=lambda t: (t["last_at"], t["id"]))
