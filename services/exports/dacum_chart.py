"""DACUM research chart of a job role as a landscape Excel sheet and a landscape Word page.

Laid out as DACUM charts are: a title band, then one row per duty — the duty in a shaded box on
the left, its tasks as boxed cards to the right, wrapping onto a continuation row after
``CARDS_PER_ROW`` — and under the chart the four side panels side by side.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt
from sqlalchemy.engine import Engine

from models import Program
from models.enums import DACUM_PANELS
from services.actor import Actor
from services.dacum import dacum_chart
from services.db import session_scope
from services.exports.common import (
    CJK_FONT,
    CJK_HEADING_FONT,
    LATIN_FONT,
    MEDIA_TYPES,
    ExportFile,
    check_lang,
    export_filename,
    new_workbook,
    require_export,
    t,
    write_cell,
)

CARDS_PER_ROW = 6


def _rows(tasks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """A duty's tasks cut into rows of ``CARDS_PER_ROW`` cards (one empty row for a duty without tasks)."""
    return [tasks[i:i + CARDS_PER_ROW] for i in range(0, len(tasks), CARDS_PER_ROW)] or [[]]


def _card(task: dict[str, Any]) -> str:
    return f"{task['code']}\n{task['statement']}"


def chart_xlsx(chart: dict[str, Any], *, program: dict[str, Any], lang: str) -> bytes:
    """The chart as one landscape sheet (A4, fitted to one page wide) — bytes of an .xlsx."""
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    ws = wb.add_worksheet(t("dacum.export.sheet", lang)[:31])
    base = {"font_name": CJK_FONT, "font_size": 10, "text_wrap": True, "valign": "top", "border": 1}
    title = wb.add_format({"font_name": CJK_HEADING_FONT, "font_size": 16, "bold": True, "align": "center"})
    sub = wb.add_format({"font_name": CJK_FONT, "font_size": 10, "align": "center"})
    duty = wb.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "valign": "vcenter"})
    card = wb.add_format(base)
    head = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
    role = chart["role"]
    last = CARDS_PER_ROW
    ws.merge_range(0, 0, 0, last, t("dacum.export.title", lang, role=role["name"]), title)
    ws.merge_range(1, 0, 1, last, t("dacum.export.subtitle", lang, program=program["name"], code=program["code"],
                                   date=datetime.now(UTC).date().isoformat()), sub)
    ws.set_column(0, 0, 24)
    ws.set_column(1, last, 22)
    row = 3
    for d in chart["duties"]:
        rows = _rows(d["tasks"])
        if len(rows) > 1:
            ws.merge_range(row, 0, row + len(rows) - 1, 0, f"{d['code']}\n{d['statement']}", duty)
        else:
            write_cell(ws, row, 0, f"{d['code']}\n{d['statement']}", duty)
        for line in rows:
            for col, task in enumerate(line, start=1):
                write_cell(ws, row, col, _card(task), card)
            ws.set_row(row, 54)
            row += 1
    row += 1
    columns = [(1, 1), (2, 3), (4, 4), (5, 6)]  # four panels across the sheet's columns
    first_panel_row = row
    for (start, end), name in zip(columns, DACUM_PANELS, strict=True):
        r = first_panel_row
        label = t(f"dacum.panel.{name}", lang)
        if start == end:
            write_cell(ws, r, start, label, head)
        else:
            ws.merge_range(r, start, r, end, label, head)
        for entry in role["dacum_panels"].get(name, []):
            r += 1
            if start == end:
                write_cell(ws, r, start, entry, card)
            else:
                ws.merge_range(r, start, r, end, entry, card)
    write_cell(ws, first_panel_row, 0, t("dacum.export.panels", lang), head)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 1)
    wb.close()
    return buffer.getvalue()


def _run_fonts(run, *, heading: bool = False, size: float = 10, bold: bool = False) -> None:
    run.font.name, run.font.size, run.font.bold = LATIN_FONT, Pt(size), bold
    rpr = run.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), CJK_HEADING_FONT if heading else CJK_FONT)


def _cell(cell, text: str, *, bold: bool = False, shade: str | None = None) -> None:
    cell.text = ""
    lines = text.split("\n")
    paragraph = cell.paragraphs[0]
    for n, line in enumerate(lines):
        _run_fonts(paragraph.add_run(line), bold=bold or (n == 0 and len(lines) > 1), size=9)
        if n < len(lines) - 1:
            paragraph.add_run().add_break()
    if shade:
        props = cell._tc.get_or_add_tcPr()
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:fill"), shade)
        props.append(fill)


def chart_docx(chart: dict[str, Any], *, program: dict[str, Any], lang: str) -> bytes:
    """The chart as a landscape A4 Word page: title, the duty × task table, the four panels."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(1.5)
    role = chart["role"]
    _run_fonts(document.add_paragraph().add_run(t("dacum.export.title", lang, role=role["name"])), heading=True,
               size=16, bold=True)
    _run_fonts(document.add_paragraph().add_run(t("dacum.export.subtitle", lang, program=program["name"],
                                                  code=program["code"], date=datetime.now(UTC).date().isoformat())))
    table = document.add_table(rows=0, cols=CARDS_PER_ROW + 1)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for d in chart["duties"]:
        rows = _rows(d["tasks"])
        cells = [table.add_row().cells for _ in rows]
        _cell(cells[0][0], f"{d['code']}\n{d['statement']}", bold=True, shade="D9E1F2")
        if len(cells) > 1:
            cells[0][0].merge(cells[-1][0])
        for line, row_cells in zip(rows, cells, strict=True):
            for col, task in enumerate(line, start=1):
                _cell(row_cells[col], _card(task))
    for row in table.rows:
        row.cells[0].width = Cm(4.2)
        for c in row.cells[1:]:
            c.width = Cm(3.8)
    document.add_paragraph()
    panels = document.add_table(rows=1, cols=len(DACUM_PANELS))
    panels.style = "Table Grid"
    for n, name in enumerate(DACUM_PANELS):
        _cell(panels.rows[0].cells[n], t(f"dacum.panel.{name}", lang), bold=True, shade="F2F2F2")
    body = panels.add_row().cells
    for n, name in enumerate(DACUM_PANELS):
        _cell(body[n], "\n".join(f"• {e}" for e in role["dacum_panels"].get(name, [])) or "—")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export_dacum(engine: Engine, *, actor: Actor, job_role_id: int, fmt: str, lang: str) -> ExportFile:
    """The DACUM chart of a job role as ``xlsx`` or ``docx`` (any signed-in role may export)."""
    require_export(actor)
    lang = check_lang(lang)
    chart = dacum_chart(engine, job_role_id=job_role_id)
    with session_scope(engine) as session:
        row = session.get(Program, chart["role"]["program_id"])
        program = {"code": row.code, "name": row.name}
    build = {"xlsx": chart_xlsx, "docx": chart_docx}[fmt]
    return ExportFile(build(chart, program=program, lang=lang),
                      export_filename(program_code=program["code"], kind=f"dacum-{job_role_id}", ext=fmt),
                      MEDIA_TYPES[fmt])
