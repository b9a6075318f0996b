"""Drafts from aligned competencies (issue 15): task-table rows, 能力目标 and 知识目标.

When a unit, or a whole standard, has aligned competencies (proposed or accepted), the
standards editor can offer a draft of

- 工作任务与职业能力分析表 rows: 工作领域 | 典型工作任务 | 职业能力 for those competencies
  (``services.checks.build_task_table``);
- 能力目标 phrased from skill competencies and 知识目标 from knowledge competencies: the
  learner is the subject and the verb is measurable (能够… / "Learners can …"), checked with
  the standards editor's wording lint (``services.checks.lint_objective``).

Drafts are deterministic and offline, and nothing is written until ``apply_objective_drafts``
is called (a click in the editor), which saves through ``services.standards.save_standard``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Competency, Course
from services.actor import Actor
from services.checks import build_task_table, lint_objective
from services.db import session_scope
from services.standards import invalid, save_args_from_content, save_standard, standard_content
from services.vocabulary import alignment_counts

_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_ABLE = re.compile(r"^(能够|能|会)")
_ZH_KNOW = re.compile(r"^(掌握|了解|熟悉|理解|知道|明确)")
_EN_ABLE = re.compile(r"^(can|be able to|able to|is able to)\s+", re.IGNORECASE)
_EN_KNOW = re.compile(r"^(know(ledge of)?|understand(ing)?( of)?|be familiar with|familiarity with|"
                      r"be aware of|awareness of)\s+", re.IGNORECASE)
_TRAILING = re.compile(r"[。．.;；,，\s]+$")
DIMENSION_PREFIX = {"knowledge": "K", "skill": "S"}


def _lower_first(text: str) -> str:
    # keep acronyms (PLC, CNC) as written
    return text if len(text) > 1 and text[:2].isupper() else text[:1].lower() + text[1:]


def phrase_objective(statement: str, comp_type: str | None) -> tuple[str, str] | None:
    """(dimension, objective text) drafted from one competency statement, or ``None`` for quality ones.

    Chinese skill: 能够 + the action (能 / 会 folded into 能够); knowledge: 能够说明 + what is known
    (掌握 / 了解 / 熟悉 / 理解 dropped). English: "Learners can …" / "Learners can explain …".
    """
    text = _TRAILING.sub("", (statement or "").strip())
    if not text or comp_type == "quality":
        return None
    dimension = "knowledge" if comp_type == "knowledge" else "skill"
    if _CJK.search(text):
        if _ZH_ABLE.match(text):
            return dimension, "能够" + _ZH_ABLE.sub("", text, count=1)
        known = _ZH_KNOW.match(text)
        rest = _ZH_KNOW.sub("", text, count=1) if known else text
        return dimension, ("能够说明" if dimension == "knowledge" else "能够运用") + rest
    if _EN_ABLE.match(text):
        return dimension, "Learners can " + _lower_first(_EN_ABLE.sub("", text, count=1))
    if _EN_KNOW.match(text) or dimension == "knowledge":
        return dimension, "Learners can explain " + _lower_first(_EN_KNOW.sub("", text, count=1))
    return dimension, "Learners can " + _lower_first(text)


def _next_codes(objectives: list[dict[str, Any]]) -> dict[str, int]:
    highest = {prefix: 0 for prefix in DIMENSION_PREFIX.values()}
    for o in objectives:
        match = re.fullmatch(r"([A-Z])(\d+)", str(o.get("code") or "").strip())
        if match and match.group(1) in highest:
            highest[match.group(1)] = max(highest[match.group(1)], int(match.group(2)))
    return highest


def draft_for_standard(engine: Engine, *, standard_id: int, unit_id: int | None = None) -> dict[str, Any]:
    """A draft from the competencies aligned to one unit (``unit_id``) or to the whole standard.

    Returns ``{"task_table": [{area_code, area, task_code, task, code, statement, level}],
    "objectives": [{dimension, code, text, source_code, level, lint}]}``. Objectives are drafted
    only for competencies no objective of the standard is aligned to yet.
    """
    with session_scope(engine) as session:
        content = standard_content(session, standard_id)
        program_id = session.get(Course, content["meta"]["course_id"]).program_id
        nodes = [{"id": n.id, "parent_id": n.parent_id, "kind": n.kind, "code": n.code, "statement": n.statement,
                  "comp_type": n.comp_type, "importance": n.importance, "status": n.status}
                 for n in session.exec(select(Competency).where(Competency.program_id == program_id)).all()]
    if unit_id is not None:
        units = [u for u in content["units"] if u["id"] == unit_id]
        if not units:
            raise invalid("suggest.error.unit", f"unit {unit_id} is not in this standard", field="unit")
        scope = {**content, "units": units, "objectives": []}
    else:
        scope = content
    table = build_task_table(scope, nodes)
    covered = {a["code"] for o in content["objectives"] for a in o.get("alignments", [])
               if alignment_counts(a)}
    counters = _next_codes(content["objectives"])
    objectives = []
    for row in table.to_dict("records"):
        if row["code"] in covered:
            continue
        phrased = phrase_objective(row["statement"], row["comp_type"])
        if phrased is None:
            continue
        dimension, text = phrased
        prefix = DIMENSION_PREFIX[dimension]
        counters[prefix] += 1
        objectives.append({"dimension": dimension, "code": f"{prefix}{counters[prefix]}", "text": text,
                           "source_code": row["code"], "level": int(row["level"] or 1),
                           "lint": lint_objective(text)})
    objectives.sort(key=lambda o: (o["dimension"] != "knowledge", int(o["code"][1:])))
    task_rows = [{k: row[k] for k in ("area_code", "area", "task_code", "task", "code", "statement")}
                 | {"level": int(row["level"] or 0)} for row in table.to_dict("records")]
    return {"task_table": task_rows, "objectives": objectives}


def apply_objective_drafts(engine: Engine, *, actor: Actor, standard_id: int, expected_version: int,
                           drafts: list[dict[str, Any]]) -> dict[str, Any]:
    """Add drafted objectives (each aligned to its source competency) to a standard in one save.

    Goes through ``save_standard``: its permission, frozen-revision and version checks apply,
    and the alignments start as proposed by the saver's side. Returns the save result.
    """
    if not drafts:
        raise invalid("suggest.error.no_drafts", "no draft objective chosen", field="objectives")
    content = standard_content(engine, standard_id)
    args = save_args_from_content(content)
    for d in drafts:
        args["objectives"].append({"id": None, "dimension": d["dimension"], "code": d.get("code", ""),
                                   "text": d["text"],
                                   "alignments": [{"code": d["source_code"], "level": int(d.get("level") or 1)}]})
    return save_standard(engine, actor=actor, standard_id=standard_id, expected_version=expected_version,
                         objectives=args["objectives"], note="objectives drafted from aligned competencies")
