"""``standard``: a course standard (课程标准) written in CoStandard's downloadable template.

The template (templates.py) has one sheet per part, each named in both languages:
"课程信息 Course" (field | value pairs), "课程目标 Objectives", "学习单元 Units" and
"考核评价 Assessment". Objectives and units name the competencies they serve by code,
optionally with a level: "1.1.1, 1.1.2(3)". The course is matched by code (and created
when missing); the latest draft revision of its standard is updated, or a new draft
revision is started when the latest one is approved (approved revisions are frozen).
"""

from __future__ import annotations

import re
from typing import Any

from services.importing.header import detect_header, norm_label
from services.importing.kinds.courses import parse_course_type, parse_semester
from services.importing.limits import Limits
from services.importing.readers import FormulaWithoutValue, RawBook, RawSheet, cell_text, exact_text
from services.importing.records import CourseIn, Dataset, ImportRejected, Issue, Origin, StandardIn
from services.importing.table import Options, Table
from services.outline import normalize_text
from services.vocabulary import STANDARD_FIELDS as STANDARD_TEXT_FIELDS

KIND = "standard"
SHEETS = {"course": ("课程信息", "course"), "objectives": ("课程目标", "objectives"), "units": ("学习单元", "units"),
          "assessment": ("考核评价", "assessment")}
COURSE_FIELDS: dict[str, tuple[str, ...]] = {
    "code": ("课程代码", "课程编码", "course code"), "name": ("课程名称", "course name"),
    "course_type": ("课程类别", "课程类型", "course type"), "credits": ("学分", "credits"),
    "hours_theory": ("理论学时", "theory hours"), "hours_practice": ("实践学时", "practice hours"),
    "semester": ("开设学期", "semester"), "title": ("标准名称", "title"), "department": ("授课单位", "department"),
    "author_name": ("执笔人", "author"), "author_date": ("执笔日期", "author date"),
    "reviewer_name": ("审定人", "reviewer"), "reviewer_date": ("审定日期", "reviewer date"),
    "prerequisites": ("前修课程", "prerequisites"), "follow_on": ("后续课程", "follow-on courses"),
    "nature": ("课程性质与定位", "nature and role"), "design_rationale": ("课程设计思路", "design rationale"),
    "teaching_methods": ("教学实施建议", "teaching methods"), "resources": ("教学资源", "resources"),
}
OBJECTIVE_FIELDS = {"dimension": ("维度", "目标类型", "dimension"), "code": ("编号", "code"),
                    "text": ("课程目标", "目标", "objective"), "competencies": ("对应能力", "competencies"),
                    "level": ("对应程度", "level")}
UNIT_FIELDS = {"seq": ("序号", "no."), "title": ("学习单元", "单元名称", "unit"), "content": ("内容", "content"),
               "learning_tasks": ("学习任务", "learning tasks"), "hours_theory": ("理论学时", "theory hours"),
               "hours_practice": ("实践学时", "practice hours"), "competencies": ("对应能力", "competencies"),
               "level": ("对应程度", "level")}
ASSESSMENT_FIELDS = {"name": ("考核项目", "item"), "category": ("类别", "category"),
                     "weight": ("权重", "weight", "权重(%)", "weight (%)"), "method": ("考核方式", "method")}
FIELDS = {**COURSE_FIELDS}
DIMENSIONS = {"知识": "knowledge", "知识目标": "knowledge", "knowledge": "knowledge", "能力": "skill",
              "能力目标": "skill", "技能": "skill", "skill": "skill", "skills": "skill", "素质": "quality",
              "素质目标": "quality", "素养": "quality", "quality": "quality", "attitude": "quality"}
CATEGORIES = {"过程性": "process", "过程性考核": "process", "平时": "process", "process": "process",
              "终结性": "summative", "终结性考核": "summative", "期末": "summative", "summative": "summative",
              "final": "summative"}
_LINK = re.compile(r"([^,，;；、\s()（）]+)\s*(?:[(（]\s*([1-3])\s*[)）])?")
DEFAULT_LEVEL = 2


def find_sheet(book: RawBook, part: str) -> RawSheet | None:
    zh, en = SHEETS[part]
    for sheet in book.sheets:
        name = sheet.name.lower()
        if zh in sheet.name or name.startswith(en) or name.endswith(en):
            return sheet
    return None


def parse_links(text: str, default: int = DEFAULT_LEVEL) -> list[tuple[str, int]]:
    """"1.1.1, 1.1.2(3)" → [("1.1.1", default), ("1.1.2", 3)]."""
    return [(m.group(1), int(m.group(2)) if m.group(2) else default) for m in _LINK.finditer(normalize_text(text))]


def _key_values(book: RawBook, sheet: RawSheet, dataset: Dataset,
                labels: dict[str, str] | None = None) -> dict[str, tuple[str, int]]:
    """Field → (value, 1-based row) from the two-column course sheet (labels in either language); ``labels``
    gets each field's label as written."""
    lookup = {norm_label(s): name for name, syns in COURSE_FIELDS.items() for s in syns}
    values: dict[str, tuple[str, int]] = {}
    for index, row in enumerate(sheet.rows):
        if len(row) < 2:
            continue
        label = cell_text(row[0])
        name = lookup.get(norm_label(label)) or next(
            (lookup[norm_label(p)] for p in label.split(" / ") if norm_label(p) in lookup), None)
        if name is None:
            continue
        if isinstance(row[1], FormulaWithoutValue):
            dataset.errors.append(Issue("import.error.formula_without_value", {"cell": row[1].ref},
                                        file=book.filename, sheet=sheet.name, row=index + 1, column=label))
            continue
        values[name] = (cell_text(row[1]).strip(), index + 1)
        if labels is not None:
            labels[name] = label
    return values


def _table(book: RawBook, sheet: RawSheet | None, fields: dict[str, tuple[str, ...]]) -> Table | None:
    if sheet is None or not sheet.rows:
        return None
    guess = detect_header(sheet, fields)
    return Table(book, sheet, guess) if guess else None


def _number(text: str, *, percent: bool = False) -> float:
    text = text.replace("%", "").replace("％", "").strip() if percent else text
    return float(text)


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """The template workbook → one ``StandardIn`` (and its course, matched or created)."""
    del options, limits
    course_sheet = find_sheet(book, "course")
    if course_sheet is None:
        raise ImportRejected(Issue("import.error.standard_layout", file=book.filename))
    dataset = Dataset(kind=KIND)
    labels: dict[str, str] = {}
    info = _key_values(book, course_sheet, dataset, labels)
    code, code_row = info.get("code", ("", None))
    code = code.replace(" ", "")
    if not code:
        raise ImportRejected(Issue("import.error.course_code_required", file=book.filename, sheet=course_sheet.name,
                                   row=code_row))
    course = _course(info, code, course_sheet, dataset, book, labels)
    dataset.courses.append(course)
    fields = {name: exact_text(info[name][0]) for name in STANDARD_TEXT_FIELDS if name in info}
    standard = StandardIn(course=code, fields=fields, objectives=[], units=[], assessment=[],
                          origin=Origin(course_sheet.name, code_row))
    _objectives(book, standard, dataset)
    _units(book, standard, dataset)
    _assessment(book, standard, dataset)
    dataset.standards.append(standard)
    dataset.info["sheets"] = {}
    return dataset


def _course(info: dict[str, tuple[str, int]], code: str, sheet: RawSheet, dataset: Dataset, book: RawBook,
            labels: dict[str, str] | None = None) -> CourseIn:
    values: dict[str, Any] = {}
    for name in ("credits", "hours_theory", "hours_practice"):
        text, row = info.get(name, ("", None))
        if text:
            try:
                number = _number(text)
                values[name] = number if name == "credits" else round(number)
            except ValueError:
                dataset.errors.append(Issue("import.error.hours" if name != "credits" else "import.error.credits",
                                            {"value": text}, file=book.filename, sheet=sheet.name, row=row))
    text, row = info.get("course_type", ("", None))
    try:
        values["course_type"] = parse_course_type(text)
    except ValueError:
        dataset.warnings.append(Issue("import.warning.course_type", {"value": text}, file=book.filename,
                                      sheet=sheet.name, row=row))
    text, row = info.get("semester", ("", None))
    try:
        values["semester"] = parse_semester(text)
    except ValueError:
        dataset.warnings.append(Issue("import.warning.semester", {"value": text}, file=book.filename,
                                      sheet=sheet.name, row=row))
    name = exact_text(info.get("name", ("", None))[0]) or code
    origin = Origin(sheet.name, None, columns=labels, rows={field: row for field, (_, row) in info.items()})
    return CourseIn(code=code, name=name, reference_only=True, ref=code, origin=origin, **values)


def _objectives(book: RawBook, standard: StandardIn, dataset: Dataset) -> None:
    table = _table(book, find_sheet(book, "objectives"), OBJECTIVE_FIELDS)
    if table is None:
        return
    for index, cells in table.data_rows():
        text = table.text(cells, table.column_for("text"))
        word = table.text(cells, table.column_for("dimension")).lower()
        if not text and not word:
            continue
        dimension = DIMENSIONS.get(word)
        problems = []
        if dimension is None:
            problems.append(table.issue("import.error.objective_dimension", index, table.column_for("dimension"),
                                        value=word))
        if not text:
            problems.append(table.issue("import.error.objective_text", index, table.column_for("text")))
        links, level_problem = _links(table, cells, index)
        problems += level_problem
        if problems:
            dataset.errors.extend(problems)
            continue
        standard.objectives.append({"dimension": dimension, "code": table.text(cells, table.column_for("code"))[:32],
                                    "text": text, "sort_order": index, "links": links,
                                    "origin": Origin(table.sheet_name, index + 1)})


def _links(table: Table, cells: list[Any], index: int) -> tuple[list[tuple[str, int]], list[Issue]]:
    level_text = table.text(cells, table.column_for("level"))
    default = DEFAULT_LEVEL
    if level_text:
        if level_text not in ("1", "2", "3"):
            return [], [table.issue("import.error.required_level", index, table.column_for("level"),
                                    value=level_text)]
        default = int(level_text)
    return parse_links(table.text(cells, table.column_for("competencies")), default), []


def _units(book: RawBook, standard: StandardIn, dataset: Dataset) -> None:
    table = _table(book, find_sheet(book, "units"), UNIT_FIELDS)
    if table is None:
        return
    for index, cells in table.data_rows():
        title = table.text(cells, table.column_for("title"))
        if not title:
            if any(table.text(cells, table.column_for(f)) for f in ("content", "hours_theory", "competencies")):
                dataset.errors.append(table.issue("import.error.unit_title", index, table.column_for("title")))
            continue
        problems = []
        hours = {}
        for name in ("hours_theory", "hours_practice"):
            text = table.text(cells, table.column_for(name))
            try:
                hours[name] = round(_number(text)) if text else 0
                if not 0 <= hours[name] <= 2000:
                    raise ValueError(text)
            except ValueError:
                problems.append(table.issue("import.error.hours", index, table.column_for(name), value=text))
        links, level_problem = _links(table, cells, index)
        problems += level_problem
        if problems:
            dataset.errors.extend(problems)
            continue
        standard.units.append({"title": title[:300], "content": table.text(cells, table.column_for("content")),
                               "learning_tasks": table.text(cells, table.column_for("learning_tasks")),
                               "sort_order": index, "links": links, "origin": Origin(table.sheet_name, index + 1),
                               **hours})


def _assessment(book: RawBook, standard: StandardIn, dataset: Dataset) -> None:
    table = _table(book, find_sheet(book, "assessment"), ASSESSMENT_FIELDS)
    if table is None:
        return
    total = 0.0
    for index, cells in table.data_rows():
        name = table.text(cells, table.column_for("name"))
        if not name:
            continue
        word = table.text(cells, table.column_for("category")).lower()
        category = CATEGORIES.get(word, "process" if not word else None)
        weight_text = table.text(cells, table.column_for("weight"))
        problems = []
        if category is None:
            problems.append(table.issue("import.error.assessment_category", index, table.column_for("category"),
                                        value=word))
        try:
            weight = _number(weight_text, percent=True) if weight_text else 0.0
            if not 0 <= weight <= 100:
                raise ValueError(weight_text)
        except ValueError:
            problems.append(table.issue("import.error.assessment_weight", index, table.column_for("weight"),
                                        value=weight_text))
            weight = 0.0
        if problems:
            dataset.errors.extend(problems)
            continue
        total += weight
        standard.assessment.append({"name": name[:200], "category": category, "weight": weight,
                                    "method": table.text(cells, table.column_for("method")), "sort_order": index,
                                    "origin": Origin(table.sheet_name, index + 1)})
    if standard.assessment and abs(total - 100) > 0.01:
        dataset.warnings.append(Issue("import.warning.assessment_total", {"total": round(total, 2)},
                                      file=book.filename, sheet=table.sheet_name))


def score(book: RawBook) -> float:
    found = sum(1 for part in SHEETS if find_sheet(book, part) is not None)
    return 0.97 if find_sheet(book, "course") is not None and found >= 2 else 0.0
