"""Courses and matrix kinds: Chinese plan templates, course headers, mark schemes, transposed sheets."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import Alignment, Competency, Course, Program
from services.db import session_scope
from services.importing import analyse
from services.importing.kinds.matrix import parse_course_header
from services.importing.marks import detect_scheme, parse_marks_option
from tests.factories import make_course, make_framework, make_program
from tests.importing.conftest import created, run_import, table_counts, updated, xlsx_bytes


def courses_of(engine, program="P1") -> dict[str, Course]:
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == program)).one()
        return {c.code: c for c in session.exec(select(Course).where(Course.program_id == pid)).all()}


def alignments_of(engine, program="P1") -> dict[tuple[str, str], int]:
    with session_scope(engine) as session:
        rows = session.exec(select(Competency.code, Course.code, Alignment.level, Alignment.target, Course.id)
                            .join(Competency, Competency.id == Alignment.competency_id)
                            .join(Course, Course.id == Alignment.course_id)
                            .join(Program, Program.id == Course.program_id).where(Program.code == program)).all()
    assert all(target == f"course:{cid}" for *_, target, cid in rows)
    return {(comp, course): level for comp, course, level, *_ in rows}


def test_chinese_course_catalogue_xls(engine, real_data):
    """理论课程导入模板.xls: instruction row above the header; hours split over 理论/实验/实践/上机 columns."""
    path = real_data / "cn_accreditation_templates/理论课程导入模板.xls"
    preview, result = run_import(engine, path.read_bytes(), path.name)
    assert preview.kind == "courses" and preview.header_row == 2 and result.ok, result.errors
    course = courses_of(engine)["llkc"]
    assert (course.name, course.course_type, course.credits) == ("理论课程1", "public_basic", 3.0)
    assert (course.hours_theory, course.hours_practice, course.semester) == (16, 32, 1)
    _, again = run_import(engine, path.read_bytes(), path.name)
    assert created(again) == {} and updated(again) == {} and again.counts["unchanged"]["course"] == 1


def test_chinese_plan_template_with_two_row_merged_header(sqlite_only, real_data):
    """理论课培养计划导入模板.xlsx: title + note rows, a header merged over 4 rows (教学安排 → 理论学时 …)."""
    path = real_data / "cn_accreditation_templates/理论课培养计划导入模板.xlsx"
    preview, result = run_import(sqlite_only, path.read_bytes(), path.name, lang="en")
    assert preview.kind == "courses" and preview.header_row == 3 and result.ok, result.errors
    by_field = {c["field"]: c["label"] for c in preview.columns if c["field"]}
    assert by_field["hours_theory"] == "教学安排 / 理论学时" and by_field["code"] == "课程代码"
    got = courses_of(sqlite_only)
    assert got["0322A003ae"].name == "课程2" and got["0322A003ae"].hours_theory == 16
    assert (got["0332A0012"].credits, got["0332A0012"].hours_theory, got["0332A0012"].hours_practice) == (4.5, 62, 10)
    # the semester from the weekly hours under 长1…长8 (考试学期 is the exam's, not the course's); 课程2 runs over
    # 长1–长3: the model keeps the first and a warning says so; the type from 课程类别（…C:专业基础…）
    assert (got["0332A0012"].semester, got["0322A003ae"].semester) == (4, 1)
    assert got["0332A0012"].course_type == "professional_basic"
    assert {w["key"] for w in result.warnings} <= {"import.warning.course_type", "import.warning.hours_total",
                                                   "import.warning.ignored_row", "import.warning.semester_span"}


def test_course_rows_validate_and_update(sqlite_only):
    """Bad credits are row errors; a changed catalogue updates only the supplied fields; missing courses stay."""
    rows = [["课程代码", "课程名称", "课程类型", "学分", "总学时", "开设学期"],
            ["ZY2031", "工业机器人现场编程", "专业核心课", 4, 64, "第二学年：长1"],
            ["ZY2040", "PLC 编程", "实践课", "四", 32, 2]]
    _, bad = run_import(sqlite_only, xlsx_bytes(rows), "c.xlsx", lang="en")
    assert not bad.ok and bad.errors[0]["column"] == "学分" and bad.errors[0]["row"] == 3
    rows[2][3] = 2
    _, good = run_import(sqlite_only, xlsx_bytes(rows), "c.xlsx")
    assert created(good) == {"course": 2}
    got = courses_of(sqlite_only)["ZY2031"]
    assert (got.course_type, got.semester, got.hours_theory, got.hours_practice) == ("professional_core", 3, 64, 0)
    _, changed = run_import(sqlite_only, xlsx_bytes([rows[0], ["ZY2031", "工业机器人现场编程（新）", "", 4, 64, 3]]),
                            "c2.xlsx")
    assert updated(changed) == {"course": 1} and changed.counts["not_in_file"]["course"] == 1
    assert courses_of(sqlite_only)["ZY2031"].course_type == "professional_core"


@pytest.mark.parametrize("label, expected", [
    ("工业机器人现场编程（ZY2031）", ("ZY2031", "工业机器人现场编程")),
    ("Robot Programming (ZY-2031)", ("ZY-2031", "Robot Programming")),
    ("ZY2031 工业机器人现场编程", ("ZY2031", "工业机器人现场编程")),
    ("UC51", ("UC51", "UC51")),
    ("机械制图", (None, "机械制图")),
    ("岗位实习（SJ4001）", ("SJ4001", "岗位实习")),
])
def test_course_header_forms(label, expected):
    assert parse_course_header(label) == expected


def test_course_header_that_starts_like_a_field_stays_a_course(sqlite_only):
    """"岗位实习（SJ4001）" contains the job-role synonym 岗位 but is shaped like a course header: a course."""
    rows = [["能力编码", "职业能力", "岗位实习（SJ4001）", "工业机器人现场编程（ZY2031）"],
            ["1.1.1", "能安装", "●", "○"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "m.xlsx")
    assert result.ok and preview.kind == "matrix"
    assert alignments_of(sqlite_only) == {("1.1.1", "SJ4001"): 3, ("1.1.1", "ZY2031"): 1}


def _matrix_rows(marks: list[list[str]]) -> list[list[str]]:
    header = ["能力编码", "职业能力", "工业机器人现场编程（ZY2031）", "PLC Programming (ZY2040)", "ZY2050 电气控制",
              "机械制图"]
    codes = [("1.1.1", "能完成第1项操作"), ("1.1.2", "能完成第2项操作"), ("1.1.9", "能识读液压原理图")]
    return [["课程–能力对应矩阵"], header] + [[c, s, *m] for (c, s), m in zip(codes, marks, strict=True)]


def test_symbol_matrix_matches_courses_and_competencies(engine):
    """●◐○ → 3/2/1; headers match courses by code or name; unknown courses and competencies are created."""
    program = make_program(engine, code="P1")
    make_framework(engine, program["id"], tasks=1, per_task=2)
    make_course(engine, program["id"], code="ZY2031", name="工业机器人现场编程")
    make_course(engine, program["id"], code="JX01", name="机械制图")
    data = xlsx_bytes(_matrix_rows([["●", "◐", "", "○"], ["", "●", "△", ""], ["○", "", "", "■"]]))
    preview, result = run_import(engine, data, "矩阵.xlsx")
    assert preview.kind == "matrix" and preview.mark_scheme == "symbols" and result.ok, result.errors
    assert created(result) == {"competency": 1, "course": 2, "alignment": 7}
    assert result.counts["unchanged"]["competency"] == 2 and result.counts["unchanged"]["course"] == 2
    links = alignments_of(engine)
    assert links[("1.1.1", "ZY2031")] == 3 and links[("1.1.1", "ZY2040")] == 2 and links[("1.1.1", "JX01")] == 1
    assert links[("1.1.2", "ZY2050")] == 1 and links[("1.1.9", "JX01")] == 3
    assert courses_of(engine)["ZY2050"].name == "电气控制"
    with session_scope(engine) as session:
        new = session.exec(select(Competency).where(Competency.code == "1.1.9")).one()
        task = session.exec(select(Competency).where(Competency.code == "1.1")).one()
        assert new.parent_id == task.id and new.kind == "competency"
    _, again = run_import(engine, data, "矩阵.xlsx")
    assert created(again) == {} and updated(again) == {}


def test_changed_marks_update_and_replace_alignments_is_explicit(engine):
    """A changed mark updates; a removed mark is only reported, unless --replace-alignments."""
    data = xlsx_bytes(_matrix_rows([["●", "◐", "", "○"], ["", "●", "△", ""], ["○", "", "", "■"]]))
    run_import(engine, data, "m.xlsx")
    changed = xlsx_bytes(_matrix_rows([["◐", "◐", "", "○"], ["", "●", "", ""], ["○", "", "", "■"]]))
    _preview, result = run_import(engine, changed, "m.xlsx")
    assert updated(result) == {"alignment": 1} and result.counts["not_in_file"]["alignment"] == 1
    assert ("1.1.2", "ZY2050") in alignments_of(engine)
    _, replaced = run_import(engine, changed, "m.xlsx", replace_alignments=True)
    assert replaced.counts["deleted"]["alignment"] == 1 and ("1.1.2", "ZY2050") not in alignments_of(engine)


def test_ambiguous_marks_stop_and_ask(sqlite_only):
    """Only "M": H/M/L or I/R/M? The import stops; --marks irm gives 3, hml gives 2."""
    data = xlsx_bytes(_matrix_rows([["M", "", "", ""], ["", "M", "", ""], ["", "", "", "M"]]))
    before = table_counts(sqlite_only)
    preview, result = run_import(sqlite_only, data, "m.xlsx", lang="en")
    assert preview.fatal and not result.ok and result.errors[0]["key"] == "import.error.marks_ambiguous"
    assert "--marks" in result.errors[0]["message"] and table_counts(sqlite_only) == before
    _, _irm = run_import(sqlite_only, data, "m.xlsx", marks="irm", program="IRM")
    assert set(alignments_of(sqlite_only, "IRM").values()) == {3}
    _, _hml = run_import(sqlite_only, data, "m.xlsx", marks="hml", program="HML")
    assert set(alignments_of(sqlite_only, "HML").values()) == {2}


@pytest.mark.parametrize("values, scheme", [
    ({"I", "R", "M"}, "irm"), ({"H", "M", "L"}, "hml"), ({"H", "M"}, "hml"), ({"I", "M"}, "irm"),
    ({"●", "◐", "○"}, "symbols"), ({"■", "▲", "△"}, "symbols"), ({"1", "2", "3", 2.0}, "numeric"),
    ({"强", "中", "弱"}, "strength"), ({"√", "✓", "✔", "Y", "是"}, "ticks"), ({"ｈ", "ｍ"}, "hml"),
])
def test_scheme_detection(values, scheme):
    assert detect_scheme(values)[0] == scheme


def test_scheme_detection_refuses_to_guess():
    assert detect_scheme(["M"]) == (None, ["hml", "irm"], [])
    assert detect_scheme(["●", "H"])[0] is None
    assert detect_scheme(["X", "?"])[2]
    assert parse_marks_option("1=3, 2=2, 3=0") == {"1": 3, "2": 2, "3": 0}
    with pytest.raises(ValueError):
        parse_marks_option("fuzzy")


def test_transposed_matrix(sqlite_only):
    """Competency codes across the top, courses down the first column: detected and read the same way."""
    program = make_program(sqlite_only, code="P1")
    make_framework(sqlite_only, program["id"], tasks=1, per_task=2)
    rows = [["课程 \\ 能力", "1.1.1", "1.1.2"], ["工业机器人现场编程（ZY2031）", "√", ""],
            ["PLC 编程（ZY2040）", "✓", "√"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "t.xlsx")
    assert preview.kind == "matrix" and result.ok, result.errors
    assert preview.sheets[0]["transposed"] and preview.mark_scheme == "ticks"
    assert alignments_of(sqlite_only) == {("1.1.1", "ZY2031"): 1, ("1.1.1", "ZY2040"): 1, ("1.1.2", "ZY2040"): 1}


def test_matrix_rows_by_statement_and_unknown_marks(sqlite_only):
    """Rows without code match by statement; marks outside the chosen scheme are located errors."""
    program = make_program(sqlite_only, code="P1")
    make_framework(sqlite_only, program["id"], tasks=1, per_task=2)
    rows = [["职业能力", "机械制图（JX01）"], ["能完成第2项操作", "强"], ["能完成第1项操作", "中"]]
    _, result = run_import(sqlite_only, xlsx_bytes(rows), "s.xlsx")
    assert result.ok and alignments_of(sqlite_only) == {("1.1.2", "JX01"): 3, ("1.1.1", "JX01"): 2}
    _, bad = run_import(sqlite_only, xlsx_bytes([rows[0], ["能完成第1项操作", "很强"]]), "s.xlsx", marks="strength",
                        lang="en")
    assert not bad.ok and bad.errors[0]["column"] == "机械制图（JX01）" and "很强" in bad.errors[0]["message"]


def test_competvetsuivi_real_matrices(sqlite_only, real_data):
    """CompetVetSuivi (.xlsx and .ods): no usable header by itself → a clear error; with the user's header row,
    mapping and scheme it imports, the totals rows coming back as invalid rows."""
    xlsx = real_data / "competvetsuivi/matrix_sample.xlsx"
    auto = analyse(xlsx.read_bytes(), xlsx.name, engine=None, program_code="VET", kind="matrix", lang="en")
    assert auto.fatal and auto.errors[0]["key"] in ("import.error.matrix_layout", "import.error.marks_unknown")
    options = dict(kind="matrix", header_row=1, mapping={"A": "code", "B": "statement"})
    _preview, result = run_import(sqlite_only, xlsx.read_bytes(), xlsx.name, program="VET", sheet="Matrice EnvA",
                                 marks="1=3,2=2,3=0", skip_invalid=True, **options)
    assert result.ok and result.counts["created"]["alignment"] > 500 and result.invalid_rows_xlsx
    assert {e["row"] for e in result.errors} == {3}
    links = alignments_of(sqlite_only, "VET")
    assert links[("CoPrev.1.1", "UC54")] == 3 and ("CoPrev.1.1", "UC51") not in links  # legend: 1 = strong, 3 = no
    ods = real_data / "competvetsuivi/CompetVetSuiviTestMatrixWithResults.ods"
    _preview, result = run_import(sqlite_only, ods.read_bytes(), ods.name, program="VET2", sheet="Matrix",
                                 marks="numeric", skip_invalid=True, **options)
    assert result.ok and result.counts["created"]["competency"] > 200 and result.counts["created"]["course"] >= 40
