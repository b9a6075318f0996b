"""A sheet seen through its header: data rows, located issues, ignored rows, filled-down cells, its reading.

Shared by the spreadsheet kinds (framework, courses, matrix, ratings): each asks for a
``Table`` and walks its data rows; every issue it raises carries file, sheet, row and column.
Which rows are data is decided once per table by ``regions.classify``; ``Table.reading()``
explains every decision (header rows, mapping, groups, ignored rows, split cells).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

from services.importing.header import HeaderGuess, apply_mapping, detect_header
from services.importing.readers import FormulaWithoutValue, RawBook, RawSheet, cell_text, column_letter, exact_text
from services.importing.records import Dataset, ImportRejected, Issue, Term
from services.importing.regions import Group, Ignored, Regions, classify, merged_groups, summary_columns
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
    row_roles: dict[int, str] | None = None  # 1-based row → "data" | "ignore": overrides the reading
    split_cells: bool | list[str] = True  # False, or cells ("D7") to keep whole


def row_roles_option(value: Any) -> dict[int, str] | None:
    """``{row: "data" | "ignore"}`` with 1-based row numbers (keys may be strings, as JSON gives them)."""
    if not value:
        return None
    out: dict[int, str] = {}
    for key, role in dict(value).items():
        if role not in ("data", "ignore"):
            raise ValueError(f"row role {role!r} is not data or ignore")
        out[int(key)] = role
    return out


class _TextCache(dict):
    """Cell value → ``exact_text(value)``, looked up with ``cache[value]``; only exact ``str`` values are kept.

    Values of other types are converted on every lookup: 1, 1.0 and True are equal keys but read "1", "1" and
    "TRUE" (and a ``FormulaWithoutValue`` is not remembered as a plain "").
    """

    def __missing__(self, value: Any) -> str:
        text = exact_text(value)
        if value.__class__ is str:
            self[value] = text
        return text


# the fields whose value makes a row data (any one of them filled) when a kind does not say
DEFAULT_KEY_FIELDS = ("statement", "code", "name", "area", "task", "area_code", "task_code", "rater", "parent")
HIERARCHY_FIELDS = ("area", "task", "area_code", "task_code")


@dataclass
class Table:
    book: RawBook
    sheet: RawSheet
    header: HeaderGuess
    notes: list[int] = field(default_factory=list)
    _texts: dict[str, str] = field(default_factory=_TextCache, repr=False)  # area/task cells repeat on every row
    key_fields: tuple[str, ...] = DEFAULT_KEY_FIELDS
    numeric_fields: tuple[str, ...] = ()  # columns whose sums reveal subtotal and total rows
    group_fields: tuple[str, ...] = ()  # fields a merged-down cell gives to the rows under it
    section_field: str | None = None  # the field a section row ("二、专业核心课") gives to the rows under it
    section_words: frozenset[str] = frozenset()  # texts that alone on a row are a section (squeezed, lower case)
    probe_fields: tuple[str, ...] | None = None  # columns whose short texts may start a total (default: first key)
    row_roles: dict[int, str] | None = None  # 0-based row → "data" | "ignore"
    keep_whole: frozenset[str] | bool = frozenset()  # True: no cell splits; else cells ("D7") kept whole
    transposed: bool = False
    terms: dict[int, int] = field(default_factory=dict)  # courses: column → semester (weekly hours per semester)
    legends: dict[str, dict[str, str]] = field(default_factory=dict)  # field → codes its header explains ("A:通识")
    splits: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (row, column, parts), 0-based
    _regions: Regions | None = field(default=None, repr=False)

    @property
    def sheet_name(self) -> str:
        return self.sheet.name

    def issue(self, key: str, row: int | None = None, col: int | None = None, **params: Any) -> Issue:
        """An issue at 0-based ``row``/``col`` (reported 1-based, with the column's label)."""
        return Issue(key, params, file=self.book.filename, sheet=self.sheet.name,
                     row=None if row is None else row + 1,
                     column=None if col is None else self.header.label(col))

    def field_columns(self) -> dict[str, str]:
        """Field → the label of the (first) column it is read from: an ``Origin``'s ``columns``, so an error the
        planner finds in a field (the owning module's rule) names its cell."""
        out: dict[str, str] = {}
        for col, name in self.header.mapping.items():
            out.setdefault(name, self.header.label(col))
        return out

    def columns_for(self, name: str) -> list[int]:
        return [i for i, f in self.header.mapping.items() if f == name]

    def column_for(self, name: str) -> int | None:
        cols = self.columns_for(name)
        return cols[0] if cols else None

    @property
    def regions(self) -> Regions:
        """Which rows are data and why the others are not (computed once, before any cell is filled down)."""
        if self._regions is None:
            mapping = self.header.mapping
            keys = [i for i, f in mapping.items() if f in self.key_fields] or list(mapping)
            regions = classify(
                self.sheet, header_start=self.header.row, data_start=self.header.data_start, mapped=list(mapping),
                key_columns=keys, numeric_columns=[i for i, f in mapping.items() if f in self.numeric_fields],
                section_field=self.section_field, row_roles=self.row_roles, section_words=self.section_words,
                probe_columns=None if self.probe_fields is None else
                [i for i, f in mapping.items() if f in self.probe_fields],
                hierarchy_columns=[i for i, f in mapping.items() if f in HIERARCHY_FIELDS], extra_note=is_note_row)
            group_columns = {i: f for i, f in mapping.items() if f in self.group_fields}
            regions.groups = merged_groups(self.sheet, group_columns, regions.data) + regions.groups
            regions.ignored.extend(summary_columns(self.header.labels, mapping))
            self._regions = regions
            self.notes[:] = regions.ignored_rows()
        return self._regions

    def data_rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(0-based row index, cells) for every data row below the header; other rows are in ``regions``."""
        rows = self.sheet.rows
        for index in self.regions.data:
            yield index, rows[index]

    def fill_down(self, columns: set[int]) -> None:
        """Copy merged cells in ``columns`` into the data rows they cover (never into ignored rows)."""
        data = set(self.regions.data)
        sheet = self.sheet
        for r0, c0, r1, c1 in sheet.merged:
            if r1 < self.header.data_start or (r1 <= r0 and c1 <= c0):
                continue
            value = sheet.cell(r0, c0)
            for c in range(c0, c1 + 1):
                if c not in columns:
                    continue
                for r in range(max(r0, self.header.data_start), min(r1, len(sheet.rows) - 1) + 1):
                    if r not in data or r1 == r0:
                        continue  # a merge one row high is a label across columns, not a value going down
                    row = sheet.rows[r]
                    while len(row) <= c:
                        row.append("")
                    if cell_text(row[c]).strip() == "":
                        row[c] = value

    def carry_down(self, columns: set[int]) -> None:
        """A category written once above the rows it covers, without a merge (a CSV, or a sheet whose merges were
        undone): blank cells in ``columns`` take the value above them, up to the next value, subtotal, total or
        section row. Columns that do merge their categories are left to ``fill_down``."""
        regions = self.regions
        sheet = self.sheet
        start = self.header.data_start
        merged_down = {c0 for r0, c0, r1, _c1 in sheet.merged if r1 > r0 and r1 >= start}
        stops = {i.row for i in regions.ignored if i.row is not None and i.reason in ("subtotal", "total", "section")}
        field_of = self.header.mapping
        for col in sorted(columns - merged_down):
            carried: list[list[Any]] = []  # [value, first row, last row] of each value carried down
            value: Any = ""
            data = regions.data
            position = 0
            for index in range(start, len(sheet.rows)):
                if index in stops:
                    value = ""
                    continue
                if position >= len(data) or data[position] != index:
                    continue
                position += 1
                row = sheet.rows[index]
                text = cell_text(row[col]).strip() if col < len(row) else ""
                if text:
                    value = row[col]
                    carried.append([value, index, index])
                    continue
                if value in ("", None):
                    continue
                while len(row) <= col:
                    row.append("")
                row[col] = value
                carried[-1][2] = index
            regions.groups.extend(Group(field_of[col], cell_text(v).strip(), first, last, row=first, column=col)
                                  for v, first, last in carried if last > first)

    def section_value(self, index: int) -> str | None:
        """The text of the section row above data row ``index`` (ordinal stripped), if any."""
        regions = self.regions
        group = regions.section_of.get(index) if regions.section_of else None
        return None if group is None else regions.groups[group].value

    def split_allowed(self, row: int, col: int) -> bool:
        keep = self.keep_whole
        if keep is True:
            return False
        return not keep or f"{column_letter(col)}{row + 1}" not in keep

    def text(self, cells: list[Any], col: int | None) -> str:
        if col is None or col >= len(cells):
            return ""
        try:
            return self._texts[cells[col]]
        except TypeError:  # an unhashable cell
            return exact_text(cells[col])

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
                    if len(distinct) * 2 > len(values):  # mostly different (statements, codes): convert each
                        out.append(list(map(exact_text, values)))
                    else:  # repeated (areas, tasks, types): convert each distinct value once
                        cleaned = dict(zip(distinct, map(exact_text, distinct), strict=True))
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

    def reading(self) -> dict[str, Any]:
        """How the sheet was read, in plain data (1-based rows, column letters): see ``ImportPreview.reading``."""
        regions = self.regions
        header = self.header
        return {
            "sheet": self.sheet.name,
            "header_rows": [r + 1 for r in range(header.row, header.end + 1)],
            "mapping": [{"column": column_letter(i), "label": header.labels[i] if i < len(header.labels) else "",
                         "field": f} for i, f in sorted(header.mapping.items())],
            "groups": [_group_dict(g) for g in regions.groups],
            "ignored": [_ignored_dict(i) for i in regions.ignored],
            "splits": [{"row": r + 1, "column": column_letter(c), "parts": list(parts)} for r, c, parts in self.splits],
            "transposed": self.transposed,
        }

    def info(self) -> dict[str, Any]:
        return {"header_row": self.header.row + 1, "header_rows": self.header.end - self.header.row + 1,
                "columns": self.header.columns(), "sample": self.sample(), "used": True,
                "notes": [n + 1 for n in self.notes], "reading": self.reading()}


def _group_dict(group: Group) -> dict[str, Any]:
    return {"column": None if group.column is None else column_letter(group.column),
            "row": None if group.row is None else group.row + 1, "field": group.field, "value": group.value,
            "rows": [group.first + 1, group.last + 1]}


def _ignored_dict(item: Ignored) -> dict[str, Any]:
    return {"row": None if item.row is None else item.row + 1,
            "column": None if item.column is None else column_letter(item.column), "reason": item.reason,
            "text": item.text[:60], "by": item.by}


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


def help_sheet_readings(book: RawBook, used: set[str]) -> tuple[list[dict[str, Any]], list[Issue]]:
    """The reading of each instruction sheet left out (every filled row a note) and one warning per sheet."""
    readings, warnings = [], []
    for sheet in book.sheets:
        if sheet.name in used or not sheet.rows or not is_help_sheet(sheet.name):
            continue
        ignored = []
        for index, cells in enumerate(sheet.rows):
            texts = [t for t in (cell_text(c).strip() for c in cells) if t]
            if texts:
                ignored.append(_ignored_dict(Ignored(index, None, "note", " ".join(texts))))
        if not ignored:
            continue
        readings.append({"sheet": sheet.name, "header_rows": [], "mapping": [], "groups": [], "ignored": ignored,
                         "splits": [], "transposed": False})
        warnings.append(Issue("import.warning.help_sheet", {"rows": len(ignored)}, file=book.filename,
                              sheet=sheet.name))
    return readings, warnings


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
        return None if not options.mapping else _table(book, sheet, guess, options)
    return _table(book, sheet, guess, options)


def _table(book: RawBook, sheet: RawSheet, guess: HeaderGuess, options: Options) -> Table:
    table = Table(book, sheet, guess)
    if options.row_roles:
        table.row_roles = {int(row) - 1: role for row, role in options.row_roles.items()}
    split = options.split_cells
    if split is False:
        table.keep_whole = True
    elif split not in (True, None):
        table.keep_whole = frozenset(str(ref).strip().upper() for ref in split)
    return table


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
    """One warning per ignored row or column (its reason and text), one for all blank rows: nothing is
    left out silently."""
    blanks = []
    for item in table.regions.ignored:
        if item.reason == "blank":
            blanks.append(item.row + 1)
            continue
        reason = Term(f"import.reason.{item.reason}")
        if item.row is None:
            dataset.warnings.append(table.issue("import.warning.ignored_column", None, item.column,
                                                reason=reason, text=item.text[:60]))
            continue
        dataset.warnings.append(table.issue("import.warning.ignored_row", item.row, None, reason=reason,
                                            text=item.text[:60], number=item.row + 1))
    if blanks:
        shown = ", ".join(map(str, blanks[:20])) + ("…" if len(blanks) > 20 else "")
        dataset.warnings.append(table.issue("import.warning.blank_rows", None, None, count=len(blanks), rows=shown))
