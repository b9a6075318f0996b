"""Course standard (课程标准) as a .docx in the school template of BRIEF §3.

A4 portrait; 宋体 (SimSun) set as the East-Asian font of every run (``w:rFonts w:eastAsia``),
黑体 for headings; section titles use Word's built-in "Heading 1" / "Heading 2" styles (their
East-Asian font set to 黑体, theme fonts dropped) so the navigation pane and the table of
contents work; a TOC field after the header block, pre-filled with the section titles, which
Word refreshes on open (``w:updateFields``) and LibreOffice shows as written; tables with
borders, fixed column widths, header rows repeated on every page and the analysis table's
工作领域 / 工作任务 cells merged vertically; page numbers as PAGE / NUMPAGES fields in the
footer; the status (草稿 / 审核中, or 已审定 with both signatures) in the title, under it and in
the page header.
"""

from __future__ import annotations

import io
import re
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from lxml import etree
from sqlalchemy.engine import Engine

from services.actor import Actor
from services.exports.common import (
    CJK_FALLBACKS,
    CJK_FONT,
    CJK_HEADING_FONT,
    LATIN_FONT,
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    require_export,
    standard_filename,
    t,
)
from services.exports.standard_data import DIMENSIONS, standard_data

BODY_SIZE = Pt(10.5)  # 五号
RED = RGBColor(0xC0, 0x00, 0x00)
BLACK = RGBColor(0x00, 0x00, 0x00)
HEADING_SIZES = {1: Pt(12), 2: Pt(10.5)}  # 小四, 五号
TOC_INSTRUCTION = 'TOC \\o "1-2" \\h \\z \\u'
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
TEXT_WIDTH_CM = 16.0  # A4 (21 cm) minus 2.5 cm margins on each side


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Text without the control characters XML cannot hold (they would make the file unreadable)."""
    return _XML_INVALID.sub("", text)


def _fonts(run_or_style, *, east_asia: str = CJK_FONT, size=None, bold: bool | None = None, color=None) -> None:
    """Latin and East-Asian font of a run or style (python-docx sets only the Latin one)."""
    font = run_or_style.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = size
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    rpr = run_or_style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr, value in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", east_asia)):
        rfonts.set(qn(attr), value)


def _heading_styles(document) -> None:
    """Word's "Heading 1" / "Heading 2" in the school's look: 黑体 / Times New Roman, black, 12 / 10.5 pt.

    The built-in styles name theme fonts, which win over explicit ones: drop them, keep the rest
    (outline level, keep-with-next), so the navigation pane and the TOC see the headings.
    """
    for level, size in HEADING_SIZES.items():
        style = document.styles[f"Heading {level}"]
        _fonts(style, east_asia=CJK_HEADING_FONT, size=size, bold=True, color=BLACK)
        rfonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
        for attr in _THEME_FONT_ATTRS:
            rfonts.attrib.pop(qn(attr), None)
        style.font.color.theme_color = None
        style.font.color.rgb = BLACK
        style.paragraph_format.space_before = Pt(10 if level == 1 else 6)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.keep_with_next = True


def _heading(document, text: str, level: int):
    """A section title in the built-in heading style (the style carries the fonts)."""
    p = document.add_paragraph(style=f"Heading {level}")
    p.add_run(_xml_safe(text))
    return p


def _toc(document, lang: str, entries: list[tuple[int, str]]) -> None:
    """A TOC field over headings 1–2 whose cached result already lists ``entries``.

    Word rebuilds it with page numbers when it opens the file (``updateFields`` in settings);
    LibreOffice and viewers that do not update fields show the pre-filled titles, never an
    empty or "no entries" box.
    """
    title = _paragraph(document, t("export.standard.toc.title", lang), bold=True, size=Pt(12),
                       align=WD_ALIGN_PARAGRAPH.CENTER, heading=True, space_after=3)
    title.paragraph_format.space_before = Pt(10)
    paragraphs = [document.add_paragraph() for _ in entries] or [document.add_paragraph()]
    first, last = paragraphs[0], paragraphs[-1]
    _field_char(first, "begin")
    run = first.add_run()
    node = OxmlElement("w:instrText")
    node.set(qn("xml:space"), "preserve")
    node.text = f" {TOC_INSTRUCTION} "
    run._r.append(node)
    _field_char(first, "separate")
    for p, (level, text) in zip(paragraphs, entries, strict=False):
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.left_indent = Pt(21 * (level - 1))
        _fonts(p.add_run(_xml_safe(text)), size=BODY_SIZE)
    _field_char(last, "end")
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is None:
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        settings.append(update)


def _field_char(paragraph, kind: str) -> None:
    node = OxmlElement("w:fldChar")
    node.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(node)


def _paragraph(container, text: str = "", *, bold: bool = False, size=None, align=None, heading: bool = False,
               color=None, indent: bool = False, space_after: float = 3):
    p = container.add_paragraph()
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    p.paragraph_format.space_before = Pt(0)
    if indent:
        p.paragraph_format.first_line_indent = Pt(21)
    if text:
        run = p.add_run(_xml_safe(text))
        _fonts(run, east_asia=CJK_HEADING_FONT if heading else CJK_FONT, size=size, bold=bold, color=color)
    return p


def _field(paragraph, instruction: str) -> None:
    """A complex field (PAGE, NUMPAGES) that Word and LibreOffice update when they lay the page out."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        _fonts(run, size=Pt(9))
        if kind == "instr":
            node = OxmlElement("w:instrText")
            node.set(qn("xml:space"), "preserve")
            node.text = f" {text} "
        elif kind == "text":
            node = OxmlElement("w:t")
            node.text = text
        else:
            node = OxmlElement("w:fldChar")
            node.set(qn("w:fldCharType"), kind)
        run._r.append(node)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    node = OxmlElement("w:tblHeader")
    node.set(qn("w:val"), "true")
    tr_pr.append(node)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _table(document, widths_cm: list[float], header: list[str] | None):
    table = document.add_table(rows=0, cols=len(widths_cm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    if header:
        row = _row(table, header, widths_cm, bold=True, shade=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _repeat_header(row)
    return table


def _shade(cell, fill: str = "F2F2F2") -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _set_cell(cell, text: object, width_cm: float, *, bold: bool = False, align=None, shade: bool = False) -> None:
    cell.width = Cm(width_cm)
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = _xml_safe(str("" if text is None else text)).split("\n")
    paragraph = cell.paragraphs[0]
    for i, line in enumerate(lines):
        p = paragraph if i == 0 else cell.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        if align is not None:
            p.alignment = align
        if line:
            _fonts(p.add_run(line), size=BODY_SIZE, bold=bold)
    if shade:
        _shade(cell)


def _row(table, values: list[object], widths_cm: list[float], **kwargs):
    row = table.add_row()
    _cant_split(row)  # a row is never cut across two pages
    for cell, value, width in zip(row.cells, values, widths_cm, strict=True):
        _set_cell(cell, value, width, **kwargs)
    return row


def _number(value: float) -> str:
    return f"{value:g}"


def _header_block(document, data: dict[str, Any]) -> None:
    widths = [2.6, 5.4, 2.6, 5.4]
    table = _table(document, widths, None)
    pairs = data["header"]
    for i in range(0, len(pairs), 2):
        (l1, v1), (l2, v2) = pairs[i], pairs[i + 1]
        row = table.add_row()
        _cant_split(row)
        for cell, value, width, is_label in zip(row.cells, (l1, v1, l2, v2), widths, (True, False, True, False),
                                                strict=True):
            _set_cell(cell, value, width, bold=is_label, shade=is_label,
                      align=WD_ALIGN_PARAGRAPH.CENTER if is_label else None)


def _analysis(document, data: dict[str, Any], lang: str) -> None:
    widths = [3.6, 4.2, 8.2]
    table = _table(document, widths, [t("export.standard.analysis.area", lang), t("export.standard.analysis.task", lang),
                                      t("export.standard.analysis.competency", lang)])
    rows = data["analysis"]
    if not rows:
        row = _row(table, [t("export.standard.analysis.empty", lang), "", ""], widths)
        row.cells[0].merge(row.cells[2])
        return
    first = len(table.rows)
    for r in rows:
        _row(table, [f"{r['area_code']} {r['area']}".strip() if r["area_span"] else "",
                     f"{r['task_code']} {r['task']}".strip() if r["task_span"] else "",
                     f"{r['code']} {r['statement']}"], widths)
    for i, r in enumerate(rows):
        for col, span_key in ((0, "area_span"), (1, "task_span")):
            span = r[span_key]
            if span > 1:
                top = table.cell(first + i, col)
                merged = top.merge(table.cell(first + i + span - 1, col))
                # merge() joins the (empty) paragraphs of the lower cells: keep only the first
                for extra in merged.paragraphs[1:]:
                    extra._p.getparent().remove(extra._p)
                merged.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _objectives(document, data: dict[str, Any], lang: str) -> None:
    for n, dimension in enumerate(DIMENSIONS):
        _heading(document, _objective_heading(dimension, n, lang), 2)
        items = data["objectives"][dimension]
        if not items:
            _paragraph(document, t("export.standard.none", lang), indent=True)
            continue
        widths = [1.4, 14.6]
        table = _table(document, widths, None)
        for o in items:
            row = _row(table, [o["code"], o["text"]], widths)
            row.cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _paragraph(document, "", space_after=0)


def _objective_heading(dimension: str, n: int, lang: str) -> str:
    return t(f"export.standard.objectives.{dimension}", lang, n=t(f"export.standard.sub.{n + 1}", lang))


def _units(document, data: dict[str, Any], lang: str) -> None:
    widths = [1.2, 2.9, 4.0, 3.6, 1.45, 1.45, 1.4]
    heads = [t(f"export.standard.units.{k}", lang)
             for k in ("no", "unit", "content", "tasks", "theory", "practice", "total")]
    table = _table(document, widths, heads)
    for u in data["units"]:
        row = _row(table, [u["no"], u["title"], u["content"], u["learning_tasks"], u["hours_theory"],
                           u["hours_practice"], u["hours"]], widths)
        for i in (0, 4, 5, 6):
            row.cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    totals = data["unit_totals"]
    row = _row(table, [t("export.standard.total", lang), "", "", "", totals["theory"], totals["practice"],
                       totals["total"]], widths, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, shade=True)
    merged = row.cells[0].merge(row.cells[3])
    for extra in merged.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)


def _assessment(document, data: dict[str, Any], lang: str) -> None:
    widths = [1.1, 2.8, 4.0, 6.3, 1.8]
    heads = [t("export.standard.units.no", lang), t("export.standard.assessment.category", lang),
             t("export.standard.assessment.item", lang), t("export.standard.assessment.method", lang),
             t("export.standard.assessment.weight", lang)]
    table = _table(document, widths, heads)
    for a in data["assessment"]:
        row = _row(table, [a["no"], a["category"], a["name"], a["method"], _number(a["weight"])], widths)
        for i in (0, 1, 4):
            row.cells[i].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    row = _row(table, [t("export.standard.total", lang), "", "", "", _number(data["weight_total"])], widths,
               bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, shade=True)
    merged = row.cells[0].merge(row.cells[3])
    for extra in merged.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)


def _signoff(document, data: dict[str, Any], lang: str) -> None:
    widths = [6.0, 5.0, 5.0]
    table = _table(document, widths, [t("export.standard.signoff.side", lang),
                                      t("export.standard.signoff.signed_by", lang),
                                      t("export.standard.signoff.date", lang)])
    blank = t("export.standard.signoff.blank", lang)
    for side in ("school", "enterprise"):
        signed = data["signoff"][side]
        row = _row(table, [t(f"export.standard.signoff.{side}", lang), signed["name"] or blank,
                           signed["date"] or blank], widths, align=WD_ALIGN_PARAGRAPH.CENTER)
        row.height = Cm(1.2)


def _page_setup(document, data: dict[str, Any], lang: str) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.4)
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if data["draft_mark"]:
        _fonts(header.add_run(_xml_safe(data["page_header"])), size=Pt(12), bold=True, color=RED,
               east_asia=CJK_HEADING_FONT)
    else:
        _fonts(header.add_run(_xml_safe(data["page_header"])), size=Pt(9))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text = t("export.standard.page_footer", lang, page="\x00PAGE\x00", pages="\x00NUMPAGES\x00")
    for part in text.split("\x00"):
        if part in ("PAGE", "NUMPAGES"):
            _field(footer, part)
        elif part:
            _fonts(footer.add_run(part), size=Pt(9))


def _font_fallbacks(document) -> None:
    """Declare 宋体 and 黑体 in the font table with Noto Serif / Sans CJK SC as their alternative names,
    which Word and LibreOffice use where the Windows fonts are not installed."""
    part = next((p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if part is None:
        return
    root = etree.fromstring(part.blob)
    for name in (CJK_FONT, CJK_HEADING_FONT):
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt = etree.SubElement(font, qn("w:altName"))
        alt.set(qn("w:val"), CJK_FALLBACKS[name])
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")  # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "roman" if name == CJK_FONT else "modern")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _section_titles(data: dict[str, Any], lang: str) -> list[tuple[int, str, str]]:
    """(level, key, text) of every heading, in document order (the TOC lists the same)."""
    titles = []
    for n, key in enumerate(("nature", "design", "analysis", "objectives", "content", "teaching", "assessment",
                             "resources"), start=1):
        titles.append((1, key, t("export.standard.numbered", lang, n=t(f"export.standard.num.{n}", lang),
                                 title=data["sections"][key])))
        if key == "objectives":
            titles += [(2, f"objectives.{d}", _objective_heading(d, i, lang)) for i, d in enumerate(DIMENSIONS)]
    titles.append((1, "signoff", t("export.standard.signoff.title", lang)))
    return titles


def build_standard_document(data: dict[str, Any]):
    """The python-docx ``Document`` of a standard (see ``standard_data``)."""
    lang = data["lang"]
    document = Document()
    _font_fallbacks(document)
    normal = document.styles["Normal"]
    _fonts(normal, size=BODY_SIZE)
    normal.paragraph_format.line_spacing = 1.15
    _heading_styles(document)
    _page_setup(document, data, lang)
    _paragraph(document, data["title"], bold=True, size=Pt(16), align=WD_ALIGN_PARAGRAPH.CENTER, heading=True,
               space_after=6)
    _paragraph(document, data["banner"], bold=True, color=RED if data["draft_mark"] else None,
               align=WD_ALIGN_PARAGRAPH.CENTER, space_after=6)
    _header_block(document, data)
    titles = _section_titles(data, lang)
    _toc(document, lang, [(level, text) for level, _, text in titles])
    heading_text = {key: text for level, key, text in titles if level == 1}

    def heading(key: str) -> None:
        _heading(document, heading_text[key], 1)

    def prose(text: str) -> None:
        for part in [x for x in str(text).split("\n") if x.strip()] or [t("export.standard.none", lang)]:
            _paragraph(document, part, indent=True)

    heading("nature")
    prose(data["nature"])
    prose(t("export.standard.prerequisites", lang, courses=data["prerequisites"] or t("export.standard.none", lang)))
    prose(t("export.standard.follow_on", lang, courses=data["follow_on"] or t("export.standard.none", lang)))
    heading("design")
    prose(data["design_rationale"])
    heading("analysis")
    _analysis(document, data, lang)
    heading("objectives")
    _objectives(document, data, lang)
    heading("content")
    _units(document, data, lang)
    heading("teaching")
    prose(data["teaching_methods"])
    heading("assessment")
    _assessment(document, data, lang)
    heading("resources")
    prose(data["resources"])
    heading("signoff")
    _signoff(document, data, lang)
    props = document.core_properties
    props.title = data["title"]
    props.author = data["header"][8][1] or "CoStandard"
    props.comments = "CoStandard"
    return document


def export_standard_docx(
    engine: Engine, *, actor: Actor, standard_id: int, lang: str = "zh", progress: Progress | None = None,
) -> ExportFile:
    """The course standard as an A4 Word document; the file name carries programme, course, status, language, date."""
    require_export(actor)
    check_lang(lang)
    report = ProgressReporter(progress)
    report(0.0, "read")
    data = standard_data(engine, standard_id=standard_id, lang=lang)
    report(0.3, "write")
    buffer = io.BytesIO()
    build_standard_document(data).save(buffer)
    report(1.0, "done")
    return ExportFile(buffer.getvalue(), standard_filename(program_code=data["program"]["code"],
                                                           course_code=data["course"]["code"], status=data["status"],
                                                           lang=lang, ext="docx"),
                      MEDIA_TYPES["docx"])
