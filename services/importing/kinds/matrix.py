"""``matrix``: courses × competencies with marks (课程–能力对应矩阵).

Competencies are rows (code and/or statement, optionally area/task columns) and every
other labelled column is a course — or the sheet is transposed (competency codes along
the header, courses down the first column), which is detected or chosen. Course headers
match existing courses by code or name: "工业机器人现场编程（ZY2031）", "Robot Programming
(ZY2031)", "ZY2031 工业机器人现场编程" or a bare code; unknown courses and competencies are
created and reported. The mark scheme is detected per sheet (marks.py); an ambiguous sheet
stops the import with a question instead of a guess.
"""

from __future__ import annotations

import re
from itertools import compress, zip_longest
from typing import Any

from services.importing.header import SYNONYMS, HeaderGuess, detect_header
from services.importing.kinds.framework import parse_rows, select_sheets
from services.importing.limits import Limits
from services.importing.marks import BLANKS, SCHEMES, detect_scheme, level_of, normalize_mark, table_for
from services.importing.readers import RawBook, RawSheet, cell_text, clean_text, column_letter
from services.importing.records import AlignmentIn, CourseIn, Dataset, ImportRejected, Issue, Origin
from services.importing.table import Options, Table, is_help_sheet, open_table
from services.importing.tree import Prov, finalize

KIND = "matrix"
FIELDS = SYNONYMS
ROW_FIELDS = {"code", "statement"}
NOT_A_COURSE = re.compile(r"^(合计|总计|小计|计数|覆盖|覆盖率|total|sum|count|coverage|%|序号|备注|notes?|remarks?)",
                          re.I)
CODE_LIKE = re.compile(r"^[A-Za-z]{0,10}[-_.]?\d+[a-z]*(?:[.\-_]\d+[a-z]*)*\.?$|^[A-Za-z]+(?:\.\d+[a-z]*)+\.?$", re.I)
_NAME_CODE = re.compile(r"^(.+?)\s*[(\[]\s*([A-Za-z0-9][A-Za-z0-9\-_./]*)\s*[)\]]\s*$")
_CODE_NAME = re.compile(r"^([A-Za-z]{1,10}[-_]?\d[A-Za-z0-9\-_.]*)\s+(.+)$")
_BARE_CODE = re.compile(r"^[A-Za-z]{0,10}[-_]?\d[A-Za-z0-9\-_.]*$")


def parse_course_header(label: str) -> tuple[str | None, str]:
    """(code or None, name) from "名称（代码）", "Name (CODE)", "CODE Name" or a bare code."""
    text = clean_text(label)
    match = _NAME_CODE.match(text)
    if match and any(ch.isdigit() for ch in match.group(2)):
        return match.group(2), match.group(1).strip()
    match = _CODE_NAME.match(text)
    if match:
        return match.group(1), match.group(2).strip()
    if _BARE_CODE.match(text):
        return text, text
    return None, text


def looks_like_code(value: Any) -> bool:
    text = clean_text(value)
    return bool(text) and len(text) <= 40 and bool(CODE_LIKE.match(text))


def transpose(sheet: RawSheet) -> RawSheet:
    """The sheet with rows and columns swapped (merged ranges too)."""
    rows = [list(col) for col in zip_longest(*sheet.rows, fillvalue="")]
    merged = [(c0, r0, c1, r1) for r0, c0, r1, c1 in sheet.merged]
    return RawSheet(name=sheet.name, rows=rows, merged=merged, hidden=sheet.hidden,
                    formula_cells={(c, r) for r, c in sheet.formula_cells})


def _transposed_signal(sheet: RawSheet) -> int | None:
    """The row holding competency codes across the top of a transposed matrix, if any."""
    for index, row in enumerate(sheet.rows[:30]):
        cells = [cell_text(c).strip() for c in row[1:]]
        filled = [c for c in cells if c]
        codes = [c for c in filled if looks_like_code(c) and "." in c]
        if len(codes) >= 2 and len(codes) >= 0.6 * len(filled):
            return index
    return None


def _guess_code_column(table: Table) -> None:
    """No code/statement header: take the first column whose values look like outline codes."""
    start = table.header.data_start
    rows = table.sheet.rows[start:start + 200]
    width = table.sheet.width
    for col in range(min(width, 6)):
        values = [cell_text(r[col]).strip() for r in rows if col < len(r) and cell_text(r[col]).strip()]
        if len(values) >= 2 and sum(looks_like_code(v) for v in values) >= 0.8 * len(values):
            table.header.mapping[col] = "code"
            table.header.confidence[col] = 0.6
            nxt = col + 1
            texts = [cell_text(r[nxt]).strip() for r in rows if nxt < len(r) and cell_text(r[nxt]).strip()]
            if texts and nxt not in table.header.mapping and \
                    sum(len(t) > 6 and not looks_like_code(t) for t in texts) >= 0.8 * len(texts):
                table.header.mapping[nxt] = "statement"
                table.header.confidence[nxt] = 0.6
            return


def _release_course_headers(table: Table | None, options: Options) -> None:
    """A header shaped like a course ("岗位实习（SJ4001）", "Name (CODE)") is a course column, even when a
    synonym is found in it ("岗位…" → job role): only an exact synonym or the user's mapping keeps it a field."""
    if table is None:
        return
    chosen = set((options.mapping or {}).values())
    for col, name in list(table.header.mapping.items()):
        label = table.header.labels[col] if col < len(table.header.labels) else ""
        if name in chosen or table.header.confidence.get(col, 0) >= 0.95:
            continue
        code, _name = parse_course_header(label.split(" / ")[-1])
        if code is not None and code != clean_text(label):
            del table.header.mapping[col]


def _open(book: RawBook, sheet: RawSheet, options: Options) -> tuple[Table | None, bool]:
    """The sheet as a matrix table (competencies as rows) and whether it was transposed."""
    orientation = options.orientation
    normal = None
    signal = _transposed_signal(sheet) if orientation is None else None
    if orientation != "columns":
        normal = open_table(book, sheet, FIELDS, options)
        _release_course_headers(normal, options)
        # dotted competency codes across the header row itself mean the sheet is transposed
        header_is_codes = signal is not None and normal is not None and signal == normal.header.row
        if normal is not None and ROW_FIELDS & set(normal.header.mapping.values()) and not header_is_codes:
            return normal, False
        if orientation == "rows":
            if normal is not None:
                _guess_code_column(normal)
                return (normal, False) if ROW_FIELDS & set(normal.header.mapping.values()) else (None, False)
            return None, False
    if orientation == "columns" or signal is not None:
        flipped = transpose(sheet)
        code_col = signal if signal is not None else 0
        header_row = options.header_row - 1 if options.header_row else 0
        guess = HeaderGuess(row=header_row, end=header_row,
                            labels=[cell_text(c).strip() for c in flipped.rows[header_row]] if flipped.rows else [],
                            mapping={code_col: "code"}, confidence={code_col: 0.6})
        if options.mapping:
            from services.importing.header import apply_mapping

            guess = apply_mapping(guess, options.mapping, FIELDS)
        return Table(book, flipped, guess), True
    if normal is not None:
        _guess_code_column(normal)
        if ROW_FIELDS & set(normal.header.mapping.values()):
            return normal, False
    return None, False


def course_columns(table: Table, *, with_empty: bool = False) -> list[tuple[int, str]]:
    """(column, header label) of every labelled, unmapped column that holds at least one mark.

    A course header merged across several columns names its first column only (the others
    are sub-columns); the mapping can name any column a course explicitly ("course" or
    "course:<name>").
    """
    out = []
    header = table.header
    continuation = set()
    for r0, c0, r1, c1 in table.sheet.merged:
        if r0 <= header.end and r1 >= header.row and c1 > c0:
            continuation.update(range(c0 + 1, c1 + 1))
    for col, label in enumerate(header.labels):
        mapped = header.mapping.get(col)
        if mapped is not None and mapped.startswith("course"):
            name = mapped.partition(":")[2].strip() or label.split(" / ")[-1].strip() or column_letter(col)
            out.append((col, name))
            continue
        if mapped is not None or not label or col in continuation:
            continue
        label = label.split(" / ")[-1].strip()
        if NOT_A_COURSE.match(clean_text(label)):
            continue
        if not with_empty and col not in _marked_columns(table):
            continue
        out.append((col, label))
    return out


def _marked_columns(table: Table) -> dict[int, set[Any]]:
    """Column → distinct raw marks, in one pass over the data rows (cached on the table)."""
    key = ("_marked_cache", table.header.data_start)
    cached = table.sheet.__dict__.get(key)  # kept on the sheet: detection and parsing both ask
    if cached is not None:
        return cached
    found: dict[int, set[Any]] = {}
    # column by column (one C-level pass per column): "", None and 0 are blank, the rest is checked
    # once per distinct value below
    for col, column in enumerate(zip_longest(*table.sheet.rows[table.header.data_start:], fillvalue="")):
        values = set(column)
        values.discard("")
        values.discard(None)
        values.discard(0)  # also 0.0 and False
        if values:
            found[col] = values
    marked = {col: values for col, values in found.items()
              if any(normalize_mark(v) not in BLANKS for v in values)}
    table.sheet.__dict__[key] = marked
    return marked


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """Marks → ``Dataset.alignments``; the rows' competencies and the header's courses are matched or created."""
    dataset = Dataset(kind=KIND, update_existing_nodes=False)
    candidates = [book.sheet(options.sheet)] if options.sheet else [
        s for s in book.sheets if s.rows and not s.hidden and not is_help_sheet(s.name)]
    if options.sheet and candidates[0] is None:
        select_sheets(book, options, FIELDS, required=())  # raises the "no such sheet" error
    tables: list[tuple[Table, bool]] = []
    for sheet in candidates:
        table, flipped = _open(book, sheet, options)
        if table is not None and course_columns(table):
            tables.append((table, flipped))
    if not tables:
        raise ImportRejected(Issue("import.error.matrix_layout", file=book.filename, sheet=options.sheet))
    provs: list[Prov] = []
    rejected: list[Prov] = []
    pending: list[tuple[Table, dict[int, Prov], list[tuple[int, str]], dict[str, int]]] = []
    sheets_info: dict[str, Any] = {}
    schemes: dict[str, Any] = {}
    courses: dict[str, CourseIn] = {}
    for number, (table, flipped) in enumerate(tables, start=1):
        columns = course_columns(table)
        distinct = _marked_columns(table)
        marks = set().union(*(distinct.get(c, set()) for c, _l in columns))
        scheme = _scheme(options, marks, table, book)
        schemes[table.sheet_name] = scheme
        errors_before = len(dataset.errors)
        rows = parse_rows(table, dataset, prefix=f"{number}:", sort_base=(number - 1) * 1_000_000,
                          allow_code_only=True)
        bad_rows = {e.row for e in dataset.errors[errors_before:] if e.sheet == table.sheet_name}
        by_key = {p.key: p for p in rows.provs}
        row_prov = {index: by_key[key] for index, key in rows.row_key.items()}
        course_cols = {c for c, _l in columns}
        for index in range(table.header.data_start, len(table.sheet.rows)):
            if index in row_prov or index + 1 in bad_rows or index in table.notes:
                continue
            cells = table.sheet.rows[index]
            if any(normalize_mark(v) not in BLANKS for c, v in enumerate(cells) if v and c in course_cols):
                dataset.errors.append(table.issue("import.error.matrix_row_without_competency", index, None))
        provs.extend(rows.provs)
        rejected.extend(rows.rejected)
        header_line = table.header.row + 1
        marked = {label for _c, label in columns}
        for _col, label in course_columns(table, with_empty=True):
            if label not in courses:
                code, name = parse_course_header(label)
                # a column without marks still says "this course is in the file", but creates nothing
                courses[label] = CourseIn(code=code, name=name, reference_only=True, ref=label,
                                          origin=Origin(table.sheet_name, header_line),
                                          create_if_missing=label in marked)
            elif label in marked:
                courses[label].create_if_missing = True
        pending.append((table, row_prov, columns, table_for(scheme)))
        info = table.info()
        info.update(transposed=flipped, mark_scheme=scheme, course_columns=[column_letter(c) for c, _ in columns])
        sheets_info[table.sheet_name] = info
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename,
                             infer_outline_parents=not any(t.column_for("parent") is not None for t, *_ in pending),
                             rejected=rejected)
    kinds = {n.code: n.kind for n in dataset.nodes}
    for table, row_prov, columns, marks_table in pending:
        labels = dict(columns)
        levels_of: dict[Any, int | None] = {}
        for value in set().union(*(_marked_columns(table).get(c, set()) for c in labels)):
            try:
                levels_of[value] = level_of(value, marks_table)
            except (KeyError, TypeError):
                pass  # reported per cell below
        for index, prov in row_prov.items():
            if prov.key not in kinds:
                continue
            cells = table.sheet.rows[index]
            levels = []
            problems = []
            for col in compress(range(len(cells)), cells):  # the filled cells only
                if col not in labels:
                    continue
                value = cells[col]
                label = labels[col]
                try:
                    level = levels_of.get(value) if value in levels_of else level_of(value, marks_table)
                except KeyError:
                    problems.append(table.issue("import.error.mark_value", index, col, value=cell_text(cells[col]),
                                                scheme=_scheme_label(schemes[table.sheet_name])))
                    continue
                if level is not None:
                    levels.append((label, level))
            if problems:
                dataset.errors.extend(problems)
                continue
            if levels and kinds[prov.key] != "competency":
                dataset.warnings.append(table.issue("import.warning.marks_on_group", index, None, code=prov.key))
                continue
            if levels:
                origin = Origin(table.sheet_name, index + 1)  # one per row, shared by its marks
                dataset.alignments.extend(AlignmentIn(prov.key, label, level, origin) for label, level in levels)
    dataset.courses = list(courses.values())
    dataset.info["sheets"] = sheets_info
    dataset.info["outline_parents"] = True
    first = next(iter(schemes.values()))
    dataset.info["mark_scheme"] = first
    dataset.info["mark_candidates"] = list(SCHEMES)
    return dataset


def _scheme_label(scheme: Any) -> str:
    if isinstance(scheme, dict):
        return ", ".join(f"{k}={v}" for k, v in scheme.items())
    return str(scheme)


def _scheme(options: Options, marks: list[Any], table: Table, book: RawBook) -> str | dict[str, int]:
    if options.marks:
        return options.marks
    scheme, candidates, unknown = detect_scheme(marks)
    if scheme:
        return scheme
    if candidates:
        seen = sorted({normalize_mark(m) for m in marks} - BLANKS)
        exc = ImportRejected(Issue("import.error.marks_ambiguous", {
            "values": ", ".join(seen[:10]), "schemes": ", ".join(candidates)}, file=book.filename,
            sheet=table.sheet_name))
        raise exc
    if unknown:
        raise ImportRejected(Issue("import.error.marks_unknown", {"values": ", ".join(unknown[:10])},
                                   file=book.filename, sheet=table.sheet_name))
    return "numeric"


def score(book: RawBook) -> float:
    best = 0.0
    for sheet in book.sheets[:6]:
        if not sheet.rows or sheet.hidden or is_help_sheet(sheet.name):
            continue
        guess = detect_header(sheet, FIELDS)
        signal = _transposed_signal(sheet)
        if guess is None and signal is None:
            continue
        if signal is not None:
            best = max(best, 0.7)
            continue
        if not ROW_FIELDS & set(guess.mapping.values()):
            continue
        table = Table(book, sheet, guess)
        columns = course_columns(table)
        if not columns:
            continue
        marks = [r[c] for r in sheet.rows[guess.data_start:guess.data_start + 300] for c, _ in columns if c < len(r)]
        values = {normalize_mark(m) for m in marks} - BLANKS
        known = set().union(*(set(t) for t in SCHEMES.values()))
        if values and values <= known:
            best = max(best, 0.6 + min(len(columns), 10) * 0.03)
    return best
