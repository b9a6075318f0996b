"""A course standard (课程标准) written in Word → the structure the standards editor saves (no database).

``read_standard_docx(data, filename, lang=…)`` returns a ``DocxStandard``: the course fields the
document names (课程名称, 课程代码, 学分, 学时, 课程类别, 适用专业, 开设学期), the standard's header
and prose fields (``services.vocabulary.STANDARD_FIELDS``), objectives per dimension, learning units
with hours, assessment items, what was set aside and why (``skipped``), and located errors and
warnings. A file that cannot be read at all raises ``ImportRejected``.

How a school's document is read:

* headings come from Word's heading styles (Heading N / 标题 N, or an outline level) and from the
  numbering schools type by hand: "一、" (a part), "（一）" (a sub-part), "1." / "1、" / "（1）" / "①"
  (items). A heading's words pick the part it opens (课程性质与定位, 课程目标, 课程内容与要求, 考核评价…);
  the words are matched on a width-folded key, the text is stored exactly as written;
* the header is the table (two or four columns, label | value pairs) or the "label：value"
  paragraphs above the first part;
* tables are read through the import engine's header detection and table regions
  (``services.importing.header`` / ``table``): two-row headers (学时 over 理论 / 实践), 合计 and
  小计 rows, notes and signature lines are recognised there and listed as skipped;
* the file is checked before it is opened: size, zip structure and declared sizes (a zip bomb is
  refused without decompressing), macros (.docm, vbaProject) are refused, external relationships are
  never followed; paragraphs, tables, rows and text lengths are limited (``DocxLimits``); control
  characters are removed (``services.textguard``) with a warning naming where.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any

from services.i18n import normalize_lang, translate
from services.importing.header import detect_header, norm_label
from services.importing.limits import Limits, check_file_size, check_zip
from services.importing.readers import RawBook, RawSheet
from services.importing.records import ImportRejected, Issue, Term
from services.importing.table import Table
from services.textguard import CONTROL, FIELD_LIMITS

KIND = "standard-docx"
EXTENSIONS = (".docx", ".docm", ".dotx", ".dotm", ".doc")
MAX_CONTROL_WARNINGS = 200
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_REL_EXTERNAL = re.compile(rb'TargetMode\s*=\s*"External"', re.I)


@dataclass(frozen=True)
class DocxLimits:
    """What one Word document may hold (rows per table also obey ``Limits.max_rows_per_sheet``)."""

    max_paragraphs: int = 20_000
    max_tables: int = 500
    max_rows_per_table: int = 2_000
    max_columns: int = 40


@dataclass
class DocxStandard:
    """What the document says, located; plain data (``to_dict``) for a preview."""

    filename: str
    title: str = ""
    course: dict[str, Any] = field(default_factory=dict)  # code, name, course_type, credits, hours…, program
    course_where: dict[str, dict[str, Any]] = field(default_factory=dict)  # field → {where, row}
    header: dict[str, str] = field(default_factory=dict)  # STANDARD_FIELDS found in the document
    objectives: list[dict[str, Any]] = field(default_factory=list)  # dimension, code, text, where
    units: list[dict[str, Any]] = field(default_factory=list)  # title, content, learning_tasks, hours…, where
    assessment: list[dict[str, Any]] = field(default_factory=list)  # name, category, weight, method, where
    skipped: list[dict[str, Any]] = field(default_factory=list)  # where, text, reason (a translation key)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    def to_dict(self, lang: str) -> dict[str, Any]:
        """JSON-safe: every field, issues as ``{file, sheet, row, column, message}``, reasons translated."""
        return {"filename": self.filename, "title": self.title, "course": dict(self.course),
                "course_where": dict(self.course_where),
                "header": dict(self.header), "objectives": [dict(o) for o in self.objectives],
                "units": [dict(u) for u in self.units], "assessment": [dict(a) for a in self.assessment],
                "skipped": [{**s, "reason": translate(s["reason"], lang)} for s in self.skipped],
                "errors": [i.as_dict(lang) for i in self.errors], "warnings": [i.as_dict(lang) for i in self.warnings]}


# --------------------------------------------------------------------------- vocabulary

def _labels(key: str) -> tuple[str, ...]:
    """A catalog label in both languages (what our own Word export prints), so its files read back."""
    return tuple(dict.fromkeys(translate(key, lang) for lang in ("zh", "en")))


COURSE_LABELS: dict[str, tuple[str, ...]] = {
    "name": ("课程名称", "course name", *_labels("export.standard.field.course_name")),
    "code": ("课程代码", "课程编码", "课程编号", "课程号", "course code", *_labels("export.standard.field.course_code")),
    "course_type": ("课程类别", "课程类型", "课程性质", "课程属性", "course type",
                    *_labels("export.standard.field.course_type")),
    "program": ("适用专业", "面向专业", "专业", "programme", "program", *_labels("export.standard.field.program")),
    "semester": ("开设学期", "开课学期", "授课学期", "学期", "semester", *_labels("export.standard.field.semester")),
    "hours": ("学时", "总学时", "课程学时", "学时数", "参考学时", "hours", "total hours",
              *_labels("export.standard.field.hours")),
    "hours_theory": ("理论学时", "theory hours"),
    "hours_practice": ("实践学时", "practice hours"),
    "credits": ("学分", "credits", *_labels("export.standard.field.credits")),
}
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "department": ("授课单位", "开课单位", "开课部门", "开课院系", "制定单位", "department",
                   *_labels("export.standard.field.department")),
    "author_name": ("执笔人", "制定人", "编写人", "撰写人", "编制人", "author", *_labels("export.standard.field.author")),
    "author_date": ("执笔日期", "制定日期", "编写日期", "编制日期", "author date",
                    *_labels("export.standard.field.author_date")),
    "reviewer_name": ("审定人", "审核人", "审批人", "reviewer", *_labels("export.standard.field.reviewer")),
    "reviewer_date": ("审定日期", "审核日期", "审批日期", "reviewer date",
                      *_labels("export.standard.field.reviewer_date")),
    "prerequisites": ("先修课程", "前导课程", "前修课程", "前置课程", "先导课程", "prerequisites", "prerequisite courses"),
    "follow_on": ("后续课程", "后继课程", "follow-on courses", "follow on courses"),
}
_LABEL_FIELD = {norm_label(s): ("course", name) for name, syns in COURSE_LABELS.items() for s in syns}
_LABEL_FIELD.update({norm_label(s): ("header", name) for name, syns in HEADER_LABELS.items() for s in syns})

# part → words its heading holds (checked on the width-folded key, first match wins)
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("analysis", ("职业能力分析", "工作任务与职业能力", "任务分析", "competencyanalysis", "analysistable",
                  *_labels("export.standard.section.analysis"))),
    ("design_rationale", ("设计思路", "设计理念", "designrationale", *_labels("export.standard.section.design"))),
    ("objectives", ("课程目标", "教学目标", "学习目标", "courseobjectives", "objectives",
                    *_labels("export.standard.section.objectives"))),
    ("units", ("课程内容", "教学内容", "内容与要求", "学习单元", "内容安排", "学时分配", "contentandrequirements",
               "learningunits", *_labels("export.standard.section.content"))),
    ("assessment", ("考核", "评价", "assessment", *_labels("export.standard.section.assessment"))),
    ("resources", ("教学资源", "实施保障", "教学条件", "教材", "resources", *_labels("export.standard.section.resources"))),
    ("teaching_methods", ("实施建议", "教学方法", "教学建议", "教学实施", "teaching", *_labels("export.standard.section.teaching"))),
    ("nature", ("课程性质", "课程定位", "课程描述", "课程简介", "课程任务", "nature", *_labels("export.standard.section.nature"))),
    ("signoff", ("审定与签署", "签署", "签字", "signoff", "signatures", *_labels("export.standard.signoff.title"))),
    ("toc", ("目录", "contents", *_labels("export.standard.toc.title"))),
)
PROSE_SECTIONS = ("nature", "design_rationale", "teaching_methods", "resources")
DIMENSION_WORDS = (("knowledge", ("知识目标", "知识", "knowledge", "knowledgeobjectives")),
                   ("skill", ("能力目标", "技能目标", "能力", "技能", "skill", "skills", "skillobjectives", "abilities")),
                   ("quality", ("素质目标", "素养目标", "思政目标", "情感目标", "素质", "素养", "quality", "attitude",
                                "qualityobjectives", "attitudes")))
OBJECTIVE_FIELDS = {"dimension": ("维度", "目标类型", "目标类别", "类别", "dimension"),
                    "code": ("编号", "序号", "代码", "code", "no."),
                    "text": ("课程目标", "目标", "目标内容", "目标描述", "objective", "text")}
UNIT_FIELDS = {
    "seq": ("序号", "编号", "no.", "no", *_labels("export.standard.units.no")),
    "title": ("学习单元", "单元名称", "学习项目", "项目名称", "教学项目", "学习情境", "教学单元", "模块", "项目", "单元",
              "unit", "learning unit", "project", *_labels("export.standard.units.unit")),
    "content": ("内容与要求", "教学内容与要求", "教学内容", "学习内容", "内容", "教学要求", "content",
                "content and requirements", *_labels("export.standard.units.content")),
    "learning_tasks": ("学习任务", "工作任务", "任务", "learning tasks", "tasks", *_labels("export.standard.units.tasks")),
    "hours_theory": ("理论学时", "理论", "理论课时", "theory hours", "theory", *_labels("export.standard.units.theory")),
    "hours_practice": ("实践学时", "实践", "实训", "实践课时", "practice hours", "practice",
                       *_labels("export.standard.units.practice")),
    "hours_total": ("学时", "合计学时", "总学时", "课时", "学时数", "参考学时", "学时分配", "hours", "total hours",
                    *_labels("export.standard.units.total")),
}
ASSESSMENT_FIELDS = {
    "seq": ("序号", "编号", "no.", "no"),
    "category": ("考核类别", "考核类型", "考核性质", "评价类型", "类别", "category",
                 *_labels("export.standard.assessment.category")),
    "name": ("考核项目", "考核内容", "评价项目", "考核环节", "评价内容", "考核模块", "item", "assessment item",
             *_labels("export.standard.assessment.item")),
    "method": ("考核方式与要求", "考核方式", "评价方式", "考核要求", "评价标准", "考核标准", "考核方法", "method",
               *_labels("export.standard.assessment.method")),
    "weight": ("权重", "比例", "占比", "权重（%）", "比例（%）", "成绩比例", "所占比例", "分值比例", "weight", "weight (%)",
               "share", *_labels("export.standard.assessment.weight")),
}
CATEGORY_WORDS = (("summative", ("终结", "期末", "结课", "末考", "final", "summative", "exam")),
                  ("process", ("过程", "平时", "形成", "期中", "process", "formative", "continuous")))
_CATEGORY_LABELS = {norm_label(translate(f"export.standard.assessment.{c}", lang)): c
                    for c in ("process", "summative") for lang in ("zh", "en")}

_CN_NUM = "一二三四五六七八九十"
_PART = re.compile(rf"^\s*[{_CN_NUM}]+\s*[、.．]\s*")
_SUBPART = re.compile(rf"^\s*[（(]\s*[{_CN_NUM}]+\s*[）)]\s*[、.．]?\s*")
_OUTLINE = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+(?=\D)")  # "4.1 Knowledge objectives" (headings only)
_ITEM = re.compile(r"^\s*(?:(?P<a>\d{1,3})\s*[.、．](?!\d)|[（(]\s*(?P<b>\d{1,3})\s*[）)]|(?P<c>\d{1,3})\s*[)）]"
                   r"|(?P<d>[①-⑳]))\s*")
_PAIR = re.compile(r"(?P<label>[^\s:：]{2,12})\s*[:：]\s*(?P<value>.*?)(?=\s+[^\s:：]{2,12}\s*[:：]|$)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_TITLE_BRACKETS = re.compile(r"^\s*《(?P<name>[^》]{1,200})》\s*课程标准")
_TITLE_PLAIN = re.compile(r"^\s*(?P<name>.{1,200}?)\s*课程标准\s*$")
_TITLE_EN = re.compile(r"^\s*course\s+standard\s*[:：]\s*(?P<name>.{1,200})$", re.I)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)", re.I)
_TOC_STYLE = re.compile(r"^(?:toc|目录)\s*\d", re.I)
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
NONE_MARKS = frozenset(norm_label(m) for m in (*_labels("export.standard.none"), "无", "none", "/", "—", "-"))
STATUS_MARKS = tuple(translate(f"export.standard.status_mark.{s}", lang)
                     for s in ("draft", "in_review", "approved") for lang in ("zh", "en"))
_ANALYSIS_EMPTY = frozenset(norm_label(m) for m in _labels("export.standard.analysis.empty"))


def fold(text: str) -> str:
    """The matching key of a label or heading: width-folded, lower case, spaces and punctuation out."""
    return norm_label(text).replace(" ", "")


def strip_numbering(text: str) -> tuple[str | None, str]:
    """("一", "课程性质") style split: the hand-typed number of a heading or item, and the text after it."""
    for pattern in (_PART, _SUBPART):
        m = pattern.match(text)
        if m:
            return m.group(0).strip(), text[m.end():]
    m = _ITEM.match(text)
    if m:
        number = m.group("a") or m.group("b") or m.group("c")
        if number is None:
            number = str(_CIRCLED.index(m.group("d")) + 1)
        return number, text[m.end():]
    return None, text


def _heading_words(text: str) -> str:
    number, rest = strip_numbering(text)
    if number is None:
        m = _OUTLINE.match(text)
        rest = text[m.end():] if m else text
    return rest


def section_of(text: str) -> str | None:
    key = fold(_heading_words(text))
    if not key:
        return None
    for name, words in SECTIONS:
        if any(fold(w) and fold(w) in key for w in words):
            return name
    return None


def dimension_of(text: str) -> str | None:
    """"（一）知识目标" / "1. 能力目标：" / "Knowledge objectives" → its dimension; None for other text."""
    key = fold(_heading_words(text))
    for name, words in DIMENSION_WORDS:
        if key in {fold(w) for w in words}:
            return name
    return None


# --------------------------------------------------------------------------- opening the file

def _where_p(lang: str, n: int) -> str:
    return translate("import.docx.where.paragraph", lang, n=n)


def _where_t(lang: str, n: int) -> str:
    return translate("import.docx.where.table", lang, n=n)


_ZIP_KEYS = {"import.error.corrupt_workbook": "import.error.docx_corrupt", "import.error.zip_bomb": "import.error.docx_zip_bomb",
             "import.error.zip_ratio": "import.error.docx_zip_ratio", "import.error.zip_members": "import.error.docx_zip_members"}


def _check_package(data: bytes, filename: str, limits: Limits) -> list[Issue]:
    """Refuse what is not a Word document or carries macros; returns warnings (external links not followed)."""
    check_file_size(data, filename=filename, limits=limits)
    lower = filename.lower()
    if lower.endswith(".doc") and not data.startswith(b"PK"):
        raise ImportRejected(Issue("import.error.docx_old_doc", file=filename))
    if not data.startswith(b"PK"):
        raise ImportRejected(Issue("import.error.docx_not_docx", file=filename))
    try:
        check_zip(data, filename=filename, limits=limits)
    except ImportRejected as exc:  # the engine's zip checks speak of a workbook: say "Word document"
        raise ImportRejected(*[Issue(_ZIP_KEYS.get(i.key, i.key), i.params, file=filename)
                               for i in exc.issues]) from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise ImportRejected(Issue("import.error.docx_not_docx", file=filename))
            types = archive.read("[Content_Types].xml")
            macros = [n for n in names if n.lower().endswith(("vbaproject.bin", "vbadata.xml"))]
            if macros or b"macroEnabled" in types or lower.endswith((".docm", ".dotm")):
                raise ImportRejected(Issue("import.error.docx_macros", {"member": (macros or [filename])[0]},
                                           file=filename))
            external = 0
            for name in names:
                if name.endswith(".rels"):
                    external += len(_REL_EXTERNAL.findall(archive.read(name)))
            embedded = [n for n in names if n.startswith(("word/embeddings/", "word/activeX/"))]
    except ImportRejected:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, zlib.error) as exc:
        raise ImportRejected(Issue("import.error.docx_corrupt", {"reason": str(exc)[:200]}, file=filename)) from exc
    warnings = []
    if external:
        warnings.append(Issue("import.warning.docx_external", {"count": external}, file=filename))
    if embedded:
        warnings.append(Issue("import.warning.docx_embedded", {"count": len(embedded)}, file=filename))
    return warnings


def _open(data: bytes, filename: str):
    from docx import Document  # python-docx, only when a Word file is read

    try:
        return Document(io.BytesIO(data))
    except Exception as exc:
        raise ImportRejected(Issue("import.error.docx_corrupt", {"reason": f"{type(exc).__name__}: {exc}"[:200]},
                                   file=filename)) from exc


# --------------------------------------------------------------------------- the body as blocks

@dataclass
class _Block:
    kind: str  # "p" or "table"
    number: int  # 1-based among its kind
    text: str = ""
    level: int | None = None  # heading level from the style or outline level
    toc: bool = False
    sheet: RawSheet | None = None


class _Reader:
    def __init__(self, filename: str, lang: str, limits: Limits, docx_limits: DocxLimits) -> None:
        self.filename, self.lang, self.limits, self.docx_limits = filename, lang, limits, docx_limits
        self.out = DocxStandard(filename=filename)
        self.controls = 0

    def issue(self, key: str, where: str | None = None, row: int | None = None, column: str | None = None,
              **params: Any) -> Issue:
        return Issue(key, params, file=self.filename, sheet=where, row=row, column=column)

    def clean(self, text: str, where: str, row: int | None = None, column: str | None = None) -> str:
        if CONTROL.search(text) is None:
            return text
        cleaned = CONTROL.sub("", text)
        self.controls += 1
        if self.controls <= MAX_CONTROL_WARNINGS:
            self.out.warnings.append(self.issue("import.warning.control_chars", where, row, column,
                                                count=len(text) - len(cleaned)))
        return cleaned

    def blocks(self, document) -> list[_Block]:
        body = document.element.body
        paragraphs = sum(1 for _ in body.iter(f"{_W}p"))
        if paragraphs > self.docx_limits.max_paragraphs:
            raise ImportRejected(self.issue("import.error.docx_too_many_paragraphs", count=paragraphs,
                                            limit=self.docx_limits.max_paragraphs))
        tables = sum(1 for _ in body.iter(f"{_W}tbl"))
        if tables > self.docx_limits.max_tables:
            raise ImportRejected(self.issue("import.error.docx_too_many_tables", count=tables,
                                            limit=self.docx_limits.max_tables))
        styles = _style_levels(document)
        out: list[_Block] = []
        counters = {"p": 0, "table": 0}
        in_toc = [False]

        def walk(parent, toc: bool = False) -> None:
            for child in parent.iterchildren():
                tag = child.tag
                if tag == f"{_W}p":
                    counters["p"] += 1
                    out.append(self.paragraph(child, counters["p"], styles, in_toc, toc))
                elif tag == f"{_W}tbl":
                    counters["table"] += 1
                    out.append(self.table(child, counters["table"]))
                elif tag == f"{_W}sdt":  # a content control: Word's own table of contents is one
                    gallery = child.find(f"{_W}sdtPr/{_W}docPartObj/{_W}docPartGallery")
                    content = child.find(f"{_W}sdtContent")
                    if content is not None:
                        walk(content, toc or (gallery is not None and "contents" in
                                              (gallery.get(f"{_W}val") or "").lower()))
        walk(body)
        return out

    def paragraph(self, p, number: int, styles: dict[str, int], in_toc: list[bool], toc: bool) -> _Block:
        from docx.text.paragraph import Paragraph

        where = _where_p(self.lang, number)
        text = self.clean(Paragraph(p, None).text, where)
        style = p.find(f"{_W}pPr/{_W}pStyle")
        style_id = style.get(f"{_W}val") if style is not None else None
        level = styles.get(style_id or "")
        outline = p.find(f"{_W}pPr/{_W}outlineLvl")
        if outline is not None and (outline.get(f"{_W}val") or "").isdigit() and int(outline.get(f"{_W}val")) < 9:
            level = int(outline.get(f"{_W}val")) + 1
        field_toc = False
        for node in p.iter(f"{_W}fldChar", f"{_W}instrText"):
            if node.tag == f"{_W}instrText" and (node.text or "").strip().upper().startswith("TOC"):
                in_toc[0] = field_toc = True
            elif node.tag == f"{_W}fldChar" and node.get(f"{_W}fldCharType") == "end" and in_toc[0]:
                in_toc[0] = False
                field_toc = True
        is_toc = toc or field_toc or in_toc[0] or bool(style_id and _TOC_STYLE.match(style_id))
        if len(text) > FIELD_LIMITS["course_standard"]["nature"]:
            self.out.errors.append(self.issue("import.error.docx_text_too_long", where, length=len(text),
                                              limit=FIELD_LIMITS["course_standard"]["nature"]))
            text = ""
        return _Block("p", number, text, level, is_toc)

    def table(self, tbl, number: int) -> _Block:
        """A table as a ``RawSheet``: merged cells (gridSpan, vMerge) hold their text in the first cell only,
        with the merge listed, as the spreadsheet readers give them."""
        from docx.text.paragraph import Paragraph

        where = _where_t(self.lang, number)
        row_limit = min(self.docx_limits.max_rows_per_table, self.limits.max_rows_per_sheet)
        trs = tbl.findall(f"{_W}tr")
        if len(trs) > row_limit:
            raise ImportRejected(self.issue("import.error.docx_too_many_rows", where, rows=len(trs), limit=row_limit))
        rows: list[list[str]] = []
        merged: list[tuple[int, int, int, int]] = []
        open_v: dict[int, int] = {}  # column → index in ``merged`` of a vertical merge still running
        for r, tr in enumerate(trs):
            cells: list[str] = []
            for tc in tr.findall(f"{_W}tc"):
                span_node = tc.find(f"{_W}tcPr/{_W}gridSpan")
                span = int(span_node.get(f"{_W}val")) if span_node is not None and \
                    (span_node.get(f"{_W}val") or "").isdigit() else 1
                span = max(1, min(span, self.docx_limits.max_columns))
                vmerge = tc.find(f"{_W}tcPr/{_W}vMerge")
                col = len(cells)
                if col + span > self.docx_limits.max_columns:
                    raise ImportRejected(self.issue("import.error.docx_too_many_columns", where, row=r + 1,
                                                    limit=self.docx_limits.max_columns))
                continuing = vmerge is not None and vmerge.get(f"{_W}val") in (None, "continue")
                if continuing and col in open_v:
                    r0, c0, _r1, c1 = merged[open_v[col]]
                    merged[open_v[col]] = (r0, c0, r, c1)
                    cells.extend([""] * span)
                    continue
                open_v.pop(col, None)
                text = "\n".join(Paragraph(p, None).text for p in tc.findall(f"{_W}p"))
                column = str(col + 1)
                text = self.clean(text, where, r + 1, column)
                if len(text) > FIELD_LIMITS["learning_unit"]["content"]:
                    self.out.errors.append(self.issue("import.error.docx_cell_too_long", where, r + 1, column,
                                                      length=len(text), limit=FIELD_LIMITS["learning_unit"]["content"]))
                    text = ""
                if tc.find(f"{_W}tbl") is not None:
                    self.out.skipped.append({"where": where, "row": r + 1, "column": column, "text": "",
                                             "reason": "import.docx.skip.nested_table"})
                cells.append(text)
                cells.extend([""] * (span - 1))
                if span > 1 or (vmerge is not None and vmerge.get(f"{_W}val") == "restart"):
                    merged.append((r, col, r, col + span - 1))
                    if vmerge is not None and vmerge.get(f"{_W}val") == "restart":
                        open_v[col] = len(merged) - 1
            rows.append(cells)
        width = max((len(r) for r in rows), default=0)
        for row in rows:
            row.extend([""] * (width - len(row)))
        return _Block("table", number, sheet=RawSheet(name=where, rows=rows, merged=merged))


def _style_levels(document) -> dict[str, int]:
    """Paragraph style id → heading level, for Word's built-in headings and styles based on them."""
    levels: dict[str, int] = {}
    try:
        styles = list(document.styles)
    except Exception:  # noqa: BLE001 - a broken styles part: fall back to the numbering patterns
        return levels
    for style in styles:
        name = getattr(style, "name", "") or ""
        style_id = getattr(style, "style_id", None)
        m = _HEADING_STYLE.match(name) or _HEADING_STYLE.match(style_id or "")
        if m and style_id:
            levels[style_id] = int(m.group(1))
    return levels


# --------------------------------------------------------------------------- reading the parts

def read_standard_docx(data: bytes, filename: str, *, lang: str = "zh", limits: Limits | None = None,
                       docx_limits: DocxLimits | None = None) -> DocxStandard:
    """Read a 课程标准 .docx (nothing is written); raises ``ImportRejected`` when the file cannot be read."""
    lang = normalize_lang(lang)
    limits = limits or Limits.from_env()
    warnings = _check_package(data, filename, limits)
    document = _open(data, filename)
    reader = _Reader(filename, lang, limits, docx_limits or DocxLimits())
    try:
        blocks = reader.blocks(document)
    except ImportRejected:
        raise
    except Exception as exc:
        raise ImportRejected(Issue("import.error.docx_corrupt", {"reason": f"{type(exc).__name__}: {exc}"[:200]},
                                   file=filename)) from exc
    out = reader.out
    out.warnings[:0] = warnings
    if reader.controls > MAX_CONTROL_WARNINGS:
        out.warnings.append(Issue("import.warning.control_chars_more",
                                  {"count": reader.controls - MAX_CONTROL_WARNINGS}, file=filename))
    _Interpreter(reader, blocks).run()
    if not (out.course or out.header or out.objectives or out.units or out.assessment):
        out.errors.append(Issue("import.error.docx_nothing", file=filename))
    return out


class _Interpreter:
    """Walks the blocks once: header zone, then parts opened by headings."""

    def __init__(self, reader: _Reader, blocks: list[_Block]) -> None:
        self.reader, self.blocks, self.out = reader, blocks, reader.out
        self.lang = reader.lang
        self.section: str | None = None  # None: the header zone (before the first part)
        self.seen_part = False
        self.dimension: str | None = None
        self.prose: dict[str, list[str]] = {}

    def skip(self, block: _Block, reason: str, text: str = "", row: int | None = None) -> None:
        where = _where_p(self.lang, block.number) if block.kind == "p" else _where_t(self.lang, block.number)
        self.out.skipped.append({"where": where, "row": row, "column": None, "text": (text or block.text)[:80],
                                 "reason": reason})

    def run(self) -> None:
        toc_noted = False
        for block in self.blocks:
            if block.kind == "table":
                self.table(block)
                continue
            text = block.text.strip()
            if not text:
                continue
            if block.toc:
                if not toc_noted:
                    self.skip(block, "import.docx.skip.toc")
                    toc_noted = True
                continue
            if self.heading(block, text):
                continue
            self.paragraph(block, text)
        for name, lines in self.prose.items():
            text = "\n".join(lines).strip()
            if text:
                self.out.header[name] = text

    # ---- headings

    def heading(self, block: _Block, text: str) -> bool:
        number, rest = strip_numbering(text)
        is_part = bool(_PART.match(text)) or block.level == 1
        is_sub = bool(_SUBPART.match(text)) or (block.level is not None and block.level >= 2)
        short = len(text) <= 40
        if self.section is None and not self.seen_part and not self.out.title and block.level is None:
            m = _TITLE_BRACKETS.match(text) or _TITLE_EN.match(text) or _TITLE_PLAIN.match(text)
            if m and len(text) <= 120:
                self.out.title = _strip_status(m.group("name").strip())
                self.out.header["title"] = self.out.title
                return True
        if (is_part or is_sub) and short:
            if fold(text) in {fold(w) for w in _labels("export.standard.toc.title")} | {"目录", "contents"}:
                self.section = "toc"
                self.seen_part = True
                self.skip(block, "import.docx.skip.toc")
                return True
            part = section_of(text)
            if self.section == "objectives" and is_sub and not is_part:
                dimension = dimension_of(text)
                if dimension:
                    self.dimension = dimension
                    return True
            if part is not None and (is_part or part != self.section):
                if part == "objectives" and is_sub and not is_part and self.section == "objectives":
                    return False
                self.open(part, block)
                return True
            if is_part:
                self.open("unknown", block)
                return True
        if self.section == "objectives" and short:
            dimension = dimension_of(text.rstrip("：:"))
            if dimension and (number is not None or is_sub or block.level or text.endswith(("：", ":"))
                              or fold(rest) == fold(text)):
                self.dimension = dimension
                return True
        return False

    def open(self, part: str, block: _Block) -> None:
        self.section = part
        self.seen_part = True
        self.dimension = None
        if part in ("unknown", "signoff", "toc"):
            self.skip(block, {"unknown": "import.docx.skip.unknown_part", "signoff": "import.docx.skip.signoff",
                              "toc": "import.docx.skip.toc"}[part])
        elif part == "analysis":
            self.skip(block, "import.docx.skip.analysis")

    # ---- paragraphs

    def paragraph(self, block: _Block, text: str) -> None:
        section = self.section
        if section is None:
            if not self.pairs(block, text):
                self.skip(block, "import.docx.skip.before_parts")
            return
        if section in PROSE_SECTIONS:
            if section == "nature" and self.pairs(block, text, only=("prerequisites", "follow_on")):
                return
            if fold(text) in NONE_MARKS:
                return  # the export's "（无）" for an empty part
            self.prose.setdefault(section, []).append(block.text.strip())
            return
        if section == "objectives":
            self.objective_paragraph(block, text)
            return
        if section in ("unknown", "signoff", "toc", "analysis"):
            return  # listed once with its heading
        if fold(text) in NONE_MARKS:
            return
        self.skip(block, "import.docx.skip.not_a_table")

    def pairs(self, block: _Block, text: str, only: tuple[str, ...] | None = None) -> bool:
        """"课程名称：工业机器人现场编程　课程代码：ZH3021" → the fields; False if no label is known."""
        found = []
        label, colon, value = text.partition("：") if "：" in text else text.partition(":")
        whole = _LABEL_FIELD.get(norm_label(label)) if colon else None
        single = whole is not None and not any(_LABEL_FIELD.get(norm_label(m.group("label")))
                                               for m in _PAIR.finditer(value))
        if single and (only is None or whole[1] in only):
            found.append((whole, value.strip()))
        for m in _PAIR.finditer(text) if not found else ():
            target = _LABEL_FIELD.get(norm_label(m.group("label")))
            if target is None or (only is not None and target[1] not in only):
                continue
            found.append((target, m.group("value").strip()))
        if not found:
            return False
        for (part, name), value in found:
            self.put(part, name, value, _where_p(self.lang, block.number))
        return True

    def put(self, part: str, name: str, value: str, where: str, row: int | None = None) -> None:
        if fold(value) in NONE_MARKS:
            value = ""
        if part == "course":
            self.out.course[name] = value
            self.out.course_where[name] = {"where": where, "row": row}
        elif value:
            self.out.header[name] = value

    def objective_paragraph(self, block: _Block, text: str) -> None:
        if self.dimension is None:
            self.skip(block, "import.docx.skip.no_dimension")
            return
        number, rest = strip_numbering(text)
        rest = rest.strip()
        if not rest:
            return
        self.add_objective(self.dimension, number or "", rest, _where_p(self.lang, block.number), None)

    def add_objective(self, dimension: str, code: str, text: str, where: str, row: int | None) -> None:
        limits = FIELD_LIMITS["objective"]
        if len(text) > limits["text"] or len(code) > limits["code"]:
            self.out.errors.append(self.reader.issue("import.error.docx_cell_too_long", where, row,
                                                     length=max(len(text), len(code)), limit=limits["text"]))
            return
        self.out.objectives.append({"dimension": dimension, "code": code, "text": text, "where": where, "row": row})

    # ---- tables

    def table(self, block: _Block) -> None:
        sheet = block.sheet
        if sheet is None or not sheet.rows:
            return
        section = self.section
        if (section is None or not self.seen_part) and self.key_value_table(block):
            return
        if section == "objectives":
            self.objective_table(block)
            return
        if section == "analysis":
            return
        if section in ("signoff", "toc", "unknown"):
            return
        kind = {"units": "units", "assessment": "assessment"}.get(section or "")
        if kind is None:
            kind = self.guess_table(sheet)
        if kind == "units":
            self.units_table(block)
        elif kind == "assessment":
            self.assessment_table(block)
        elif section is None and self.key_value_table(block):
            return
        else:
            self.skip(block, "import.docx.skip.table_unknown", " | ".join(c for c in sheet.rows[0] if c)[:80])

    def guess_table(self, sheet: RawSheet) -> str | None:
        units = detect_header(sheet, UNIT_FIELDS)
        assessment = detect_header(sheet, ASSESSMENT_FIELDS)
        unit_ok = units is not None and "title" in units.mapping.values() and any(
            f.startswith("hours") for f in units.mapping.values())
        assessment_ok = assessment is not None and "weight" in assessment.mapping.values() and (
            "name" in assessment.mapping.values() or "method" in assessment.mapping.values())
        if unit_ok and (not assessment_ok or units.score >= assessment.score):
            return "units"
        return "assessment" if assessment_ok else None

    def key_value_table(self, block: _Block, probe: bool = False) -> bool:
        """A header table: label | value pairs across the row (two or four columns, or more)."""
        sheet = block.sheet
        hits = []
        for r, row in enumerate(sheet.rows):
            c = 0
            while c < len(row):
                label = row[c].strip()
                target = _LABEL_FIELD.get(norm_label(label)) if label else None
                if target is None:
                    c += 1
                    continue
                value_col = c + 1
                while value_col < len(row) and not row[value_col].strip() and _in_merge(sheet, r, value_col, c):
                    value_col += 1
                value = row[value_col].strip() if value_col < len(row) else ""
                if value and _LABEL_FIELD.get(norm_label(value)) is not None:
                    value = ""  # an empty value cell: the next label follows
                    hits.append((target, value, r, c))
                    c += 1
                    continue
                hits.append((target, value, r, c))
                c = value_col + 1
        if len(hits) < 2:
            return False
        if probe:
            return True
        where = _where_t(self.lang, block.number)
        for (part, name), value, r, _c in hits:
            self.put(part, name, value, where, r + 1)
        return True

    def objective_table(self, block: _Block) -> None:
        sheet = block.sheet
        where = _where_t(self.lang, block.number)
        guess = detect_header(sheet, OBJECTIVE_FIELDS)
        if guess is not None and "text" in guess.mapping.values() and guess.row == 0:
            table = _WordTable(RawBook(self.out.filename, "docx", [sheet]), sheet, guess, key_fields=("text",))
            for index, cells in table.data_rows():
                text = table.text(cells, table.column_for("text"))
                if not text:
                    continue
                dimension = dimension_of(table.text(cells, table.column_for("dimension"))) or self.dimension
                if dimension is None:
                    self.skip(block, "import.docx.skip.no_dimension", text, row=index + 1)
                    continue
                self.add_objective(dimension, table.text(cells, table.column_for("code")), text, where, index + 1)
            self.note_ignored(block, table)
            return
        for r, row in enumerate(sheet.rows):  # the export's two columns: code | text (or text alone)
            texts = [c.strip() for c in row if c.strip()]
            if not texts:
                continue
            if len(texts) == 1:
                number, rest = strip_numbering(texts[0])
                code, text = number or "", rest.strip()
            else:
                code, text = texts[0], "\n".join(texts[1:])
                if len(code) > FIELD_LIMITS["objective"]["code"]:
                    code, text = "", "\n".join(texts)
            dimension = dimension_of(text) if not code else None
            if dimension is not None:
                self.dimension = dimension
                continue
            if self.dimension is None:
                self.skip(block, "import.docx.skip.no_dimension", text, row=r + 1)
                continue
            self.add_objective(self.dimension, code, text, where, r + 1)

    def note_ignored(self, block: _Block, table: Table) -> None:
        for item in table.regions.ignored:
            if item.row is None or item.reason in ("blank",):
                continue
            self.skip(block, f"import.reason.{item.reason}", item.text, row=item.row + 1)

    def units_table(self, block: _Block) -> None:
        sheet = block.sheet
        guess = detect_header(sheet, UNIT_FIELDS)
        if guess is None or "title" not in guess.mapping.values():
            self.skip(block, "import.docx.skip.table_unknown", " | ".join(c for c in sheet.rows[0] if c)[:80])
            return
        table = _WordTable(RawBook(self.out.filename, "docx", [sheet]), sheet, guess, key_fields=("title",),
                      numeric_fields=("hours_theory", "hours_practice", "hours_total"),
                      probe_fields=("seq", "title"))
        where = _where_t(self.lang, block.number)
        has = set(guess.mapping.values())
        if "hours_total" in has and not has & {"hours_theory", "hours_practice"}:
            self.out.warnings.append(self.reader.issue("import.warning.docx_hours_total_only", where,
                                                       column=guess.label(table.column_for("hours_total"))))
        for index, cells in table.data_rows():
            title = table.text(cells, table.column_for("title"))
            if not title:
                continue
            if _total_words(title) or _total_words(table.text(cells, table.column_for("seq"))):
                self.skip(block, "import.reason.total", title, row=index + 1)
                continue
            hours: dict[str, int] = {}
            bad = False
            for name in ("hours_theory", "hours_practice", "hours_total"):
                col = table.column_for(name)
                text = table.text(cells, col)
                value = _hours(text)
                if value is None:
                    self.out.errors.append(table.issue("import.error.hours", index, col, value=text))
                    bad = True
                hours[name] = value or 0
            if bad:
                continue
            if "hours_theory" not in has and "hours_practice" not in has:
                hours["hours_theory"] = hours["hours_total"]
            elif "hours_total" in has and hours["hours_total"] != hours["hours_theory"] + hours["hours_practice"]:
                self.out.warnings.append(table.issue("import.warning.docx_hours_sum", index,
                                                     table.column_for("hours_total"), total=hours["hours_total"],
                                                     theory=hours["hours_theory"], practice=hours["hours_practice"]))
            content = "\n".join(t for t in (table.text(cells, c) for c in table.columns_for("content")) if t)
            unit = {"title": title, "content": content,
                    "learning_tasks": table.text(cells, table.column_for("learning_tasks")),
                    "hours_theory": hours["hours_theory"], "hours_practice": hours["hours_practice"],
                    "where": where, "row": index + 1}
            limits = FIELD_LIMITS["learning_unit"]
            too_long = [f for f in ("title", "content", "learning_tasks") if len(unit[f]) > limits[f]]
            if too_long:
                self.out.errors.append(table.issue("import.error.docx_cell_too_long", index,
                                                   table.column_for(too_long[0]), length=len(unit[too_long[0]]),
                                                   limit=limits[too_long[0]]))
                continue
            if not all(0 <= hours[h] <= 2000 for h in ("hours_theory", "hours_practice")):
                self.out.errors.append(table.issue("import.error.hours", index, table.column_for("hours_theory"),
                                                   value=str(hours["hours_theory"] + hours["hours_practice"])))
                continue
            self.out.units.append(unit)
        self.note_ignored(block, table)

    def assessment_table(self, block: _Block) -> None:
        sheet = block.sheet
        guess = detect_header(sheet, ASSESSMENT_FIELDS)
        mapped = set(guess.mapping.values()) if guess else set()
        if guess is None or "weight" not in mapped or not mapped & {"name", "method", "category"}:
            self.skip(block, "import.docx.skip.table_unknown", " | ".join(c for c in sheet.rows[0] if c)[:80])
            return
        table = _WordTable(RawBook(self.out.filename, "docx", [sheet]), sheet, guess,
                      key_fields=("name",) if "name" in mapped else ("method",), numeric_fields=("weight",),
                      group_fields=("category",), probe_fields=("seq", "category", "name"))
        category_col = table.column_for("category")
        data_rows = list(table.data_rows())
        if category_col is not None:
            table.fill_down({category_col})
        where = _where_t(self.lang, block.number)
        items = []
        for index, cells in data_rows:
            cells = sheet.rows[index]
            name = table.text(cells, table.column_for("name"))
            category_text = table.text(cells, category_col)
            if not name:
                name = category_text
            if not name:
                continue
            if _total_words(name) or _total_words(table.text(cells, table.column_for("seq"))):
                self.skip(block, "import.reason.total", name, row=index + 1)
                continue
            weight_col = table.column_for("weight")
            weight_text = table.text(cells, weight_col)
            weight = _weight(weight_text)
            if weight is None:
                self.out.errors.append(table.issue("import.error.assessment_weight", index, weight_col,
                                                   value=weight_text))
                continue
            category = _category(category_text) or _category(name) or "process"
            if category_text and _category(category_text) is None:
                self.out.warnings.append(table.issue("import.warning.docx_category", index, category_col,
                                                     value=category_text, category=Term(f"import.docx.category.{category}")))
            item = {"name": name, "category": category, "weight": weight,
                    "method": table.text(cells, table.column_for("method")), "where": where, "row": index + 1}
            limits = FIELD_LIMITS["assessment_item"]
            too_long = [f for f in ("name", "method") if len(item[f]) > limits[f]]
            if too_long:
                self.out.errors.append(table.issue("import.error.docx_cell_too_long", index,
                                                   table.column_for(too_long[0]), length=len(item[too_long[0]]),
                                                   limit=limits[too_long[0]]))
                continue
            items.append(item)
        if items and all(i["weight"] <= 1 for i in items) and abs(sum(i["weight"] for i in items) - 1) < 0.011:
            for i in items:  # weights written as fractions (0.3 / 0.7)
                i["weight"] = round(i["weight"] * 100, 2)
            self.out.warnings.append(self.reader.issue("import.warning.docx_weight_fraction", where))
        if not all(0 <= i["weight"] <= 100 for i in items):
            for i in items:
                if not 0 <= i["weight"] <= 100:
                    self.out.errors.append(self.reader.issue("import.error.assessment_weight", where, i["row"],
                                                             value=str(i["weight"])))
            items = [i for i in items if 0 <= i["weight"] <= 100]
        total = sum(i["weight"] for i in items)
        if items and abs(total - 100) > 0.01:
            self.out.warnings.append(self.reader.issue("import.warning.assessment_total", where,
                                                       total=round(total, 2)))
        self.out.assessment.extend(items)
        self.note_ignored(block, table)


class _WordTable(Table):
    """The engine's table with Word's text rules: a cell is its text, trimmed; "_x000D_" is Excel's escape,
    not Word's, so it stays as typed."""

    def text(self, cells: list[Any], col: int | None) -> str:
        value = self.raw(cells, col)
        return value.strip() if isinstance(value, str) else super().text(cells, col)


def _in_merge(sheet: RawSheet, row: int, col: int, start: int) -> bool:
    return any(r0 <= row <= r1 and c0 <= start and col <= c1 for r0, c0, r1, c1 in sheet.merged) or \
        any(r0 <= row <= r1 and c0 <= col <= c1 and c0 > start for r0, c0, r1, c1 in sheet.merged)


def _strip_status(name: str) -> str:
    """"工业机器人现场编程》课程标准（草稿 / Draft）" leftovers: a trailing status mark in brackets goes."""
    for mark in STATUS_MARKS:
        for left, right in (("（", "）"), ("(", ")")):
            name = name.removesuffix(f"{left}{mark}{right}").strip()
    return name


_TOTAL_KEYS = frozenset({"合计", "总计", "小计", "共计", "total", "sum", "subtotal"})


def _total_words(text: str) -> bool:
    return fold(text) in _TOTAL_KEYS


def _hours(text: str) -> int | None:
    """"8" / "8学时" / "8.0" / "" → 8 / 8 / 8 / 0; None if not a whole number of hours."""
    text = text.strip()
    if not text or fold(text) in NONE_MARKS:
        return 0
    m = _NUMBER.fullmatch(re.sub(r"\s*(?:学时|课时|h|hours?)\s*$", "", text, flags=re.I))
    if not m:
        return None
    value = float(m.group(0))
    return int(value) if value.is_integer() else None


def _weight(text: str) -> float | None:
    text = text.strip().replace("％", "%")
    if not text:
        return 0.0
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*%?", text)
    return float(m.group(1)) if m else None


def _category(text: str) -> str | None:
    key = fold(text)
    if not key:
        return None
    if key in _CATEGORY_LABELS:
        return _CATEGORY_LABELS[key]
    for name, words in CATEGORY_WORDS:
        if any(w in key for w in words):
            return name
    return None


def parse_hours_text(text: str) -> dict[str, int]:
    """"64（理论 32，实践 32）" → {hours: 64, hours_theory: 32, hours_practice: 32}; "64" → {hours: 64}."""
    out: dict[str, int] = {}
    numbers = _NUMBER.findall(text)
    if numbers and float(numbers[0]).is_integer():
        out["hours"] = int(float(numbers[0]))
    for name, words in (("hours_theory", "理论|theory"), ("hours_practice", "实践|实训|practice")):
        m = re.search(rf"(?:{words})\D{{0,4}}?(\d+)", text, re.I)
        if m:
            out[name] = int(m.group(1))
    return out


__all__ = ["EXTENSIONS", "KIND", "DocxLimits", "DocxStandard", "parse_hours_text",
           "read_standard_docx"]
