"""Moodle CSV, OpenSALT workbooks and CSVs, CASE JSON, ESCO and O*NET: the real third-party files, read in place."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Competency, JobRole, Program
from services.db import session_scope
from services.importing import analyse
from tests.importing.conftest import created, run_import, table_counts, updated


def tree(engine, program="P1") -> dict[str, Competency]:
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == program)).one()
        return {c.code: c for c in session.exec(select(Competency).where(Competency.program_id == pid)).all()}


def read(real_data, path: str) -> tuple[bytes, str]:
    file = real_data / path
    return file.read_bytes(), file.name


def test_moodle_csv_with_taxonomy_and_parents(engine, real_data):
    """OECD (English headers) and the pharmacy example (JSON taxonomy, 12 columns) build their trees."""
    data, name = read(real_data, "moodle_lpimportcsv/moodle_core_example_OECD.csv")
    preview, result = run_import(engine, data, name)
    assert preview.kind == "moodle" and result.ok, result.errors
    assert preview.info["frameworks"][0]["idnumber"] == "OECD-CORE"
    assert preview.info["frameworks"][0]["taxonomy"] == ["competency"] * 4
    nodes = tree(engine)
    assert nodes["DR-AT1"].parent_id == nodes["analytical-thinking"].id and nodes["competencies"].kind == "area"
    assert not any(n.code == "OECD-CORE" for n in nodes.values())
    assert "levels" not in nodes and "level-1" not in nodes  # the scale is not a competency (see test_moodle_scales)
    _, again = run_import(engine, data, name)
    assert created(again) == {} and updated(again) == {}


def test_moodle_pharmacy_json_taxonomy(sqlite_only, real_data):
    data, name = read(real_data, "moodle_lpimportcsv/jfruitet_example_pharmacy.csv")
    preview, result = run_import(sqlite_only, data, name)
    assert result.ok and preview.info["frameworks"][0]["taxonomy"][:3] == ["domain", "competency", "behaviour"]
    nodes = tree(sqlite_only)
    assert nodes["1.1.1"].parent_id == nodes["1.1"].id and nodes["1.1.1"].kind == "competency"


def test_moodle_french_csv_with_real_defects(sqlite_only, real_data):
    """The DCG 2019 file (French headers, semicolons, BOM) has duplicate IDs and missing parents: clear errors,
    nothing written; with skip-invalid the rest imports and the bad rows come back."""
    data, name = read(real_data, "moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle.csv")
    before = table_counts(sqlite_only)
    preview, result = run_import(sqlite_only, data, name, lang="en")
    assert preview.kind == "moodle" and not result.ok and table_counts(sqlite_only) == before
    keys = {e["key"] for e in result.errors}
    assert keys == {"import.error.duplicate_code", "import.error.parent_missing"}
    assert all(e["row"] for e in result.errors)
    _, skipped = run_import(sqlite_only, data, name, skip_invalid=True)
    assert skipped.ok and skipped.counts["created"]["competency"] > 500 and skipped.invalid_row_count > 0


@pytest.mark.parametrize("path", ["opensalt/xlsx/ccsso_ela.xlsx", "opensalt/csv/ccsso_ela_item.csv"])
def test_opensalt_workbook_and_item_csv_agree(sqlite_only, real_data, path):
    """The 3-sheet workbook (isChildOf) and the item CSV (smartLevel) give the same 1 189-item tree."""
    data, name = read(real_data, path)
    preview, result = run_import(sqlite_only, data, name)
    assert preview.kind == "opensalt" and result.ok, result.errors[:3]
    assert sum(result.counts["created"].values()) == 1189
    nodes = tree(sqlite_only)
    assert nodes["L.1.4"].statement.startswith("Determine or clarify the meaning")


def test_opensalt_small_samples(sqlite_only, real_data):
    for index, path in enumerate(["opensalt/xlsx/spreadsheet_import_sample.xlsx", "opensalt/xlsx/test_framework.xlsx",
                                  "opensalt/xlsx/tests_spreadsheet_import_sample.xlsx", "opensalt/csv/sample_case.csv",
                                  "opensalt/csv/test_items.csv"]):
        data, name = read(real_data, path)
        _, result = run_import(sqlite_only, data, name, program=f"S{index}")
        assert result.ok and sum(result.counts["created"].values()) > 0, (path, result.errors)
    html = tree(sqlite_only, "S1")
    assert any(n.statement.startswith("Testing html and **markdown**") for n in html.values())


def test_case_ccss_math_package(engine, real_data):
    """The 703-item CCSS math package: isChildOf tree, humanCodingScheme codes, URIs kept; idempotent."""
    data, name = read(real_data, "opensalt/case/math_cfs_sample_CCSS_Math.json")
    preview, result = run_import(engine, data, name)
    assert preview.kind == "case" and result.ok, result.errors[:3]
    assert sum(result.counts["created"].values()) == 703
    nodes = tree(engine)
    leaf = nodes["CCSS.Math.Content.K.CC.A.1"]
    assert leaf.kind == "competency" and leaf.external_uri.startswith("https://")
    parent = next(n for n in nodes.values() if n.id == leaf.parent_id)
    assert parent.code == "CCSS.Math.Content.K.CC.A"
    assert "http://asn.jesandco.org/resources/S2366905" in nodes  # no humanCodingScheme: the identifier
    _, again = run_import(engine, data, name)
    assert created(again) == {} and updated(again) == {}


@pytest.mark.parametrize("name", ["AdoptedTestFramework.json", "EmptyExternalFramework.json",
                                  "ItemTypeTestFramework.json", "MarkdownFramework.json", "Ordering.json",
                                  "SequenceNumberFramework.json", "SmartLevelFramework.json", "Utf8TestFramework.json",
                                  "opensalt-framework-20c5134f.json", "test_framework_case.json"])
def test_case_fixtures_parse_leniently(real_data, name):
    """OpenSALT's CASE 1.0 fixtures (and the 1.1-ish export) parse without errors."""
    data, filename = read(real_data, f"opensalt/case/{name}")
    preview = analyse(data, filename, engine=None, program_code="X")
    assert preview.kind == "case" and preview.ok, preview.errors
    if name == "opensalt-framework-20c5134f.json":
        assert preview.info["other_associations"]["exemplar"] > 0


def test_esco_occupations_become_job_roles(sqlite_only, real_data):
    """ESCO occupation–skill relations: a job role and area per occupation, essential/optional tasks."""
    data, name = read(real_data, "derived/esco_v1.2.0_manufacturing_occupation_skills_long.csv")
    preview, result = run_import(sqlite_only, data, name)
    assert preview.kind == "esco" and result.ok, result.errors[:3]
    assert result.counts["created"]["area"] == 150 and result.counts["created"]["competency"] == 6903
    with session_scope(sqlite_only) as session:
        role = session.exec(select(JobRole).where(JobRole.name == "automation engineer")).one()
        assert role.source == "esco" and role.external_code == "2141"
        area = session.exec(select(Competency).where(Competency.statement == "automation engineer")).one()
        tasks = session.exec(select(Competency).where(Competency.parent_id == area.id)).all()
        assert {t.code.rsplit(".", 1)[1] for t in tasks} == {"E", "O"} and area.job_role_id == role.id
        essential = next(t for t in tasks if t.code.endswith(".E"))
        leaf = session.exec(select(Competency).where(Competency.parent_id == essential.id)).first()
        assert leaf.importance == 5 and leaf.job_role_id == role.id


@pytest.mark.parametrize("path, expected", [
    ("esco_v1.2.0/skillsHierarchy_en.csv", "hierarchy"), ("esco_v1.2.0/digitalSkillsCollection_en.csv", "skills"),
    ("esco_v1.2.0/skillGroups_en.csv", "groups")])
def test_esco_skill_files(real_data, path, expected):
    data, name = read(real_data, path)
    preview = analyse(data, name, engine=None, program_code="X")
    assert preview.kind == "esco" and preview.ok and preview.info["layout"] == expected
    assert preview.counts["created"]["competency"] > 50


@pytest.mark.parametrize("path", ["esco_v1.2.0/occupations_en.csv",
                                  "derived/onet_29.2_occupations_manufacturing_subset.csv",
                                  "onet_29.2_xlsx/Occupation_Data.xlsx"])
def test_occupation_only_files_are_refused_clearly(real_data, path):
    data, name = read(real_data, path)
    preview = analyse(data, name, engine=None, program_code="X", lang="en")
    assert preview.fatal and ("Task Statements" in preview.errors[0]["message"] or
                              "relations" in preview.errors[0]["message"])


def test_onet_tasks_and_skills(sqlite_only, real_data):
    """O*NET task statements (core/supplemental) and skills (IM → importance, LV in notes) per occupation."""
    data, name = read(real_data, "derived/onet_29.2_task_statements_manufacturing_subset.csv")
    preview, result = run_import(sqlite_only, data, name)
    assert preview.kind == "onet" and result.ok and result.counts["created"]["area"] == 13
    nodes = tree(sqlite_only)
    task = nodes["17-2199.05-T16467"]
    assert task.importance == 4 and nodes["17-2199.05"].statement == "Mechatronics Engineers"
    data, name = read(real_data, "derived/onet_29.2_skills_manufacturing_subset.csv")
    _, skills = run_import(sqlite_only, data, name)
    assert skills.ok and skills.counts["unchanged"]["area"] == 13 and skills.counts["created"]["task"] == 13
    reading = tree(sqlite_only)["17-2199.05-2.A.1.a"]
    assert (reading.importance, reading.comp_type) == (4, "skill") and "LV 4.12" in reading.notes
    assert skills.counts["not_in_file"]["competency"] == 315  # the tasks, kept


def test_ubc_outcome_lists(sqlite_only, real_data):
    """UBC samples: a CSV list and a workbook with one sheet per topic (each sheet becomes an area)."""
    data, name = read(real_data, "ubc_curriculum_map/import-clos-sample.csv")
    _, result = run_import(sqlite_only, data, name, program="CLO")
    assert result.ok and created(result) == {"competency": 6}
    data, name = read(real_data, "ubc_curriculum_map/import-plos-sample.xlsx")
    _, result = run_import(sqlite_only, data, name, program="PLO")
    assert result.ok and created(result) == {"area": 2, "competency": 11}
    _, again = run_import(sqlite_only, data, name, program="PLO")
    assert created(again) == {} and updated(again) == {}
