"""Word import of a course standard: round trip with the Word export, school layouts, diff and confirmation."""

from __future__ import annotations

import pytest

from services import courses, programs, standards, workflow
from services.actor import SYSTEM
from services.errors import Conflict
from services.exports import export_standard_docx
from services.importing.docx_import import analyse_docx, commit_docx, import_docx
from services.importing.docx_standard import read_standard_docx
from tests.importing.docx_fixtures import SCHOOL_EXPECTED, STYLED_EXPECTED, school_docx, styled_docx
from tests.standard_factories import demo_standard_id, make_world

TABLE_FIELDS = {"objectives": ("dimension", "code", "text"),
                "units": ("title", "content", "learning_tasks", "hours_theory", "hours_practice"),
                "assessment": ("name", "category", "weight", "method")}


def _rows(content: dict, table: str) -> list[tuple]:
    return [tuple(row[f] for f in TABLE_FIELDS[table]) for row in content[table]]


def _course_without_standard(engine, program_id: int) -> dict:
    have = {s["course_code"] for s in standards.list_standards(engine, program_id=program_id)}
    listed = courses.list_courses(engine, program_id=program_id)
    return next(courses.find_course(engine, program_id=program_id, code=c) for c in listed["code"] if c not in have)


@pytest.mark.parametrize(("program_code", "course_code", "lang"), [("460305", "ZH3021", "zh"),
                                                                    ("MECH-ENG", "MEC203", "en")])
def test_exported_demo_standard_imports_into_an_empty_standard_unchanged(seeded_engine, program_code, course_code,
                                                                         lang):
    """Word export of a demo standard → import into a course without a standard → the same content."""
    engine = seeded_engine
    program = programs.get_program(engine, code=program_code)
    source_id = demo_standard_id(engine, course_code, program_code)
    data = export_standard_docx(engine, actor=SYSTEM, standard_id=source_id, lang=lang).content
    target = _course_without_standard(engine, program["id"])
    preview = analyse_docx(data, f"{course_code}.docx", engine=engine, program_code=program_code, lang=lang,
                           course_code=target["code"])
    assert preview.ok, preview.to_dict()["errors"]
    assert not preview.needs_confirmation and preview.standard is None
    result = commit_docx(engine, actor=SYSTEM, preview=preview)
    assert result.ok and result.version_number
    source = standards.standard_content(engine, source_id)
    copy = standards.standard_content(engine, result.standard_id)
    assert copy["meta"]["course_code"] == target["code"]
    assert copy["header"] == source["header"]
    for table in TABLE_FIELDS:
        assert _rows(copy, table) == _rows(source, table), table
    # the same file again: nothing new, every row matched; the standard has content, so confirmation is asked
    again = analyse_docx(data, f"{course_code}.docx", engine=engine, program_code=program_code, lang=lang,
                         course_code=target["code"])
    assert again.needs_confirmation
    assert again.counts["created"] == dict.fromkeys(again.counts["created"], 0)
    assert again.counts["unchanged"]["unit"] == len(source["units"])
    assert not commit_docx(engine, actor=SYSTEM, preview=again).ok  # not confirmed: nothing written
    assert commit_docx(engine, actor=SYSTEM, preview=again, confirm=True).version_number is None  # nothing to save


def test_school_layout_is_read_with_its_counts_text_as_written_and_skips_explained():
    """4-column header table, 一、/（一）/1. numbering, two-row 学时 header with a 合计 row, assessment 合计 row."""
    reading = read_standard_docx(school_docx(), "校本.docx")
    expected = SCHOOL_EXPECTED
    assert {k: reading.course[k] for k in expected["course"]} == expected["course"]
    dims = {d: sum(1 for o in reading.objectives if o["dimension"] == d) for d in ("knowledge", "skill", "quality")}
    assert dims == expected["objectives"]
    assert len(reading.units) == expected["units"]
    assert [(u["hours_theory"], u["hours_practice"]) for u in reading.units] == expected["hours"]
    assert [a["weight"] for a in reading.assessment] == expected["weights"]
    assert [a["category"] for a in reading.assessment] == ["process", "process", "summative"]
    assert reading.header["prerequisites"] == expected["prerequisites"]
    assert reading.objectives[0]["text"] == "能说明示教器各按键的功能；"  # full-width punctuation kept
    assert reading.units[1]["content"] == "MoveJ/MoveL 指令；=SUM(A1:A2) 不是公式"  # a formula is text
    assert reading.units[2]["content"] == "数组与循环；<b>码垛</b> 的 **程序**"
    reasons = {(s["where"], s["reason"]) for s in reading.skipped}
    assert ("表 2", "import.reason.total") in reasons and ("表 3", "import.reason.total") in reasons
    assert any(s["reason"] == "import.docx.skip.no_dimension" for s in reading.skipped)  # the overall aim
    assert not reading.errors


def test_styled_layout_label_paragraphs_heading_styles_total_hours_and_fractions():
    """"label：value" header, Word heading styles, units with total hours only, merged category, 0.3 weights."""
    reading = read_standard_docx(styled_docx(), "styled.docx", lang="en")
    expected = STYLED_EXPECTED
    assert {k: reading.course[k] for k in expected["course"]} == expected["course"]
    dims = {d: sum(1 for o in reading.objectives if o["dimension"] == d) for d in ("knowledge", "skill", "quality")}
    assert dims == expected["objectives"]
    assert [(u["hours_theory"], u["hours_practice"]) for u in reading.units] == expected["hours"]
    assert [a["weight"] for a in reading.assessment] == expected["weights"]
    assert [a["category"] for a in reading.assessment] == expected["categories"]
    keys = {w.key for w in reading.warnings}
    assert {"import.warning.docx_hours_total_only", "import.warning.docx_weight_fraction"} <= keys
    assert reading.header["department"] == "智能制造学院"


def test_missing_course_is_refused_unless_created_through_courses(engine):
    """A course the programme lacks: refused naming it; with create_course it is created, then the standard."""
    world = make_world(engine)
    program = programs.get_program(engine, program_id=world.program_id)
    refused = import_docx(engine, actor=SYSTEM, data=styled_docx(), filename="styled.docx",
                          program_code=program["code"], lang="en")
    assert not refused.ok and "NEW101" in refused.errors[0]["message"]
    done = import_docx(engine, actor=SYSTEM, data=styled_docx(), filename="styled.docx",
                       program_code=program["code"], create_course=True)
    assert done.ok and done.course_created
    course = courses.find_course(engine, program_id=world.program_id, code="NEW101")
    assert course["name"] == "智能产线运维" and course["credits"] == 2 and course["semester"] == 4
    content = standards.standard_content(engine, done.standard_id)
    assert [u["title"] for u in content["units"]] == ["单元一 产线点检", "单元二 故障上报"]


def _import_records(engine) -> list[tuple[str, str]]:
    from sqlmodel import select

    from models import ImportRecord
    from services.db import session_scope

    with session_scope(engine) as session:
        return [(r.kind, r.filename) for r in session.exec(select(ImportRecord))]


def test_a_refused_save_leaves_no_created_course_and_a_done_import_is_in_the_history(engine, monkeypatch):
    """Course, first revision, content and import record are one transaction: a refusal at the last step
    (here: the save) rolls the created course back; a done import is listed like a spreadsheet import."""
    from services.errors import ValidationFailed, field_error

    world = make_world(engine)
    program = programs.get_program(engine, program_id=world.program_id)
    listed_before = list(courses.list_courses(engine, program_id=world.program_id)["code"])
    real_save = standards.save_standard

    def refusing_save(*args, **kwargs):
        real_save(*args, **kwargs)  # the content is written, then refused: all of it must roll back
        raise ValidationFailed([field_error("units", "standard.error.units", "units: refused for the test")])

    monkeypatch.setattr(standards, "save_standard", refusing_save)
    refused = import_docx(engine, actor=SYSTEM, data=styled_docx(), filename="styled.docx",
                          program_code=program["code"], create_course=True, lang="en")
    assert not refused.ok and "nothing was written" in refused.errors[-1]["message"]
    assert list(courses.list_courses(engine, program_id=world.program_id)["code"]) == listed_before
    assert _import_records(engine) == []
    monkeypatch.setattr(standards, "save_standard", real_save)
    done = import_docx(engine, actor=SYSTEM, data=styled_docx(), filename="styled.docx",
                       program_code=program["code"], create_course=True)
    assert done.ok and done.course_created
    assert _import_records(engine) == [("standard-docx", "styled.docx")]


def test_existing_standard_diff_keeps_rows_and_alignments_unless_removal_is_chosen(engine):
    """Matched units keep their ids and alignments; rows the file lacks are kept, or deleted when chosen."""
    world = make_world(engine)
    program = programs.get_program(engine, program_id=world.program_id)
    before = standards.standard_content(engine, world.standard_id)
    course = courses.get_course(engine, course_id=world.course_id)
    data = school_docx()
    preview = analyse_docx(data, "校本.docx", engine=engine, program_code=program["code"], course_code=course["code"])
    assert preview.needs_confirmation and preview.ok
    assert preview.counts["created"]["unit"] == 3 and preview.counts["not_in_file"]["unit"] == 2
    assert any(c["field"] == "nature" for c in preview.diff["header"])
    result = commit_docx(engine, actor=world.lead, preview=preview, confirm=True)
    assert result.ok
    after = standards.standard_content(engine, world.standard_id)
    kept = {u["title"]: u for u in after["units"]}
    for unit in before["units"]:  # not in the file: kept with its alignments
        assert kept[unit["title"]]["alignments"] == unit["alignments"]
    assert len(after["units"]) == 5
    removal = analyse_docx(data, "校本.docx", engine=engine, program_code=program["code"],
                           course_code=course["code"], remove_missing=True)
    assert removal.counts["deleted"]["unit"] == 2 and removal.counts["unchanged"]["unit"] == 3
    assert commit_docx(engine, actor=world.lead, preview=removal, confirm=True).ok
    assert [u["title"] for u in standards.standard_content(engine, world.standard_id)["units"]] == [
        "项目一 安全操作与手动操纵", "项目二 搬运编程", "项目三 码垛编程"]


def test_a_save_after_the_preview_is_a_conflict_and_an_approved_standard_is_refused(engine):
    """The import names the version it previewed; an approved (frozen) revision is never written."""
    world = make_world(engine)
    program = programs.get_program(engine, program_id=world.program_id)
    code = courses.get_course(engine, course_id=world.course_id)["code"]
    preview = analyse_docx(school_docx(), "校本.docx", engine=engine, program_code=program["code"], course_code=code)
    snapshot = standards.editing_snapshot(engine, standard_id=world.standard_id)
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=snapshot["version"], header={"resources": "新的实训室"})
    with pytest.raises(Conflict):
        commit_docx(engine, actor=world.lead, preview=preview, confirm=True)
    version = standards.editing_snapshot(engine, standard_id=world.standard_id)["version"]
    version = workflow.submit(engine, actor=world.owner, standard_id=world.standard_id,
                              expected_version=version)["version"]
    version = workflow.sign(engine, actor=world.lead, standard_id=world.standard_id, expected_version=version,
                            side="school")["version"]
    workflow.sign(engine, actor=world.mentor, standard_id=world.standard_id, expected_version=version,
                  side="enterprise")
    frozen = import_docx(engine, actor=SYSTEM, data=school_docx(), filename="校本.docx",
                         program_code=program["code"], course_code=code, confirm=True, lang="en")
    assert not frozen.ok and "frozen" in frozen.errors[0]["message"]
