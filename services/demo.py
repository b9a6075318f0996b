"""Demo data: two programmes from ``data/demo/*.json`` plus the demo accounts.

``seed_demo`` is idempotent: a programme whose code already exists is left alone, and the
demo accounts are created only when missing. Everything is written in one transaction.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    ALIGNMENT_STATUSES,
    COMPETENCY_TYPES,
    COURSE_TYPES,
    OBJECTIVE_DIMENSIONS,
    Alignment,
    AssessmentItem,
    Competency,
    Course,
    CourseOwner,
    CourseStandard,
    JobRole,
    LearningUnit,
    Objective,
    Program,
    StandardVersion,
    User,
)
from models.enums import ASSESSMENT_CATEGORIES, LEVEL_ORDER
from services import audit
from services.actor import SYSTEM
from services.alignment_rules import decision, new_row
from services.courses import new_course_row, new_owner_row
from services.db import session_scope
from services.demo_certificate import requirement_codes, seed_certificate
from services.errors import ValidationFailed
from services.framework import new_job_role_row, new_node_row
from services.hierarchy import parent_allowed
from services.programs import new_program_row
from services.standards import standard_content
from services.standards.create import new_standard_row
from services.standards.save import (
    new_assessment_row,
    new_objective_row,
    new_unit_row,
    new_version_row,
)
from services.users import hash_password, new_user_row
from services.vocabulary import STANDARD_FIELDS

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
DEMO_PASSWORD = "demo"
DEMO_USERS = (
    ("admin", "系统管理员 Admin", "admin", "school", "CoStandard"),
    ("lead", "李专业带头人 Li (Programme lead)", "lead", "school", "智能制造学院"),
    ("faculty", "王老师 Wang (Faculty)", "faculty", "school", "智能制造学院"),
    ("faculty2", "陈老师 Chen (Faculty)", "faculty", "school", "智能制造学院"),
    ("mentor", "张工 Zhang (Industry mentor)", "mentor", "enterprise", "埃夫特智能装备"),
    ("mentor2", "刘工 Liu (Industry mentor)", "mentor", "enterprise", "新松机器人"),
)


def demo_files() -> list[Path]:
    return sorted(DEMO_DIR.glob("*.json"))


def validate_program_data(data: dict[str, Any], *, source: str = "") -> None:
    """Check a demo programme file against data/demo/FORMAT.md; raise ``ValidationFailed``."""
    errors: list[str] = []
    prefix = f"{source}: " if source else ""
    roles = {r["key"] for r in data.get("job_roles", [])}
    codes: dict[str, str] = {}

    def walk(nodes: list[dict], parent_kind: str | None) -> None:
        for node in nodes:
            code = str(node.get("code", ""))
            if not parent_allowed(node.get("kind"), parent_kind):  # the framework editor's and restore's rule
                errors.append(f"{prefix}node {code}: kind {node.get('kind')!r} cannot sit under "
                              f"{parent_kind or 'the root'}")
            if code in codes:
                errors.append(f"{prefix}node {code}: duplicate code")
            codes[code] = node.get("kind", "")
            if node.get("type") not in (None, *COMPETENCY_TYPES):
                errors.append(f"{prefix}node {code}: type {node.get('type')!r}")
            if node.get("importance") is not None and not 1 <= int(node["importance"]) <= 5:
                errors.append(f"{prefix}node {code}: importance outside 1–5")
            if node.get("job_role") and node["job_role"] not in roles:
                errors.append(f"{prefix}node {code}: unknown job role {node['job_role']}")
            if node.get("kind") == "competency" and node.get("children"):
                errors.append(f"{prefix}node {code}: a competency has no children")
            if node.get("kind") in ("area", "task"):
                walk(node.get("children", []), node.get("kind"))

    walk(data.get("framework", []), None)
    courses = {c["code"]: c for c in data.get("courses", [])}
    for course in courses.values():
        if course.get("type") not in COURSE_TYPES:
            errors.append(f"{prefix}course {course['code']}: type {course.get('type')!r}")
    seen_links = set()
    for a in data.get("alignments", []):
        link = (a.get("course"), str(a.get("competency")))
        if link in seen_links:
            errors.append(f"{prefix}alignment {link[0]}→{link[1]}: listed twice")
        seen_links.add(link)

    def check_alignment(a: dict, where: str) -> None:
        if codes.get(str(a.get("competency"))) != "competency":
            errors.append(f"{prefix}{where}: {a.get('competency')} is not a competency (leaf) code")
        if a.get("level") not in (1, 2, 3):
            errors.append(f"{prefix}{where}: level {a.get('level')!r}")
        if a.get("status", "proposed") not in ALIGNMENT_STATUSES:
            errors.append(f"{prefix}{where}: status {a.get('status')!r}")

    accounts = {u[0] for u in DEMO_USERS}
    for survey in data.get("surveys", []):
        if survey.get("job_role") not in roles:
            errors.append(f"{prefix}survey: unknown job role {survey.get('job_role')}")
        for name in [survey.get("opened_by", "lead"), *survey.get("accounts", [])]:
            if name not in accounts:
                errors.append(f"{prefix}survey: unknown user {name}")
        if not survey.get("accounts") and not survey.get("links"):
            errors.append(f"{prefix}survey: no raters")
    for cert in data.get("certificates", []):
        _check_certificate(cert, codes, courses, errors, prefix)
    for a in data.get("alignments", []):
        if a.get("course") not in courses:
            errors.append(f"{prefix}alignment: unknown course {a.get('course')}")
        check_alignment(a, f"alignment {a.get('course')}→{a.get('competency')}")
    for s in data.get("standards", []):
        course = courses.get(s.get("course"))
        if course is None:
            errors.append(f"{prefix}standard: unknown course {s.get('course')}")
            continue
        hours = sum(u.get("hours_theory", 0) + u.get("hours_practice", 0) for u in s.get("units", []))
        if hours != course["hours_theory"] + course["hours_practice"]:
            errors.append(f"{prefix}standard {course['code']}: unit hours {hours} ≠ course hours")
        weight = sum(float(i.get("weight", 0)) for i in s.get("assessment", []))
        if abs(weight - 100) > 1e-6:
            errors.append(f"{prefix}standard {course['code']}: assessment weights add up to {weight}")
        for o in s.get("objectives", []):
            if o.get("dimension") not in OBJECTIVE_DIMENSIONS:
                errors.append(f"{prefix}standard {course['code']}: objective dimension {o.get('dimension')!r}")
            for a in o.get("alignments", []):
                check_alignment(a, f"standard {course['code']} objective {o.get('code')}")
        for u in s.get("units", []):
            for a in u.get("alignments", []):
                check_alignment(a, f"standard {course['code']} unit {u.get('title')}")
        for item in s.get("assessment", []):
            if item.get("category", "process") not in ASSESSMENT_CATEGORIES:
                errors.append(f"{prefix}standard {course['code']}: assessment category {item.get('category')!r}")
    if errors:
        raise ValidationFailed(errors)


def _check_certificate(cert: dict, codes: dict[str, str], courses: dict, errors: list[str], prefix: str) -> None:
    where = f"{prefix}certificate {cert.get('name')}"
    if any(len(row) != 4 or row[3] not in LEVEL_ORDER for row in cert.get("rows", [])):
        errors.append(f"{where}: each row is 工作领域, 工作任务, 职业技能要求, 等级 (one of {', '.join(LEVEL_ORDER)})")
        return
    own = set(requirement_codes(cert))
    if own & set(codes):
        errors.append(f"{where}: codes also used by the framework: {', '.join(sorted(own & set(codes)))}")
    for a in cert.get("alignments", []):
        if a.get("course") not in courses or a.get("requirement") not in own or a.get("level") not in (1, 2, 3):
            errors.append(f"{where}: alignment {a}")
    for link in cert.get("links", []):
        if len(link) != 2 or link[0] not in own or codes.get(link[1]) != "competency":
            errors.append(f"{where}: link {link}")


def _ensure_users(session: Session) -> dict[str, User]:
    users = {u.username: u for u in session.exec(select(User)).all()}
    hashed = None
    for username, display, role, side, org in DEMO_USERS:
        if username in users:
            continue
        hashed = hashed or hash_password(DEMO_PASSWORD)
        user = User(**new_user_row(username=username, display_name=display, role=role, side=side, organisation=org,
                                   password_hash=hashed, is_demo=True))
        session.add(user)
        users[username] = user
    session.flush()
    return users


def _load_program(session: Session, data: dict[str, Any], users: dict[str, User]) -> Program:
    p = data["program"]
    program = Program(**new_program_row(code=p["code"], name=p["name"], language=p.get("language", "zh"),
                                        description=p.get("description", ""), is_demo=True))
    session.add(program)
    session.flush()
    mentor, faculty = users["mentor"], users["faculty"]

    def proposer(side: str | None) -> tuple[int | None, str]:
        side = side or "school"
        return (mentor.id if side == "enterprise" else faculty.id), side

    roles: dict[str, JobRole] = {}
    for i, r in enumerate(data.get("job_roles", [])):
        role = JobRole(**new_job_role_row(program_id=program.id, name=r["name"], description=r.get("description", ""),
                                          external_code=r.get("external_code", ""),
                                          external_uri=r.get("external_uri", ""), source=r.get("source", "manual"),
                                          sort_order=i))
        session.add(role)
        roles[r["key"]] = role
    session.flush()

    nodes: dict[str, Competency] = {}

    def add_nodes(items: list[dict], parent: Competency | None, inherited_role: str | None) -> None:
        for order, item in enumerate(items):
            role_key = item.get("job_role") or inherited_role
            by, side = proposer(item.get("side"))
            node = Competency(**new_node_row(
                program_id=program.id, parent_id=parent.id if parent else None, kind=item["kind"],
                parent_kind=parent.kind if parent else None,
                code=str(item["code"]), statement=item["statement"], comp_type=item.get("type"),
                importance=item.get("importance"), required_level=item.get("required_level"),
                job_role_id=roles[role_key].id if role_key and item["kind"] != "area" else None,
                external_uri=item.get("external_uri", ""), sort_order=order, status="accepted",
                proposed_by_id=by, proposed_side=side,
                confirmed_by_id=mentor.id if side == "school" else users["lead"].id,
            ))
            session.add(node)
            session.flush()
            nodes[node.code] = node
            add_nodes(item.get("children", []), node, role_key)

    add_nodes(data.get("framework", []), None, None)

    courses: dict[str, Course] = {}
    for c in data.get("courses", []):
        course = Course(**new_course_row(program_id=program.id, **{**c, "course_type": c["type"]}))
        session.add(course)
        courses[c["code"]] = course
    session.flush()
    for c in data.get("courses", []):
        for owner in c.get("owners", []):
            session.add(CourseOwner(**new_owner_row(course_id=courses[c["code"]].id, user_id=users[owner].id)))

    def alignment(a: dict, course: Course, unit_id=None, objective_id=None) -> Alignment:
        by, side = proposer(a.get("side"))
        status = a.get("status", "proposed")
        review = {"status": "proposed", "proposed_by_id": by, "proposed_side": side, "reason": a.get("reason", "")}
        if status != "proposed":  # decided by the other side (the alignment rules' decision columns)
            review.update(decision(status, decided_by_id=mentor.id if side == "school" else faculty.id,
                                   reason=a.get("reason", "")))
        return Alignment(**new_row(competency_id=nodes[str(a["competency"])].id, course_id=course.id,
                                   unit_id=unit_id, objective_id=objective_id, level=a["level"], source="demo",
                                   **review))

    for a in data.get("alignments", []):
        session.add(alignment(a, courses[a["course"]]))

    for s in data.get("standards", []):
        course = courses[s["course"]]
        course_data = next(c for c in data["courses"] if c["code"] == s["course"])
        owner = users[course_data["owners"][0]] if course_data.get("owners") else users["faculty"]
        standard = CourseStandard(**new_standard_row(
            course_id=course.id, created_by_id=owner.id, status=s.get("status", "draft"),
            title=s.get("title", course.name), **{k: s.get(k, "") for k in STANDARD_FIELDS if k != "title"}))
        session.add(standard)
        session.flush()
        for order, o in enumerate(s.get("objectives", [])):
            objective = Objective(**new_objective_row(standard_id=standard.id, dimension=o["dimension"],
                                                      code=o.get("code", ""), text=o["text"], sort_order=order,
                                                      proposed_by_id=faculty.id, proposed_side="school"))
            session.add(objective)
            session.flush()
            for a in o.get("alignments", []):
                session.add(alignment(a, course, objective_id=objective.id))
        for order, u in enumerate(s.get("units", [])):
            unit = LearningUnit(**new_unit_row(standard_id=standard.id, title=u["title"], content=u.get("content", ""),
                                               learning_tasks=u.get("learning_tasks", ""),
                                               hours_theory=u.get("hours_theory", 0),
                                               hours_practice=u.get("hours_practice", 0), sort_order=order,
                                               proposed_by_id=faculty.id, proposed_side="school"))
            session.add(unit)
            session.flush()
            for a in u.get("alignments", []):
                session.add(alignment(a, course, unit_id=unit.id))
        for order, item in enumerate(s.get("assessment", [])):
            session.add(AssessmentItem(**new_assessment_row(standard_id=standard.id, name=item["name"],
                                                            category=item.get("category", "process"),
                                                            weight=float(item["weight"]),
                                                            method=item.get("method", ""), sort_order=order)))
        session.flush()
        session.add(StandardVersion(**new_version_row(standard_id=standard.id, number=1,
                                                      content=standard_content(session, standard.id),
                                                      author_id=owner.id, note="demo")))
    session.flush()
    audit.record(session, actor=SYSTEM, entity_type="program", entity_id=program.id, action="seed",
                 program_id=program.id, summary=f"demo {program.code}")
    return program


def seed_demo(engine: Engine, *, files: list[Path] | None = None) -> dict[str, Any]:
    """Load the demo programmes and accounts that are missing; report what was done."""
    files = files if files is not None else demo_files()
    datasets = []
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        validate_program_data(data, source=path.name)
        datasets.append(data)
    created, skipped = [], []
    with session_scope(engine) as session:
        users = _ensure_users(session)
        existing = set(session.exec(select(Program.code)).all())
        for data in datasets:
            code = data["program"]["code"]
            if code in existing:
                skipped.append(code)
                continue
            _load_program(session, data, users)
            created.append(code)
    for data in datasets:
        if data["program"]["code"] in created:
            for spec in data.get("surveys", []):
                seed_survey(engine, program_code=data["program"]["code"], data=data, spec=spec)
            for spec in data.get("certificates", []):
                seed_certificate(engine, program_code=data["program"]["code"], spec=spec)
    return {"created": created, "skipped": skipped}


def demo_answers(importance: int | None, position: int, *, discuss: bool, raters: int) -> list[dict[str, Any]]:
    """The demo raters' answers on one item, chosen so the rounded median equals the file's importance
    (the demo's coverage figures stay as they are) while the spread varies: an item to ``discuss``
    gets [1, 1, i, 5, 5] (IQR 4, flagged), the others [i, i, i, i-1, i+1] (clamped to 1–5). An item
    without an importance is "not relevant" to every rater, so closing leaves it unrated."""
    if importance is None:
        return [{"not_relevant": True} for _ in range(raters)]
    spread = [1, 1, importance, 5, 5] if discuss else [importance, importance, importance,
                                                        max(1, importance - 1), min(5, importance + 1)]
    return [{"importance": spread[n % 5], "frequency": 1 + (position * 2 + n) % 7,
             "difficulty": 1 + (position + n * 2) % 5} for n in range(raters)]


def seed_survey(engine: Engine, *, program_code: str, data: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A demo verification survey written through ``services.surveys`` (open, invite, rate, close)."""
    from services import surveys
    from services.users import get_actor

    with session_scope(engine) as session:
        program = session.exec(select(Program).where(Program.code == program_code)).one()
        role_name = next(r["name"] for r in data["job_roles"] if r["key"] == spec["job_role"])
        role = session.exec(select(JobRole).where(JobRole.program_id == program.id,
                                                  JobRole.name == role_name)).one()
    opener = get_actor(engine, username=spec.get("opened_by", "lead"))
    survey = surveys.open_survey(engine, actor=opener, job_role_id=role.id, title=spec.get("title", ""))
    accounts = [get_actor(engine, username=name) for name in spec.get("accounts", [])]
    surveys.invite_users(engine, actor=opener, survey_id=survey["id"], user_ids=[a.id for a in accounts])
    tokens = [surveys.create_invitation_link(engine, actor=opener, survey_id=survey["id"], name=name)["token"]
              for name in spec.get("links", [])]
    raters = [{"actor": a, "survey_id": survey["id"]} for a in accounts] + [{"token": t} for t in tokens]
    first = surveys.rater_access(engine, **raters[0])
    importance = {n["code"]: n.get("importance") for n in _all_nodes(data.get("framework", []))}
    for position, item in enumerate(surveys.rating_form(engine, access=first)):
        answers = demo_answers(importance.get(item["code"]), position, discuss=item["code"] in spec.get("discuss", []),
                               raters=len(raters))
        for who, answer in zip(raters, answers, strict=True):
            surveys.save_answer(engine, item_id=item["item_id"], **answer, **who)
    if spec.get("closed"):
        return surveys.close_survey(engine, actor=opener, survey_id=survey["id"], expected_version=survey["version"])
    return survey


def _all_nodes(nodes: list[dict[str, Any]]):
    for node in nodes:
        yield node
        yield from _all_nodes(node.get("children", []))


def database_is_empty(engine: Engine) -> bool:
    """True when there is no programme and no user yet (``make run`` seeds then)."""
    with session_scope(engine) as session:
        return session.exec(select(Program.id)).first() is None and session.exec(select(User.id)).first() is None
