"""Coverage matrix and gap report exports, checked against services.coverage."""

from __future__ import annotations

import pandas as pd
import pytest

from services import coverage
from services.actor import SYSTEM
from services.errors import ValidationFailed
from services.exports import MARK_SCHEMES, export_gaps_xlsx, export_matrix_xlsx
from services.exports.matrix_xlsx import FIXED_COLUMNS, HEADER_ROWS
from services.importing import import_file
from services.outline import code_sort_key
from tests.exports.conftest import no_formulas, program_id, sheet_rows, workbook


def matrix_cells(ws) -> tuple[dict[str, int], list[str], dict[tuple[str, str], object], dict[str, int]]:
    """(row of each code, course codes in column order, non-empty marks by (competency, course), outline levels)."""
    rows = sheet_rows(ws)
    header = rows[HEADER_ROWS - 1]
    course_codes = [h.rsplit("（", 1)[-1].rstrip("）") if "（" in h else h.rsplit("(", 1)[-1].rstrip(")")
                    for h in header[FIXED_COLUMNS:]]
    marks, positions, levels = {}, {}, {}
    for r, row in enumerate(rows[HEADER_ROWS:], start=HEADER_ROWS + 1):
        code = row[0]
        positions[code] = r
        levels[code] = ws.row_dimensions[r].outline_level
        for c, value in enumerate(row[FIXED_COLUMNS:]):
            if value is not None:
                marks[(code, course_codes[c])] = value
    return positions, course_codes, marks, levels


@pytest.mark.parametrize("scheme", list(MARK_SCHEMES))
def test_matrix_marks_match_coverage_levels(seeded_engine, scheme):
    """Every aligned cell shows the coverage level in the chosen scheme; nothing else is filled."""
    pid = program_id(seeded_engine)
    result = coverage.compute_coverage(seeded_engine, program_id=pid)
    exported = export_matrix_xlsx(seeded_engine, actor=SYSTEM, program_id=pid, marks=scheme, lang="zh")
    assert exported.filename.startswith("460305-matrix-")
    wb = workbook(exported.content)
    no_formulas(wb)
    _, course_codes, marks, _ = matrix_cells(wb.worksheets[0])
    assert course_codes == result.matrix.columns.tolist()
    expected = {(comp, course): MARK_SCHEMES[scheme][int(level)]
                for comp, row in result.matrix.iterrows() for course, level in row.items() if level}
    assert marks == expected
    if scheme == "numeric":
        assert all(isinstance(v, int) for v in marks.values())
    else:
        assert set(marks.values()) <= set(MARK_SCHEMES[scheme].values())


def test_matrix_layout_outline_summary_and_metrics(seeded_engine):
    """Outline levels area 0 / task 1 / competency 2, courses by semester then code, frozen panes, autofilter,
    conditional fills, summary columns and the metrics sheet."""
    pid = program_id(seeded_engine)
    result = coverage.compute_coverage(seeded_engine, program_id=pid)
    wb = workbook(export_matrix_xlsx(seeded_engine, actor=SYSTEM, program_id=pid, lang="zh").content)
    ws, metrics = wb.worksheets
    assert [ws.title, metrics.title] == ["覆盖矩阵", "指标与图例"]
    positions, course_codes, _, levels = matrix_cells(ws)
    comp = result.by_competency
    for area in comp["area_code"].unique():
        assert levels[area] == 0
    for task in comp["task_code"].unique():
        assert levels[task] == 1
    assert all(levels[code] == 2 for code in comp["code"])
    assert len(positions) == len(comp) + comp["area_code"].nunique() + comp["task_code"].nunique()
    # each area row comes before its tasks, each task before its competencies
    for _, row in comp.iterrows():
        assert positions[row["area_code"]] < positions[row["task_code"]] < positions[row["code"]]
    semesters = result.courses.set_index("code")["semester"]
    keys = [(99 if pd.isna(semesters[c]) else int(semesters[c]), code_sort_key(c)) for c in course_codes]
    assert keys == sorted(keys)
    assert ws.freeze_panes == "G5"
    assert ws.auto_filter.ref.startswith("A4:")
    assert len(ws.conditional_formatting) >= 2
    rows = sheet_rows(ws)
    assert rows[HEADER_ROWS - 1][:FIXED_COLUMNS] == ("编码", "职业能力", "重要程度", "要求水平", "覆盖水平", "覆盖缺口")
    assert "●" in rows[1][0] and "掌握" in rows[1][0]  # the legend
    gap_names = {"uncovered": "未覆盖", "below_required": "低于要求", "redundant": "重复", "ok": "—"}
    for _, row in comp.iterrows():
        sheet_row = rows[positions[row["code"]] - 1]
        assert sheet_row[4] == row["level"] and sheet_row[3] == row["required_level"]
        assert sheet_row[5] == gap_names[row["gap"]]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"

    values: dict = {}
    for r in sheet_rows(metrics):
        if r and r[0]:
            values.setdefault(r[0], r[1])  # the metrics table comes before the legend
    assert values["职业能力数"] == result.metrics["competencies"]
    assert values["未覆盖"] == result.metrics["uncovered"]
    assert values["覆盖率"] == pytest.approx(result.metrics["coverage_ratio"])
    assert metrics["B5"].number_format == "0" and any(c.number_format == "0.0%" for c in metrics["B"])


def test_matrix_english_and_confirmed_only(seeded_engine):
    """English headers; confirmed-only counts accepted alignments only."""
    pid = program_id(seeded_engine)
    result = coverage.compute_coverage(seeded_engine, program_id=pid, confirmed_only=True)
    wb = workbook(export_matrix_xlsx(seeded_engine, actor=SYSTEM, program_id=pid, lang="en", marks="irm",
                                     confirmed_only=True).content)
    rows = sheet_rows(wb.worksheets[0])
    assert rows[HEADER_ROWS - 1][:2] == ("Code", "Competency") and "accepted alignments only" in rows[1][0]
    _, _, marks, _ = matrix_cells(wb.worksheets[0])
    assert len(marks) == int((result.matrix.to_numpy() > 0).sum())


def _reimported_matrix(source, target, code: str, scheme: str, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(source matrix without empty course columns, matrix of the programme our matrix importer builds from the export)."""
    want = coverage.compute_coverage(source, program_id=program_id(source, code)).matrix
    exported = export_matrix_xlsx(source, actor=SYSTEM, program_id=program_id(source, code), marks=scheme, lang=lang)
    result = import_file(target, actor=SYSTEM, data=exported.content, filename=exported.filename, program_code="RT",
                         marks=scheme)
    assert result.ok and result.kind == "matrix", result.errors
    got = coverage.compute_coverage(target, program_id=program_id(target, "RT")).matrix
    used = [c for c in want.columns if want[c].any()]  # a course without marks has no column to read back
    return want[used], got.reindex(index=want.index, columns=used).fillna(0).astype(int)


@pytest.mark.parametrize("scheme, lang", [("symbols", "zh"), ("irm", "en"), ("hml", "zh"), ("numeric", "en")])
def test_matrix_reads_back_through_our_matrix_importer(seeded_engine, engine, scheme, lang):
    """Importing the exported matrix into an empty programme rebuilds the same competency × course levels
    (the summary columns, outline rows and the metrics-and-legend sheet are recognised and skipped)."""
    want, got = _reimported_matrix(seeded_engine, engine, "MECH-ENG", scheme, lang)
    assert (got.to_numpy() == want.to_numpy()).all()


def test_chinese_matrix_reads_back_including_the_internship_course(seeded_engine, sqlite_engine):
    want, got = _reimported_matrix(seeded_engine, sqlite_engine, "460305", "symbols", "zh")
    assert (got.to_numpy() == want.to_numpy()).all()


def test_matrix_refuses_unknown_scheme(seeded_engine):
    with pytest.raises(ValidationFailed):
        export_matrix_xlsx(seeded_engine, actor=SYSTEM, program_id=program_id(seeded_engine), marks="stars")


def test_gap_report_rows_and_notes(seeded_engine):
    """One row per gap of the coverage gap table; the notes sheet defines every gap kind, in zh and en."""
    pid = program_id(seeded_engine)
    result = coverage.compute_coverage(seeded_engine, program_id=pid)
    for lang, sheets, first in (("zh", ["覆盖缺口", "说明"], "缺口类型"), ("en", ["Gaps", "Notes"], "Gap kind")):
        progress = []
        exported = export_gaps_xlsx(seeded_engine, actor=SYSTEM, program_id=pid, lang=lang,
                                    progress=lambda f, m, progress=progress: progress.append(f))
        assert exported.filename.startswith("460305-gaps-") and progress[-1] == 1.0
        wb = workbook(exported.content)
        no_formulas(wb)
        assert wb.sheetnames == sheets
        rows = sheet_rows(wb.worksheets[0])
        assert rows[2][0] == first
        body = [r for r in rows[3:] if any(v is not None for v in r)]
        assert len(body) == len(result.gaps)
        codes = [r[1] for r in body if r[1]]
        assert codes == [c for c in result.gaps["code"].tolist() if isinstance(c, str)]
        notes = sheet_rows(wb.worksheets[1])
        defined = [r[0] for r in notes[3:] if r[0]]
        assert len(defined) >= len(coverage.GAP_TABLE_KINDS) and all(r[1] for r in notes[3:] if r[0])
    filtered = export_gaps_xlsx(seeded_engine, actor=SYSTEM, program_id=pid, lang="en",
                                filters={"kinds": ["uncovered"]})
    rows = [r for r in sheet_rows(workbook(filtered.content).worksheets[0])[3:] if r[0]]
    assert rows and {r[0] for r in rows} == {"Uncovered"}
    assert len(rows) == result.metrics["uncovered"]
