"""课程标准 .docx files laid out the way schools write them, built with python-docx at test time."""

from __future__ import annotations

import io

from docx import Document


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _merge(table, r0: int, c0: int, r1: int, c1: int, text: str | None = None) -> None:
    cell = table.cell(r0, c0).merge(table.cell(r1, c1))
    if text is not None:
        for p in cell.paragraphs[1:]:
            p._p.getparent().remove(p._p)
        cell.paragraphs[0].text = text


def _fill(table, rows: list[list[str]], start: int = 0) -> None:
    for r, row in enumerate(rows, start=start):
        for c, text in enumerate(row):
            if text:
                table.cell(r, c).text = text


# Expected from the layout below, written before the reader ran on it.
SCHOOL_EXPECTED = {"course": {"code": "ZH3099", "name": "工业机器人现场编程（校本）", "credits": "4", "hours": "64"},
                   "objectives": {"knowledge": 2, "skill": 3, "quality": 2}, "units": 3,
                   "hours": [(4, 4), (8, 12), (6, 30)], "assessment": 3, "weights": [30.0, 20.0, 50.0],
                   "prerequisites": "电工电子技术、电气控制与PLC技术"}


def school_docx() -> bytes:
    """A 4-column header table, "一、" parts, "（一）知识目标" with "1. …" items, a units table whose header is
    two rows (学时 over 理论 / 实践, merged) with a 合计 row, an assessment table with a 合计 row and a note."""
    d = Document()
    d.add_paragraph("《工业机器人现场编程（校本）》课程标准")
    header = d.add_table(rows=4, cols=4)
    _fill(header, [["课程名称", "工业机器人现场编程（校本）", "课程代码", "ZH3099"],
                   ["课程类型", "专业核心课", "适用专业", "工业机器人技术（460305）"],
                   ["学分", "4", "学时", "64"],
                   ["执笔人", "李老师", "审定人", "张主任"]])
    d.add_paragraph("一、课程性质与定位")
    d.add_paragraph("本课程是工业机器人技术专业的专业核心课程，面向“工业机器人系统运维员”岗位。")
    d.add_paragraph("先修课程：电工电子技术、电气控制与PLC技术")
    d.add_paragraph("二、课程设计思路")
    d.add_paragraph("基于典型工作任务，与企业专家共同分析。")
    d.add_paragraph("三、课程目标")
    d.add_paragraph("通过本课程的学习，学生能完成工业机器人现场编程任务。")  # overall aim: not a dimension
    d.add_paragraph("（一）知识目标")
    d.add_paragraph("1. 能说明示教器各按键的功能；")
    d.add_paragraph("2. 能阐述工具坐标系的标定原理。")
    d.add_paragraph("（二）能力目标")
    d.add_paragraph("1．能规范完成单轴与线性手动操纵；")
    d.add_paragraph("2、能编写并调试搬运程序；")
    d.add_paragraph("（3）能根据报警信息排除常见故障。")
    d.add_paragraph("（三）素质目标")
    d.add_paragraph("1. 能遵守安全操作规程；")
    d.add_paragraph("2. 具有严谨细致的工作态度。")
    d.add_paragraph("四、课程内容与要求")
    units = d.add_table(rows=6, cols=5)
    _fill(units, [["序号", "学习项目", "内容与要求", "学时", ""], ["", "", "", "理论", "实践"]])
    _merge(units, 0, 3, 0, 4, "学时")
    for col, text in ((0, "序号"), (1, "学习项目"), (2, "内容与要求")):
        _merge(units, 0, col, 1, col, text)
    _fill(units, [["1", "项目一 安全操作与手动操纵", "安全规程；单轴、线性、重定位运动", "4", "4"],
                  ["2", "项目二 搬运编程", "MoveJ/MoveL 指令；=SUM(A1:A2) 不是公式", "8", "12"],
                  ["3", "项目三 码垛编程", "数组与循环；<b>码垛</b> 的 **程序**", "6", "30"],
                  ["合计", "", "", "18", "46"]], start=2)
    d.add_paragraph("五、考核评价")
    assessment = d.add_table(rows=5, cols=4)
    _fill(assessment, [["考核项目", "考核方式", "比例", "备注"],
                       ["平时表现", "考勤与课堂表现", "30%", ""],
                       ["项目考核", "每个项目的实操评分", "20%", ""],
                       ["期末考核", "综合实操考试", "50%", ""],
                       ["合计", "", "100%", ""]])
    d.add_paragraph("注：考核不合格者须参加补考。")
    d.add_paragraph("六、教学实施建议")
    d.add_paragraph("采用项目教学、理实一体化教学。")
    return _save(d)


# Expected from the layout below, written before the reader ran on it.
STYLED_EXPECTED = {"course": {"code": "NEW101", "name": "智能产线运维"},
                   "objectives": {"knowledge": 1, "skill": 2, "quality": 1}, "units": 2,
                   "hours": [(10, 0), (22, 0)], "assessment": 3, "weights": [30.0, 30.0, 40.0],
                   "categories": ["process", "process", "summative"]}


def styled_docx() -> bytes:
    """"label：value" paragraphs for the header, Word heading styles (no typed numbers), a units table with
    total hours only, an assessment table with the category merged down and weights as fractions."""
    d = Document()
    d.add_paragraph("智能产线运维课程标准")
    d.add_paragraph("课程名称：智能产线运维　课程代码：NEW101")
    d.add_paragraph("学分：2　开课学期：第4学期")
    d.add_paragraph("开课单位：智能制造学院")
    d.add_heading("课程性质", level=1)
    d.add_paragraph("专业拓展课程。")
    d.add_heading("课程目标", level=1)
    d.add_heading("知识目标", level=2)
    d.add_paragraph("①能说出产线点检的项目与周期。")
    d.add_heading("能力目标", level=2)
    d.add_paragraph("①能完成产线日常点检；")
    d.add_paragraph("②能记录并上报点检异常。")
    d.add_heading("素质目标", level=2)
    d.add_paragraph("①能与班组成员协作。")
    d.add_heading("教学内容", level=1)
    units = d.add_table(rows=3, cols=3)
    _fill(units, [["序号", "学习单元", "学时"], ["1", "单元一 产线点检", "10"], ["2", "单元二 故障上报", "22"]])
    d.add_heading("考核方式", level=1)
    assessment = d.add_table(rows=4, cols=3)
    _fill(assessment, [["考核类型", "考核内容", "权重"], ["过程性考核", "点检记录", "0.3"], ["", "课堂表现", "0.3"],
                       ["终结性考核", "实操考试", "0.4"]])
    _merge(assessment, 1, 0, 2, 0, "过程性考核")
    return _save(d)
