"""Builders for the real-layout tests: .xls workbooks (xlwt) with merged ranges, GB18030 CSVs."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

import xlwt
from openpyxl.utils.cell import range_boundaries


def xls_bytes(rows: list[list[Any]], *, title: str = "Sheet1", merges: Iterable[str] = ()) -> bytes:
    """An .xls (BIFF8) with ``rows`` and ``merges`` (A1 ranges): the value of a merge is its top-left cell."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet(title)
    starts: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for rng in merges:
        c0, r0, c1, r1 = range_boundaries(rng)
        starts[(r0 - 1, c0 - 1)] = (r1 - 1, c1 - 1)
        covered |= {(r, c) for r in range(r0 - 1, r1) for c in range(c0 - 1, c1)}
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if (r, c) in starts:
                r1, c1 = starts[(r, c)]
                sheet.write_merge(r, r1, c, c1, value)
            elif (r, c) not in covered and value is not None:
                sheet.write(r, c, value)
    for (r, c), (r1, c1) in starts.items():  # merges whose top-left cell is beyond the row's values
        if r >= len(rows) or c >= len(rows[r]):
            sheet.write_merge(r, r1, c, c1, "")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def gb18030_csv(rows: list[list[Any]]) -> bytes:
    """A CSV as Excel saves it on a Chinese Windows desktop: GB18030, CRLF line ends."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue().encode("gb18030")
