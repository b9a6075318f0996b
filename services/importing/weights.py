"""The weight tables (比重表 / 权重表) of a 国家职业技能标准, read from the workbook the standard is imported from.

A national occupational skill standard ends with two tables, each on its own sheet or both on one
(the requirement table 职业功能 | 工作内容 | 技能要求 | 相关知识要求 is on another sheet):

    理论知识权重表                                     (a title row naming 理论知识 and 权重 / 比重)
    项目 | 技能等级 | 五级/初级工(%) | 四级/中级工(%) | … | 一级/高级技师(%)
    基本要求 | 职业道德 | 5 | 5 | …                    (the section cell is merged down its rows)
             | 基础知识 | 20 | 15 | …
    相关知识要求 | 设备安装 | 30 | 25 | …             (one row per 职业功能)
    合计 | | 100 | 100 | …

    技能要求权重表 (or 技能操作权重表)                 the same for the skill assessment, without 基本要求

A level whose column holds no number (— or blank: the standard has no such level) is left out; every
other level's weights add up to 100 within ``TOLERANCE`` (the tables round to whole per cent), else an
error names the sheet, the 合计 row (or the header row) and the level's column. Text is kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from services.importing.readers import RawBook, RawSheet, cell_text
from services.importing.records import Issue, Term
from services.textguard import limit_of

HEAD_ROWS = 3
TOLERANCE = 0.5  # percentage points: rounded tables add up to 99.9 … 100.1
PARTS = ("theory", "skill")
LEVELS = ("五级", "四级", "三级", "二级", "一级")
# the older names in the headers ("五级/初级工"): longest first, so 高级技师 is not read as 技师
_LEVEL_NAMES = (("五级", "五级"), ("四级", "四级"), ("三级", "三级"), ("二级", "二级"), ("一级", "一级"),
                ("高级技师", "一级"), ("初级工", "五级"), ("中级工", "四级"), ("高级工", "三级"), ("技师", "二级"))
# a weight table's title cell as the standards print it: "4.1 理论知识权重表", "表2 技能要求比重表", "技能操作权重表"
_TITLE = re.compile(r"^[\s\d.．、表()（）]*(理论知识|技能(?:要求|操作)?)(?:部分)?(权重|比重)表\s*$")
_TOTAL = re.compile(r"^\s*(合\s*计|总\s*计|total)", re.I)
_BLANK = {"", "—", "-", "–", "/", "／", "无", "n/a"}
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*$")


@dataclass
class WeightTables:
    """What the weight sheets say: one row per cell (part, section, item, level, weight) and the problems."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # the sheets that hold weight tables only

    def levels(self, part: str) -> list[str]:
        return [lv for lv in LEVELS if any(r["part"] == part and r["level"] == lv for r in self.rows)]


def new_skill_weight_row(*, program_id: int, job_role_id: int, part: str, item: str, level: str, weight: Any,
                         section: str = "", sort_order: int = 0) -> dict[str, Any]:
    """The columns of one weight-table cell, the one rule for the import writer and restore: a known part,
    an item and a level, a weight from 0 to 100 (``ValidationFailed`` otherwise). Text as written. Pure."""
    from services.errors import ValidationFailed, field_error

    errors = []
    if part not in PARTS or not str(item or "").strip() or not str(level or "").strip():
        errors.append(field_error("skill_weight", "error.field.weight_cell",
                                  f"weight table: part {part!r}, item {item!r} and level {level!r} are required"))
    try:
        value = float(weight)
    except (TypeError, ValueError):
        value = None
    if value is None or not 0 <= value <= 100:
        errors.append(field_error("weight", "error.field.weight", f"weight: {weight!r} is not between 0 and 100"))
    if errors:
        raise ValidationFailed(errors)
    return {"program_id": program_id, "job_role_id": job_role_id, "part": part, "section": section or "",
            "item": item, "level": level, "weight": value, "sort_order": sort_order}


def _letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def level_of(header: str) -> str | None:
    """五级 … 一级 for a level column's header ("四级/中级工(%)", "技师"), else None (pure)."""
    text = re.sub(r"\s+", "", header)
    return next((level for name, level in _LEVEL_NAMES if name in text), None)


def _title_part(row: list[Any]) -> str | None:
    for value in row:
        match = _TITLE.match(cell_text(value))
        if match:
            return "theory" if match.group(1) == "理论知识" else "skill"
    return None


def find_weight_sheets(book: RawBook) -> list[RawSheet]:
    """The sheets that hold weight tables: named after one, or opening with a 理论知识 / 技能 weight table's title
    (within their first ``HEAD_ROWS`` non-empty rows); a requirement table's sheet is never one of them."""
    def opening(sheet: RawSheet) -> list[list[Any]]:  # stops early: a requirement sheet may hold 200,000 rows
        return list(islice((r for r in sheet.rows if any(cell_text(v).strip() for v in r)), HEAD_ROWS))

    return [s for s in book.sheets if _TITLE.match(s.name) or any(_title_part(r) for r in opening(s))]


def read_weight_tables(book: RawBook) -> WeightTables:
    """Every weight table of the book's weight sheets (``find_weight_sheets``), checked (module docstring)."""
    out = WeightTables()
    for sheet in find_weight_sheets(book):
        out.sheets.append(sheet.name)
        _read_sheet(book.filename, sheet, out)
    return out


def _read_sheet(filename: str, sheet: RawSheet, out: WeightTables) -> None:
    part = _title_part([sheet.name])
    n = 0
    while n < len(sheet.rows):
        part = _title_part(sheet.rows[n]) or part
        levels = {c: level_of(cell_text(v)) for c, v in enumerate(sheet.rows[n]) if level_of(cell_text(v))}
        if part is None or not levels:
            n += 1
            continue
        n = _read_block(filename, sheet, part, n, levels, out)
        part = None


def _read_block(filename: str, sheet: RawSheet, part: str, header: int, levels: dict[int, str],
                out: WeightTables) -> int:
    """One table from its header row; returns the row after it."""
    first_level = min(levels)
    where = {"file": filename, "sheet": sheet.name}
    totals = {c: 0.0 for c in levels}
    counted = {c: 0 for c in levels}
    cells: list[dict[str, Any]] = []
    section, n, total_row = "", header + 1, None
    while n < len(sheet.rows):
        row = sheet.rows[n]
        labels = [cell_text(sheet.cell(n, c)).strip() for c in range(first_level)]
        values = [cell_text(sheet.cell(n, c)).strip() for c in levels]
        if _title_part(row) or (not any(labels) and not any(values)):
            break
        if labels and _TOTAL.match(labels[0]):
            total_row = n
            n += 1
            break
        if len(labels) >= 2 and labels[0]:
            section = labels[0]
        item = next((text for text in reversed(labels) if text), "")
        if len(labels) >= 2 and not labels[-1] and labels[0]:
            section = ""  # a one-cell line ("基本要求" spanning both label columns): the item is its own section
        too_long = [(name, text) for name, text in (("section", section), ("item", item))
                    if len(text) > (limit_of("skill_weight", name) or 0)]
        if too_long:  # refused with its place, never cut
            out.errors.extend(Issue("import.error.too_long", {"field": Term(f"sources.weights.{name}"),
                                                              "limit": limit_of("skill_weight", name),
                                                              "length": len(text)},
                                    row=n + 1, column=_letter(0 if name == "section" else first_level - 1), **where)
                              for name, text in too_long)
            n += 1
            continue
        for c, level in levels.items():
            text = cell_text(sheet.cell(n, c)).strip()
            if text.lower() in _BLANK:
                continue
            match = _NUMBER.match(text)
            if match is None:
                out.errors.append(Issue("import.error.weight_number", {"value": text, "level": level}, row=n + 1,
                                        column=_letter(c), **where))
                continue
            weight = float(match.group(1))
            totals[c] += weight
            counted[c] += 1
            cells.append({"part": part, "section": section, "item": item, "level": level, "weight": weight})
        n += 1
    for c, level in levels.items():
        if counted[c] and abs(totals[c] - 100.0) > TOLERANCE:
            out.errors.append(Issue("import.error.weight_total", {
                "level": level, "total": f"{totals[c]:g}", "table": Term(f"import.weights.{part}")},
                row=(total_row if total_row is not None else header) + 1, column=_letter(c), **where))
    start = len(out.rows)
    out.rows.extend({**cell, "sort_order": start + i} for i, cell in enumerate(cells))
    return n

