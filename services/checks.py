"""The live checklist of a course standard and the objective-wording linter.

Everything here is pure (a ``standard_content`` snapshot in, findings out) except the two
service wrappers ``checklist`` and ``task_table``, which load the snapshot and the framework.
The page can also check unsaved editor content by passing ``content=``.

A finding is ``{check, key, params, severity, target_type, target_id}``: ``key`` and
``params`` are a translation (``locales/*.standards.json``); ``target_type`` is "section"
(``target_id`` a name in ``services.standards.SECTIONS``), "unit", "objective" or
"competency" (row ids) so the page can link to the item.

Severity: ``error`` blocks submitting for review (``services.workflow.submit``): unit hours
that do not add up to the course hours, and assessment weights that do not add up to 100 %.
Everything else is a ``warning`` that reviewers see but that does not block.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Alignment, Competency, Course
from services.db import session_scope
from services.i18n import translate
from services.outline import code_sort_key
from services.standards import standard_content
from services.vocabulary import alignment_counts, counted_alignments

CHECKS = ("unit_hours", "assessment_weights", "units_aligned", "objectives_aligned", "framework", "programme_plan",
          "open_proposals", "dimensions", "sections", "wording")
DIMENSIONS = ("knowledge", "skill", "quality")
REQUIRED_SECTIONS = ("nature", "design_rationale", "teaching_methods", "resources")
WEIGHT_TOLERANCE = 0.01

# --------------------------------------------------------------------------- objective wording

_CJK = re.compile(r"[\u4e00-\u9fff]")
# The school, not the learner, as the subject: 使学生… / 培养学生… / 提高学生…
_ZH_STUDENT_AS_OBJECT = re.compile(r"(使|培养|提高|让|帮助|引导)学生")
_ZH_VAGUE = re.compile(r"了解|熟悉|理解")
# 能 / 能够 as a verb, not inside nouns such as 功能, 技能, 智能, 能力, 能源
_ZH_ABLE = re.compile(r"(?<![功性智技动势电效职本可才体热节储核产])能(?![力源量耗])")
ZH_MEASURABLE_VERBS = (
    "会", "完成", "操作", "编写", "调试", "设计", "分析", "选用", "识读", "安装", "排除", "说明", "阐述", "描述",
    "列举", "计算", "绘制", "使用", "运用", "检测", "测量", "编制", "制定", "判断", "识别", "区分", "比较",
    "解释", "选择", "组态", "配置", "维护", "处理", "实施", "执行", "撰写", "演示", "标定", "示教", "拆装",
    "装配", "接线", "检修", "排查", "诊断", "复述", "归纳", "概括",
)
_ZH_MEASURABLE = re.compile("|".join(ZH_MEASURABLE_VERBS))

_EN_VAGUE = re.compile(
    r"\b(understand(s|ing)?|know(s|ing)?|learn(s|ing)? about|appreciat(e|es|ing)|"
    r"(be|become|get|being) (familiar|acquainted) with|be aware of|"
    r"have (an? )?(knowledge|awareness|understanding) of)\b", re.IGNORECASE)
_EN_STUDENT_AS_OBJECT = re.compile(r"\b(enable|help|make|train|teach|allow|let|get)s? (the )?(students?|learners?)\b",
                                   re.IGNORECASE)
# Bloom's action verbs (observable, measurable)
EN_MEASURABLE_VERBS = (
    "identify", "describe", "explain", "apply", "configure", "program", "install", "troubleshoot", "calculate",
    "design", "diagnose", "disassemble", "assemble", "reassemble", "repair", "verify", "measure", "select",
    "operate", "inspect", "test", "demonstrate", "perform", "construct", "compare", "analyse", "analyze",
    "evaluate", "interpret", "list", "define", "classify", "compute", "draw", "sketch", "plan", "prepare",
    "produce", "record", "solve", "use", "maintain", "replace", "adjust", "calibrate", "document", "estimate",
    "organise", "organize", "outline", "distinguish", "differentiate", "formulate", "create", "develop", "write",
    "commission", "wire", "modify", "implement", "execute", "state", "name", "label", "recognise", "recognize",
    "summarise", "summarize", "illustrate", "justify", "assess", "choose", "locate", "monitor", "check",
    "lubricate", "align", "set up", "read", "follow", "apply", "work", "carry out", "report",
)
# A verb heads a clause ("Diagnose …", "… and install …", "be able to configure …"); the same word
# inside a noun phrase ("maintenance plans", "test results") does not count.
_EN_MEASURABLE = re.compile(
    r"(?:^\W*|\b(?:to|and|or|can|will|then|also)\s+|[,;:]\s*)("
    + "|".join(re.escape(v) for v in sorted(set(EN_MEASURABLE_VERBS), key=len, reverse=True))
    + r")(s|es|d|ed|ing)?\b", re.IGNORECASE)


def lint_objective(text: str) -> list[dict[str, Any]]:
    """Wording problems of one objective: ``[{key, params}]`` (Chinese or English rules by script)."""
    text = text or ""
    problems = []
    if _CJK.search(text):
        subject = _ZH_STUDENT_AS_OBJECT.search(text)
        if subject:
            problems.append({"key": "lint.zh.student_as_object", "params": {"phrase": subject.group(0)}})
        vague = _ZH_VAGUE.search(text)
        if vague and not (_ZH_ABLE.search(text) or _ZH_MEASURABLE.search(text)):
            problems.append({"key": "lint.zh.vague_verb", "params": {"phrase": vague.group(0)}})
        return problems
    subject = _EN_STUDENT_AS_OBJECT.search(text)
    if subject:
        problems.append({"key": "lint.en.student_as_object", "params": {"phrase": subject.group(0)}})
    vague = _EN_VAGUE.search(text)
    if vague and not _EN_MEASURABLE.search(text):
        problems.append({"key": "lint.en.vague_verb", "params": {"phrase": vague.group(0)}})
    return problems


# --------------------------------------------------------------------------- the checklist (pure)


def _finding(check: str, key: str, severity: str, target_type: str, target_id: Any, **params: Any) -> dict[str, Any]:
    return {"check": check, "key": key, "params": params, "severity": severity, "target_type": target_type,
            "target_id": target_id}


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number


def _live(alignments: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [a for a in alignments or [] if alignment_counts(a)]


def check_content(
    content: dict[str, Any], *, framework: dict[str, dict[str, Any]] | None = None,
    plan_codes: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Check a ``standard_content`` snapshot (or unsaved editor content of the same shape).

    ``framework`` maps competency code → ``{id, kind, status}`` for the codes in the content and
    the plan (omit to skip the framework checks); ``plan_codes`` are the competencies the
    programme plan aligns to this course directly (course-level alignments; empty or ``None``
    skips the plan check).
    """
    meta = content.get("meta", {})
    units, objectives = content.get("units", []), content.get("objectives", [])
    findings: list[dict[str, Any]] = []

    theory = sum(int(_number(u.get("hours_theory"))) for u in units)
    practice = sum(int(_number(u.get("hours_practice"))) for u in units)
    course_hours = int(_number(meta.get("course_hours")))
    if theory + practice != course_hours:
        findings.append(_finding("unit_hours", "checks.hours_mismatch", "error", "section", "units",
                                 units_total=theory + practice, course_hours=course_hours))
    elif meta.get("course_hours_theory") is not None and (theory, practice) != (
            meta.get("course_hours_theory"), meta.get("course_hours_practice")):
        findings.append(_finding("unit_hours", "checks.hours_split_mismatch", "warning", "section", "units",
                                 theory=theory, practice=practice, course_theory=meta.get("course_hours_theory"),
                                 course_practice=meta.get("course_hours_practice")))

    total = round(sum(_number(i.get("weight")) for i in content.get("assessment", [])), 2)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        findings.append(_finding("assessment_weights", "checks.weights_mismatch", "error", "section", "assessment",
                                 total=f"{total:g}"))

    for u in units:
        if not _live(u.get("alignments")):
            findings.append(_finding("units_aligned", "checks.unit_not_aligned", "warning", "unit", u.get("id"),
                                     title=u.get("title", "")))
    for o in objectives:
        if not _live(o.get("alignments")):
            findings.append(_finding("objectives_aligned", "checks.objective_not_aligned", "warning", "objective",
                                     o.get("id"), code=o.get("code", ""), text=o.get("text", "")[:40]))

    covered: dict[str, tuple[str, Any]] = {}
    open_proposals = 0
    for kind, rows in (("unit", units), ("objective", objectives)):
        for row in rows:
            for a in _live(row.get("alignments")):
                covered.setdefault(a.get("code", ""), (kind, row.get("id")))
                open_proposals += a.get("status", "proposed") == "proposed"
    if framework is not None:
        for code, (kind, row_id) in sorted(covered.items(), key=lambda kv: code_sort_key(kv[0])):
            node = framework.get(code)
            if node is None or node.get("kind") != "competency":
                findings.append(_finding("framework", "checks.competency_unknown", "warning", kind, row_id, code=code))
            elif node.get("status") == "retired":
                findings.append(_finding("framework", "checks.competency_retired", "warning", kind, row_id, code=code))
            elif node.get("status") != "accepted":
                findings.append(_finding("framework", "checks.competency_not_accepted", "warning", kind, row_id,
                                         code=code))
    if plan_codes:
        ids = {code: (framework or {}).get(code, {}).get("id") for code in set(plan_codes) | set(covered)}
        for code in sorted(set(plan_codes) - set(covered), key=code_sort_key):
            findings.append(_finding("programme_plan", "checks.plan_competency_missing", "warning", "competency",
                                     ids.get(code), code=code))
        for code in sorted(set(covered) - set(plan_codes), key=code_sort_key):
            findings.append(_finding("programme_plan", "checks.competency_not_in_plan", "warning", "competency",
                                     ids.get(code), code=code))
    if open_proposals:
        findings.append(_finding("open_proposals", "checks.open_proposals", "warning", "section", "task_table",
                                 count=open_proposals))

    present = {o.get("dimension") for o in objectives}
    for dimension in DIMENSIONS:
        if dimension not in present:
            findings.append(_finding("dimensions", f"checks.dimension_missing.{dimension}", "warning", "section",
                                     "objectives", dimension=dimension))
    header = content.get("header", {})
    for section in REQUIRED_SECTIONS:
        if not str(header.get(section) or "").strip():
            findings.append(_finding("sections", f"checks.section_empty.{section}", "warning", "section", section,
                                     section=section))
    for o in objectives:
        for problem in lint_objective(o.get("text", "")):
            findings.append(_finding("wording", problem["key"], "warning", "objective", o.get("id"),
                                     code=o.get("code", ""), **problem["params"]))
    return findings


def finding_text(finding: dict[str, Any], lang: str) -> str:
    """A finding as one sentence in ``lang`` (zh or en)."""
    return translate(finding["key"], lang, **finding["params"])


def summarize(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The checklist view: one line per check (ok or not) plus counts; ``blocking`` if any error."""
    checks = []
    for check in CHECKS:
        mine = [f for f in findings if f["check"] == check]
        severity = "error" if any(f["severity"] == "error" for f in mine) else "warning" if mine else None
        checks.append({"check": check, "key": f"checks.rule.{check}", "ok": not mine, "severity": severity,
                       "count": len(mine)})
    errors = sum(f["severity"] == "error" for f in findings)
    return {"findings": findings, "checks": checks, "errors": errors,
            "warnings": len(findings) - errors, "blocking": errors > 0}


# --------------------------------------------------------------------------- service wrappers


def _content_codes(content: dict[str, Any]) -> set[str]:
    return {a.get("code", "") for table in ("units", "objectives") for row in content.get(table, [])
            for a in row.get("alignments") or []}


def framework_and_plan(session, content: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """Framework facts (code → {id, kind, status}) and programme-plan codes for ``check_content``."""
    meta = content["meta"]
    plan = set(session.exec(select(Competency.code).join(Alignment, Alignment.competency_id == Competency.id).where(
        Alignment.course_id == meta["course_id"], Alignment.target == f"course:{meta['course_id']}",
        counted_alignments(Alignment.status))).all())
    codes = _content_codes(content) | plan
    nodes = session.exec(select(Competency.id, Competency.code, Competency.kind, Competency.status).where(
        Competency.program_id == meta["program_id"], Competency.code.in_(codes or {""}))).all()
    return {code: {"id": cid, "kind": kind, "status": status} for cid, code, kind, status in nodes}, plan


def checklist(engine: Engine, *, standard_id: int, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run every check on a saved standard, or on ``content`` (unsaved edits; its ``meta`` is taken
    from the saved standard). Returns ``summarize(...)``: ``{findings, checks, errors, warnings, blocking}``."""
    with session_scope(engine) as session:
        saved = standard_content(session, standard_id)
        content = {**content, "meta": saved["meta"]} if content is not None else saved
        framework, plan = framework_and_plan(session, content)
    return summarize(check_content(content, framework=framework, plan_codes=plan))


TASK_TABLE_COLUMNS = ["area_code", "area", "task_code", "task", "competency_id", "code", "statement", "comp_type",
                      "importance", "status", "level", "alignment_status", "targets"]


def build_task_table(content: dict[str, Any], nodes: list[dict[str, Any]]) -> pd.DataFrame:
    """工作任务与职业能力分析表 rows (pure): every competency the standard's units and objectives
    build (non-rejected), with its task and area from the framework ``nodes`` (id, parent_id, kind,
    code, statement, comp_type, importance, status), highest level, whether every link is
    accepted, and the units/objectives that build it; ordered by area, task and competency code."""
    by_code = {n["code"]: n for n in nodes if n.get("kind") == "competency"}
    by_id = {n["id"]: n for n in nodes}
    found: dict[str, dict[str, Any]] = {}
    for table, label in (("units", "title"), ("objectives", "code")):
        for row in content.get(table, []):
            for a in _live(row.get("alignments")):
                entry = found.setdefault(a["code"], {"level": 0, "statuses": set(), "targets": []})
                entry["level"] = max(entry["level"], int(a.get("level") or 0))
                entry["statuses"].add(a.get("status", "proposed"))
                entry["targets"].append(str(row.get(label) or ""))
    rows = []
    for code, entry in found.items():
        node = by_code.get(code, {})
        task = by_id.get(node.get("parent_id"), {})
        area = by_id.get(task.get("parent_id"), {})
        rows.append({
            "area_code": area.get("code", ""), "area": area.get("statement", ""),
            "task_code": task.get("code", ""), "task": task.get("statement", ""),
            "competency_id": node.get("id"), "code": code, "statement": node.get("statement", ""),
            "comp_type": node.get("comp_type"), "importance": node.get("importance"),
            "status": node.get("status", ""), "level": entry["level"],
            "alignment_status": "accepted" if entry["statuses"] == {"accepted"} else "proposed",
            "targets": "; ".join(dict.fromkeys(t for t in entry["targets"] if t)),
        })
    rows.sort(key=lambda r: (code_sort_key(r["area_code"]), code_sort_key(r["task_code"]), code_sort_key(r["code"])))
    frame = pd.DataFrame(rows, columns=TASK_TABLE_COLUMNS)
    for column in ("competency_id", "importance", "level"):
        frame[column] = frame[column].astype("Int64")
    return frame


def task_table(engine: Engine, *, standard_id: int) -> pd.DataFrame:
    """The standard's 工作任务与职业能力分析表, drawn from the programme framework via its alignments."""
    with session_scope(engine) as session:
        content = standard_content(session, standard_id)
        course = session.get(Course, content["meta"]["course_id"])
        nodes = [{"id": n.id, "parent_id": n.parent_id, "kind": n.kind, "code": n.code, "statement": n.statement,
                  "comp_type": n.comp_type, "importance": n.importance, "status": n.status}
                 for n in session.exec(select(Competency).where(Competency.program_id == course.program_id)).all()]
    return build_task_table(content, nodes)
