"""Templates of every kind and the course-standard kind: download, fill, import, re-import."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlmodel import select

from models import Alignment, AssessmentItem, CourseStandard, LearningUnit, Objective
from services.db import session_scope
from services.importing.templates import TEMPLATE_KINDS, template_workbook
from tests.importing.conftest import created, run_import, table_counts, updated


@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_each_template_has_header_examples_and_bilingual_instructions(kind):
    """A template opens in openpyxl: a data sheet with both-language headers, two examples, instructions."""
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
    assert wb.sheetnames[-1] == "填写说明 Instructions"
    data = wb[wb.sheetnames[0]]
    rows = [[c for c in row if c not in (None, "")] for row in data.iter_rows(values_only=True)]
    header = next(r for r in rows if len(r) >= 2)
    assert all(" / " in h for h in header[:2]) or kind == "matrix"
    notes = [c for row in wb["填写说明 Instructions"].iter_rows(values_only=True) for c in row if c]
    assert any("删除" in str(n) for n in notes) and any("deletes" in str(n) for n in notes)


def test_all_templates_import_in_order_then_change_nothing(engine):
    """framework → courses → matrix → ratings → standard: every example imports; doing it again changes nothing."""
    counts = {}
    for kind in TEMPLATE_KINDS:
        preview, result = run_import(engine, template_workbook(kind), f"{kind}.xlsx")
        assert preview.kind == kind and result.ok, (kind, result.errors)
        counts[kind] = created(result)
    assert counts["framework"] == {"area": 1, "task": 1, "competency": 2}
    assert counts["courses"] == {"course": 2} and counts["matrix"] == {"alignment": 3}
    assert counts["ratings"] == {"rating": 2} and counts["standard"] == {"standard": 1, "alignment": 4}
    with session_scope(engine) as session:
        standard = session.exec(select(CourseStandard)).one()
        assert (standard.revision, standard.status, standard.author_name) == (1, "draft", "王老师")
        assert {o.dimension for o in session.exec(select(Objective)).all()} == {"knowledge", "skill"}
        assert sum(u.hours_theory + u.hours_practice for u in session.exec(select(LearningUnit)).all()) == 64
        assert sorted(a.weight for a in session.exec(select(AssessmentItem)).all()) == [40, 60]
        targets = {a.target.split(":")[0]: a.level for a in session.exec(select(Alignment)).all()
                   if not a.target.startswith("course:")}
        assert set(targets) == {"unit", "objective"}
    for kind in TEMPLATE_KINDS:
        _, again = run_import(engine, template_workbook(kind), f"{kind}.xlsx")
        assert created(again) == {} and updated(again) == {}, kind


def _edited_standard(edit) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(template_workbook("standard")))
    edit(wb)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_standard_updates_draft_and_starts_a_revision_when_approved(sqlite_only):
    """A changed template updates the draft; once approved, an import starts revision 2 instead."""
    for kind in ("framework", "courses", "standard"):
        run_import(sqlite_only, template_workbook(kind), f"{kind}.xlsx")

    def change(wb):
        wb["课程信息 Course"]["B14"] = "PLC 编程与调试；电工基础"
        wb["学习单元 Units"]["F3"] = 20
    data = _edited_standard(change)
    _, result = run_import(sqlite_only, data, "s.xlsx")
    assert result.ok and updated(result) == {"standard": 1}
    with session_scope(sqlite_only) as session:
        standard = session.exec(select(CourseStandard)).one()
        assert standard.prerequisites == "PLC 编程与调试；电工基础"
        standard.status = "approved"
        session.add(standard)
    _, revision = run_import(sqlite_only, data, "s.xlsx", lang="en")
    assert created(revision)["standard"] == 1
    assert any(w["key"] == "import.warning.standard_new_revision" for w in revision.warnings)
    with session_scope(sqlite_only) as session:
        assert sorted(s.revision for s in session.exec(select(CourseStandard)).all()) == [1, 2]


def test_standard_with_unknown_competency_is_rejected(engine):
    """Objectives naming competencies that do not exist: a located error, nothing written."""
    run_import(engine, template_workbook("courses"), "courses.xlsx")
    before = table_counts(engine)
    _, result = run_import(engine, template_workbook("standard"), "standard.xlsx", lang="en")
    assert not result.ok and table_counts(engine) == before
    assert {(e["sheet"], e["key"]) for e in result.errors} == {
        ("课程目标 Objectives", "import.error.unknown_competency"),
        ("学习单元 Units", "import.error.unknown_competency")}


def test_import_template_command(tmp_path):
    """manage.py import-template KIND --out PATH writes the template; an unknown kind exits 2."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "framework.xlsx"
    done = subprocess.run([sys.executable, "manage.py", "import-template", "framework", "--out", str(out)], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and openpyxl.load_workbook(out).sheetnames[0] == "职业能力分析表 Framework"
    bad = subprocess.run([sys.executable, "manage.py", "import-template", "nonsense", "--out", str(out)], cwd=root,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
