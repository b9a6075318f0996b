"""Course standard exports (.xlsx and .docx) opened again: the school template of BRIEF §3."""

from __future__ import annotations

import io
import re

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm

from services import courses, users
from services.actor import SYSTEM
from services.errors import PermissionDenied
from services.exports import current_standard_id, export_standard_docx, export_standard_xlsx, standard_filename
from services.outline import code_sort_key
from tests.exports.conftest import approve, course_id, no_formulas, program_id, sheet_rows, workbook


def expected_analysis(engine, course_code: str) -> list[tuple[str, str, str]]:
    """(area code, task code, competency code) the standard is aligned to, in code order (from the course service)."""
    data = courses.get_course(engine, course_id=course_id(engine, course_code))
    codes = sorted({a["code"] for a in data["alignments"] if a["status"] != "rejected"}, key=code_sort_key)
    return [(c.split(".")[0], ".".join(c.split(".")[:2]), c) for c in codes]


def east_asian_font(paragraph, run) -> str | None:
    """The East-Asian font a run shows in: its own ``w:rFonts``, else its paragraph style's."""
    for rpr in (run.element.rPr, paragraph.style.element.rPr):
        rfonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if rfonts is not None and rfonts.get(qn("w:eastAsia")):
            return rfonts.get(qn("w:eastAsia"))
    return None


def docx_of(engine, standard_id: int, lang: str = "zh") -> docx.document.Document:
    return docx.Document(io.BytesIO(export_standard_docx(engine, actor=SYSTEM, standard_id=standard_id,
                                                         lang=lang).content))


def styled(document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def find_row(rows: list[tuple], first_cell: str) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] == first_cell)


def test_standard_xlsx_zh_follows_the_school_template(seeded_engine):
    """Header block, numbered sections, merged analysis table, unit and assessment totals, blank sign-off, draft mark."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    calls = []
    result = export_standard_xlsx(seeded_engine, actor=SYSTEM, standard_id=sid, lang="zh",
                                  progress=lambda f, m: calls.append(f))
    assert result.filename == standard_filename(program_code="460305", course_code="ZH3021", status="draft", lang="zh",
                                                ext="xlsx")
    assert result.filename.startswith("460305-ZH3021-课程标准-草稿-zh-") and result.filename.endswith(".xlsx")
    assert calls[-1] == 1.0 and calls == sorted(calls)
    wb = workbook(result.content)
    no_formulas(wb)
    ws = wb.worksheets[0]
    rows = sheet_rows(ws)
    assert "《工业机器人现场编程》课程标准" in rows[0][0] and "草稿" in rows[0][0] and "Draft" in rows[0][0]
    assert "草稿" in rows[1][0]  # the banner under the title
    header = {**{r[0]: r[2] for r in rows[2:9] if r[0]}, **{r[3]: r[4] for r in rows[2:9] if r[3]}}
    for label in ("课程名称", "课程编码", "课程类别", "适用专业", "授课单位", "开设学期", "学时", "学分", "执笔人",
                  "执笔日期", "审定人", "审定日期"):
        assert label in header, label
    assert header["课程编码"] == "ZH3021" and header["执笔日期"] == "2026-09-01" and header["学分"] == "5"
    assert header["学时"].startswith("80") and header["适用专业"] == "工业机器人技术（460305）"
    headings = [r[0] for r in rows if r and isinstance(r[0], str) and r[0][:2] in
                ("一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、")]
    assert headings == ["一、课程性质与定位", "二、课程设计思路", "三、工作任务与职业能力分析表", "四、课程目标",
                        "五、课程内容与要求", "六、教学实施建议", "七、考核评价", "八、教学资源与实施保障"]

    # analysis table: one row per competency, area and task cells merged over their children
    expected = expected_analysis(seeded_engine, "ZH3021")
    head = find_row(rows, "工作领域")
    body = rows[head + 1: head + 1 + len(expected)]
    assert [r[3].split(" ")[0] for r in body] == [c for _, _, c in expected]
    merged = {str(m) for m in ws.merged_cells.ranges}
    first = head + 2  # 1-based row of the first competency
    for key, (col_a, col_b) in ((0, ("A", "B")), (1, ("C", "C"))):
        groups: dict[str, list[int]] = {}
        for i, row in enumerate(expected):
            groups.setdefault(row[key], []).append(first + i)
        for code, members in groups.items():
            top, bottom = members[0], members[-1]
            assert ws[f"{col_a}{top}"].value.startswith(code + " ")
            if bottom > top:
                assert f"{col_a}{top}:{col_b}{bottom}" in merged, (code, top, bottom)
            else:
                assert col_a == col_b or f"{col_a}{top}:{col_b}{top}" in merged
    assert any(m.endswith(f"{first + len(expected) - 1}") and m.startswith("A") for m in merged)

    # units with a total row equal to the course hours; assessment weights add up to 100
    units_head = find_row(rows, "序号")
    total_row = next(i for i in range(units_head, len(rows)) if rows[i][0] == "合计")
    units = rows[units_head + 1: total_row]
    assert len(units) == 6
    assert rows[total_row][4:7] == (sum(u[4] for u in units), sum(u[5] for u in units), 80)
    assess_head = next(i for i in range(total_row, len(rows)) if rows[i][0] == "序号")
    assess_total = next(i for i in range(assess_head, len(rows)) if rows[i][0] == "合计")
    assert len(rows[assess_head + 1: assess_total]) == 5 and rows[assess_total][6] == 100

    # sign-off block: blank lines while not approved
    sign = find_row(rows, "审定与签署")
    assert rows[sign + 1][0] == "签署方"
    assert rows[sign + 2][2].startswith("＿") and rows[sign + 3][4].startswith("＿")

    # A4, repeated title row, page numbers, draft in the page header
    assert ws.page_setup.paperSize == 9
    assert ws.print_title_rows.replace("$", "") == "1:1"
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    assert "草稿" in ws.oddHeader.center.text
    assert ws.column_dimensions["D"].width > ws.column_dimensions["A"].width


def test_approved_standard_shows_signatures_and_no_draft_mark(seeded_engine):
    """Once both sides signed, the sign-off block names them with dates and the draft mark is gone (xlsx and docx)."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    approve(seeded_engine, sid)
    lead = users.get_actor(seeded_engine, username="lead")
    mentor = users.get_actor(seeded_engine, username="mentor")
    rows = sheet_rows(workbook(export_standard_xlsx(seeded_engine, actor=SYSTEM, standard_id=sid).content).worksheets[0])
    assert "草稿" not in rows[0][0] and not any(r[0] and "草稿" in str(r[0]) for r in rows)
    sign = find_row(rows, "审定与签署")
    assert rows[sign + 2][2] == lead.display_name and rows[sign + 3][2] == mentor.display_name
    assert len(rows[sign + 2][4]) == 10 and rows[sign + 2][4][:2] == "20"
    document = docx.Document(io.BytesIO(export_standard_docx(seeded_engine, actor=SYSTEM, standard_id=sid).content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "草稿" not in text
    signoff = document.tables[-1]
    assert signoff.cell(1, 1).text == lead.display_name and signoff.cell(2, 1).text == mentor.display_name
    assert "草稿" not in document.sections[0].header.paragraphs[0].text


def test_standard_docx_zh_structure(seeded_engine):
    """A4, 宋体 as East-Asian font (Noto fallbacks declared), repeated header rows, merged analysis cells, totals, PAGE."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    result = export_standard_docx(seeded_engine, actor=SYSTEM, standard_id=sid, lang="zh")
    assert result.filename.endswith(".docx") and "ZH3021" in result.filename
    document = docx.Document(io.BytesIO(result.content))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    paragraphs = [p.text for p in document.paragraphs]
    assert "草稿" in paragraphs[0] and "Draft" in paragraphs[0]
    assert "草稿" in section.header.paragraphs[0].text
    for heading in ("一、课程性质与定位", "三、工作任务与职业能力分析表", "五、课程内容与要求", "七、考核评价"):
        assert heading in paragraphs
    east_asian = {east_asian_font(p, r) for p in document.paragraphs for r in p.runs if r.text}
    assert east_asian <= {"宋体", "黑体"} and "宋体" in east_asian
    font_table = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    assert "Noto Serif CJK SC" in font_table.blob.decode("utf-8") and "宋体" in font_table.blob.decode("utf-8")
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml and "NUMPAGES" in footer_xml and "fldChar" in footer_xml

    tables = document.tables
    header_block, analysis = tables[0], tables[1]
    assert header_block.cell(0, 0).text == "课程名称" and header_block.cell(0, 3).text == "ZH3021"
    assert [c.text for c in analysis.rows[0].cells] == ["工作领域", "典型工作任务", "职业能力"]
    assert analysis.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    expected = expected_analysis(seeded_engine, "ZH3021")
    assert len(analysis.rows) == 1 + len(expected)
    assert [r.cells[2].text.split(" ")[0] for r in analysis.rows[1:]] == [c for _, _, c in expected]
    # vertical merges: one "restart" per area and task, "continue" for the other rows
    restarts = continues = 0
    for row in analysis.rows[1:]:
        for tc in row._tr.tc_lst[:2]:
            vmerge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            if vmerge is not None:
                if vmerge.get(qn("w:val")) == "restart":
                    restarts += 1
                else:
                    continues += 1
    areas = {a for a, _, _ in expected}
    tasks = {t for _, t, _ in expected}
    multi = sum(1 for a in areas if sum(1 for r in expected if r[0] == a) > 1) + \
        sum(1 for t in tasks if sum(1 for r in expected if r[1] == t) > 1)
    assert restarts == multi and continues == 2 * len(expected) - len(areas) - len(tasks)
    # the merged cell shows its area once
    assert analysis.cell(1, 0).text.startswith(expected[0][0] + " ")

    units = next(t for t in tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 7)
    assert units.rows[-1].cells[0].text == "合计" and units.rows[-1].cells[6].text == "80"
    assessment = next(t for t in tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 5)
    assert assessment.rows[-1].cells[4].text == "100" and len(assessment.rows) == 7
    signoff = tables[-1]
    assert signoff.cell(1, 1).text.startswith("＿") and signoff.cell(2, 2).text.startswith("＿")


def test_english_labels(seeded_engine):
    """--lang en prints every label in English (the content stays as written)."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    rows = sheet_rows(workbook(export_standard_xlsx(seeded_engine, actor=SYSTEM, standard_id=sid,
                                                    lang="en").content).worksheets[0])
    flat = [c for r in rows for c in r if isinstance(c, str)]
    assert rows[0][0].startswith("Course Standard: ") and "(Draft)" in rows[0][0]
    for label in ("Course code", "Work area", "Typical work task", "Competency", "Total", "Sign-off", "Weight (%)",
                  "1. Nature and role of the course", "8. Resources and support"):
        assert label in flat, label
    document = docx.Document(io.BytesIO(export_standard_docx(seeded_engine, actor=SYSTEM, standard_id=sid,
                                                             lang="en").content))
    assert "3. Work tasks and competencies" in [p.text for p in document.paragraphs]


def test_a_standard_without_alignments_says_so(engine):
    """An empty analysis table gets a one-line note instead of an empty grid (and totals of zero)."""
    from tests.standard_factories import make_world

    world = make_world(engine, complete=False)
    rows = sheet_rows(workbook(export_standard_xlsx(engine, actor=SYSTEM, standard_id=world.standard_id).content)
                      .worksheets[0])
    head = find_row(rows, "工作领域")
    assert "尚未对应" in rows[head + 1][0]
    document = docx.Document(io.BytesIO(export_standard_docx(engine, actor=SYSTEM,
                                                             standard_id=world.standard_id).content))
    assert "尚未对应" in document.tables[1].cell(1, 0).text


def test_exports_need_a_signed_in_role(seeded_engine):
    """export.run is required; an unknown language is refused."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    with pytest.raises(PermissionDenied):
        export_standard_xlsx(seeded_engine, actor=None, standard_id=sid)
    faculty = users.get_actor(seeded_engine, username="faculty")
    assert export_standard_docx(seeded_engine, actor=faculty, standard_id=sid).content
    from services.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        export_standard_xlsx(seeded_engine, actor=SYSTEM, standard_id=sid, lang="fr")
    assert program_id(seeded_engine)


SECTION_HEADINGS_ZH = ["一、课程性质与定位", "二、课程设计思路", "三、工作任务与职业能力分析表", "四、课程目标",
                       "五、课程内容与要求", "六、教学实施建议", "七、考核评价", "八、教学资源与实施保障", "审定与签署"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_docx_headings_use_word_heading_styles_and_a_toc_field(seeded_engine, lang):
    """Section titles are "Heading 1", objective dimensions "Heading 2" (黑体, no theme font); a TOC field lists them."""
    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    document = docx_of(seeded_engine, sid, lang)
    heading1, heading2 = styled(document, "Heading 1"), styled(document, "Heading 2")
    if lang == "zh":
        assert heading1 == SECTION_HEADINGS_ZH
        assert heading2 == ["（一）知识目标", "（二）能力目标", "（三）素质目标"]
    else:
        assert heading1[0] == "1. Nature and role of the course" and heading1[-2] == "8. Resources and support"
        assert len(heading1) == 9 and len(heading2) == 3
    for level in (1, 2):
        rfonts = document.styles[f"Heading {level}"].element.rPr.find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) == "黑体" and rfonts.get(qn("w:ascii")) == "Times New Roman"
        assert rfonts.get(qn("w:eastAsiaTheme")) is None and rfonts.get(qn("w:asciiTheme")) is None
    assert document.styles["Normal"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    body = document.element.body.xml
    assert body.count('w:fldCharType="begin"') == 1 and 'TOC \\o "1-2"' in body
    # the field's cached result lists the headings (what LibreOffice shows), then the field ends before section 1
    texts = [p.text for p in document.paragraphs]
    toc_start = next(i for i, p in enumerate(document.paragraphs) if "TOC" in p._p.xml and "instrText" in p._p.xml)
    assert texts[toc_start: toc_start + len(heading1) + len(heading2)] == [
        *heading1[:4], *heading2, *heading1[4:]]
    assert toc_start < texts.index(heading1[0], toc_start + 1)
    update = document.settings.element.find(qn("w:updateFields"))
    assert update is not None and update.get(qn("w:val")) == "true"


def test_docx_status_label_for_each_status(seeded_engine):
    """Draft → 草稿, submitted → 审核中, approved → 已审定 with both signatures (who, side, date), on the first page."""
    from services import workflow
    from tests.standard_factories import version_of

    sid = current_standard_id(seeded_engine, program_code="460305", course_code="ZH3021")
    lead, mentor = users.get_actor(seeded_engine, username="lead"), users.get_actor(seeded_engine, username="mentor")

    def first_page(lang: str = "zh") -> tuple[list[str], str]:
        document = docx_of(seeded_engine, sid, lang)
        return [p.text for p in document.paragraphs[:2]], document.sections[0].header.paragraphs[0].text

    (title, banner), header = first_page()
    assert "草稿" in title and "草稿" in banner and "草稿" in header and "审核中" not in title + banner + header
    (title, banner), header = first_page("en")
    assert "Draft" in title and "Draft" in banner and "Draft" in header

    workflow.submit(seeded_engine, actor=lead, standard_id=sid, expected_version=version_of(seeded_engine, sid))
    (title, banner), header = first_page()
    assert "审核中" in title and "审核中" in banner and "审核中" in header and "草稿" not in title + banner + header
    (title, banner), header = first_page("en")
    assert "In review" in title and "In review" in banner and "In review" in header
    xlsx = export_standard_xlsx(seeded_engine, actor=SYSTEM, standard_id=sid)
    assert "审核中" in sheet_rows(workbook(xlsx.content).worksheets[0])[0][0] and "-审核中-zh-" in xlsx.filename

    workflow.sign(seeded_engine, actor=lead, standard_id=sid, expected_version=version_of(seeded_engine, sid))
    workflow.sign(seeded_engine, actor=mentor, standard_id=sid, expected_version=version_of(seeded_engine, sid))
    document = docx_of(seeded_engine, sid)
    title, banner = (p.text for p in document.paragraphs[:2])
    assert "草稿" not in title and "审核中" not in title
    for part in ("已审定", "学校", lead.display_name, "企业", mentor.display_name):
        assert part in banner, part
    assert len(re.findall(r"\d{4}-\d{2}-\d{2}", banner)) == 2
    assert "已审定" in document.sections[0].header.paragraphs[0].text
    signoff = document.tables[-1]
    assert [signoff.cell(r, 1).text for r in (1, 2)] == [lead.display_name, mentor.display_name]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", signoff.cell(r, 2).text) for r in (1, 2))
    en = docx_of(seeded_engine, sid, "en").paragraphs[1].text
    assert "Approved" in en and "school" in en and "enterprise" in en and mentor.display_name in en


def test_standard_file_names_carry_language_and_status():
    """One function names every standard export; the zh / en and draft / approved files never collide."""
    from datetime import date

    on = date(2026, 12, 1)
    assert standard_filename(program_code="460305", course_code="ZH3021", status="in_review", lang="zh", ext="docx",
                             on=on) == "460305-ZH3021-课程标准-审核中-zh-2026-12-01.docx"
    assert standard_filename(program_code="460305", course_code="ZH3021", status="in_review", lang="en", ext="docx",
                             on=on) == "460305-ZH3021-course-standard-in-review-en-2026-12-01.docx"
    names = {standard_filename(program_code="460305", course_code="ZH3021", status=s, lang=lang, ext=ext, on=on)
             for s in ("draft", "in_review", "approved") for lang in ("zh", "en") for ext in ("docx", "xlsx")}
    assert len(names) == 12
    odd = standard_filename(program_code='A/B:C*?"<>|', course_code="CON", status="draft", lang="en", ext="xlsx", on=on)
    assert not set('/\\:*?"<>|') & set(odd) and odd.startswith("A-B-C-_CON-course-standard-draft-en-")
    assert standard_filename(program_code=" 机电 一体化. ", course_code="X\tY", status="draft", lang="zh", ext="docx",
                             on=on) == "机电-一体化-X-Y-课程标准-草稿-zh-2026-12-01.docx"
