"""Gap report (.xlsx): the coverage page's gap table, with the definitions on a notes sheet."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from services import coverage
from services.actor import Actor
from services.exports.common import (
    CJK_FONT,
    LATIN_FONT,
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    export_filename,
    new_workbook,
    require_export,
    t,
    write_cell,
)
from services.exports.matrix_xlsx import GAP_FILLS, gap_label, mode_text
from services.i18n import label

# (column of coverage.GAP_COLUMNS or a derived one, width)
COLUMNS = (
    ("kind", 14), ("code", 10), ("statement", 44), ("area", 24), ("task", 24), ("job_role", 18), ("comp_type", 8),
    ("importance", 8), ("required_level", 8), ("level", 8), ("hours", 8), ("course", 26), ("target_text", 30),
    ("course_codes", 22), ("semesters", 10),
)
NOTE_COLUMNS = ("level", "required_level", "importance", "hours", "course_codes", "counted")


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _cell_values(record: dict[str, Any], lang: str) -> list[Any]:
    def number(key: str) -> Any:
        value = record.get(key)
        return None if _blank(value) else (round(float(value), 2) if key == "hours" else int(value))

    area = " ".join(str(v) for v in (record.get("area_code"), record.get("area")) if not _blank(v) and v != "")
    course = " ".join(str(v) for v in (record.get("course_code"), record.get("course_name")) if not _blank(v))
    is_competency = not _blank(record.get("competency_id"))
    return [
        gap_label(record["kind"], lang), None if _blank(record.get("code")) else record["code"],
        None if _blank(record.get("statement")) else record["statement"], area or None,
        None if _blank(record.get("task")) else record["task"],
        None if _blank(record.get("job_role")) else (record["job_role"] or None),
        label("comp_type", None if _blank(record.get("comp_type")) else record["comp_type"], lang) or None,
        number("importance"), number("required_level"), number("level"),
        number("hours") if is_competency else None, course or None,
        None if _blank(record.get("target_text")) else record["target_text"],
        ", ".join(str(c) for c in record.get("course_codes") or ()) or None,
        ", ".join(str(s) for s in record.get("semesters") or ()) or None,
    ]


def gaps_workbook(result: coverage.CoverageResult, gaps: pd.DataFrame, *, lang: str = "zh",
                  progress: Progress | None = None) -> bytes:
    """The gap report of a computed coverage result and (possibly filtered) gap rows (pure)."""
    check_lang(lang)
    report = progress if isinstance(progress, ProgressReporter) else ProgressReporter(progress)
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, constant_memory=True)
    font = CJK_FONT if lang == "zh" else LATIN_FONT
    base = {"font_name": font, "font_size": 10, "valign": "top"}
    title = workbook.add_format({**base, "bold": True, "font_size": 14})
    note = workbook.add_format({**base, "italic": True, "font_color": "#404040"})
    head = workbook.add_format({**base, "bold": True, "text_wrap": True, "border": 1, "bg_color": "#D9E1F2",
                                "align": "center", "valign": "vcenter"})
    text = workbook.add_format({**base, "text_wrap": True, "border": 1})
    number = workbook.add_format({**base, "border": 1, "align": "center", "num_format": "0.##"})
    fills = {kind: workbook.add_format({"bg_color": color}) for kind, color in GAP_FILLS.items()}

    ws = workbook.add_worksheet(t("export.gaps.sheet", lang))
    for c, (_, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
    n = len(gaps)
    last_row = 2 + n
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(last_row, 2), len(COLUMNS) - 1)
    for kind, fill in fills.items():
        ws.conditional_format(3, 0, max(last_row, 3), 0, {"type": "cell", "criteria": "==",
                                                           "value": f'"{gap_label(kind, lang)}"', "format": fill})
    program = result.program
    write_cell(ws, 0, 0, t("export.gaps.title", lang, name=program["name"], code=program["code"],
                           date=datetime.now(UTC).date().isoformat()), title)
    write_cell(ws, 1, 0, t("export.gaps.count", lang, n=n) + "    " + mode_text(result, lang), note)
    ws.set_row(2, 30)
    for c, (key, _) in enumerate(COLUMNS):
        write_cell(ws, 2, c, t(f"export.gaps.col.{key}", lang), head)
    numeric = {"importance", "required_level", "level", "hours"}
    for i, record in enumerate(gaps.to_dict("records")):
        row = 3 + i
        for c, ((key, _), value) in enumerate(zip(COLUMNS, _cell_values(record, lang), strict=True)):
            write_cell(ws, row, c, value, number if key in numeric else text)
        if i % 500 == 0:
            report(0.1 + 0.8 * i / max(n, 1), "gaps")
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&C" + t("export.standard.page_footer", lang, page="&P", pages="&N"))

    notes = workbook.add_worksheet(t("export.gaps.notes_sheet", lang))
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 90)
    write_cell(notes, 0, 0, t("export.gaps.notes_title", lang), title)
    write_cell(notes, 2, 0, t("export.gaps.notes_term", lang), head)
    write_cell(notes, 2, 1, t("export.gaps.notes_definition", lang), head)
    row = 3
    for kind in coverage.GAP_TABLE_KINDS:
        write_cell(notes, row, 0, gap_label(kind, lang), fills.get(kind, text))
        write_cell(notes, row, 1, t(f"export.gap_definition.{kind}", lang, n=result.redundant_threshold), text)
        row += 1
    for key in NOTE_COLUMNS:
        write_cell(notes, row, 0, t(f"export.gaps.note_term.{key}", lang), text)
        write_cell(notes, row, 1, t(f"export.gaps.note.{key}", lang), text)
        row += 1
    notes.set_paper(9)
    notes.fit_to_pages(1, 0)
    report(0.95, "save")
    workbook.close()
    return buffer.getvalue()


def export_gaps_xlsx(
    engine: Engine, *, actor: Actor, program_id: int, lang: str = "zh", confirmed_only: bool = False,
    filters: dict[str, list[Any]] | None = None, progress: Progress | None = None,
    source_kind: str | None = None, level: str | None = None,
) -> ExportFile:
    """The gap report as .xlsx; ``filters`` are ``services.coverage.filter_gaps`` arguments (kinds, areas, …);
    ``source_kind`` / ``level`` restrict it to those requirements (``services.coverage.compute_coverage``)."""
    require_export(actor)
    check_lang(lang)
    report = ProgressReporter(progress)
    report(0.0, "coverage")
    result = coverage.compute_coverage(engine, program_id=program_id, confirmed_only=confirmed_only,
                                       source_kind=source_kind, level=level)
    gaps = coverage.filter_gaps(result.gaps, **(filters or {})) if filters else result.gaps
    content = gaps_workbook(result, gaps, lang=lang, progress=report)
    report(1.0, "done")
    return ExportFile(content, export_filename(program_code=result.program["code"], kind="gaps", ext="xlsx"),
                      MEDIA_TYPES["xlsx"])
