"""Ratings kind: DACUM survey rows stored per rater and competency."""

from __future__ import annotations

from sqlmodel import select

from models import Competency, Rating
from services.db import session_scope
from tests.factories import make_framework, make_program
from tests.importing.conftest import created, run_import, table_counts, updated, xlsx_bytes

SURVEY = [["企业专家问卷结果"], ["评分人", "能力编码", "重要程度", "频率", "难度", "意见"],
          ["张工", "1.1.1", 5, 7, 3, "核心"], ["李工", "1.1.1", 4, 6, 2, ""], ["张工", "1.1.2", "B", 3, 1, ""]]


def ratings(engine) -> dict[tuple[str, str], Rating]:
    with session_scope(engine) as session:
        rows = session.exec(select(Rating, Competency.code).join(Competency, Competency.id == Rating.competency_id))
        return {(code, r.rater): r for r, code in rows.all()}


def test_survey_rows_are_stored_per_rater(engine):
    """Each (competency, rater) is one rating; the same file again changes nothing; a new answer updates."""
    program = make_program(engine, code="P1")
    make_framework(engine, program["id"], tasks=1, per_task=2)
    preview, result = run_import(engine, xlsx_bytes(SURVEY), "survey.xlsx")
    assert preview.kind == "ratings" and result.ok, result.errors
    assert created(result) == {"rating": 3}
    got = ratings(engine)
    assert (got[("1.1.1", "张工")].importance, got[("1.1.1", "张工")].frequency) == (5, 7)
    assert got[("1.1.2", "张工")].importance == 3 and got[("1.1.1", "张工")].comment == "核心"
    _, again = run_import(engine, xlsx_bytes(SURVEY), "survey.xlsx")
    assert created(again) == {} and updated(again) == {}
    SURVEY_CHANGED = [*SURVEY[:3], ["李工", "1.1.1", 4, 5, 2, ""]]
    _, changed = run_import(engine, xlsx_bytes(SURVEY_CHANGED), "survey.xlsx")
    assert updated(changed) == {"rating": 1} and ratings(engine)[("1.1.1", "李工")].frequency == 5


def test_bad_survey_rows_are_rejected_whole(engine):
    """Out-of-scale answers, unknown competencies and a repeated rater: located errors, nothing written."""
    program = make_program(engine, code="P1")
    make_framework(engine, program["id"], tasks=1, per_task=2)
    rows = [SURVEY[1], ["张工", "1.1.1", 6, 8, 0, ""], ["王工", "9.9.9", 3, 3, 3, ""], ["李工", "1.1.2", 3, 3, 3, ""],
            ["李工", "1.1.2", 2, 2, 2, ""], ["", "1.1.1", 1, 1, 1, ""]]
    before = table_counts(engine)
    _, result = run_import(engine, xlsx_bytes(rows), "bad.xlsx", lang="en")
    assert not result.ok and table_counts(engine) == before
    keys = [(e["row"], e["key"]) for e in result.errors]
    assert (2, "import.error.rating_importance") in keys and (2, "import.error.rating_frequency") in keys
    assert (2, "import.error.rating_difficulty") in keys and (3, "import.error.unknown_competency") in keys
    assert (5, "import.error.duplicate_rating") in keys and (6, "import.error.rater_required") in keys
