"""Render one grid of cells (values + merged ranges) as .xlsx, .xls, .ods or GB18030 CSV bytes.

A layout describes its sheets once, as a person would draw them; the same drawing is then
written in the format the layout names, so a rule can be exercised in every format.
Merged ranges are 0-based and inclusive (first row, first column, last row, last column);
the value of a merged range sits in its top-left cell and the covered cells stay empty.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("xlsx", "xls", "ods", "csv")


@dataclass
class Grid:
    """One sheet: ``rows`` of values (None = empty cell) and ``merges`` (r1, c1, r2, c2), 0-based inclusive."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        widest = max((len(r) for r in self.rows), default=0)
        return max([widest] + [m[3] + 1 for m in self.merges])

    def covered(self) -> set[tuple[int, int]]:
        """Cells hidden under a merged range (all but its top-left cell)."""
        cells = set()
        for r1, c1, r2, c2 in self.merges:
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) != (r1, c1):
                        cells.add((r, c))
        return cells

    def value(self, r: int, c: int) -> Any:
        if r < len(self.rows) and c < len(self.rows[r]):
            return self.rows[r][c]
        return None


def render(fmt: str, grids: list[Grid]) -> bytes:
    """The bytes of a workbook (or CSV: exactly one grid, merges dropped) holding ``grids``."""
    if fmt == "xlsx":
        return _xlsx(grids)
    if fmt == "xls":
        return _xls(grids)
    if fmt == "ods":
        return _ods(grids)
    if fmt == "csv":
        return _csv(grids)
    raise ValueError(f"unknown format {fmt!r}")


def _xlsx(grids: list[Grid]) -> bytes:
    import openpyxl
    from openpyxl.styles import Alignment

    book = openpyxl.Workbook()
    book.remove(book.active)
    wrap = Alignment(wrap_text=True, vertical="center")
    for grid in grids:
        sheet = book.create_sheet(grid.name)
        covered = grid.covered()
        for r, row in enumerate(grid.rows):
            for c, value in enumerate(row):
                if value is None or (r, c) in covered:
                    continue
                cell = sheet.cell(row=r + 1, column=c + 1, value=value)
                if isinstance(value, str) and "\n" in value:
                    cell.alignment = wrap  # Excel shows a line break only in a wrapped cell
        for r1, c1, r2, c2 in grid.merges:
            sheet.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xls(grids: list[Grid]) -> bytes:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    plain = xlwt.easyxf("")
    wrap = xlwt.easyxf("alignment: wrap on, vert centre")
    for grid in grids:
        sheet = book.add_sheet(grid.name[:31], cell_overwrite_ok=True)
        covered = grid.covered()
        starts = {(m[0], m[1]): m for m in grid.merges}
        for r in range(len(grid.rows)):
            for c in range(grid.width):
                if (r, c) in covered:
                    continue
                value = grid.value(r, c)
                style = wrap if isinstance(value, str) and "\n" in value else plain
                if (r, c) in starts:
                    r1, c1, r2, c2 = starts[(r, c)]
                    sheet.write_merge(r1, r2, c1, c2, "" if value is None else value, style)
                elif value is not None:
                    sheet.write(r, c, value, style)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _ods(grids: list[Grid]) -> bytes:
    from odf import teletype
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    for grid in grids:
        table = Table(name=grid.name)
        covered = grid.covered()
        starts = {(m[0], m[1]): m for m in grid.merges}
        width = grid.width
        for r in range(len(grid.rows)):
            row = TableRow()
            for c in range(width):
                if (r, c) in covered:
                    row.addElement(CoveredTableCell())
                    continue
                attrs: dict[str, Any] = {}
                if (r, c) in starts:
                    r1, c1, r2, c2 = starts[(r, c)]
                    attrs.update(numberrowsspanned=r2 - r1 + 1, numbercolumnsspanned=c2 - c1 + 1)
                value = grid.value(r, c)
                if value is None:
                    cell = TableCell(**attrs)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell = TableCell(valuetype="float", value=value, **attrs)
                    cell.addElement(P(text=str(value)))
                else:
                    cell = TableCell(valuetype="string", **attrs)
                    for line in str(value).split("\n"):
                        paragraph = P()
                        teletype.addTextToElement(paragraph, line)  # keeps runs of spaces (text:s)
                        cell.addElement(paragraph)
                row.addElement(cell)
            table.addElement(row)
        doc.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    doc.write(buffer)
    return buffer.getvalue()


def _csv(grids: list[Grid]) -> bytes:
    if len(grids) != 1:
        raise ValueError("a CSV holds exactly one sheet")
    grid = grids[0]  # merged ranges are dropped, as "Save as CSV" does: the value stays in the first cell
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    for row in grid.rows:
        writer.writerow(["" if v is None else v for v in row] + [""] * (grid.width - len(row)))
    # what Excel writes on a Chinese Windows desktop ("CSV (逗号分隔)")
    return text.getvalue().encode("gb18030")
