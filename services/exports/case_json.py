"""1EdTech CASE 1.1 package (JSON) of a programme's framework.

Checked against ../shared/data/real/opensalt/schema/case-v1p1-cfpackage-schema.subset.json
in the tests. Choices, made so that the package validates and reads back as the same tree:

- Identifiers are lowercase UUIDs (version 5, variant 8–b) derived from a fixed namespace
  plus the programme code and the node's code, so the same competency always gets the same
  identifier, in every export. URIs are ``urn:uuid:<identifier>`` (no invented web host);
  ``COSTANDARD_CASE_BASE_URI`` (e.g. ``https://case.example.edu/uri/``) replaces the prefix.
- CFDocument: the programme (creator CoStandard, caseVersion "1.1", adoptionStatus Draft).
  CFItems: work areas, tasks and competencies (retired ones left out), humanCodingScheme =
  the outline code, CFItemType 工作领域 / 工作任务 / 职业能力 (Work area / Work task /
  Competency), our own fields under ``extensions.costandard``.
- The hierarchy is ``isChildOf`` (item → parent item; areas → the document) with the
  sibling position as ``sequenceNumber``.
- Courses are not CFItems (an importer would read them as framework nodes): a course
  alignment is an ``isRelatedTo`` association from the competency to an external node with
  ``targetType`` ``ext:course``, and its level (the competency's level in that course, as
  coverage counts it) is the CFAssociationGrouping "Level 1 introduced" / "Level 2
  reinforced" / "Level 3 mastered" named by ``CFAssociationGroupingURI``.
- ``competency.external_uri`` (ESCO / O*NET) → ``exactMatchOf`` with targetType
  ``ext:esco`` / ``ext:onet`` / ``ext:uri``; a job role set on a task or competency →
  ``isRelatedTo`` its occupation (``ext:esco-occupation``, ``ext:onet-occupation`` or
  ``ext:job-role`` when it has no external URI).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Competency, Course, JobRole, Program
from services import coverage
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound
from services.exports.common import (
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    export_filename,
    program_code_of,
    require_export,
    t,
)
from services.i18n import label
from services.outline import code_sort_key

CASE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:costandard:case")
KIND_ORDER = ("area", "task", "competency")


def case_uuid(*parts: object) -> str:
    """A stable lowercase UUID for a node of the package (same parts → same identifier)."""
    return str(uuid.uuid5(CASE_NAMESPACE, "/".join(str(p) for p in parts)))


def case_uri(identifier: str) -> str:
    return f"{os.environ.get('COSTANDARD_CASE_BASE_URI', 'urn:uuid:')}{identifier}"


def case_time(value: datetime | None) -> str:
    """``YYYY-MM-DDThh:mm:ss+00:00`` (CASE's lastChangeDateTime form)."""
    value = value or datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _link(title: str, identifier: str, uri: str | None = None, target_type: str | None = None) -> dict[str, str]:
    link = {"title": title, "identifier": identifier, "uri": uri or case_uri(identifier)}
    if target_type:
        link["targetType"] = target_type
    return link


def external_target_type(uri: str, *, occupation: bool = False) -> str:
    """``ext:esco`` / ``ext:onet`` / ``ext:uri`` (``-occupation`` variants for job roles)."""
    lowered = uri.lower()
    if "data.europa.eu/esco" in lowered:
        return "ext:esco-occupation" if occupation else "ext:esco"
    if "onetonline.org" in lowered or "onetcenter.org" in lowered:
        return "ext:onet-occupation" if occupation else "ext:onet"
    return "ext:job-role" if occupation else "ext:uri"


def _tree(nodes: list[Competency]) -> list[tuple[Competency, int, list[int]]]:
    """(node, sequence among siblings, position path) in depth-first order; retired nodes left out."""
    kept = {n.id for n in nodes if n.status != "retired"}
    children: dict[int | None, list[Competency]] = {}
    for node in nodes:
        if node.id in kept:
            children.setdefault(node.parent_id if node.parent_id in kept else None, []).append(node)
    out: list[tuple[Competency, int, list[int]]] = []

    def walk(parent_id: int | None, path: list[int]) -> None:
        ordered = sorted(children.get(parent_id, []), key=lambda n: (n.sort_order, code_sort_key(n.code)))
        for sequence, node in enumerate(ordered, start=1):
            out.append((node, sequence, [*path, sequence]))
            walk(node.id, [*path, sequence])

    walk(None, [])
    return out


def case_package(engine: Engine, *, program_id: int, lang: str = "zh") -> dict[str, Any]:
    """The CASE 1.1 CFPackage of a programme as a dict (deterministic for unchanged data)."""
    check_lang(lang)
    with session_scope(engine) as session:
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"programme {program_id} not found")
        nodes = list(session.exec(select(Competency).where(Competency.program_id == program_id)).all())
        roles = {r.id: r for r in session.exec(select(JobRole).where(JobRole.program_id == program_id)).all()}
        courses = {c.id: c for c in session.exec(select(Course).where(Course.program_id == program_id)).all()}
        program_info = {"code": program.code, "name": program.name, "language": program.language,
                        "description": program.description, "updated_at": program.updated_at}
    result = coverage.compute_coverage(engine, program_id=program_id)
    code = program_info["code"]
    tree = _tree(nodes)
    by_id = {node.id: node for node, _, _ in tree}
    last_change = max([program_info["updated_at"], *(n.updated_at for n, _, _ in tree)])
    doc_id = case_uuid(code, "document")
    document = {
        "identifier": doc_id, "uri": case_uri(doc_id), "creator": "CoStandard", "title": program_info["name"],
        "lastChangeDateTime": case_time(last_change), "caseVersion": "1.1", "language": program_info["language"],
        "adoptionStatus": "Draft", "description": program_info["description"],
        "notes": t("export.case.notes", lang, code=code), "frameworkType": t("export.case.framework_type", lang),
    }
    doc_link = _link(program_info["name"], doc_id, document["uri"])
    item_types = {kind: {
        "identifier": case_uuid("itemtype", kind, lang), "title": label("kind", kind, lang),
        "description": t(f"export.case.type_description.{kind}", lang), "hierarchyCode": str(i + 1),
        "typeCode": kind, "lastChangeDateTime": case_time(last_change),
    } for i, kind in enumerate(KIND_ORDER)}
    for entry in item_types.values():
        entry["uri"] = case_uri(entry["identifier"])
    groupings = {level: {
        "identifier": case_uuid(code, "grouping", f"level-{level}"), "title": t(f"export.case.level.{level}", lang),
        "description": t(f"export.case.level_description.{level}", lang), "lastChangeDateTime": case_time(last_change),
    } for level in (1, 2, 3)}
    for entry in groupings.values():
        entry["uri"] = case_uri(entry["identifier"])

    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []
    item_ids = {node.id: case_uuid(code, "node", node.code) for node, _, _ in tree}

    def item_link(node: Competency) -> dict[str, str]:
        return _link(node.statement, item_ids[node.id])

    def associate(kind: str, origin: Competency, destination: dict[str, str], changed: datetime, *,
                  sequence: int | None = None, grouping: dict[str, Any] | None = None) -> None:
        identifier = case_uuid(code, "association", kind, origin.code, destination["identifier"])
        record: dict[str, Any] = {"identifier": identifier, "associationType": kind, "uri": case_uri(identifier),
                                  "originNodeURI": item_link(origin), "destinationNodeURI": destination,
                                  "lastChangeDateTime": case_time(changed)}
        if sequence is not None:
            record["sequenceNumber"] = sequence
        if grouping is not None:
            record["CFAssociationGroupingURI"] = {k: grouping[k] for k in ("title", "identifier", "uri")}
        associations.append(record)

    for node, sequence, _ in tree:
        kind_type = item_types.get(node.kind)
        item: dict[str, Any] = {
            "identifier": item_ids[node.id], "uri": case_uri(item_ids[node.id]), "fullStatement": node.statement,
            "humanCodingScheme": node.code, "language": program_info["language"],
            "lastChangeDateTime": case_time(node.updated_at),
        }
        if kind_type:
            item["CFItemType"] = kind_type["title"]
            item["CFItemTypeURI"] = {k: kind_type[k] for k in ("title", "identifier", "uri")}
        if node.notes:
            item["notes"] = node.notes
        item["extensions"] = {"costandard": {
            "kind": node.kind, "compType": node.comp_type, "importance": node.importance,
            "requiredLevel": node.required_level, "status": node.status, "proposedSide": node.proposed_side}}
        items.append(item)
        parent = by_id.get(node.parent_id)
        associate("isChildOf", node, item_link(parent) if parent else doc_link, node.updated_at, sequence=sequence)
        if node.external_uri:
            associate("exactMatchOf", node, _link(node.statement, node.external_uri, node.external_uri,
                                                  external_target_type(node.external_uri)), node.updated_at)
        role = roles.get(node.job_role_id) if node.job_role_id else None
        if role is not None:
            identifier = role.external_code or case_uuid(code, "job_role", role.name)
            uri = role.external_uri or case_uri(case_uuid(code, "job_role", role.name))
            associate("isRelatedTo", node, _link(role.name, identifier, uri,
                                                 external_target_type(role.external_uri, occupation=True)
                                                 if role.external_uri else "ext:job-role"), node.updated_at)

    codes = dict(zip(result.by_competency["id"].tolist(), result.by_competency["code"].tolist(), strict=True))
    nodes_by_code = {node.code: node for node, _, _ in tree}
    cells = sorted(((codes[c], course_id, int(level)) for c, course_id, level in result.levels.itertuples(index=False)
                    if c in codes), key=lambda r: (code_sort_key(r[0]), code_sort_key(courses[r[1]].code)))
    for competency_code, course_id, level in cells:
        course = courses[course_id]
        origin = nodes_by_code.get(competency_code)
        if origin is None:
            continue
        identifier = case_uuid(code, "course", course.code)
        title = f"{course.name}（{course.code}）" if lang == "zh" else f"{course.name} ({course.code})"
        associate("isRelatedTo", origin, _link(title, identifier, target_type="ext:course"),
                  max(origin.updated_at, course.updated_at), grouping=groupings[level])

    return {
        "CFDocument": document, "CFItems": items, "CFAssociations": associations,
        "CFDefinitions": {"CFItemTypes": list(item_types.values()),
                          "CFAssociationGroupings": list(groupings.values())},
    }


def export_case_json(
    engine: Engine, *, actor: Actor, program_id: int, lang: str = "zh", progress: Progress | None = None,
) -> ExportFile:
    """The programme's framework (and course alignments) as a CASE 1.1 package JSON."""
    require_export(actor)
    report = ProgressReporter(progress)
    report(0.0, "read")
    package = case_package(engine, program_id=program_id, lang=lang)
    content = json.dumps(package, ensure_ascii=False, indent=1).encode("utf-8")
    report(1.0, "done")
    return ExportFile(content, export_filename(program_code=program_code_of(engine, program_id), kind="case", ext="json"),
                      MEDIA_TYPES["json"])
