"""A blank verification-survey workbook for a job role, to rate offline and bring back with the ``ratings`` import.

One sheet with a row per competency (rater column empty: one copy per rater, or every rater's
rows in one long sheet), headers the ``ratings`` import recognises, and an instructions sheet with
the scales (importance 1–5, O*NET frequency 1–7, difficulty 1–5; blank scales = not relevant).
"""

from __future__ import annotations

import io

from sqlalchemy.engine import Engine

from services.actor import Actor
from services.exports.common import (
    CJK_FONT,
    MEDIA_TYPES,
    ExportFile,
    check_lang,
    export_filename,
    new_workbook,
    require_export,
    t,
    write_cell,
)
from services.programs import get_program
from services.surveys import FREQUENCY_LEVELS, job_role, role_competencies

COLUMNS = (("rater", 14), ("code", 10), ("statement", 60), ("importance", 12), ("frequency", 12),
           ("difficulty", 12), ("comment", 30))


def blank_survey_workbook(engine: Engine, *, actor: Actor, job_role_id: int, lang: str) -> ExportFile:
    """The blank survey of a job role's competencies as an .xlsx (any signed-in role may export)."""
    require_export(actor)
    lang = check_lang(lang)
    items = role_competencies(engine, job_role_id=job_role_id)
    role = job_role(engine, job_role_id=job_role_id)
    program = get_program(engine, program_id=role["program_id"])
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    head = wb.add_format({"font_name": CJK_FONT, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    cell = wb.add_format({"font_name": CJK_FONT, "border": 1, "text_wrap": True, "valign": "top"})
    ws = wb.add_worksheet(t("survey.workbook.sheet", lang)[:31])
    for col, (name, width) in enumerate(COLUMNS):
        write_cell(ws, 0, col, t(f"survey.workbook.col.{name}", lang), head)
        ws.set_column(col, col, width)
    for row, item in enumerate(items, start=1):
        for col, value in enumerate(("", item["code"], item["statement"], None, None, None, "")):
            write_cell(ws, row, col, value, cell)
    ws.freeze_panes(1, 3)
    ws.data_validation(1, 3, max(len(items), 1), 3, {"validate": "integer", "criteria": "between", "minimum": 1,
                                                     "maximum": 5})
    ws.data_validation(1, 4, max(len(items), 1), 4, {"validate": "integer", "criteria": "between", "minimum": 1,
                                                     "maximum": 7})
    ws.data_validation(1, 5, max(len(items), 1), 5, {"validate": "integer", "criteria": "between", "minimum": 1,
                                                     "maximum": 5})
    notes = wb.add_worksheet(t("survey.workbook.help_sheet", lang)[:31])
    notes.set_column(0, 0, 90)
    lines = [t("survey.workbook.title", lang, role=role["name"], program=program["name"]),
             t("survey.workbook.how", lang), "", t("rate.importance", lang),
             *(t(f"survey.importance.{v}", lang) for v in range(1, 6)), "", t("rate.frequency", lang),
             *(t(f"survey.frequency.{v}", lang) for v in FREQUENCY_LEVELS), "", t("rate.difficulty", lang),
             *(t(f"survey.difficulty.{v}", lang) for v in range(1, 6))]
    for row, line in enumerate(lines):
        write_cell(notes, row, 0, line)
    wb.close()
    return ExportFile(buffer.getvalue(), export_filename(program_code=program["code"], kind=f"survey-{job_role_id}",
                                                         ext="xlsx"), MEDIA_TYPES["xlsx"])
