"""DACUM verification surveys: open on a job role, invite raters, rate, close and aggregate.

A lead or mentor opens a survey over a job role's competencies (the leaves whose job role,
their own or their task's, is that role). Raters are accounts or personal invitation links
(random token, only its SHA-256 stored, expiring, scoped to the survey, revocable). Each rater
rates every item: importance 1–5, frequency 1–7 (O*NET's FT categories), difficulty to learn
1–5, or "not relevant to my job". Until the survey closes a rater sees only their own answers
and nobody sees anyone else's.

Closing aggregates per item (``aggregate``: median, mean, raters, IQR agreement, criticality;
the formulas are in docs/surveys.md) and sets each rated competency's importance to the rounded
median through ``services.framework.set_importance_in`` (audited, previous value kept on the
item), so coverage weights follow the survey and a manual edit can still override it.
"""

from __future__ import annotations

import math
import secrets
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import Competency, JobRole, Program, Rating, Survey, SurveyAnswer, SurveyItem, SurveyRater, User
from models.enums import SIDES, SURVEY_STATUSES
from services import audit
from services.actor import Actor
from services.db import session_scope
from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, field_error
from services.framework import framework_frame, set_importance_in
from services.notifications import notify
from services.outline import code_sort_key
from services.permissions import require
from services.rows import in_range, kept_columns, raise_any, unknown_value
from services.sessions import hash_token
from services.vocabulary import SURVEY_ITEM_AGGREGATES

SCALES = {"importance": (1, 5), "frequency": (1, 7), "difficulty": (1, 5)}
# O*NET task frequency (FT) categories 1–7; labels are translation keys survey.frequency.<n>
FREQUENCY_LEVELS = tuple(range(1, 8))
LOW_AGREEMENT_IQR = 1.0  # IQR of importance above this is flagged for discussion (Delphi convention)
DEFAULT_LINK_DAYS = 14
TOKEN_BYTES = 24


def _now(now: datetime | None = None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


# --- aggregation (pure) -------------------------------------------------------------------------


def _quartiles(values: list[int]) -> tuple[float, float]:
    """First and third quartile, linear interpolation between order statistics (numpy's default)."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0]), float(ordered[0])

    def at(q: float) -> float:
        pos = (len(ordered) - 1) * q
        low, high = math.floor(pos), math.ceil(pos)
        return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

    return at(0.25), at(0.75)


def round_half_up(value: float) -> int:
    """4.5 → 5, 3.5 → 4 (Python's round() would give 4 and 4)."""
    return math.floor(value + 0.5)


def aggregate(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """One item's answers → raters, not relevant, median / mean per scale, IQR, flag, criticality.

    ``answers`` are dicts with importance, frequency, difficulty (ints or None) and not_relevant.
    "Not relevant" answers are counted but do not enter the statistics. Criticality = mean
    importance × mean frequency (1–35); agreement is low when the importance IQR exceeds 1 and
    at least two raters rated it. ``importance`` is the rounded median, the value coverage uses.
    """
    relevant = [a for a in answers if not a.get("not_relevant")]
    out: dict[str, Any] = {"raters": len(answers), "not_relevant": len(answers) - len(relevant)}
    means: dict[str, float | None] = {}
    for scale in SCALES:
        values = [int(a[scale]) for a in relevant if a.get(scale) is not None]
        means[scale] = statistics.fmean(values) if values else None
        out[f"{scale}_median"] = float(statistics.median(values)) if values else None
        out[f"{scale}_mean"] = round(means[scale], 3) if values else None
        if scale == "importance":
            q1, q3 = _quartiles(values) if values else (None, None)
            out["importance_iqr"] = round(q3 - q1, 3) if values else None
            out["low_agreement"] = len(values) >= 2 and (q3 - q1) > LOW_AGREEMENT_IQR
    imp, freq = means["importance"], means["frequency"]
    out["criticality"] = round(imp * freq, 3) if imp is not None and freq is not None else None
    out["importance"] = round_half_up(out["importance_median"]) if out["importance_median"] is not None else None
    return out


# --- row builders (pure): the one rule for the survey pages, the ratings import, restore and the demo seed ---

SURVEY_KEPT_COLUMNS = ("opened_at", "closed_by_id", "closed_at", "version")
RATER_KEPT_COLUMNS = ("expires_at", "revoked_at", "created_at")


def new_survey_row(*, program_id: int, job_role_id: int, title: str, opened_by_id: int | None, status: str = "open",
                   apply_importance: bool = True, **kept: Any) -> dict[str, Any]:
    """The columns of a survey: a title (trimmed), a known status (``ValidationFailed``); who closed it and
    when, ``opened_at`` and ``version`` kept when given (restore)."""
    title = (title or "").strip()
    raise_any([None if title else field_error("title", "industry.error.required", "title: required"),
               unknown_value("status", status, SURVEY_STATUSES)])
    return {"program_id": program_id, "job_role_id": job_role_id, "title": title, "status": status,
            "apply_importance": bool(apply_importance), "opened_by_id": opened_by_id,
            **kept_columns(kept, SURVEY_KEPT_COLUMNS, "survey")}


def new_survey_item_row(*, survey_id: int, competency_id: int, sort_order: int = 0, **aggregates: Any) -> dict[str, Any]:
    """The columns of a survey item; a closed survey's aggregates (``SURVEY_ITEM_AGGREGATES``) kept when given."""
    return {"survey_id": survey_id, "competency_id": competency_id, "sort_order": sort_order,
            **kept_columns(aggregates, SURVEY_ITEM_AGGREGATES, "survey item")}


def new_rater_row(*, survey_id: int, name: str, side: str, invited_by_id: int | None, user_id: int | None = None,
                  token_hash: str | None = None, **kept: Any) -> dict[str, Any]:
    """The columns of a survey rater: an account (``user_id``), a personal link (``token_hash``, the SHA-256
    of its token) or neither (offline ratings), never both; a name and a known side (``ValidationFailed``).
    Expiry, revocation and ``created_at`` kept when given."""
    name = (name or "").strip()
    raise_any([None if name else field_error("name", "survey.error.name_required", "name: required"),
               unknown_value("side", side, SIDES),
               None if user_id is None or token_hash is None else
               field_error("token_hash", "error.field.unknown_value", "an account or a link, not both", value="both")])
    return {"survey_id": survey_id, "user_id": user_id, "name": name, "side": side, "token_hash": token_hash,
            "invited_by_id": invited_by_id, **kept_columns(kept, RATER_KEPT_COLUMNS, "survey rater")}


def _scale_errors(values: dict[str, Any]) -> list:
    """Each scale blank or a whole number within it (``SCALES``)."""
    return [field_error(scale, "survey.error.scale", f"{scale}: {low}–{high}", low=low, high=high)
            for scale, (low, high) in SCALES.items()
            if values.get(scale) is not None and not in_range(values.get(scale), low, high)]


def new_answer_row(*, item_id: int, rater_id: int, importance: int | None = None, frequency: int | None = None,
                   difficulty: int | None = None, not_relevant: bool = False, **kept: Any) -> dict[str, Any]:
    """The columns of a survey answer: each scale blank or within its range, all blank when "not relevant"
    (``ValidationFailed``); ``updated_at`` and ``version`` kept when given."""
    values = {"importance": importance, "frequency": frequency, "difficulty": difficulty}
    errors = _scale_errors(values)
    if not_relevant and any(v is not None for v in values.values()):
        errors.append(field_error("not_relevant", "error.field.unknown_value", "not relevant: no ratings",
                                  value="not_relevant"))
    raise_any(errors)
    return {"item_id": item_id, "rater_id": rater_id, **values, "not_relevant": bool(not_relevant),
            **kept_columns(kept, ("updated_at", "version"), "survey answer")}


def rating_errors(values: dict[str, Any]) -> list:
    """The checks of a rating's values (a new one's, or a stored one's merged with changes): a rater name, each
    scale blank or within it (``SCALES``), a known side or none. The one rule of ``new_rating_row`` and the
    import's planner. Pure."""
    return [e for e in (
        None if str(values.get("rater") or "").strip() else field_error("rater", "industry.error.required",
                                                                        "rater: required"),
        *_scale_errors(values), unknown_value("rater_side", values.get("rater_side"), SIDES, nullable=True))
        if e is not None]


def new_rating_row(*, competency_id: int, rater: str, rater_user_id: int | None = None, rater_side: str | None = None,
                   importance: int | None = None, frequency: int | None = None, difficulty: int | None = None,
                   comment: str = "", **kept: Any) -> dict[str, Any]:
    """The columns of a rating (the ``ratings`` import's row, one rater on one competency), the one rule for
    restore and the import's checks: a rater name, each scale blank or within it, a known side
    (``ValidationFailed``); ``created_at`` and ``version`` kept when given."""
    raise_any(rating_errors({"rater": rater, "rater_side": rater_side, "importance": importance,
                             "frequency": frequency, "difficulty": difficulty}))
    return {"competency_id": competency_id, "rater": rater, "rater_user_id": rater_user_id, "rater_side": rater_side,
            "importance": importance, "frequency": frequency, "difficulty": difficulty, "comment": comment or "",
            **kept_columns(kept, ("created_at", "version"), "rating")}


# --- opening and inviting -----------------------------------------------------------------------


def job_role(engine: Engine, *, job_role_id: int) -> dict[str, Any]:
    """One job role as a dict (``NotFound`` if there is none)."""
    with session_scope(engine) as session:
        role = session.get(JobRole, job_role_id)
        if role is None:
            raise NotFound(f"job role {job_role_id} not found")
        return audit.snapshot(role) or {}


def role_competencies(engine: Engine, *, job_role_id: int, include_tasks: bool = False) -> list[dict[str, Any]]:
    """The competencies (leaves, not retired) whose job role, own or their task's, is ``job_role_id``,
    in framework order; with ``include_tasks`` the role's tasks too, each before its competencies."""
    with session_scope(engine) as session:
        role = session.get(JobRole, job_role_id)
        if role is None:
            raise NotFound(f"job role {job_role_id} not found")
        program_id = role.program_id
    frame = framework_frame(engine, program_id=program_id)
    kinds = ["competency", "task"] if include_tasks else ["competency"]
    leaves = frame[frame["kind"].isin(kinds) & (frame["job_role_id"] == job_role_id) & (frame["status"] != "retired")]
    return [{"id": int(i), "code": c, "statement": s} for i, c, s in
            zip(leaves["id"], leaves["code"], leaves["statement"], strict=True)]


def _load_survey(session: Session, survey_id: int) -> Survey:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(f"survey {survey_id} not found", key="survey.error.not_found")
    return survey


def _require_open(survey: Survey) -> None:
    if survey.status != "open":
        raise Conflict(f"survey {survey.id} is closed", key="survey.error.closed")


def open_survey(engine: Engine, *, actor: Actor, job_role_id: int, title: str = "",
                apply_importance: bool = True, include_tasks: bool = False) -> dict[str, Any]:
    """Open a survey over the job role's competencies (and, with ``include_tasks``, its tasks), in
    framework order; returns it."""
    require(actor, "survey.manage")
    items = role_competencies(engine, job_role_id=job_role_id, include_tasks=include_tasks)
    if not items:
        raise ValidationFailed([field_error("job_role", "survey.error.no_items", "the job role has no competencies")])
    with session_scope(engine) as session:
        role = session.get(JobRole, job_role_id)
        survey = Survey(**new_survey_row(program_id=role.program_id, job_role_id=role.id,
                                         title=(title.strip() or role.name)[:200], apply_importance=apply_importance,
                                         opened_by_id=actor.id))
        session.add(survey)
        session.flush()
        session.add_all(SurveyItem(**new_survey_item_row(survey_id=survey.id, competency_id=item["id"], sort_order=n))
                        for n, item in enumerate(items))
        audit.record(session, actor=actor, entity_type="survey", entity_id=survey.id, action="create",
                     after=audit.snapshot(survey), program_id=role.program_id,
                     summary=f"{survey.title}: {len(items)} items")
        return {**(audit.snapshot(survey) or {}), "items": len(items)}


def invite_users(engine: Engine, *, actor: Actor, survey_id: int, user_ids: list[int]) -> list[dict[str, Any]]:
    """Invite accounts to rate; an account already invited is left as it is. Returns the new raters."""
    require(actor, "survey.manage")
    with session_scope(engine) as session:
        survey = _load_survey(session, survey_id)
        _require_open(survey)
        invited = set(session.exec(select(SurveyRater.user_id).where(
            SurveyRater.survey_id == survey_id, SurveyRater.user_id != None)).all())  # noqa: E711
        added = []
        for user_id in user_ids:
            user = session.get(User, user_id)
            if user is None or not user.is_active:
                raise ValidationFailed([field_error("user", "survey.error.no_user", f"user {user_id} not found")])
            if user_id in invited:
                continue
            rater = SurveyRater(**new_rater_row(survey_id=survey_id, user_id=user_id, name=user.display_name,
                                                side=user.side, invited_by_id=actor.id))
            session.add(rater)
            invited.add(user_id)
            added.append(rater)
        session.flush()
        for rater in added:
            audit.record(session, actor=actor, entity_type="survey", entity_id=survey_id, action="invite",
                         after={"rater_id": rater.id, "user_id": rater.user_id}, program_id=survey.program_id,
                         summary=f"{survey.title}: {rater.name}")
            if rater.user_id != actor.id:
                notify(session, user_id=rater.user_id, kind="survey_invitation", key="notification.survey_invitation",
                       params={"title": survey.title, "by": actor.display_name}, entity_type="survey",
                       entity_id=survey_id, program_id=survey.program_id, actor=actor)
        return [_rater_dict(r) for r in added]


def create_invitation_link(engine: Engine, *, actor: Actor, survey_id: int, name: str,
                           days: int = DEFAULT_LINK_DAYS, side: str = "enterprise",
                           now: datetime | None = None) -> dict[str, Any]:
    """A personal link for someone without an account: returns the rater and its ``token``.

    The token is shown once (only its hash is stored); it opens this survey only, until it
    expires (``days``) or is revoked.
    """
    require(actor, "survey.manage")
    if not name.strip():
        raise ValidationFailed([field_error("name", "survey.error.name_required", "name: required")])
    if not 1 <= int(days) <= 90:
        raise ValidationFailed([field_error("days", "survey.error.days", "days: 1–90")])
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with session_scope(engine) as session:
        survey = _load_survey(session, survey_id)
        _require_open(survey)
        rater = SurveyRater(**new_rater_row(survey_id=survey_id, name=name.strip()[:128], side=side,
                                            token_hash=hash_token(token), invited_by_id=actor.id,
                                            expires_at=_now(now) + timedelta(days=int(days))))
        session.add(rater)
        session.flush()
        audit.record(session, actor=actor, entity_type="survey", entity_id=survey_id, action="invite_link",
                     after={"rater_id": rater.id, "name": rater.name, "expires_at": rater.expires_at.isoformat()},
                     program_id=survey.program_id, summary=f"{survey.title}: {rater.name}")
        return {**_rater_dict(rater), "token": token}


def revoke_invitation(engine: Engine, *, actor: Actor, rater_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Revoke a personal link: it opens nothing from now on (answers given so far stay)."""
    require(actor, "survey.manage")
    with session_scope(engine) as session:
        rater = session.get(SurveyRater, rater_id)
        if rater is None or rater.token_hash is None:
            raise NotFound(f"invitation link {rater_id} not found", key="survey.error.not_found")
        if rater.revoked_at is None:
            rater.revoked_at = _now(now)
            session.add(rater)
            survey = session.get(Survey, rater.survey_id)
            audit.record(session, actor=actor, entity_type="survey", entity_id=rater.survey_id, action="revoke_link",
                         after={"rater_id": rater.id}, program_id=survey.program_id,
                         summary=f"{survey.title}: {rater.name}")
        session.flush()
        return _rater_dict(rater)


def _rater_dict(rater: SurveyRater) -> dict[str, Any]:
    return {"id": rater.id, "survey_id": rater.survey_id, "user_id": rater.user_id, "name": rater.name,
            "side": rater.side, "link": rater.token_hash is not None,
            "offline": rater.token_hash is None and rater.user_id is None,
            "expires_at": _aware(rater.expires_at).isoformat() if rater.expires_at else None,
            "revoked": rater.revoked_at is not None}


# --- rating -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RaterAccess:
    """Who is rating which survey (plain data, safe in a UI session)."""

    survey_id: int
    rater_id: int
    name: str
    title: str
    job_role: str


def _resolve(session: Session, *, survey_id: int | None, actor: Actor | None, token: str | None,
             now: datetime | None) -> tuple[Survey, SurveyRater]:
    if token:
        rater = session.exec(select(SurveyRater).where(SurveyRater.token_hash == hash_token(token))).first()
        if rater is None:
            raise PermissionDenied("unknown invitation link", key="survey.error.link_invalid")
        if rater.revoked_at is not None:
            raise PermissionDenied("invitation link revoked", key="survey.error.link_revoked")
        if rater.expires_at is not None and _aware(rater.expires_at) <= _now(now):
            raise PermissionDenied("invitation link expired", key="survey.error.link_expired")
        survey = _load_survey(session, rater.survey_id)
        if survey_id is not None and survey_id != survey.id:
            raise PermissionDenied("the link is for another survey", key="survey.error.link_invalid")
    else:
        if actor is None or actor.id is None or survey_id is None:
            raise PermissionDenied("not invited", key="survey.error.not_invited")
        survey = _load_survey(session, survey_id)
        rater = session.exec(select(SurveyRater).where(SurveyRater.survey_id == survey_id,
                                                       SurveyRater.user_id == actor.id)).first()
        if rater is None:
            raise PermissionDenied(f"{actor.username} is not invited to survey {survey_id}",
                                   key="survey.error.not_invited")
    return survey, rater


def rater_access(engine: Engine, *, survey_id: int | None = None, actor: Actor | None = None,
                 token: str | None = None, now: datetime | None = None) -> RaterAccess:
    """Check that an invited account (``actor``) or a valid link (``token``) may rate; closed surveys refuse."""
    with session_scope(engine) as session:
        survey, rater = _resolve(session, survey_id=survey_id, actor=actor, token=token, now=now)
        _require_open(survey)
        role = session.get(JobRole, survey.job_role_id)
        return RaterAccess(survey_id=survey.id, rater_id=rater.id, name=rater.name, title=survey.title,
                           job_role=role.name if role else "")


def rating_form(engine: Engine, *, access: RaterAccess) -> list[dict[str, Any]]:
    """The survey's items in order, each with this rater's own answer (never anyone else's)."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(SurveyItem, Competency).join(Competency, Competency.id == SurveyItem.competency_id)
            .where(SurveyItem.survey_id == access.survey_id).order_by(SurveyItem.sort_order)).all()
        mine = {a.item_id: a for a in session.exec(select(SurveyAnswer).where(
            SurveyAnswer.rater_id == access.rater_id)).all()}
        out = []
        for item, comp in rows:
            answer = mine.get(item.id)
            out.append({"item_id": item.id, "code": comp.code, "statement": comp.statement,
                        "comp_type": comp.comp_type,
                        "answer": None if answer is None else {
                            "importance": answer.importance, "frequency": answer.frequency,
                            "difficulty": answer.difficulty, "not_relevant": answer.not_relevant,
                            "version": answer.version}})
        return out


def _check_answer(values: dict[str, Any], not_relevant: bool) -> dict[str, int | None]:
    if not_relevant:
        return {scale: None for scale in SCALES}
    errors, out = [], {}
    for scale, (low, high) in SCALES.items():
        value = values.get(scale)
        if value is None or not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors.append(field_error(scale, "survey.error.scale", f"{scale}: {low}–{high}", low=low, high=high))
        out[scale] = value
    if errors:
        raise ValidationFailed(errors)
    return out


def _put_answer(session: Session, *, item_id: int, rater_id: int, now: datetime, **values: Any) -> SurveyAnswer:
    """Add or replace (a new version) one rater's answer on one item, through ``new_answer_row``'s checks."""
    answer = session.exec(select(SurveyAnswer).where(SurveyAnswer.item_id == item_id,
                                                     SurveyAnswer.rater_id == rater_id)).first()
    if answer is None:
        answer = SurveyAnswer(**new_answer_row(item_id=item_id, rater_id=rater_id, updated_at=now, **values))
    else:
        new_answer_row(item_id=item_id, rater_id=rater_id, **values)
        for key, value in {**values, "updated_at": now}.items():
            setattr(answer, key, value)
        answer.version += 1
    session.add(answer)
    return answer


def save_answer(engine: Engine, *, item_id: int, importance: int | None = None, frequency: int | None = None,
                difficulty: int | None = None, not_relevant: bool = False, actor: Actor | None = None,
                token: str | None = None, survey_id: int | None = None,
                now: datetime | None = None) -> dict[str, Any]:
    """Save this rater's answer on one item (again: replaces it). The rater is checked on every save
    (an account invited to ``survey_id``, or a link still valid), and the survey must be open."""
    values = _check_answer({"importance": importance, "frequency": frequency, "difficulty": difficulty},
                           not_relevant)
    with session_scope(engine) as session:
        item = session.get(SurveyItem, item_id)
        if item is None:
            raise NotFound(f"survey item {item_id} not found", key="survey.error.not_found")
        survey, rater = _resolve(session, survey_id=survey_id if survey_id is not None else item.survey_id,
                                 actor=actor, token=token, now=now)
        if item.survey_id != survey.id:
            raise PermissionDenied("item of another survey", key="survey.error.link_invalid")
        _require_open(survey)
        answer = _put_answer(session, item_id=item_id, rater_id=rater.id, now=_now(now), **values,
                             not_relevant=bool(not_relevant))
        session.flush()
        return {"item_id": item_id, "rater_id": rater.id, **values, "not_relevant": answer.not_relevant,
                "version": answer.version}


def surveys_to_fill(engine: Engine, *, actor: Actor, program_id: int | None = None) -> list[dict[str, Any]]:
    """Open surveys ``actor`` is invited to, with how many of the items they have answered."""
    if actor.id is None:
        return []
    with session_scope(engine) as session:
        query = (select(Survey, SurveyRater).join(SurveyRater, SurveyRater.survey_id == Survey.id)
                 .where(SurveyRater.user_id == actor.id, Survey.status == "open"))
        if program_id is not None:
            query = query.where(Survey.program_id == program_id)
        out = []
        for survey, rater in session.exec(query.order_by(Survey.opened_at)).all():
            total = session.exec(select(func.count()).select_from(SurveyItem).where(
                SurveyItem.survey_id == survey.id)).one()
            done = session.exec(select(func.count()).select_from(SurveyAnswer).where(
                SurveyAnswer.rater_id == rater.id)).one()
            role = session.get(JobRole, survey.job_role_id)
            out.append({"id": survey.id, "title": survey.title, "job_role": role.name if role else "",
                        "items": total, "answered": done})
        return out


# --- managing and closing -----------------------------------------------------------------------


def list_surveys(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """The programme's surveys, newest first, with items, raters and how many raters have finished."""
    with session_scope(engine) as session:
        surveys = session.exec(select(Survey).where(Survey.program_id == program_id)
                               .order_by(Survey.opened_at.desc(), Survey.id.desc())).all()
        out = []
        for survey in surveys:
            role = session.get(JobRole, survey.job_role_id)
            items = session.exec(select(func.count()).select_from(SurveyItem).where(
                SurveyItem.survey_id == survey.id)).one()
            progress = _progress(session, survey.id)
            out.append({**(audit.snapshot(survey) or {}), "job_role": role.name if role else "", "items": items,
                        "raters": len(progress), "finished": sum(1 for n in progress.values() if n >= items)})
        return out


def _progress(session: Session, survey_id: int) -> dict[int, int]:
    """rater id → number of items answered."""
    raters = session.exec(select(SurveyRater.id).where(SurveyRater.survey_id == survey_id)).all()
    counts = dict(session.exec(select(SurveyAnswer.rater_id, func.count()).where(
        SurveyAnswer.rater_id.in_(raters)).group_by(SurveyAnswer.rater_id)).all()) if raters else {}
    return {r: counts.get(r, 0) for r in raters}


def survey_raters(engine: Engine, *, actor: Actor, survey_id: int) -> list[dict[str, Any]]:
    """The survey's raters with their progress (counts only: no answers while open)."""
    require(actor, "survey.manage")
    with session_scope(engine) as session:
        _load_survey(session, survey_id)
        progress = _progress(session, survey_id)
        raters = session.exec(select(SurveyRater).where(SurveyRater.survey_id == survey_id)
                              .order_by(SurveyRater.id)).all()
        return [{**_rater_dict(r), "answered": progress.get(r.id, 0)} for r in raters]


def close_survey(engine: Engine, *, actor: Actor, survey_id: int, expected_version: int) -> dict[str, Any]:
    """Close: aggregate every item and (if the survey says so) set each rated competency's importance
    to its rounded median through the framework module. One transaction; returns the counts."""
    require(actor, "survey.manage")
    with session_scope(engine) as session:
        survey = _load_survey(session, survey_id)
        if survey.version != expected_version:
            raise Conflict(f"survey {survey_id} changed (now version {survey.version})",
                           current=audit.snapshot(survey), entity="Survey", id=survey_id)
        _require_open(survey)
        items = session.exec(select(SurveyItem).where(SurveyItem.survey_id == survey_id)).all()
        answers: dict[int, list[dict[str, Any]]] = {}
        for a in session.exec(select(SurveyAnswer).where(SurveyAnswer.item_id.in_([i.id for i in items]))).all():
            answers.setdefault(a.item_id, []).append({"importance": a.importance, "frequency": a.frequency,
                                                      "difficulty": a.difficulty, "not_relevant": a.not_relevant})
        changed = flagged = 0
        for item in items:
            result = aggregate(answers.get(item.id, []))
            for key, value in result.items():
                if key != "importance":
                    setattr(item, key, value)
            flagged += bool(result["low_agreement"])
            if survey.apply_importance and result["importance"] is not None:
                previous = set_importance_in(session, actor=actor, node_id=item.competency_id,
                                             importance=result["importance"], reason=f"survey {survey.title}")
                item.previous_importance, item.applied_importance = previous, result["importance"]
                changed += previous != result["importance"]
            session.add(item)
        before = audit.snapshot(survey)
        survey.status, survey.closed_at, survey.closed_by_id = "closed", _now(), actor.id
        survey.version += 1
        session.add(survey)
        session.flush()
        audit.record(session, actor=actor, entity_type="survey", entity_id=survey.id, action="close",
                     before=before, after=audit.snapshot(survey), program_id=survey.program_id,
                     summary=f"{survey.title}: {changed} importances changed, {flagged} low agreement")
        return {"id": survey.id, "items": len(items), "importance_changed": changed, "low_agreement": flagged}


def add_offline_ratings(engine: Engine, *, actor: Actor, survey_id: int, now: datetime | None = None) -> dict[str, Any]:
    """Bring the ratings imported offline (the ``ratings`` import, stored per rater and competency) into
    an open survey: each rater name becomes a survey rater without an account or link, each of their
    ratings on a survey item an answer (all three scales blank: "not relevant"). Running it again
    updates those answers, never duplicates a rater. Returns the raters and answers taken over."""
    require(actor, "survey.manage")
    with session_scope(engine) as session:
        survey = _load_survey(session, survey_id)
        _require_open(survey)
        items = {i.competency_id: i for i in session.exec(select(SurveyItem).where(
            SurveyItem.survey_id == survey_id)).all()}
        ratings = session.exec(select(Rating).where(Rating.competency_id.in_(list(items)))).all() if items else []
        offline = {r.name: r for r in session.exec(select(SurveyRater).where(
            SurveyRater.survey_id == survey_id, SurveyRater.user_id == None,  # noqa: E711
            SurveyRater.token_hash == None)).all()}  # noqa: E711
        answers = 0
        for rating in sorted(ratings, key=lambda r: (r.rater, r.competency_id)):
            rater = offline.get(rating.rater)
            if rater is None:
                rater = SurveyRater(**new_rater_row(survey_id=survey_id, name=rating.rater,
                                                    side=rating.rater_side or "enterprise", invited_by_id=actor.id))
                session.add(rater)
                session.flush()
                offline[rating.rater] = rater
            item = items[rating.competency_id]
            blank = rating.importance is None and rating.frequency is None and rating.difficulty is None
            _put_answer(session, item_id=item.id, rater_id=rater.id, now=_now(now), importance=rating.importance,
                        frequency=rating.frequency, difficulty=rating.difficulty, not_relevant=blank)
            answers += 1
        session.flush()
        audit.record(session, actor=actor, entity_type="survey", entity_id=survey_id, action="offline_ratings",
                     after={"raters": len(offline), "answers": answers}, program_id=survey.program_id,
                     summary=f"{survey.title}: {answers} offline ratings from {len(offline)} raters")
        return {"raters": len(offline), "answers": answers}


def survey_results(engine: Engine, *, survey_id: int) -> dict[str, Any]:
    """A closed survey's aggregates per item plus each item's answer counts per value (for charts).

    An open survey raises ``Conflict`` (``survey.error.still_open``): results exist only after closing.
    """
    with session_scope(engine) as session:
        survey = _load_survey(session, survey_id)
        if survey.status != "closed":
            raise Conflict(f"survey {survey_id} is still open", key="survey.error.still_open")
        rows = session.exec(
            select(SurveyItem, Competency).join(Competency, Competency.id == SurveyItem.competency_id)
            .where(SurveyItem.survey_id == survey_id).order_by(SurveyItem.sort_order)).all()
        distribution: dict[int, dict[int, int]] = {}
        for item_id, value, count in session.exec(
                select(SurveyAnswer.item_id, SurveyAnswer.importance, func.count())
                .where(SurveyAnswer.item_id.in_([i.id for i, _ in rows]), SurveyAnswer.importance != None)  # noqa: E711
                .group_by(SurveyAnswer.item_id, SurveyAnswer.importance)).all():
            distribution.setdefault(item_id, {})[int(value)] = int(count)
        role = session.get(JobRole, survey.job_role_id)
        items = []
        for item, comp in rows:
            data = audit.snapshot(item) or {}
            items.append({**{k: data[k] for k in data if k not in ("id", "survey_id", "sort_order")},
                          "item_id": item.id, "code": comp.code, "statement": comp.statement,
                          "importance_now": comp.importance,
                          "distribution": {v: distribution.get(item.id, {}).get(v, 0) for v in range(1, 6)}})
        return {"survey": {**(audit.snapshot(survey) or {}), "job_role": role.name if role else ""}, "items": items}


def program_survey_results(engine: Engine, *, program_code: str) -> dict[str, Any]:
    """Per competency code, the latest closed survey's aggregates and the importance now in effect
    (for ``manage.py survey-results``). An unknown programme raises ``NotFound``."""
    with session_scope(engine) as session:
        program = session.exec(select(Program).where(Program.code == program_code)).first()
        if program is None:
            raise NotFound(f"programme {program_code} not found")
        rows = session.exec(
            select(SurveyItem, Survey, Competency).join(Survey, Survey.id == SurveyItem.survey_id)
            .join(Competency, Competency.id == SurveyItem.competency_id)
            .where(Survey.program_id == program.id, Survey.status == "closed")
            .order_by(Survey.closed_at, Survey.id)).all()
        latest: dict[str, dict[str, Any]] = {}
        for item, survey, comp in rows:  # later surveys replace earlier ones
            latest[comp.code] = {
                "survey_id": survey.id, "raters": item.raters, "not_relevant": item.not_relevant,
                "importance_median": item.importance_median, "importance_mean": item.importance_mean,
                "frequency_median": item.frequency_median, "frequency_mean": item.frequency_mean,
                "difficulty_median": item.difficulty_median, "difficulty_mean": item.difficulty_mean,
                "importance_iqr": item.importance_iqr, "low_agreement": item.low_agreement,
                "criticality": item.criticality, "importance_in_effect": comp.importance,
            }
        ordered = dict(sorted(latest.items(), key=lambda kv: code_sort_key(kv[0])))
        return {"program": program.code, "competencies": ordered}


def invitable_users(engine: Engine) -> list[dict[str, Any]]:
    """Active accounts that can be invited to rate (mentors first, then faculty and leads), for a picker."""
    order = {"mentor": 0, "faculty": 1, "lead": 2}
    with session_scope(engine) as session:
        users = session.exec(select(User).where(User.is_active == True, User.role.in_(tuple(order)))).all()  # noqa: E712
        return [{"id": u.id, "name": u.display_name, "role": u.role}
                for u in sorted(users, key=lambda u: (order[u.role], u.display_name))]
