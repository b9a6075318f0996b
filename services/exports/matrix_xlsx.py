"""Programme coverage matrix (.xlsx): competencies × courses, streamed in constant memory.

Rows are the framework in order, grouped with Excel outline levels (work area 0, task 1,
competency 2; the summary row above its details); columns are the courses by semester then
code (as ``services.coverage`` orders them). Each cell shows the competency's level in the
course (max over the course, its units and objectives) in the chosen mark scheme, with a
conditional fill by level. Summary columns, legend, frozen panes and an autofilter on the
first sheet; the headline metrics and the cumulative coverage per semester on the second.

The workbook is written row by row with xlsxwriter's ``constant_memory`` mode, and only the
non-empty cells of the matrix are written, so 5,000 × 300 stays fast and small in memory.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from models.enums import LEVEL_ORDER
from services import coverage
from services.actor import Actor
from services.errors import ValidationFailed, field_error
from services.exports.common import (
    CJK_FONT,
    LATIN_FONT,
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    display_width,
    export_filename,
    fitted_width,
    new_workbook,
    require_export,
    t,
    write_cell,
)
from services.i18n import label

MARK_SCHEMES: dict[str, dict[int, str | int]] = {
    "symbols": {3: "●", 2: "◐", 1: "○"},
    "irm": {1: "I", 2: "R", 3: "M"},
    "hml": {1: "L", 2: "M", 3: "H"},
    "numeric": {3: 3, 2: 2, 1: 1},
}
LEVEL_FILLS = {3: "#2E7D32", 2: "#81C784", 1: "#DCEDC8"}
LEVEL_FONTS = {3: "#FFFFFF", 2: "#000000", 1: "#000000"}
GAP_FILLS = {"uncovered": "#F8CBAD", "below_required": "#FFE699", "redundant": "#BDD7EE"}
SUMMARY_KEYS = ("importance", "required_level", "level", "gap")
FIXED_COLUMNS = 2 + len(SUMMARY_KEYS)  # code, statement, then the summary columns
HEADER_ROWS = 4  # title, legend, semester, column headers


def mark_of(level: int, scheme: str) -> str | int:
    """The mark of level 1–3 in ``scheme`` (``symbols``, ``irm``, ``hml`` or ``numeric``)."""
    return MARK_SCHEMES[scheme][level]


def check_scheme(marks: str) -> str:
    if marks not in MARK_SCHEMES:
        raise ValidationFailed([field_error("marks", "error.field.marks",
                                        message=f"marks: one of {', '.join(MARK_SCHEMES)}, not {marks!r}")])
    return marks


def legend_text(scheme: str, lang: str) -> str:
    """``● 3 掌握 · ◐ 2 强化 · ○ 1 初步`` in the scheme's order (strongest first)."""
    parts = [t("export.matrix.legend_item", lang, mark=mark_of(level, scheme), level=level,
               name=t(f"export.level.{level}", lang)) for level in (3, 2, 1)]
    return t("export.matrix.legend", lang, items="  ·  ".join(parts))


def _runs(values: list) -> list[tuple[Any, int]]:
    """Consecutive equal values as (value, count) pairs."""
    runs: list[tuple[Any, int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return runs


def _course_header(code: str, name: str, lang: str) -> str:
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


class _Formats:
    def __init__(self, workbook, lang: str) -> None:
        font = CJK_FONT if lang == "zh" else LATIN_FONT
        base = {"font_name": font, "font_size": 10, "valign": "vcenter"}

        def fmt(**extra):
            return workbook.add_format({**base, **extra})

        self.title = fmt(bold=True, font_size=14)
        self.legend = fmt(italic=True, font_color="#404040")
        self.semester = fmt(bold=True, align="center", border=1, bg_color="#D9E1F2")
        self.head = fmt(bold=True, align="center", text_wrap=True, border=1, bg_color="#D9E1F2")
        self.course_head = fmt(bold=True, align="center", valign="bottom", rotation=90, border=1, bg_color="#D9E1F2")
        self.area = fmt(bold=True, bg_color="#E7E6E6", border=1)
        self.area_text = fmt(bold=True, bg_color="#E7E6E6", border=1)
        self.task = fmt(bold=True, bg_color="#F2F2F2", border=1)
        self.code = fmt(border=1)
        self.text = fmt(border=1)
        self.number = fmt(align="center", border=1)
        self.mark = fmt(align="center")
        self.level_fills = {level: workbook.add_format({"bg_color": color, "font_color": LEVEL_FONTS[level]})
                            for level, color in LEVEL_FILLS.items()}
        self.gap_fills = {kind: workbook.add_format({"bg_color": color}) for kind, color in GAP_FILLS.items()}
        self.percent = fmt(num_format="0.0%", border=1)
        self.int = fmt(num_format="0", border=1)
        self.decimal = fmt(num_format="0.0", border=1)


def _write_matrix_sheet(workbook, result: coverage.CoverageResult, *, scheme: str, lang: str, f: _Formats,
                        report: ProgressReporter) -> None:
    ws = workbook.add_worksheet(t("export.matrix.sheet", lang))
    comp = result.by_competency
    courses = result.courses
    n_courses = len(courses)
    first_course = FIXED_COLUMNS
    last_col = max(first_course + n_courses - 1, FIXED_COLUMNS - 1)
    marks = MARK_SCHEMES[scheme]
    numeric = scheme == "numeric"
    program = result.program

    # column widths and sheet-level settings (allowed before any row in constant-memory mode)
    ws.set_column(0, 0, fitted_width([*comp["code"].tolist(), t("export.matrix.col.code", lang)], minimum=8, maximum=14))
    ws.set_column(1, 1, 46)
    ws.set_column(2, 4, 7)
    ws.set_column(5, 5, 11)
    if n_courses:
        ws.set_column(first_course, last_col, 4.2)
    ws.outline_settings(True, False, True, False)  # summary rows above their details
    ws.freeze_panes(HEADER_ROWS, FIXED_COLUMNS)
    last_row = HEADER_ROWS - 1 + len(comp) + comp["area_code"].nunique() + comp[["area_code", "task_code"]].drop_duplicates().shape[0]
    ws.autofilter(HEADER_ROWS - 1, 0, max(last_row, HEADER_ROWS - 1), last_col)
    if n_courses and len(comp):
        block = (HEADER_ROWS, first_course, last_row, last_col)
        for level, fill in f.level_fills.items():
            value = marks[level] if numeric else f'"{marks[level]}"'
            ws.conditional_format(*block, {"type": "cell", "criteria": "==", "value": value, "format": fill})
    if len(comp):
        for kind, fill in f.gap_fills.items():
            ws.conditional_format(HEADER_ROWS, 5, last_row, 5, {
                "type": "cell", "criteria": "==", "value": f'"{t(f"export.gap.{kind}", lang)}"', "format": fill})

    # header rows
    today = datetime.now(UTC).date().isoformat()
    ws.set_row(0, 24)
    write_cell(ws, 0, 0, t("export.matrix.title", lang, name=program["name"], code=program["code"], date=today), f.title)
    write_cell(ws, 1, 0, legend_text(scheme, lang) + "    " + mode_text(result, lang), f.legend)
    semesters = [None if pd.isna(s) else int(s) for s in courses["semester"].tolist()]
    col = first_course
    for semester, count in _runs(semesters):
        text = t("export.matrix.unscheduled", lang) if semester is None else \
            t("export.standard.semester_value", lang, n=semester)
        if count > 1:
            ws.merge_range(2, col, 2, col + count - 1, None, f.semester)
        write_cell(ws, 2, col, text, f.semester)
        col += count
    heads = [t("export.matrix.col.code", lang), t("export.matrix.col.statement", lang),
             *(t(f"export.matrix.col.{k}", lang) for k in SUMMARY_KEYS)]
    names = [_course_header(c, n, lang) for c, n in zip(courses["code"], courses["name"], strict=True)]
    ws.set_row(3, min(220.0, max([60.0] + [display_width(n) * 5.6 + 12 for n in names])))
    for c, head in enumerate(heads):
        write_cell(ws, 3, c, head, f.head)
    for c, name in enumerate(names):
        write_cell(ws, 3, first_course + c, name, f.course_head)

    # body: area row, task row, competency rows, in framework order
    matrix = result.matrix.to_numpy()
    codes = comp["code"].tolist()
    statements = comp["statement"].tolist()
    area_codes, areas = comp["area_code"].tolist(), comp["area"].tolist()
    task_codes, tasks = comp["task_code"].tolist(), comp["task"].tolist()
    importance = comp["importance"].tolist()
    required = comp["required_level"].tolist()
    level = comp["level"].tolist()
    gap_labels = {kind: t(f"export.gap.{kind}", lang) for kind in (*coverage.GAP_KINDS, "ok")}
    gaps = [gap_labels.get(g, g) for g in comp["gap"].tolist()]
    row = HEADER_ROWS
    current_area = current_task = None
    total = max(len(comp), 1)
    for i in range(len(comp)):
        if area_codes[i] != current_area:
            current_area, current_task = area_codes[i], None
            ws.set_row(row, None, None, {"level": 0})
            write_cell(ws, row, 0, area_codes[i], f.area)
            write_cell(ws, row, 1, areas[i], f.area_text)
            row += 1
        if task_codes[i] != current_task:
            current_task = task_codes[i]
            ws.set_row(row, None, None, {"level": 1})
            write_cell(ws, row, 0, task_codes[i], f.task)
            write_cell(ws, row, 1, tasks[i], f.task)
            row += 1
        ws.set_row(row, None, None, {"level": 2})
        write_cell(ws, row, 0, codes[i], f.code)
        write_cell(ws, row, 1, statements[i], f.text)
        value = importance[i]
        write_cell(ws, row, 2, None if value is pd.NA or pd.isna(value) else int(value), f.number)
        write_cell(ws, row, 3, int(required[i]), f.number)
        write_cell(ws, row, 4, int(level[i]), f.number)
        write_cell(ws, row, 5, gaps[i], f.number)
        cells = matrix[i]
        for j in np.flatnonzero(cells).tolist():
            mark = marks[int(cells[j])]
            if numeric:
                ws.write_number(row, first_course + j, mark, f.mark)
            else:
                ws.write_string(row, first_course + j, mark, f.mark)
        row += 1
        if i % 200 == 0:
            report(0.2 + 0.75 * i / total, "matrix")

    # print set-up
    ws.set_paper(9)
    ws.set_landscape()
    ws.hide_gridlines(0)  # show and print the grid: empty matrix cells have no border of their own
    ws.repeat_rows(2, 3)
    ws.repeat_columns(0, 1)
    if n_courses <= 25:
        ws.fit_to_pages(1, 0)
    ws.set_footer("&C" + t("export.standard.page_footer", lang, page="&P", pages="&N"))


def _metrics_rows(result: coverage.CoverageResult, lang: str) -> list[tuple[str, Any, str]]:
    m = result.metrics
    rows = [(t(f"export.metric.{key}", lang), m.get(key), "percent" if key in ("coverage_ratio", "weighted_coverage")
             else "int") for key in ("competencies", "courses", "alignments", "covered", "coverage_ratio",
                                    "weighted_coverage", "uncovered", "below_required", "redundant",
                                    "orphan_courses", "orphan_units", "orphan_objectives", "under_invested",
                                    "over_invested")]
    rows.append((t("export.metric.median_hours", lang), m.get("median_hours"), "decimal"))
    return rows


def _write_metrics_sheet(workbook, result: coverage.CoverageResult, *, scheme: str, lang: str, f: _Formats) -> None:
    ws = workbook.add_worksheet(t("export.matrix.metrics_sheet", lang))
    ws.set_column(0, 0, 34)
    ws.set_column(1, 6, 14)
    program = result.program
    write_cell(ws, 0, 0, t("export.matrix.metrics_title", lang, name=program["name"], code=program["code"]), f.title)
    write_cell(ws, 1, 0, mode_text(result, lang), f.legend)
    write_cell(ws, 3, 0, t("export.matrix.metric", lang), f.head)
    write_cell(ws, 3, 1, t("export.matrix.value", lang), f.head)
    row = 4
    for name, value, kind in _metrics_rows(result, lang):
        write_cell(ws, row, 0, name, f.text)
        write_cell(ws, row, 1, None if value is None else float(value) if kind != "int" else int(value),
                   {"percent": f.percent, "int": f.int, "decimal": f.decimal}[kind])
        row += 1
    row += 1
    write_cell(ws, row, 0, t("export.matrix.by_semester", lang), f.title)
    row += 1
    heads = ("semester", "courses", "covered", "coverage_ratio", "meets_required_ratio", "weighted_coverage")
    for c, key in enumerate(heads):
        write_cell(ws, row, c, t(f"export.matrix.sem.{key}", lang), f.head)
    row += 1
    for record in result.by_semester.to_dict("records"):
        semester = record["semester"]
        write_cell(ws, row, 0, t("export.matrix.unscheduled", lang) if semester is None or pd.isna(semester)
                   else t("export.standard.semester_value", lang, n=int(semester)), f.text)
        write_cell(ws, row, 1, int(record["courses"]), f.int)
        write_cell(ws, row, 2, int(record["covered"]), f.int)
        for c, key in ((3, "coverage_ratio"), (4, "meets_required_ratio"), (5, "weighted_coverage")):
            write_cell(ws, row, c, float(record[key]), f.percent)
        row += 1
    row += 1
    write_cell(ws, row, 0, t("export.matrix.legend_title", lang), f.title)
    row += 1
    for level in (3, 2, 1):
        write_cell(ws, row, 0, t(f"export.level.{level}", lang), f.text)
        write_cell(ws, row, 1, mark_of(level, scheme), f.level_fills[level])
        row += 1
    for kind in coverage.GAP_KINDS:
        write_cell(ws, row, 0, t(f"export.gap.{kind}", lang), f.gap_fills[kind])
        write_cell(ws, row, 1, t(f"export.gap_definition.{kind}", lang, n=result.redundant_threshold), f.legend)
        row += 1
    ws.set_paper(9)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)


def matrix_workbook(result: coverage.CoverageResult, *, marks: str = "symbols", lang: str = "zh",
                    progress: Progress | None = None) -> bytes:
    """The matrix workbook of an already computed coverage result (pure; used by the benchmark too)."""
    check_scheme(marks)
    check_lang(lang)
    report = progress if isinstance(progress, ProgressReporter) else ProgressReporter(progress)
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, constant_memory=True)
    f = _Formats(workbook, lang)
    _write_matrix_sheet(workbook, result, scheme=marks, lang=lang, f=f, report=report)
    _write_metrics_sheet(workbook, result, scheme=marks, lang=lang, f=f)
    report(0.97, "save")
    workbook.close()
    return buffer.getvalue()


def export_matrix_xlsx(
    engine: Engine, *, actor: Actor, program_id: int, marks: str = "symbols", lang: str = "zh",
    confirmed_only: bool = False, progress: Progress | None = None,
    source_kind: str | None = None, level: str | None = None,
) -> ExportFile:
    """The programme's competency × course coverage matrix as .xlsx (marks: symbols, irm, hml, numeric);
    ``source_kind`` / ``level`` restrict it to those requirements (``services.coverage.compute_coverage``)."""
    require_export(actor)
    check_scheme(marks)
    check_lang(lang)
    report = ProgressReporter(progress)
    report(0.0, "coverage")
    result = coverage.compute_coverage(engine, program_id=program_id, confirmed_only=confirmed_only,
                                       source_kind=source_kind, level=level)
    report(0.2, "matrix")
    content = matrix_workbook(result, marks=marks, lang=lang, progress=report)
    report(1.0, "done")
    return ExportFile(content, export_filename(program_code=result.program["code"], kind="matrix", ext="xlsx"),
                      MEDIA_TYPES["xlsx"])


def mode_text(result: coverage.CoverageResult, lang: str) -> str:
    """What was counted: the alignment mode and, when set, the source filter (also used by the gap report)."""
    text = t("export.matrix.mode_confirmed" if result.confirmed_only else "export.matrix.mode_all", lang)
    if not (result.source_kind or result.level):
        return text
    source = label("source_kind", result.source_kind, lang) if result.source_kind else t("export.matrix.source_all", lang)
    level = t("export.matrix.level_up_to", lang, level=t(f"sources.level_name.{LEVEL_ORDER.index(result.level)}",
                                                         lang)) if result.level else ""
    return text + "    " + t("export.matrix.source_filter", lang, source=source, level=level)


def gap_label(kind: str, lang: str) -> str:
    """Translated name of a gap kind (also used by the gap report)."""
    return t(f"export.gap.{kind}", lang)

