"""``esco``: occupations and skills from the ESCO CSV downloads (v1.2).

* occupation–skill relations with labels (occupationUri/label, relationType, skillUri/label):
  each occupation becomes a job role and an area, with a task for its essential and one
  for its optional skills; essential skills get importance 5 (核心), optional ones 3;
* a skills collection (conceptUri, preferredLabel, skillType, description): one area per
  file, each skill a competency typed knowledge or skill;
* the skills hierarchy (Level 0–3 URIs, terms and codes) and skill groups (with codes):
  a framework by their codes.

ESCO has no Chinese labels; statements stay in English for translation in the app.
Occupation-only files (occupations, broader relations) hold no skills and are refused
with a message saying which file to use.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.importing.header import norm_label
from services.importing.kinds.case import strip_html
from services.importing.limits import Limits
from services.importing.readers import RawBook, RawSheet, cell_text, exact_text
from services.importing.records import Dataset, ImportRejected, Issue, JobRoleIn, Origin
from services.importing.table import Options
from services.importing.tree import Prov, finalize
from services.outline import parse_comp_type

KIND = "esco"
FIELDS: dict[str, tuple[str, ...]] = {}
GROUPS = {"essential": ("E", "必备技能 Essential skills", 5), "optional": ("O", "可选技能 Optional skills", 3)}


def _header(sheet: RawSheet) -> dict[str, int]:
    return {norm_label(c): i for i, c in enumerate(sheet.rows[0])} if sheet.rows else {}


def _uuid(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _layout(header: dict[str, int]) -> str | None:
    if {"occupationuri", "relationtype"} <= set(header):
        return "relations"
    if "skilllabel" in header and "occupationlabel" in header and "relationtype" in header:
        return "relations"
    if "level0uri" in header:
        return "hierarchy"
    if {"concepturi", "preferredlabel", "skilltype"} <= set(header):
        return "skills"
    if {"concepturi", "preferredlabel", "code"} <= set(header) and "iscogroup" not in header:
        return "groups"
    if "concepturi" in header and ("iscogroup" in header or "broaderuri" in header):
        return "occupations"
    return None


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """ESCO CSV → job roles and competencies (see the module docstring for the layouts)."""
    del options
    sheet = book.sheets[0] if book.sheets else None
    header = _header(sheet) if sheet else {}
    layout = _layout(header)
    if layout in (None, "occupations"):
        raise ImportRejected(Issue("import.error.esco_layout", file=book.filename))
    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    rows = [(i, r) for i, r in enumerate(sheet.rows[1:], start=2) if any(cell_text(c).strip() for c in r)]

    def get(row: list[Any], *names: str) -> str:
        for name in names:
            index = header.get(name)
            if index is not None and index < len(row) and cell_text(row[index]).strip():
                return exact_text(row[index])
        return ""

    provs: list[Prov] = []
    if layout == "relations":
        _relations(dataset, rows, get, provs, book, sheet)
    elif layout == "skills":
        area = f"ESCO-{norm_label(sheet.name)[:20]}"
        provs.append(Prov(key=area, statement=sheet.name, kind="area", origin=Origin(sheet.name, None)))
        for index, row in rows:
            uri, label = get(row, "concepturi"), get(row, "preferredlabel")
            if not uri or not label:
                dataset.errors.append(Issue("import.error.esco_row", file=book.filename, sheet=sheet.name, row=index))
                continue
            try:
                comp_type = parse_comp_type(get(row, "skilltype"))
            except ValueError:
                comp_type = None
            provs.append(Prov(key=f"ESCO-{_uuid(uri)[:8]}", statement=label, parent=area, kind="competency",
                              values={"comp_type": comp_type, "external_uri": uri[:500],
                                      "notes": strip_html(get(row, "description"))[:4000], "sort_order": index},
                              origin=Origin(sheet.name, index),
                              fields=frozenset({"comp_type", "external_uri", "notes"})))
    else:
        _coded(dataset, rows, get, provs, layout, sheet)
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename,
                             infer_outline_parents=layout == "groups")
    dataset.info["layout"] = layout
    return dataset


def _relations(dataset: Dataset, rows, get, provs: list[Prov], book: RawBook, sheet: RawSheet) -> None:
    occupations: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str, str]] = set()
    counters: dict[tuple[str, str], int] = defaultdict(int)
    for index, row in rows:
        occ_uri = get(row, "occupationuri")
        occ_label = get(row, "occupationlabel", "occupationpreferredlabel")
        relation = get(row, "relationtype").lower()
        skill_label = get(row, "skilllabel", "skillpreferredlabel")
        skill_uri = get(row, "skilluri")
        if not occ_uri or not occ_label or relation not in GROUPS or not skill_label:
            dataset.errors.append(Issue("import.error.esco_row", file=book.filename, sheet=sheet.name, row=index))
            continue
        if (occ_uri, relation, skill_label) in seen:
            dataset.warnings.append(Issue("import.warning.esco_duplicate", {"skill": skill_label}, file=book.filename,
                                          sheet=sheet.name, row=index))
            continue
        seen.add((occ_uri, relation, skill_label))
        area = f"ESCO-{_uuid(occ_uri)[:8]}"
        if occ_uri not in occupations:
            occupations[occ_uri] = {"area": area, "label": occ_label}
            dataset.job_roles.append(JobRoleIn(name=occ_label[:200], external_code=get(row, "iscocode", "iscogroup"),
                                               external_uri=occ_uri[:500], source="esco"))
            provs.append(Prov(key=area, statement=occ_label, kind="area", values={"job_role": occ_label[:200],
                                                                                 "external_uri": occ_uri[:500],
                                                                                 "sort_order": index},
                              origin=Origin(sheet.name, index), fields=frozenset({"job_role", "external_uri"})))
        letter, title, importance = GROUPS[relation]
        task = f"{area}.{letter}"
        counters[(area, letter)] += 1
        if counters[(area, letter)] == 1:
            provs.append(Prov(key=task, statement=title, parent=area, kind="task",
                              values={"job_role": occ_label[:200], "sort_order": index if letter == "E" else index + 1},
                              origin=Origin(sheet.name, index), fields=frozenset({"job_role"})))
        provs.append(Prov(key=f"{task}.{counters[(area, letter)]}", statement=skill_label, parent=task,
                          kind="competency",
                          values={"importance": importance, "job_role": occ_label[:200], "external_uri": skill_uri,
                                  "sort_order": index},
                          origin=Origin(sheet.name, index),
                          fields=frozenset({"importance", "job_role", "external_uri"})))
    dataset.info["occupations"] = len(occupations)


def _coded(dataset: Dataset, rows, get, provs: list[Prov], layout: str, sheet: RawSheet) -> None:
    seen: set[str] = set()
    for index, row in rows:
        if layout == "groups":
            code, label, uri = get(row, "code"), get(row, "preferredlabel"), get(row, "concepturi")
            entries = [(code, label, uri, None)]
        else:
            entries = []
            parent = None
            for level in range(4):
                code = get(row, f"level{level}code")
                label = get(row, f"level{level}preferredterm")
                uri = get(row, f"level{level}uri")
                if code and label:
                    entries.append((code, label, uri, parent))
                    parent = code
        for code, label, uri, parent in entries:
            if not code or not label or code in seen:
                continue
            seen.add(code)
            provs.append(Prov(key=code[:64], statement=label, parent=parent,
                              values={"external_uri": uri[:500], "sort_order": index},
                              origin=Origin(sheet.name, index), fields=frozenset({"external_uri"})))


def score(book: RawBook) -> float:
    if book.fmt not in ("csv", "tsv") or not book.sheets:
        return 0.0
    layout = _layout(_header(book.sheets[0]))
    return {"relations": 0.96, "hierarchy": 0.95, "skills": 0.95, "groups": 0.9, "occupations": 0.5}.get(layout, 0.0)
