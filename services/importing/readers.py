"""Bytes → raw sheets of cells, whatever the file type.

The format is sniffed from the bytes (a ".xls" that is really an .xlsx, or a CSV named
.xlsx, still reads; random bytes get a clear error). Workbooks go through python-calamine,
which also reports merged ranges for .xlsx/.xls; .ods merges are read from content.xml. Before
the reader sees a workbook, its rows per sheet are counted from the streamed sheet XML (calamine
builds every cell of an .ods when it opens it), so a sheet over the row limit is refused early.
Text files are decoded as UTF-8 (with or without BOM), UTF-16 or GB18030/GBK and their
delimiter (comma, semicolon, tab) is sniffed. Cells stay as the reader gives them: text
stays text ("1.10" is never turned into 1.1); ``cell_text`` renders numbers without a
spurious ".0".
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import Any
from xml.etree import ElementTree

import python_calamine

from services.importing.limits import Limits, check_file_size, check_rows, check_zip
from services.importing.records import ImportRejected, Issue
from services.textguard import CONTROL, CONTROL_CHAR

MAX_CONTROL_WARNINGS = 200  # cells named one by one; the rest are counted in one more warning

WORKBOOK_FORMATS = ("xlsx", "xlsm", "xls", "ods")
TEXT_FORMATS = ("csv", "tsv")


class FormulaWithoutValue(str):
    """A formula cell saved without its computed value (e.g. written by a script): reads as empty."""

    def __new__(cls, ref: str) -> FormulaWithoutValue:
        cell = super().__new__(cls, "")
        cell.ref = ref
        return cell


@dataclass
class RawSheet:
    name: str
    rows: list[list[Any]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based, inclusive)
    formula_cells: set[tuple[int, int]] = field(default_factory=set)
    hidden: bool = False
    _width: int | None = field(default=None, repr=False, compare=False)

    @property
    def width(self) -> int:
        # computed once: the rows only change through fill_merged, which stays inside the width
        if self._width is None:
            self._width = max(map(len, self.rows), default=0)
        return self._width

    def cell(self, row: int, col: int) -> Any:
        if row < len(self.rows) and col < len(self.rows[row]):
            return self.rows[row][col]
        return ""


@dataclass
class RawBook:
    filename: str
    fmt: str
    sheets: list[RawSheet]
    json_data: Any = None
    encoding: str | None = None
    delimiter: str | None = None
    warnings: list[Issue] = field(default_factory=list)  # what reading changed (control characters removed)

    def sheet(self, name: str) -> RawSheet | None:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        lowered = name.strip().lower()
        return next((s for s in self.sheets if s.name.strip().lower() == lowered), None)


def cell_text(value: Any) -> str:
    """A cell as text: integers without ".0", dates as ISO, empty for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def exact_text(value: Any) -> str:
    """A cell as the text to store and show: 3.0 → "3", surrounding whitespace trimmed, Excel's "_x000D_"
    (an escaped carriage return) dropped and CRLF read as one line break; everything else is kept as written.

    Full-width punctuation, line breaks inside a statement and mixed Chinese/Latin text are never folded:
    ``clean_text`` (and ``services.outline.normalize_text``) give the keys to match and find duplicates by.
    """
    text = value if value.__class__ is str else cell_text(value)
    if not text:
        return ""
    if "_x000D_" in text:
        text = text.replace("_x000D_", "")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text.strip()


def clean_text(value: Any) -> str:
    """A cell as a matching key: 3.0 → "3", full-width folded, spaces and line breaks collapsed.

    For comparing and duplicate detection only; what is stored is ``exact_text``.

    Same result as ``services.outline.normalize_text(cell_text(value))`` (a test checks), written
    with ``str.split`` instead of a regular expression because it runs once per cell.
    """
    text = value if isinstance(value, str) else cell_text(value)
    if not text:
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if "_x000D_" in text:
        text = text.replace("_x000D_", "")
    return " ".join(text.split())


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def sniff_format(data: bytes, filename: str) -> str:
    """The real format from the leading bytes, the extension only breaking ties."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data[:4] == b"PK\x03\x04" or data[:4] == b"PK\x05\x06":
        if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in data[:200]:
            return "ods"
        return "xlsm" if ext == "xlsm" else ("ods" if ext == "ods" else "xlsx")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if ext in WORKBOOK_FORMATS:
        head = data[:64].lstrip(codecs.BOM_UTF8).lstrip()
        if head.startswith((b"{", b"[")):
            return "json"
        # a workbook extension but neither a zip nor a BIFF file: try it as text, and say so if that fails too
        return "text-as-" + ext
    if ext == "json":
        return "json"
    if ext == "tsv":
        return "tsv"
    head = data[:64].lstrip(codecs.BOM_UTF8).lstrip()
    if ext not in ("csv", "txt") and head.startswith((b"{", b"[")):
        return "json"
    return "csv"


def read_book(data: bytes, filename: str, *, limits: Limits | None = None) -> RawBook:
    """Read any supported file into sheets; raises ``ImportRejected`` with a clear reason."""
    limits = limits or Limits()
    check_file_size(data, filename=filename, limits=limits)
    fmt = sniff_format(data, filename)
    if fmt in WORKBOOK_FORMATS:
        if fmt != "xls":
            check_zip(data, filename=filename, limits=limits)
        book = _read_workbook(data, filename, fmt, limits)
    elif fmt == "json":
        book = _read_json(data, filename, limits)
    else:
        try:
            book = _read_text(data, filename, "tsv" if fmt == "tsv" else "csv", limits)
        except ImportRejected:
            if fmt.startswith("text-as-"):
                raise ImportRejected(Issue("import.error.not_a_workbook", {"ext": fmt.removeprefix("text-as-")},
                                           file=filename)) from None
            raise
    strip_book_controls(book)
    return book


def strip_book_controls(book: RawBook) -> None:
    """Remove control characters from every text cell (and CASE JSON string), warning with the cell.

    A clean sheet (nearly all) costs two C-level passes: its cells joined into one text, and one search of
    that text for the control characters alone (``CONTROL_CHAR``: every match of ``CONTROL`` holds one).
    Only a sheet with a hit is walked cell by cell, and only its cells with a match are changed and named.
    """
    search, sub = CONTROL.search, CONTROL.sub
    named = 0
    more = 0
    warn_cells = book.json_data is None  # a JSON file's rows come from its records: warned by JSON path below
    for sheet in book.sheets:
        if CONTROL_CHAR.search(_joined(sheet.rows)) is None:
            continue
        header = sheet.rows[0] if sheet.rows else []
        for r, row in enumerate(sheet.rows):
            for c, cell in enumerate(row):
                if cell.__class__ is not str or search(cell) is None:
                    continue
                removed = len(cell) - len(sub("", cell))
                row[c] = sub("", cell)
                if not warn_cells:
                    continue
                if named < MAX_CONTROL_WARNINGS:
                    label = header[c] if r and c < len(header) and isinstance(header[c], str) and header[c] else ""
                    book.warnings.append(Issue("import.warning.control_chars", {"count": removed}, file=book.filename,
                                               sheet=sheet.name, row=r + 1,
                                               column=f"{column_letter(c)} {label}".strip()))
                    named += 1
                else:
                    more += 1
    if book.json_data is not None:
        from services.textguard import clean_tree

        book.json_data, paths = clean_tree(book.json_data)
        for path in paths:
            if named < MAX_CONTROL_WARNINGS:
                book.warnings.append(Issue("import.warning.control_chars_json", {"path": path}, file=book.filename))
                named += 1
            else:
                more += 1
    if more:
        book.warnings.append(Issue("import.warning.control_chars_more", {"count": more}, file=book.filename))


def _joined(rows: list[list[Any]]) -> str:
    """Every cell of ``rows`` as text, run together (numbers and dates as ``str`` gives them: never a control)."""
    cells = chain.from_iterable(rows)
    try:
        return "".join(cells)
    except TypeError:  # a number, a date or an empty cell among the texts
        return "".join(map(str, chain.from_iterable(rows)))


def _read_workbook(data: bytes, filename: str, fmt: str, limits: Limits) -> RawBook:
    if fmt == "ods":
        for name, rows_seen in _ods_row_scan(data, limits.max_rows_per_sheet).items():
            check_rows(rows_seen, filename=filename, sheet=name, limits=limits)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:
        raise ImportRejected(Issue("import.error.corrupt_workbook", {"reason": str(exc)[:200]}, file=filename)) from exc
    formulas: dict[str, set[tuple[int, int]]] = {}
    if fmt in ("xlsx", "xlsm"):
        row_counts, formulas = _xlsx_scan(data, limits.max_rows_per_sheet)
        for name, rows_seen in row_counts.items():
            check_rows(rows_seen, filename=filename, sheet=name, limits=limits)
    ods_merges = _ods_merges(data) if fmt == "ods" else {}
    sheets: list[RawSheet] = []
    for meta in workbook.sheets_metadata:
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
            start = sheet.start
            check_rows((start[0] if start else 0) + sheet.height, filename=filename, sheet=meta.name, limits=limits)
            rows = sheet.to_python(skip_empty_area=False) if sheet.height else []
            merged_raw = sheet.merged_cell_ranges or []
        except ImportRejected:
            raise
        except Exception as exc:
            raise ImportRejected(Issue("import.error.corrupt_sheet", {"reason": str(exc)[:200]}, file=filename,
                                       sheet=meta.name)) from exc
        merged = [(a[0], a[1], b[0], b[1]) for a, b in merged_raw] or ods_merges.get(meta.name, [])
        cells = formulas.get(meta.name, set())
        for r, c in cells:
            if r < len(rows) and c < len(rows[r]) and rows[r][c] in ("", None):
                rows[r][c] = FormulaWithoutValue(f"{column_letter(c)}{r + 1}")
        sheets.append(RawSheet(name=meta.name, rows=rows, merged=merged, formula_cells=cells,
                               hidden=meta.visible != python_calamine.SheetVisibleEnum.Visible))
    if not sheets:
        raise ImportRejected(Issue("import.error.no_sheets", file=filename))
    return RawBook(filename=filename, fmt=fmt, sheets=sheets)


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]")
_CHUNK = 1 << 20


def _col_index(letters: bytes) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + (ch - 64)
    return index - 1


_ROW_TAG = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d+)"')


def _xlsx_sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its XML member in an .xlsx (empty when the workbook part is missing)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        return {}
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels_xml = archive.read("xl/_rels/workbook.xml.rels") if "xl/_rels/workbook.xml.rels" in names else b""
    targets = {}
    if rels_xml:
        for rel in ElementTree.fromstring(rels_xml):
            target = rel.get("Target", "")
            targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    out = {}
    for el in book.iter():
        if el.tag.endswith("}sheet") or el.tag == "sheet":
            rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
            if targets.get(rid) in names:
                out[el.get("name", "")] = targets[rid]
    return out


def _xlsx_scan(data: bytes, row_limit: int) -> tuple[dict[str, int], dict[str, set[tuple[int, int]]]]:
    """One streamed pass over each sheet's XML, before any cell is read: (rows per sheet, formula cells
    without a cached value per sheet).

    A row count is the number of row tags or the highest row number seen, whichever is larger (a
    sheet with one cell at row 1,048,576 would make the reader build a million empty rows). The XML is
    decompressed in chunks and reading stops as soon as a sheet is over ``row_limit``, so a
    1.6-million-row sheet is refused after its first rows over the limit instead of after being read
    whole. Tags are first bounded by one count of the bytes "row" (each tag holds them); they are
    counted exactly, three patterns, only once that bound is over the limit: a sheet well within it
    (nearly all) is counted in one pass, and the count returned for it is that bound. Each chunk is searched for the byte "f" first (a ``memchr``: the letter is rare in sheet
    XML outside formulas and inline text) and only then for the two-byte formula tags; only a sheet
    with one is parsed for formula cells.
    """
    rows: dict[str, int] = {}
    formulas: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name, path in _xlsx_sheet_paths(archive).items():
                chunks: list[bytes] = []
                tags = highest = bound = 0
                exact = False  # row tags counted exactly, once the cheap bound is over the limit
                found, previous = False, b""  # a tag may straddle two chunks
                with archive.open(path) as member:
                    while chunk := member.read(_CHUNK):
                        chunks.append(chunk)
                        if exact:
                            tags += _row_tags(chunk)
                        else:
                            bound += chunk.count(b"row")  # every row tag, prefixed or not (and closing tags): a bound
                            if bound > row_limit:
                                exact = True
                                tags = sum(map(_row_tags, chunks))
                        window = previous + chunk
                        at = max(window.rfind(b"<row"), window.rfind(b":row"))
                        match = _ROW_TAG.search(window, max(at - 8, 0)) if at >= 0 else None
                        if match:
                            highest = max(highest, int(match.group(1)))
                        if not found and ((previous[-1:] in (b"<", b":") and chunk[:1] == b"f")
                                          or (b"f" in chunk and (b"<f" in chunk or b":f" in chunk))):
                            found = True
                        previous = chunk[-256:]
                        if max(tags, highest) > row_limit:
                            break
                rows[name] = max(tags if exact else bound, highest)
                if rows[name] > row_limit:
                    return rows, {}  # refused by the caller: no need to read further
                if found:
                    cells = _formula_cells(b"".join(chunks))
                    if cells:
                        formulas[name] = cells
    except (zipfile.BadZipFile, ElementTree.ParseError, KeyError, ValueError, OSError, EOFError):
        return rows, {}  # the reader reports a damaged workbook itself
    return rows, formulas


def _row_tags(xml: bytes) -> int:
    """Row tags in a piece of sheet XML, ``<row`` or with a namespace prefix (``<x:row …>``; its closing tag
    counts too, which only errs on the safe side)."""
    return xml.count(b"<row") + xml.count(b":row ") + xml.count(b":row>")


def _formula_cells(xml: bytes) -> set[tuple[int, int]]:
    cells = set()
    for match in _CELL.finditer(xml):
        inner = match.group(2) or b""
        if _FORMULA.search(inner) and not _VALUE.search(inner):
            ref = _REF.search(match.group(1))
            if ref:
                cells.add((int(ref.group(2)) - 1, _col_index(ref.group(1))))
    return cells


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_TABLE_TAG = re.compile(rb"<table:table\s[^>]*>")
_ODS_NAME = re.compile(rb'\btable:name="([^"]*)"')
_ODS_REPEATED = re.compile(rb'<table:table-row\s[^>]*?\btable:number-rows-repeated="(\d+)"')
_ODS_ROW_TAGS = (b"<table:table-row ", b"<table:table-row>", b"<table:table-row/")  # not table-rows, -row-group


class _OdsRows:
    """Counters of one pass over an .ods's content.xml (``_ods_row_scan``)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.name, self.seen, self.last = "", 0, 0

    def feed(self, buf: bytes, start: int, end: int) -> None:
        """``buf[start:end]`` holds whole row start tags, each row's content up to the next row."""
        at = start
        for table in _ODS_TABLE_TAG.finditer(buf, start, end):
            self._rows(buf, at, table.start())
            found = _ODS_NAME.search(table.group(0))
            self.name = html.unescape(found.group(1).decode("utf-8", "replace")) if found else ""
            self.seen = self.last = 0
            at = table.end()
        self._rows(buf, at, end)

    def _rows(self, buf: bytes, start: int, end: int) -> None:
        at = start
        for repeated in _ODS_REPEATED.finditer(buf, start, end):  # rare: LibreOffice's runs of equal rows
            self._plain(buf, at, repeated.start())
            after = repeated.end()
            following = min((i for i in (buf.find(tag, after, end) for tag in _ODS_ROW_TAGS) if i >= 0), default=end)
            self.seen += max(int(repeated.group(1)), 1)
            if _has_content(buf[after:following]):  # a run of rows with content, not blank rows LibreOffice repeats
                self.last = self.seen
            at = after
        self._plain(buf, at, end)
        if self.last > self.counts.get(self.name, 0):
            self.counts[self.name] = self.last

    def _plain(self, buf: bytes, start: int, end: int) -> None:
        rows = sum(buf.count(tag, start, end) for tag in _ODS_ROW_TAGS)
        upto = end
        for back in range(rows):  # from the last row backwards to the first with content (most often the last)
            at = max(buf.rfind(tag, start, upto) for tag in _ODS_ROW_TAGS)
            if _has_content(buf[at:upto]):
                self.last = self.seen + rows - back
                break
            upto = at
        self.seen += rows


def _has_content(row: bytes) -> bool:
    return b"value-type" in row or b"<text:" in row


def _ods_row_scan(data: bytes, row_limit: int) -> dict[str, int]:
    """Rows per sheet of an .ods, counted from content.xml before calamine reads it.

    calamine reads every sheet of an .ods whole when it opens the file, so this pass is what stops a
    huge sheet early: content.xml is decompressed in chunks, nothing is kept but counters and the
    unfinished row at a chunk's end, and reading stops after the chunk in which a sheet goes over
    ``row_limit``. Row tags are counted with ``bytes.count`` (tags matched by their ``table:`` prefix,
    as calamine does); only a ``table:number-rows-repeated`` run is looked into: it counts its repeats
    when it holds a value or text, and otherwise only if a row with content follows it (the empty rows
    LibreOffice repeats to the end of a sheet are not rows calamine builds); so does a blank row at the end.
    """
    scan = _OdsRows()
    tail = b""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("content.xml") as content:
            while chunk := content.read(_CHUNK):
                window = tail + chunk
                # a row's content ends where the next row starts: keep the last row (maybe unfinished) for later
                cut = max(window.rfind(b"<table:table-row"), window.rfind(b"<table:table "))
                if cut < 0:  # no row here (styles, say): keep only what may be the start of a tag
                    tail = window[-32:]
                    continue
                scan.feed(window, 0, cut)
                tail = window[cut:]
                if max(scan.counts.values(), default=0) > row_limit:
                    return scan.counts
            scan.feed(tail, 0, len(tail))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError):
        return scan.counts  # the reader reports a damaged workbook itself
    return scan.counts


def _ods_merges(data: bytes) -> dict[str, list[tuple[int, int, int, int]]]:
    """Merged ranges of an .ods from content.xml (calamine does not report them for ODS)."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.open("content.xml")
            name, row, merges = "", 0, []
            for event, el in ElementTree.iterparse(content, events=("start", "end")):
                tag = el.tag
                if event == "start" and tag == _ODS_TABLE + "table":
                    name, row, merges = el.get(_ODS_TABLE + "name", ""), 0, []
                elif event == "end" and tag == _ODS_TABLE + "table":
                    if merges:
                        out[name] = merges
                    el.clear()
                elif event == "end" and tag == _ODS_TABLE + "table-row":
                    col = 0
                    for cell in el:
                        repeat = int(cell.get(_ODS_TABLE + "number-columns-repeated", "1") or 1)
                        rows_span = int(cell.get(_ODS_TABLE + "number-rows-spanned", "1") or 1)
                        cols_span = int(cell.get(_ODS_TABLE + "number-columns-spanned", "1") or 1)
                        if rows_span > 1 or cols_span > 1:
                            merges.append((row, col, row + rows_span - 1, col + cols_span - 1))
                        col += repeat
                    row += int(el.get(_ODS_TABLE + "number-rows-repeated", "1") or 1)
                    el.clear()
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        return {}
    return out


_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13))


def decode_text(data: bytes, filename: str = "") -> tuple[str, str]:
    """Decode a text file: BOM first, then UTF-16 without BOM, UTF-8, then GB18030 (covers GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[2:].decode(name), "utf-16"
            except UnicodeDecodeError as exc:
                raise ImportRejected(Issue("import.error.encoding", file=filename)) from exc
    sample = data[:4000]
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    controls = sum(sample.count(byte) for byte in _BINARY_BYTES)
    if 0 < zeros_even + zeros_odd <= 8 and controls * 10 <= len(sample):
        # a few stray NULs in UTF-8 text are control characters (removed after reading), not UTF-16
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    if max(zeros_even, zeros_odd) >= 2 and min(zeros_even, zeros_odd) <= max(zeros_even, zeros_odd) // 10:
        # UTF-16 without BOM: the zero high bytes of ASCII characters all fall on one parity
        name = "utf-16-le" if zeros_odd > zeros_even else "utf-16-be"
        try:
            text = data[: len(data) // 2 * 2].decode(name)
        except UnicodeDecodeError:
            text = ""
        controls = sum(1 for ch in text[:2000] if ch < " " and ch not in "\t\r\n")
        if text and controls <= len(text[:2000]) // 100:
            return text, "utf-16"
    # a stray NUL or escape in a cell is a control character (removed after reading); many mean binary
    if sample.count(0) > 8 or controls * 10 > len(sample):
        raise ImportRejected(Issue("import.error.binary", file=filename))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportRejected(Issue("import.error.encoding", file=filename)) from exc
    if not _plausible_chinese(text):
        raise ImportRejected(Issue("import.error.encoding", file=filename))
    return text, "gb18030"


def _plausible_chinese(text: str) -> bool:
    """True when the non-ASCII characters are mostly common (GB2312) ones, not mojibake of another encoding."""
    wide = [ch for ch in text[:20000] if ord(ch) > 127]
    if not wide:
        return True
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(wide) >= 0.9


def sniff_delimiter(text: str, preferred: str | None = None) -> str:
    """The delimiter among , ; tab that splits the first lines into the most consistent columns."""
    lines = text.splitlines()[:50]
    best, best_score = preferred or ",", -1.0
    for delimiter in ([preferred] if preferred else []) + [",", ";", "\t"]:
        try:
            rows = list(csv.reader(lines, delimiter=delimiter))
        except csv.Error:
            continue
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths:
            continue
        mode = max(set(widths), key=widths.count)
        if mode < 2:
            continue
        score = widths.count(mode) / len(widths) * 10 + min(mode, 50) / 50
        if delimiter == preferred:
            score += 0.5
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_text(data: bytes, filename: str, fmt: str, limits: Limits) -> RawBook:
    text, encoding = decode_text(data, filename)
    delimiter = sniff_delimiter(text, "\t" if fmt == "tsv" else None)
    try:
        rows = []
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows.append(row)
            if len(rows) > limits.max_rows_per_sheet:
                check_rows(len(rows), filename=filename, sheet=_sheet_name(filename), limits=limits)
    except csv.Error as exc:
        raise ImportRejected(Issue("import.error.csv", {"reason": str(exc)[:200]}, file=filename)) from exc
    if not any(any(c.strip() for c in r) for r in rows):
        raise ImportRejected(Issue("import.error.empty_file", file=filename))
    return RawBook(filename=filename, fmt=fmt, sheets=[RawSheet(name=_sheet_name(filename), rows=rows)],
                   encoding=encoding, delimiter=delimiter)


def _sheet_name(filename: str) -> str:
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] or base


def _read_json(data: bytes, filename: str, limits: Limits) -> RawBook:
    text, encoding = decode_text(data, filename)
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ImportRejected(Issue("import.error.json", {"reason": str(exc)[:200]}, file=filename)) from exc
    sheets: list[RawSheet] = []
    records = payload
    if isinstance(payload, dict) and not any(k in payload for k in ("CFItems", "CFDocument")):
        lists = [v for v in payload.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        records = lists[0] if len(lists) == 1 else None
    if isinstance(records, list) and records and all(isinstance(x, dict) for x in records):
        check_rows(len(records), filename=filename, sheet=_sheet_name(filename), limits=limits)
        header: list[str] = []
        for record in records:
            for key in record:
                if key not in header:
                    header.append(key)
        rows = [header] + [[_json_cell(r.get(k)) for k in header] for r in records]
        sheets.append(RawSheet(name=_sheet_name(filename), rows=rows))
    return RawBook(filename=filename, fmt="json", sheets=sheets, json_data=payload, encoding=encoding)


def _json_cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value
