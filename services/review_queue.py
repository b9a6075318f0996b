"""The review queue's data: what waits for one user's side, grouped by course standard, and batch decisions.

Three kinds of item: ``alignment`` (an open proposal of the other side that the user may
decide), ``comment`` (a thread whose last message came from the other side) and ``signature``
(a revision in review still waiting for the user's side to sign). Items carry both texts of an
alignment (the unit or objective, and the competency statement with code and importance), so
nobody decides on codes alone. ``decide_alignments`` decides a batch through
``services.alignments.decide_alignment``, one call (one transaction, one version check) per
alignment, and reports each row's outcome.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Competency, Course, CourseOwner, CourseStandard, User
from models.tables import utcnow
from services.actor import Actor
from services.alignments import decide_alignment, review_queue
from services.db import session_scope
from services.errors import DomainError, error_lines
from services.outline import code_sort_key
from services.standards import invalid
from services.workflow import allowed_actions, current_revisions

ITEM_KINDS = ("alignment", "comment", "signature")


def _age_days(stamp: str | None, now: datetime) -> int:
    if not stamp:
        return 0
    return max((now - datetime.fromisoformat(stamp)).days, 0)


def queue_groups(engine: Engine, *, actor: Actor, program_id: int, course_id: int | None = None,
                 side: str | None = None, kinds: tuple[str, ...] = ITEM_KINDS,
                 min_age_days: int = 0) -> dict[str, Any]:
    """What waits for ``actor`` in a programme, grouped by course standard.

    Filters: ``course_id``; ``side`` (the side that proposed / wrote last); ``kinds`` (subset of
    ``ITEM_KINDS``); ``min_age_days`` (only items at least that old). Returns ``{groups, counts,
    courses}``: each group has ``course_id``, ``course_code``, ``course_name``, ``owners``,
    ``status``, ``revision``, ``standard_id`` and its ``alignments``, ``comments``, ``signatures``;
    ``counts`` per kind after filtering; ``courses`` every course with an item (for the filter).
    """
    now = utcnow()
    raw = review_queue(engine, actor=actor, program_id=program_id)
    revisions = {r["course_id"]: r for r in current_revisions(engine, program_id=program_id)}
    with session_scope(engine) as session:
        courses = {c.id: c for c in session.exec(select(Course).where(Course.program_id == program_id)).all()}
        owners: dict[int, list[str]] = {}
        for course_id_, name in session.exec(select(CourseOwner.course_id, User.display_name).join(
                User, User.id == CourseOwner.user_id).where(CourseOwner.course_id.in_(courses or {-1}))).all():
            owners.setdefault(course_id_, []).append(name)
        comp_ids = {a["competency_id"] for a in raw["alignments"]}
        importance = dict(session.exec(select(Competency.id, Competency.importance)
                                       .where(Competency.id.in_(comp_ids or {-1}))).all())
        standard_course = dict(session.exec(select(CourseStandard.id, CourseStandard.course_id).join(
            Course, Course.id == CourseStandard.course_id).where(Course.program_id == program_id)).all())
    items: list[tuple[int | None, str, dict[str, Any]]] = []
    for a in raw["alignments"]:
        items.append((a["course_id"], "alignment", {**a, "importance": importance.get(a["competency_id"]),
                                                    "side": a["proposed_side"], "age": _age_days(a["created_at"], now)}))
    for th in raw["comments"]:
        cid = standard_course.get(th.get("standard_id"))
        items.append((cid, "comment", {**th, "side": th["last_side"], "age": _age_days(th["last_at"], now)}))
    for rev in revisions.values():
        if rev["status"] != "in_review":
            continue
        may = allowed_actions(engine, actor=actor, standard_id=rev["standard_id"])
        if may["sign_school"] or may["sign_enterprise"]:
            items.append((rev["course_id"], "signature", {**rev, "side": None,
                                                          "age": _age_days(rev["updated_at"], now)}))
    seen_courses = sorted({c for c, _, _ in items if c in courses}, key=lambda c: code_sort_key(courses[c].code))
    groups: dict[int | None, dict[str, Any]] = {}
    counts = dict.fromkeys(ITEM_KINDS, 0)
    for cid, kind, item in items:
        if kind not in kinds or (course_id is not None and cid != course_id) or item["age"] < min_age_days \
                or (side and item["side"] not in (side, None)):
            continue
        if cid not in groups:
            course, rev = courses.get(cid), revisions.get(cid) or {}
            groups[cid] = {"course_id": cid, "course_code": course.code if course else "",
                           "course_name": course.name if course else "", "owners": owners.get(cid, []),
                           "status": rev.get("status"), "revision": rev.get("revision"),
                           "standard_id": rev.get("standard_id"), "alignments": [], "comments": [], "signatures": []}
        groups[cid][f"{kind}s"].append(item)
        counts[kind] += 1
    ordered = sorted(groups.values(), key=lambda g: (g["course_code"] == "", code_sort_key(g["course_code"])))
    return {"groups": ordered, "counts": counts,
            "courses": [{"id": c, "code": courses[c].code, "name": courses[c].name} for c in seen_courses]}


def decide_alignments(engine: Engine, *, actor: Actor, items: list[dict[str, int]], decision: str,
                      reason: str = "", lang: str = "zh") -> dict[str, Any]:
    """Accept or reject several alignments at once (one ``reason`` for a batch rejection).

    ``items`` are ``{"id", "version"}`` as the page showed them. Each goes through
    ``decide_alignment`` in its own transaction with its version check, so one stale or
    forbidden row does not undo the others. Returns ``{"decided": [ids], "failed": [{"id",
    "error", "message"}]}`` (``message`` in ``lang``).
    """
    if decision == "reject" and not (reason or "").strip():  # one message for the batch, not one per row
        raise invalid("alignments.error.reason_required", "a rejection needs a reason", field="reason")
    decided: list[int] = []
    failed: list[dict[str, Any]] = []
    for item in items:
        try:
            decide_alignment(engine, actor=actor, alignment_id=int(item["id"]), expected_version=int(item["version"]),
                             decision=decision, reason=reason)
            decided.append(int(item["id"]))
        except DomainError as exc:
            failed.append({"id": int(item["id"]), "error": type(exc).__name__,
                           "message": "; ".join(error_lines(exc, lang))})
    return {"decided": decided, "failed": failed}

