"""Find the header row and map its columns onto fields (Chinese and English synonyms, fuzzy).

The header may sit anywhere in the first 30 rows (title and metadata rows above it are
skipped) and may span several rows when cells are merged ("教学安排" over "理论学时 | 实践学时").
Each column label is compared with every field's synonyms: exact, then without bracketed
notes, then containment, then ``difflib`` similarity. The result is a proposal the user
confirms or edits (``mapping``), never a silent decision.
"""

from __future__ import annotations

import copy
import difflib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from services.importing.readers import RawSheet, cell_text, column_letter

HEADER_SCAN_ROWS = 30

# field -> synonyms (any case, any width; spaces and punctuation are ignored when comparing)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "顺序号", "行号", "no", "no.", "#", "nr", "s/n", "sn", "index"),
    "area": ("工作领域", "行动领域", "职业领域", "领域", "工作领域名称", "能力领域", "一级指标", "职业功能", "毕业要求", "duty",
             "duties",
             "area", "work area", "domain", "competency area"),
    "area_code": ("领域编码", "领域代码", "领域编号", "工作领域编码", "area code", "duty code", "domain code"),
    "task": ("工作任务", "典型工作任务", "任务", "工作任务名称", "典型任务", "二级指标", "工作内容", "task", "tasks",
             "work task",
             "typical task", "typical work task"),
    "task_code": ("任务编码", "任务代码", "任务编号", "工作任务编码", "task code"),
    "statement": ("职业能力", "能力", "职业能力要求", "职业技能要求", "技能要求", "能力要求", "能力描述", "能力点",
                  "职业能力描述", "描述", "指标点", "毕业要求指标点", "知识技能要求", "能力名称", "能力标准", "内容", "competency", "competence",
                  "competencies", "statement", "competency statement", "full statement", "fullstatement",
                  "fullname", "full name",
                  "learning outcomes", "learning outcome", "outcome", "skill", "skill statement", "requirement",
                  "description of competency", "name", "名称", "short name", "shortname"),
    "code": ("编码", "代码", "编号", "能力编码", "能力代码", "能力编号", "能力序号", "code", "id", "id number",
             "idnumber", "outline code", "human coding scheme", "humancodingscheme", "competency code", "ref"),
    "parent": ("上级编码", "上级代码", "父级编码", "父编码", "上级", "父级", "上级节点", "parent", "parent code",
               "parent id", "parent id number", "parent idnumber", "is child of", "ischildof", "parent code id"),
    "kind": ("层级", "节点类型", "层次", "节点层级", "kind", "node type", "node kind", "tier"),
    "comp_type": ("类型", "能力类型", "类别", "能力类别", "知识技能素质", "type", "competency type", "ksa",
                  "category"),
    "importance": ("重要程度", "重要性", "重要度", "重要等级", "importance", "priority", "criticality"),
    "required_level": ("要求等级", "要求水平", "掌握程度", "要求程度", "required level", "proficiency",
                       "proficiency level"),
    "job_role": ("岗位", "岗位名称", "职业", "职业岗位", "工作岗位", "面向岗位", "job role", "job", "occupation",
                 "role"),
    "notes": ("备注", "说明", "注释", "notes", "note", "remarks", "remark"),
    "cert_level": ("等级", "级别", "技能等级", "证书等级", "职业技能等级", "level", "skill level", "certificate level"),
    "external_uri": ("uri", "url", "链接", "link", "external uri", "外部链接"),
    "path": ("path", "路径", "层级路径", "full path", "node path"),  # "/COPREV/COPREV.1/COPREV.1.1": code, parent
}

COURSE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": SYNONYMS["seq"],
    "code": ("课程代码", "课程编码", "课程编号", "课程号", "代码", "编码", "编号", "code", "course code", "course id",
             "course number", "course no"),
    "name": ("课程名称", "课程中文名", "课程中文名称", "课程名", "名称", "课程", "course name", "name", "title",
             "course title", "course"),
    "name_en": ("英文名称", "课程英文名", "课程英文名称", "english name", "english title"),
    "course_type": ("课程类型", "课程类别", "课程层次", "课程属性", "课程模块", "课程分类", "type", "course type",
                    "category", "course category"),
    "credits": ("学分", "credits", "credit", "credit points", "ects"),
    "hours_total": ("总学时", "学时", "计划学时", "学时数", "总课时", "课时", "total hours", "hours", "contact hours"),
    "hours_theory": ("理论学时", "讲授学时", "理论课时", "理论", "theory hours", "lecture hours", "theory"),
    "hours_practice": ("实践学时", "实验学时", "上机学时", "实训学时", "实践课时", "实践", "实验", "practice hours",
                       "lab hours", "practical hours", "practice"),
    "semester": ("开设学期", "开课学期", "学期", "建议学期", "建议修读学期", "semester", "term"),
    "description": ("课程简介", "简介", "课程描述", "描述", "description", "course description"),
    "_decoy": ("考试学期", "考核学期", "考试方式", "考核方式", "周学时", "各学期周学时分配"),
}

RATING_SYNONYMS: dict[str, tuple[str, ...]] = {
    "rater": ("评分人", "评价人", "专家", "专家姓名", "姓名", "评分者", "调查对象", "填写人", "rater", "respondent",
              "reviewer", "expert", "rater name", "respondent name"),
    "code": SYNONYMS["code"],
    "statement": tuple(s for s in SYNONYMS["statement"] if s not in ("name", "名称")),
    "importance": SYNONYMS["importance"],
    "frequency": ("频率", "使用频率", "频度", "工作频率", "frequency", "how often"),
    "difficulty": ("难度", "难易程度", "学习难度", "难易度", "difficulty", "difficulty to learn"),
    "comment": ("意见", "建议", "备注", "评语", "comment", "comments", "remarks"),
}

SUMMABLE = frozenset({"hours_practice"})
_PUNCT = re.compile(r"[\s\u3000:：*＊·•_\-—–/\\|,，.。;；'\"“”‘’`~!！?？()（）\[\]【】{}<>《》]+")
_BRACKETED = re.compile(r"[(（\[【<《][^)）\]】>》]*[)）\]】>》]")


def norm_label(value: Any) -> str:
    """Lower-case, width-folded, no spaces or punctuation: "Parent ID number" → "parentidnumber"."""
    text = unicodedata.normalize("NFKC", cell_text(value)).lower()
    return _PUNCT.sub("", text)


@lru_cache(maxsize=64)
def _normalised(synonyms: tuple[tuple[str, tuple[str, ...]], ...]
                ) -> tuple[tuple[str, tuple[tuple[str, Counter], ...]], ...]:
    return tuple((name, tuple((norm, Counter(norm)) for norm in (norm_label(s) for s in syns)))
                 for name, syns in synonyms)


def _similar(variant: str, chars: frozenset, counts: Counter, syn: str, syn_counts: Counter) -> float:
    """``difflib`` ratio, computed only when cheap upper bounds (lengths, shared characters) allow 0.84."""
    total = len(variant) + len(syn)
    if 2 * min(len(variant), len(syn)) < 0.84 * total:
        return 0.0
    common = chars.intersection(syn_counts)
    if 2 * len(common) < 0.5 * total and 2 * sum(syn_counts[ch] for ch in common) < 0.84 * total:
        return 0.0
    shared = sum(min(syn_counts[ch], counts[ch]) for ch in common)
    if 2 * shared < 0.84 * total:
        return 0.0
    return difflib.SequenceMatcher(None, variant, syn).ratio()


_FIELD_SET_KEYS: dict[tuple[tuple[str, tuple[str, ...]], ...], int] = {}
_FIELD_SETS: list[tuple[tuple[str, tuple[str, ...]], ...]] = []


def field_set_key(fields: dict[str, tuple[str, ...]]) -> int:
    """A small number standing for this field set's content: the match cache hashes it, not every synonym."""
    frozen = tuple(fields.items())
    key = _FIELD_SET_KEYS.get(frozen)
    if key is None:
        key = _FIELD_SET_KEYS.setdefault(frozen, len(_FIELD_SETS))
        if key == len(_FIELD_SETS):
            _FIELD_SETS.append(frozen)
    return key


@dataclass(frozen=True)
class _SynonymIndex:
    """A field set's synonyms, indexed so one label is compared with the few that can match it."""

    entries: tuple[tuple[str, str, Counter], ...]  # (field, normalised synonym, its characters), in field order
    exact: dict[str, int]  # synonym -> first entry
    by_first: dict[str, tuple[int, ...]]  # first character -> entries (synonyms of 2+ characters)
    by_char: dict[str, tuple[tuple[int, int], ...]]  # character -> (entry, how often the synonym has it)


@lru_cache(maxsize=64)
def _index(key: int) -> _SynonymIndex:
    entries = tuple((name, syn, counts) for name, syns in _normalised(_FIELD_SETS[key]) for syn, counts in syns
                    if syn)
    exact: dict[str, int] = {}
    by_first: dict[str, list[int]] = {}
    for i, (_name, syn, _counts) in enumerate(entries):
        exact.setdefault(syn, i)
        if len(syn) >= 2:
            by_first.setdefault(syn[0], []).append(i)
    by_char: dict[str, list[tuple[int, int]]] = {}
    for i, (_name, _syn, counts) in enumerate(entries):
        for ch, n in counts.items():
            by_char.setdefault(ch, []).append((i, n))
    return _SynonymIndex(entries, exact, {k: tuple(v) for k, v in by_first.items()},
                         {k: tuple(v) for k, v in by_char.items()})


def _score(variant: str, first: bool, chars: frozenset, counts: Counter, syn: str, syn_counts: Counter) -> float:
    """How well one synonym names a label variant: exact, contained, then ``difflib`` similarity."""
    if variant == syn:
        return 1.0 if first else 0.95
    if len(syn) >= 2 and syn in variant and (len(syn) / len(variant) >= 0.4 or variant.startswith(syn)):
        return 0.8 + 0.1 * len(syn) / len(variant)
    lv = len(variant)
    low, high = (lv, len(syn)) if lv < len(syn) else (len(syn), lv)
    if 2 * low < 0.84 * (low + high):  # the length bound: it rejects most pairs
        return 0.0
    ratio = _similar(variant, chars, counts, syn, syn_counts)
    return ratio * 0.9 if ratio >= 0.84 else 0.0


@lru_cache(maxsize=16384)
def _match(label: str, key: int) -> tuple[str | None, float]:
    """The best field for ``label``; ties go to the first variant, then the first field and synonym.

    Only synonyms that can score are compared: the exact one, those contained in the label
    (looked up by their first character) and those sharing enough characters with it to reach
    the similarity threshold (counted through a character index).
    """
    if not label:
        return None, 0.0
    index = _index(key)
    entries = index.entries
    raw = unicodedata.normalize("NFKC", label).lower()
    variants = [norm_label(label)]
    without_notes = norm_label(_BRACKETED.sub("", raw))
    if without_notes and without_notes != variants[0]:
        variants.append(without_notes)
    best: tuple[str | None, float] = (None, 0.0)
    for number, variant in enumerate(variants):
        if not variant:
            continue
        counts = Counter(variant)
        chars = frozenset(counts)
        lv = len(variant)
        candidates = {i for ch in chars for i in index.by_first.get(ch, ()) if entries[i][1] in variant}
        hit = index.exact.get(variant)
        if hit is not None:
            candidates.add(hit)
        shared: dict[int, int] = {}
        for ch, n in counts.items():
            for i, m in index.by_char.get(ch, ()):
                shared[i] = shared.get(i, 0) + (n if n < m else m)
        candidates.update(i for i, k in shared.items() if 2 * k >= 0.84 * (lv + len(entries[i][1])))
        for i in sorted(candidates):
            name, syn, syn_counts = entries[i]
            score = _score(variant, number == 0, chars, counts, syn, syn_counts)
            if score > best[1]:
                best = (name, score)
    return best


def match_field(label: str, fields: dict[str, tuple[str, ...]]) -> tuple[str | None, float]:
    """Best field for a column label and its confidence (0–1); ``(None, 0)`` when nothing fits."""
    return _match_field(label, field_set_key(fields))


# a group label over sub-labels (工作任务 over 编号 / 名称): (group's field, sub-label's field) → the column's field
GROUPED_FIELDS = {("task", "code"): "task_code", ("task", "statement"): "task", ("task", "task"): "task",
                  ("area", "code"): "area_code", ("area", "statement"): "area", ("area", "area"): "area",
                  ("statement", "code"): "code", ("statement", "statement"): "statement"}


def _match_field(label: str, frozen: int) -> tuple[str | None, float]:
    parts = [p for p in label.split(" / ") if p.strip()] if " / " in label else [label]
    if len(parts) > 1:
        grouped = _grouped(parts, frozen)
        if grouped is not None:
            return grouped
    best: tuple[str | None, float] = (None, 0.0)
    for part in reversed(parts):  # the most specific part (lowest header row) first
        found = _match(part, frozen)
        if found[1] > best[1] + 0.05:
            best = found
    if len(parts) > 1:
        whole = _match(label.replace(" / ", ""), frozen)
        if whole[1] > best[1] + 0.05:
            best = whole
    return best


def _grouped(parts: list[str], frozen: int) -> tuple[str, float] | None:
    """"工作任务 / 编号" → task_code, "职业能力 / 描述" → statement: the group names the entity, the sub-label
    which of its fields (only when the field set has that field)."""
    group, group_score = _match(parts[0], frozen)
    sub, sub_score = _match(parts[-1], frozen)
    target = GROUPED_FIELDS.get((group, sub)) if group and sub else None
    if target is None or min(group_score, sub_score) < 0.75:
        return None
    if not any(name == target for name, _syns in _FIELD_SETS[frozen]):
        return None
    return target, min(group_score, sub_score)


@dataclass
class HeaderGuess:
    row: int  # 0-based first header row
    end: int  # 0-based last header row (headers merged over several rows)
    labels: list[str]
    mapping: dict[int, str]
    confidence: dict[int, float] = field(default_factory=dict)
    score: float = 0.0

    @property
    def data_start(self) -> int:
        return self.end + 1

    def columns(self) -> list[dict[str, Any]]:
        """The column list a preview shows: index, letter, label, field, confidence."""
        return [{"index": i, "letter": column_letter(i), "label": label, "field": self.mapping.get(i),
                 "confidence": round(self.confidence.get(i, 0.0), 2)} for i, label in enumerate(self.labels)]

    def label(self, index: int) -> str:
        if index < len(self.labels) and self.labels[index]:
            return self.labels[index]
        return column_letter(index)


def header_labels(sheet: RawSheet, start: int, end: int) -> list[str]:
    """Column labels of rows start..end with merged cells spread over their range, joined by " / "."""
    cache = sheet.__dict__.setdefault("_labels_cache", {})  # every kind's detection asks for the same rows
    if (start, end) not in cache:
        cache[(start, end)] = _header_labels(sheet, start, end)
    return list(cache[(start, end)])


def _header_labels(sheet: RawSheet, start: int, end: int) -> list[str]:
    width = sheet.width
    block = [[cell_text(sheet.cell(r, c)).strip() for c in range(width)] for r in range(start, end + 1)]
    for r0, c0, r1, c1 in sheet.merged:
        if r1 < start or r0 > end:
            continue
        value = cell_text(sheet.cell(r0, c0)).strip()
        for r in range(max(r0, start), min(r1, end) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                block[r - start][c] = value
    if end == start + 1:
        for c0, c1 in content_spans(sheet, start):  # "学时" over 总学时 / 理论 / 实践 without a merge (CSV)
            for c in range(c0 + 1, min(c1, width - 1) + 1):
                block[0][c] = block[0][c0]
    labels = []
    for c in range(width):
        parts: list[str] = []
        for r in range(len(block)):
            text = _one_line(block[r][c])
            if text and text not in parts:
                parts.append(text)
        labels.append(" / ".join(parts))
    return labels


def _one_line(text: str) -> str:
    """A wrapped header cell on one line: "工作\n领域" → "工作领域", "Work\narea" → "Work area"."""
    if "\n" not in text and "  " not in text and "\t" not in text and "\u3000" not in text:
        return text
    pieces = text.split()
    out = pieces[0] if pieces else ""
    for piece in pieces[1:]:
        joiner = "" if not (out[-1].isascii() and piece[0].isascii()) else " "
        out += joiner + piece
    return out


MAX_HEADER_ROWS = 3
_NUMERIC = re.compile(r"^\s*[-+]?\d+(?:[.,]\d+)?\s*$")


def content_spans(sheet: RawSheet, row: int) -> list[tuple[int, int]]:
    """Group labels of ``row`` read from the content alone (a CSV keeps no merges): (first, last column) of each
    label whose sub-labels fill the row below it and the empty cells to its right ("学时", "", "" over
    "总学时", "理论", "实践"). Empty when the row below is not a row of sub-labels."""
    if row + 1 >= len(sheet.rows) or any(r0 <= row + 1 <= r1 and (r1 > r0 or c1 > c0)
                                         for r0, c0, r1, c1 in sheet.merged):
        return []
    top = [cell_text(v).strip() for v in sheet.rows[row]]
    if sum(1 for t in top if t) < 2:
        return []  # a title alone on its row is not a group label
    below = sheet.rows[row + 1]
    filled = [(c, v) for c, v in enumerate(below) if cell_text(v).strip()]
    if len(filled) < 2 or not all(v.__class__ is str and len(v.strip()) <= 16 and not _NUMERIC.match(v)
                                  for _c, v in filled):
        return []
    spans: list[tuple[int, int]] = []
    under_empty = False
    filled_cols = {c for c, _v in filled}
    for c, _v in filled:
        if c < len(top) and top[c]:
            continue
        under_empty = True
        left = c - 1
        while left >= 0 and not (left < len(top) and top[left]):
            if left not in filled_cols:
                return []  # a sub-label with a gap between it and its group label
            left -= 1
        if left < 0 or left not in filled_cols:
            return []
        if spans and spans[-1][0] == left:
            spans[-1] = (left, c)
        else:
            spans.append((left, c))
    inside = {c for c0, c1 in spans for c in range(c0, c1 + 1)}
    if not under_empty or not any(t and c not in inside for c, t in enumerate(top)):
        return []  # labels outside the groups too, as a header has ("课程代码" next to "学时")
    return spans


def _block_end(sheet: RawSheet, row: int) -> int:
    """Last row of a header starting at ``row``: as far down as merged header cells reach (at most three
    rows), and one row further when a group label merged across columns ("学时" over 总学时 / 理论 / 实践)
    has sub-labels under it."""
    end = row
    for r0, _c0, r1, _c1 in sheet.merged:
        if r0 == row and r1 > end and r1 - row < 6:  # real templates merge a header over up to six rows
            end = r1
    for r0, c0, r1, c1 in sheet.merged:
        if r0 <= row <= r1 and c1 > c0 and r1 + 1 < len(sheet.rows) and r1 + 1 - row < MAX_HEADER_ROWS \
                and r1 >= end:
            outside = any(cell_text(v).strip() for c, v in enumerate(sheet.rows[row]) if not c0 <= c <= c1)
            below = [sheet.cell(r1 + 1, c) for c in range(c0, c1 + 1)]
            if outside and all(v.__class__ is str and v.strip() for v in below) and len(set(below)) == len(below):
                end = r1 + 1
    if end == row and content_spans(sheet, row):
        end = row + 1
    return end


def map_columns(labels: list[str], fields: dict[str, tuple[str, ...]], *, threshold: float = 0.75
                ) -> tuple[dict[int, str], dict[int, float]]:
    """Assign each field to its best column (summable fields may take several)."""
    candidates = []
    key = field_set_key(fields)
    for index, label in enumerate(labels):
        if not label:
            continue
        name, score = _match_field(label, key)
        if name and score >= threshold and not name.startswith("_"):
            candidates.append((score, -index, index, name))
    mapping: dict[int, str] = {}
    confidence: dict[int, float] = {}
    taken: set[str] = set()
    for score, _neg, index, name in sorted(candidates, reverse=True):
        if name in taken and name not in SUMMABLE:
            continue
        taken.add(name)
        mapping[index] = name
        confidence[index] = score
    return dict(sorted(mapping.items())), confidence


def detect_header(sheet: RawSheet, fields: dict[str, tuple[str, ...]], *, header_row: int | None = None,
                  scan: int = HEADER_SCAN_ROWS) -> HeaderGuess | None:
    """The most header-like row of the first ``scan`` rows, or the given ``header_row`` (0-based).

    Results are kept on the sheet (detection and parsing ask the same question); callers get a copy.
    """
    key = (id(fields), header_row, scan)
    cache = sheet.__dict__.setdefault("_header_cache", {})
    if key not in cache:
        cache[key] = _detect_header(sheet, fields, header_row=header_row, scan=scan)
    return copy.deepcopy(cache[key])


def _detect_header(sheet: RawSheet, fields: dict[str, tuple[str, ...]], *, header_row: int | None,
                   scan: int) -> HeaderGuess | None:
    if header_row is not None:
        end = _block_end(sheet, header_row)
        labels = header_labels(sheet, header_row, end)
        mapping, confidence = map_columns(labels, fields)
        return HeaderGuess(header_row, end, labels, mapping, confidence, float(len(set(mapping.values()))))
    best: HeaderGuess | None = None
    inside = {r for r0, _c0, r1, _c1 in sheet.merged if r1 > r0 for r in range(r0 + 1, min(r1, scan) + 1)}
    for row in range(min(scan, len(sheet.rows))):
        if row in inside:
            continue  # a header block starts at the top of its merged labels, never inside them
        cells = sheet.rows[row]
        texts = [cell_text(c).strip() for c in cells]
        filled = [t for t in texts if t]
        if len(filled) < 1:
            continue
        numeric = sum(1 for c in cells if isinstance(c, (int, float)) and not isinstance(c, bool))
        end = _block_end(sheet, row)
        labels = header_labels(sheet, row, end)
        mapping, confidence = map_columns(labels, fields)
        if not mapping:
            continue
        score = sum(max(v for i, v in confidence.items() if mapping[i] == f) for f in set(mapping.values()))
        score -= 0.5 * numeric
        if best is None or score > best.score + 1e-9:
            best = HeaderGuess(row, end, labels, mapping, confidence, score)
    return best


def apply_mapping(guess: HeaderGuess, mapping: dict[Any, str | None] | None,
                  fields: dict[str, tuple[str, ...]]) -> HeaderGuess:
    """Apply the user's mapping (keys: column index, letter or label; value: field or None to ignore)."""
    if not mapping:
        return guess
    letters = {column_letter(i): i for i in range(len(guess.labels))}
    by_label = {label: i for i, label in enumerate(guess.labels) if label}
    result = dict(guess.mapping)
    confidence = dict(guess.confidence)
    for key, name in mapping.items():
        if isinstance(key, int):
            index = key
        elif isinstance(key, str) and key.isdigit():
            index = int(key)
        elif isinstance(key, str) and key.upper() in letters:
            index = letters[key.upper()]
        elif key in by_label:
            index = by_label[key]
        else:
            raise KeyError(key)
        if name in (None, "", "ignore"):
            result.pop(index, None)
            continue
        is_course = name == "course" or name.startswith("course:")
        if name not in fields and not is_course:
            raise ValueError(name)
        if name not in SUMMABLE and not is_course:
            for other, existing in list(result.items()):
                if existing == name and other != index:
                    del result[other]
        result[index] = name
        confidence[index] = 1.0
    labels = list(guess.labels)
    while len(labels) <= max(result, default=-1):
        labels.append("")
    return HeaderGuess(guess.row, guess.end, labels, dict(sorted(result.items())), confidence, guess.score)
