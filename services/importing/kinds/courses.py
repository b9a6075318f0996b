"""``courses``: a course catalogue (code, name, type, credits, hours theory/practice/total, semester).

Chinese plan templates split hours over several columns (理论/实验/实践/上机学时) under a
merged "教学安排" header: the practice-like columns are added up, and a total without a
split is kept as theory hours. Course types are read from 课程类型/类别/层次 words
(公共基础课, 专业核心课, 实践课, 选修 …); an unknown word is a warning, not an error.
"""

from __future__ import annotations

import re
from typing import Any

from services.importing.header import COURSE_SYNONYMS, detect_header, match_field
from services.importing.kinds.framework import select_sheets
from services.importing.limits import Limits
from services.importing.readers import RawBook, clean_text
from services.importing.records import CourseIn, Dataset, Issue, Origin
from services.importing.regions import squeeze
from services.importing.table import Options, Table, formula_issue, is_help_sheet, note_warnings
from services.importing.tree import code_text

KIND = "courses"
FIELDS = COURSE_SYNONYMS
COURSE_TYPE_WORDS = {
    "public_basic": ("public_basic", "公共基础课", "公共基础", "公共课", "公共必修课", "通识", "通识课", "通识教育",
                     "通识教育课程", "general", "general education", "public"),
    "professional_basic": ("professional_basic", "专业基础课", "专业基础", "学科基础", "学科基础课", "专业群平台课",
                           "平台课", "foundation", "professional basic", "basic"),
    "professional_core": ("professional_core", "专业核心课", "专业核心", "核心课", "专业课", "专业方向", "专业方向课",
                          "core", "professional core", "major"),
    "practice": ("practice", "实践课", "实践", "实践教学", "实训", "实训课", "实习", "集中实践", "综合实践",
                 "practical", "internship", "lab"),
    "elective": ("elective", "选修", "选修课", "专业拓展", "拓展课", "专业选修课", "公共选修课", "任选课", "optional"),
}
_TYPE_LOOKUP = {clean_text(w).lower(): t for t, words in COURSE_TYPE_WORDS.items() for w in words}
_TYPE_HINTS = (("选修", "elective"), ("拓展", "elective"), ("实践", "practice"), ("实训", "practice"),
               ("实习", "practice"), ("核心", "professional_core"), ("学科基础", "professional_basic"),
               ("专业基础", "professional_basic"), ("公共", "public_basic"), ("通识", "public_basic"),
               ("专业", "professional_core"))
# a course type alone on a row ("公共基础课", "专业核心课程") is a section heading, not a course without a code
SECTION_WORDS = frozenset(squeeze(w) for words in COURSE_TYPE_WORDS.values() for w in words if not w.isascii()) | \
    frozenset(squeeze(w + "程") for words in COURSE_TYPE_WORDS.values() for w in words if w.endswith("课")) | \
    frozenset({"必修课", "必修课程", "选修课程", "公共必修课程", "专业必修课", "专业必修课程", "专业选修课程",
               "实践教学环节", "集中实践教学环节", "素质拓展课程"})
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}


def parse_course_type(value: Any) -> str | None:
    """A type word → one of COURSE_TYPES; None when blank; ``ValueError`` when unknown."""
    text = clean_text(value).lower()
    if not text:
        return None
    if text in _TYPE_LOOKUP:
        return _TYPE_LOOKUP[text]
    for hint, kind in _TYPE_HINTS:
        if hint in text:
            return kind
    raise ValueError(text)


_CN_NUMBER = re.compile(r"十[一二三四五六七八九]?|[一二三四五六七八九]十?[一二三四五六七八九]?")
_TERM = re.compile(r"(\d+(?:\.0+)?)")
_SPAN = re.compile(r"\d\s*(?:[-–—~～至到、,，/／;；]|\s)\s*(?:第\s*)?\d")


def _cn_number(text: str) -> int:
    if text.startswith("十"):
        return 10 + (_CN_DIGITS.get(text[1:2], 0) if len(text) > 1 else 0)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _CN_DIGITS.get(tens, 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)
    return _CN_DIGITS.get(text, 0)


def parse_semester(value: Any, *, spans: bool = False) -> int | tuple[int | None, bool] | None:
    """"3", "第3学期", "第三学期", "第二学年：长1" (→ 3), "1-2" / "1、2" (→ 1, a span); None when blank.

    A course taught over several semesters keeps the first (the model holds one); with ``spans=True``
    the result is ``(semester, spans_several)`` so the caller can say so. ``ValueError`` when unreadable.
    """
    text = clean_text(value)
    if not text:
        return (None, False) if spans else None
    text = _CN_NUMBER.sub(lambda m: str(_cn_number(m.group(0))), text)
    year = re.search(r"第(\d)学年", text)
    rest = text[year.end():] if year else text
    term = _TERM.search(rest)
    if year and term:
        number = (int(year.group(1)) - 1) * 2 + int(float(term.group(1)))
    elif term:
        number = int(float(term.group(1)))
    elif year:
        number = (int(year.group(1)) - 1) * 2 + 1
    else:
        raise ValueError(text)
    if not 1 <= number <= 12:
        raise ValueError(text)
    several = bool(_SPAN.search(rest))
    return (number, several) if spans else number


_UNITS = re.compile(r"\s*(?:学时|课时|学分|周|h|hours?|credits?)\s*$", re.I)


def parse_hours(value: Any) -> list[float]:
    """"64" → [64], "16+48" (theory + practice) → [16, 48], "32学时" → [32]; ``ValueError`` otherwise."""
    text = _UNITS.sub("", clean_text(value)).replace(",", "")
    return [float(part) for part in text.split("+")] if text else []


def _number(text: str) -> float:
    return float(_UNITS.sub("", clean_text(text)).replace(",", ""))


_TERM_LABEL = re.compile(r"^(?:第\s*)?([0-9]{1,2}|十[一二]?|[一二三四五六七八九])\s*(?:学期|学段)$"
                         r"|^(?:semester|term|sem\.?|s)\s*([0-9]{1,2})$|^长\s*([0-9]{1,2})$", re.I)
_TERM_GROUP = re.compile(r"学期|semester|term", re.I)


def term_columns(table: Table) -> dict[int, int]:
    """Columns holding one semester each (各学期周学时分配 over 第1学期 … 第6学期): column → semester.

    Two or more such columns mean the plan writes each course's weekly hours under the semesters it is
    taught in; the course's semester is the first with hours.
    """
    out: dict[int, int] = {}
    for index, label in enumerate(table.header.labels):
        if table.header.mapping.get(index) not in (None, "semester") or not _TERM_GROUP.search(label):
            continue
        for part in reversed(label.split(" / ")):  # "各学期周学时分配 / 第一学年 / 长1 / 16周": the 长1
            match = _TERM_LABEL.match(part.strip())
            if match:
                word = match.group(1) or match.group(2) or match.group(3)
                out[index] = int(word) if word.isdigit() else _cn_number(word)
                break
    if len(out) < 2:
        return {}
    for index in out:
        table.header.mapping.pop(index, None)
    return out


_LEGEND_ITEM = re.compile(r"([A-Za-z0-9]{1,2})\s*[:：=＝—–-]\s*([^；;，,、）)\s]+)")


def header_legend(label: str) -> dict[str, str]:
    """"课程类别（A:通识；B:学科基础；C:专业基础）" → {"a": "通识", "b": "学科基础", "c": "专业基础"}: codes the header
    itself explains (empty when it explains none)."""
    inside = re.findall(r"[(（]([^)）]*)[)）]", label)
    return {code.lower(): word for part in inside for code, word in _LEGEND_ITEM.findall(part)}


def _type_readable(text: str, legend: dict[str, str]) -> bool:
    try:
        return parse_course_type(legend.get(text.lower(), text)) is not None
    except ValueError:
        return False


def choose_type_column(table: Table, *, keep: bool = False) -> dict[str, str]:
    """When several columns name a course type (课程层次, 课程类别（A:通识；…）), the one whose cells read as types
    wins (``keep``: the user mapped the columns, none is moved); returns the legend of its header (letters →
    type words)."""
    labels = table.header.labels
    candidates = [i for i, label in enumerate(labels) if label and match_field(label, FIELDS)[0] == "course_type"]
    if len(candidates) < 2 or keep:
        col = table.column_for("course_type")
        return header_legend(labels[col]) if col is not None and col < len(labels) else {}
    rows = table.sheet.rows[table.header.data_start:table.header.data_start + 200]

    def readable(col: int) -> int:
        legend = header_legend(labels[col])
        return sum(1 for row in rows if col < len(row) and _type_readable(clean_text(row[col]), legend))

    best = max(candidates, key=lambda c: (readable(c), c == table.column_for("course_type")))
    if readable(best) and table.column_for("course_type") != best:
        for col in table.columns_for("course_type"):
            del table.header.mapping[col]
        table.header.mapping[best] = "course_type"
        table.header.mapping = dict(sorted(table.header.mapping.items()))
    return header_legend(labels[best])


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """Course rows → ``Dataset.courses`` (matched by code; every course not in the file is reported)."""
    del limits
    dataset = Dataset(kind=KIND, complete_for=("course",))
    tables = select_sheets(book, options, FIELDS, required=("code", "name"))
    seen: dict[str, int] = {}
    sheets_info = {}
    for table in tables:
        table.key_fields = ("code", "name")
        table.numeric_fields = ("credits", "hours_total", "hours_theory", "hours_practice")
        table.group_fields = ("course_type",)
        table.section_field = "course_type"
        table.section_words = SECTION_WORDS
        table.probe_fields = ("code", "name", "course_type")
        table.terms = term_columns(table)
        table.legends = {"course_type": choose_type_column(table, keep=bool(options.mapping))}
        table.fill_down(set(table.columns_for("course_type")))  # 课程类别 merged down its courses
        table.carry_down(set(table.columns_for("course_type")))  # …or written once above them (CSV)
        columns = table.field_columns()  # one per table, shared by its rows' origins
        for index, cells in table.data_rows():
            course = _parse_row(table, index, cells, dataset, columns)
            if course is None:
                continue
            if course.code in seen:
                dataset.errors.append(table.issue("import.error.duplicate_code", index, table.column_for("code"),
                                                  code=course.code, first_row=seen[course.code]))
                continue
            seen[course.code] = index + 1
            dataset.courses.append(course)
        note_warnings(dataset, table)
        sheets_info[table.sheet_name] = table.info()
    dataset.info["sheets"] = sheets_info
    return dataset


def _parse_row(table: Table, index: int, cells: list[Any], dataset: Dataset,
               columns: dict[str, str] | None = None) -> CourseIn | None:
    problems: list[Issue] = []
    for col in table.header.mapping:
        if col < len(cells):
            issue = formula_issue(table, index, col, cells[col])
            if issue:
                problems.append(issue)
    code_col, name_col = table.column_for("code"), table.column_for("name")
    code, name = code_text(table.text(cells, code_col)), table.text(cells, name_col)
    if not code and not name:
        return None
    if not code:
        problems.append(table.issue("import.error.course_code_required", index, code_col))
    if not name:
        problems.append(table.issue("import.error.course_name_required", index, name_col))
    supplied = {"name"}
    values: dict[str, Any] = {}
    col = table.column_for("course_type")
    type_text = table.text(cells, col)
    if not type_text:  # the section row above ("二、专业核心课") gives the type
        type_text = table.section_value(index) or ""
    if type_text:
        try:
            legend = table.legends.get("course_type")
            values["course_type"] = parse_course_type(legend.get(type_text.lower(), type_text) if legend else
                                                      type_text)
            if values["course_type"]:
                supplied.add("course_type")
        except ValueError:
            dataset.warnings.append(table.issue("import.warning.course_type", index, col, value=type_text))
    col = table.column_for("credits")
    if col is not None:
        text = table.text(cells, col)
        if text:
            try:
                credits = _number(text)
                if not 0 <= credits <= 60:
                    raise ValueError(text)
                values["credits"] = credits
                supplied.add("credits")
            except ValueError:
                problems.append(table.issue("import.error.credits", index, col, value=text))
    hours: dict[str, float | None] = {}
    split_hours: list[float] | None = None
    for name_ in ("hours_total", "hours_theory", "hours_practice"):
        cols = table.columns_for(name_)
        total = None
        for c in cols:
            text = table.text(cells, c)
            if not text:
                continue
            try:
                parts = parse_hours(text)
                if not all(0 <= p <= 2000 for p in parts):
                    raise ValueError(text)
            except ValueError:
                problems.append(table.issue("import.error.hours", index, c, value=text))
                continue
            if len(parts) == 2 and name_ == "hours_total":
                split_hours = parts  # "16+48" in a 学时 column: theory + practice
            total = (total or 0) + sum(parts)
        hours[name_] = total
    theory, practice, total = hours["hours_theory"], hours["hours_practice"], hours["hours_total"]
    if split_hours and theory is None and practice is None:
        theory, practice = split_hours
    if total is not None:
        if theory is None and practice is None:
            theory, practice = total, 0
        elif theory is None:
            theory = max(total - (practice or 0), 0)
        elif practice is None:
            practice = max(total - theory, 0)
        elif abs(theory + practice - total) > 0.01:
            dataset.warnings.append(table.issue("import.warning.hours_total", index, table.column_for("hours_total"),
                                                total=_fmt(total), theory=_fmt(theory), practice=_fmt(practice)))
    if theory is not None or practice is not None:
        values["hours_theory"], values["hours_practice"] = round(theory or 0), round(practice or 0)
        supplied |= {"hours_theory", "hours_practice"}
    col = table.column_for("semester")
    terms = [(c, term) for c, term in table.terms.items() if _weekly_hours(table.raw(cells, c))]
    if col is None and terms:
        values["semester"] = terms[0][1]
        supplied.add("semester")
        if len(terms) > 1:  # taught over several semesters: the model holds the first
            dataset.warnings.append(table.issue("import.warning.semester_span", index, terms[0][0],
                                                value="、".join(str(t) for _c, t in terms),
                                                semester=values["semester"]))
    elif col is not None:
        try:
            values["semester"], several = parse_semester(table.raw(cells, col), spans=True)
            if values["semester"] is not None:
                supplied.add("semester")
            if several:  # the model holds one semester: keep the first, say so
                dataset.warnings.append(table.issue("import.warning.semester_span", index, col,
                                                    value=table.text(cells, col), semester=values["semester"]))
        except ValueError:
            dataset.warnings.append(table.issue("import.warning.semester", index, col, value=table.text(cells, col)))
    col = table.column_for("description")
    if col is not None and table.text(cells, col):
        values["description"] = table.text(cells, col)
        supplied.add("description")
    if problems:
        dataset.errors.extend(problems)
        return None
    return CourseIn(code=code[:64], name=name[:200], origin=Origin(table.sheet_name, index + 1, columns=columns),
                    fields=frozenset(supplied), **values)


def _weekly_hours(value: Any) -> bool:
    """A cell under a semester column that says the course is taught then (a number above 0, or a mark)."""
    text = clean_text(value)
    if not text:
        return False
    try:
        return _number(text) > 0
    except ValueError:
        return True  # "√", "4×16": taught in that semester


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def score(book: RawBook) -> float:
    best = 0.0
    for sheet in book.sheets[:6]:
        if not sheet.rows or is_help_sheet(sheet.name):
            continue
        guess = detect_header(sheet, FIELDS)
        if guess is None:
            continue
        fields = set(guess.mapping.values())
        value = 0.0
        if {"code", "name"} <= fields:
            value += 0.4
            labels = " ".join(guess.labels[i] for i, f in guess.mapping.items() if f in ("code", "name")).lower()
            if "课程" in labels or "course" in labels:
                value += 0.3
        value += 0.12 * len(fields & {"credits", "hours_total", "hours_theory", "hours_practice", "semester",
                                      "course_type"})
        best = max(best, min(value, 1.0))
    return best
