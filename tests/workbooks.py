"""Build small .xlsx files in tests and tools (rows, merged ranges) without repeating openpyxl calls."""

from __future__ import annotations

import io

import openpyxl


def xlsx_bytes(rows: list[list], *, merges: tuple[str, ...] | list[str] = (), title: str = "Sheet1") -> bytes:
    """One sheet called ``title`` holding ``rows``, with ``merges`` (A1 ranges) merged."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
