"""Moodle CSV, CASE 1.1 JSON and the OpenSALT workbook: format checks and round trips through our importers."""

from __future__ import annotations

import csv
import io
import json
import re

import jsonschema
import pytest
from sqlmodel import select

from models import Competency, Program
from services import coverage
from services.actor import SYSTEM
from services.db import session_scope
from services.exports import export_backup, export_case_json, export_moodle_csv, export_opensalt_xlsx, restore_backup
from services.exports.moodle_csv import HEADER
from services.importing import import_file
from services.outline import normalize_text
from tests.exports.conftest import parsed, program_id, sheet_rows, workbook

BRIEF_HEADER = ('"Parent ID number","ID number","Short name",Description,"Description format","Scale values",'
                '"Scale configuration","Rule type (optional)","Rule outcome (optional)","Rule config (optional)",'
                '"Cross-referenced competency ID numbers","Exported ID (optional)","Is framework",Taxonomy')
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def framework_tree(engine, code: str) -> dict[str, dict]:
    """code → {parent code, kind, statement, notes} of a programme's framework."""
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == code)).one()
        nodes = session.exec(select(Competency).where(Competency.program_id == pid)).all()
        codes = {n.id: n.code for n in nodes}
        return {n.code: {"parent": codes.get(n.parent_id), "kind": n.kind, "statement": n.statement, "notes": n.notes}
                for n in nodes}


def assert_same_tree(source: dict[str, dict], imported: dict[str, dict], *, moodle: bool = False) -> None:
    """Same codes, parents and kinds; statements exactly as stored (imports keep text as written, #10)."""
    assert set(imported) == set(source)
    for code, node in source.items():
        got = imported[code]
        assert (got["parent"], got["kind"]) == (node["parent"], node["kind"]), code
        statement = node["statement"].strip()
        if moodle and len(statement) > 100:  # Moodle's short name holds 100 characters; the rest is in the notes
            assert statement.startswith(got["statement"].rstrip(".…")[:90]) and statement in normalize_text(got["notes"])
        else:
            assert got["statement"] == statement, code


@pytest.mark.parametrize("code", ["460305", "MECH-ENG"])
def test_moodle_csv_header_framework_row_and_tree(seeded_engine, code):
    """BRIEF §5 header in order, one framework row with scale and taxonomy, then the tree by parent ID."""
    result = export_moodle_csv(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine, code), lang="en")
    assert result.filename.startswith(f"{code}-moodle-") and result.media_type == "text/csv"
    text = result.content.decode("utf-8-sig")
    assert result.content.startswith(b"\xef\xbb\xbf") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == HEADER == tuple(next(csv.reader([BRIEF_HEADER])))
    framework_row = rows[1]
    assert framework_row[1] == code and framework_row[12] == "1" and framework_row[0] == ""
    assert framework_row[13] == "domain,practice,competency"
    assert framework_row[5].split(",") == ["Level 1 introduced", "Level 2 reinforced", "Level 3 mastered"]
    config = json.loads(framework_row[6])
    assert config[0] == {"scaleid": "0"} and [c["id"] for c in config[1:]] == [1, 2, 3]
    assert sum(c["scaledefault"] for c in config[1:]) == 1
    tree = framework_tree(seeded_engine, code)
    body = rows[2:]
    assert len(body) == len(tree) and all(r[12] == "0" for r in body)
    seen: set[str] = set()
    for row in body:
        parent, idnumber, short = row[0], row[1], row[2]
        assert (parent or None) == tree[idnumber]["parent"] and (not parent or parent in seen)
        assert len(short) <= 100
        seen.add(idnumber)


@pytest.mark.parametrize("code", ["460305", "MECH-ENG"])
def test_moodle_csv_reads_back_as_the_same_tree(seeded_engine, engine, code):
    """Our own Moodle importer builds the same tree from the export."""
    result = export_moodle_csv(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine, code))
    imported = import_file(engine, actor=SYSTEM, data=result.content, filename=result.filename, program_code="RT")
    assert imported.ok and imported.kind == "moodle", imported.errors
    assert_same_tree(framework_tree(seeded_engine, code), framework_tree(engine, "RT"), moodle=True)


@pytest.mark.parametrize("code", ["460305", "MECH-ENG"])
def test_case_package_is_valid_case_1_1(seeded_engine, real_data, code):
    """Valid against the CASE 1.1 subset schema; lowercase UUIDs; document, items, isChildOf tree, groupings."""
    schema = json.loads((real_data / "opensalt/schema/case-v1p1-cfpackage-schema.subset.json").read_text())
    pid = program_id(seeded_engine, code)
    result = export_case_json(seeded_engine, actor=SYSTEM, program_id=pid, lang="en")
    package = parsed(result.content)
    jsonschema.Draft202012Validator(schema).validate(package)
    document = package["CFDocument"]
    assert document["caseVersion"] == "1.1" and document["adoptionStatus"] == "Draft" and document["creator"]
    identifiers = [document["identifier"]] + [i["identifier"] for i in package["CFItems"]] + \
        [a["identifier"] for a in package["CFAssociations"]]
    assert all(UUID.match(i) for i in identifiers) and len(set(identifiers)) == len(identifiers)
    tree = framework_tree(seeded_engine, code)
    items = {i["identifier"]: i for i in package["CFItems"]}
    assert {i["humanCodingScheme"] for i in items.values()} == set(tree)
    assert {i["CFItemType"] for i in items.values()} == {"Work area", "Work task", "Competency"}
    by_code = {i["humanCodingScheme"]: i["identifier"] for i in items.values()}
    child_of = [a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"]
    assert len(child_of) == len(tree)
    for a in child_of:
        node = tree[items[a["originNodeURI"]["identifier"]]["humanCodingScheme"]]
        destination = a["destinationNodeURI"]["identifier"]
        assert destination == (by_code[node["parent"]] if node["parent"] else document["identifier"])
    groupings = {g["identifier"]: g["title"] for g in package["CFDefinitions"]["CFAssociationGroupings"]}
    assert sorted(groupings.values()) == ["Level 1 introduced", "Level 2 reinforced", "Level 3 mastered"]
    courses = [a for a in package["CFAssociations"] if a["destinationNodeURI"].get("targetType") == "ext:course"]
    result_cov = coverage.compute_coverage(seeded_engine, program_id=pid)
    assert len(courses) == int((result_cov.matrix.to_numpy() > 0).sum())
    levels = {(comp, course): int(level) for comp, row in result_cov.matrix.iterrows()
              for course, level in row.items() if level}
    for a in courses:
        assert a["associationType"] == "isRelatedTo"
        competency = items[a["originNodeURI"]["identifier"]]["humanCodingScheme"]
        course = a["destinationNodeURI"]["title"].rsplit("(", 1)[1].rstrip(")")
        title = a["CFAssociationGroupingURI"]["title"]
        assert groupings[a["CFAssociationGroupingURI"]["identifier"]] == title
        assert title.startswith(f"Level {levels[(competency, course)]} ")


def test_case_links_external_esco_and_onet_nodes(seeded_engine):
    """MECH-ENG's ESCO skill URIs become exactMatchOf ext:esco, its occupations isRelatedTo ext:esco-occupation."""
    package = parsed(export_case_json(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine, "MECH-ENG"),
                                      lang="en").content)
    tree = framework_tree(seeded_engine, "MECH-ENG")
    with session_scope(seeded_engine) as session:
        uris = {c.code: c.external_uri for c in session.exec(select(Competency)).all() if c.external_uri}
    exact = [a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert exact and {a["destinationNodeURI"]["uri"] for a in exact} == {u for c, u in uris.items() if c in tree}
    assert {a["destinationNodeURI"]["targetType"] for a in exact} <= {"ext:esco", "ext:onet", "ext:uri"}
    assert any(a["destinationNodeURI"]["targetType"] == "ext:esco" for a in exact)
    occupations = [a for a in package["CFAssociations"]
                   if a["destinationNodeURI"].get("targetType") == "ext:esco-occupation"]
    assert occupations and all(a["destinationNodeURI"]["uri"].startswith("http://data.europa.eu/esco/occupation/")
                               for a in occupations)


def test_case_identifiers_are_stable_across_exports_and_databases(rich_engine, engine):
    """Same programme code and node code → same identifier: twice here, and after a backup restored elsewhere."""
    pid = program_id(rich_engine)
    first = export_case_json(rich_engine, actor=SYSTEM, program_id=pid).content
    assert export_case_json(rich_engine, actor=SYSTEM, program_id=pid).content == first
    assert restore_backup(engine, actor=SYSTEM, data=export_backup(rich_engine, actor=SYSTEM, program_id=pid).content).ok
    assert export_case_json(engine, actor=SYSTEM, program_id=program_id(engine)).content == first


@pytest.mark.parametrize("code", ["460305", "MECH-ENG"])
def test_case_package_reads_back_as_the_same_tree(seeded_engine, engine, code):
    """Our own CASE importer builds the same tree (codes from humanCodingScheme)."""
    result = export_case_json(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine, code))
    imported = import_file(engine, actor=SYSTEM, data=result.content, filename=result.filename, program_code="RT")
    assert imported.ok and imported.kind == "case", imported.errors
    assert_same_tree(framework_tree(seeded_engine, code), framework_tree(engine, "RT"))


def test_opensalt_workbook_sheets_and_smart_levels(seeded_engine):
    """CF Doc / CF Item / CF Association; smartLevel follows the tree; associations name both ends."""
    result = export_opensalt_xlsx(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine), lang="zh")
    wb = workbook(result.content)
    assert wb.sheetnames == ["CF Doc", "CF Item", "CF Association"]
    doc = sheet_rows(wb["CF Doc"])
    assert doc[0][:3] == ("identifier", "creator", "title") and doc[1][2] == "工业机器人技术"
    items = sheet_rows(wb["CF Item"])
    header = items[0]
    assert header[:4] == ("identifier", "fullStatement", "humanCodingScheme", "smartLevel") and "CFItemType" in header
    rows = [dict(zip(header, r, strict=True)) for r in items[1:]]
    tree = framework_tree(seeded_engine, "460305")
    assert len(rows) == len(tree)
    level_of = {r["humanCodingScheme"]: r["smartLevel"] for r in rows}
    for r in rows:
        parent = tree[r["humanCodingScheme"]]["parent"]
        level = r["smartLevel"]
        assert re.fullmatch(r"\d+(\.\d+)*", level)
        if parent:
            assert level.rsplit(".", 1)[0] == level_of[parent]
        else:
            assert "." not in level
        assert r["CFItemType"] in ("工作领域", "工作任务", "职业能力")
    assoc = sheet_rows(wb["CF Association"])
    types = {r[4] for r in assoc[1:]}
    assert {"Is Child Of", "Is Related To"} <= types
    assert sum(1 for r in assoc[1:] if r[4] == "Is Child Of") == len(tree)
    assert all(r[8] for r in assoc[1:] if r[9] and r[9].startswith("3级"))


def test_opensalt_workbook_reads_back_as_the_same_tree(seeded_engine, engine):
    result = export_opensalt_xlsx(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine, "MECH-ENG"))
    imported = import_file(engine, actor=SYSTEM, data=result.content, filename=result.filename, program_code="RT")
    assert imported.ok and imported.kind == "opensalt", imported.errors
    assert_same_tree(framework_tree(seeded_engine, "MECH-ENG"), framework_tree(engine, "RT"))
