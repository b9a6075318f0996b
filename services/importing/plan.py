"""Compare a parsed file with the database: what would be created, updated, left unchanged.

The plan is pure data computed inside a read (for the preview) or inside the import's
own transaction (for the commit, so it is never stale). Nothing in the database that the
file omits is deleted: it is reported as ``not_in_file``. The single exception is the
explicit ``replace_alignments`` option, which removes the course-level alignments of the
file's courses that the matrix no longer marks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from models import (
    Alignment,
    AssessmentItem,
    Competency,
    Course,
    CourseStandard,
    JobRole,
    LearningUnit,
    Objective,
    Program,
    Rating,
)
from services.alignment_rules import LEVEL_CHANGE_COLUMNS, level_change
from services.courses import course_errors, course_values
from services.errors import FieldError
from services.framework import job_role_errors, node_checker, node_errors
from services.hierarchy import kind_under, parent_allowed
from services.importing.records import ENTITY_KEYS, Dataset, Issue, NodeIn, Origin, Reason
from services.importing.tree import code_key, outline_parent, parent_kind_issue
from services.outline import normalize_text
from services.surveys import rating_errors
from services.vocabulary import STANDARD_FIELDS

CHANGE_LIST_LIMIT = 2000
# sort_order is set when a node is created, never updated: positions differ between files that share nodes
NODE_COMPARE = ("kind", "statement", "parent")
NODE_OPTIONAL = ("comp_type", "importance", "required_level", "notes", "external_uri", "job_role", "cert_level")
COURSE_OPTIONAL = ("name", "course_type", "credits", "hours_theory", "hours_practice", "semester", "description")
RATING_OPTIONAL = ("importance", "frequency", "difficulty", "comment")


@dataclass
class Op:
    """One write: ``entity`` (area/task/competency/course/alignment/rating/job_role/standard…), ``action``."""

    entity: str
    action: str  # create, update, delete
    key: str
    values: dict[str, Any] = field(default_factory=dict)  # create: the row; update: the new values
    refs: dict[str, Any] = field(default_factory=dict)  # codes/names resolved to ids at commit time
    db_id: int | None = None
    version: int | None = None
    before: dict[str, Any] | None = None
    origin: Origin | None = None


@dataclass
class DbState:
    program: dict[str, Any] | None
    nodes: dict[str, dict[str, Any]] = field(default_factory=dict)
    courses: dict[str, dict[str, Any]] = field(default_factory=dict)
    job_roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    alignments: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (node code, course code)
    ratings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (node code, rater)
    standards: dict[str, dict[str, Any]] = field(default_factory=dict)  # course code → latest revision

@dataclass
class Plan:
    program_code: str
    program: dict[str, Any] | None
    ops: list[Op] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    not_in_file: dict[str, list[str]] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def by(self, entity: str, action: str) -> list[Op]:
        """The ops of one entity and action, in plan order (indexed once per state of ``ops``)."""
        index = self.__dict__.get("_by")
        if index is None or index[0] != len(self.ops):
            groups: dict[tuple[str, str], list[Op]] = {}
            for op in self.ops:
                groups.setdefault((op.entity, op.action), []).append(op)
            index = self.__dict__["_by"] = (len(self.ops), groups)
        return list(index[1].get((entity, action), ()))

    def changes(self, limit: int = CHANGE_LIST_LIMIT) -> list[dict[str, Any]]:
        """Planned changes for display: entity, action, key, before → after (capped)."""
        out = []
        for op in self.ops:
            if len(out) >= limit:
                break
            entry = {"entity": op.entity, "action": op.action, "key": op.key,
                     "row": op.origin.row if op.origin else None, "sheet": op.origin.sheet if op.origin else None}
            if op.action == "update":
                entry["changes"] = {k: [(op.before or {}).get(k), v] for k, v in op.values.items()}
            elif op.action == "create":
                entry["changes"] = {k: [None, v] for k, v in op.values.items()
                                    if k in ("statement", "name", "level", "kind", "rater") and v not in (None, "")}
            out.append(entry)
        for entity, keys in self.not_in_file.items():
            for key in keys:
                if len(out) >= limit:
                    return out
                out.append({"entity": entity, "action": "not_in_file", "key": key, "row": None, "sheet": None})
        return out


def empty_counts() -> dict[str, dict[str, int]]:
    return {name: {key: 0 for key in ENTITY_KEYS} for name in ("created", "updated", "unchanged", "not_in_file",
                                                                 "deleted")}


def load_state(session: Session, *, program_code: str, dataset: Dataset) -> DbState:
    """The rows of the programme the dataset can touch, keyed as the dataset keys them."""
    program = session.exec(select(Program).where(Program.code == program_code)).first()
    if program is None:
        return DbState(program=None)
    state = DbState(program={"id": program.id, "code": program.code, "name": program.name, "version": program.version})
    pid = program.id
    columns = (Competency.id, Competency.code, Competency.kind, Competency.statement, Competency.parent_id,
               Competency.comp_type, Competency.importance, Competency.required_level, Competency.notes,
               Competency.external_uri, Competency.job_role_id, Competency.sort_order, Competency.version,
               Competency.cert_level)
    rows = session.exec(select(*columns).where(Competency.program_id == pid)).all()
    code_by_id = {r[0]: r[1] for r in rows}
    roles = session.exec(select(JobRole.id, JobRole.name, JobRole.description, JobRole.external_code,
                                JobRole.external_uri, JobRole.source, JobRole.version)
                         .where(JobRole.program_id == pid)).all()
    role_name = {r[0]: r[1] for r in roles}
    for r in roles:
        state.job_roles[r[1]] = {"id": r[0], "name": r[1], "description": r[2], "external_code": r[3],
                                 "external_uri": r[4], "source": r[5], "version": r[6]}
    for r in rows:
        state.nodes[r[1]] = {
            "id": r[0], "code": r[1], "kind": r[2], "statement": r[3],
            "parent": code_by_id.get(r[4]) if r[4] is not None else None, "comp_type": r[5],
            "importance": r[6], "required_level": r[7], "notes": r[8], "external_uri": r[9],
            "job_role": role_name.get(r[10]) if r[10] is not None else None, "sort_order": r[11], "version": r[12],
            "cert_level": r[13] or ""}
    courses = session.exec(select(Course).where(Course.program_id == pid)).all()
    course_code = {}
    for c in courses:
        course_code[c.id] = c.code
        state.courses[c.code] = {"id": c.id, "code": c.code, "name": c.name, "course_type": c.course_type,
                                 "credits": c.credits, "hours_theory": c.hours_theory,
                                 "hours_practice": c.hours_practice, "semester": c.semester,
                                 "description": c.description, "version": c.version}
    if dataset.alignments or dataset.kind == "matrix":
        links = session.exec(select(Alignment.id, Alignment.competency_id, Alignment.course_id, Alignment.version,
                                    *(getattr(Alignment, c) for c in LEVEL_CHANGE_COLUMNS))
                             .join(Course, Course.id == Alignment.course_id)
                             .where(Course.program_id == pid, Alignment.unit_id.is_(None),
                                    Alignment.objective_id.is_(None))).all()
        for a in links:
            if a[1] in code_by_id and a[2] in course_code:
                state.alignments[(code_by_id[a[1]], course_code[a[2]])] = {
                    "id": a[0], "version": a[3], **dict(zip(LEVEL_CHANGE_COLUMNS, a[4:], strict=True))}
    if dataset.ratings:
        ratings = session.exec(select(Rating).join(Competency, Competency.id == Rating.competency_id)
                               .where(Competency.program_id == pid)).all()
        for r in ratings:
            state.ratings[(code_by_id[r.competency_id], r.rater)] = {
                "id": r.id, "importance": r.importance, "frequency": r.frequency, "difficulty": r.difficulty,
                "comment": r.comment, "version": r.version}
    if dataset.standards:
        _load_standards(session, state, {s.course for s in dataset.standards}, code_by_id)
    return state


CHILDREN = {
    "objective": (Objective, ("dimension", "code", "text", "sort_order")),
    "unit": (LearningUnit, ("title", "content", "learning_tasks", "hours_theory", "hours_practice", "sort_order")),
    "assessment": (AssessmentItem, ("name", "category", "weight", "method", "sort_order")),
}


def child_key(entity: str, values: dict[str, Any]) -> str:
    """How a part of a standard is recognised on re-import: objective by dimension + code (or text), unit by
    title, assessment item by name."""
    if entity == "objective":
        return f"{values['dimension']}|{values['code'] or values['text']}"
    return values["title"] if entity == "unit" else values["name"]


def _load_standards(session: Session, state: DbState, codes: set[str], code_by_id: dict[int, str]) -> None:
    for code in codes:
        course = state.courses.get(code)
        if course is None:
            continue
        standard = session.exec(select(CourseStandard).where(CourseStandard.course_id == course["id"])
                                .order_by(CourseStandard.revision.desc())).first()
        if standard is None:
            continue
        entry = {"id": standard.id, "revision": standard.revision, "status": standard.status,
                 "version": standard.version, **{f: getattr(standard, f) for f in STANDARD_FIELDS}}
        targets = {}
        for entity, (model, columns) in CHILDREN.items():
            rows = session.exec(select(model).where(model.standard_id == standard.id)).all()
            entry[entity] = {}
            for row in rows:
                values = {c: getattr(row, c) for c in columns}
                entry[entity][child_key(entity, values)] = {"id": row.id, "version": row.version, **values}
                if entity != "assessment":
                    targets[f"{entity}:{row.id}"] = True
        links = session.exec(select(Alignment).where(Alignment.course_id == course["id"],
                                                     Alignment.target.in_(list(targets) or [""]))).all()
        entry["alignments"] = {(code_by_id.get(a.competency_id), a.target): {
            "id": a.id, "version": a.version, **{c: getattr(a, c) for c in LEVEL_CHANGE_COLUMNS}} for a in links}
        state.standards[code] = entry


def state_fingerprint(session: Session, *, program_code: str, dataset: Dataset) -> tuple:
    """(row count, highest id, sum of versions) of every table the import reads, for the programme.

    Every insert raises the highest id or the count, every update raises a version and every
    delete lowers the count or the sum: equal fingerprints mean the preview's plan still holds.
    """
    from sqlalchemy import func

    program_id = session.exec(select(Program.id).where(Program.code == program_code)).first()
    if program_id is None:
        return ("no programme",)
    parts: list[Any] = [program_id]
    queries = [
        select(func.count(), func.max(Competency.id), func.sum(Competency.version))
        .where(Competency.program_id == program_id),
        select(func.count(), func.max(Course.id), func.sum(Course.version)).where(Course.program_id == program_id),
        select(func.count(), func.max(JobRole.id), func.sum(JobRole.version)).where(JobRole.program_id == program_id),
        select(func.count(), func.max(Alignment.id), func.sum(Alignment.version))
        .join(Course, Course.id == Alignment.course_id).where(Course.program_id == program_id),
    ]
    if dataset.ratings:
        queries.append(select(func.count(), func.max(Rating.id), func.sum(Rating.version))
                       .join(Competency, Competency.id == Rating.competency_id)
                       .where(Competency.program_id == program_id))
    if dataset.standards:
        queries.append(select(func.count(), func.max(CourseStandard.id), func.sum(CourseStandard.version))
                       .join(Course, Course.id == CourseStandard.course_id).where(Course.program_id == program_id))
        for model in (Objective, LearningUnit, AssessmentItem):
            queries.append(select(func.count(), func.max(model.id), func.sum(model.version))
                           .join(CourseStandard, CourseStandard.id == model.standard_id)
                           .join(Course, Course.id == CourseStandard.course_id).where(Course.program_id == program_id))
    for query in queries:
        parts.append(tuple(session.exec(query).one()))
    return tuple(parts)


def _statement_key(text: str) -> str:
    return normalize_text(text).lower()


def build_plan(state: DbState, dataset: Dataset, *, program_code: str, replace_alignments: bool = False,
               filename: str | None = None) -> Plan:
    """Diff the dataset against ``state``; row problems found here (unknown parents…) become errors."""
    plan = Plan(program_code=program_code, program=state.program)
    counts = empty_counts()
    plan.counts = counts
    _plan_job_roles(plan, state, dataset, filename)
    node_codes = _plan_nodes(plan, state, dataset, filename)
    course_keys = _plan_courses(plan, state, dataset, filename)
    _plan_alignments(plan, state, dataset, node_codes, course_keys, replace_alignments, filename)
    _plan_ratings(plan, state, dataset, node_codes, filename)
    _plan_standards(plan, state, dataset, node_codes, course_keys, filename)
    if dataset.skill_weights:  # written after the nodes, for the file's one job role (replacing its tables)
        plan.extra["skill_weights"] = {"job_role": dataset.info["skill_weights"]["job_role"],
                                       "rows": dataset.skill_weights}
    for op in plan.ops:
        entity = op.entity if op.entity in ENTITY_KEYS else None
        if entity is None:
            continue
        if op.action == "create":
            counts["created"][entity] += 1
        elif op.action == "update":
            counts["updated"][entity] += 1
        elif op.action == "delete":
            counts["deleted"][entity] += 1
    for entity, keys in plan.not_in_file.items():
        counts["not_in_file"][entity] = len(keys)
    return plan


# A field an owner's rule names → the field whose column the file gave it in (the rest are named alike).
RULE_FIELDS = {"parent_id": "parent", "job_role_id": "job_role"}
ROLE_FIELDS = {"name": "job_role"}  # a job role is named in its nodes' job-role column


def refused(plan: Plan, errors: list[FieldError], *, key: str, origin: Origin | None, filename: str | None,
            fields: dict[str, str] | None = None) -> bool:
    """Report the owning module's ``errors`` for one row (``framework.node_errors``, ``courses.course_errors`` …)
    as import errors at its cell, in the editor's words; True when there were any (the row is not written).
    ``fields``: the rule's field → the file's field, where the row was read from another record's cells."""
    for error in errors:
        field = (fields or RULE_FIELDS).get(error.field, error.field)
        column = (origin.columns or {}).get(field) if origin is not None else None
        row = (origin.rows or {}).get(field) if origin is not None else None
        plan.errors.append(Issue("import.error.refused", {"key": key, "reason": Reason(error)}, file=filename,
                                 sheet=origin.sheet if origin else None, row=row or (origin.row if origin else None),
                                 column=column or (origin.column if origin else None)))
    return bool(errors)


def _plan_job_roles(plan: Plan, state: DbState, dataset: Dataset, filename: str | None) -> None:
    wanted = {r.name: r for r in dataset.job_roles}
    for node in dataset.nodes:
        if node.job_role and node.job_role not in wanted:
            wanted[node.job_role] = None
    created = 0
    for name, role in wanted.items():
        existing = state.job_roles.get(name)
        values = {"description": role.description, "external_code": role.external_code,
                  "external_uri": role.external_uri, "source": role.source} if role else {}
        if existing is None:
            values = {"name": name, "description": "", "external_code": "", "external_uri": "", "source": "import",
                      **values}
            if refused(plan, job_role_errors(values), key=name, origin=_role_origin(dataset, name),
                       filename=filename, fields=ROLE_FIELDS):
                continue
            plan.ops.append(Op("job_role", "create", name, values))
            created += 1
        else:
            changes = {k: v for k, v in values.items() if k != "source" and v and existing.get(k) != v}
            if changes and refused(plan, job_role_errors({**existing, **changes}), key=name,
                                   origin=_role_origin(dataset, name), filename=filename, fields=ROLE_FIELDS):
                continue
            if changes:
                plan.ops.append(Op("job_role", "update", name, changes, db_id=existing["id"],
                                   version=existing["version"], before={k: existing.get(k) for k in changes}))
    plan.extra["job_roles_created"] = created


def _role_origin(dataset: Dataset, name: str) -> Origin | None:
    """Where the file names job role ``name``: the first node that does (a job role row has no cell of its own)."""
    return next((node.origin for node in dataset.nodes if node.job_role == name), None)


def _resolve_derived_codes(state: DbState, dataset: Dataset) -> None:
    """A node the file gives without a code takes the code of the one existing node with its kind and statement."""
    derived = [n for n in dataset.nodes if n.code_derived]
    if not derived or not state.nodes:
        return
    by_statement: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, row in state.nodes.items():
        by_statement[(row["kind"], _statement_key(row["statement"]))].append(code)
    file_codes = {n.code for n in dataset.nodes}
    rename: dict[str, str] = {}
    claimed: set[str] = set()
    for node in derived:
        if node.code in state.nodes and state.nodes[node.code]["kind"] == node.kind and \
                _statement_key(state.nodes[node.code]["statement"]) == _statement_key(node.statement):
            claimed.add(node.code)
            continue
        matches = by_statement.get((node.kind, _statement_key(node.statement)), [])
        if len(matches) == 1 and matches[0] not in file_codes and matches[0] not in claimed:
            rename[node.code] = matches[0]
            claimed.add(matches[0])
    if not rename:
        return
    for node in dataset.nodes:
        if node.code in rename:
            node.code = rename[node.code]
        if node.parent in rename:
            node.parent = rename[node.parent]
    for link in dataset.alignments:
        link.competency = rename.get(link.competency, link.competency)
    for rating in dataset.ratings:
        rating.competency = rename.get(rating.competency, rating.competency)


def _plan_nodes(plan: Plan, state: DbState, dataset: Dataset, filename: str | None) -> set[str]:
    """Node ops; returns the codes that will exist after the import (file ∪ database)."""
    _resolve_derived_codes(state, dataset)
    nodes = list(dataset.nodes)
    in_file = {n.code: n for n in nodes}
    db_nodes = state.nodes
    if dataset.info.get("outline_parents") and db_nodes:
        _outline_parents_from_database(state, nodes)
    # drop nodes whose parent is neither in the file nor in the database, and their descendants
    valid = dict(in_file)
    changed = any(node.parent is not None and node.parent not in valid and node.parent not in db_nodes
                  for node in valid.values())  # else the passes below would find nothing
    while changed:
        changed = False
        for code, node in list(valid.items()):
            if node.parent is not None and node.parent not in valid and node.parent not in db_nodes:
                plan.errors.append(Issue("import.error.parent_missing", {"code": code, "parent": node.parent},
                                         file=filename, sheet=node.origin.sheet, row=node.origin.row))
                del valid[code]
                changed = True
    refused_codes = set()
    # under a parent only the database holds: the same hierarchy rule (nothing to check in an empty programme)
    for code, node in list(valid.items()) if db_nodes else ():
        if node.parent is not None and node.parent not in in_file and node.parent in db_nodes:
            parent_kind = db_nodes[node.parent]["kind"]
            if not parent_allowed(node.kind, parent_kind):
                plan.errors.append(parent_kind_issue(kind=node.kind, parent=node.parent, parent_kind=parent_kind,
                                                     code=code, origin=node.origin, filename=filename))
                refused_codes.add(code)
    while refused_codes:  # the refused node's descendants go with it (reported once, on the node)
        for code in refused_codes:
            valid.pop(code, None)
        refused_codes = {code for code, node in valid.items() if node.parent in in_file and node.parent not in valid}
    # a new node's values and place: the framework editor's rule (framework.node_errors), before anything is written
    new_values: dict[str, dict[str, Any]] = {}
    check = node_checker()  # node_errors, each distinct combination of values checked once
    for code, node in valid.items():
        if code in db_nodes or not node.statement:  # a missing statement is reported below
            continue
        parent = node.parent
        if parent in refused_codes:  # under a refused node (parents usually come first): reported on the parent
            refused_codes.add(code)
            continue
        values = new_values[code] = _node_values(node)
        parent_kind = None if parent is None else in_file[parent].kind if parent in in_file else \
            db_nodes[parent]["kind"]
        errors = check(values, parent_kind=parent_kind)
        if errors and refused(plan, errors, key=code, origin=node.origin, filename=filename):
            refused_codes.add(code)
    dropped = plan.extra.setdefault("dropped_nodes", set()) if refused_codes else set()
    while refused_codes:  # their descendants go with them (reported once, on the node); links to them are skipped
        for code in refused_codes:
            valid.pop(code, None)
            dropped.add(code)
        refused_codes = {code for code, node in valid.items() if node.parent in in_file and node.parent not in valid}
    add_op, existing_of, unchanged = plan.ops.append, db_nodes.get, plan.counts["unchanged"]
    update = dataset.update_existing_nodes
    for node in nodes:
        code = node.code
        if code not in valid:
            continue
        existing = existing_of(code)
        if existing is None:
            if not node.statement:
                plan.errors.append(Issue("import.error.unknown_competency", {"competency": code},
                                         file=filename, sheet=node.origin.sheet, row=node.origin.row,
                                         column=node.origin.column))
                del valid[code]
                plan.extra.setdefault("dropped_nodes", set()).add(code)
                continue
            add_op(Op(node.kind, "create", code, new_values[code], origin=node.origin,
                      refs={"parent": node.parent, "job_role": node.job_role}))
            continue
        if not update:
            unchanged[existing["kind"]] += 1
            continue
        changes = _node_changes(node, existing)
        if changes:
            merged = {**existing, **changes}
            parent = merged.get("parent")
            parent_kind = None if parent is None else in_file[parent].kind if parent in in_file else \
                db_nodes[parent]["kind"] if parent in db_nodes else None
            if refused(plan, node_errors(merged, parent_kind=parent_kind), key=code, origin=node.origin,
                       filename=filename):
                continue
            refs = {}
            if "parent" in changes:
                refs["parent"] = changes["parent"]
            if "job_role" in changes:
                refs["job_role"] = changes["job_role"]
            add_op(Op(node.kind, "update", code, changes, refs=refs, db_id=existing["id"],
                      version=existing["version"], before={k: existing.get(k) for k in changes},
                      origin=node.origin))
        else:
            unchanged[node.kind] += 1
    complete = set(dataset.complete_for) & {"area", "task", "competency"}
    if complete:
        for code, row in db_nodes.items():
            if code not in in_file and row["kind"] in complete:
                plan.not_in_file.setdefault(row["kind"], []).append(code)
    return set(valid) | set(db_nodes)


def _outline_parents_from_database(state: DbState, nodes: list[NodeIn]) -> None:
    """A root row "1.2.3" whose outline parent "1.2" exists only in the database goes under it."""
    keyed = {code_key(code): code for code in state.nodes}
    parents = {node.parent for node in nodes if node.parent is not None}
    for node in nodes:
        if node.parent is not None or node.code in state.nodes:
            continue
        candidate = outline_parent(node.code)
        while candidate is not None and candidate not in keyed:
            candidate = candidate.rsplit(".", 1)[0] if "." in candidate else None
        if candidate is not None:
            node.parent = keyed[candidate]
            parent_kind = state.nodes[node.parent]["kind"]
            if not parent_allowed(node.kind, parent_kind):  # the editor's rule picks the kind it takes there
                node.kind = kind_under(parent_kind, has_children=node.code in parents) or node.kind


def _node_values(node: NodeIn) -> dict[str, Any]:
    return {"kind": node.kind, "code": node.code, "statement": node.statement, "comp_type": node.comp_type,
            "importance": node.importance, "required_level": node.required_level, "notes": node.notes or "",
            "external_uri": node.external_uri or "", "sort_order": node.sort_order,
            "cert_level": (node.cert_level or "")[:16]}


def _node_changes(node: NodeIn, existing: dict[str, Any]) -> dict[str, Any]:
    changes = {}
    get = existing.get
    for name in NODE_COMPARE:
        value = getattr(node, name)
        if get(name) != value:
            changes[name] = value
    fields = node.fields
    for name in NODE_OPTIONAL:
        if name in fields:
            value = getattr(node, name)
            current = get(name)
            if name in ("notes", "external_uri", "cert_level"):  # None and "" are the same empty text
                current, value = current or "", value or ""
            if current != value:
                changes[name] = value
    return changes


def _plan_courses(plan: Plan, state: DbState, dataset: Dataset, filename: str | None) -> dict[str, str]:
    """Course ops; returns each course key (code or matrix header) → the code it resolves to."""
    keys: dict[str, str] = {}
    by_name: dict[str, list[str]] = defaultdict(list)
    lower_code = {code.lower(): code for code in state.courses}
    for code, row in state.courses.items():
        by_name[_statement_key(row["name"])].append(code)
    planned: dict[str, Op] = {}
    complete = "course" in dataset.complete_for
    seen_codes: set[str] = set()
    for course in dataset.courses:
        key = course.ref or course.code or course.name
        if course.reference_only:
            code = None
            for candidate in (course.code, course.ref):
                if candidate and candidate in state.courses:
                    code = candidate
                elif candidate and candidate.lower() in lower_code:
                    code = lower_code[candidate.lower()]
                if code:
                    break
            if code is None:
                for candidate in (course.name, course.ref):
                    matches = by_name.get(_statement_key(candidate or ""), [])
                    if len(matches) == 1:
                        code = matches[0]
                        break
            if code is None and not course.create_if_missing:
                continue
            if code is None:
                code = course.code or normalize_text(course.name)[:64]
                if code not in planned:
                    op = _new_course(plan, course, code, filename)
                    if op is None:  # refused (reported): its links are left out as ``dropped_courses``
                        keys[key] = code
                        continue
                    planned[code] = op
                    plan.ops.append(op)
                    plan.warnings.append(Issue("import.warning.course_created", {"course": key, "code": code},
                                               file=filename, sheet=course.origin.sheet, row=course.origin.row))
            elif code not in seen_codes:
                plan.counts["unchanged"]["course"] += 1
            if code in seen_codes and code in keys.values():
                plan.warnings.append(Issue("import.warning.course_twice", {"course": key, "code": code},
                                           file=filename, sheet=course.origin.sheet, row=course.origin.row))
            seen_codes.add(code)
            keys[key] = code
            continue
        code = course.code
        keys[key] = code
        existing = state.courses.get(code)
        if existing is None:
            op = _new_course(plan, course, code, filename)
            if op is not None:
                plan.ops.append(op)
            continue
        changes = {}
        for name in COURSE_OPTIONAL:
            if name not in course.fields:
                continue
            value = getattr(course, name)
            if value is None and name in ("name", "course_type", "credits", "hours_theory", "hours_practice"):
                continue
            if existing.get(name) != value:
                changes[name] = value
        if changes and refused(plan, course_errors({**existing, **changes}), key=code, origin=course.origin,
                               filename=filename):
            continue
        if changes:
            plan.ops.append(Op("course", "update", code, changes, db_id=existing["id"], version=existing["version"],
                               before={k: existing.get(k) for k in changes}, origin=course.origin))
        else:
            plan.counts["unchanged"]["course"] += 1
    if complete:
        file_codes = {c.code for c in dataset.courses}
        plan.not_in_file["course"] = [code for code in state.courses if code not in file_codes]
    return keys


def _new_course(plan: Plan, course: Any, code: str, filename: str | None) -> Op | None:
    """A course to create, its values as ``courses.new_course_row`` makes them; None (and the errors reported,
    the course's links and standard left out) when the editor's rule refuses them."""
    values = course_values(**_course_values(course, code))
    if refused(plan, course_errors(values), key=code, origin=course.origin, filename=filename):
        plan.extra.setdefault("dropped_courses", set()).add(code)
        return None
    return Op("course", "create", code, values, origin=course.origin)


def _course_values(course: Any, code: str) -> dict[str, Any]:
    return {"code": code, "name": course.name or code, "course_type": course.course_type or "professional_core",
            "credits": course.credits if course.credits is not None else 0.0,
            "hours_theory": course.hours_theory or 0, "hours_practice": course.hours_practice or 0,
            "semester": course.semester, "description": course.description or ""}


def _plan_alignments(plan: Plan, state: DbState, dataset: Dataset, node_codes: set[str], course_keys: dict[str, str],
                     replace: bool, filename: str | None) -> None:
    if not dataset.alignments and dataset.kind != "matrix":
        return
    seen: set[tuple[str, str]] = set()
    courses_in_file: set[str] = set(course_keys.values())
    dropped = set(plan.extra.get("dropped_nodes", ()))
    dropped_courses = plan.extra.get("dropped_courses", set())
    existing_of, add_op = state.alignments.get, plan.ops.append
    for link in dataset.alignments:
        course_code = course_keys.get(link.course)
        if link.competency in dropped or course_code in dropped_courses:  # refused themselves (reported there)
            continue
        if link.competency not in node_codes or course_code is None:
            plan.errors.append(Issue("import.error.alignment_target", {"competency": link.competency,
                                                                       "course": link.course},
                                     file=filename, sheet=link.origin.sheet, row=link.origin.row))
            continue
        key = (link.competency, course_code)
        if key in seen:
            continue
        seen.add(key)
        existing = existing_of(key)
        if existing is None:
            add_op(Op("alignment", "create", f"{link.competency} → {course_code}", {"level": link.level},
                      refs={"competency": link.competency, "course": course_code}, origin=link.origin))
        elif existing["level"] != link.level:
            plan.ops.append(level_update(f"{link.competency} → {course_code}", existing, link.level, link.origin))
        else:
            plan.counts["unchanged"]["alignment"] += 1
    missing = [key for key in state.alignments if key[1] in courses_in_file and key not in seen]
    plan.not_in_file["alignment"] = [f"{c} → {k}" for c, k in missing]
    if replace:
        for key in missing:
            existing = state.alignments[key]
            plan.ops.append(Op("alignment", "delete", f"{key[0]} → {key[1]}", {}, db_id=existing["id"],
                               version=existing["version"], before={"level": existing["level"]}))
        plan.not_in_file["alignment"] = []


def level_update(label: str, existing: dict[str, Any], level: int, origin: Origin | None) -> Op:
    """A changed level as the editor changes it (``alignment_rules.level_change``): a decided link is re-opened.

    The proposer is whoever commits: the writer applies the rule again with its actor, so the
    values shown here leave the proposer out; ``before`` keeps every column the rule may change."""
    values = level_change(existing, level, actor=None)
    before = {k: existing.get(k) for k in (LEVEL_CHANGE_COLUMNS if "status" in values else ("level", "status"))}
    if before.get("decided_at") is not None:  # plain data for the preview and the audit record
        before["decided_at"] = before["decided_at"].isoformat()
    shown = {k: v for k, v in values.items() if k not in ("proposed_by_id", "proposed_side")}
    return Op("alignment", "update", label, shown, db_id=existing["id"], version=existing["version"],
              before=before, origin=origin)


def _plan_ratings(plan: Plan, state: DbState, dataset: Dataset, node_codes: set[str], filename: str | None) -> None:
    seen: set[tuple[str, str]] = set()
    dropped = plan.extra.get("dropped_nodes", set())
    for rating in dataset.ratings:
        code = rating.competency
        if code in dropped:  # the node was refused (reported there)
            continue
        if code not in node_codes:
            ref = dataset.node_refs.get(code, {})
            statement = _statement_key(ref.get("statement") or "")
            matches = [c for c, row in state.nodes.items()
                       if statement and _statement_key(row["statement"]) == statement]
            if len(matches) == 1:
                code = matches[0]
            else:
                plan.errors.append(Issue("import.error.unknown_competency", {"competency": ref.get("label") or code},
                                         file=filename, sheet=rating.origin.sheet, row=rating.origin.row))
                continue
        key = (code, rating.rater)
        if key in seen:
            plan.errors.append(Issue("import.error.duplicate_rating", {"competency": code, "rater": rating.rater},
                                     file=filename, sheet=rating.origin.sheet, row=rating.origin.row))
            continue
        seen.add(key)
        existing = state.ratings.get(key)
        values = {name: getattr(rating, name) for name in RATING_OPTIONAL if name in rating.fields}
        label = f"{code} / {rating.rater}"
        if existing is None:
            values = {"rater": rating.rater, "importance": None, "frequency": None, "difficulty": None, "comment": "",
                      **{k: (v if v is not None or k != "comment" else "") for k, v in values.items()}}
            if not refused(plan, rating_errors(values), key=label, origin=rating.origin, filename=filename):
                plan.ops.append(Op("rating", "create", label, values, refs={"competency": code}, origin=rating.origin))
            continue
        changes = {k: (v if v is not None or k != "comment" else "") for k, v in values.items()
                   if existing.get(k) != (v if v is not None or k != "comment" else "")}
        if changes and refused(plan, rating_errors({**existing, "rater": rating.rater, **changes}), key=label,
                               origin=rating.origin, filename=filename):
            continue
        if changes:
            plan.ops.append(Op("rating", "update", f"{code} / {rating.rater}", changes, db_id=existing["id"],
                               version=existing["version"], before={k: existing.get(k) for k in changes},
                               origin=rating.origin))
        else:
            plan.counts["unchanged"]["rating"] += 1


def _plan_standards(plan: Plan, state: DbState, dataset: Dataset, node_codes: set[str], course_keys: dict[str, str],
                    filename: str | None) -> None:
    dropped_courses = plan.extra.get("dropped_courses", set())
    for std in dataset.standards:
        course_code = course_keys.get(std.course, std.course)
        if course_code in dropped_courses:  # its course was refused (reported there)
            continue
        existing = state.standards.get(course_code)
        frozen = existing is not None and existing["status"] == "approved"
        base = None if existing is None or frozen else existing
        changed = False
        if base is None:
            values = {f: std.fields.get(f, "") for f in STANDARD_FIELDS}
            values.update(revision=(existing["revision"] + 1) if existing else 1, status="draft")
            plan.ops.append(Op("standard", "create", course_code, values, refs={"course": course_code},
                               origin=std.origin))
            if frozen:
                plan.warnings.append(Issue("import.warning.standard_new_revision", {
                    "course": course_code, "revision": values["revision"]}, file=filename, sheet=std.origin.sheet))
        else:
            changes = {k: v for k, v in std.fields.items() if (base.get(k) or "") != v}
            if changes:
                plan.ops.append(Op("standard", "update", course_code, changes, db_id=base["id"],
                                   version=base["version"], before={k: base.get(k) for k in changes},
                                   origin=std.origin))
                changed = True
        seen_links: set[tuple[str, str]] = set()
        for entity, items in (("objective", std.objectives), ("unit", std.units), ("assessment", std.assessment)):
            columns = CHILDREN[entity][1]
            for item in items:
                values = {c: item.get(c) for c in columns}
                key = child_key(entity, values)
                current = base[entity].get(key) if base else None
                refs = {"standard": course_code, "standard_id": base["id"] if base else None, "key": key}
                if current is None:
                    plan.ops.append(Op(entity, "create", key, values, refs=refs, origin=item["origin"]))
                    changed = True
                else:
                    diff = {c: v for c, v in values.items() if c != "sort_order" and current.get(c) != v}
                    if diff:
                        plan.ops.append(Op(entity, "update", key, diff, db_id=current["id"],
                                           version=current["version"], before={c: current.get(c) for c in diff},
                                           origin=item["origin"]))
                        changed = True
                for competency, level in item.get("links", []):
                    if competency not in node_codes:
                        plan.errors.append(Issue("import.error.unknown_competency", {"competency": competency},
                                                 file=filename, sheet=item["origin"].sheet, row=item["origin"].row))
                        continue
                    label = f"{competency} → {entity} {key}"
                    if current is None:
                        plan.ops.append(Op("alignment", "create", label, {"level": level}, origin=item["origin"],
                                           refs={"competency": competency, "course": course_code,
                                                 "child": (entity, key), "standard": course_code}))
                        continue
                    target = f"{entity}:{current['id']}"
                    seen_links.add((competency, target))
                    link = base["alignments"].get((competency, target))
                    if link is None:
                        plan.ops.append(Op("alignment", "create", label, {"level": level}, origin=item["origin"],
                                           refs={"competency": competency, "course": course_code,
                                                 "child": (entity, key), "child_id": current["id"]}))
                        changed = True
                    elif link["level"] != level:
                        plan.ops.append(level_update(label, link, level, item["origin"]))
                        changed = True
                    else:
                        plan.counts["unchanged"]["alignment"] += 1
        if base is not None:
            missing = [f"{c} → {t}" for (c, t) in base["alignments"] if (c, t) not in seen_links]
            plan.not_in_file.setdefault("alignment", []).extend(missing)
            if not changed:
                plan.counts["unchanged"]["standard"] += 1
        plan.extra["standard_children"] = True
