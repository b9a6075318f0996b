"""The generated layouts: each one a sheet as a programme office lays it out, and what a person reads in it.

Expectations come from the content below (what the office wrote) and from reading the
drawn sheet; they were written before the importer was ever run on these files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tests.import_corpus.builders import (
    IMPORTANCE,
    Course,
    Drawn,
    Matrix,
    course_counts,
    course_grid,
    course_values,
    flat_grid,
    framework_counts,
    framework_grid,
    framework_tasks,
    matrix_grid,
    transposed_grid,
)
from tests.import_corpus.writers import Grid, render

# rule letters of issue #10 → the tag a layout carries
RULES = {
    "a": "notes", "b": "title", "c": "header", "d": "subtotal", "e": "blank", "f": "multi", "g": "matrix",
    "h": "values", "i": "exact",
}
EXTRA_TAGS = ("flat", "clean", "english", "real")


@dataclass
class Layout:
    """One corpus entry: a name, a file name and format, rule tags, the bytes and the expectation."""

    name: str
    fmt: str
    rules: tuple[str, ...]
    expected: dict[str, Any]
    drawn: list[Drawn] = field(default_factory=list)
    note: str = ""
    path: str | None = None  # a real file, relative to tests/data/real or REAL_DATA
    # competencies (code, statement) the programme already holds when this file is imported: a
    # matrix that names competencies by code only links courses to an existing framework
    existing: tuple[tuple[str, str], ...] = ()

    @property
    def filename(self) -> str:
        if self.path:
            return self.path.rsplit("/", 1)[-1]
        return f"{self.name}.{self.fmt}"

    def build(self) -> bytes:
        """The file's bytes: generated in memory, or read from the real-data folders (``paths.locate``)."""
        if self.path:
            from tests.import_corpus.paths import locate

            found = locate(self.path)
            if found is None:
                raise FileNotFoundError(self.path)
            return found.read_bytes()
        return render(self.fmt, [d.grid for d in self.drawn])

    def reading(self) -> list[dict[str, Any]]:
        """What a person notes per sheet: header rows and the rows skipped (with a reason)."""
        return [{"sheet": d.grid.name, "header_rows": d.header_rows, "ignored": d.ignored, "splits": d.splits,
                 "transposed": d.transposed} for d in self.drawn]


# ---- content ---------------------------------------------------------------------------------

ROBOT = [
    ("工业机器人系统安装调试", [
        ("机器人本体安装", [("能识读机器人安装图纸", "A"), ("能完成机器人本体的吊装与固定", "B")]),
        ("电气系统接线", [("能按电气图完成控制柜接线", "A"), ("能使用万用表检测线路通断", "C")]),
    ]),
    ("工业机器人编程与操作", [
        ("示教编程", [("能使用示教器创建和编辑程序", "A"), ("能设置工具坐标系和工件坐标系", "A"),
                  ("能编写搬运码垛程序", "B")]),
        ("离线编程", [("能使用离线编程软件构建仿真工作站", "B")]),
    ]),
    ("工业机器人维护保养", [
        ("日常保养", [("能按保养手册更换减速机润滑油", "B"), ("能备份与恢复机器人控制系统", "A")]),
    ]),
]

EXACT = [
    ("电气控制与PLC", [
        ("PLC程序设计", [("能使用PLC（S7-1200）编程，完成输送线的启停控制。", "A"),
                     ("能识读“电气原理图”，并按图完成接线；", "A")]),
        ("工装选型", [("能根据工艺要求（节拍、精度）选择夹具：气动或电动。", "B")]),
    ]),
    ("机器人示教", [
        ("坐标系标定", [("能在示教器中设置工具坐标系\n并验证其精度", "A"),
                   ("能按《安全操作规程》完成点检、记录与交接。", "C")]),
    ]),
]

ENGLISH = [
    ("Install and commission robot systems", [
        ("Mount the robot arm", [("Read robot installation drawings", "A"),
                                 ("Fix the robot base to the foundation", "B")]),
        ("Wire the controller", [("Wire the control cabinet from the schematic", "A")]),
    ]),
    ("Program and operate robots", [
        ("Teach programming", [("Create and edit programs on the teach pendant", "A"),
                               ("Set tool and work object frames", "B"), ("Write a pick-and-place program", "C")]),
    ]),
]

PLAN = [
    ("公共基础课", "public_basic", [
        Course("GB1001", "思想道德与法治", 3, 40, 8, "1", 1),
        Course("GB1002", "高等数学", 4, 64, 0, "1", 1),
        Course("GB1003", "大学英语", 4, 48, 16, "1-2", 1),
    ]),
    ("专业基础课", "professional_basic", [
        Course("ZJ2001", "电工电子技术", 4, 32, 32, "2", 2),
        Course("ZJ2002", "机械制图与CAD", 3, 24, 24, "第2学期", 2),
    ]),
    ("专业核心课", "professional_core", [
        Course("ZH3001", "工业机器人现场编程", 4, 16, 48, "3", 3),
        Course("ZH3002", "PLC应用技术", 4, 24, 40, "3、4", 3),
        Course("ZH3003", "工业机器人系统集成", 3, 16, 32, "第4学期", 4),
    ]),
    ("实践课", "practice", [
        Course("SJ4001", "岗位实习", 16, 0, 384, "5-6", 5),
    ]),
]

PLAN_EN = [
    ("General education", "public_basic", [
        Course("GE101", "Applied Mathematics", 4, 64, 0, 1, 1),
        Course("GE102", "Technical English", 2, 24, 8, 2, 2),
    ]),
    ("Core", "professional_core", [
        Course("ROB201", "Robot Programming", 4, 16, 48, 3, 3),
        Course("AUT202", "PLC Control", 3, 24, 24, 3, 3),
    ]),
    ("Practice", "practice", [Course("INT301", "Internship", 12, 0, 288, 6, 6)]),
]

MATRIX = Matrix(
    competencies=[("1.1.1", "能识读机器人安装图纸"), ("1.1.2", "能完成机器人本体的吊装与固定"),
                  ("1.2.1", "能按电气图完成控制柜接线"), ("1.2.2", "能使用万用表检测线路通断"),
                  ("2.1.1", "能使用示教器创建和编辑程序"), ("2.1.2", "能设置工具坐标系和工件坐标系")],
    courses=[("ZH3001", "工业机器人现场编程"), ("ZH3002", "PLC应用技术"), ("ZJ2001", "电工电子技术"),
             ("ZH3003", "工业机器人系统集成")],
    levels=[[3, 0, 2, 0], [2, 1, 0, 3], [0, 3, 0, 2], [3, 0, 1, 0], [0, 2, 0, 3], [1, 0, 3, 2]],
    areas=[("工业机器人系统安装调试", 4), ("工业机器人编程与操作", 2)],
)
MATRIX_EN = Matrix(
    competencies=[("PLO1", "Read electrical and mechanical drawings"), ("PLO2", "Program industrial robots"),
                  ("PLO3", "Commission PLC-controlled cells"), ("PLO4", "Maintain robot systems safely"),
                  ("PLO5", "Communicate with the team and the customer")],
    courses=[("ROB201", "Robot Programming"), ("AUT202", "PLC Control"), ("INT301", "Internship")],
    levels=[[1, 2, 0], [3, 0, 2], [0, 3, 2], [2, 0, 3], [0, 1, 3]],
)

TITLE = "工业机器人技术专业职业能力分析表"
META = "专业代码：460305　　制表日期：2026年3月"
NOTE_IMPORTANCE = "注：重要程度 A—核心能力，B—重要能力，C—一般能力。"
SIGNATURE = "制表人：张三  审核人：李四  日期：2026-03-01"
LEGEND_SYMBOLS = "图例：●强相关 ◐中等相关 ○弱相关"
LEGEND_HML = "H—高 M—中 L—低"


def _fw_expect(content, *, importance: bool = True, sample: int = 3, **extra) -> dict[str, Any]:
    expected: dict[str, Any] = {"kind": "framework", "counts": framework_counts(content),
                                "tasks": framework_tasks(content)}
    if importance:
        expected["importance"] = {s: IMPORTANCE[imp] for _, tasks in content for _, comps in tasks
                                  for s, imp in comps[:1]}
        expected["importance"] = dict(list(expected["importance"].items())[:sample])
    expected.update(extra)
    return expected


def _plain(plan):
    """The plan with semesters written as plain numbers (the clean template)."""
    return [(t, k, [replace(c, semester=c.semester_number) for c in courses]) for t, k, courses in plan]


def _two_row_header(columns: tuple[str, ...]) -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
    """学时 merged over 总学时 / 理论 / 实践; every other label merged down over both rows."""
    labels = {"type": "课程类别", "code": "课程代码", "name": "课程名称", "credits": "学分", "semester": "开设学期",
              "assess": "考核方式"}
    sub = {"total": "总学时", "theory": "理论", "practice": "实践"}
    top, bottom, merges = [], [], []
    for i, col in enumerate(columns):
        if col in sub:
            top.append("学时" if col == "total" else None)
            bottom.append(sub[col])
        else:
            top.append(labels[col])
            bottom.append(None)
            merges.append((0, i, 1, i))
    first = columns.index("total")
    merges.append((0, first, 0, first + 2))
    return [top, bottom], merges


def _numbered(style: str):
    def dot_newline(items, _task):
        return "\n".join(f"{i}.{s}" for i, s in enumerate(items, 1))

    def paren(items, _task):
        return "".join(f"（{i}）{s}" for i, s in enumerate(items, 1))

    def circled(items, _task):
        return "".join(f"{'①②③④⑤⑥⑦⑧⑨'[i]}{s}" for i, s in enumerate(items))

    def dunhao(items, _task):
        return "\n".join(f"{i}、{s}" for i, s in enumerate(items, 1))

    def outline(items, task):
        return "\n".join(f"{task}.{i} {s}" for i, s in enumerate(items, 1))

    return {"dot_newline": dot_newline, "paren": paren, "circled": circled, "dunhao": dunhao,
            "outline": outline}[style]


def _codes(content) -> dict[str, str]:
    """The outline code a person reads for each competency ("1.2.1") when the file writes it."""
    return {s: f"{a}.{t}.{c}" for a, (_, tasks) in enumerate(content, 1) for t, (_, comps) in enumerate(tasks, 1)
            for c, (s, _) in enumerate(comps, 1)}


def _help_sheet() -> Drawn:
    lines = ["填表说明", "1. 工作领域、工作任务可合并单元格。", "2. 职业能力以“能……”开头，一行一条。",
             "3. 重要程度填写 A、B 或 C。"]
    return Drawn(Grid("填表说明", [[line] for line in lines]), header_rows=[],
                 ignored=[{"row": i, "reason": "note", "text": line} for i, line in enumerate(lines, 1)])


def _fw_layouts() -> list[Layout]:
    wrapped = [["序号", "工作\n领域", "典型工作\n任务", "职业\n能力", "重要\n程度"]]
    two_row = ([["工作领域", "工作任务", None, "职业能力", None, "重要程度"],
                [None, "编号", "名称", "编号", "描述", None]],
               [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 0, 4), (0, 5, 1, 5)])
    cols_two_row = ("area", "task_code", "task", "comp_code", "comp", "imp")
    out = [
        Layout("fw_clean_xlsx", "xlsx", ("clean",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, columns=("area", "task", "comp", "imp"), merged=False)],
               "control: one header row, every cell filled"),
        Layout("fw_clean_csv", "csv", ("clean",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, columns=("area", "task", "comp", "imp"), merged=False)],
               "control: the clean table saved as CSV (GB18030) by Excel"),
        Layout("fw_merged_note_xlsx", "xlsx", ("notes",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, notes=(("note", NOTE_IMPORTANCE),))],
               "merged 工作领域/工作任务, a 注 row merged across under the table"),
        Layout("fw_title_meta_xlsx", "xlsx", ("title", "notes"), _fw_expect(ROBOT),
               [framework_grid(ROBOT, titles=(TITLE, META), notes=(("note", NOTE_IMPORTANCE),))],
               "title and 专业代码/制表日期 rows above the header"),
        Layout("fw_wrapped_header_xls", "xls", ("header", "title"), _fw_expect(ROBOT),
               [framework_grid(ROBOT, titles=(TITLE,), header=wrapped)],
               "header cells with line breaks (工作\\n领域), .xls with merges"),
        Layout("fw_wrapped_header_ods", "ods", ("header",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, header=wrapped, notes=(("note", NOTE_IMPORTANCE),))],
               "header cells with line breaks in ODS"),
        Layout("fw_two_row_header_xlsx", "xlsx", ("header", "values"),
               _fw_expect(ROBOT),
               [framework_grid(ROBOT, columns=cols_two_row, header=two_row[0], header_merges=two_row[1],
                               importance="words")],
               "two-row header: 工作任务 over 编号/名称, 职业能力 over 编号/描述; importance 核心/重要/一般"),
        Layout("fw_two_row_header_ods", "ods", ("header", "title"),
               _fw_expect(ROBOT),
               [framework_grid(ROBOT, columns=cols_two_row, header=two_row[0], header_merges=two_row[1],
                               titles=(TITLE,))],
               "two-row header in ODS under a title row"),
        Layout("fw_blank_rows_ods", "ods", ("blank",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, blank_between=True, signature=SIGNATURE)],
               "blank rows between work areas, signature row below"),
        Layout("fw_blank_rows_xls", "xls", ("blank", "notes"), _fw_expect(ROBOT),
               [framework_grid(ROBOT, blank_between=True, notes=(("note", "说明：本表由校企双方共同编制。"),),
                               signature=SIGNATURE)],
               "blank rows between areas, a 说明 row and a signature row"),
        Layout("fw_signature_xlsx", "xlsx", ("blank", "notes", "title"), _fw_expect(ROBOT),
               [framework_grid(ROBOT, titles=(TITLE,), notes=(("note", "备注：重要程度由企业专家评定。"),),
                               signature=SIGNATURE)],
               "a 备注 row and 制表人/审核人/日期 under the table"),
        Layout("fw_notes_remark_ods", "ods", ("notes",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, notes=(("note", "说明：工作任务按工作过程排序。"),
                                             ("note", "备注：职业能力的描述以“能……”开头。")))],
               "two note rows (说明, 备注) merged across"),
        Layout("fw_multi_dot_newline_xlsx", "xlsx", ("multi",), _fw_expect(ROBOT, importance=False),
               [framework_grid(ROBOT, columns=("area", "task", "comp"), joiner=_numbered("dot_newline"))],
               'one 职业能力 cell per task: "1.能…\\n2.能…"'),
        Layout("fw_multi_paren_xls", "xls", ("multi",), _fw_expect(ROBOT, importance=False),
               [framework_grid(ROBOT, columns=("seq", "area", "task", "comp"), joiner=_numbered("paren"))],
               'one cell per task: "（1）…（2）…" on one line'),
        Layout("fw_multi_circled_ods", "ods", ("multi", "title"), _fw_expect(ROBOT, importance=False),
               [framework_grid(ROBOT, columns=("area", "task", "comp"), joiner=_numbered("circled"),
                               titles=(TITLE,))],
               'one cell per task: "①…②…"'),
        Layout("fw_multi_dunhao_csv", "csv", ("multi",), _fw_expect(ROBOT, importance=False),
               [framework_grid(ROBOT, columns=("area", "task", "comp"), joiner=_numbered("dunhao"))],
               'one cell per task: "1、…\\n2、…", CSV with merged cells left blank below'),
        Layout("fw_exact_punct_xlsx", "xlsx", ("exact",), _fw_expect(EXACT),
               [framework_grid(EXACT)],
               "full-width punctuation, PLC（S7-1200）, a line break inside one statement"),
        Layout("fw_exact_punct_ods", "ods", ("exact", "notes"), _fw_expect(EXACT),
               [framework_grid(EXACT, notes=(("note", NOTE_IMPORTANCE),))],
               "exact text in ODS (paragraphs per line)"),
        Layout("fw_exact_punct_csv", "csv", ("exact",), _fw_expect(EXACT),
               [framework_grid(EXACT, merged=False, columns=("area", "task", "comp", "imp"))],
               "exact text in a GB18030 CSV (quoted line break, “” quotes)"),
        Layout("fw_exact_punct_xls", "xls", ("exact", "title"), _fw_expect(EXACT),
               [framework_grid(EXACT, titles=(TITLE,))],
               "exact text in .xls"),
        Layout("fw_importance_stars_xlsx", "xlsx", ("values",), _fw_expect(ROBOT, sample=5),
               [framework_grid(ROBOT, importance="stars")],
               "importance ★★★ / ★★ / ★ (three stars = A 核心)"),
        Layout("fw_codes_dots_xls", "xls", ("values",), _fw_expect(ROBOT, sample=5),
               [framework_grid(ROBOT, columns=("area_code", "area", "task_code", "task", "comp_code", "comp", "imp"),
                               code_dots=True, importance="words")],
               'codes with trailing dots ("1.", "1.2.", "1.2.1."), importance 核心/重要/一般'),
        Layout("fw_text_numbers_ods", "ods", ("values",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, columns=("seq", "area", "task", "comp", "imp", "type"))],
               "序号 as numbers, a 能力类型 column (技能)"),
        Layout("fw_everything_xlsx", "xlsx", ("title", "header", "multi", "blank", "notes"),
               _fw_expect(ROBOT, importance=False),
               [framework_grid(ROBOT, columns=("seq", "area", "task", "comp"), titles=(TITLE, META),
                               header=[["序号", "工作\n领域", "典型工作\n任务", "职业\n能力"]],
                               joiner=_numbered("dot_newline"), blank_between=True,
                               notes=(("note", NOTE_IMPORTANCE),), signature=SIGNATURE)],
               "everything at once: titles, wrapped header, numbered cells, blank rows, note, signature"),
        Layout("fw_blank_rows_csv", "csv", ("blank",), _fw_expect(ROBOT),
               [framework_grid(ROBOT, blank_between=True, signature=SIGNATURE)],
               "blank rows between areas and a signature row, GB18030 CSV with merged areas left blank below"),
        Layout("fw_title_csv", "csv", ("title", "notes"), _fw_expect(ROBOT),
               [framework_grid(ROBOT, titles=(TITLE, META), notes=(("note", NOTE_IMPORTANCE),), signature=SIGNATURE)],
               "title, metadata, note and signature rows in a GB18030 CSV (merged areas left blank below)"),
        Layout("fw_1x_outline_xlsx", "xlsx", ("multi", "values", "title"),
               _fw_expect(ROBOT, importance=False, codes=_codes(ROBOT)),
               [framework_grid(ROBOT, columns=("area", "task", "comp"), joiner=_numbered("outline"),
                               header=[["工作领域", "工作任务", "职业技能要求"]],
                               titles=("工业机器人应用编程职业技能等级标准（中级）",))],
               '1+X layout: one 职业技能要求 cell per task, "1.1.1 能…\n1.1.2 能…" (the codes are the file\'s)'),
        Layout("fw_outline_prefix_ods", "ods", ("values",), _fw_expect(ROBOT, codes=_codes(ROBOT)),
               [framework_grid(ROBOT, columns=("area", "task", "comp", "imp"), prefix_codes=True)],
               'outline numbers at the start of each statement ("1.2.1 能按电气图…")'),
        Layout("fw_outline_prefix_xls", "xls", ("values", "notes"), _fw_expect(ROBOT, codes=_codes(ROBOT)),
               [framework_grid(ROBOT, columns=("seq", "area", "task", "comp", "imp"), prefix_codes=True,
                               notes=(("note", NOTE_IMPORTANCE),))],
               "outline numbers in the statement cells, 序号 column, a note row"),
        Layout("fw_help_sheet_xlsx", "xlsx", ("notes",), _fw_expect(ROBOT),
               [_help_sheet(), framework_grid(ROBOT)],
               "a 填表说明 sheet before the table sheet"),
        Layout("fw_flat_parent_xlsx", "xlsx", ("flat",), _fw_expect(ROBOT),
               [flat_grid(ROBOT)], "flat list: 编码 | 上级编码 | 名称 | 类型 | 重要程度"),
        Layout("fw_flat_parent_ods", "ods", ("flat", "values", "notes"), _fw_expect(ROBOT),
               [flat_grid(ROBOT, code_dots=True, header=("编码", "上级编码", "名称", "层级", "重要程度"),
                          kinds=("工作领域", "工作任务", "职业能力"), notes=(("note", NOTE_IMPORTANCE),))],
               "flat list with trailing-dot codes, a 层级 column naming each row's level, and a note row"),
        Layout("fw_english_xlsx", "xlsx", ("english", "title", "notes"), _fw_expect(ENGLISH),
               [framework_grid(ENGLISH, name="DACUM chart", columns=("area", "task", "comp", "imp"),
                               header=[["Duty", "Task", "Competency", "Importance"]],
                               titles=("Industrial Robot Technician – DACUM chart",), importance="ABC",
                               notes=(("note", "Note: importance A = core, B = important, C = general."),))],
               "English DACUM chart with a title and a note"),
        Layout("fw_english_flat_csv", "csv", ("english", "flat"), _fw_expect(ENGLISH),
               [flat_grid(ENGLISH, name="framework", header=("Code", "Parent", "Statement", "Type", "Importance"),
                          kinds=(None, None, "skill"))],
               "English flat list: Code | Parent | Statement | Type | Importance"),
    ]
    return out


def _cp_layouts() -> list[Layout]:
    plain = _plain(PLAN)
    cols8 = ("type", "code", "name", "credits", "total", "theory", "practice", "semester")
    two_row, two_merges = _two_row_header(cols8)
    three_row = [["课程类别", "课程代码", "课程名称", "学分", "教学安排", None, None, None],
                 [None, None, None, None, "学时", None, None, "开设学期"],
                 [None, None, None, None, "总学时", "理论", "实践", None]]
    three_merges = [(0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 2, 2), (0, 3, 2, 3), (0, 4, 0, 7), (1, 4, 1, 6), (1, 7, 2, 7)]

    def expect(plan, **extra):
        return {"kind": "courses", "counts": course_counts(plan), "courses": course_values(plan), **extra}

    cols_section = ("code", "name", "credits", "total", "theory", "practice", "semester")
    weekly_cols = ("type", "code", "name", "credits", "total", "theory", "practice", *(f"sem{k}" for k in range(1, 7)))
    weekly_header = [["课程类别", "课程代码", "课程名称", "学分", "学时", None, None, "各学期周学时分配"] + [None] * 5,
                     [None, None, None, None, "总学时", "理论", "实践"] + [f"第{k}学期" for k in range(1, 7)]]
    weekly_merges = [(0, i, 1, i) for i in range(4)] + [(0, 4, 0, 6), (0, 7, 0, 12)]
    sec_header, sec_merges = _two_row_header(cols_section)
    return [
        Layout("cp_clean_xlsx", "xlsx", ("clean",), expect(plain),
               [course_grid(plain, type_mode="column")], "control: 课程类别 on every row, one header row"),
        Layout("cp_two_row_header_xlsx", "xlsx", ("header", "subtotal", "title", "values"), expect(PLAN),
               [course_grid(PLAN, header=two_row, header_merges=two_merges, subtotals=True, total="合计",
                            titles=("工业机器人技术专业教学进程表",))],
               "学时 over 总学时/理论/实践, 课程类别 merged down, 小计 per group, 合计 at the end"),
        Layout("cp_two_row_header_xls", "xls", ("header", "subtotal"), expect(plain),
               [course_grid(plain, header=two_row, header_merges=two_merges, subtotals=True, total="总计")],
               "the same in .xls, 总计 at the end"),
        Layout("cp_section_rows_xls", "xls", ("subtotal", "header", "values"), expect(PLAN),
               [course_grid(PLAN, columns=cols_section, header=sec_header, header_merges=sec_merges,
                            type_mode="section", subtotals=True, total="合计")],
               'section rows "一、公共基础课" give the type; 小计 and 合计 rows'),
        Layout("cp_section_rows_ods", "ods", ("subtotal", "values"), expect(PLAN),
               [course_grid(PLAN, columns=cols_section, type_mode="section", total="合计")],
               "section rows in ODS, semesters 1-2 / 3、4 / 第4学期"),
        Layout("cp_three_row_header_ods", "ods", ("header", "subtotal"), expect(plain),
               [course_grid(plain, header=three_row, header_merges=three_merges, subtotals=True, total="合计")],
               "three-row header: 教学安排 over (学时 over 总/理论/实践) and 开设学期"),
        Layout("cp_three_row_header_xlsx", "xlsx", ("header", "title", "blank"), expect(PLAN),
               [course_grid(PLAN, header=three_row, header_merges=three_merges, titles=("教学进程表",),
                            total="合计", signature=SIGNATURE, blank_before_notes=True)],
               "three-row header, a blank row and a signature row below"),
        Layout("cp_hours_plus_csv", "csv", ("values", "subtotal"),
               expect(PLAN),
               [course_grid(PLAN, columns=("type", "code", "name", "credits", "hours_plus", "semester"),
                            subtotals=True, total="合计", numbers_as_text=True)],
               'hours "16+48" in one column, semesters "1-2" "3、4" "第4学期", CSV with the type only on a '
               "group's first row"),
        Layout("cp_text_numbers_xlsx", "xlsx", ("values", "subtotal"), expect(PLAN),
               [course_grid(PLAN, numbers_as_text=True, subtotals=True, total="合计")],
               "credits and hours stored as text, 小计 rows"),
        Layout("cp_signature_ods", "ods", ("blank", "notes", "subtotal"), expect(plain),
               [course_grid(plain, type_mode="column", total="合计", blank_before_notes=True,
                            notes=(("note", "注：实践学时含课内实验与实训。"),), signature=SIGNATURE)],
               "合计 row, blank row, 注 row and signature under a course list"),
        Layout("cp_weekly_hours_xlsx", "xlsx", ("header", "values", "title"),
               expect(PLAN),
               [course_grid(PLAN, columns=weekly_cols, header=weekly_header, header_merges=weekly_merges,
                            titles=("教学进程表",))],
               "no 开设学期 column: weekly hours under 各学期周学时分配 (第1…第6学期) show when a course runs"),
        Layout("cp_weekly_hours_ods", "ods", ("header", "values", "subtotal"),
               expect(PLAN),
               [course_grid(PLAN, columns=weekly_cols, header=weekly_header, header_merges=weekly_merges,
                            subtotals=True, total="合计")],
               "weekly hours per semester with 小计 and 合计 rows, ODS"),
        Layout("cp_english_xlsx", "xlsx", ("english", "subtotal"), expect(PLAN_EN),
               [course_grid(PLAN_EN, name="Course plan", type_mode="column",
                            header=[["Type", "Code", "Course", "Credits", "Total hours", "Theory hours",
                                     "Practice hours", "Semester"]], total="Total", subtotals=True,
                            subtotal_label="Subtotal")],
               "English course plan with Subtotal and Total rows"),
        Layout("cp_merged_type_csv", "csv", ("subtotal", "header"), expect(plain),
               [course_grid(plain, header=two_row, header_merges=two_merges, subtotals=True, total="合计")],
               "the two-row header and merged type column saved as CSV: blanks where the merges were"),
    ]


def _mx_expect(m: Matrix, scheme: str, *, competencies: bool = True, by: str = "statement", sample: int = 4,
               **extra) -> dict[str, Any]:
    counts = {"course": len(m.courses), "alignment": m.marked()}
    if competencies:
        counts["competency"] = len(m.competencies)
    expected: dict[str, Any] = {"kind": "matrix", "counts": counts,
                                "alignments": m.alignments(scheme, by=by)[:sample]}
    expected.update(extra)
    return expected


def _mx_layouts() -> list[Layout]:
    m, en = MATRIX, MATRIX_EN
    named = {"courses": {name: {"code": code} for code, name in m.courses[:2]}}
    return [
        Layout("mx_clean_xlsx", "xlsx", ("clean",), _mx_expect(m, "symbols", **named),
               [matrix_grid(m, "symbols")], "control: code | statement | one column per course, ●◐○"),
        Layout("mx_symbols_legend_xlsx", "xlsx", ("matrix", "notes", "title"), _mx_expect(m, "symbols", **named),
               [matrix_grid(m, "symbols", titles=("课程与职业能力对应矩阵",), summary_column="支撑数",
                            notes=(("legend", LEGEND_SYMBOLS),))],
               "●◐○ with a 支撑数 column and a 图例 row"),
        Layout("mx_hml_legend_xls", "xls", ("matrix", "notes"), _mx_expect(m, "hml", **named),
               [matrix_grid(m, "hml", summary_column="合计", notes=(("legend", LEGEND_HML),))],
               "H/M/L with a 合计 column and a legend row"),
        Layout("mx_hml_code_first_ods", "ods", ("matrix", "notes"), _mx_expect(m, "hml", **named),
               [matrix_grid(m, "hml", course_style="code_first", notes=(("legend", LEGEND_HML),))],
               'course headers "ZH3001 工业机器人现场编程", H/M/L, legend row'),
        Layout("mx_ticks_count_ods", "ods", ("matrix",), _mx_expect(m, "ticks", **named),
               [matrix_grid(m, "ticks", count_row="支撑能力数")],
               "√ ticks with a 支撑能力数 count row (1–4 per course)"),
        Layout("mx_ticks_count_csv", "csv", ("matrix",), _mx_expect(m, "ticks", **named),
               [matrix_grid(m, "ticks", count_row="支撑能力数", summary_column="合计")],
               "√ ticks, count row and 合计 column, GB18030 CSV"),
        Layout("mx_area_merged_xlsx", "xlsx", ("matrix", "notes", "header"), _mx_expect(m, "symbols", **named),
               [matrix_grid(m, "symbols", area_column="工作领域", course_style="newline",
                            notes=(("legend", LEGEND_SYMBOLS),))],
               "工作领域 merged down the first column, headers with a line break before （代码）"),
        Layout("mx_grouped_header_xlsx", "xlsx", ("matrix", "header"), _mx_expect(m, "symbols", **named),
               [matrix_grid(m, "symbols", course_groups=[("支撑课程", 4)], summary_column="支撑数")],
               "two header rows: 支撑课程 merged over the course columns, 能力编号/职业能力/支撑数 merged down"),
        Layout("mx_grouped_header_ods", "ods", ("matrix", "header", "notes"), _mx_expect(m, "hml", **named),
               [matrix_grid(m, "hml", course_groups=[("专业核心课", 2), ("专业基础课与综合", 2)],
                            notes=(("legend", LEGEND_HML),))],
               "two header rows with course groups over the course columns, H/M/L, legend"),
        Layout("mx_transposed_csv", "csv", ("matrix",),
               _mx_expect(m, "hml", competencies=False, by="code"),
               [transposed_grid(m, "hml")],
               "courses as rows, competency codes as columns, 合计 column", existing=tuple(m.competencies)),
        Layout("mx_transposed_xlsx", "xlsx", ("matrix", "title"), _mx_expect(m, "symbols", **named),
               [transposed_grid(m, "symbols", competency_header="statement", titles=("课程支撑职业能力矩阵",),
                                count_row="合计", notes=(("legend", LEGEND_SYMBOLS),))],
               'transposed, headers "1.1.1 能识读…", 合计 row and column, legend'),
        Layout("mx_transposed_ticks_xls", "xls", ("matrix",),
               _mx_expect(m, "ticks", competencies=False, by="code"),
               [transposed_grid(m, "ticks", summary_column="支撑数")],
               "transposed √ ticks with a 支撑数 column, .xls", existing=tuple(m.competencies)),
        Layout("mx_numeric_total_ods", "ods", ("matrix", "notes"), _mx_expect(m, "numeric", **named),
               [matrix_grid(m, "numeric", summary_column="合计",
                            notes=(("legend", "注：3—强支撑，2—中支撑，1—弱支撑"),))],
               "marks 3/2/1 next to a 合计 column whose counts (2, 3) look like marks"),
        Layout("mx_ambiguous_m_xlsx", "xlsx", ("matrix",), {"kind": "matrix", "ok": False},
               [matrix_grid(Matrix(m.competencies, m.courses, [[2 if v else 0 for v in row] for row in m.levels]),
                            "hml")],
               'only "M" marks: Medium under H/M/L, Mastered under I/R/M — the import must ask, never guess'),
        Layout("mx_english_irm_xlsx", "xlsx", ("english", "matrix"),
               _mx_expect(en, "irm", courses={name: {"code": code} for code, name in en.courses[:2]}),
               [matrix_grid(en, "irm", name="Curriculum map", row_labels=("Code", "Outcome"),
                            course_style="code_first", summary_column="Total")],
               "English I/R/M curriculum map with a Total column (I and R present: M means Mastered)"),
    ]


def _section_framework() -> Drawn:
    """No 工作领域 column: each work area is a section row ("一、工业机器人系统安装调试") merged across above its
    tasks; 工作任务 merged down its competencies; a 注 row under the table."""
    drawn = Drawn(Grid("职业能力分析表", [["工作任务", "职业能力", "重要程度"]]), header_rows=[1])
    rows, merges = drawn.grid.rows, drawn.grid.merges
    for number, (area, tasks) in enumerate(ROBOT):
        rows.append([f"{'一二三'[number]}、{area}", None, None])
        merges.append((len(rows) - 1, 0, len(rows) - 1, 2))
        drawn.ignored.append({"row": len(rows), "reason": "section", "text": rows[-1][0]})
        for task, comps in tasks:
            start = len(rows)
            for i, (statement, imp) in enumerate(comps):
                rows.append([task if i == 0 else None, statement, imp])
            if len(comps) > 1:
                merges.append((start, 0, len(rows) - 1, 0))
    rows.append([NOTE_IMPORTANCE, None, None])
    merges.append((len(rows) - 1, 0, len(rows) - 1, 2))
    drawn.ignored.append({"row": len(rows), "reason": "note", "text": NOTE_IMPORTANCE})
    return drawn


def _section_matrix() -> Drawn:
    """A ●◐○ matrix whose competency rows sit under work-area section rows merged across the sheet; a legend."""
    m = MATRIX
    header = ["能力编号", "职业能力", *(f"{name}（{code}）" for code, name in m.courses)]
    width = len(header)
    drawn = Drawn(Grid("课程能力矩阵", [header]), header_rows=[1])
    rows, merges = drawn.grid.rows, drawn.grid.merges
    marks = {3: "●", 2: "◐", 1: "○"}
    position = 0
    for number, (area, count) in enumerate(m.areas):
        rows.append([f"{'一二'[number]}、{area}"] + [None] * (width - 1))
        merges.append((len(rows) - 1, 0, len(rows) - 1, width - 1))
        drawn.ignored.append({"row": len(rows), "reason": "section", "text": rows[-1][0]})
        for (code, statement), levels in zip(m.competencies[position:position + count],
                                             m.levels[position:position + count], strict=True):
            rows.append([code, statement, *(marks.get(v) for v in levels)])
        position += count
    rows.append([LEGEND_SYMBOLS] + [None] * (width - 1))
    merges.append((len(rows) - 1, 0, len(rows) - 1, width - 1))
    drawn.ignored.append({"row": len(rows), "reason": "legend", "text": LEGEND_SYMBOLS})
    return drawn


def _new_layouts() -> list[Layout]:
    """Session 4 additions, each of a class the corpus lacked; expectations written from the drawing (and the
    content above) before the importer was run on them."""
    two_row = ([["工作领域", "工作任务", None, "职业能力", None, "重要程度"],
                [None, "编号", "名称", "编号", "描述", None]],
               [(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 0, 4), (0, 5, 1, 5)])
    m = MATRIX
    return [
        Layout("fw_section_areas_xlsx", "xlsx", ("subtotal", "notes"),
               _fw_expect(ROBOT, contains=[area for area, _tasks in ROBOT]),
               [_section_framework()],
               "no 工作领域 column: work areas are section rows 一、… above their tasks (group context from a "
               "section row), a 注 row below"),
        Layout("fw_two_row_header_csv", "csv", ("header", "values"),
               _fw_expect(ROBOT, codes=_codes(ROBOT)),
               [framework_grid(ROBOT, columns=("area", "task_code", "task", "comp_code", "comp", "imp"),
                               header=two_row[0], header_merges=two_row[1], importance="words")],
               "two-row header in a GB18030 CSV (工作任务 over 编号/名称, 职业能力 over 编号/描述, no merges: the "
               "group labels are followed by empty cells), areas and tasks left blank below their first row"),
        Layout("mx_section_rows_ods", "ods", ("matrix", "subtotal", "notes"),
               _mx_expect(m, "symbols", courses={name: {"code": code} for code, name in m.courses[:2]}),
               [_section_matrix()],
               "matrix rows grouped under work-area section rows (一、…) merged across the course columns, legend"),
    ]


def synthetic_layouts() -> list[Layout]:
    """Every generated layout, in a stable order."""
    layouts = _fw_layouts() + _cp_layouts() + _mx_layouts() + _new_layouts()
    for layout in layouts:
        layout.expected.setdefault("reading", layout.reading())
    return layouts
