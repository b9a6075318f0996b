"""Course standard (课程标准) as a printable .xlsx in the school template of BRIEF §3.

One A4 sheet on a seven-column grid: title, draft banner, header block, the eight numbered
sections (the analysis table with merged 工作领域 / 工作任务 cells, objectives by dimension,
units with a total row, assessment with a total row) and the sign-off block. Row heights are
computed from the text because Excel does not size merged wrapped cells itself.
"""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy.engine import Engine

from services.actor import Actor
from services.exports.common import (
    CJK_FONT,
    LATIN_FONT,
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    new_workbook,
    require_export,
    standard_filename,
    t,
    text_lines,
    write_cell,
)
from services.exports.standard_data import DIMENSIONS, standard_data

# column widths (Excel character units) of the grid A..G
WIDTHS = (6, 18, 26, 30, 8, 8, 9)
LINE_HEIGHT = 15.0  # points per wrapped line at 10.5 pt
MAX_ROW_HEIGHT = 409.0


def _span(first: int, last: int) -> float:
    return float(sum(WIDTHS[first:last + 1]))


class _Sheet:
    """Row cursor with the formats of the template."""

    def __init__(self, workbook, ws, lang: str) -> None:
        self.ws, self.row, self.lang = ws, 0, lang
        font = CJK_FONT if lang == "zh" else LATIN_FONT
        base = {"font_name": font, "font_size": 10.5, "valign": "vcenter", "text_wrap": True}
        cell = {**base, "border": 1}

        def fmt(**extra):
            return workbook.add_format({**base, **extra})

        self.title = fmt(bold=True, font_size=16, align="center")
        self.banner = fmt(bold=True, font_size=12, align="center", font_color="#C00000", border=2,
                          border_color="#C00000")
        self.approved = fmt(bold=True, font_size=11, align="center", border=1)
        self.heading = fmt(bold=True, font_size=12)
        self.subheading = fmt(bold=True)
        self.text = fmt(valign="top")
        self.label = workbook.add_format({**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.value = workbook.add_format({**cell})
        self.value_center = workbook.add_format({**cell, "align": "center"})
        self.number = workbook.add_format({**cell, "align": "center", "num_format": "0"})
        self.weight = workbook.add_format({**cell, "align": "center", "num_format": "0.##"})
        self.total_label = workbook.add_format({**cell, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.total_number = workbook.add_format({**cell, "bold": True, "align": "center", "num_format": "0.##",
                                                 "bg_color": "#F2F2F2"})

    def height(self, lines: int) -> float:
        return min(MAX_ROW_HEIGHT, max(1, lines) * LINE_HEIGHT + 5)

    def put(self, first: int, last: int, value: Any, fmt, *, row: int | None = None, last_row: int | None = None) -> None:
        """Write ``value`` into columns first..last of the row (merged when wider than one cell)."""
        row = self.row if row is None else row
        last_row = row if last_row is None else last_row
        if first == last and row == last_row:
            write_cell(self.ws, row, first, value, fmt)
        else:
            self.ws.merge_range(row, first, last_row, last, None, fmt)
            write_cell(self.ws, row, first, value, fmt)

    def paragraph(self, text: str, fmt=None) -> None:
        for part in [p for p in str(text).split("\n") if p.strip()] or [""]:
            self.put(0, 6, part, fmt or self.text)
            self.ws.set_row(self.row, self.height(text_lines(part, _span(0, 6))))
            self.row += 1

    def row_height(self, cells: list[tuple[str, int, int]]) -> None:
        """Height of the current row from its (text, first col, last col) cells."""
        lines = max((text_lines(text, _span(a, b)) for text, a, b in cells), default=1)
        self.ws.set_row(self.row, self.height(lines))


def _header_block(s: _Sheet, data: dict[str, Any]) -> None:
    pairs = data["header"]
    for i in range(0, len(pairs), 2):
        (l1, v1), (l2, v2) = pairs[i], pairs[i + 1]
        s.put(0, 1, l1, s.label)
        s.put(2, 2, v1, s.value)
        s.put(3, 3, l2, s.label)
        s.put(4, 6, v2, s.value)
        s.row_height([(v1, 2, 2), (v2, 4, 6), (l1, 0, 1)])
        s.row += 1


def _analysis_table(s: _Sheet, data: dict[str, Any]) -> None:
    lang = s.lang
    s.put(0, 1, t("export.standard.analysis.area", lang), s.label)
    s.put(2, 2, t("export.standard.analysis.task", lang), s.label)
    s.put(3, 6, t("export.standard.analysis.competency", lang), s.label)
    s.row += 1
    rows = data["analysis"]
    if not rows:
        s.put(0, 6, t("export.standard.analysis.empty", lang), s.value)
        s.row += 1
        return
    heights = [LINE_HEIGHT + 5.0] * len(rows)
    for i, r in enumerate(rows):
        heights[i] = s.height(text_lines(f"{r['code']} {r['statement']}", _span(3, 6)))
    # a merged area / task cell must be tall enough over the rows it spans
    for key, span_key, first, last in (("area", "area_span", 0, 1), ("task", "task_span", 2, 2)):
        for i, r in enumerate(rows):
            span = r[span_key]
            if span:
                needed = s.height(text_lines(f"{r[key + '_code']} {r[key]}", _span(first, last)))
                have = sum(heights[i:i + span])
                if needed > have:
                    heights[i + span - 1] += needed - have
    start = s.row
    for i, r in enumerate(rows):
        row = start + i
        if r["area_span"]:
            s.put(0, 1, f"{r['area_code']} {r['area']}".strip(), s.value_center, row=row, last_row=row + r["area_span"] - 1)
        if r["task_span"]:
            s.put(2, 2, f"{r['task_code']} {r['task']}".strip(), s.value_center, row=row, last_row=row + r["task_span"] - 1)
        s.put(3, 6, f"{r['code']} {r['statement']}", s.value, row=row)
        s.ws.set_row(row, min(MAX_ROW_HEIGHT, heights[i]))
    s.row = start + len(rows)


def _objectives(s: _Sheet, data: dict[str, Any]) -> None:
    lang = s.lang
    for n, dimension in enumerate(DIMENSIONS):
        s.put(0, 6, t(f"export.standard.objectives.{dimension}", lang, n=t(f"export.standard.sub.{n + 1}", lang)),
              s.subheading)
        s.row += 1
        items = data["objectives"][dimension]
        if not items:
            s.put(0, 6, t("export.standard.none", lang), s.value)
            s.row += 1
        for o in items:
            s.put(0, 0, o["code"], s.value_center)
            s.put(1, 6, o["text"], s.value)
            s.row_height([(o["text"], 1, 6)])
            s.row += 1


def _units(s: _Sheet, data: dict[str, Any]) -> None:
    lang = s.lang
    heads = ("no", "unit", "content", "tasks", "theory", "practice", "total")
    for col, key in enumerate(heads):
        s.put(col, col, t(f"export.standard.units.{key}", lang), s.label)
    s.row_height([(t(f"export.standard.units.{k}", lang), c, c) for c, k in enumerate(heads)])
    s.row += 1
    for u in data["units"]:
        s.put(0, 0, u["no"], s.number)
        s.put(1, 1, u["title"], s.value)
        s.put(2, 2, u["content"], s.value)
        s.put(3, 3, u["learning_tasks"], s.value)
        s.put(4, 4, u["hours_theory"], s.number)
        s.put(5, 5, u["hours_practice"], s.number)
        s.put(6, 6, u["hours"], s.number)
        s.row_height([(u["title"], 1, 1), (u["content"], 2, 2), (u["learning_tasks"], 3, 3)])
        s.row += 1
    totals = data["unit_totals"]
    s.put(0, 3, t("export.standard.total", lang), s.total_label)
    s.put(4, 4, totals["theory"], s.total_number)
    s.put(5, 5, totals["practice"], s.total_number)
    s.put(6, 6, totals["total"], s.total_number)
    s.row += 1


def _assessment(s: _Sheet, data: dict[str, Any]) -> None:
    lang = s.lang
    s.put(0, 0, t("export.standard.units.no", lang), s.label)
    s.put(1, 1, t("export.standard.assessment.category", lang), s.label)
    s.put(2, 2, t("export.standard.assessment.item", lang), s.label)
    s.put(3, 5, t("export.standard.assessment.method", lang), s.label)
    s.put(6, 6, t("export.standard.assessment.weight", lang), s.label)
    s.row += 1
    for a in data["assessment"]:
        s.put(0, 0, a["no"], s.number)
        s.put(1, 1, a["category"], s.value_center)
        s.put(2, 2, a["name"], s.value)
        s.put(3, 5, a["method"], s.value)
        s.put(6, 6, a["weight"], s.weight)
        s.row_height([(a["name"], 2, 2), (a["method"], 3, 5)])
        s.row += 1
    s.put(0, 5, t("export.standard.total", lang), s.total_label)
    s.put(6, 6, data["weight_total"], s.total_number)
    s.row += 1


def _signoff(s: _Sheet, data: dict[str, Any]) -> None:
    lang = s.lang
    s.put(0, 1, t("export.standard.signoff.side", lang), s.label)
    s.put(2, 3, t("export.standard.signoff.signed_by", lang), s.label)
    s.put(4, 6, t("export.standard.signoff.date", lang), s.label)
    s.row += 1
    blank = t("export.standard.signoff.blank", lang)
    for side in ("school", "enterprise"):
        signed = data["signoff"][side]
        s.put(0, 1, t(f"export.standard.signoff.{side}", lang), s.value_center)
        s.put(2, 3, signed["name"] or blank, s.value_center)
        s.put(4, 6, signed["date"] or blank, s.value_center)
        s.ws.set_row(s.row, 2 * LINE_HEIGHT + 5)
        s.row += 1


def write_standard_sheet(workbook, data: dict[str, Any]) -> None:
    """Lay the standard out on a new sheet of ``workbook`` (print set-up included)."""
    lang = data["lang"]
    ws = workbook.add_worksheet(t("export.standard.sheet", lang))
    s = _Sheet(workbook, ws, lang)
    for col, width in enumerate(WIDTHS):
        ws.set_column(col, col, width)
    s.put(0, 6, data["title"], s.title)
    ws.set_row(0, max(32.0, text_lines(data["title"], _span(0, 6) / 1.6) * 22.0))
    s.row = 1
    s.put(0, 6, data["banner"], s.banner if data["draft_mark"] else s.approved)
    ws.set_row(s.row, max(24.0, text_lines(data["banner"], _span(0, 6) / 1.2) * LINE_HEIGHT + 9))
    s.row += 1
    s.row += 1
    _header_block(s, data)
    sections = data["sections"]

    def heading(key: str, n: int) -> None:
        s.row += 1
        s.put(0, 6, t("export.standard.numbered", lang, n=t(f"export.standard.num.{n}", lang), title=sections[key]),
              s.heading)
        ws.set_row(s.row, 22)
        s.row += 1

    heading("nature", 1)
    s.paragraph(data["nature"] or t("export.standard.none", lang))
    s.paragraph(t("export.standard.prerequisites", lang, courses=data["prerequisites"] or t("export.standard.none", lang)))
    s.paragraph(t("export.standard.follow_on", lang, courses=data["follow_on"] or t("export.standard.none", lang)))
    heading("design", 2)
    s.paragraph(data["design_rationale"] or t("export.standard.none", lang))
    heading("analysis", 3)
    _analysis_table(s, data)
    heading("objectives", 4)
    _objectives(s, data)
    heading("content", 5)
    _units(s, data)
    heading("teaching", 6)
    s.paragraph(data["teaching_methods"] or t("export.standard.none", lang))
    heading("assessment", 7)
    _assessment(s, data)
    heading("resources", 8)
    s.paragraph(data["resources"] or t("export.standard.none", lang))
    s.row += 1
    s.put(0, 6, t("export.standard.signoff.title", lang), s.heading)
    s.row += 1
    _signoff(s, data)

    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.set_margins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.center_horizontally()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.print_area(0, 0, s.row - 1, 6)
    running = data["page_header"].replace("&", "&&")  # a literal ampersand in an Excel header is doubled
    ws.set_header(f'&C&"-,Bold"&12&KC00000{running}' if data["draft_mark"] else f"&C{running}")
    ws.set_footer("&C" + t("export.standard.page_footer", lang, page="&P", pages="&N"))


def export_standard_xlsx(
    engine: Engine, *, actor: Actor, standard_id: int, lang: str = "zh", progress: Progress | None = None,
) -> ExportFile:
    """The course standard as a formatted A4 .xlsx; the file name carries programme, course, status, language and date."""
    require_export(actor)
    check_lang(lang)
    report = ProgressReporter(progress)
    report(0.0, "read")
    data = standard_data(engine, standard_id=standard_id, lang=lang)
    report(0.3, "write")
    buffer = io.BytesIO()
    workbook = new_workbook(buffer)
    write_standard_sheet(workbook, data)
    workbook.set_properties({"title": data["title"], "author": data["header"][8][1] or "CoStandard",
                             "company": data["header"][4][1], "comments": "CoStandard"})
    workbook.close()
    report(1.0, "done")
    return ExportFile(buffer.getvalue(), standard_filename(program_code=data["program"]["code"],
                                                           course_code=data["course"]["code"], status=data["status"],
                                                           lang=lang, ext="xlsx"),
                      MEDIA_TYPES["xlsx"])
