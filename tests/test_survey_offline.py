"""Offline rating: the blank survey workbook, filled in and brought back through the ``ratings`` import,
joins the survey as offline raters and counts when it closes."""

from __future__ import annotations

import io

import openpyxl

from services.exports.survey_workbook import blank_survey_workbook
from services.framework import list_job_roles
from services.importing import analyse, commit
from services.programs import get_program
from services.surveys import add_offline_ratings, close_survey, open_survey, survey_raters, survey_results
from services.users import get_actor


def test_blank_workbook_round_trip_through_the_ratings_import(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    role = next(r for r in list_job_roles(seeded_engine, program_id=program["id"]) if r["name"] == "工业视觉系统运维员")
    lead = get_actor(seeded_engine, username="lead")
    blank = blank_survey_workbook(seeded_engine, actor=lead, job_role_id=role["id"], lang="zh")
    book = openpyxl.load_workbook(io.BytesIO(blank.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["评分人", "编码", "职业能力"] and "使用频率（1–7）" in header
    codes = [sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)]
    assert len(codes) == 5 and "1 每年一次或更少" in [c.value for c in book.worksheets[1]["A"]]
    # two raters fill it in one long sheet; the second finds the last item not relevant
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    sheet.delete_rows(2, sheet.max_row)
    for name, value in (("钱工", 4), ("孙工", 2)):
        for n, (_, code, statement, *_rest) in enumerate(rows):
            blank_scales = name == "孙工" and n == len(rows) - 1
            sheet.append([name, code, statement, *((None,) * 3 if blank_scales else (value, 5, 3)), ""])
    filled = io.BytesIO()
    book.save(filled)
    preview = analyse(filled.getvalue(), "survey.xlsx", engine=seeded_engine, program_code="460305", kind="ratings")
    assert preview.ok, preview.errors
    assert commit(seeded_engine, actor=lead, preview=preview).ok

    survey = open_survey(seeded_engine, actor=lead, job_role_id=role["id"])
    assert add_offline_ratings(seeded_engine, actor=lead, survey_id=survey["id"]) == {"raters": 2, "answers": 10}
    assert add_offline_ratings(seeded_engine, actor=lead, survey_id=survey["id"]) == {"raters": 2, "answers": 10}
    raters = survey_raters(seeded_engine, actor=lead, survey_id=survey["id"])
    assert sorted((r["name"], r["offline"], r["answered"]) for r in raters) == [("孙工", True, 5), ("钱工", True, 5)]
    close_survey(seeded_engine, actor=lead, survey_id=survey["id"], expected_version=1)
    items = {i["code"]: i for i in survey_results(seeded_engine, survey_id=survey["id"])["items"]}
    first, last = items[codes[0]], items[codes[-1]]
    assert first["raters"] == 2 and first["importance_median"] == 3.0 and first["applied_importance"] == 3
    assert last["not_relevant"] == 1 and last["importance_median"] == 4.0
