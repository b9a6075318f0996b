"""``moodle``: a Moodle competency framework CSV (tool_lpimportcsv), in any Moodle language.

Columns are found by their English or French header (Moodle localises them), else by
the fixed column order. The row with *Is framework* = 1 describes the framework (its
taxonomy names one term per level); every other row is a competency whose parent is
*Parent ID number*. ID numbers become codes, short names statements, and the HTML
description the notes.
"""

from __future__ import annotations

import json
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
                               "scale_values": normalize_text(get(row, "scalevalues"))})
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
    if not frameworks:
        dataset.warnings.append(Issue("import.warning.moodle_no_framework", file=book.filename, sheet=sheet.name))
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename)
    dataset.info["frameworks"] = frameworks
    return dataset


def score(book: RawBook) -> float:
    if book.fmt not in ("csv", "tsv") or not book.sheets or not book.sheets[0].rows:
        return 0.0
    header = {_LOOKUP.get(norm_label(c)) for c in book.sheets[0].rows[0]}
    if {"isframework", "taxonomy"} <= header or {"parent", "idnumber", "shortname", "scalevalues"} <= header:
        return 0.97
    return 0.0
