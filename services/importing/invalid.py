"""The rows an import left out (--skip-invalid), as a workbook ready to fix and re-import.

One sheet per source sheet: the original header, the invalid rows as they were, and an
error column in the user's language. Re-importing the fixed workbook works because the
header is kept; rows that were imported are not repeated.
"""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import xlsxwriter

from services.i18n import translate
from services.importing.readers import cell_text
from services.importing.records import Issue

if TYPE_CHECKING:
    from services.importing.api import ImportPreview


def invalid_rows_workbook(preview: ImportPreview, errors: list[Issue]) -> tuple[bytes, int]:
    """(xlsx bytes, number of invalid rows) for the row-located ``errors`` of ``preview``."""
    lang = preview.lang
    by_sheet: dict[str | None, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    unlocated: list[Issue] = []
    for issue in errors:
        if issue.row is None:
            unlocated.append(issue)
            continue
        by_sheet[issue.sheet][issue.row].append(issue.message(lang))
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                            "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True})
    red = workbook.add_format({"font_color": "#B00020", "text_wrap": True})
    error_title = translate("import.invalid.error_column", lang)
    count = 0
    sheets_info = (preview.dataset.info.get("sheets", {}) if preview.dataset else {})
    used_names: set[str] = set()
    for sheet_name, rows in by_sheet.items():
        raw = preview.book.sheet(sheet_name) if (preview.book and sheet_name) else None
        title = _sheet_title(sheet_name or "rows", used_names)
        ws = workbook.add_worksheet(title)
        info = sheets_info.get(sheet_name or "", {})
        header_row = (info.get("header_row") or 1) - 1
        header_rows = info.get("header_rows") or 1
        out_row = 0
        width = raw.width if raw else 0
        if raw is not None and header_row < len(raw.rows):
            for r in range(header_row, min(header_row + header_rows, len(raw.rows))):
                for c in range(width):
                    ws.write_string(out_row, c, cell_text(raw.cell(r, c)), bold)
                ws.write_string(out_row, width, error_title, bold)
                out_row += 1
        else:
            ws.write_string(0, 0, translate("import.invalid.row_column", lang), bold)
            ws.write_string(0, 1, error_title, bold)
            out_row = 1
        for row_number in sorted(rows):
            messages = "; ".join(dict.fromkeys(rows[row_number]))
            if raw is not None and 0 < row_number <= len(raw.rows):
                for c in range(width):
                    _write(ws, out_row, c, raw.cell(row_number - 1, c))
                ws.write_string(out_row, width, messages, red)
            else:
                ws.write_number(out_row, 0, row_number)
                ws.write_string(out_row, 1, messages, red)
            out_row += 1
            count += 1
        ws.set_column(width, width, 60)
    if unlocated:
        ws = workbook.add_worksheet(_sheet_title(translate("import.invalid.other_sheet", lang), used_names))
        ws.write_string(0, 0, error_title, bold)
        for i, issue in enumerate(unlocated, start=1):
            ws.write_string(i, 0, issue.message(lang), red)
    workbook.close()
    return buffer.getvalue(), count


def _write(ws: Any, row: int, col: int, value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, cell_text(value))


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = title, 1
    while title.lower() in used:
        n += 1
        title = f"{base[:28]}~{n}"
    used.add(title.lower())
    return title
