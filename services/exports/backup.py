"""Backup and restore: one file with everything of a programme (or of the whole database).

The backup is a JSON document (optionally zipped) with no database ids at all: every
reference is a natural key (programme code, competency code, course code, (course, revision),
learning unit / objective / assessment position in its standard, username). So restoring it
anywhere and exporting again gives the same document (``export → restore → export``), and a
merge can match rows by those keys.

What it holds per programme: the programme, job roles, the framework tree with provenance,
courses with owners, every standard revision with its StandardVersion history, objectives,
units and assessment, alignments with provenance, suggestion decisions (accepted / rejected
suggested alignments, so a rejected pair stays hidden after a restore), comments (threaded),
ratings, coverage snapshots, verification surveys (items with their aggregates, raters, answers),
change marks and competency links; and the users referenced (all users for a database backup), without
password hashes — nor survey invitation links' token hashes — unless an admin asks for them
(docs/surveys.md, "Backups"). The format itself is ``services.exports.backup_format``.

Restoring it is an import: ``services.importing.restore`` (re-exported as
``services.exports.restore_backup``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models import (
    Alignment,
    AssessmentItem,
    ChangeMark,
    Comment,
    Competency,
    CompetencyLink,
    Course,
    CourseOwner,
    CourseStandard,
    CoverageSnapshot,
    JobRole,
    LearningUnit,
    Objective,
    Program,
    Rating,
    SkillWeight,
    StandardVersion,
    SuggestionDecision,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyRater,
    User,
)
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, PermissionDenied
from services.exports.backup_format import (
    ARCHIVE_MEMBER,
    COUNT_KEYS,
    FORMAT,
    FORMAT_VERSION,
    STANDARD_TEXT_FIELDS,
    SURVEY_ITEM_COLUMNS,
    entity_kind,
)
from services.exports.common import MEDIA_TYPES, ExportFile, Progress, ProgressReporter, export_filename, iso
from services.outline import code_sort_key
from services.permissions import require

# --------------------------------------------------------------------------- export


def _ts(value: datetime | None) -> str | None:
    return iso(value)


def _target_sort_key(target: str) -> tuple:
    kind, _, rest = target.partition(":")
    return ({"course": 0, "unit": 1, "objective": 2}.get(kind, 3), code_sort_key(rest))


class _Exporter:
    """Reads one programme into its backup form, collecting the users it references."""

    def __init__(self, session: Session, users: dict[int, User], include_secrets: bool = False) -> None:
        self.session = session
        self.users = users
        self.include_secrets = include_secrets  # password hashes' companions: invitation links' token hashes
        self.referenced: set[int] = set()
        self.keys: dict[tuple[str, int], str] = {}  # (entity type, id) -> natural key, of the last programme read

    def user(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        user = self.users.get(user_id)
        if user is None:
            return None
        self.referenced.add(user_id)
        return user.username

    def program(self, program: Program) -> dict[str, Any]:
        s = self.session
        pid = program.id
        roles = sorted(s.exec(select(JobRole).where(JobRole.program_id == pid)).all(),
                       key=lambda r: (r.sort_order, r.name))
        role_names = {r.id: r.name for r in roles}
        weights: dict[int, list[dict[str, Any]]] = {}  # a 国家职业技能标准 source's weight tables (比重表)
        for w in s.exec(select(SkillWeight).where(SkillWeight.program_id == pid)
                        .order_by(SkillWeight.job_role_id, SkillWeight.sort_order, SkillWeight.id)).all():
            weights.setdefault(w.job_role_id, []).append({"part": w.part, "section": w.section, "item": w.item,
                                                          "level": w.level, "weight": w.weight})
        nodes = s.exec(select(Competency).where(Competency.program_id == pid)).all()
        codes = {n.id: n.code for n in nodes}
        children: dict[int | None, list[Competency]] = {}
        for node in nodes:
            children.setdefault(node.parent_id, []).append(node)
        framework: list[dict[str, Any]] = []

        def walk(parent_id: int | None) -> None:
            for node in sorted(children.get(parent_id, []), key=lambda n: (n.sort_order, code_sort_key(n.code))):
                framework.append({
                    "code": node.code, "parent": codes.get(node.parent_id), "kind": node.kind,
                    "statement": node.statement, "comp_type": node.comp_type, "importance": node.importance,
                    "required_level": node.required_level, "job_role": role_names.get(node.job_role_id),
                    "external_uri": node.external_uri, "notes": node.notes, "sort_order": node.sort_order,
                    "cert_level": node.cert_level,
                    "status": node.status, "proposed_by": self.user(node.proposed_by_id),
                    "proposed_side": node.proposed_side, "confirmed_by": self.user(node.confirmed_by_id),
                    "created_at": _ts(node.created_at), "updated_at": _ts(node.updated_at), "version": node.version,
                })
                walk(node.id)

        walk(None)
        courses = sorted(s.exec(select(Course).where(Course.program_id == pid)).all(), key=lambda c: code_sort_key(c.code))
        course_codes = {c.id: c.code for c in courses}
        owners: dict[int, list[str]] = {}
        for owner in s.exec(select(CourseOwner).where(CourseOwner.course_id.in_(list(course_codes)))).all() \
                if course_codes else []:
            name = self.user(owner.user_id)
            if name:
                owners.setdefault(owner.course_id, []).append(name)
        standards = s.exec(select(CourseStandard).where(CourseStandard.course_id.in_(list(course_codes)))).all() \
            if course_codes else []
        standard_ids = [st.id for st in standards]
        # entity id -> natural key, for alignments and comments
        keys: dict[tuple[str, int], str] = {("program", pid): program.code}
        self.keys = keys
        keys.update({("job_role", rid): name for rid, name in role_names.items()})
        keys.update({("competency", nid): code for nid, code in codes.items()})
        keys.update({("course", cid): code for cid, code in course_codes.items()})
        targets: dict[tuple[str, int], tuple[int, str]] = {}  # unit/objective id -> (course id, "unit:rev:idx")

        def rows_of(model, standard_id: int) -> list:
            return sorted((r for r in children_of[model] if r.standard_id == standard_id),
                          key=lambda r: (r.sort_order, r.id))

        children_of = {model: s.exec(select(model).where(model.standard_id.in_(standard_ids))).all() if standard_ids
                       else [] for model in (Objective, LearningUnit, AssessmentItem, StandardVersion)}
        by_course: dict[int, list[dict[str, Any]]] = {}
        for st in sorted(standards, key=lambda x: x.revision):
            course_code = course_codes[st.course_id]
            keys[("standard", st.id)] = f"{course_code}|{st.revision}"
            objectives = rows_of(Objective, st.id)
            units = rows_of(LearningUnit, st.id)
            items = rows_of(AssessmentItem, st.id)
            for kind, rows in (("objective", objectives), ("unit", units), ("assessment", items)):
                for index, row in enumerate(rows, start=1):
                    keys[(kind, row.id)] = f"{course_code}|{st.revision}|{index}"
                    if kind != "assessment":
                        targets[(kind, row.id)] = (st.course_id, f"{kind}:{st.revision}:{index}")
            versions = sorted((v for v in children_of[StandardVersion] if v.standard_id == st.id), key=lambda v: v.number)
            by_course.setdefault(st.course_id, []).append({
                "revision": st.revision, "status": st.status,
                **{name: getattr(st, name) for name in STANDARD_TEXT_FIELDS},
                "school_signed_by": self.user(st.school_signed_by_id), "school_signed_at": _ts(st.school_signed_at),
                "enterprise_signed_by": self.user(st.enterprise_signed_by_id),
                "enterprise_signed_at": _ts(st.enterprise_signed_at),
                "submitted_at": _ts(st.submitted_at), "approved_at": _ts(st.approved_at),
                "created_by": self.user(st.created_by_id), "created_at": _ts(st.created_at),
                "updated_at": _ts(st.updated_at), "version": st.version,
                "versions": [{"number": v.number, "content": v.content, "author": self.user(v.author_id),
                              "note": v.note, "created_at": _ts(v.created_at)} for v in versions],
                "objectives": [{"dimension": o.dimension, "code": o.code, "text": o.text, "sort_order": o.sort_order,
                                "proposed_by": self.user(o.proposed_by_id), "proposed_side": o.proposed_side,
                                "version": o.version} for o in objectives],
                "units": [{"title": u.title, "content": u.content, "learning_tasks": u.learning_tasks,
                           "hours_theory": u.hours_theory, "hours_practice": u.hours_practice,
                           "sort_order": u.sort_order, "proposed_by": self.user(u.proposed_by_id),
                           "proposed_side": u.proposed_side, "version": u.version} for u in units],
                "assessment": [{"name": a.name, "category": a.category, "weight": a.weight, "method": a.method,
                                "sort_order": a.sort_order, "version": a.version} for a in items],
            })
        course_docs = [{
            "code": c.code, "name": c.name, "course_type": c.course_type, "credits": c.credits,
            "hours_theory": c.hours_theory, "hours_practice": c.hours_practice, "semester": c.semester,
            "description": c.description, "created_at": _ts(c.created_at), "updated_at": _ts(c.updated_at),
            "version": c.version, "owners": sorted(owners.get(c.id, [])), "standards": by_course.get(c.id, []),
        } for c in courses]

        alignments = []
        for a in s.exec(select(Alignment).where(Alignment.course_id.in_(list(course_codes)))).all() if course_codes else []:
            if a.unit_id is not None:
                target = targets.get(("unit", a.unit_id), (None, None))[1]
            elif a.objective_id is not None:
                target = targets.get(("objective", a.objective_id), (None, None))[1]
            else:
                target = "course"
            if target is None or a.competency_id not in codes:
                continue  # a link into another programme's rows cannot be restored here
            record = {
                "competency": codes[a.competency_id], "course": course_codes[a.course_id], "target": target,
                "level": a.level, "status": a.status, "source": a.source, "proposed_by": self.user(a.proposed_by_id),
                "proposed_side": a.proposed_side, "decided_by": self.user(a.decided_by_id),
                "decided_at": _ts(a.decided_at), "reason": a.reason, "created_at": _ts(a.created_at),
                "updated_at": _ts(a.updated_at), "version": a.version,
            }
            keys[("alignment", a.id)] = f"{record['competency']}|{record['course']}|{target}"
            alignments.append(record)
        alignments.sort(key=lambda r: (code_sort_key(r["competency"]), code_sort_key(r["course"]),
                                       _target_sort_key(r["target"])))

        decisions = []
        for d in s.exec(select(SuggestionDecision).where(SuggestionDecision.program_id == pid)).all():
            kind, row_id = ("unit", d.unit_id) if d.unit_id is not None else ("objective", d.objective_id)
            course_of, target = targets.get((kind, row_id), (None, None))
            if target is None or d.competency_id not in codes:
                continue
            decisions.append({
                "competency": codes[d.competency_id], "course": course_codes[course_of], "target": target,
                "decision": d.decision, "text": d.text, "score": d.score, "alignment": d.alignment_id is not None,
                "decided_by": self.user(d.decided_by_id), "decided_side": d.decided_side,
                "decided_at": _ts(d.decided_at), "version": d.version,
            })
        decisions.sort(key=lambda r: (code_sort_key(r["competency"]), code_sort_key(r["course"]),
                                      _target_sort_key(r["target"])))

        ratings = []
        for r in s.exec(select(Rating).join(Competency, Competency.id == Rating.competency_id)
                        .where(Competency.program_id == pid)).all():
            keys[("rating", r.id)] = f"{codes[r.competency_id]}|{r.rater}"
            ratings.append({"competency": codes[r.competency_id], "rater": r.rater,
                            "rater_user": self.user(r.rater_user_id), "rater_side": r.rater_side,
                            "importance": r.importance, "frequency": r.frequency, "difficulty": r.difficulty,
                            "comment": r.comment, "created_at": _ts(r.created_at), "version": r.version})
        ratings.sort(key=lambda r: (code_sort_key(r["competency"]), r["rater"]))

        comments = self.comments(s.exec(select(Comment).where(Comment.program_id == pid)).all(), keys)
        snapshots = []
        for snap in sorted(s.exec(select(CoverageSnapshot).where(CoverageSnapshot.program_id == pid)).all(),
                           key=lambda x: (x.created_at, x.id)):
            rows = []
            for row in snap.by_competency or []:
                row = dict(row)
                if "id" in row:
                    row["id"] = {"competency": codes.get(row["id"])}  # ids mean nothing elsewhere: keep the code
                rows.append(row)
            snapshots.append({"created_at": _ts(snap.created_at), "created_by": self.user(snap.created_by_id),
                              "reason": snap.reason, "label": snap.label, "confirmed_only": snap.confirmed_only,
                              "metrics": snap.metrics, "by_competency": rows})
        surveys = self.surveys(pid, role_names, codes)
        marks = [{"competency": codes[m.competency_id], "reason": m.reason, "note": m.note,
                  "marked_by": self.user(m.marked_by_id), "marked_side": m.marked_side, "marked_at": _ts(m.marked_at),
                  "resolved_at": _ts(m.resolved_at), "resolved_by": self.user(m.resolved_by_id), "version": m.version}
                 for m in sorted(s.exec(select(ChangeMark).where(ChangeMark.program_id == pid)).all(),
                                 key=lambda m: (m.marked_at, m.id)) if m.competency_id in codes]
        links = []  # each pair by its codes in code order (ids differ after a restore)
        for k in s.exec(select(CompetencyLink).where(CompetencyLink.program_id == pid)).all():
            if k.low_id in codes and k.high_id in codes:
                low, high = sorted((codes[k.low_id], codes[k.high_id]), key=code_sort_key)
                links.append({"low": low, "high": high, "created_by": self.user(k.created_by_id),
                              "created_at": _ts(k.created_at)})
        links.sort(key=lambda r: (code_sort_key(r["low"]), code_sort_key(r["high"])))
        return {
            "code": program.code, "name": program.name, "language": program.language,
            "description": program.description, "is_demo": program.is_demo, "created_at": _ts(program.created_at),
            "updated_at": _ts(program.updated_at), "version": program.version,
            "job_roles": [{"name": r.name, "description": r.description, "external_code": r.external_code,
                           "external_uri": r.external_uri, "source": r.source, "sort_order": r.sort_order,
                           "kind": r.kind, "dacum_panels": dict(r.dacum_panels or {}),
                           "skill_weights": weights.get(r.id, []), "version": r.version} for r in roles],
            "framework": framework, "courses": course_docs, "alignments": alignments,
            "suggestion_decisions": decisions, "comments": comments, "ratings": ratings,
            "coverage_snapshots": snapshots, "surveys": surveys, "change_marks": marks, "competency_links": links,
        }

    def surveys(self, pid: int, role_names: dict[int, str], codes: dict[int, str]) -> list[dict[str, Any]]:
        """The programme's surveys in the order they were opened, each with its items (a closed survey's
        aggregates included), raters (``ref`` numbers them for the answers) and answers. An invitation
        link's token hash is written only with the password hashes (see docs/surveys.md)."""
        s, out = self.session, []
        for survey in sorted(s.exec(select(Survey).where(Survey.program_id == pid)).all(),
                             key=lambda x: (x.opened_at, x.id)):
            items = sorted(s.exec(select(SurveyItem).where(SurveyItem.survey_id == survey.id)).all(),
                           key=lambda i: (i.sort_order, i.id))
            raters = sorted(s.exec(select(SurveyRater).where(SurveyRater.survey_id == survey.id)).all(),
                            key=lambda r: r.id)
            refs = {r.id: n for n, r in enumerate(raters, start=1)}
            item_codes = {i.id: codes.get(i.competency_id) for i in items}
            answers = s.exec(select(SurveyAnswer).where(SurveyAnswer.rater_id.in_(list(refs)))).all() if refs else []
            out.append({
                "job_role": role_names.get(survey.job_role_id), "title": survey.title, "status": survey.status,
                "apply_importance": survey.apply_importance, "opened_by": self.user(survey.opened_by_id),
                "opened_at": _ts(survey.opened_at), "closed_by": self.user(survey.closed_by_id),
                "closed_at": _ts(survey.closed_at), "version": survey.version,
                "items": [{"competency": item_codes[i.id], **{k: getattr(i, k) for k in SURVEY_ITEM_COLUMNS}}
                          for i in items if item_codes[i.id] is not None],
                "raters": [{"ref": refs[r.id], "user": self.user(r.user_id), "name": r.name, "side": r.side,
                            "link": r.token_hash is not None,
                            **({"token_hash": r.token_hash} if self.include_secrets and r.token_hash else {}),
                            "expires_at": _ts(r.expires_at), "revoked_at": _ts(r.revoked_at),
                            "invited_by": self.user(r.invited_by_id), "created_at": _ts(r.created_at)} for r in raters],
                "answers": sorted(({"competency": item_codes[a.item_id], "rater": refs[a.rater_id],
                                    "importance": a.importance, "frequency": a.frequency, "difficulty": a.difficulty,
                                    "not_relevant": a.not_relevant, "updated_at": _ts(a.updated_at),
                                    "version": a.version}
                                   for a in answers if item_codes.get(a.item_id) is not None),
                                  key=lambda a: (a["rater"], code_sort_key(a["competency"]))),
            })
        return out

    def comments(self, rows: list[Comment], keys: dict[tuple[str, int], str]) -> list[dict[str, Any]]:
        """Comments in time order; ``ref`` numbers them so replies can name their parent."""
        ordered = sorted(rows, key=lambda c: (c.created_at, c.id))
        refs = {c.id: i for i, c in enumerate(ordered, start=1)}
        out = []
        for c in ordered:
            keys[("comment", c.id)] = str(refs[c.id])
            entity_key = keys.get((entity_kind(c.entity_type), c.entity_id))
            if entity_key is None and c.entity_type == "user":
                entity_key = self.user(c.entity_id)
            out.append({"ref": refs[c.id], "parent": refs.get(c.parent_id), "entity_type": c.entity_type,
                        "entity": entity_key, "author": self.user(c.author_id), "author_side": c.author_side,
                        "body": c.body, "resolved": c.resolved, "resolved_by": self.user(c.resolved_by_id),
                        "resolved_at": _ts(c.resolved_at), "created_at": _ts(c.created_at), "version": c.version})
        return out


def _user_doc(user: User, include_password_hashes: bool) -> dict[str, Any]:
    doc = {"username": user.username, "display_name": user.display_name, "role": user.role, "side": user.side,
           "organisation": user.organisation, "email": user.email, "is_active": user.is_active, "is_demo": user.is_demo,
           "preferred_lang": user.preferred_lang, "created_at": _ts(user.created_at), "version": user.version}
    if include_password_hashes:
        doc["password_hash"] = user.password_hash
    return doc


def _document(session: Session, *, programs: list[Program], whole_database: bool, include_password_hashes: bool,
              report: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    users = {u.id: u for u in session.exec(select(User)).all()}
    exporter = _Exporter(session, users, include_secrets=include_password_hashes)
    docs = []
    for i, program in enumerate(sorted(programs, key=lambda p: p.code)):
        docs.append(exporter.program(program))
        if report:
            report(0.1 + 0.8 * (i + 1) / max(len(programs), 1), program.code)
    doc: dict[str, Any] = {"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": _ts(datetime.now(UTC)),
                           "scope": "database" if whole_database else "program",
                           "includes_password_hashes": include_password_hashes}
    if whole_database:
        keys: dict[tuple[str, int], str] = {}
        loose = session.exec(select(Comment).where(Comment.program_id.is_(None))).all()
        doc["comments"] = exporter.comments(loose, keys)
        chosen = list(users.values())
    else:
        chosen = [users[i] for i in exporter.referenced]
    doc["users"] = [_user_doc(u, include_password_hashes) for u in sorted(chosen, key=lambda u: u.username)]
    doc["programs"] = docs
    return doc


def backup_document(engine: Engine, *, actor: Actor, program_id: int | None = None,
                    include_password_hashes: bool = False) -> dict[str, Any]:
    """The backup of one programme (or, with ``program_id=None``, of the whole database) as a dict."""
    require(actor, "backup.run")
    if include_password_hashes and not actor.is_admin:
        raise PermissionDenied("only an admin may export password hashes", action="backup.run", role=actor.role)
    with session_scope(engine) as session:
        if program_id is None:
            programs = list(session.exec(select(Program)).all())
        else:
            program = session.get(Program, program_id)
            if program is None:
                raise NotFound(f"programme {program_id} not found")
            programs = [program]
        return _document(session, programs=programs, whole_database=program_id is None,
                         include_password_hashes=include_password_hashes)


def export_backup(
    engine: Engine, *, actor: Actor, program_id: int | None = None, include_password_hashes: bool = False,
    fmt: str = "json", progress: Progress | None = None,
) -> ExportFile:
    """A backup file: ``fmt="json"`` (UTF-8 JSON) or ``"zip"`` (the same JSON, compressed)."""
    if fmt not in ("json", "zip"):
        raise ValueError(f"backup format json or zip, not {fmt!r}")
    require(actor, "backup.run")
    if include_password_hashes and not actor.is_admin:
        raise PermissionDenied("only an admin may export password hashes", action="backup.run", role=actor.role)
    report = ProgressReporter(progress)
    report(0.0, "read")
    with session_scope(engine) as session:
        if program_id is None:
            programs, code = list(session.exec(select(Program)).all()), "all"
        else:
            program = session.get(Program, program_id)
            if program is None:
                raise NotFound(f"programme {program_id} not found")
            programs, code = [program], program.code
        doc = _document(session, programs=programs, whole_database=program_id is None,
                        include_password_hashes=include_password_hashes, report=report)
    text = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    if fmt == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(ARCHIVE_MEMBER, text)
        text = buffer.getvalue()
    report(1.0, "done")
    return ExportFile(text, export_filename(program_code=code, kind="backup", ext=fmt), MEDIA_TYPES[fmt])


__all__ = ["ARCHIVE_MEMBER", "COUNT_KEYS", "FORMAT", "FORMAT_VERSION", "backup_document", "export_backup"]
