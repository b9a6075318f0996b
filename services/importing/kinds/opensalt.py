"""``opensalt``: OpenSALT's spreadsheet of a CASE framework (sheets CF Doc, CF Item, CF Association).

The hierarchy comes from "Is Child Of" rows of CF Association, or, when there are none,
from ``smartLevel`` ("1.2.3" under "1.2"). OpenSALT's CSV exports of the item sheet alone
(identifier, fullStatement, humanCodingScheme, smartLevel, or a parent / "Is Child Of"
column holding codes) are read the same way.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from services.importing.header import norm_label
from services.importing.kinds.case import (
    association_type,
    build_nodes,
    strip_html,
    take_skill_levels,
)
from services.importing.limits import Limits
from services.importing.readers import RawBook, RawSheet, cell_text, clean_text
from services.importing.records import Dataset, ImportRejected, Issue
from services.importing.table import Options

KIND = "opensalt"
FIELDS: dict[str, tuple[str, ...]] = {}
ITEM_MARKERS = {"fullstatement", "humancodingscheme"}


def _records(sheet: RawSheet) -> list[dict[str, Any]]:
    """Rows as dicts keyed by normalised header (first row), each with its 1-based ``_row``."""
    if not sheet.rows:
        return []
    header = [norm_label(c) for c in sheet.rows[0]]
    out = []
    for index, row in enumerate(sheet.rows[1:], start=2):
        if not any(cell_text(c).strip() for c in row):
            continue
        record = {header[i]: row[i] for i in range(min(len(header), len(row))) if header[i]}
        record["_row"] = index
        out.append(record)
    return out


def _item_sheet(book: RawBook) -> RawSheet | None:
    sheet = book.sheet("CF Item")
    if sheet is not None:
        return sheet
    for candidate in book.sheets:
        if candidate.rows and {norm_label(c) for c in candidate.rows[0]} >= ITEM_MARKERS:
            return candidate
    return None


def _item(record: dict[str, Any]) -> dict[str, Any]:
    return {"identifier": record.get("identifier"), "fullStatement": record.get("fullstatement"),
            "abbreviatedStatement": record.get("abbreviatedstatement"),
            "humanCodingScheme": record.get("humancodingscheme"), "smartLevel": record.get("smartlevel"),
            "notes": record.get("notes"), "uri": record.get("uri"), "_row": record["_row"]}


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """CF Item (+ CF Association) rows → framework nodes."""
    del options
    sheet = _item_sheet(book)
    if sheet is None:
        raise ImportRejected(Issue("import.error.opensalt_items", file=book.filename))
    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    records = _records(sheet)
    items = []
    for record in records:
        item = _item(record)
        if not cell_text(item["identifier"]).strip():
            # CSV exports without identifiers: the code (or the statement) stands in for it
            item["identifier"] = clean_text(item["humanCodingScheme"]) or strip_html(item["fullStatement"])[:64]
        items.append(item)
    by_code = {clean_text(i["humanCodingScheme"]): cell_text(i["identifier"]).strip() for i in items
               if clean_text(i["humanCodingScheme"])}
    ids = {cell_text(i["identifier"]).strip() for i in items}
    links: list[tuple[str, str, float]] = []
    document_ids: set[str] = set()
    doc_sheet = book.sheet("CF Doc")
    if doc_sheet is not None:
        doc = _records(doc_sheet)
        if doc:
            document_ids.add(cell_text(doc[0].get("identifier")).strip())
            dataset.info["document"] = {k: cell_text(doc[0].get(k.lower())) for k in ("identifier", "title",
                                                                                     "creator", "version")}
    assoc_sheet = book.sheet("CF Association")
    skill_levels: dict[str, set[str]] = defaultdict(set)
    for record in _records(assoc_sheet) if assoc_sheet is not None else []:
        kind = association_type(record.get("associationtype"))
        if kind not in ("ischildof", "hasskilllevel"):
            continue
        child = cell_text(record.get("originnodeidentifier")).strip() or \
            by_code.get(clean_text(record.get("originnodehumancodingscheme")), "")
        parent = cell_text(record.get("destinationnodeidentifier")).strip() or \
            by_code.get(clean_text(record.get("destinationnodehumancodingscheme")), "")
        if child and parent and kind == "hasskilllevel":
            skill_levels[parent].add(child)  # a proficiency level, not a child (see case.py)
        elif child and parent:
            links.append((child, parent, float(len(links))))
    parent_column = next((k for k in ("ischildof", "parent", "parentid") if any(k in r for r in records)), None)
    if not links and parent_column:
        for record, item in zip(records, items, strict=True):
            target = clean_text(record.get(parent_column))
            if target:
                links.append((cell_text(item["identifier"]).strip(), by_code.get(target, target), 0.0))
        missing = {p for _c, p, _s in links if p not in ids}
        for child, parent, _s in links:
            if parent in missing:
                dataset.errors.append(Issue("import.error.parent_missing", {"code": child, "parent": parent},
                                            file=book.filename, sheet=sheet.name))
        links = [link for link in links if link[1] in ids]
    if skill_levels:
        items, links = take_skill_levels(dataset, items, links, skill_levels, book.filename)
    build_nodes(dataset, items=items, child_of=links, document_ids=document_ids, filename=book.filename,
                sheet=sheet.name, limits=limits, smart_levels=not links)
    return dataset


def score(book: RawBook) -> float:
    if book.sheet("CF Item") is not None and book.sheet("CF Doc") is not None:
        return 0.98
    sheet = _item_sheet(book)
    return 0.9 if sheet is not None else 0.0
