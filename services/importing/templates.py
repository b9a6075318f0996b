"""Blank import templates, one per spreadsheet kind: header, two example rows, instructions (zh + en).

Header cells carry both languages ("职业能力 / Competency"); the importer reads either part,
so a filled template always maps without a mapping step. The examples of all templates
fit together (the matrix, ratings and standard examples use the framework and courses
examples' codes), so importing them in order is a working demo and a test.
"""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter

TEMPLATE_KINDS = ("framework", "courses", "matrix", "ratings", "standard")
ROLE = "工业机器人系统运维员"

_GENERAL = [
    ("导入不会删除数据：文件中没有的行只会在预览中列为“不在文件中”。",
     "Importing never deletes: rows missing from the file are only listed as \"not in file\" in the preview."),
    ("同一文件重复导入不会产生任何变化；有错误时整个导入不写入，可勾选“跳过无效行”。",
     "Importing the same file again changes nothing; with errors nothing is written unless you skip invalid rows."),
    ("编码按文本保存（“1.10”不等于“1.1”）：请把编码列设为文本格式。",
     "Codes are text (\"1.10\" is not \"1.1\"): format code columns as text."),
]

SPECS: dict[str, dict[str, Any]] = {
    "framework": {
        "sheet": "职业能力分析表 Framework",
        "title": "XX专业职业能力分析表 / Competency analysis",
        "columns": [
            ("工作领域 / Area", "可带编号，如“1 工业机器人安装”；合并单元格或留空表示同上",
             "May start with its number; merged or blank = same as above"),
            ("工作任务 / Task", "可带编号，如“1.1 机械安装”；合并单元格或留空表示同上",
             "May start with its number; merged or blank = same as above"),
            ("能力编码 / Code", "如 1.1.1；留空时按位置生成", "e.g. 1.1.1; derived from the position when blank"),
            ("职业能力 / Competency", "以“能…”开头的能力描述（必填）", "The statement, e.g. \"Can …\" (required)"),
            ("类型 / Type", "知识 / 技能 / 素质", "knowledge / skill / attitude"),
            ("重要程度 / Importance", "A 核心 / B 重要 / C 一般，或 1–5", "A core / B important / C general, or 1–5"),
            ("岗位 / Job role", "面向岗位（可选）", "Job role (optional)"),
            ("备注 / Notes", "可选", "Optional"),
        ],
        "rows": [
            ["1 工业机器人安装", "1.1 机械安装", "1.1.1", "能识读工业机器人机械装配图", "知识", "A", ROLE, ""],
            ["1 工业机器人安装", "1.1 机械安装", "1.1.2", "能按装配图完成机器人本体安装", "技能", "B", ROLE, ""],
        ],
        "note": "注：重要程度 A—核心，B—重要，C—一般 / Note: importance A core, B important, C general",
    },
    "courses": {
        "sheet": "课程 Courses",
        "title": "课程设置 / Course catalogue",
        "columns": [
            ("课程代码 / Course code", "必填，专业内唯一", "Required, unique in the programme"),
            ("课程名称 / Course name", "必填", "Required"),
            ("课程类型 / Course type", "公共基础课 / 专业基础课 / 专业核心课 / 实践课 / 选修课",
             "public basic / professional basic / professional core / practice / elective"),
            ("学分 / Credits", "0–60", "0–60"),
            ("理论学时 / Theory hours", "整数", "Whole number"),
            ("实践学时 / Practice hours", "整数", "Whole number"),
            ("开设学期 / Semester", "1–12，或“第二学年：长1”", "1–12"),
            ("课程简介 / Description", "可选", "Optional"),
        ],
        "rows": [
            ["ZY2031", "工业机器人现场编程", "专业核心课", 4, 32, 32, 3, "示教编程与离线编程"],
            ["ZY2040", "PLC 编程与调试", "专业基础课", 3, 24, 24, 2, ""],
        ],
    },
    "matrix": {
        "sheet": "课程能力矩阵 Matrix",
        "title": "课程–能力对应矩阵 / Course–competency matrix",
        "columns": [
            ("能力编码 / Code", "已有能力按编码匹配，否则按描述匹配", "Matched by code, else by statement"),
            ("职业能力 / Competency", "新能力会被创建", "Unknown competencies are created"),
            ("工业机器人现场编程（ZY2031）", "每门课一列：“名称（代码）”、“代码 名称”或代码",
             "One column per course: \"Name (CODE)\", \"CODE Name\" or the code"),
            ("PLC 编程与调试（ZY2040）", "标记：● ◐ ○、H/M/L、I/R/M、3/2/1、强/中/弱 或 √",
             "Marks: ● ◐ ○, H/M/L, I/R/M, 3/2/1, 强/中/弱 or a tick"),
        ],
        "rows": [
            ["1.1.1", "能识读工业机器人机械装配图", "●", "○"],
            ["1.1.2", "能按装配图完成机器人本体安装", "◐", ""],
        ],
        "note": "注：● 强支撑 ◐ 中支撑 ○ 弱支撑 / Note: ● strong, ◐ medium, ○ weak",
    },
    "ratings": {
        "sheet": "评分 Ratings",
        "title": "职业能力调查结果 / Competency survey results",
        "columns": [
            ("评分人 / Rater", "每位专家一个名字", "One name per rater"),
            ("能力编码 / Code", "专业中已有的能力编码", "A competency code of the programme"),
            ("重要程度 / Importance", "1–5", "1–5"),
            ("频率 / Frequency", "1–7", "1–7"),
            ("难度 / Difficulty", "1–5", "1–5"),
            ("意见 / Comment", "可选", "Optional"),
        ],
        "rows": [["张工", "1.1.1", 5, 6, 3, "岗位核心能力"], ["李工", "1.1.1", 4, 5, 2, ""]],
    },
}

STANDARD_COURSE = [
    ("课程代码 / Course code", "ZY2031"), ("课程名称 / Course name", "工业机器人现场编程"),
    ("课程类别 / Course type", "专业核心课"), ("学分 / Credits", 4), ("理论学时 / Theory hours", 32),
    ("实践学时 / Practice hours", 32), ("开设学期 / Semester", 3), ("授课单位 / Department", "智能制造学院"),
    ("执笔人 / Author", "王老师"), ("执笔日期 / Author date", "2025-06-01"), ("审定人 / Reviewer", "李工"),
    ("审定日期 / Reviewer date", ""), ("前修课程 / Prerequisites", "PLC 编程与调试"),
    ("后续课程 / Follow-on courses", "工业机器人系统集成"),
    ("课程性质与定位 / Nature and role", "专业核心课，面向工业机器人系统运维员岗位。"),
    ("课程设计思路 / Design rationale", "基于与企业专家共同分析的典型工作任务设计学习单元。"),
    ("教学实施建议 / Teaching methods", "项目教学、理实一体化。"), ("教学资源 / Resources", "工业机器人实训室。"),
    ("标准名称 / Title", "工业机器人现场编程"),  # last, so the rows above keep their cells (B14 …)
]
STANDARD_SHEETS = [
    ("课程目标 Objectives",
     ["维度 / Dimension", "编号 / Code", "课程目标 / Objective", "对应能力 / Competencies", "对应程度 / Level"],
     [["知识", "K1", "能说明工业机器人机械结构与装配要求", "1.1.1", 2],
      ["能力", "S1", "能按装配图完成机器人本体安装与检查", "1.1.2(3)", ""]]),
    ("学习单元 Units",
     ["序号 / No.", "学习单元 / Unit", "内容 / Content", "学习任务 / Learning tasks", "理论学时 / Theory hours",
      "实践学时 / Practice hours", "对应能力 / Competencies"],
     [[1, "项目一 机器人结构认知", "机械结构、装配图识读", "识读装配图", 16, 16, "1.1.1"],
      [2, "项目二 本体安装", "本体安装与检查", "完成本体安装", 16, 16, "1.1.2"]]),
    ("考核评价 Assessment",
     ["考核项目 / Item", "类别 / Category", "权重 / Weight (%)", "考核方式 / Method"],
     [["项目过程考核", "过程性", 40, "项目报告与操作记录"], ["期末实操考核", "终结性", 60, "现场操作"]]),
]
STANDARD_NOTES = [
    ("“课程信息”按“字段 | 内容”填写；课程按代码匹配，不存在时新建。",
     "\"Course\": field | value pairs; the course is matched by code and created if missing."),
    ("对应能力填写能力编码，可用括号写对应程度：1.1.1, 1.1.2(3)。",
     "Competencies: codes, optionally with a level in brackets: 1.1.1, 1.1.2(3)."),
    ("已审定的课程标准不会被修改：导入会新建一版草稿。",
     "An approved standard is never changed: the import starts a new draft revision."),
]


def template_workbook(kind: str) -> bytes:
    """The blank template of ``kind`` as .xlsx bytes (see ``TEMPLATE_KINDS``)."""
    if kind not in TEMPLATE_KINDS:
        raise KeyError(kind)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False})
    fmt = {"title": book.add_format({"bold": True, "font_size": 14}),
           "head": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
           "text": book.add_format({"num_format": "@"}), "note": book.add_format({"italic": True,
                                                                                 "font_color": "#666666"}),
           "wrap": book.add_format({"text_wrap": True, "valign": "top"})}
    if kind == "standard":
        _standard(book, fmt)
    else:
        _table_template(book, fmt, SPECS[kind])
    book.close()
    return buffer.getvalue()


def _table_template(book, fmt: dict[str, Any], spec: dict[str, Any]) -> None:
    ws = book.add_worksheet(spec["sheet"])
    ws.write_string(0, 0, spec["title"], fmt["title"])
    for col, (header, _zh, _en) in enumerate(spec["columns"]):
        ws.write_string(1, col, header, fmt["head"])
        ws.set_column(col, col, 26 if col < 4 else 16, fmt["text"])
    for r, row in enumerate(spec["rows"], start=2):
        for c, value in enumerate(row):
            _write(ws, r, c, value)
    if spec.get("note"):
        ws.write_string(len(spec["rows"]) + 3, 0, spec["note"], fmt["note"])
    ws.freeze_panes(2, 0)
    _instructions(book, fmt, [(h, zh, en) for h, zh, en in spec["columns"]], _GENERAL)


def _standard(book, fmt: dict[str, Any]) -> None:
    ws = book.add_worksheet("课程信息 Course")
    ws.write_string(0, 0, "字段 / Field", fmt["head"])
    ws.write_string(0, 1, "内容 / Value", fmt["head"])
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 60, fmt["wrap"])
    for r, (label, value) in enumerate(STANDARD_COURSE, start=1):
        ws.write_string(r, 0, label)
        _write(ws, r, 1, value)
    for name, header, rows in STANDARD_SHEETS:
        sheet = book.add_worksheet(name)
        for c, label in enumerate(header):
            sheet.write_string(0, c, label, fmt["head"])
            sheet.set_column(c, c, 30 if c in (1, 2) else 16, fmt["text"])
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                _write(sheet, r, c, value)
    _instructions(book, fmt, [(label, "", "") for label, _v in STANDARD_COURSE[:1]], STANDARD_NOTES + _GENERAL)


def _instructions(book, fmt: dict[str, Any], columns: list[tuple[str, str, str]],
                  notes: list[tuple[str, str]]) -> None:
    ws = book.add_worksheet("填写说明 Instructions")
    ws.set_column(0, 0, 28)
    ws.set_column(1, 2, 60, fmt["wrap"])
    ws.write_string(0, 0, "列 / Column", fmt["head"])
    ws.write_string(0, 1, "说明", fmt["head"])
    ws.write_string(0, 2, "Instructions", fmt["head"])
    row = 1
    for header, zh, en in columns:
        if zh or en:
            ws.write_string(row, 0, header)
            ws.write_string(row, 1, zh)
            ws.write_string(row, 2, en)
            row += 1
    row += 1
    for zh, en in notes:
        ws.write_string(row, 1, zh, fmt["wrap"])
        ws.write_string(row, 2, en, fmt["wrap"])
        row += 1


def _write(ws, row: int, col: int, value: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    elif value in (None, ""):
        ws.write_blank(row, col, None)
    else:
        ws.write_string(row, col, str(value))
