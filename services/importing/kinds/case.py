"""``case``: a 1EdTech CASE 1.0/1.1 package (JSON): CFDocument, CFItems, CFAssociations.

The tree comes from ``isChildOf`` associations (child → parent item, or → the document for
top-level items). Real packages are often not strictly valid (OpenSALT's own fixtures are
CASE 1.0, identifiers are sometimes URLs), so reading is lenient: an item's code is its
``humanCodingScheme`` when that is present and unique in the package, else its
identifier; its ``uri`` is kept as the external reference. Other association types are
counted, not imported. Items that are only the destination of ``hasSkillLevel`` associations
(proficiency levels a competency is assessed at), and a parent holding nothing but them, are a
scale, not competencies: they go to ``info["scales"]`` with a warning.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections import Counter, defaultdict
from typing import Any

from services.importing.limits import Limits
from services.importing.readers import RawBook, cell_text, clean_text, exact_text
from services.importing.records import Dataset, ImportRejected, Issue, Origin
from services.importing.table import Options
from services.importing.tree import Prov, finalize

KIND = "case"
FIELDS: dict[str, tuple[str, ...]] = {}
_TAG = re.compile(r"<[^>]+>")


def strip_html(text: Any) -> str:
    """Plain text of an HTML fragment (tags dropped, entities decoded, spaces collapsed as HTML does);
    text without markup is kept exactly (trimmed only): full-width punctuation is never folded."""
    raw = cell_text(text)
    if "<" not in raw and "&" not in raw:
        return exact_text(raw)
    return " ".join(html.unescape(_TAG.sub(" ", raw)).replace("_x000D_", "").split())


def _link_id(value: Any) -> str | None:
    """The identifier of a CASE node link (``{identifier, uri}``), a bare identifier, or a "local:" URI."""
    if isinstance(value, dict):
        value = value.get("identifier") or value.get("uri")
    text = cell_text(value).strip()
    if not text:
        return None
    return text.removeprefix("local:")


def association_type(value: Any) -> str:
    return re.sub(r"[\s_-]+", "", cell_text(value)).lower()


def item_code(identifier: str) -> str:
    return identifier if len(identifier) <= 64 else "id-" + hashlib.sha1(identifier.encode()).hexdigest()[:16]


def build_nodes(dataset: Dataset, *, items: list[dict[str, Any]], child_of: list[tuple[str, str, float]],
                document_ids: set[str], filename: str, sheet: str | None, limits: Limits,
                smart_levels: bool = False) -> None:
    """Items + (child, parent, sequence) links → framework nodes in ``dataset`` (shared with opensalt)."""
    hcs_count = Counter(clean_text(i.get("humanCodingScheme")) for i in items)
    code_of: dict[str, str] = {}
    for item in items:
        identifier = cell_text(item.get("identifier")).strip()
        hcs = clean_text(item.get("humanCodingScheme"))
        code_of[identifier] = hcs if hcs and hcs_count[hcs] == 1 and len(hcs) <= 64 else item_code(identifier)
    parents: dict[str, list[tuple[float, str]]] = defaultdict(list)
    order: dict[str, float] = {}
    for child, parent, sequence in child_of:
        parents[child].append((sequence, parent))
        order.setdefault(child, sequence)
    smart = {clean_text(i.get("smartLevel")): cell_text(i.get("identifier")).strip() for i in items
             if clean_text(i.get("smartLevel"))} if smart_levels else {}
    provs: list[Prov] = []
    multi = 0
    for position, item in enumerate(items):
        identifier = cell_text(item.get("identifier")).strip()
        row = item.get("_row")
        statement = strip_html(item.get("fullStatement")) or strip_html(item.get("abbreviatedStatement")) or \
            clean_text(item.get("humanCodingScheme"))
        if not identifier or not statement:
            dataset.errors.append(Issue("import.error.case_item", {"identifier": identifier or "?"}, file=filename,
                                        sheet=sheet, row=row))
            continue
        parent = None
        links = sorted(parents.get(identifier, []))
        if len(links) > 1:
            multi += 1
        for _seq, target in links:
            if target in document_ids:
                break
            if target in code_of:
                parent = code_of[target]
                break
        if parent is None and not links and smart:
            level = clean_text(item.get("smartLevel"))
            while "." in level:
                level = level.rsplit(".", 1)[0]
                if level in smart:
                    parent = code_of.get(smart[level])
                    break
        notes = strip_html(item.get("notes"))
        values = {"notes": notes, "external_uri": cell_text(item.get("uri"))[:500],
                  "sort_order": int(order.get(identifier, position) * 1000 + position) if identifier in order
                  else position}
        provs.append(Prov(key=code_of[identifier], statement=statement, parent=parent, values=values,
                          origin=Origin(sheet, row), fields=frozenset({"notes", "external_uri"})))
    if multi:
        dataset.warnings.append(Issue("import.warning.case_several_parents", {"count": multi}, file=filename))
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=filename)


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """CASE JSON → framework nodes (``complete_for`` the whole tree)."""
    del options
    package = book.json_data
    if not isinstance(package, dict) or ("CFItems" not in package and "CFDocument" not in package):
        raise ImportRejected(Issue("import.error.case_package", file=book.filename))
    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    document = package.get("CFDocument") or {}
    items = [i for i in package.get("CFItems") or [] if isinstance(i, dict)]
    doc_ids = {cell_text(document.get("identifier")).strip(), cell_text(document.get("uri")).strip()} - {""}
    links = []
    other = Counter()
    skill_levels: dict[str, set[str]] = defaultdict(set)  # level item → the competencies assessed at it
    for assoc in package.get("CFAssociations") or []:
        if not isinstance(assoc, dict):
            continue
        kind = association_type(assoc.get("associationType"))
        origin = _link_id(assoc.get("originNodeURI")) or _link_id(assoc.get("originNodeIdentifier"))
        destination = _link_id(assoc.get("destinationNodeURI")) or _link_id(assoc.get("destinationNodeIdentifier"))
        if kind == "hasskilllevel" and origin and destination:
            skill_levels[destination].add(origin)
        if kind != "ischildof":
            other[kind] += 1
            continue
        if origin and destination:
            links.append((origin, destination, float(assoc.get("sequenceNumber") or 0)))
    if skill_levels:
        items, links = take_skill_levels(dataset, items, links, skill_levels, book.filename)
    build_nodes(dataset, items=items, child_of=links, document_ids=doc_ids, filename=book.filename, sheet=None,
                limits=limits)
    if not items:
        dataset.warnings.append(Issue("import.warning.case_empty", file=book.filename))
    dataset.info.update(document={k: document.get(k) for k in ("identifier", "title", "creator", "version",
                                                               "adoptionStatus", "caseVersion") if document.get(k)},
                        other_associations=dict(other))
    return dataset


def take_skill_levels(dataset: Dataset, items: list[dict[str, Any]], links: list[tuple[str, str, float]],
                       skill_levels: dict[str, set[str]], filename: str
                       ) -> tuple[list[dict[str, Any]], list[tuple[str, str, float]]]:
    """Move the skill-level items (and a parent that holds only them) out of the tree into ``info["scales"]``."""
    parents_of_others = {parent for _child, parent, _s in links}
    assessed = set().union(*skill_levels.values())
    levels = {i for i in skill_levels if i not in assessed and i not in parents_of_others}
    children: dict[str, set[str]] = defaultdict(set)
    for child, parent, _s in links:
        children[parent].add(child)
    # a parent of levels and of other leaves nobody assesses holds the whole scale (a level not yet used too)
    groups = {parent for parent, kids in children.items()
              if kids & levels and not kids & (assessed | parents_of_others) and parent not in assessed}
    levels |= {kid for parent in groups for kid in children[parent]}
    dropped = levels | groups
    by_id = {cell_text(i.get("identifier")).strip(): i for i in items}
    if not dropped & set(by_id):
        return items, links
    dataset.info["scales"] = [{
        "identifier": level, "statement": strip_html(by_id[level].get("fullStatement")),
        "code": clean_text(by_id[level].get("humanCodingScheme")), "competencies": len(skill_levels.get(level, ())),
        "group": next((strip_html(by_id[p].get("fullStatement")) for p in groups if level in children[p] and p in by_id),
                      None)} for level in by_id if level in levels]  # in file order
    dataset.warnings.append(Issue("import.warning.case_skill_levels", {
        "count": len(dataset.info["scales"]), "values": ", ".join(s["statement"] for s in dataset.info["scales"])[:200]},
        file=filename))
    return ([i for i in items if cell_text(i.get("identifier")).strip() not in dropped],
            [link for link in links if link[0] not in dropped])


def score(book: RawBook) -> float:
    data = book.json_data
    if isinstance(data, dict) and ("CFItems" in data or "CFDocument" in data):
        return 0.99
    return 0.0
