"""Formula injection: text that starts with = + - @, a tab or a CR is written as text in every Excel export
and quoted in CSV (OWASP CSV injection). The data is created through the services."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from services import alignments, framework, programs, standards
from services.actor import SYSTEM
from services.exports import (
    export_gaps_xlsx,
    export_matrix_xlsx,
    export_moodle_csv,
    export_opensalt_xlsx,
    export_standard_xlsx,
)
from tests.exports.conftest import workbook
from tests.standard_factories import make_world

STATEMENTS = ["=1+1", "+SUM(A1:A9)", "-2+3 能完成检测", "@SUM(1,2)", '=HYPERLINK("http://evil.example","点我")',
              "=cmd|' /C calc'!A0"]
NOTES = ["\t=1+1 藏在制表符后", "\r=2+2 藏在回车后"]
DESCRIPTION = "\t=HYPERLINK(\"http://evil.example\")"


@pytest.fixture
def hostile(engine):
    """A programme whose competencies, notes, description, course name and standard text look like formulas."""
    world = make_world(engine)
    program = programs.get_program(engine, program_id=world.program_id)
    programs.update_program(engine, actor=SYSTEM, program_id=world.program_id, expected_version=program["version"],
                            changes={"description": DESCRIPTION})
    task = world.nodes["1.1"]
    for i, statement in enumerate(STATEMENTS, start=1):
        node = framework.create_node(engine, actor=SYSTEM, program_id=world.program_id, kind="competency",
                                     code=f"1.1.{10 + i}", statement=statement, parent_id=task["id"], importance=5)
        if i <= len(NOTES):
            framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                                  changes={"notes": NOTES[i - 1]})
        alignments.propose_alignment(engine, actor=SYSTEM, level=1 + i % 3, competency_id=node["id"],
                                     course_id=world.course_id)
    from tests.standard_factories import version_of

    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(engine, world.standard_id),
                            header={"nature": "=1+1 课程性质", "teaching_methods": "@项目教学"},
                            units=[{**u, "title": f"=单元{n}", "content": "+内容 -要求"}
                                   for n, u in enumerate(standards.standard_content(engine, world.standard_id)["units"])],
                            note="hostile")
    return world


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("xl/worksheets/"))


def risky_cells(content: bytes) -> list:
    wb = workbook(content)
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_every_excel_export_writes_formula_like_text_as_text(engine, hostile):
    """Matrix, gap report, OpenSALT workbook and course standard: string cells only, no <f> element at all."""
    pid = hostile.program_id
    files = {
        "matrix": export_matrix_xlsx(engine, actor=SYSTEM, program_id=pid).content,
        "gaps": export_gaps_xlsx(engine, actor=SYSTEM, program_id=pid).content,
        "opensalt": export_opensalt_xlsx(engine, actor=SYSTEM, program_id=pid).content,
        "standard": export_standard_xlsx(engine, actor=SYSTEM, standard_id=hostile.standard_id).content,
    }
    for name, content in files.items():
        assert not re.search(r"<f[ >]", sheet_xml(content)), f"{name} holds a formula"
        cells = risky_cells(content)
        assert cells, f"{name}: the hostile text did not reach the file"
        assert all(cell.data_type == "s" for cell in cells), name
    values = {c.value for c in risky_cells(files["matrix"])}
    assert set(STATEMENTS) <= values
    opensalt = {c.value for c in risky_cells(files["opensalt"])}
    assert set(STATEMENTS) | {DESCRIPTION} <= opensalt and any(v.startswith("\t") for v in opensalt)
    standard = {c.value for c in risky_cells(files["standard"])}
    assert {"=1+1 课程性质", "@项目教学", "=单元0", "+内容 -要求"} <= standard
    assert set(STATEMENTS) & {c.value for c in risky_cells(files["gaps"])}  # the below-required ones


def test_moodle_csv_quotes_formula_like_fields(engine, hostile):
    """Every risky field starts with a single quote; nothing else is touched."""
    text = export_moodle_csv(engine, actor=SYSTEM, program_id=hostile.program_id).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    fields = [f for row in rows[1:] for f in row]
    assert not any(f[:1] in ("=", "+", "-", "@", "\t", "\r") for f in fields)
    shorts = {row[2] for row in rows[2:]}
    assert {"'" + s for s in STATEMENTS} <= shorts
    assert rows[1][3] == "'" + DESCRIPTION
    assert any(row[3].startswith("'\t=1+1") for row in rows[2:]) and any(row[3].startswith("'\r=2+2") for row in rows[2:])
    assert "能完成第1项操作" in shorts  # ordinary statements unchanged
