"""Write a plan in one transaction: bulk inserts, version-checked updates, the import's audit.

Rows are inserted with Core ``insert()`` in batches (``RETURNING`` gives the new ids, so
children can point at parents created in the same import), updates run as one
executemany per set of changed columns with ``WHERE id = :id AND version = :version``.
Any failure rolls the whole import back.

Audit: an import writes ONE audit event (action "import", entity "import", the import
record's id) and its ``ImportRecord.entities`` lists every row it created (ids as ranges
per entity type), changed (before → after) and deleted (last values). ``services.history``
reads that list, so the history of one competency or alignment still shows the import that
created or changed it, who ran it and when, without one audit row per imported row.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import repeat
from operator import itemgetter, methodcaller
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlmodel import Session

from models import (
    Alignment,
    AssessmentItem,
    AuditEvent,
    Competency,
    Course,
    CourseStandard,
    ImportRecord,
    JobRole,
    LearningUnit,
    Objective,
    Program,
    Rating,
    SkillWeight,
)
from models.tables import alignment_target
from services import audit, notifications, textguard
from services.actor import Actor
from services.alignment_rules import level_change, new_row, proposal
from services.courses import new_course_row
from services.errors import Conflict
from services.framework import new_job_role_row, new_node_row
from services.hierarchy import new_node_provenance
from services.importing.plan import Op, Plan
from services.importing.weights import new_skill_weight_row
from services.programs import new_program_row
from services.standards.create import new_standard_row
from services.standards.save import new_child_row
from services.surveys import new_rating_row

Progress = Callable[[float, str], None]
BATCH = 5000
NODE_ENTITIES = frozenset({"area", "task", "competency"})
ENTITY_TYPE = {"area": "competency", "task": "competency", "competency": "competency", "course": "course",
               "alignment": "alignment", "rating": "rating", "job_role": "job_role", "standard": "standard"}


class _Writer:
    def __init__(self, session: Session, actor: Actor, program_id: int, progress: Progress | None) -> None:
        self.session = session
        self.conn = session.connection()
        self.actor = actor
        self.program_id = program_id
        self.progress = progress
        self.now = datetime.now(UTC)
        self.created: dict[str, list[int]] = defaultdict(list)
        self.updated: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.deleted: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)

    def event(self, entity: str, entity_id: int | None, action: str, summary: str,
              before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        """List one created / changed / deleted row in the import's audit (``entities``)."""
        if entity_id is None:
            return
        entity_type = ENTITY_TYPE.get(entity, entity)
        if action == "create":
            self.created[entity_type].append(entity_id)
        elif action == "delete":
            self.deleted[entity_type][str(entity_id)] = {"key": summary[:200], "before": _jsonable(before)}
        else:
            self.updated[entity_type][str(entity_id)] = {"key": summary[:200], "before": _jsonable(before),
                                                        "after": _jsonable(after)}

    def created_ids(self, entity_type: str, ids) -> None:
        """List rows this import inserted (many at once)."""
        self.created[entity_type].extend(ids)

    def new_ids(self, table, *, where, since: int) -> list[int]:
        """Ids of the rows this import inserted into ``table``: above ``since``, matching ``where``,
        stamped with the import's time (another transaction's rows on PostgreSQL are not ours)."""
        query = select(table.c.id).where(table.c.id > since, where,
                                         table.c.created_at == literal(self.now, table.c.created_at.type))
        return list(self.conn.execute(query).scalars())

    def entities(self) -> dict[str, Any]:
        """The import's audit: created ids as ``[[first, last], …]`` ranges, changes, deletions."""
        return {"created": {t: id_ranges(ids) for t, ids in self.created.items() if ids},
                "updated": {t: rows for t, rows in self.updated.items() if rows},
                "deleted": {t: rows for t, rows in self.deleted.items() if rows}}

    def insert_rows(self, table, rows: list[dict[str, Any]], shared: dict[str, Any] | None = None) -> None:
        """Insert ``rows`` (all with the same keys), each completed by the ``shared`` values, in bulk."""
        if not rows:
            return
        shared = shared or {}
        columns = {c: list(map(itemgetter(c), rows)) for c in rows[0] if c not in shared}
        self.insert_columns(table, columns, len(rows), shared)

    def insert_columns(self, table, columns: dict[str, list[Any]], count: int,
                       shared: dict[str, Any] | None = None) -> None:
        """Insert ``count`` rows given column by column (each list ``count`` long), plus the ``shared`` values.

        One DB-API executemany per batch. Column types are applied only where a column needs
        it, and the ``shared`` values (the import's timestamp, the actor, a status) are
        converted once; on SQLite the plain ones are written into the statement as literals, and
        so is a column that holds one plain value on every row (empty notes, no job role), so
        only the values that differ are bound per row (binding is most of executemany's cost).
        """
        if not count:
            return
        dialect = self.conn.dialect
        shared = dict(shared or {})
        sqlite = dialect.name == "sqlite"
        varying = {}
        for c, values in columns.items():
            first = values[0]
            if sqlite and _sql_literal(first) is not None and values.count(first) == count \
                    and len(set(map(type, values))) == 1:  # one value, one type (1 and True are equal)
                shared[c] = first
            else:
                varying[c] = values
        processors = {c: table.c[c].type._cached_bind_processor(dialect) for c in [*shared, *varying]}
        constants = {c: processors[c](v) if processors[c] and v is not None else v for c, v in shared.items()}
        inline = {c: _sql_literal(v) for c, v in constants.items()} if sqlite else {}
        inline = {c: v for c, v in inline.items() if v is not None}
        bound = [c for c in constants if c not in inline]
        marker = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
        if marker is None:  # an unusual driver: let SQLAlchemy do it
            full = [{**shared, **dict(zip(varying, values, strict=True))}
                    for values in zip(*varying.values(), strict=True)] if varying else [dict(shared)] * count
            for start in range(0, len(full), BATCH):
                self.conn.execute(insert(table), full[start:start + BATCH])
            return
        quote = dialect.identifier_preparer.quote
        names = [*inline, *bound, *varying]
        sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
               f"({', '.join(quote(c) for c in names)}) "
               f"VALUES ({', '.join([*inline.values(), *[marker] * (len(bound) + len(varying))])})")
        lists = [_converted(values, processors[c]) for c, values in varying.items()]
        if lists:
            params = list(zip(*[repeat(constants[c]) for c in bound], *lists, strict=False))  # repeat() is endless
        else:
            params = [tuple(constants[c] for c in bound)] * count
        for start in range(0, count, BATCH):
            self.conn.exec_driver_sql(sql, params[start:start + BATCH])

    def ids_by(self, table, key: str, where) -> dict[Any, int]:
        rows = self.conn.execute(table.select().with_only_columns(table.c[key], table.c.id).where(where)).all()
        return dict(rows)

    def update_many(self, model, ops: list[Op], values_of: Callable[[Op], dict[str, Any]]) -> None:
        """Version-checked updates, one executemany per set of changed columns."""
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        has_updated_at = "updated_at" in model.model_fields
        for op in ops:
            values = values_of(op)
            params = {f"v_{k}": v for k, v in values.items()}
            params.update({"b_id": op.db_id, "b_version": op.version, "v_version": (op.version or 0) + 1})
            if has_updated_at:
                params["v_updated_at"] = self.now
            groups[tuple(sorted(values))].append(params)
        table = model.__table__
        for columns, params in groups.items():
            assignments = {c: bindparam(f"v_{c}") for c in columns}
            assignments["version"] = bindparam("v_version")
            if has_updated_at:
                assignments["updated_at"] = bindparam("v_updated_at")
            stmt = update(table).where(and_(table.c.id == bindparam("b_id"),
                                            table.c.version == bindparam("b_version"))).values(**assignments)
            for start in range(0, len(params), BATCH):
                chunk = params[start:start + BATCH]
                result = self.conn.execute(stmt, chunk)
                if self.conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(chunk):
                    raise Conflict(f"{model.__name__}: rows changed by someone else during the import",
                                   entity=model.__name__)

    def max_id(self, table) -> int:
        """The highest id in ``table`` now: rows inserted after this have larger ids."""
        return self.conn.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()


def id_ranges(ids) -> list[list[int]]:
    """Sorted ids as ``[[first, last], …]`` runs of consecutive ids (a bulk insert is one run)."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _converted(values: list[Any], processor) -> list[Any]:
    """``values`` through a column type's bind processor (None stays None); as they are without one."""
    if processor is None:
        return values
    return [None if value is None else processor(value) for value in values]


def _unindexed(column):
    """``column + 0``: the same value, but no index on ``column`` applies, so the planner reads the new
    rows by their id range (the new-id query) instead of walking a secondary index."""
    return column + 0


def _sql_literal(value: Any) -> str | None:
    """``value`` as a SQLite literal when it is plain (None, a number, text without NUL); else None (bind it)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''") + "'"
    return None


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}


def apply_plan(session: Session, *, plan: Plan, actor: Actor, filename: str, kind: str, counts: dict[str, Any],
               errors: int, warnings: int, program_language: str = "zh", progress: Progress | None = None
               ) -> dict[str, Any]:
    """Write ``plan`` in ``session`` (the caller commits); returns the import record as a dict."""
    def tick(fraction: float, stage: str) -> None:
        if progress:
            progress(min(max(fraction, 0.0), 1.0), stage)

    tick(0.02, "program")
    if plan.program is None:
        program = Program(**new_program_row(code=plan.program_code, name=plan.program_code,
                                            language=program_language))
        session.add(program)
        session.flush()
        program_id = program.id
        writer = _Writer(session, actor, program_id, progress)
        writer.event("program", program_id, "create", f"{program.code} (import)",
                     after={"code": program.code, "name": program.name})
    else:
        program_id = plan.program["id"]
        writer = _Writer(session, actor, program_id, progress)
    node_ids: dict[str, int] = dict(_existing_ids(session, Competency, program_id, "code"))
    role_ids: dict[str, int] = dict(_existing_ids(session, JobRole, program_id, "name"))
    course_ids: dict[str, int] = dict(_existing_ids(session, Course, program_id, "code"))

    tick(0.05, "job_roles")
    _write_job_roles(writer, plan, role_ids)
    tick(0.1, "nodes")
    _write_nodes(writer, plan, node_ids, role_ids)
    tick(0.6, "courses")
    _write_courses(writer, plan, course_ids)
    if plan.extra.get("standard_children"):
        tick(0.62, "standards")
        _write_standards(writer, plan, node_ids, course_ids)
    if plan.extra.get("skill_weights"):
        _write_skill_weights(writer, plan, role_ids)
    tick(0.65, "alignments")
    _write_alignments(writer, plan, node_ids, course_ids)
    tick(0.8, "ratings")
    _write_ratings(writer, plan, node_ids)
    tick(0.9, "audit")
    record = record_import(session, actor=actor, program_id=program_id, filename=filename, kind=kind, counts=counts,
                           errors=errors, warnings=warnings, at=writer.now, entities=writer.entities(),
                           entities_checked=True,
                           course_codes={op.refs.get("course", op.key if op.entity == "course" else None)
                                         for op in plan.ops if op.entity not in NODE_ENTITIES} - {None})
    tick(1.0, "done")
    return {"id": record.id, "program_id": program_id, "at": record.at.isoformat()}


def record_import(session: Session, *, actor: Actor, program_id: int, filename: str, kind: str,
                  counts: dict[str, Any], errors: int, warnings: int, at: datetime | None = None,
                  entities: dict[str, Any] | None = None, entities_checked: bool = False,
                  course_codes: set[str] = frozenset()) -> ImportRecord:
    """Every import's record (the Import page's history), its one audit event (the rows it touched are
    listed in ``entities``) and the inbox notice to the owners of the courses it changed.

    ``entities_checked``: the bulk writer's ``entities`` list the file's cells (controls stripped by
    the reader, lengths checked) and database values, so the flush guard need not walk them again.
    """
    at = at or datetime.now(UTC)
    record = ImportRecord(program_id=program_id, user_id=actor.id, username=actor.username, filename=filename[:300],
                          kind=kind, ok=True, counts=counts, errors=errors, warnings=warnings, at=at,
                          entities=entities)
    session.add(record)
    if entities_checked:
        textguard.mark_checked(session, record, "entities")
    session.flush()
    session.add(AuditEvent(**audit.new_event_row(
        at=at, user_id=actor.id, username=actor.username, program_id=program_id, entity_type="import",
        entity_id=record.id, action="import", summary=f"{kind}: {filename}", after=_jsonable(counts.get("created")))))
    notifications.import_changed(session, actor=actor, program_id=program_id, filename=filename,
                                 course_codes=set(course_codes))
    session.flush()
    return record


def _write_skill_weights(writer: _Writer, plan: Plan, role_ids: dict[str, int]) -> None:
    """A 国家职业技能标准's weight tables replace those its source held (``services/importing/weights.py``)."""
    spec = plan.extra["skill_weights"]
    role_id = role_ids[spec["job_role"]]
    table = SkillWeight.__table__
    old = writer.conn.execute(select(table.c.id).where(table.c.job_role_id == role_id)).scalars().all()
    writer.conn.execute(table.delete().where(table.c.job_role_id == role_id))
    for weight_id in old:
        writer.event("skill_weight", weight_id, "delete", spec["job_role"])
    since = writer.conn.execute(select(func.max(table.c.id))).scalar() or 0
    shared = {"program_id": writer.program_id, "job_role_id": role_id}
    writer.insert_rows(table, [new_skill_weight_row(**shared, **row) for row in spec["rows"]], shared=shared)
    writer.created_ids("skill_weight", writer.conn.execute(select(table.c.id).where(
        table.c.job_role_id == role_id, table.c.id > since)).scalars().all())


def _existing_ids(session: Session, model, program_id: int, key: str) -> list[tuple[Any, int]]:
    table = model.__table__
    rows = session.connection().execute(
        table.select().with_only_columns(table.c[key], table.c.id).where(table.c.program_id == program_id))
    return [(r[0], r[1]) for r in rows]


def _write_job_roles(writer: _Writer, plan: Plan, role_ids: dict[str, int]) -> None:
    creates = plan.by("job_role", "create")
    if creates:
        table = JobRole.__table__
        # the owner's row; the planner refused what its rule refuses (framework.job_role_errors)
        writer.insert_rows(table, [new_job_role_row(program_id=writer.program_id, **op.values) for op in creates],
                           shared={"program_id": writer.program_id, "version": 1})
        role_ids.update(writer.ids_by(table, "name", table.c.program_id == writer.program_id))
        for op in creates:
            writer.event("job_role", role_ids.get(op.key), "create", op.key, after=op.values)
    updates = plan.by("job_role", "update")
    if updates:
        writer.update_many(JobRole, updates, lambda op: op.values)
        for op in updates:
            writer.event("job_role", op.db_id, "update", op.key, before=op.before, after=op.values)


def _write_nodes(writer: _Writer, plan: Plan, node_ids: dict[str, int], role_ids: dict[str, int]) -> None:
    creates: list[Op] = []
    updates: list[Op] = []
    for op in plan.ops:  # in plan order (parents before children, the file's order within a level)
        if op.entity in NODE_ENTITIES:
            if op.action == "create":
                creates.append(op)
            elif op.action == "update":
                updates.append(op)
    pending = {op.key: op for op in creates}
    level_of: dict[str, int] = {}

    def level(code: str) -> int:
        # iterative: parents created in this import come first
        chain = []
        node = code
        while node in pending and node not in level_of:
            chain.append(node)
            parent = pending[node].refs.get("parent")
            if parent is None or parent not in pending:
                break
            node = parent
        base = level_of.get(node, -1) if node not in chain else -1
        for item in reversed(chain):
            base += 1
            level_of[item] = base
        return level_of[code]

    levels: dict[int, list[Op]] = defaultdict(list)
    for op in creates:
        # one look-up when the parent came first (the usual order); the walk above otherwise
        parent = op.refs.get("parent")
        depth = level_of.get(parent, -2) if parent in pending else -1
        if depth == -2:
            depth = level(parent)
        level_of[op.key] = depth + 1
        levels[depth + 1].append(op)
    actor = writer.actor
    total = max(len(creates), 1)
    done = 0
    # The owner's row, column by column: each node's values were checked by the planner with the builder's rule
    # (framework.node_errors); what every node shares (programme, review columns of a node the importer adds,
    # timestamps) comes from the builder itself, once.
    template = new_node_row(program_id=writer.program_id, kind="area", code="template", statement="template",
                            **new_node_provenance(actor), created_at=writer.now, updated_at=writer.now, version=1)
    own = {"kind", "code", "statement"}
    shared = {k: v for k, v in template.items() if k not in own}
    table = Competency.__table__
    for depth in sorted(levels):
        ops = levels[depth]
        values = [op.values for op in ops]  # every node's values have the same keys (the planner's _node_values)
        columns = {name: list(map(itemgetter(name), values)) for name in values[0]}
        refs = [op.refs for op in ops]
        columns["parent_id"] = [node_ids.get(parent) if parent else None
                                for parent in map(methodcaller("get", "parent"), refs)]
        columns["job_role_id"] = [role_ids.get(role) if role else None
                                  for role in map(methodcaller("get", "job_role"), refs)]
        level_since = writer.max_id(table)
        writer.insert_columns(table, columns, len(ops), shared=shared)
        new = writer.ids_by(table, "code", (table.c.program_id == writer.program_id) & (table.c.id > level_since))
        node_ids.update(new)
        writer.created_ids("competency", new.values())
        done += len(ops)
        writer.progress and writer.progress(0.1 + 0.45 * done / total, "nodes")

    def node_values(op: Op) -> dict[str, Any]:
        values = {}
        for name, value in op.values.items():
            if name == "parent":
                values["parent_id"] = node_ids.get(value) if value else None
            elif name == "job_role":
                values["job_role_id"] = role_ids.get(value) if value else None
            else:
                values[name] = value
        return values

    if updates:
        writer.update_many(Competency, updates, node_values)
        for op in updates:
            writer.event(op.entity, op.db_id, "update", f"{op.key}", before=op.before, after=op.values)


def _write_courses(writer: _Writer, plan: Plan, course_ids: dict[str, int]) -> None:
    creates = plan.by("course", "create")
    if creates:
        table = Course.__table__
        since = writer.max_id(table)
        # the owner's row; the planner refused what its rule refuses (courses.course_errors)
        writer.insert_rows(table, [new_course_row(program_id=writer.program_id, **op.values) for op in creates],
                           shared={
            "program_id": writer.program_id, "created_at": writer.now, "updated_at": writer.now, "version": 1})
        new = writer.ids_by(table, "code", (table.c.program_id == writer.program_id) & (table.c.id > since))
        course_ids.update(new)
        writer.created_ids("course", new.values())
    updates = plan.by("course", "update")
    if updates:
        writer.update_many(Course, updates, lambda op: op.values)
        for op in updates:
            writer.event("course", op.db_id, "update", op.key, before=op.before, after=op.values)


def _write_alignments(writer: _Writer, plan: Plan, node_ids: dict[str, int], course_ids: dict[str, int]) -> None:
    creates = [op for op in plan.by("alignment", "create") if "child" not in op.refs]
    if creates:
        actor = writer.actor
        targets = {code: (course_id, alignment_target(course_id=course_id)) for code, course_id in course_ids.items()}
        rows = []
        for op in creates:
            refs = op.refs
            course_id, target = targets[refs["course"]]
            rows.append({"competency_id": node_ids[refs["competency"]], "course_id": course_id, "target": target,
                         "level": op.values["level"]})
        table = Alignment.__table__
        since = writer.max_id(table)
        # the rule's row for a course link proposed by the importer; what every row shares is written once
        template = new_row(competency_id=0, course_id=0, level=1, source="import", **proposal(actor))
        shared = {k: v for k, v in template.items() if k not in rows[0]}
        writer.insert_rows(table, rows, shared={**shared, "created_at": writer.now, "updated_at": writer.now,
                                                "version": 1})
        writer.created_ids("alignment", writer.new_ids(table, since=since, where=_unindexed(table.c.course_id).in_(
            select(Course.__table__.c.id).where(Course.__table__.c.program_id == writer.program_id))))
    updates = plan.by("alignment", "update")
    if updates:
        # the editor's rule, now with the importing actor: a decided link is re-opened by the importer's side
        values = {id(op): level_change(op.before or {}, op.values["level"], actor=writer.actor) for op in updates}
        writer.update_many(Alignment, updates, lambda op: values[id(op)])
        for op in updates:
            after = values[id(op)]
            # like the editor's audit record: only the columns that changed, before → after
            changed = [k for k in after if (op.before or {}).get(k) != after[k]]
            writer.event("alignment", op.db_id, "update", op.key, before={k: (op.before or {}).get(k) for k in changed},
                         after={k: after[k] for k in changed})
    deletes = plan.by("alignment", "delete")
    if deletes:
        ids = [op.db_id for op in deletes]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            writer.conn.execute(delete(Alignment.__table__).where(Alignment.__table__.c.id.in_(chunk)))
        for op in deletes:
            writer.event("alignment", op.db_id, "delete", f"{op.key} (replace)", before=op.before)


def _write_ratings(writer: _Writer, plan: Plan, node_ids: dict[str, int]) -> None:
    creates = plan.by("rating", "create")
    if creates:
        # the owner's row; the planner refused what its rule refuses (surveys.rating_errors)
        rows = [new_rating_row(competency_id=node_ids[op.refs["competency"]], **op.values) for op in creates]
        table = Rating.__table__
        since = writer.max_id(table)
        writer.insert_rows(table, rows, shared={"rater_user_id": None, "rater_side": None, "created_at": writer.now,
                                                "version": 1})
        writer.created_ids("rating", writer.new_ids(table, since=since, where=_unindexed(table.c.competency_id).in_(
            select(Competency.__table__.c.id).where(Competency.__table__.c.program_id == writer.program_id))))
    updates = plan.by("rating", "update")
    if updates:
        writer.update_many(Rating, updates, lambda op: op.values)
        for op in updates:
            writer.event("rating", op.db_id, "update", op.key, before=op.before, after=op.values)


CHILD_MODELS = {"objective": Objective, "unit": LearningUnit, "assessment": AssessmentItem}
CHILD_TABLES = {"objective": "objectives", "unit": "units", "assessment": "assessment"}


def _write_standards(writer: _Writer, plan: Plan, node_ids: dict[str, int], course_ids: dict[str, int]) -> None:
    """Course standards are few and small: ORM rows, flushed for their ids."""
    session, actor = writer.session, writer.actor
    standard_ids: dict[str, int] = {}
    for op in plan.by("standard", "create"):
        row = CourseStandard(**new_standard_row(course_id=course_ids[op.refs["course"]], created_by_id=actor.id,
                                                **op.values))
        session.add(row)
        session.flush()
        standard_ids[op.key] = row.id
        writer.event("standard", row.id, "create", f"{op.key} r{row.revision}", after=op.values)
    updates = plan.by("standard", "update")
    if updates:
        writer.update_many(CourseStandard, updates, lambda op: op.values)
        for op in updates:
            writer.event("standard", op.db_id, "update", op.key, before=op.before, after=op.values)
    child_ids: dict[tuple[str, str], int] = {}
    for entity, model in CHILD_MODELS.items():
        for op in plan.by(entity, "create"):
            standard_id = op.refs.get("standard_id") or standard_ids[op.refs["standard"]]
            extra = {"proposed_by_id": actor.id, "proposed_side": actor.side} if entity != "assessment" else {}
            row = model(**new_child_row(CHILD_TABLES[entity], standard_id=standard_id, **op.values, **extra))
            session.add(row)
            session.flush()
            child_ids[(entity, op.key)] = row.id
            writer.event(entity, row.id, "create", op.key[:200], after=op.values)
        child_updates = plan.by(entity, "update")
        if child_updates:
            writer.update_many(model, child_updates, lambda op: op.values)
            for op in child_updates:
                writer.event(entity, op.db_id, "update", op.key[:200], before=op.before, after=op.values)
    for op in plan.by("alignment", "create"):
        if "child" not in op.refs:
            continue
        entity, key = op.refs["child"]
        child_id = op.refs.get("child_id") or child_ids[(entity, key)]
        course_id = course_ids[op.refs["course"]]
        unit_id = child_id if entity == "unit" else None
        objective_id = child_id if entity == "objective" else None
        row = Alignment(**new_row(competency_id=node_ids[op.refs["competency"]], course_id=course_id,
                                  unit_id=unit_id, objective_id=objective_id, level=op.values["level"],
                                  source="import", **proposal(actor)))
        session.add(row)
        session.flush()
        writer.event("alignment", row.id, "create", op.key[:200], after={"level": row.level, "target": row.target})
