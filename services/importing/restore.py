"""Restore a backup (services/exports/backup.py writes it): a restore is an import, so it lives here.

Restore never overwrites: an existing programme code is refused unless ``merge=True``,
which creates only what is missing (matched by natural keys) and reports the rest as
unchanged, like the import engine. Everything happens in one transaction; a dry run rolls it
back; a corrupt, truncated or foreign file is reported as errors with the database untouched.
Every row is built by the module owning its record (``Model(**builder(...))``: programmes, users, the
framework, courses and owners, standards and their parts, alignments, suggestion decisions, ratings,
comments, snapshots, surveys, change marks), so what the editor refuses a restore refuses too; a
builder's ``ValidationFailed`` makes the restore write nothing.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jsonschema
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
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
from services import audit
from services.actor import Actor
from services.alignment_rules import new_row, stored_review
from services.comments import new_comment_row, takes_comments
from services.courses import new_course_row, new_owner_row
from services.coverage.snapshots import new_snapshot_row
from services.errors import ValidationFailed, error_lines
from services.exports.backup import _Exporter
from services.exports.backup_format import (
    ARCHIVE_MEMBER,
    BACKUP_SCHEMA,
    COUNT_KEYS,
    FORMAT,
    FORMAT_VERSION,
    OPTIONAL_SECTIONS,
    STANDARD_TEXT_FIELDS,
    SURVEY_ITEM_COLUMNS,
    entity_kind,
    parse_ts,
)
from services.exports.common import Progress, ProgressReporter, t
from services.framework import new_job_role_row, new_link_row, new_node_row
from services.hierarchy import parent_allowed
from services.impact import new_mark_row
from services.importing.commit import id_ranges
from services.importing.weights import new_skill_weight_row
from services.permissions import require
from services.programs import new_program_row
from services.sessions import hash_token
from services.standards.create import new_standard_row
from services.standards.save import new_assessment_row, new_objective_row, new_unit_row, new_version_row
from services.suggestions import new_decision_row
from services.surveys import (
    TOKEN_BYTES,
    new_answer_row,
    new_rater_row,
    new_rating_row,
    new_survey_item_row,
    new_survey_row,
)
from services.users import new_user_row


@dataclass
class RestoreReport:
    """What a restore did (or would do): the import command's report shape."""

    ok: bool = False
    program: str | None = None
    programs: list[str] = field(default_factory=list)
    dry_run: bool = False
    merge: bool = False
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {k: 0 for k in COUNT_KEYS}
                                 for name in ("created", "updated", "unchanged", "not_in_file", "deleted")})
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def error(self, message: str, where: str | None = None) -> None:
        self.errors.append({"where": where, "message": message})

    def warn(self, message: str, where: str | None = None) -> None:
        self.warnings.append({"where": where, "message": message})

    def count(self, name: str, key: str, n: int = 1) -> None:
        self.counts[name][key] += n

    def to_json(self) -> dict[str, Any]:
        """``{"ok", "kind": "backup", "program", "dry_run", "created", …, "errors", "warnings"}``."""
        return {"ok": self.ok, "kind": "backup", "program": self.program, "programs": self.programs,
                "dry_run": self.dry_run, "merge": self.merge,
                **{name: dict(self.counts[name]) for name in ("created", "updated", "unchanged", "not_in_file",
                                                               "deleted")},
                "errors": self.errors, "warnings": self.warnings}


MAX_JSON_DEPTH = 32  # a backup nests about 8 levels (programme → standard → unit → …); more is not a backup


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """The member's bytes, or None as soon as more than ``limit`` come out (the declared size can lie)."""
    chunks, total = [], 0
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            total += len(chunk)
            if total > limit:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _shape_problem(doc: Any, max_items: int) -> tuple[str, dict[str, Any]] | None:
    """(message key, params) when the parsed document nests too deep or holds a list longer than ``max_items``
    (the import's rows-per-sheet limit)."""
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return "export.restore.too_deep", {"limit": MAX_JSON_DEPTH}
        if isinstance(node, dict):
            stack.extend((v, depth + 1, f"{path}/{k}") for k, v in node.items() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            if len(node) > max_items:
                return "export.restore.too_many", {"path": path or "/", "count": len(node), "limit": max_items}
            stack.extend((v, depth + 1, f"{path}/{i}") for i, v in enumerate(node) if isinstance(v, (dict, list)))
    return None


def read_backup(data: bytes, report: RestoreReport, lang: str = "en") -> dict[str, Any] | None:
    """Bytes (JSON or a zip holding backup.json) → the document, or ``None`` with errors in ``report``.

    Held to the import's limits (``services.importing.limits.Limits``): the file size, the zip's
    member count and declared size, the bytes really decompressed (read in chunks, so a zip whose
    sizes were patched is stopped too), then the JSON's nesting depth and list lengths. Control
    characters are removed from every string with a warning naming the JSON path.
    """
    from services.importing.limits import MB, Limits
    from services.textguard import clean_tree

    limits = Limits.from_env()
    if len(data) > limits.max_file_bytes:
        report.error(t("export.restore.file_too_large", lang, size_mb=round(len(data) / MB, 1),
                       limit_mb=round(limits.max_file_bytes / MB, 1)))
        return None
    raw = data
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                if len(infos) > limits.max_zip_members:
                    report.error(t("export.restore.zip_members", lang, count=len(infos),
                                   limit=limits.max_zip_members))
                    return None
                names = [i.filename for i in infos]
                member = ARCHIVE_MEMBER if ARCHIVE_MEMBER in names else next((n for n in names if n.endswith(".json")), None)
                if member is None:
                    report.error(t("export.restore.no_json_in_zip", lang))
                    return None
                info = archive.getinfo(member)
                too_large = t("export.restore.too_large", lang, limit_mb=round(limits.max_decompressed_bytes / MB, 1))
                if info.file_size > limits.max_decompressed_bytes:
                    report.error(too_large)
                    return None
                raw = _read_member(archive, info, limits.max_decompressed_bytes)
                if raw is None:
                    report.error(too_large)
                    return None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, KeyError, ValueError,
                NotImplementedError, RuntimeError) as exc:  # a damaged archive, a damaged deflate stream
            report.error(t("export.restore.bad_zip", lang, reason=str(exc)[:200]))
            return None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        # a cut inside the last character means the file was truncated, not that it is in another encoding
        report.error(t("export.restore.truncated" if exc.end >= len(raw) and exc.reason == "unexpected end of data"
                       else "export.restore.not_utf8", lang))
        return None
    except json.JSONDecodeError as exc:
        report.error(t("export.restore.bad_json", lang, line=exc.lineno, column=exc.colno, reason=exc.msg))
        return None
    except RecursionError:
        report.error(t("export.restore.too_deep", lang, limit=MAX_JSON_DEPTH))
        return None
    problem = _shape_problem(doc, limits.max_rows_per_sheet)
    if problem is not None:
        report.error(t(problem[0], lang, **problem[1]))
        return None
    doc, changed = clean_tree(doc)
    for path in changed[:200]:
        report.warn(t("export.restore.control_chars", lang), path)
    if len(changed) > 200:
        report.warn(t("export.restore.control_chars_more", lang, count=len(changed) - 200))
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        report.error(t("export.restore.not_backup", lang))
        return None
    if doc.get("format_version") != FORMAT_VERSION:
        report.error(t("export.restore.bad_version", lang, version=doc.get("format_version"), supported=FORMAT_VERSION))
        return None
    validator = jsonschema.Draft202012Validator(BACKUP_SCHEMA)
    for problem in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))[:200]:
        where = "/".join(str(p) for p in problem.absolute_path) or "/"
        report.error(t("export.restore.invalid", lang, reason=problem.message), where)
    return None if report.errors else doc


# --------------------------------------------------------------------------- restore


def _now_or(value: str | None) -> datetime:
    return parse_ts(value) or datetime.now(UTC)


def _stamps(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """The row's timestamps ``names`` (now when missing) and its version (1 when missing)."""
    return {**{name: _now_or(row.get(name)) for name in names}, "version": row.get("version", 1)}


class _Restorer:
    """Writes a checked backup document inside one session, counting as it goes. Every row is built by its
    owning module's builder (``Model(**builder(...))``), so a restore accepts what the editor accepts."""

    def __init__(self, session: Session, actor: Actor, report: RestoreReport, lang: str, merge: bool) -> None:
        self.s, self.actor, self.report, self.lang, self.merge = session, actor, report, lang, merge
        # the rows this programme's restore created, by audit entity type (listed on its "restore" event);
        # course owners, which have no id of their own, by the id of their course
        self.created: dict[str, list[int]] = defaultdict(list)
        self.users: dict[str, int] = {u.username: u.id for u in session.exec(select(User)).all()}

    def add(self, kind: str, rows: list[Any], *, count: str | None = None) -> list[Any]:
        """Add ``rows`` one flush each (ids in file order, the order the backup lists them in), count them as
        created and list them for the audit event; returns them."""
        for row in rows:
            self.s.add(row)
            self.s.flush()
        self.report.count("created", count or kind, len(rows))
        self.created[kind] += [row.id for row in rows]
        return rows

    # users ----------------------------------------------------------------
    def restore_users(self, doc: dict[str, Any]) -> None:
        with_hashes = bool(doc.get("includes_password_hashes"))
        new = []
        for u in doc["users"]:
            if u["username"] in self.users:
                self.report.count("unchanged", "user")
                continue
            has_hash = with_hashes and bool(u.get("password_hash"))
            new.append(User(**new_user_row(
                username=u["username"], display_name=u["display_name"], role=u["role"], side=u["side"],
                organisation=u.get("organisation", ""), email=u.get("email", ""),
                password_hash=u.get("password_hash", "") if has_hash else "",
                is_active=bool(u.get("is_active", True)) if has_hash else False, is_demo=bool(u.get("is_demo", False)),
                preferred_lang=u.get("preferred_lang"), **_stamps(u, "created_at"))))
            if not has_hash:
                self.report.warn(t("export.restore.user_inactive", self.lang, username=u["username"]))
        for user in self.add("user", new):
            self.users[user.username] = user.id

    def user_id(self, username: str | None) -> int | None:
        """The id of ``username``; a user named but missing is created inactive, without a password."""
        if username is None:
            return None
        if username not in self.users:
            user, = self.add("user", [User(**new_user_row(username=username, display_name=username, role="faculty",
                                                          side="school", is_active=False))])
            self.users[username] = user.id
            self.report.warn(t("export.restore.user_placeholder", self.lang, username=username))
        return self.users[username]

    # one programme --------------------------------------------------------
    def restore_program(self, p: dict[str, Any], existing: Program | None, existing_doc: dict[str, Any] | None,
                        existing_keys: dict[tuple[str, int], str]) -> None:
        report, s = self.report, self.s
        where = p["code"]
        if existing is None:
            program, = self.add("program", [Program(**new_program_row(
                code=p["code"], name=p["name"], language=p.get("language", "zh"), description=p.get("description", ""),
                is_demo=p.get("is_demo", False), **_stamps(p, "created_at", "updated_at")))])
        else:
            program = existing
            report.count("unchanged", "program")
        old = existing_doc or {"job_roles": [], "framework": [], "courses": [], "alignments": [], "comments": [],
                               "ratings": [], "coverage_snapshots": []}
        old = {**{name: [] for name in OPTIONAL_SECTIONS}, **old}
        p = {**{name: [] for name in OPTIONAL_SECTIONS}, **p}
        differs: dict[str, int] = {}

        def match(section: str, key_of: Callable[[dict], Any], entity: Callable[[dict], str]) -> list[dict]:
            """The file rows missing from the database; counts unchanged and not_in_file."""
            present = {key_of(r): r for r in old[section]}
            missing = []
            seen = set()
            for row in p[section]:
                key = key_of(row)
                seen.add(key)
                if key in present:
                    report.count("unchanged", entity(row))
                    if _comparable(present[key]) != _comparable(row):
                        differs[section] = differs.get(section, 0) + 1
                else:
                    missing.append(row)
            for key, row in present.items():
                if key not in seen:
                    report.count("not_in_file", entity(row))
            return missing

        # job roles
        missing = match("job_roles", lambda r: r["name"], lambda r: "job_role")
        roles = {r.name: r.id for r in s.exec(select(JobRole).where(JobRole.program_id == program.id)).all()}
        new_roles = self.add("job_role", [JobRole(**new_job_role_row(
            program_id=program.id, name=r["name"], description=r.get("description", ""),
            external_code=r.get("external_code", ""), external_uri=r.get("external_uri", ""),
            source=r.get("source", "manual"), sort_order=r.get("sort_order", 0), kind=r.get("kind", "job"),
            dacum_panels=r.get("dacum_panels"), version=r.get("version", 1))) for r in missing])
        s.flush()
        self.add("skill_weight", [SkillWeight(**new_skill_weight_row(
            program_id=program.id, job_role_id=role.id, part=w["part"], section=w.get("section", ""), item=w["item"],
            level=w["level"], weight=w["weight"], sort_order=n))
            for r, role in zip(missing, new_roles, strict=True) for n, w in enumerate(r.get("skill_weights", []))])
        roles.update({r.name: r.id for r in new_roles})

        # framework: parents before children (the file is in tree order; checked anyway)
        missing = match("framework", lambda r: r["code"], lambda r: r["kind"])
        present_nodes = s.exec(select(Competency).where(Competency.program_id == program.id)).all()
        nodes = {n.code: n.id for n in present_nodes}
        kinds = {n.code: n.kind for n in present_nodes}
        pending = list(missing)
        while pending:
            ready = [r for r in pending if r.get("parent") is None or r["parent"] in nodes]
            if not ready:
                for r in pending:
                    report.error(t("export.restore.unknown_parent", self.lang, code=r["code"], parent=r.get("parent")),
                                 f"{where}/framework/{r['code']}")
                return
            batch = []
            for r in ready:
                if r.get("job_role") and r["job_role"] not in roles:
                    report.error(t("export.restore.unknown_job_role", self.lang, code=r["code"], name=r["job_role"]),
                                 f"{where}/framework/{r['code']}")
                    return
                parent = r.get("parent")
                batch.append(Competency(**new_node_row(
                    program_id=program.id, parent_id=nodes.get(parent) if parent else None,
                    parent_kind=kinds.get(parent) if parent else None,
                    kind=r["kind"], code=r["code"], statement=r["statement"], comp_type=r.get("comp_type"),
                    importance=r.get("importance"), required_level=r.get("required_level"),
                    job_role_id=roles.get(r.get("job_role")) if r.get("job_role") else None,
                    external_uri=r.get("external_uri", ""), notes=r.get("notes", ""), sort_order=r.get("sort_order", 0),
                    cert_level=r.get("cert_level", ""), status=r.get("status", "accepted"),
                    proposed_by_id=self.user_id(r.get("proposed_by")), proposed_side=r.get("proposed_side"),
                    confirmed_by_id=self.user_id(r.get("confirmed_by")), **_stamps(r, "created_at", "updated_at"))))
            s.add_all(batch)
            s.flush()
            for r, node in zip(ready, batch, strict=True):  # by the file's code, the key the other sections use
                nodes[r["code"]], kinds[r["code"]] = node.id, node.kind
                report.count("created", node.kind)
                self.created["competency"].append(node.id)
            ready_codes = {r["code"] for r in ready}
            pending = [r for r in pending if r["code"] not in ready_codes]

        # courses, owners, standards and everything inside them
        missing = match("courses", lambda r: r["code"], lambda r: "course")
        courses = {c.code: c.id for c in s.exec(select(Course).where(Course.program_id == program.id)).all()}
        new_courses = self.add("course", [Course(**new_course_row(program_id=program.id, **{
            **c, **_stamps(c, "created_at", "updated_at")})) for c in missing])
        courses.update({c.code: c.id for c in new_courses})
        old_courses = {c["code"]: c for c in old["courses"]}
        targets: dict[tuple[str, str], int] = {}  # (course code, "unit:rev:idx") -> unit / objective id
        self._existing_targets(program.id, targets)
        entity_ids: dict[tuple[str, str], int] = {("program", program.code): program.id}
        entity_ids.update({("job_role", k): v for k, v in roles.items()})
        entity_ids.update({("competency", k): v for k, v in nodes.items()})
        entity_ids.update({("course", k): v for k, v in courses.items()})
        for (kind, row_id), key in existing_keys.items():
            entity_ids.setdefault((kind, key), row_id)
        for c in p["courses"]:
            course_id = courses[c["code"]]
            old_owners = set((old_courses.get(c["code"]) or {}).get("owners", []))
            for username in c.get("owners", []):
                if username in old_owners:
                    report.count("unchanged", "course_owner")
                    continue
                uid = self.user_id(username)
                if s.get(CourseOwner, (course_id, uid)) is None:
                    s.add(CourseOwner(**new_owner_row(course_id=course_id, user_id=uid)))
                    report.count("created", "course_owner")
                    if course_id not in self.created["course_owner"]:
                        self.created["course_owner"].append(course_id)
            old_standards = {st["revision"]: st for st in (old_courses.get(c["code"]) or {}).get("standards", [])}
            for st in c["standards"]:
                if st["revision"] in old_standards:
                    report.count("unchanged", "standard")
                    if _comparable(old_standards[st["revision"]]) != _comparable(st):
                        differs["standards"] = differs.get("standards", 0) + 1
                    continue
                self._create_standard(c["code"], course_id, st, targets, entity_ids)
            for _rev in set(old_standards) - {st["revision"] for st in c["standards"]}:
                report.count("not_in_file", "standard")
        s.flush()

        # alignments
        missing = match("alignments", lambda r: (r["competency"], r["course"], r["target"]), lambda r: "alignment")
        new_alignments, new_keys = [], []
        for a in missing:
            at = f"{where}/alignments/{a['competency']}→{a['course']}"
            if a["competency"] not in nodes or a["course"] not in courses:
                report.error(t("export.restore.unknown_reference", self.lang, what=f"{a['competency']} / {a['course']}"), at)
                continue
            course_id = courses[a["course"]]
            unit_id = objective_id = None
            if a["target"] != "course":
                target_id = targets.get((a["course"], a["target"]))
                if target_id is None:
                    report.error(t("export.restore.unknown_reference", self.lang, what=a["target"]), at)
                    continue
                unit_id, objective_id = (target_id, None) if a["target"].startswith("unit:") else (None, target_id)
            review = stored_review({**a, "proposed_by_id": self.user_id(a.get("proposed_by")),
                                    "decided_by_id": self.user_id(a.get("decided_by")),
                                    "decided_at": parse_ts(a.get("decided_at"))})
            new_alignments.append(Alignment(**new_row(
                competency_id=nodes[a["competency"]], course_id=course_id, unit_id=unit_id, objective_id=objective_id,
                level=a["level"], source=a.get("source", "manual"), **review, **_stamps(a, "created_at", "updated_at"))))
            new_keys.append(f"{a['competency']}|{a['course']}|{a['target']}")
        s.add_all(new_alignments)
        s.flush()
        report.count("created", "alignment", len(new_alignments))
        self.created["alignment"] += [a.id for a in new_alignments]
        for key, a in zip(new_keys, new_alignments, strict=True):
            entity_ids[("alignment", key)] = a.id

        # suggestion decisions (after the alignments an accepted suggestion created)
        missing = match("suggestion_decisions", lambda r: (r["competency"], r["course"], r["target"]),
                        lambda r: "suggestion_decision")
        new_decisions = []
        for d in missing:
            at = f"{where}/suggestion_decisions/{d['competency']}→{d['course']}"
            target_id = targets.get((d["course"], d["target"]))
            if d["competency"] not in nodes or d["course"] not in courses or target_id is None:
                report.error(t("export.restore.unknown_reference", self.lang,
                               what=f"{d['competency']} / {d['course']} / {d['target']}"), at)
                continue
            unit_id, objective_id = (target_id, None) if d["target"].startswith("unit:") else (None, target_id)
            key = f"{d['competency']}|{d['course']}|{d['target']}"
            new_decisions.append(SuggestionDecision(**new_decision_row(
                program_id=program.id, competency_id=nodes[d["competency"]], course_id=courses[d["course"]],
                unit_id=unit_id, objective_id=objective_id, decision=d["decision"], text=d.get("text", ""),
                score=d.get("score", 0.0), alignment_id=entity_ids.get(("alignment", key)) if d.get("alignment") else None,
                decided_by_id=self.user_id(d.get("decided_by")), decided_side=d.get("decided_side"),
                **_stamps(d, "decided_at"))))
        self.add("suggestion_decision", new_decisions)

        # ratings
        missing = match("ratings", lambda r: (r["competency"], r["rater"]), lambda r: "rating")
        new_ratings, new_keys = [], []
        for r in missing:
            if r["competency"] not in nodes:
                report.error(t("export.restore.unknown_reference", self.lang, what=r["competency"]), f"{where}/ratings")
                continue
            new_ratings.append(Rating(**new_rating_row(
                competency_id=nodes[r["competency"]], rater=r["rater"], rater_user_id=self.user_id(r.get("rater_user")),
                rater_side=r.get("rater_side"), importance=r.get("importance"), frequency=r.get("frequency"),
                difficulty=r.get("difficulty"), comment=r.get("comment", ""), **_stamps(r, "created_at"))))
            new_keys.append(f"{r['competency']}|{r['rater']}")
        for key, r in zip(new_keys, self.add("rating", new_ratings), strict=True):
            entity_ids[("rating", key)] = r.id

        old_comment_ids = {int(key): row_id for (kind, row_id), key in existing_keys.items() if kind == "comment"}
        self.restore_comments(p["comments"], old["comments"], old_comment_ids, program.id, entity_ids, where)

        # coverage snapshots
        missing = match("coverage_snapshots", lambda r: (r["created_at"], r.get("reason"), r.get("label")),
                        lambda r: "coverage_snapshot")
        snapshots = []
        for snap in missing:
            rows = []
            for row in snap["by_competency"]:
                row = dict(row)
                if isinstance(row.get("id"), dict):
                    row["id"] = nodes.get(row["id"].get("competency"))
                rows.append(row)
            snapshots.append(CoverageSnapshot(**new_snapshot_row(
                program_id=program.id, created_at=parse_ts(snap["created_at"]),
                created_by_id=self.user_id(snap.get("created_by")), reason=snap.get("reason", "manual"),
                label=snap.get("label", ""), confirmed_only=snap.get("confirmed_only", False), metrics=snap["metrics"],
                by_competency=rows)))
        self.add("coverage_snapshot", snapshots)

        # surveys, change marks and competency links (after the framework and the job roles they name)
        for survey in match("surveys", _survey_key, lambda r: "survey"):
            self._create_survey(program.id, survey, roles, nodes, f"{where}/surveys/{survey['title']}")
        self.add("change_mark", [ChangeMark(**new_mark_row(
            program_id=program.id, competency_id=nodes[m["competency"]], node_kind=kinds[m["competency"]],
            reason=m["reason"], note=m["note"], marked_by_id=self.user_id(m.get("marked_by")),
            marked_side=m.get("marked_side"), resolved_at=parse_ts(m.get("resolved_at")),
            resolved_by_id=self.user_id(m.get("resolved_by")), **_stamps(m, "marked_at")))
            for m in match("change_marks", lambda r: (r["competency"], r.get("marked_at"), r["note"]),
                           lambda r: "change_mark")])
        self.add("competency_link", [CompetencyLink(**new_link_row(
            program_id=program.id, a_id=nodes[k["low"]], b_id=nodes[k["high"]],
            created_by_id=self.user_id(k.get("created_by")), created_at=_now_or(k.get("created_at"))))
            for k in match("competency_links", lambda r: (r["low"], r["high"]), lambda r: "competency_link")])
        s.flush()
        for section, n in sorted(differs.items()):
            report.warn(t("export.restore.differs", self.lang, n=n, section=section), where)
        created = {kind: id_ranges(ids) for kind, ids in sorted(self.created.items()) if ids}
        self.created = defaultdict(list)
        audit.record(s, actor=self.actor, entity_type="program", entity_id=program.id,
                     action="merge" if existing else "restore", program_id=program.id,
                     after={"entities": {"created": created}},
                     summary=f"backup {'merged into' if existing else 'restored as'} {program.code}")

    def _create_survey(self, program_id: int, sv: dict[str, Any], roles: dict[str, int], nodes: dict[str, int],
                       where: str) -> None:
        """One survey with its items, raters and answers (references checked by ``_check_references``)."""
        survey, = self.add("survey", [Survey(**new_survey_row(
            program_id=program_id, job_role_id=roles[sv["job_role"]], title=sv["title"], status=sv["status"],
            apply_importance=sv.get("apply_importance", True), opened_by_id=self.user_id(sv.get("opened_by")),
            closed_by_id=self.user_id(sv.get("closed_by")), closed_at=parse_ts(sv.get("closed_at")),
            **_stamps(sv, "opened_at")))])
        items = self.add("survey_item", [SurveyItem(**new_survey_item_row(
            survey_id=survey.id, competency_id=nodes[i["competency"]],
            **{k: i[k] for k in SURVEY_ITEM_COLUMNS if k in i})) for i in sv["items"]])
        item_ids = {i["competency"]: row.id for i, row in zip(sv["items"], items, strict=True)}
        raters = self.add("survey_rater", [SurveyRater(**new_rater_row(
            survey_id=survey.id, user_id=self.user_id(r.get("user")), name=r["name"], side=r["side"],
            invited_by_id=self.user_id(r.get("invited_by")), created_at=_now_or(r.get("created_at")),
            **self._link_columns(r, sv["status"], sv["title"], where))) for r in sv["raters"]])
        rater_ids = {r["ref"]: row.id for r, row in zip(sv["raters"], raters, strict=True)}
        self.add("survey_answer", [SurveyAnswer(**new_answer_row(
            item_id=item_ids[a["competency"]], rater_id=rater_ids[a["rater"]], importance=a.get("importance"),
            frequency=a.get("frequency"), difficulty=a.get("difficulty"), not_relevant=a.get("not_relevant", False),
            **_stamps(a, "updated_at"))) for a in sv["answers"]])

    def _link_columns(self, r: dict[str, Any], status: str, title: str, where: str) -> dict[str, Any]:
        """A rater's link columns. A link keeps working only when the backup carries its token hash (written with
        the password hashes) and no rater in this database holds it already; any other link gets the hash of a
        token nobody has, so it opens nothing, and a link that was still live on an open survey is marked
        revoked, with a warning (docs/surveys.md, "Backups")."""
        expires, revoked = parse_ts(r.get("expires_at")), parse_ts(r.get("revoked_at"))
        if not r.get("link"):
            return {"token_hash": None, "expires_at": expires, "revoked_at": revoked}
        token_hash = r.get("token_hash")
        if token_hash and self.s.exec(select(SurveyRater.id).where(SurveyRater.token_hash == token_hash)).first() is None:
            return {"token_hash": token_hash, "expires_at": expires, "revoked_at": revoked}
        if status == "open" and revoked is None and (expires is None or expires > datetime.now(UTC)):
            self.report.warn(t("export.restore.link_revoked", self.lang, survey=title, name=r["name"]), where)
            revoked = datetime.now(UTC)  # it was live: say on the survey page that it opens nothing now
        return {"token_hash": hash_token(secrets.token_urlsafe(TOKEN_BYTES)), "expires_at": expires,
                "revoked_at": revoked}

    def _existing_targets(self, program_id: int, targets: dict[tuple[str, str], int]) -> None:
        rows = self.s.exec(select(CourseStandard, Course.code).join(Course, Course.id == CourseStandard.course_id)
                           .where(Course.program_id == program_id)).all()
        for st, code in rows:
            for model, kind in ((LearningUnit, "unit"), (Objective, "objective")):
                items = sorted(self.s.exec(select(model).where(model.standard_id == st.id)).all(),
                               key=lambda r: (r.sort_order, r.id))
                for index, item in enumerate(items, start=1):
                    targets[(code, f"{kind}:{st.revision}:{index}")] = item.id

    def _create_standard(self, course_code: str, course_id: int, st: dict[str, Any],
                         targets: dict[tuple[str, str], int], entity_ids: dict[tuple[str, str], int]) -> None:
        standard, = self.add("standard", [CourseStandard(**new_standard_row(
            course_id=course_id, revision=st["revision"], status=st["status"],
            **{name: st.get(name, "") for name in STANDARD_TEXT_FIELDS},
            school_signed_by_id=self.user_id(st.get("school_signed_by")),
            school_signed_at=parse_ts(st.get("school_signed_at")),
            enterprise_signed_by_id=self.user_id(st.get("enterprise_signed_by")),
            enterprise_signed_at=parse_ts(st.get("enterprise_signed_at")),
            submitted_at=parse_ts(st.get("submitted_at")), approved_at=parse_ts(st.get("approved_at")),
            created_by_id=self.user_id(st.get("created_by")), **_stamps(st, "created_at", "updated_at")))])
        entity_ids[("standard", f"{course_code}|{st['revision']}")] = standard.id
        self.add("standard_version", [StandardVersion(**new_version_row(
            standard_id=standard.id, number=v["number"], content=v["content"], author_id=self.user_id(v.get("author")),
            note=v.get("note", ""), created_at=_now_or(v.get("created_at")))) for v in st["versions"]])
        children = {
            "objective": [Objective(**new_objective_row(
                standard_id=standard.id, dimension=o["dimension"], code=o.get("code", ""), text=o["text"],
                sort_order=o.get("sort_order", 0), proposed_by_id=self.user_id(o.get("proposed_by")),
                proposed_side=o.get("proposed_side"), version=o.get("version", 1))) for o in st["objectives"]],
            "unit": [LearningUnit(**new_unit_row(
                standard_id=standard.id, title=u["title"], content=u.get("content", ""),
                learning_tasks=u.get("learning_tasks", ""), hours_theory=u.get("hours_theory", 0),
                hours_practice=u.get("hours_practice", 0), sort_order=u.get("sort_order", 0),
                proposed_by_id=self.user_id(u.get("proposed_by")), proposed_side=u.get("proposed_side"),
                version=u.get("version", 1))) for u in st["units"]],
            "assessment": [AssessmentItem(**new_assessment_row(
                standard_id=standard.id, name=a["name"], category=a.get("category", "process"), weight=a["weight"],
                method=a.get("method", ""), sort_order=a.get("sort_order", 0), version=a.get("version", 1)))
                for a in st["assessment"]],
        }
        for kind, rows in children.items():
            for index, row in enumerate(self.add(kind, rows), start=1):
                entity_ids[(kind, f"{course_code}|{st['revision']}|{index}")] = row.id
                if kind != "assessment":
                    targets[(course_code, f"{kind}:{st['revision']}:{index}")] = row.id

    def restore_comments(self, rows: list[dict[str, Any]], old_rows: list[dict[str, Any]], old_ref_ids: dict[int, int],
                         program_id: int | None, entity_ids: dict[tuple[str, str], int], where: str) -> None:
        report = self.report

        def key_of(c: dict[str, Any]) -> tuple:
            return c["entity_type"], c.get("entity"), c.get("author"), c.get("created_at"), c["body"]

        present = {key_of(c): c for c in old_rows}
        ref_ids: dict[int, int] = {}
        seen = set()
        for c in rows:
            key = key_of(c)
            seen.add(key)
            if key in present:
                report.count("unchanged", "comment")
                ref_ids[c["ref"]] = old_ref_ids.get(present[key]["ref"])
                continue
            entity_type, entity_key = c["entity_type"], c.get("entity")
            if entity_type == "comment":
                entity_id = ref_ids.get(int(entity_key)) if entity_key and entity_key.isdigit() else None
            elif entity_type == "user":
                entity_id = self.user_id(entity_key) if entity_key else None
            else:
                entity_id = entity_ids.get((entity_kind(entity_type), entity_key)) if entity_key is not None else None
            if entity_id is None or not takes_comments(entity_type):
                report.warn(t("export.restore.comment_skipped", self.lang, ref=c["ref"], entity=entity_type), where)
                continue
            parent = c.get("parent")
            if parent is not None and ref_ids.get(parent) is None:
                report.warn(t("export.restore.comment_skipped", self.lang, ref=c["ref"], entity="comment"), where)
                continue
            comment = Comment(**new_comment_row(
                program_id=program_id, entity_type=entity_type, entity_id=entity_id,
                parent_id=ref_ids.get(parent) if parent is not None else None,
                author_id=self.user_id(c.get("author")), author_side=c.get("author_side"), body=c["body"],
                resolved=c.get("resolved", False), resolved_by_id=self.user_id(c.get("resolved_by")),
                resolved_at=parse_ts(c.get("resolved_at")),
                created_at=parse_ts(c.get("created_at")) or datetime.now(UTC), version=c.get("version", 1)))
            self.s.add(comment)
            self.s.flush()
            ref_ids[c["ref"]] = comment.id
            report.count("created", "comment")
            self.created["comment"].append(comment.id)
        for key in present:
            if key not in seen:
                report.count("not_in_file", "comment")


_VOLATILE = {"version", "updated_at", "created_at"}


def _comparable(row: dict[str, Any]) -> dict[str, Any]:
    """A row without bookkeeping fields, to tell "same row" from "same key, other content"."""
    return {k: v for k, v in row.items() if k not in _VOLATILE}


def _survey_key(survey: dict[str, Any]) -> tuple:
    """How a survey is recognised on a merge: its job role, title and when it was opened."""
    return survey["job_role"], survey["title"], survey.get("opened_at")


def _check_targeted(rows: list[dict[str, Any]], section: str, codes: dict[str, str],
                    courses: dict[str, dict[str, Any]], report: RestoreReport, lang: str, where: str) -> None:
    """Alignments and suggestion decisions: one row per (competency, course, target), a competency and a course
    of the file, a ``unit:rev:idx`` / ``objective:rev:idx`` target that exists in that revision."""
    seen = set()
    for a in rows:
        key = (a["competency"], a["course"], a["target"])
        at = f"{where}/{section}/{a['competency']}→{a['course']}"
        if key in seen:
            report.error(t("export.restore.duplicate", lang, what=" / ".join(key)), at)
        seen.add(key)
        if codes.get(a["competency"]) != "competency" or a["course"] not in courses:
            report.error(t("export.restore.unknown_reference", lang, what=f"{a['competency']} / {a['course']}"), at)
            continue
        if a["target"] == "course":
            continue
        kind, revision, index = a["target"].split(":")
        standard = next((st for st in courses[a["course"]]["standards"] if st["revision"] == int(revision)), None)
        if not 1 <= int(index) <= len((standard or {}).get("units" if kind == "unit" else "objectives", [])):
            report.error(t("export.restore.unknown_reference", lang, what=a["target"]), at)


def _check_surveys(p: dict[str, Any], codes: dict[str, str], roles: set[str], report: RestoreReport, lang: str,
                   hashes: set[str]) -> None:
    """Surveys name a job role and competencies of the file; raters are numbered once; each answer names an
    item and a rater of its survey, once; change marks and links name nodes of the file; link hashes are unique."""
    where = p["code"]
    seen_surveys = set()
    for sv in p.get("surveys", []):
        at = f"{where}/surveys/{sv['title']}"
        problems = [] if sv["job_role"] in roles else [sv["job_role"]]
        if _survey_key(sv) in seen_surveys:
            report.error(t("export.restore.duplicate", lang, what=sv["title"]), at)
        seen_surveys.add(_survey_key(sv))
        items = [i["competency"] for i in sv["items"]]
        problems += [c for c in items if codes.get(c) not in ("task", "competency")]
        refs = [r["ref"] for r in sv["raters"]]
        answers = [(a["competency"], a["rater"]) for a in sv["answers"]]
        problems += [f"{c} / {r}" for c, r in answers if c not in items or r not in refs]
        for what, keys in (("survey item", items), ("survey rater", refs), ("survey answer", answers)):
            if len(set(keys)) != len(keys):
                report.error(t("export.restore.duplicate", lang, what=what), at)
        for token_hash in filter(None, (r.get("token_hash") for r in sv["raters"])):
            if token_hash in hashes:
                report.error(t("export.restore.duplicate", lang, what="invitation link"), at)
            hashes.add(token_hash)
        for what in problems:
            report.error(t("export.restore.unknown_reference", lang, what=str(what)), at)
    for m in p.get("change_marks", []):
        if codes.get(m["competency"]) not in ("task", "competency"):
            report.error(t("export.restore.unknown_reference", lang, what=m["competency"]), f"{where}/change_marks")
    for k in p.get("competency_links", []):
        if codes.get(k["low"]) != "competency" or codes.get(k["high"]) != "competency" or k["low"] == k["high"]:
            report.error(t("export.restore.unknown_reference", lang, what=f"{k['low']} = {k['high']}"),
                         f"{where}/competency_links")


def _check_references(doc: dict[str, Any], report: RestoreReport, lang: str) -> None:
    """Semantic checks the schema cannot make: duplicate keys, tree order, targets that exist."""
    hashes: set[str] = set()
    for p in doc["programs"]:
        where = p["code"]
        codes: dict[str, str] = {}
        for node in p["framework"]:
            if node["code"] in codes:
                report.error(t("export.restore.duplicate", lang, what=node["code"]), f"{where}/framework")
            codes[node["code"]] = node["kind"]
        for node in p["framework"]:
            parent = node.get("parent")
            if parent is not None and parent not in codes:
                report.error(t("export.restore.unknown_parent", lang, code=node["code"], parent=parent),
                             f"{where}/framework/{node['code']}")
            elif not parent_allowed(node["kind"], codes.get(parent) if parent else None):  # the editor's rule
                report.error(t("export.restore.bad_tree", lang, code=node["code"], kind=node["kind"]),
                             f"{where}/framework/{node['code']}")
        roles = {r["name"] for r in p["job_roles"]}
        if len(roles) != len(p["job_roles"]):
            report.error(t("export.restore.duplicate", lang, what="job role"), f"{where}/job_roles")
        for node in p["framework"]:
            if node.get("job_role") and node["job_role"] not in roles:
                report.error(t("export.restore.unknown_job_role", lang, code=node["code"], name=node["job_role"]),
                             f"{where}/framework/{node['code']}")
        courses: dict[str, dict[str, Any]] = {}
        for c in p["courses"]:
            if c["code"] in courses:
                report.error(t("export.restore.duplicate", lang, what=c["code"]), f"{where}/courses")
            courses[c["code"]] = c
            revisions = [st["revision"] for st in c["standards"]]
            if len(set(revisions)) != len(revisions):
                report.error(t("export.restore.duplicate", lang, what=f"{c['code']} revision"), f"{where}/courses")
        _check_targeted(p["alignments"], "alignments", codes, courses, report, lang, where)
        _check_targeted(p.get("suggestion_decisions", []), "suggestion_decisions", codes, courses, report, lang, where)
        for r in p["ratings"]:
            if r["competency"] not in codes:
                report.error(t("export.restore.unknown_reference", lang, what=r["competency"]), f"{where}/ratings")
        refs = {c["ref"] for c in p["comments"]}
        for c in p["comments"]:
            if c.get("parent") is not None and c["parent"] not in refs:
                report.error(t("export.restore.unknown_reference", lang, what=f"comment {c['parent']}"),
                             f"{where}/comments/{c['ref']}")
        _check_surveys(p, codes, roles, report, lang, hashes)
    program_codes = [p["code"] for p in doc["programs"]]
    if len(set(program_codes)) != len(program_codes):
        report.error(t("export.restore.duplicate", lang, what="programme"))
    usernames = [u["username"] for u in doc["users"]]
    if len(set(usernames)) != len(usernames):
        report.error(t("export.restore.duplicate", lang, what="username"))


def restore_backup(
    engine: Engine, *, actor: Actor, data: bytes, merge: bool = False, dry_run: bool = False, lang: str = "en",
    progress: Progress | None = None,
) -> RestoreReport:
    """Restore a backup in one transaction; see the module docstring. Returns the report (never raises
    for a bad file: ``report.ok`` is False and ``report.errors`` says why, with nothing written)."""
    require(actor, "backup.run")
    report = RestoreReport(dry_run=dry_run, merge=merge)
    tick = ProgressReporter(progress)
    tick(0.0, "read")
    doc = read_backup(data, report, lang)
    if doc is None:
        return report
    report.programs = [p["code"] for p in doc["programs"]]
    report.program = report.programs[0] if doc["scope"] == "program" and len(report.programs) == 1 else None
    _check_references(doc, report, lang)
    if report.errors:
        return report
    tick(0.1, "check")
    session = Session(engine, expire_on_commit=False)
    try:
        existing = {p.code: p for p in session.exec(select(Program).where(Program.code.in_(report.programs))).all()}
        if existing and not merge:
            for code in sorted(existing):
                report.error(t("export.restore.program_exists", lang, code=code))
            session.rollback()
            return report
        restorer = _Restorer(session, actor, report, lang, merge)
        restorer.restore_users(doc)
        users = {u.id: u for u in session.exec(select(User)).all()}
        for i, p in enumerate(doc["programs"]):
            old = existing.get(p["code"])
            reader = _Exporter(session, users)
            old_doc = reader.program(old) if old is not None else None
            restorer.restore_program(p, old, old_doc, reader.keys if old is not None else {})
            tick(0.1 + 0.85 * (i + 1) / max(len(doc["programs"]), 1), p["code"])
            if report.errors:
                break
        if not report.errors and doc["scope"] == "database":
            reader, keys = _Exporter(session, users), {}
            old_rows = reader.comments(session.exec(select(Comment).where(Comment.program_id.is_(None))).all(), keys)
            old_ids = {int(key): row_id for (kind, row_id), key in keys.items() if kind == "comment"}
            restorer.restore_comments(doc.get("comments", []), old_rows, old_ids, None, {}, "/")
        if report.errors or dry_run:
            session.rollback()
        else:
            session.commit()
    except (IntegrityError, DBAPIError) as exc:
        session.rollback()
        report.error(t("export.restore.database_error", lang, reason=str(getattr(exc, "orig", exc)).splitlines()[0]))
    except ValidationFailed as exc:  # a text over its field's limit (services.textguard)
        session.rollback()
        for line in error_lines(exc, lang):
            report.error(line)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    report.ok = not report.errors
    tick(1.0, "done")
    return report


__all__ = ["BACKUP_SCHEMA", "RestoreReport", "read_backup", "restore_backup"]
