"""Table regions: which rows below (and above) a header are data, and why the others are not.

Every spreadsheet kind reads a table the same way. Above the header are titles and metadata;
below it the body holds data rows, and among them rows a person skips without thinking:
notes (注 / 说明 / 备注), legends (图例, "H—高 M—中"), signature and date lines (制表人 /
审核人 / 日期), subtotal and total rows (小计 / 合计, or numbers that are the sums of the rows
above), section rows ("一、公共基础课") and blank rows. Columns such as 合计 / 支撑数 are
summaries. Each row is classified from its content and its position, with a few cell tests:

* a row with a value in a key column (the statement, the code…) and enough filled cells is
  data unless its first cells look like a total or a note (a cheap probe, so a 50,000-row
  sheet costs one pass of C-level list counts);
* a sparse row, or a row without key values, is read as text: note / legend / signature
  shapes ("注：…", "X—word X—word", "key：value  key：value"), total words, sums of the rows
  above, one short text (a section, when data rows follow it), text outside the mapped
  columns (a note);
* rows left after the last data row can only be notes, legends or signatures.

Every ignored row or column carries a reason from ``REASONS``; the user can turn any row back
into data (or ignore a data row) with ``row_roles``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import itemgetter
from typing import Any

from services.importing.readers import RawSheet, cell_text

REASONS = ("title", "note", "legend", "signature", "subtotal", "total", "summary", "section", "blank")
SUBTOTAL_WORDS = frozenset({"小计", "小结", "subtotal", "sub-total", "分计"})
TOTAL_WORDS = frozenset({"合计", "总计", "共计", "总合计", "累计", "总学时", "total", "sum", "grandtotal", "合计学时",
                         "学时合计", "学分合计", "总学分"})
SUMMARY_ROW_WORDS = frozenset({"支撑数", "覆盖数", "支撑课程数", "覆盖课程数", "计数", "count", "支撑次数", "覆盖次数",
                               "覆盖率", "coverage", "平均", "平均值", "average", "mean"})
SUMMARY_COLUMN_WORDS = frozenset({"合计", "小计", "总计", "支撑数", "覆盖数", "支撑课程数", "覆盖课程数", "计数", "total",
                                  "sum", "count", "支撑次数", "覆盖次数", "覆盖率", "coverage"})
# first characters of the words that start notes, legends, signatures and totals: rows whose first cell
# starts otherwise (and has no colon) skip the text tests
_PROBE_START = frozenset("注说备图制审填日签编批复校合小总共累分支覆计平*※#△▲")
_PROBE_WORDS = ("note", "legend", "total", "sum", "subtotal", "remark", "source", "prepared", "approved", "date",
                "signed", "key", "count", "coverage", "average", "mean")
_NOTE = re.compile(r"^\s*(?:注\s*(?:意|释|解)?\s*\d*\s*[:：、.．]|注\s*\d|备\s*注\s*[:：]|说\s*明\s*[:：\d]|填表说明"
                   r"|(?:notes?|remarks?|source)\s*[:：]|附注)", re.I)
_TOTAL_LEAD = re.compile(r"^\s*(?:(?P<sub>小\s*计|subtotal)|(?:合\s*计|总\s*计|共\s*计|累\s*计|total))\s*(?:[:：(（\d]|$)",
                         re.I)
_LEGEND = re.compile(r"^\s*(?:图\s*例|legend|key)\s*[:：]?", re.I)
_LEGEND_PAIR = re.compile(r"(?:^|[\s，,；;、(（])(?:[A-Za-z]{1,2}|[●◐○◎◇◆√✓✔×★☆■□▲△]{1,5}|\d)\s*[—–\-=＝:：]{1,2}\s*"
                          r"[^\s—–\-=＝:：]")
_SIGNATURE = re.compile(r"^\s*(?:制\s*表|填\s*表|审\s*核|审\s*定|审\s*批|复\s*核|校\s*对|批\s*准|编\s*制|编\s*写|执\s*笔"
                        r"|负\s*责\s*人|教研室主任|专业带头人|系\s*主\s*任|院\s*长|签\s*[字名章]|日\s*期|时\s*间"
                        r"|prepared|approved|reviewed|checked|signed|date)\S{0,5}?\s*[:：]?", re.I)
_KEY_VALUE = re.compile(r"(?:^|\s)[^\s:：]{1,6}\s*[:：]\s*\S")
_ORDINAL = re.compile(r"^\s*(?:[(（]?[一二三四五六七八九十]+[)）、.．]|第[一二三四五六七八九十\d]+[部分类模块篇章节]"
                      r"|(?:模块|项目|板块|part|section)\s*[一二三四五六七八九十\d]+[、.．:：\s]?)\s*", re.I)
_DATE = re.compile(r"\d{4}\s*年|\d{4}[-./]\d{1,2}|年\s*\d{1,2}\s*月|date|日期", re.I)
_SPACES = re.compile(r"[\s\u3000]+")
SECTION_MAX = 40


@dataclass
class Ignored:
    """A row or column that is not data: 0-based ``row``/``column`` (None for a whole column/row)."""

    row: int | None
    column: int | None
    reason: str
    text: str = ""
    by: str = "reading"  # "user" when the user ignored a row the reading took for data


@dataclass
class Group:
    """Context for the data rows ``first``..``last`` (0-based): a merged category cell or a section row."""

    field: str
    value: str
    first: int
    last: int
    row: int | None = None
    column: int | None = None


@dataclass
class Regions:
    data: list[int] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    section_of: dict[int, int] = field(default_factory=dict)  # data row → index into ``groups`` (section groups)
    header_rows: list[int] = field(default_factory=list)

    def ignored_rows(self) -> list[int]:
        return [i.row for i in self.ignored if i.row is not None and i.reason not in ("blank", "title")]


def squeeze(text: str) -> str:
    """Lower-case, no spaces: the form total words and labels are compared in."""
    return _SPACES.sub("", text).lower()


def strip_ordinal(text: str) -> str:
    """"二、专业核心课" → "专业核心课"; other text unchanged."""
    return _ORDINAL.sub("", text, count=1).strip() or text.strip()


def _probe(value: Any) -> bool:
    """Whether a short cell could start a note, legend, signature or total (cheap tests only)."""
    if value.__class__ is not str or not value:
        return False
    # every total and subtotal word starts with one of the probe characters or words
    return value[0] in _PROBE_START or "：" in value or ":" in value or \
        (value.isascii() and value[:1].isalpha() and value.lower().startswith(_PROBE_WORDS))


def _number(value: Any) -> float | None:
    if value.__class__ in (int, float):
        return float(value)
    if value.__class__ is str and value:
        text = value.strip().replace(",", "")
        if text[:1].isdigit() or text[:1] in "-.":
            try:
                return float(text)
            except ValueError:
                return None
    return None


def text_reason(texts: Sequence[str]) -> str | None:
    """The reason a row of these filled texts is not data, judged from their shape alone (None: no shape)."""
    first = texts[0]
    squeezed = [squeeze(t) for t in texts[:3]]
    for word in squeezed:
        if word in SUBTOTAL_WORDS:
            return "subtotal"
        if word in TOTAL_WORDS:
            return "total"
        if word in SUMMARY_ROW_WORDS:
            return "summary"
    lead = _TOTAL_LEAD.match(first)
    if lead:  # "合计：25项", "小计（学分）"
        return "subtotal" if lead.group("sub") else "total"
    if len(texts) > 6:
        return None  # notes, legends and signatures fill a few cells; a row this full is data
    if _NOTE.match(first):
        return "note"
    if _LEGEND.match(first):
        return "legend"
    joined = "  ".join(texts)
    if len(_LEGEND_PAIR.findall(joined)) >= 2 and len(joined) <= 200:
        return "legend"
    signatures = sum(1 for t in texts if _SIGNATURE.match(t) and ("：" in t or ":" in t or len(t) <= 6))
    if signatures and (signatures >= 2 or (len(texts) <= 4 and len(_KEY_VALUE.findall(joined)) >= 1
                       and len(first) <= 30)):
        return "signature"
    pairs = sum(1 for t in texts if _KEY_VALUE.search(t))
    if len(_KEY_VALUE.findall(joined)) >= 2 and 2 * pairs >= len(texts) and all(len(t) <= 40 for t in texts):
        return "signature"
    return None


def classify(sheet: RawSheet, *, header_start: int, data_start: int, mapped: Sequence[int],
             key_columns: Sequence[int], numeric_columns: Sequence[int] = (), section_field: str | None = None,
             row_roles: dict[int, str] | None = None, hierarchy_columns: Sequence[int] = (),
             extra_note: Callable[[list[Any], set[int]], bool] | None = None,
             section_words: frozenset[str] = frozenset(), probe_columns: Sequence[int] | None = None) -> Regions:
    """Classify every row of ``sheet`` (0-based ``header_start``/``data_start``); linear in the rows."""
    rows = sheet.rows
    out = Regions(header_rows=list(range(header_start, data_start)))
    roles = row_roles or {}
    for index in range(0, min(header_start, len(rows))):
        texts = [t for t in (cell_text(c).strip() for c in rows[index]) if t]
        if texts:
            out.ignored.append(Ignored(index, None, "title", " ".join(texts)[:60]))
    keys = [c for c in key_columns]
    mapped_set = set(mapped)
    key_set = set(keys)
    sparse = min(max(3, len(mapped_set) // 2), 4)  # a matrix maps hundreds of course columns
    across = _merged_across(sheet, data_start)
    data = out.data
    pending: list[tuple[int, str, str]] = []  # (row, reason, text) of non-data rows, resolved at the end
    blanks: list[int] = []
    segment: list[int] = []  # data rows since the last subtotal or section (for the sums test)
    sections: list[tuple[int, str, int | None]] = []  # (row, text, column)
    numeric = list(numeric_columns)
    summed: set[int] = set()
    unkeyed: list[tuple[int, str]] = []  # data rows without a key value (kept as data: they may hold errors)
    first_col = min(keys) if keys else 0
    # the first column and the probe columns (the first key column unless the kind says): where totals, notes and
    # signatures start ("小计" in 课程代码 or in 课程名称)
    probed = _probed_rows(rows, data_start, {0, *(probe_columns if probe_columns is not None else (first_col,))})
    for index in range(data_start, len(rows)):
        cells = rows[index]
        role = roles.get(index) if roles else None
        if role == "data":
            data.append(index)
            segment.append(index)
            continue
        filled = len(cells) - cells.count("") - cells.count(None)
        if filled == 0:
            blanks.append(index)
            continue
        if role == "ignore":
            texts = [t for t in (cell_text(c).strip() for c in cells) if t]
            out.ignored.append(Ignored(index, None, text_reason(texts) or "note" if texts else "blank",
                                       " ".join(texts)[:60], by="user"))
            continue
        keyed = False
        for col in keys:
            if col < len(cells) and cells[col] not in ("", None):
                keyed = True
                break
        if keyed and filled > sparse and index not in across and index not in probed:
            data.append(index)
            if numeric:
                segment.append(index)
            continue
        texts = [t for t in (cell_text(c).strip() for c in cells) if t]
        if not texts:
            blanks.append(index)
            continue
        reason = text_reason(texts)
        if reason is None and not keyed and numeric:
            reason = _sums_reason(rows, index, numeric, segment, data)
            if reason == "total":
                summed.add(index)  # a total only if no data row follows it (else the first group's subtotal)
        if reason is None:
            single = _single_text(cells, index, across)
            if single is not None and (_is_section(single, cells, index, across, keyed, key_set, first_col,
                                                   hierarchy_columns)
                                       or (section_words and squeeze(strip_ordinal(single[1])) in section_words)):
                sections.append((index, single[1], single[0]))
                pending.append((index, "section", single[1]))
                segment = []
                continue
            filled_cols = [i for i, c in enumerate(cells) if c not in ("", None) and cell_text(c).strip()]
            if (not keyed and mapped_set and not any(i in mapped_set for i in filled_cols)) or (not keyed and len(texts) == 1 and len(texts[0]) > 20 and not numeric_only(cells, mapped_set)) or (extra_note is not None and extra_note(cells, mapped_set)):
                reason = "note"
        if reason is None:
            data.append(index)
            segment.append(index)
            if not keyed:
                unkeyed.append((index, " ".join(texts)))
            continue
        pending.append((index, reason, " ".join(texts)))
        if reason in ("subtotal", "total"):
            segment = []
    if unkeyed:  # below the last row with a key value only closing lines remain ("2024年6月" under 重要程度)
        last_keyed = max((i for i in data if i not in {u for u, _t in unkeyed}), default=-1)
        trailing = {i: text for i, text in unkeyed if i > last_keyed and (i not in roles)}
        if trailing:
            data[:] = [i for i in data if i not in trailing]
            pending.extend((i, "signature" if _DATE.search(text) else "note", text) for i, text in trailing.items())
            pending.sort()
    last = data[-1] if data else -1
    first_data = data[0] if data else len(rows)
    section_rows = {row for row, _text, _col in sections}
    for index, reason, text in pending:
        if reason == "section" and index > last:
            reason = "note"  # no data follows: a closing line, not a section
            section_rows.discard(index)
        elif reason == "total" and index in summed and index < last:
            reason = "subtotal"
        out.ignored.append(Ignored(index, None, reason, text[:60]))
    last_content = max([last, *(i for i, _r, _t in pending)], default=-1)
    for index in blanks:
        if first_data <= index < last_content:
            out.ignored.append(Ignored(index, None, "blank", ""))
    out.ignored.sort(key=lambda i: (i.row if i.row is not None else -1))
    if section_field and section_rows:
        _section_groups(out, [(r, t, c) for r, t, c in sections if r in section_rows], section_field)
    return out


def _probed_rows(rows: list[list[Any]], start: int, columns: set[int]) -> set[int]:
    """Rows whose first or key cells could start a note, legend, signature or total ("小计" in the code column).

    Column by column: each column's distinct short texts are tested once, then the rows holding a suspect
    value are looked up (C-level list and set operations; a 50,000-row sheet has no suspect value at all).
    """
    body = rows[start:]
    if not body:
        return set()
    shortest = min(map(len, body))
    out: set[int] = set()
    for col in columns:
        values = list(map(itemgetter(col), body)) if col < shortest else \
            [row[col] if col < len(row) else "" for row in body]
        try:
            texts = set(filter(str.__instancecheck__, values))
        except TypeError:  # an unhashable cell
            texts = {v for v in values if v.__class__ is str}
        texts.discard("")
        listed = list(texts)
        short = list(compress(listed, map((12).__ge__, map(len, listed))))
        if not short:
            continue
        joined = "\x00" + "\x00".join(short)
        if not (_PROBE_START.intersection(map(itemgetter(0), short)) or "：" in joined or ":" in joined
                or any("\x00" + word in joined.lower() for word in _PROBE_WORDS)):
            continue  # the usual case: no short text in the column could start a note or a total
        suspect = {v for v in short if _probe(v)}
        if suspect:
            out.update(start + i for i, v in enumerate(values) if v in suspect)
    return out


def numeric_only(cells: list[Any], mapped: set[int]) -> bool:
    return all(_number(c) is not None for c in cells if c not in ("", None))


def _merged_across(sheet: RawSheet, start: int) -> dict[int, tuple[int, int]]:
    """Body rows covered by a merge two or more columns wide and one row high: row → (first, last column)."""
    out: dict[int, tuple[int, int]] = {}
    for r0, c0, r1, c1 in sheet.merged:
        if r1 >= start and c1 > c0 and r1 == r0:
            out[r0] = (c0, c1)
    return out


def _single_text(cells: list[Any], index: int, across: dict[int, tuple[int, int]]) -> tuple[int, str] | None:
    """(column, text) when the row holds exactly one text (a merged cell counts once), else None."""
    found = [(i, cell_text(c).strip()) for i, c in enumerate(cells) if c not in ("", None) and cell_text(c).strip()]
    if len(found) != 1:
        return None
    col, text = found[0]
    if len(text) > SECTION_MAX or _number(text) is not None:
        return None
    return col, text


def _is_section(single: tuple[int, str], cells: list[Any], index: int, across: dict[int, tuple[int, int]],
                keyed: bool, keys: set[int], first_col: int, hierarchy: Sequence[int]) -> bool:
    col, text = single
    if index in across and across[index][0] <= col < across[index][1]:
        return True  # one text merged across the table: a heading over the rows below, even in a task column
    if col in hierarchy:
        return False  # an area or task cell on its own row is that area or task
    if index in across:
        return True
    if _ORDINAL.match(text):
        return True
    return not keyed and col <= first_col


def _sums_reason(rows: list[list[Any]], index: int, numeric: Sequence[int], segment: list[int],
                 data: list[int]) -> str | None:
    """"subtotal" when the row's numbers add up the rows since the last subtotal, "total" when all rows."""
    cells = rows[index]
    values = {c: _number(cells[c]) for c in numeric if c < len(cells) and cells[c] not in ("", None)}
    if not values or any(v is None for v in values.values()) or not any(values.values()):
        return None

    def sums(indices: list[int]) -> dict[int, float]:
        totals = dict.fromkeys(values, 0.0)
        for i in indices:
            row = rows[i]
            for c in values:
                number = _number(row[c]) if c < len(row) else None
                totals[c] += number or 0.0
        return totals

    if segment and all(abs(v - t) < 0.01 for v, t in zip(values.values(), sums(segment).values(), strict=True)):
        return "subtotal" if len(segment) < len(data) else "total"
    if data and all(abs(v - t) < 0.01 for v, t in zip(values.values(), sums(data).values(), strict=True)):
        return "total"
    return None


def _section_groups(out: Regions, sections: list[tuple[int, str, int | None]], field_name: str) -> None:
    data = out.data
    bounds = [row for row, _t, _c in sections] + [1 << 62]
    position = 0
    for number, (row, text, col) in enumerate(sections):
        while position < len(data) and data[position] < row:
            position += 1
        members = []
        while position < len(data) and data[position] < bounds[number + 1]:
            members.append(data[position])
            position += 1
        if not members:
            continue
        group = len(out.groups)
        out.groups.append(Group(field_name, strip_ordinal(text), members[0], members[-1], row=row, column=col))
        for member in members:
            out.section_of[member] = group


def merged_groups(sheet: RawSheet, columns: dict[int, str], data: list[int]) -> list[Group]:
    """Vertical merges in the group ``columns`` (column → field) over data rows: one group each."""
    if not columns or not data:
        return []
    data_set = set(data)
    groups = []
    for r0, c0, r1, _c1 in sorted(sheet.merged):
        if r1 <= r0 or c0 not in columns:
            continue
        members = [r for r in range(r0, r1 + 1) if r in data_set]
        value = cell_text(sheet.cell(r0, c0)).strip()
        if members and value:
            groups.append(Group(columns[c0], value, members[0], members[-1], row=r0, column=c0))
    return groups


def summary_columns(labels: Sequence[str], mapping: dict[int, str]) -> list[Ignored]:
    """Unmapped columns whose header says they sum or count the others (合计, 支撑数…)."""
    out = []
    for index, label in enumerate(labels):
        if index in mapping or not label:
            continue
        last = label.split(" / ")[-1]
        if squeeze(last) in SUMMARY_COLUMN_WORDS or squeeze(label) in SUMMARY_COLUMN_WORDS:
            out.append(Ignored(None, index, "summary", label[:60]))
    return out
