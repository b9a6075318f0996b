"""Build small .xlsx and .ods files in tests and tools (rows, merged ranges) without repeating openpyxl calls."""

from __future__ import annotations

import io
import itertools
import zipfile

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


_ODS_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
                   'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
_ODS_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                 'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                 '<manifest:file-entry manifest:full-path="/" '
                 'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                 '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                 '</manifest:manifest>')


def ods_row(*texts: str, repeated: int = 1) -> str:
    """One ``table:table-row`` of string cells (``repeated`` > 1: LibreOffice's run of equal rows)."""
    cells = "".join(f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
                    for t in texts) or '<table:table-cell table:number-columns-repeated="1024"/>'
    attrs = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    return f"<table:table-row{attrs}>{cells}</table:table-row>"


def ods_stream(rows, *, title: str = "Sheet1") -> bytes:
    """A one-sheet .ods whose content.xml is written row by row from the iterable ``rows`` of
    ``ods_row`` strings (so a test can build a sheet of a million rows without holding its XML)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        with archive.open("content.xml", "w") as content:
            content.write(f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NAMESPACES}>'
                          f'<office:body><office:spreadsheet><table:table table:name="{title}">'.encode())
            batch = []
            for row in rows:
                batch.append(row)
                if len(batch) == 10_000:
                    content.write("".join(batch).encode())
                    batch = []
            content.write("".join(batch).encode())
            content.write(b"</table:table></office:spreadsheet></office:body></office:document-content>")
    return buffer.getvalue()


def ods_framework(count: int, *, title: str = "Sheet1") -> bytes:
    """An .ods framework sheet: a header, one area "1" and ``count`` competencies 1.1 … 1.<count>."""
    head = [ods_row("编码", "能力描述"), ods_row("1", "领域")]
    return ods_stream(itertools.chain(head, (ods_row(f"1.{i}", f"能{i}") for i in range(1, count + 1))), title=title)
