"""A sheet seen through its header: data rows, located issues, note rows, filled-down cells.

Shared by the spreadsheet kinds (framework, courses, matrix, ratings): each asks for a
``Table`` and walks its data rows; every issue it raises carries file, sheet, row and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from services.importing.header import HeaderGuess, apply_mapping, detect_header
from services.importing.readers import FormulaWithoutValue, RawBook, RawSheet, cell_text, clean_text
from services.importing.records import Dataset, ImportRejected, Issue
from services.outline import normalize_text

TOTAL_WORDS = ("合计", "总计", "小计", "total", "sum")
SAMPLE_ROWS = 15


@dataclass
class Options:
    """What the user decided (or accepted) in the preview; every field optional."""

    kind: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based, as the spreadsheet shows it
    mapping: dict[Any, str | None] | None = None  # column (index, letter or label) → field
    marks: str | dict[str, int] | None = None
    orientation: str | None = None  # matrix: "rows" (competencies as rows) or "columns" (transposed)
    replace_alignments: bool = False


class _TextCache(dict):
    """Cell value → ``clean_text(value)``, looked up with ``cache[value]``; only exact ``str`` values are kept.

    Values of other types are cleaned on every lookup: 1, 1.0 and True are equal keys but read "1", "1" and
    "TRUE" (and a ``FormulaWithoutValue`` is not remembered as a plain "").
    """

    def __missing__(self, value: Any) -> str:
        text = clean_text(value)
        if value.__class__ is str:
            self[value] = text
        return text


@dataclass
class Table:
    book: RawBook
    sheet: RawSheet
    header: HeaderGuess
    notes: list[int] = field(default_factory=list)
    _texts: dict[str, str] = field(default_factory=_TextCache, repr=False)  # area/task cells repeat on every row

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    def issue(self, key: str, row: int | None = None, col: int | None = None, **params: Any) -> Issue:
        """An issue at 0-based ``row``/``col`` (reported 1-based, with the column's label)."""
        return Issue(key, params, file=self.book.filename, sheet=self.sheet.name,
                     row=None if row is None else row + 1,
                     column=None if col is None else self.header.label(col))

    def columns_for(self, name: str) -> list[int]:
        return [i for i, f in self.header.mapping.items() if f == name]

    def column_for(self, name: str) -> int | None:
        cols = self.columns_for(name)
        return cols[0] if cols else None

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(0-based row index, cells) for every non-empty row below the header; note rows are set aside."""
        mapped = set(self.header.mapping)
        rows = self.sheet.rows
        notes = self.notes
        for index in range(self.header.data_start, len(rows)):
            cells = rows[index]
            if not any(cells):  # blank row (whitespace-only rows are skipped later: they hold no statement)
                continue
            # more than three filled cells is never a note (``is_note_row``'s first test, inlined: it runs per row)
            if len(cells) - cells.count("") - cells.count(None) <= 3 and is_note_row(cells, mapped):
                notes.append(index)
                continue
            yield index, cells

    def text(self, cells: list[Any], col: int | None) -> str:
        if col is None or col >= len(cells):
            return ""
        try:
            return self._texts[cells[col]]
        except TypeError:  # an unhashable cell
            return clean_text(cells[col])

    def columns(self, rows: Sequence[list[Any]], cols: Sequence[int | None]) -> list[Iterable[str]]:
        """Per column of ``cols``, ``self.text(cells, col)`` for each of ``rows`` (a list; endless "" for None)."""
        shortest = min(map(len, rows), default=0)
        out: list[Iterable[str]] = []
        for col in cols:
            if col is None:
                out.append(repeat(""))
                continue
            if col < shortest:  # every row reaches the column: C-level calls only
                values = list(map(itemgetter(col), rows))
                if set(map(type, values)) == {str}:  # plain text
                    distinct = set(values)
                    if len(distinct) * 2 > len(values):  # mostly different (statements, codes): clean each
                        out.append(list(map(clean_text, values)))
                    else:  # repeated (areas, tasks, types): clean each distinct value once
                        cleaned = dict(zip(distinct, map(clean_text, distinct), strict=True))
                        out.append(list(map(cleaned.__getitem__, values)))
                    continue
                try:
                    out.append(list(map(self._texts.__getitem__, values)))
                    continue
                except TypeError:  # an unhashable cell
                    pass
            text = self.text
            out.append([text(cells, col) for cells in rows])
        return out

    def raw(self, cells: list[Any], col: int | None) -> Any:
        if col is None or col >= len(cells):
            return ""
        return cells[col]

    def sample(self) -> list[list[str]]:
        start = self.header.data_start
        return [[cell_text(c) for c in row] for row in self.sheet.rows[start:start + SAMPLE_ROWS]]

    def info(self) -> dict[str, Any]:
        return {"header_row": self.header.row + 1, "header_rows": self.header.end - self.header.row + 1,
                "columns": self.header.columns(), "sample": self.sample(), "used": True,
                "notes": [n + 1 for n in self.notes]}


_NOTE = re.compile(r"^(?:注|备注|说明|填表说明|制表人?|填表人|审核人?|note|notes|legend|source|remarks?)\s*[:：]"
                   r"|^注\s*\d*\s*[、.．]|^[*※]", re.I)


def is_note_row(cells: list[Any], mapped: set[int]) -> bool:
    """A legend, note or total row under the table: "注：…", "Note: …", "合计", or long text outside mapped columns."""
    if len(cells) - cells.count("") - cells.count(None) > 3:
        return False  # a data row: notes and totals fill at most three cells
    filled = [(i, cell_text(c).strip()) for i, c in enumerate(cells) if cell_text(c).strip()]
    if not filled:
        return False
    first = normalize_text(filled[0][1])
    if len(filled) <= 2 and _NOTE.match(first):
        return True
    if len(filled) <= 3 and first.replace(" ", "").lower() in TOTAL_WORDS:
        return True
    return bool(mapped) and all(i not in mapped for i, _ in filled) and len(filled) == 1 and len(first) > 20


_HELP_SHEET = re.compile(r"说明|须知|图例|instruction|readme|read me|legend|notice|help", re.I)


def is_help_sheet(name: str) -> bool:
    """Sheets of instructions or legends are never data (unless chosen explicitly)."""
    return bool(_HELP_SHEET.search(name))


def fill_merged(sheet: RawSheet, columns: set[int], start: int) -> None:
    """Copy the value of merged ranges in ``columns`` (below ``start``) into every cell of the range."""
    for r0, c0, r1, c1 in sheet.merged:
        if r1 < start:
            continue
        for c in range(c0, c1 + 1):
            if c not in columns:
                continue
            value = sheet.cell(r0, c0)
            for r in range(max(r0, start), min(r1, len(sheet.rows) - 1) + 1):
                row = sheet.rows[r]
                while len(row) <= c:
                    row.append("")
                if cell_text(row[c]).strip() == "":
                    row[c] = value


def open_table(book: RawBook, sheet: RawSheet, fields: dict[str, tuple[str, ...]], options: Options,
               *, required: tuple[str, ...] = ()) -> Table | None:
    """The sheet's table with the header found (or given) and the user's mapping applied; None if no header."""
    header_row = options.header_row - 1 if options.header_row else None
    if header_row is not None and not 0 <= header_row < max(len(sheet.rows), 1):
        raise ImportRejected(Issue("import.error.header_row_out_of_range", {"row": options.header_row},
                                   file=book.filename, sheet=sheet.name))
    guess = detect_header(sheet, fields, header_row=header_row)
    if guess is None:
        if not options.mapping:
            return None
        guess = detect_header(sheet, fields, header_row=0)
    try:
        guess = apply_mapping(guess, options.mapping, fields)
    except KeyError as exc:
        raise ImportRejected(Issue("import.error.mapping_column", {"column": str(exc.args[0])},
                                   file=book.filename, sheet=sheet.name)) from exc
    except ValueError as exc:
        raise ImportRejected(Issue("import.error.mapping_field", {"field": str(exc.args[0]),
                                                                  "fields": ", ".join(sorted(fields))},
                                   file=book.filename, sheet=sheet.name)) from exc
    if required and not all(any(f == r for f in guess.mapping.values()) for r in required):
        return None if not options.mapping else Table(book, sheet, guess)
    return Table(book, sheet, guess)


def formula_issue(table: Table, row: int, col: int, value: Any) -> Issue | None:
    if isinstance(value, FormulaWithoutValue):
        return table.issue("import.error.formula_without_value", row, col, cell=value.ref)
    return None


_LEADING_CODE = re.compile(r"^\s*([A-Za-z]{0,3}\d+(?:\s*[.．]\s*\d+)*)\s*(?:[.．、,，:：)）]\s*|\s+)(\S.*)$", re.S)
_CN_ORDINAL = re.compile(r"^\s*(?:[(（]?[一二三四五六七八九十百]+[)）、.．]"
                         r"|第[一二三四五六七八九十百]+[章节部分项])\s*")


def split_leading_code(text: str) -> tuple[str | None, str]:
    """"1.2.3 能识读…" → ("1.2.3", "能识读…"); "一、安装" → (None, "安装"); otherwise (None, text)."""
    match = _LEADING_CODE.match(text)
    if match:
        code = re.sub(r"\s+", "", match.group(1)).replace("．", ".")
        return code, match.group(2).strip()
    stripped = _CN_ORDINAL.sub("", text, count=1)
    return None, stripped.strip()


def note_warnings(dataset: Dataset, table: Table) -> None:
    for index in table.notes:
        text = next((cell_text(c).strip() for c in table.sheet.rows[index] if cell_text(c).strip()), "")
        dataset.warnings.append(table.issue("import.warning.note_row", index, None, text=text[:60]))
