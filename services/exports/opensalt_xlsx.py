"""OpenSALT spreadsheet (.xlsx): sheets ``CF Doc``, ``CF Item`` and ``CF Association``.

The same content as the CASE package (``case_package``), laid out as OpenSALT's spreadsheet
import expects (column names as in OpenSALT's own samples). ``smartLevel`` is the position
path of an item in the tree (``1``, ``1.2``, ``1.2.3``), ``listEnumeration`` its position
among its siblings; association types use OpenSALT's labels ("Is Child Of", …).
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.engine import Engine

from services.actor import Actor
from services.exports.case_json import case_package
from services.exports.common import (
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    export_filename,
    fitted_width,
    new_workbook,
    program_code_of,
    require_export,
    write_cell,
)

DOC_COLUMNS = ("identifier", "creator", "title", "lastChangeDate", "officialSourceURL", "publisher", "description",
               "subject", "language", "version", "adoptionStatus", "statusStartDate", "statusEndDate", "licenseTitle",
               "licenseText", "notes")
ITEM_COLUMNS = ("identifier", "fullStatement", "humanCodingScheme", "smartLevel", "listEnumeration",
                "abbreviatedStatement", "conceptKeywords", "notes", "language", "educationLevel", "CFItemType",
                "license")
ASSOCIATION_COLUMNS = ("identifier", "originNodeURI", "originNodeIdentifier", "originNodeHumanCodingScheme",
                       "associationType", "destinationNodeURI", "destinationNodeIdentifier",
                       "destinationNodeHumanCodingScheme", "associationGroupIdentifier", "associationGroupName")
ASSOCIATION_LABELS = {"isChildOf": "Is Child Of", "isRelatedTo": "Is Related To", "exactMatchOf": "Exact Match Of",
                      "isPeerOf": "Is Peer Of", "isPartOf": "Is Part Of", "precedes": "Precedes",
                      "replacedBy": "Replaced By", "exemplar": "Exemplar", "hasSkillLevel": "Has Skill Level",
                      "isTranslationOf": "Is Translation Of"}


def _smart_levels(package: dict[str, Any]) -> dict[str, tuple[str, int]]:
    """identifier → (smartLevel, listEnumeration) from the isChildOf associations in package order."""
    document = package["CFDocument"]["identifier"]
    parent_of: dict[str, tuple[str, int]] = {}
    for a in package["CFAssociations"]:
        if a["associationType"] == "isChildOf":
            parent_of[a["originNodeURI"]["identifier"]] = (a["destinationNodeURI"]["identifier"], a.get("sequenceNumber", 0))
    levels: dict[str, tuple[str, int]] = {}

    def level(identifier: str) -> str:
        if identifier in levels:
            return levels[identifier][0]
        parent, sequence = parent_of.get(identifier, (document, 0))
        path = str(sequence) if parent == document else f"{level(parent)}.{sequence}"
        levels[identifier] = (path, sequence)
        return path

    for item in package["CFItems"]:
        level(item["identifier"])
    return levels


def opensalt_workbook(package: dict[str, Any]) -> bytes:
    """The three-sheet workbook of a CASE package (pure)."""
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    bold = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    doc = package["CFDocument"]
    codes = {item["identifier"]: item.get("humanCodingScheme", "") for item in package["CFItems"]}
    levels = _smart_levels(package)

    def sheet(name: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
        ws = workbook.add_worksheet(name)
        for c, column in enumerate(columns):
            write_cell(ws, 0, c, column, bold)
            ws.set_column(c, c, fitted_width([column, *(r.get(column) for r in rows[:500])], minimum=10, maximum=60))
        for r, row in enumerate(rows, start=1):
            for c, column in enumerate(columns):
                write_cell(ws, r, c, row.get(column))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)

    sheet("CF Doc", DOC_COLUMNS, [{
        **{k: doc.get(k) for k in DOC_COLUMNS},
        "lastChangeDate": doc["lastChangeDateTime"].replace("T", " ")[:19], "subject": doc.get("frameworkType"),
    }])
    sheet("CF Item", ITEM_COLUMNS, [{
        **{k: item.get(k) for k in ITEM_COLUMNS},
        "smartLevel": levels[item["identifier"]][0], "listEnumeration": str(levels[item["identifier"]][1]),
    } for item in package["CFItems"]])
    sheet("CF Association", ASSOCIATION_COLUMNS, [{
        "identifier": a["identifier"],
        "originNodeURI": a["originNodeURI"]["uri"], "originNodeIdentifier": a["originNodeURI"]["identifier"],
        "originNodeHumanCodingScheme": codes.get(a["originNodeURI"]["identifier"]),
        "associationType": ASSOCIATION_LABELS.get(a["associationType"], a["associationType"]),
        "destinationNodeURI": a["destinationNodeURI"]["uri"],
        "destinationNodeIdentifier": a["destinationNodeURI"]["identifier"],
        "destinationNodeHumanCodingScheme": codes.get(a["destinationNodeURI"]["identifier"]),
        "associationGroupIdentifier": (a.get("CFAssociationGroupingURI") or {}).get("identifier"),
        "associationGroupName": (a.get("CFAssociationGroupingURI") or {}).get("title"),
    } for a in package["CFAssociations"]])
    workbook.close()
    return buffer.getvalue()


def export_opensalt_xlsx(
    engine: Engine, *, actor: Actor, program_id: int, lang: str = "zh", progress: Progress | None = None,
) -> ExportFile:
    """The programme's framework as an OpenSALT spreadsheet (CF Doc, CF Item, CF Association)."""
    require_export(actor)
    report = ProgressReporter(progress)
    report(0.0, "read")
    package = case_package(engine, program_id=program_id, lang=lang)
    report(0.5, "write")
    content = opensalt_workbook(package)
    report(1.0, "done")
    return ExportFile(content, export_filename(program_code=program_code_of(engine, program_id), kind="opensalt", ext="xlsx"),
                      MEDIA_TYPES["xlsx"])
