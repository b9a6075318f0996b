"""The course standard as the template of BRIEF §3 needs it: one plain dict both writers share.

The 工作任务与职业能力分析表 is derived from the competencies the standard is aligned to (its
units, its objectives and the course itself; rejected alignments left out), grouped by
work area and task in natural code order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Alignment, Competency, CourseStandard, User
from services.db import session_scope
from services.errors import NotFound
from services.exports.common import short_date, t
from services.i18n import label
from services.outline import code_sort_key
from services.standards import standard_document
from services.vocabulary import STANDARD_PROSE_FIELDS, counted_alignments

DIMENSIONS = ("knowledge", "skill", "quality")
SECTION_KEYS = ("nature", "design", "analysis", "objectives", "content", "teaching", "assessment", "resources")


def _analysis_rows(session, doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Area / task / competency rows of the analysis table, with how many rows each area and task spans."""
    unit_ids = [u["id"] for u in doc["units"]]
    objective_ids = [o["id"] for o in doc["objectives"]]
    target = (Alignment.course_id == doc["course_id"]) & (Alignment.unit_id.is_(None)) & (
        Alignment.objective_id.is_(None))
    if unit_ids:
        target = target | Alignment.unit_id.in_(unit_ids)
    if objective_ids:
        target = target | Alignment.objective_id.in_(objective_ids)
    counted = select(Alignment.competency_id).where(target, counted_alignments(Alignment.status))
    competency_ids = set(session.exec(counted).all())
    if not competency_ids:
        return []
    program_id = doc["course"]["program_id"]
    nodes = {n.id: n for n in session.exec(select(Competency).where(Competency.program_id == program_id)).all()}
    rows = []
    for cid in competency_ids:
        leaf = nodes.get(cid)
        if leaf is None:
            continue
        task = nodes.get(leaf.parent_id) if leaf.parent_id else None
        area = nodes.get(task.parent_id) if task is not None and task.parent_id else None
        rows.append({
            "area_code": area.code if area else "", "area": area.statement if area else "",
            "task_code": task.code if task else "", "task": task.statement if task else "",
            "code": leaf.code, "statement": leaf.statement,
        })
    rows.sort(key=lambda r: (code_sort_key(r["area_code"]), code_sort_key(r["task_code"]), code_sort_key(r["code"])))
    # spans: the first row of each area / task carries how many rows it covers (for merged cells)
    for key, span_key in (("area_code", "area_span"), ("task_code", "task_span")):
        i = 0
        while i < len(rows):
            j = i
            group = (rows[i]["area_code"], rows[i][key])
            while j < len(rows) and (rows[j]["area_code"], rows[j][key]) == group:
                j += 1
            rows[i][span_key] = j - i
            for k in range(i + 1, j):
                rows[k][span_key] = 0
            i = j
    return rows


def standard_data(engine: Engine, *, standard_id: int, lang: str) -> dict[str, Any]:
    """Everything the standard writers print, labels already in ``lang``."""
    doc = standard_document(engine, standard_id=standard_id)
    with session_scope(engine) as session:
        standard = session.get(CourseStandard, standard_id)
        if standard is None:
            raise NotFound(f"course standard {standard_id} not found")

        def user_name(user_id: int | None) -> str:
            user = session.get(User, user_id) if user_id else None
            return user.display_name if user else ""

        signoff = {
            "school": {"name": user_name(standard.school_signed_by_id), "date": short_date(standard.school_signed_at)},
            "enterprise": {"name": user_name(standard.enterprise_signed_by_id),
                           "date": short_date(standard.enterprise_signed_at)},
        }
        analysis = _analysis_rows(session, doc)
    course, program = doc["course"], doc["program"]
    approved = doc["status"] == "approved"
    title_name = doc.get("title") or course["name"]
    title = t("export.standard.title", lang, name=title_name)
    status = doc["status"]
    mark = t(f"export.standard.status_mark.{status}", lang)
    if not approved:
        title = f"{title}（{mark}）" if lang == "zh" else f"{title} ({mark})"
        banner = t(f"export.standard.banner.{status}", lang, mark=mark)
        page_header = t("export.standard.page_header.pending", lang, mark=mark)
    else:
        banner = t("export.standard.banner.approved", lang, mark=mark, school=signoff["school"]["name"],
                   school_date=signoff["school"]["date"], enterprise=signoff["enterprise"]["name"],
                   enterprise_date=signoff["enterprise"]["date"])
        page_header = t("export.standard.page_header.approved", lang, code=course["code"], name=course["name"],
                        mark=mark)
    hours_total = course["hours_theory"] + course["hours_practice"]
    header = [
        (t("export.standard.field.course_name", lang), course["name"]),
        (t("export.standard.field.course_code", lang), course["code"]),
        (t("export.standard.field.course_type", lang), label("course_type", course["course_type"], lang)),
        (t("export.standard.field.program", lang), f"{program['name']}（{program['code']}）"
         if lang == "zh" else f"{program['name']} ({program['code']})"),
        (t("export.standard.field.department", lang), doc.get("department") or ""),
        (t("export.standard.field.semester", lang),
         t("export.standard.semester_value", lang, n=course["semester"]) if course.get("semester") else ""),
        (t("export.standard.field.hours", lang),
         t("export.standard.hours_value", lang, total=hours_total, theory=course["hours_theory"],
           practice=course["hours_practice"])),
        (t("export.standard.field.credits", lang), _number(course["credits"])),
        (t("export.standard.field.author", lang), doc.get("author_name") or ""),
        (t("export.standard.field.author_date", lang), doc.get("author_date") or ""),
        (t("export.standard.field.reviewer", lang), doc.get("reviewer_name") or ""),
        (t("export.standard.field.reviewer_date", lang), doc.get("reviewer_date") or ""),
    ]
    objectives = {d: [o for o in doc["objectives"] if o["dimension"] == d] for d in DIMENSIONS}
    units = [{"no": i, "title": u["title"], "content": u["content"], "learning_tasks": u["learning_tasks"],
              "hours_theory": u["hours_theory"], "hours_practice": u["hours_practice"],
              "hours": u["hours_theory"] + u["hours_practice"]}
             for i, u in enumerate(doc["units"], start=1)]
    assessment = [{"no": i, "category": t(f"export.standard.assessment.{a['category']}", lang), "name": a["name"],
                   "method": a["method"], "weight": a["weight"]} for i, a in enumerate(doc["assessment"], start=1)]
    return {
        "lang": lang, "approved": approved, "status": status, "status_label": label("standard_status", status, lang),
        "title": title, "status_mark": mark, "draft_mark": "" if approved else mark, "banner": banner,
        "page_header": page_header,
        "program": program, "course": course, "header": header,
        "sections": {key: t(f"export.standard.section.{key}", lang) for key in SECTION_KEYS},
        **{name: doc.get(name) or "" for name in STANDARD_PROSE_FIELDS},
        "analysis": analysis, "objectives": objectives, "units": units,
        "unit_totals": {"theory": sum(u["hours_theory"] for u in units),
                        "practice": sum(u["hours_practice"] for u in units),
                        "total": sum(u["hours"] for u in units)},
        "assessment": assessment, "weight_total": round(sum(a["weight"] for a in assessment), 2),
        "signoff": signoff,
    }


def _number(value: float) -> str:
    """2.0 → "2", 2.5 → "2.5"."""
    return f"{value:g}"
