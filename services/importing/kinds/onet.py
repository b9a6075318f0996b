"""``onet``: occupations from O*NET (29.x) files, as job roles with competencies.

* Task Statements: each occupation is a job role and an area; its tasks go under "Core
  tasks" (importance 4) and "Supplemental tasks" (importance 2), with the Task ID in the code;
* Skills / Knowledge / Abilities: each element rated for an occupation is a competency
  (skill / knowledge / quality) with importance = the IM rating rounded to 1–5 and the
  LV level (0–7) in the notes; elements flagged "Not Relevant" are left out.

Files without statements (Occupation Data, Job Zones, Task Ratings alone) are refused with
a message saying which file to use.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.importing.header import norm_label
from services.importing.limits import Limits
from services.importing.readers import RawBook, cell_text, exact_text
from services.importing.records import Dataset, ImportRejected, Issue, JobRoleIn, Origin
from services.importing.table import Options
from services.importing.tree import Prov, finalize

KIND = "onet"
FIELDS: dict[str, tuple[str, ...]] = {}
TASK_GROUPS = {"core": ("TC", "核心工作任务 Core tasks", 4),
               "supplemental": ("TS", "补充工作任务 Supplemental tasks", 2)}
ELEMENT_GROUPS = {"2.A": ("SK", "技能 Skills", "skill"), "2.B": ("SK", "技能 Skills", "skill"),
                  "2.C": ("KN", "知识 Knowledge", "knowledge"), "1.A": ("AB", "能力 Abilities", "quality")}


def _layout(header: dict[str, int]) -> str | None:
    if "onetsoccode" not in header:
        return None
    if "taskid" in header and "task" in header:
        return "tasks"
    if "taskid" in header and "scaleid" in header:
        return "task_ratings"
    if {"elementid", "elementname", "scaleid", "datavalue"} <= set(header):
        return "elements"
    return "occupations"


def _rows(book: RawBook) -> tuple[dict[str, int], list[tuple[int, list[Any]]], str]:
    sheet = book.sheets[0] if book.sheets else None
    if sheet is None or not sheet.rows:
        raise ImportRejected(Issue("import.error.onet_layout", file=book.filename))
    header = {norm_label(c): i for i, c in enumerate(sheet.rows[0])}
    rows = [(i, r) for i, r in enumerate(sheet.rows[1:], start=2) if any(cell_text(c).strip() for c in r)]
    return header, rows, sheet.name


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """O*NET rows → one job role, area and grouped competencies per occupation."""
    del options
    header, rows, sheet = _rows(book)
    layout = _layout(header)
    if layout not in ("tasks", "task_ratings", "elements"):
        raise ImportRejected(Issue("import.error.onet_layout", file=book.filename))
    if layout == "task_ratings":
        raise ImportRejected(Issue("import.error.onet_task_ratings", file=book.filename))

    def get(row: list[Any], name: str) -> str:
        index = header.get(name)
        return exact_text(row[index]) if index is not None and index < len(row) else ""

    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    provs: list[Prov] = []
    occupations: dict[str, str] = {}
    groups: set[str] = set()

    def occupation(soc: str, title: str, index: int) -> str:
        if soc not in occupations:
            occupations[soc] = title
            dataset.job_roles.append(JobRoleIn(name=title[:200], external_code=soc, source="onet"))
            provs.append(Prov(key=soc, statement=title, kind="area", values={"job_role": title[:200],
                                                                            "sort_order": index},
                              origin=Origin(sheet, index), fields=frozenset({"job_role"})))
        return soc

    def group(soc: str, letter: str, title: str, index: int) -> str:
        key = f"{soc}.{letter}"
        if key not in groups:
            groups.add(key)
            provs.append(Prov(key=key, statement=title, parent=soc, kind="task",
                              values={"job_role": occupations[soc][:200], "sort_order": index},
                              origin=Origin(sheet, index), fields=frozenset({"job_role"})))
        return key

    if layout == "tasks":
        for index, row in rows:
            soc, title, task_id, text = get(row, "onetsoccode"), get(row, "title"), get(row, "taskid"), get(row, "task")
            kind = get(row, "tasktype").lower() or "core"
            if not soc or not title or not task_id or not text or kind not in TASK_GROUPS:
                dataset.errors.append(Issue("import.error.onet_row", file=book.filename, sheet=sheet, row=index))
                continue
            letter, group_title, importance = TASK_GROUPS[kind]
            parent = group(occupation(soc, title, index), letter, group_title, index)
            provs.append(Prov(key=f"{soc}-T{task_id}", statement=text, parent=parent, kind="competency",
                              values={"importance": importance, "comp_type": "skill", "sort_order": index,
                                      "job_role": title[:200]},
                              origin=Origin(sheet, index), fields=frozenset({"importance", "comp_type", "job_role"})))
    else:
        ratings: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
        order: list[tuple[str, str]] = []
        for index, row in rows:
            soc, element, scale = get(row, "onetsoccode"), get(row, "elementid"), get(row, "scaleid").upper()
            if not soc or not element or scale not in ("IM", "LV"):
                continue
            key = (soc, element)
            if key not in ratings:
                order.append(key)
                ratings[key].update(title=get(row, "title"), name=get(row, "elementname"), row=index)
            ratings[key][scale] = get(row, "datavalue")
            if get(row, "notrelevant").upper() == "Y":
                ratings[key]["not_relevant"] = True
        for soc, element in order:
            entry = ratings[(soc, element)]
            prefix = next((p for p in ELEMENT_GROUPS if element.startswith(p)), None)
            if prefix is None or entry.get("not_relevant"):
                continue
            letter, group_title, comp_type = ELEMENT_GROUPS[prefix]
            index = entry["row"]
            parent = group(occupation(soc, entry["title"], index), letter, group_title, index)
            importance = _importance(entry.get("IM"))
            provs.append(Prov(key=f"{soc}-{element}", statement=entry["name"], parent=parent, kind="competency",
                              values={"importance": importance, "comp_type": comp_type, "sort_order": index,
                                      "notes": f"O*NET IM {entry.get('IM', '')} LV {entry.get('LV', '')}".strip(),
                                      "job_role": entry["title"][:200]},
                              origin=Origin(sheet, index),
                              fields=frozenset({"importance", "comp_type", "notes", "job_role"})))
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename)
    dataset.info.update(layout=layout, occupations=len(occupations))
    return dataset


def _importance(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(5, max(1, int(number + 0.5)))


def score(book: RawBook) -> float:
    if not book.sheets or not book.sheets[0].rows:
        return 0.0
    layout = _layout({norm_label(c): i for i, c in enumerate(book.sheets[0].rows[0])})
    return {"tasks": 0.96, "elements": 0.96, "task_ratings": 0.9, "occupations": 0.5}.get(layout or "", 0.0)
