"""岗课赛证 coverage report (.xlsx): coverage per source and the requirements no course covers, for one level."""

from __future__ import annotations

import io

from sqlalchemy.engine import Engine

from models.enums import SOURCE_KINDS
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
from services.i18n import label
from services.sources import sources_overview

SOURCE_COLUMNS = (("kind", 12), ("source", 40), ("levels", 18), ("requirements", 10), ("covered", 10),
                  ("ratio", 10), ("weighted", 10))
UNCOVERED_COLUMNS = (("kind", 12), ("source", 40), ("code", 12), ("statement", 60), ("level", 10))


def export_sources_xlsx(engine: Engine, *, actor: Actor, program_id: int, lang: str, level: str | None = None,
                        kinds: tuple[str, ...] = SOURCE_KINDS, confirmed_only: bool = False) -> ExportFile:
    """The 岗课赛证 view as a workbook, filtered by source kinds and a level (as on the page)."""
    require_export(actor)
    lang = check_lang(lang)
    overview = sources_overview(engine, program_id=program_id, level=level, confirmed_only=confirmed_only)
    buffer = io.BytesIO()
    wb = new_workbook(buffer)
    head = wb.add_format({"font_name": CJK_FONT, "bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = wb.add_format({"font_name": CJK_FONT, "border": 1, "text_wrap": True, "valign": "top"})
    pct = wb.add_format({"font_name": CJK_FONT, "border": 1, "num_format": "0%"})
    ws = wb.add_worksheet(t("sources.export.sheet_sources", lang)[:31])
    write_cell(ws, 0, 0, t("sources.export.title", lang, level=level or t("sources.all_levels", lang)))
    for col, (name, width) in enumerate(SOURCE_COLUMNS):
        write_cell(ws, 1, col, t(f"sources.export.col.{name}", lang), head)
        ws.set_column(col, col, width)
    rows = [s for s in overview["sources"] if s["kind"] in kinds]
    for r, s in enumerate(rows, start=2):
        values = (label("source_kind", s["kind"], lang), s["name"], " / ".join(s["levels"]), s["competencies"],
                  s["covered"])
        for col, value in enumerate(values):
            write_cell(ws, r, col, value, cell)
        write_cell(ws, r, 5, s["coverage_ratio"], pct)
        write_cell(ws, r, 6, s["weighted_coverage"], pct)
    gaps = wb.add_worksheet(t("sources.export.sheet_uncovered", lang)[:31])
    for col, (name, width) in enumerate(UNCOVERED_COLUMNS):
        write_cell(gaps, 0, col, t(f"sources.export.col.{name}", lang), head)
        gaps.set_column(col, col, width)
    r = 1
    for s in rows:
        for u in s["uncovered"]:
            for col, value in enumerate((label("source_kind", s["kind"], lang), s["name"], u["code"], u["statement"],
                                         u["cert_level"])):
                write_cell(gaps, r, col, value, cell)
            r += 1
    wb.close()
    return ExportFile(buffer.getvalue(), export_filename(program_code=overview["program_code"], kind="sources",
                                                         ext="xlsx"),
                      MEDIA_TYPES["xlsx"])
