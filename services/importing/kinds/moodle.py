"""``moodle``: a Moodle competency framework CSV (tool_lpimportcsv), in any Moodle language.

Columns are found by their English or French header (Moodle localises them), else by
the fixed column order. The row with *Is framework* = 1 describes the framework (its
taxonomy names one term per level, its *Scale values* and *Scale configuration* the scale);
every other row is a competency whose parent is *Parent ID number*. ID numbers become codes,
short names statements, and the HTML description the notes.

Only competencies become competencies: a top-level node whose children are all leaves named
like levels ("Level 1" … "Level 5", "Niveau 2", "等级 3"), or pointed at by the
cross-references of most other leaves, defines a scale (Moodle's own OECD example keeps its
five levels that way). Such rows go to ``info["scales"]`` with a warning, never into the tree.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from services.importing.header import norm_label
from services.importing.kinds.case import strip_html
from services.importing.limits import Limits
from services.importing.readers import RawBook, cell_text
from services.importing.records import Dataset, ImportRejected, Issue, Origin
from services.importing.table import Options
from services.importing.tree import Prov, finalize
from services.outline import normalize_text

KIND = "moodle"
FIELDS: dict[str, tuple[str, ...]] = {}
ORDER = ("parent", "idnumber", "shortname", "description", "descriptionformat", "scalevalues", "scaleconfiguration",
         "ruletype", "ruleoutcome", "ruleconfig", "crossref", "exportid", "isframework", "taxonomy")
HEADERS = {
    "parent": ("parent id number", "parent idnumber", "id de la compétence parente"),
    "idnumber": ("id number", "idnumber", "id"),
    "shortname": ("short name", "shortname", "nom abrégé"),
    "description": ("description",),
    "descriptionformat": ("description format", "format de description"),
    "scalevalues": ("scale values", "valeurs du barème"),
    "scaleconfiguration": ("scale configuration", "configuration du barème"),
    "ruletype": ("rule type", "rule type (optional)", "type de règle de compétence (optionnelle)"),
    "ruleoutcome": ("rule outcome", "rule outcome (optional)", "règle d'objectif (optionnelle)"),
    "ruleconfig": ("rule config", "rule config (optional)", "règle de paramétrage (optionnelle)"),
    "crossref": ("cross-referenced competency id numbers", "cross referenced competency id numbers",
                 "ids des compétences croisées associées"),
    "exportid": ("exported id (optional)", "exported id", "id d'exportation (optionnel)"),
    "isframework": ("is framework", "est un référentiel"),
    "taxonomy": ("taxonomy", "taxonomie"),
}
_LOOKUP = {norm_label(s): name for name, syns in HEADERS.items() for s in syns}
LEVEL_NAME = re.compile(r"^\s*(?:level|niveau|nivel|stufe|grade|tier|band|等级|级别|水平|层级|第)\s*[-_]?\s*"
                        r"(?:\d+|[ivx]+|[一二三四五六七八九十]+)\s*(?:级|等)?\s*$", re.I)
SCALE_GROUP = re.compile(r"^\s*(?:levels?|niveaux?|niveles|stufen|scales?|échelles?|barèmes?|grades|"
                         r"等级|级别|水平|量表|评价等级)\s*$", re.I)


def _scale(values: str, configuration: str) -> dict[str, Any] | None:
    """A Moodle scale: its values and, from the JSON configuration, the default and proficient ones."""
    names = [v.strip() for v in values.split(",") if v.strip()]
    if not names:
        return None
    out: dict[str, Any] = {"values": names, "default": None, "proficient": []}
    try:
        config = json.loads(configuration) if configuration.strip() else []
    except ValueError:
        config = []
    for item in config if isinstance(config, list) else []:
        if not isinstance(item, dict):
            continue
        if "scaleid" in item:
            out["scale_id"] = str(item["scaleid"])
            continue
        try:
            name = names[int(item.get("id")) - 1]
        except (TypeError, ValueError, IndexError):
            continue
        if str(item.get("scaledefault")) == "1":
            out["default"] = name
        if str(item.get("proficient")) == "1":
            out["proficient"].append(name)
    return out


def _scale_groups(provs: list[Prov], crossrefs: dict[str, set[str]]) -> dict[str, list[Prov]]:
    """Top-level nodes that define a scale rather than competencies: root key → its level rows.

    A root whose children (two or more) are all leaves, and either the root or all the children
    are named like levels, or at least half of the other leaves cross-reference one of them.
    """
    kids: dict[str | None, list[Prov]] = defaultdict(list)
    for prov in provs:
        kids[prov.parent].append(prov)
    groups = {}
    for root in kids.get(None, []):
        children = kids.get(root.key, [])
        if len(children) < 2 or any(kids.get(c.key) for c in children):
            continue
        members = {c.key for c in children}
        named = bool(SCALE_GROUP.match(root.statement)) or all(LEVEL_NAME.match(c.statement) for c in children)
        leaves = [p for p in provs if not kids.get(p.key) and p.key not in members]
        pointing = sum(1 for p in leaves if crossrefs.get(p.key, set()) & members)
        if named or (leaves and pointing * 2 >= len(leaves)):
            groups[root.key] = children
    return groups


def _columns(header: list[Any]) -> dict[str, int]:
    found = {}
    for index, label in enumerate(header):
        name = _LOOKUP.get(norm_label(label))
        if name and name not in found:
            found[name] = index
    if {"idnumber", "shortname"} <= set(found):
        return found
    return {name: i for i, name in enumerate(ORDER[:len(header)])}


def _taxonomy(value: Any) -> list[str]:
    text = cell_text(value).strip()
    if not text:
        return []
    if text.startswith("{"):
        try:
            data = json.loads(text)
            return [str(data[k]) for k in sorted(data, key=lambda k: int(k) if str(k).isdigit() else 0)]
        except (ValueError, TypeError):
            return []
    return [t.strip() for t in text.split(",") if t.strip()]


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """Moodle CSV rows → framework nodes; the framework row goes to ``info``."""
    del options
    sheet = book.sheets[0] if book.sheets else None
    if sheet is None or len(sheet.rows) < 2:
        raise ImportRejected(Issue("import.error.moodle_layout", file=book.filename))
    cols = _columns(sheet.rows[0])
    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    frameworks = []
    provs: list[Prov] = []
    crossrefs: dict[str, set[str]] = {}
    scales: list[dict[str, Any]] = []

    def get(row: list[Any], name: str) -> str:
        index = cols.get(name)
        return cell_text(row[index]) if index is not None and index < len(row) else ""

    for index, row in enumerate(sheet.rows[1:], start=2):
        if not any(cell_text(c).strip() for c in row):
            continue
        idnumber = normalize_text(get(row, "idnumber"))
        if get(row, "isframework").strip() == "1":
            frameworks.append({"idnumber": idnumber, "shortname": normalize_text(get(row, "shortname")),
                               "taxonomy": _taxonomy(get(row, "taxonomy")),
                               "scale_values": normalize_text(get(row, "scalevalues")),
                               "scale": _scale(get(row, "scalevalues"), get(row, "scaleconfiguration")),
                               "row": index})
            continue
        shortname = strip_html(get(row, "shortname"))
        problems = []
        if not idnumber:
            problems.append(Issue("import.error.moodle_idnumber", file=book.filename, sheet=sheet.name, row=index,
                                  column="ID number"))
        if not shortname:
            problems.append(Issue("import.error.statement_required", file=book.filename, sheet=sheet.name, row=index,
                                  column="Short name"))
        if problems:
            dataset.errors.extend(problems)
            continue
        parent = normalize_text(get(row, "parent")) or None
        framework_ids = {f["idnumber"] for f in frameworks}
        if parent in framework_ids:
            parent = None
        provs.append(Prov(key=idnumber[:64], statement=shortname, parent=parent,
                          values={"notes": strip_html(get(row, "description")), "sort_order": index},
                          origin=Origin(sheet.name, index), fields=frozenset({"notes"})))
        crossrefs[idnumber[:64]] = {normalize_text(c) for c in get(row, "crossref").split(",") if c.strip()}
        own_scale = _scale(get(row, "scalevalues"), get(row, "scaleconfiguration"))
        if own_scale:  # a competency rated on its own scale: still a competency, the scale is information
            scales.append({"idnumber": idnumber, "name": shortname, "row": index, "competency": True, **own_scale})
    if not frameworks:
        dataset.warnings.append(Issue("import.warning.moodle_no_framework", file=book.filename, sheet=sheet.name))
    for framework in frameworks:
        scale = framework["scale"]
        if scale:  # CoStandard rates on its own levels 1–3: say what the framework's scale was
            dataset.warnings.append(Issue("import.warning.moodle_framework_scale", {
                "framework": framework["shortname"] or framework["idnumber"], "values": ", ".join(scale["values"]),
                "proficient": ", ".join(scale["proficient"]) or "—"},
                file=book.filename, sheet=sheet.name, row=framework["row"], column="Scale values"))
    groups = _scale_groups(provs, crossrefs)
    if groups:
        provs = _take_scales(provs, groups, crossrefs, scales, dataset, book.filename, sheet.name)
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename)
    dataset.info["frameworks"] = frameworks
    dataset.info["scales"] = scales
    return dataset


def _take_scales(provs: list[Prov], groups: dict[str, list[Prov]], crossrefs: dict[str, set[str]],
                 scales: list[dict[str, Any]], dataset: Dataset, filename: str, sheet: str) -> list[Prov]:
    """Move the scale groups out of the tree into ``scales`` (with a warning each); the rest stays."""
    by_key = {p.key: p for p in provs}
    dropped = set()
    for root_key, children in groups.items():
        root = by_key[root_key]
        members = {c.key for c in children}
        dropped |= members | {root_key}
        used = {c.key: sum(1 for key, refs in crossrefs.items() if c.key in refs and key not in members)
                for c in children}
        scales.append({"idnumber": root_key, "name": root.statement, "row": root.origin.row, "competency": False,
                       "values": [c.statement for c in children],
                       "levels": [{"idnumber": c.key, "name": c.statement, "row": c.origin.row,
                                   "description": c.values.get("notes", ""), "cross_referenced_by": used[c.key]}
                                  for c in children]})
        dataset.warnings.append(Issue("import.warning.moodle_scale", {
            "name": root.statement, "count": len(children), "values": ", ".join(c.statement for c in children)[:200],
            "rows": f"{root.origin.row}–{max(c.origin.row for c in children)}"},
            file=filename, sheet=sheet, row=root.origin.row))
    return [p for p in provs if p.key not in dropped]


def score(book: RawBook) -> float:
    if book.fmt not in ("csv", "tsv") or not book.sheets or not book.sheets[0].rows:
        return 0.0
    header = {_LOOKUP.get(norm_label(c)) for c in book.sheets[0].rows[0]}
    if {"isframework", "taxonomy"} <= header or {"parent", "idnumber", "shortname", "scalevalues"} <= header:
        return 0.97
    return 0.0
