"""Draw the three sheet families programme offices keep, with the layout habits of BRIEF §4/§7.

Each builder takes the *content* (what the office wrote: areas, tasks, statements; courses;
marks) and the *habits* (title rows, merged cells, notes, blank rows, numbered cells …) and
returns the grid plus the rows a person skips while reading it. Expectations are written
from the content, never from what the importer returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.import_corpus.writers import Grid

IMPORTANCE = {"A": 5, "B": 3, "C": 1}  # A 核心 / B 重要 / C 一般 on the 1–5 scale (BRIEF §2)
IMPORTANCE_TEXT = {
    "ABC": {"A": "A", "B": "B", "C": "C"},
    "stars": {"A": "★★★", "B": "★★", "C": "★"},
    "words": {"A": "核心", "B": "重要", "C": "一般"},
    "english": {"A": "Core", "B": "Important", "C": "General"},
}


@dataclass
class Drawn:
    """A drawn sheet and what a person notes while reading it (1-based rows)."""

    grid: Grid
    header_rows: list[int] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)
    splits: list[dict[str, Any]] = field(default_factory=list)  # cells holding several statements
    transposed: bool = False


def _full_width(drawn: Drawn, width: int, text: str, reason: str, *, merge: bool = True) -> None:
    grid = drawn.grid
    r = len(grid.rows)
    grid.rows.append([text] + [None] * (width - 1))
    if merge and width > 1:
        grid.merges.append((r, 0, r, width - 1))
    drawn.ignored.append({"row": r + 1, "reason": reason, "text": text})


def _blank(drawn: Drawn, width: int) -> None:
    drawn.grid.rows.append([None] * width)
    drawn.ignored.append({"row": len(drawn.grid.rows), "reason": "blank", "text": ""})


# ---- 职业能力分析表 ------------------------------------------------------------------------------

Framework = list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]]  # area → task → (statement, importance)


def framework_counts(content: Framework) -> dict[str, int]:
    return {"area": len(content), "task": sum(len(tasks) for _, tasks in content),
            "competency": sum(len(comps) for _, tasks in content for _, comps in tasks)}


def framework_statements(content: Framework) -> list[str]:
    return [s for _, tasks in content for _, comps in tasks for s, _ in comps]


def framework_tasks(content: Framework) -> dict[str, list[str]]:
    return {task: [s for s, _ in comps] for _, tasks in content for task, comps in tasks}


def framework_grid(
    content: Framework, *, name: str = "职业能力分析表",
    columns: tuple[str, ...] = ("seq", "area", "task", "comp", "imp"),
    header: list[list[Any]] | None = None, header_merges: list[tuple[int, int, int, int]] = (),
    titles: tuple[str, ...] = (), merged: bool = True, importance: str = "ABC", notes: tuple[tuple[str, str], ...] = (),
    blank_between: bool = False, signature: str | None = None, joiner=None, code_dots: bool = False,
    merge_notes: bool = True, prefix_codes: bool = False,
) -> Drawn:
    """A 职业能力分析表. ``columns``: seq, area_code, area, task_code, task, comp_code, comp, imp, type.

    ``joiner`` (a function of the statements of one task and the task's outline code) puts all
    of a task's statements in one cell, one row per task; ``notes`` are (reason, text) rows
    under the table; ``prefix_codes`` writes "1.2.3 能…" in the competency cell itself.
    """
    width = len(columns)
    drawn = Drawn(Grid(name, []))
    for text in titles:
        _full_width(drawn, width, text, "title")
    labels = {"seq": "序号", "area_code": "领域编号", "area": "工作领域", "task_code": "任务编号", "task": "工作任务",
              "comp_code": "能力编号", "comp": "职业能力", "imp": "重要程度", "type": "能力类型"}
    header = header or [[labels[c] for c in columns]]
    base = len(drawn.grid.rows)
    drawn.grid.rows.extend([list(row) for row in header])
    drawn.grid.merges.extend((r1 + base, c1, r2 + base, c2) for r1, c1, r2, c2 in header_merges)
    drawn.header_rows = list(range(base + 1, base + len(header) + 1))
    seq = 0
    dot = "." if code_dots else ""
    for a, (area, tasks) in enumerate(content, 1):
        if blank_between and a > 1:
            _blank(drawn, width)
        area_start = len(drawn.grid.rows)
        for t, (task, comps) in enumerate(tasks, 1):
            task_start = len(drawn.grid.rows)
            items = [(None, joiner([s for s, _ in comps], f"{a}.{t}"), None)] if joiner else \
                [(c, f"{a}.{t}.{c} {s}" if prefix_codes else s, imp) for c, (s, imp) in enumerate(comps, 1)]
            for c, statement, imp in items:
                seq += 1
                first_of_area = len(drawn.grid.rows) == area_start
                first_of_task = len(drawn.grid.rows) == task_start
                values = {
                    "seq": seq, "area": area, "task": task, "comp": statement,
                    "area_code": f"{a}{dot}", "task_code": f"{a}.{t}{dot}",
                    "comp_code": f"{a}.{t}.{c}{dot}" if c else None,
                    "imp": IMPORTANCE_TEXT[importance][imp] if imp else None, "type": "技能",
                }
                row = []
                for col in columns:
                    value = values[col]
                    if merged and col in ("area", "area_code") and not first_of_area:
                        value = None
                    if merged and col in ("task", "task_code") and not first_of_task:
                        value = None
                    row.append(value)
                drawn.grid.rows.append(row)
                if joiner and "comp" in columns:
                    drawn.splits.append({"row": len(drawn.grid.rows), "column": _letter(columns.index("comp")),
                                         "parts": [s for s, _ in comps]})
            if merged and len(drawn.grid.rows) - task_start > 1:
                for col in ("task", "task_code"):
                    if col in columns:
                        i = columns.index(col)
                        drawn.grid.merges.append((task_start, i, len(drawn.grid.rows) - 1, i))
        if merged and len(drawn.grid.rows) - area_start > 1:
            for col in ("area", "area_code"):
                if col in columns:
                    i = columns.index(col)
                    drawn.grid.merges.append((area_start, i, len(drawn.grid.rows) - 1, i))
    for reason, text in notes:
        _full_width(drawn, width, text, reason, merge=merge_notes)
    if signature:
        _full_width(drawn, width, signature, "signature", merge=False)
    return drawn


def flat_grid(content: Framework, *, name: str = "能力清单",
              header: tuple[str, ...] = ("编码", "上级编码", "名称", "类型", "重要程度"),
              importance: str = "ABC", code_dots: bool = False, kinds: tuple[str | None, str | None, str] = (
                  None, None, "技能"),
              notes: tuple[tuple[str, str], ...] = (), titles: tuple[str, ...] = ()) -> Drawn:
    """A flat list: Code | Parent | Statement | Type | Importance, one row per node in outline order.

    ``kinds`` fills the fourth column for area, task and competency rows: by default the
    competency type (技能) on competency rows only; ("工作领域", "工作任务", "职业能力") under a
    层级 header names each row's level instead."""
    dot = "." if code_dots else ""
    drawn = Drawn(Grid(name, []))
    for text in titles:
        _full_width(drawn, len(header), text, "title")
    drawn.grid.rows.append(list(header))
    drawn.header_rows = [len(drawn.grid.rows)]
    for a, (area, tasks) in enumerate(content, 1):
        drawn.grid.rows.append([f"{a}{dot}", None, area, kinds[0], None])
        for t, (task, comps) in enumerate(tasks, 1):
            drawn.grid.rows.append([f"{a}.{t}{dot}", f"{a}{dot}", task, kinds[1], None])
            for c, (statement, imp) in enumerate(comps, 1):
                drawn.grid.rows.append([f"{a}.{t}.{c}{dot}", f"{a}.{t}{dot}", statement, kinds[2],
                                        IMPORTANCE_TEXT[importance][imp]])
    for reason, text in notes:
        _full_width(drawn, len(header), text, reason)
    return drawn


# ---- 教学进程表 ----------------------------------------------------------------------------------

@dataclass
class Course:
    code: str
    name: str
    credits: float
    theory: int
    practice: int
    semester: Any  # as the office wrote it
    semester_number: int  # as a person reads it: the first semester the course runs in

    @property
    def total(self) -> int:
        return self.theory + self.practice

    @property
    def semesters(self) -> list[int]:
        """Every semester the course runs in ("1-2" → 1, 2; "3、4" → 3, 4)."""
        text = str(self.semester)
        for sep in ("-", "、", ",", "，"):
            if sep in text:
                first, last = (int("".join(ch for ch in part if ch.isdigit())) for part in text.split(sep)[:2])
                return list(range(first, last + 1))
        return [self.semester_number]


CoursePlan = list[tuple[str, str, list[Course]]]  # (type as written, type key, courses)


def course_counts(plan: CoursePlan) -> dict[str, int]:
    return {"course": sum(len(c) for _, _, c in plan)}


def course_values(plan: CoursePlan, names: tuple[str, ...] | None = None, *, hours: bool = True,
                  semester: bool = True, credits: bool = True, course_type: bool = True) -> dict[str, dict[str, Any]]:
    """Expected values per course name (type key, credits, hours, semester)."""
    out = {}
    for _, key, courses in plan:
        for c in courses:
            if names is not None and c.name not in names:
                continue
            values: dict[str, Any] = {"code": c.code}
            if course_type:
                values["course_type"] = key
            if credits:
                values["credits"] = c.credits
            if hours:
                values.update(hours_theory=c.theory, hours_practice=c.practice)
            if semester:
                values["semester"] = c.semester_number
            out[c.name] = values
    return out


def _num(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


def course_grid(
    plan: CoursePlan, *, name: str = "教学进程表",
    columns: tuple[str, ...] = ("type", "code", "name", "credits", "total", "theory", "practice", "semester"),
    header: list[list[Any]] | None = None, header_merges: list[tuple[int, int, int, int]] = (),
    titles: tuple[str, ...] = (), type_mode: str = "merged", subtotals: bool = False, total: str | None = None,
    section_labels: tuple[str, ...] = ("一", "二", "三", "四", "五"), numbers_as_text: bool = False,
    notes: tuple[tuple[str, str], ...] = (), signature: str | None = None, blank_before_notes: bool = False,
    subtotal_label: str = "小计",
) -> Drawn:
    """A 教学进程表. ``type_mode``: merged (课程类别 merged down column 1), column (on every row),
    section (a section row "一、公共基础课" above each group; no type column). ``columns`` may
    include ``hours_plus`` ("16+48") instead of theory / practice."""
    width = len(columns)
    drawn = Drawn(Grid(name, []))
    for text in titles:
        _full_width(drawn, width, text, "title")
    labels = {"type": "课程类别", "code": "课程代码", "name": "课程名称", "credits": "学分", "total": "总学时",
              "theory": "理论学时", "practice": "实践学时", "semester": "开设学期", "hours_plus": "学时（理论+实践）",
              "assess": "考核方式"}
    header = header or [[labels[c] for c in columns]]
    base = len(drawn.grid.rows)
    drawn.grid.rows.extend([list(row) for row in header])
    drawn.grid.merges.extend((r1 + base, c1, r2 + base, c2) for r1, c1, r2, c2 in header_merges)
    drawn.header_rows = list(range(base + 1, base + len(header) + 1))

    def text(value: Any) -> Any:
        return str(_num(value)) if numbers_as_text and isinstance(value, (int, float)) else value

    grand = {"credits": 0.0, "total": 0, "theory": 0, "practice": 0}
    for g, (type_text, _key, courses) in enumerate(plan):
        if type_mode == "section":
            _full_width(drawn, width, f"{section_labels[g]}、{type_text}", "section")
        start = len(drawn.grid.rows)
        sums = {"credits": 0.0, "total": 0, "theory": 0, "practice": 0}
        for i, c in enumerate(courses):
            weekly = {f"sem{k}": text(c.total // (16 * len(c.semesters))) if k in c.semesters else None
                      for k in range(1, 7)}
            values = {**weekly, "type": type_text if (type_mode == "column" or i == 0) else None, "code": c.code,
                      "name": c.name,
                      "credits": text(_num(c.credits)), "total": text(c.total), "theory": text(c.theory),
                      "practice": text(c.practice), "semester": text(c.semester),
                      "hours_plus": f"{c.theory}+{c.practice}", "assess": "考试" if c.theory >= c.practice else "考查"}
            drawn.grid.rows.append([values[col] for col in columns])
            for k in sums:
                sums[k] += c.credits if k == "credits" else getattr(c, k)
        if subtotals:
            row = [None] * width
            label_at = 1 if columns[0] == "type" and type_mode == "merged" else 0
            row[label_at] = subtotal_label
            for k, v in sums.items():
                if k in columns:
                    row[columns.index(k)] = text(_num(v))
            if "hours_plus" in columns:
                row[columns.index("hours_plus")] = f"{sums['theory']}+{sums['practice']}"
            drawn.grid.rows.append(row)
            drawn.ignored.append({"row": len(drawn.grid.rows), "reason": "subtotal", "text": subtotal_label})
        if type_mode == "merged" and columns[0] == "type" and len(drawn.grid.rows) - start > 1:
            drawn.grid.merges.append((start, 0, len(drawn.grid.rows) - 1, 0))
        for k in grand:
            grand[k] += sums[k]
    if total:
        row = [None] * width
        row[0] = total
        for k, v in grand.items():
            if k in columns:
                row[columns.index(k)] = text(_num(v))
        drawn.grid.rows.append(row)
        span = columns.index("name") if "name" in columns else 0
        if span > 0:
            drawn.grid.merges.append((len(drawn.grid.rows) - 1, 0, len(drawn.grid.rows) - 1, span))
        drawn.ignored.append({"row": len(drawn.grid.rows), "reason": "total", "text": total})
    if blank_before_notes:
        _blank(drawn, width)
    for reason, note in notes:
        _full_width(drawn, width, note, reason)
    if signature:
        _full_width(drawn, width, signature, "signature", merge=False)
    return drawn


# ---- 课程–能力矩阵 -----------------------------------------------------------------------------

MARKS = {
    "symbols": {3: "●", 2: "◐", 1: "○"},
    "hml": {3: "H", 2: "M", 1: "L"},
    "irm": {1: "I", 2: "R", 3: "M"},
    "ticks": {3: "√", 2: "√", 1: "√"},
    "numeric": {3: 3, 2: 2, 1: 1},
}


@dataclass
class Matrix:
    competencies: list[tuple[str, str]]  # (code, statement)
    courses: list[tuple[str, str]]  # (code, name)
    levels: list[list[int]]  # competency × course, 0 = no mark
    areas: list[tuple[str, int]] = field(default_factory=list)  # (area, number of competency rows) for a merged column

    def marked(self) -> int:
        return sum(1 for row in self.levels for v in row if v)

    def alignments(self, scheme: str, *, by: str = "statement") -> list[tuple[str, str, int | None]]:
        out = []
        for (code, statement), row in zip(self.competencies, self.levels, strict=True):
            for (course_code, _course_name), level in zip(self.courses, row, strict=True):
                if level:
                    out.append((statement if by == "statement" else code, course_code,
                                None if scheme == "ticks" else level))
        return out


def course_label(code: str, name: str, style: str) -> str:
    return {"brackets": f"{name}（{code}）", "code_first": f"{code} {name}", "name": name, "code": code,
            "newline": f"{name}\n（{code}）"}[style]


def matrix_grid(m: Matrix, scheme: str, *, name: str = "课程能力矩阵", titles: tuple[str, ...] = (),
                course_style: str = "brackets", row_labels: tuple[str, str] = ("能力编号", "职业能力"),
                summary_column: str | None = None, count_row: str | None = None,
                notes: tuple[tuple[str, str], ...] = (), area_column: str | None = None,
                course_groups: list[tuple[str, int]] | None = None) -> Drawn:
    """Competencies as rows × courses as columns; optional merged area column, summary column
    (marks per row), count row (marks per course), legend rows, and ``course_groups`` (a first
    header row with a course type merged over its courses, the lead labels merged down)."""
    lead = ([area_column] if area_column else []) + list(row_labels)
    width = len(lead) + len(m.courses) + (1 if summary_column else 0)
    drawn = Drawn(Grid(name, []))
    for text in titles:
        _full_width(drawn, width, text, "title")
    header = lead + [course_label(c, n, course_style) for c, n in m.courses]
    header += [summary_column] if summary_column else []
    if course_groups:
        top_row = len(drawn.grid.rows)
        top: list[Any] = list(lead)
        col = len(lead)
        for label, n in course_groups:
            top += [label] + [None] * (n - 1)
            if n > 1:
                drawn.grid.merges.append((top_row, col, top_row, col + n - 1))
            col += n
        top += [summary_column] if summary_column else []
        drawn.grid.rows.append(top)
        header = [None] * len(lead) + header[len(lead):]
        if summary_column:
            header[-1] = None
        for i in [*range(len(lead)), *([width - 1] if summary_column else [])]:
            drawn.grid.merges.append((top_row, i, top_row + 1, i))
    drawn.grid.rows.append(header)
    drawn.header_rows = list(range(len(drawn.grid.rows) - (1 if not course_groups else 2) + 1,
                                   len(drawn.grid.rows) + 1))
    area_rows = []
    for area, n in m.areas:
        area_rows += [area] + [None] * (n - 1)
    start = len(drawn.grid.rows)
    for i, ((code, statement), row) in enumerate(zip(m.competencies, m.levels, strict=True)):
        cells = [MARKS[scheme][v] if v else None for v in row]
        lead_values = ([area_rows[i]] if area_column else []) + [code, statement]
        drawn.grid.rows.append(lead_values + cells + ([sum(1 for v in row if v)] if summary_column else []))
    if area_column:
        r = start
        for _area, n in m.areas:
            if n > 1:
                drawn.grid.merges.append((r, 0, r + n - 1, 0))
            r += n
    if summary_column:
        drawn.ignored.append({"row": None, "column": _letter(width - 1), "reason": "summary", "text": summary_column})
    if count_row:
        counts = [sum(1 for row in m.levels if row[j]) for j in range(len(m.courses))]
        total = [m.marked()] if summary_column else []
        drawn.grid.rows.append([count_row] + [None] * (len(lead) - 1) + counts + total)
        if len(lead) > 1:
            drawn.grid.merges.append((len(drawn.grid.rows) - 1, 0, len(drawn.grid.rows) - 1, len(lead) - 1))
        drawn.ignored.append({"row": len(drawn.grid.rows), "reason": "summary", "text": count_row})
    for reason, text in notes:
        _full_width(drawn, width, text, reason)
    return drawn


def transposed_grid(m: Matrix, scheme: str, *, name: str = "课程支撑矩阵", titles: tuple[str, ...] = (),
                    competency_header: str = "code", summary_column: str | None = "合计",
                    count_row: str | None = None, notes: tuple[tuple[str, str], ...] = (),
                    lead: tuple[str, str] = ("课程代码", "课程名称")) -> Drawn:
    """Courses as rows × competencies as columns (headed by code, or "code statement")."""
    width = 2 + len(m.competencies) + (1 if summary_column else 0)
    drawn = Drawn(Grid(name, []), transposed=True)
    for text in titles:
        _full_width(drawn, width, text, "title")
    heads = [code if competency_header == "code" else f"{code} {statement}" for code, statement in m.competencies]
    drawn.grid.rows.append(list(lead) + heads + ([summary_column] if summary_column else []))
    drawn.header_rows = [len(drawn.grid.rows)]
    for j, (code, course_name) in enumerate(m.courses):
        column = [m.levels[i][j] for i in range(len(m.competencies))]
        drawn.grid.rows.append([code, course_name] + [MARKS[scheme][v] if v else None for v in column]
                               + ([sum(1 for v in column if v)] if summary_column else []))
    if summary_column:
        drawn.ignored.append({"row": None, "column": _letter(width - 1), "reason": "summary", "text": summary_column})
    if count_row:
        drawn.grid.rows.append([count_row, None] + [sum(1 for v in row if v) for row in m.levels]
                               + ([m.marked()] if summary_column else []))
        drawn.ignored.append({"row": len(drawn.grid.rows), "reason": "summary", "text": count_row})
    for reason, text in notes:
        _full_width(drawn, width, text, reason)
    return drawn


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
