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

import contextlib
import re
from dataclasses import dataclass, field
from itertools import compress, zip_longest
from operator import add
from typing import Any

from services.importing.header import COURSE_SYNONYMS, SYNONYMS, HeaderGuess, match_field, norm_label
from services.importing.kinds.framework import parse_rows, select_sheets
from services.importing.limits import Limits
from services.importing.marks import BLANKS, SCHEMES, detect_scheme, level_of, normalize_mark, table_for
from services.importing.readers import RawBook, RawSheet, cell_text, clean_text, column_letter
from services.importing.records import AlignmentIn, CourseIn, Dataset, ImportRejected, Issue, Origin
from services.importing.table import TOTAL_WORDS, Options, Table, is_help_sheet, open_table
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
# rows and columns that sum up the matrix (compared without spaces or punctuation, see ``norm_label``)
TOTAL_LABEL = re.compile(r"^(?:合计|总计|小计|共计|总数|累计|total|totals|sum|subtotal|grandtotal)$", re.I)
COUNT_LABEL = re.compile(r"^(?:(?:支撑|覆盖|对应|关联|涉及)\w{0,4}数\w{0,2}|计数|覆盖率|支撑度|count|counts|coverage|"
                         r"numberof\w*|%)$", re.I)
LEGEND_HEAD = re.compile(r"^\s*(?:图例|标记说明|符号说明|说明|备注|注|legend|key|notes?)\s*(?:[:：]|$)", re.I)
# signature lines under the table: 制表人：… 审核人：… 日期：…
SIGNATURE = re.compile(r"^\s*(?:制表|填表|编制|审核|审定|审批|批准|校对|负责人|专业负责人|教研室主任|签字|签名|日期|"
                       r"prepared by|checked by|approved by|date)\w{0,3}\s*[:：]", re.I)
NOTE_HEAD = re.compile(r"^\s*(?:注|备注|说明|note|notes|remarks?)\s*\d*\s*[:：、.．]", re.I)
# "●强相关", "H—高", "I = introduced", "3：强": a mark followed by its meaning
LEGEND_PAIR = re.compile(r"(?:[●◐○■▲△◉◎◑√✓✔☑]|(?<![A-Za-z])[HMLIR](?![A-Za-z])|(?<!\d)[0-3](?=\s*[—–\-－=:：]))\s*"
                         r"[—–\-－=:：、]?\s*(?:强|中|弱|高|低|较|一般|相关|支撑|introduced|reinforced|mastered|"
                         r"high|medium|low|strong|weak)", re.I)


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


@dataclass
class Transposed:
    """Where a transposed matrix sits: the row of competency headers, the course label columns, what the
    headers hold ("code" or "statement")."""

    row: int
    label_cols: list[int]
    field: str = "code"


_COURSE_WORD = re.compile(r"^(?:课程|course|科目|subject|module)", re.I)


def _is_course_label(text: str) -> bool:
    """A header over the courses of a transposed matrix: "课程", "课程名称", "课程代码", "课程 \\ 能力", "Course".

    A bare "编码" or "名称" is not enough: a matrix's competency columns are often headed so."""
    return bool(_COURSE_WORD.match(text))


def _transposed_signal(sheet: RawSheet) -> Transposed | None:
    """The layout of a transposed matrix (competencies across the top, courses down the side), if it is one.

    Either dotted competency codes fill the header row, or the row starts with course labels
    ("课程代码 | 课程名称") followed by competency codes or statements (summary columns aside).
    """
    for index, row in enumerate(sheet.rows[:30]):
        texts = [cell_text(c).strip() for c in row]
        filled = [(i, t) for i, t in enumerate(texts) if t]
        if len(filled) < 3:
            continue
        labels = []
        for i, text in filled[:3]:
            if not _is_course_label(text):
                break
            labels.append(i)
        rest = [t for i, t in filled[1:] if i not in labels]
        codes = [t for t in rest if looks_like_code(t) and "." in t]
        if len(codes) >= 2 and len(codes) >= 0.6 * len(rest):
            return Transposed(index, labels or [filled[0][0]])  # "课程代码 | 课程名称" both label the courses
        if not labels:
            continue
        heads = [t for i, t in filled if i > labels[-1] and not _summary_label(t) and not LEGEND_HEAD.match(t)]
        if len(heads) < 2 or any(match_field(t, COURSE_SYNONYMS)[1] >= 0.75 for t in heads):
            continue  # a course catalogue: 学分, 学时, 开设学期 …
        if sum(_course_shaped(t) for t in heads) * 2 >= len(heads):
            continue  # "名称（代码）" across the top: courses as columns, the usual way round
        if sum(looks_like_code(t) for t in heads) >= 0.6 * len(heads):
            return Transposed(index, labels, "code")
        if sum(len(t) > 4 and not looks_like_code(t) for t in heads) >= 0.6 * len(heads):
            return Transposed(index, labels, "statement")
    return None


def _course_shaped(label: str) -> bool:
    """"工业机器人现场编程（ZY2031）", "ZY2031 …": a label that names a course with its code."""
    code, _name = parse_course_header(label)
    return code is not None and code != clean_text(label)


# first characters of the summary, legend and note labels above: any other row label is a competency
_LABEL_STARTS = frozenset("合总小共累支覆对关涉计图标符说备注制填编审批校负专教签日%tTsSgGcCnNlLkKrRHMIpPaAdD"
                           "●◐○■▲△◉◎◑√✓✔☑")


def _summary_label(text: str) -> str | None:
    """"total" for 合计 / 总计 / 小计 …, "summary" for 支撑数 / 支撑能力数 / 覆盖数 / 计数 …, else None."""
    if text[:1] not in _LABEL_STARTS and text.lstrip()[:1] not in _LABEL_STARTS:
        return None
    key = norm_label(text)
    if not key or len(key) > 12:
        return None
    if TOTAL_LABEL.match(key) or key in TOTAL_WORDS:
        return "total"
    if COUNT_LABEL.match(key):
        return "summary"
    return None


@dataclass
class FlippedTable(Table):
    """A transposed sheet read as a matrix: its rows are the sheet's columns. Issues name the cell
    as the sheet shows it (row ``col + 1``, column letter of ``row``), not the flipped position."""

    def issue(self, key: str, row: int | None = None, col: int | None = None, **params: Any) -> Issue:
        return Issue(key, params, file=self.book.filename, sheet=self.sheet.name,
                     row=None if col is None else col + 1,
                     column=None if row is None else column_letter(row))

    def sheet_origin(self, origin: Origin) -> Origin:
        """A row origin of the flipped table as the sheet's column (and the competency header's row)."""
        if origin.row is None:
            return origin
        header_row = next(iter(self.header.mapping), None)
        return Origin(origin.sheet, None if header_row is None else header_row + 1, column_letter(origin.row - 1))


def _transposed_table(book: RawBook, sheet: RawSheet, layout: Transposed, options: Options) -> Table:
    """The transposed sheet as a matrix table: one header row per course label column, the competency
    headers as the code (or statement) column; "代码" and "名称" columns make "名称（代码）" course labels."""
    flipped = transpose(sheet)
    first, last = layout.label_cols[0], layout.label_cols[-1]
    if options.header_row:
        first = last = options.header_row - 1
    header_cells = [cell_text(sheet.cell(layout.row, c)).strip() for c in range(first, last + 1)]
    code_cols = [c for c, text in zip(range(first, last + 1), header_cells, strict=True)
                 if match_field(text, COURSE_SYNONYMS)[0] == "code"]
    name_cols = [c for c in range(first, last + 1) if c not in code_cols]
    labels = []
    for r in range(len(flipped.rows[0]) if flipped.rows else 0):
        if r < layout.row:
            labels.append("")  # title rows above the header name no course
            continue
        code = " ".join(cell_text(sheet.cell(r, c)).strip() for c in code_cols).strip()
        name = " ".join(cell_text(sheet.cell(r, c)).strip() for c in name_cols).strip()
        labels.append(f"{name}（{code}）" if code and name and r != layout.row else name or code)
    guess = HeaderGuess(row=first, end=last, labels=labels, mapping={layout.row: layout.field},
                        confidence={layout.row: 0.6})
    if options.mapping:
        from services.importing.header import apply_mapping

        guess = apply_mapping(guess, options.mapping, FIELDS)
    return FlippedTable(book, flipped, guess)


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
    layout = _transposed_signal(sheet) if orientation != "rows" else None
    if orientation != "columns":
        normal = open_table(book, sheet, FIELDS, options)
        _release_course_headers(normal, options)
        # competency headers across the header row itself mean the sheet is transposed
        header_is_codes = layout is not None and normal is not None and layout.row == normal.header.row
        if normal is not None and ROW_FIELDS & set(normal.header.mapping.values()) and not header_is_codes:
            return normal, False
        if orientation == "rows":
            if normal is not None:
                _guess_code_column(normal)
                return (normal, False) if ROW_FIELDS & set(normal.header.mapping.values()) else (None, False)
            return None, False
    if orientation == "columns" or layout is not None:
        return _transposed_table(book, sheet, layout or Transposed(0, [0]), options), True
    if normal is not None:
        _guess_code_column(normal)
        if ROW_FIELDS & set(normal.header.mapping.values()):
            return normal, False
    if orientation != "columns":
        headerless = _headerless_table(book, sheet)
        if headerless is not None:
            return headerless, False
    return None, False


_LETTERED_CODE = re.compile(r"^[A-Za-z]{1,10}[-_]?\d+[A-Za-z]?$")


def _headerless_table(book: RawBook, sheet: RawSheet) -> Table | None:
    """No header names the competency columns (a date over the codes): the first column of outline codes is the
    code column, the next one of text the statements, and the header is the first row above them with three or
    more course codes (UC51, UC52 …; merged over their sub-columns)."""
    rows = sheet.rows[:400]
    code_col = None
    for col in range(min(sheet.width, 6)):
        filled = [t for t in (cell_text(r[col]).strip() for r in rows if col < len(r)) if t]
        dotted = [t for t in filled if "." in t and looks_like_code(t) and any(ch.isalpha() for ch in t)]
        if len(dotted) >= 5 and len(dotted) >= 0.6 * len(filled):
            code_col = col
            break
    if code_col is None:
        return None
    first = next(i for i, r in enumerate(rows) if code_col < len(r) and looks_like_code(cell_text(r[code_col]).strip())
                 and "." in cell_text(r[code_col]))
    for row in range(min(first, 30)):
        cells = sheet.rows[row]
        codes = [c for c, v in enumerate(cells) if c > code_col + 1 and v.__class__ is str
                 and _LETTERED_CODE.match(v.strip())]
        if len(codes) < 3:
            continue
        from services.importing.header import _block_end, header_labels

        end = _block_end(sheet, row)
        labels = header_labels(sheet, row, end)
        mapping = {code_col: "code"}
        texts = [cell_text(r[code_col + 1]).strip() for r in rows[first:first + 50] if code_col + 1 < len(r)]
        if sum(len(t) > 6 for t in texts) >= 0.6 * max(len(texts), 1):
            mapping[code_col + 1] = "statement"
        # the rows between the course codes and the first competency (sub-labels, per-course sums) belong to
        # the header block: their numbers are no marks
        return Table(book, sheet, HeaderGuess(row, max(end, first - 1), labels, mapping, dict.fromkeys(mapping, 0.5)))
    return None


def course_columns(table: Table, *, with_empty: bool = False, aside: bool = True) -> list[tuple[int, str]]:
    """(column, header label) of every labelled, unmapped column that holds at least one mark.

    A course header merged across several columns names its first column only (the others
    are sub-columns); the mapping can name any column a course explicitly ("course" or
    "course:<name>"). Columns set aside (legends, summaries, see ``set_aside``) are no courses.
    """
    out = []
    header = table.header
    ignored = table.sheet.__dict__.get("_aside", Aside()).columns if aside else {}
    continuation = set()
    for r0, c0, r1, c1 in table.sheet.merged:
        # a label merged across columns on the header's last row names one course; a group above it
        # ("第1学期" over several courses) does not make its courses sub-columns
        if r0 <= header.end <= r1 and c1 > c0:
            continuation.update(range(c0 + 1, c1 + 1))
    for col, label in enumerate(header.labels):
        mapped = header.mapping.get(col)
        if mapped is not None and mapped.startswith("course"):
            name = mapped.partition(":")[2].strip() or label.split(" / ")[-1].strip() or column_letter(col)
            out.append((col, name))
            continue
        if mapped is not None or not label or col in continuation or col in ignored:
            continue
        label = label.split(" / ")[-1].strip()
        if NOT_A_COURSE.match(clean_text(label)) and not _summary_label(label):
            continue
        if not with_empty and col not in _marked_columns(table):
            continue
        out.append((col, label))
    return out


@dataclass
class Aside:
    """Rows and columns of a matrix that are not competencies or courses: (reason, text) by table index."""

    rows: dict[int, tuple[str, str]] = field(default_factory=dict)
    columns: dict[int, tuple[str, str]] = field(default_factory=dict)


def _is_legend(text: str) -> bool:
    """"图例：…", "H—高 M—中 L—低", "●强相关 ◐中等相关 ○弱相关": a line explaining the marks."""
    return bool(LEGEND_HEAD.match(text)) or len(LEGEND_PAIR.findall(text)) >= 2


def _note_or_legend(text: str) -> str:
    """Under a matrix, a note that pairs marks with meanings ("注：3—强支撑，2—中支撑…") is its legend."""
    return "legend" if len(LEGEND_PAIR.findall(text)) >= 2 else "note"


def _int_like(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if value == int(value) and value >= 0 else None
    text = cell_text(value).strip()
    return int(text) if text.isdigit() else None


def _is_mark(value: Any) -> bool:
    return value not in ("", None) and normalize_mark(value) not in BLANKS


def set_aside(table: Table) -> Aside:
    """Find the legend, note and summary rows and columns of a matrix, BEFORE its marks are read.

    Rows: a first label cell (outside the course columns) reading 合计 / 总计 / 小计 ("total"),
    支撑数 / 支撑能力数 / 覆盖数 / 计数 ("summary"), a legend ("图例：…", "H—高 M—中 L—低") or a
    note ("注：…"); an unlabelled row at the bottom whose numbers count the marks above them.
    Columns: the same words in the header, a legend column, or a rightmost column of numbers that
    count the marks of their row. The sheet of ``table`` is replaced by a copy without those rows
    (row numbers unchanged), so the mark scheme is detected from the marks alone. Linear in cells:
    the count checks run only on rows and columns holding numbers alone, column-wise like
    ``_marked_columns`` (a count column is first tried on 20 rows).
    """
    header = table.header
    key = ("_aside", header.row, header.end, tuple(header.mapping.items()))
    cached = table.sheet.__dict__.get(key)  # detection and parsing both ask: (aside, sheet without its rows)
    if cached is not None:
        table.sheet = cached[1]
        table.sheet.__dict__["_aside"] = cached[0]  # what ``course_columns`` leaves out
        return cached[0]
    aside = Aside()
    rows = table.sheet.rows
    labelled = course_columns(table, with_empty=True, aside=False)
    if not labelled:  # no course column: not a matrix (a framework list asks this while its kind is scored)
        table.sheet.__dict__[key] = (aside, table.sheet)
        table.sheet.__dict__["_aside"] = aside
        return aside
    candidates = [c for c, _label in labelled]
    for col, label in labelled:
        reason = _summary_label(label) or ("legend" if _is_legend(label) else None)
        if reason:
            aside.columns[col] = (reason, label)
    course_set = set(candidates)
    label_cols = [c for c in range(table.sheet.width) if c not in course_set]
    data = [i for i in range(header.data_start, len(rows)) if rows[i]]
    unlabelled: list[int] = []
    for index in data:
        cells = rows[index]
        text = ""
        for c in label_cols:  # the first filled label cell (usually the code column: one look)
            if c < len(cells) and cells[c] != "" and cells[c] is not None:
                text = cell_text(cells[c]).strip()
                if text:
                    break
        if not text:
            filled = len(cells) - cells.count("") - cells.count(None)
            if filled and filled <= 3:  # a legend merged across the course columns
                text = next((t for t in (cell_text(c).strip() for c in cells) if t), "")
                if text and (NOTE_HEAD.match(text) or _is_legend(text)):
                    aside.rows[index] = (_note_or_legend(text) if NOTE_HEAD.match(text) else "legend", text)
                    continue
            if filled:
                unlabelled.append(index)
            continue
        if text[0] not in _LABEL_STARTS:
            continue  # a competency row: summaries, legends and notes start otherwise
        reason = _summary_label(text) or ("note" if SIGNATURE.match(text) else None) or \
            ("legend" if LEGEND_HEAD.match(text) and not NOTE_HEAD.match(text) else None)
        if reason is None and len(cells) - cells.count("") - cells.count(None) <= 3:
            reason = _note_or_legend(text) if NOTE_HEAD.match(text) else "legend" if _is_legend(text) else None
        if reason:
            aside.rows[index] = (reason, text)
    marked = _marked_columns(table)
    for col in candidates:
        if col in aside.columns:
            continue
        values = [cell_text(v).strip() for v in marked.get(col, ())]
        pairs = [v for v in values if LEGEND_PAIR.match(v) and len(v) > 2]
        if pairs and len(pairs) * 2 >= len(values):
            aside.columns[col] = ("legend", table.header.label(col))
    courses = [c for c in candidates if c not in aside.columns]
    kept = [i for i in data if i not in aside.rows]
    # unlabelled rows at the bottom whose numbers count the marks above them
    for index in reversed(unlabelled):
        if not kept or index != kept[-1]:
            break
        if not _counts_column_marks(table, index, courses, [i for i in kept if i != index]):
            break
        aside.rows[index] = ("summary", " ".join(cell_text(c).strip() for c in rows[index] if cell_text(c).strip()))
        kept.remove(index)
    # a rightmost column of numbers counting the marks of each row
    while len(courses) > 1 and _counts_row_marks(table, courses[-1], courses[:-1], kept):
        col = courses.pop()
        aside.columns[col] = ("summary", table.header.label(col))
    if aside.rows:
        sheet = table.sheet
        copy = RawSheet(name=sheet.name, rows=[[] if i in aside.rows else r for i, r in enumerate(rows)],
                        merged=[m for m in sheet.merged if m[0] not in aside.rows], hidden=sheet.hidden,
                        formula_cells=sheet.formula_cells)
        for name in ("_header_cache", "_labels_cache"):
            if name in sheet.__dict__:
                copy.__dict__[name] = sheet.__dict__[name]
        sheet.__dict__[key] = (aside, copy)
        table.sheet = copy
    table.sheet.__dict__[key] = (aside, table.sheet)
    table.sheet.__dict__["_aside"] = aside
    return aside


def _column_values(table: Table, kept: list[int], wanted: set[int]) -> dict[int, tuple[Any, ...]]:
    """The ``wanted`` columns' values over the ``kept`` rows, in one C-level pass (as ``_marked_columns``)."""
    rows = table.sheet.rows
    columns = zip_longest(*(rows[i] for i in kept), fillvalue="")
    return {col: column for col, column in enumerate(columns) if col in wanted}


def _mark_count(column: tuple[Any, ...]) -> int:
    """How many cells of ``column`` hold a mark (counted per distinct value)."""
    return sum(column.count(v) for v in set(column) if _is_mark(v))


def _counts_column_marks(table: Table, index: int, courses: list[int], kept: list[int]) -> bool:
    """True when every filled course cell of row ``index`` (two at least) is the number of marks in its
    column over the ``kept`` rows."""
    cells = table.sheet.rows[index]
    numbers = {}
    for col in courses:
        value = cells[col] if col < len(cells) else ""
        if value in ("", None):
            continue
        number = _int_like(value)
        if number is None:
            return False
        numbers[col] = number
    if len(numbers) < 2:
        return False
    columns = _column_values(table, kept, set(numbers))
    return all(_mark_count(columns.get(col, ())) == number for col, number in numbers.items())


def _counts_row_marks(table: Table, col: int, others: list[int], kept: list[int]) -> bool:
    """True when column ``col`` holds, on every ``kept`` row, the number of marks in the ``others`` columns
    (two rows with a count at least): a first look at 20 rows, then column-wise counts."""
    values = _marked_columns(table).get(col)
    if not values or any(_int_like(v) is None for v in values):
        return False
    rows = table.sheet.rows

    def number(cells: list[Any]) -> int | None:
        return _int_like(cells[col]) if col < len(cells) and cells[col] not in ("", None) else 0

    for index in kept[:20]:  # most all-number columns are courses with numeric marks: they fail here
        cells = rows[index]
        if number(cells) != sum(1 for c in others if c < len(cells) and _is_mark(cells[c])):
            return False
    columns = _column_values(table, kept, set(others))
    counts = [0] * len(kept)
    for column in columns.values():
        marks = {v for v in set(column) if _is_mark(v)}
        counts = list(map(add, counts, map(marks.__contains__, column)))
    numbers = [number(rows[i]) for i in kept]
    return numbers == counts and sum(1 for n in numbers if n) >= 2


def _marked_columns(table: Table) -> dict[int, set[Any]]:
    """Column → distinct raw marks, in one pass over the data rows (cached on the table's sheet)."""
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
        if table is not None:
            set_aside(table)
        if table is not None and course_columns(table):
            tables.append((table, flipped))
    if not tables:
        raise ImportRejected(Issue("import.error.matrix_layout", file=book.filename, sheet=options.sheet))
    provs: list[Prov] = []
    rejected: list[Prov] = []
    pending: list[tuple[Table, dict[int, Prov], list[tuple[int, str]], dict[str, int]]] = []
    sheets_info: dict[str, Any] = {}
    reading: list[dict[str, Any]] = dataset.info.setdefault("reading", [])
    schemes: dict[str, Any] = {}
    courses: dict[str, CourseIn] = {}
    for number, (table, flipped) in enumerate(tables, start=1):
        columns = course_columns(table)
        distinct = _marked_columns(table)
        marks = set().union(*(distinct.get(c, set()) for c, _l in columns))
        scheme = _scheme(options, marks, table, book, columns, flipped)
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
        if isinstance(table, FlippedTable):  # where the sheet shows it: a competency is a column
            for prov in (*rows.provs, *rows.rejected):
                prov.origin = table.sheet_origin(prov.origin)
        provs.extend(rows.provs)
        rejected.extend(rows.rejected)
        reading.append(_reading(table, flipped, dataset))
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
        if flipped:
            info["reading"] = _sheet_reading(table, info["reading"])
        for item in info["reading"]["ignored"]:  # a line of a matrix counts marks: a summary, whatever its word
            if item["reason"] in ("total", "subtotal"):
                item["reason"] = "summary"
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
            with contextlib.suppress(KeyError, TypeError):  # reported per cell below
                levels_of[value] = level_of(value, marks_table)
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
                if isinstance(table, FlippedTable):
                    origin = table.sheet_origin(origin)
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


def _sheet_reading(table: Table, reading: dict[str, Any]) -> dict[str, Any]:
    """A transposed table's reading in the sheet's own rows and columns: the competency header row, the course
    label columns, titles above the header, and every ignored line on its sheet axis."""
    header = table.header
    head_rows = sorted(header.mapping)  # the flipped table's mapped columns are the sheet's header rows
    first = head_rows[0] if head_rows else 0
    ignored = []
    sheet_rows = table.sheet.rows  # flipped: one row per sheet column
    for r in range(first):
        texts = [t for t in (cell_text(col[r]).strip() for col in sheet_rows if r < len(col)) if t]
        if texts:
            ignored.append({"row": r + 1, "column": None, "reason": "title", "text": " ".join(texts)[:60],
                            "by": "reading"})
    for item in reading["ignored"]:
        row, column = item["row"], item["column"]
        swapped = {**item, "row": None if column is None else _column_index(column) + 1,
                   "column": None if row is None else column_letter(row - 1)}
        ignored.append(swapped)
    mapping = [{"column": column_letter(c), "label": header.labels[c] if c < len(header.labels) else "",
                "field": "course"} for c in range(header.row, header.end + 1)]
    mapping += [{"row": r + 1, "label": "", "field": f} for r, f in sorted(header.mapping.items())]
    return {**reading, "header_rows": [r + 1 for r in head_rows], "mapping": mapping, "ignored": ignored,
            "groups": [], "transposed": True}


def _column_index(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch.upper()) - 64
    return number - 1


def _reading(table: Table, flipped: bool, dataset: Dataset) -> dict[str, Any]:
    """What the matrix set aside, in the sheet's own rows and columns (a transposed table's rows are the
    sheet's columns), with one warning each: ``{"sheet", "ignored": [{row, column, reason, text}], "transposed"}``."""
    aside = table.sheet.__dict__.get("_aside", Aside())
    found = [("row", index, reason, text) for index, (reason, text) in aside.rows.items()]
    for index in table.notes:
        text = next((cell_text(c).strip() for c in table.sheet.rows[index] if cell_text(c).strip()), "")
        found.append(("row", index, _summary_label(text) or "note", text))
    found += [("column", col, reason, text) for col, (reason, text) in aside.columns.items()]
    ignored = []
    for axis, index, reason, text in found:
        reason = "summary" if reason in ("total", "subtotal") else reason  # a matrix's totals count marks
        if (axis == "row") != flipped:  # a sheet row
            row, column = index + 1, None
        else:
            row, column = None, column_letter(index)
        ignored.append({"row": row, "column": column, "reason": reason, "text": text[:120]})
        key = "import.warning.matrix_ignored_row" if row is not None else "import.warning.matrix_ignored_column"
        dataset.warnings.append(Issue(f"{key}.{reason}", {"text": text[:60], "row": row or "", "column": column or ""},
                                      file=table.book.filename, sheet=table.sheet_name, row=row, column=column))
    ignored.sort(key=lambda i: (i["row"] is None, i["row"] or 0, i["column"] or ""))
    if table.notes:  # reported above with the matrix's own reasons
        dataset.warnings[:] = [w for w in dataset.warnings
                               if not (w.key == "import.warning.note_row" and w.sheet == table.sheet_name)]
    return {"sheet": table.sheet_name, "ignored": ignored, "transposed": flipped}


def _scheme_label(scheme: Any) -> str:
    if isinstance(scheme, dict):
        return ", ".join(f"{k}={v}" for k, v in scheme.items())
    return str(scheme)


MAX_CELLS_NAMED = 10


def _cells_holding(table: Table, columns: list[tuple[int, str]], unknown: set[str], flipped: bool) -> list[str]:
    """Sheet references ("D7", "F12") of the course cells holding one of the ``unknown`` marks, in sheet order."""
    marked = _marked_columns(table)
    found = []
    rows = table.sheet.rows
    for col, _label in columns:
        bad = {v for v in marked.get(col, ()) if normalize_mark(v) in unknown}
        if not bad:
            continue
        for index in range(table.header.data_start, len(rows)):
            cells = rows[index]
            if col < len(cells) and cells[col] in bad:
                found.append((col, index) if flipped else (index, col))
    found.sort()
    return [f"{column_letter(c)}{r + 1}" for r, c in found]


def _scheme(options: Options, marks: set[Any], table: Table, book: RawBook, columns: list[tuple[int, str]],
            flipped: bool) -> str | dict[str, int]:
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
        cells = _cells_holding(table, columns, set(unknown), flipped)
        listed = ", ".join(cells[:MAX_CELLS_NAMED]) + (" …" if len(cells) > MAX_CELLS_NAMED else "")
        raise ImportRejected(Issue("import.error.marks_unknown", {"values": ", ".join(unknown[:10]), "cells": listed,
                                                                  "count": len(cells)},
                                   file=book.filename, sheet=table.sheet_name))
    return "numeric"


def score(book: RawBook) -> float:
    """0.6–0.9 for a sheet whose course columns hold only known marks (legends and summaries set aside),
    0.8 at least for a transposed one, 0.95 when two or more course headers read "名称（代码）"; 0.6 for a
    matrix with course-shaped headers and some marks no scheme knows (the import names the cells)."""
    best = 0.0
    known = set().union(*(set(t) for t in SCHEMES.values()))
    for sheet in book.sheets[:6]:
        if not sheet.rows or sheet.hidden or is_help_sheet(sheet.name):
            continue
        table, flipped = _open(book, sheet, Options())
        if table is None:
            continue
        set_aside(table)
        columns = course_columns(table)
        if not columns:
            continue
        marked = _marked_columns(table)
        values = {normalize_mark(m) for c, _l in columns for m in marked.get(c, ())} - BLANKS
        shaped = sum(1 for _c, label in columns if _course_shaped(label) or _LETTERED_CODE.match(label.strip()))
        course_like = shaped * 2 >= len(columns)
        if values and values <= known:
            value = 0.6 + min(len(columns), 10) * 0.03 + (0.1 if course_like else 0.0)
            if course_like and len(columns) >= 2:
                value = max(value, 0.95)  # courses named with their codes over known marks: a matrix, even with
                # 工作领域 / 能力 columns that also make it look like a framework
            best = max(best, value, 0.8 if flipped else 0.0)
        elif values & known and course_like:
            best = max(best, 0.6)
    return min(best, 1.0)
