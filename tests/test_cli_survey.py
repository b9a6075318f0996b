"""manage.py survey-results through a subprocess on a seeded demo database with a closed survey."""

from __future__ import annotations

import json

from services.framework import list_job_roles
from services.programs import get_program
from services.surveys import close_survey, invite_users, open_survey, rater_access, rating_form, save_answer
from services.users import get_actor
from tests.test_manage import run


def test_survey_results_json_and_exit_codes(seeded_engine, seeded_sqlite_path):
    program = get_program(seeded_engine, code="460305")
    role = list_job_roles(seeded_engine, program_id=program["id"])[0]
    lead, mentor = get_actor(seeded_engine, username="lead"), get_actor(seeded_engine, username="mentor")
    survey = open_survey(seeded_engine, actor=lead, job_role_id=role["id"])
    invite_users(seeded_engine, actor=lead, survey_id=survey["id"], user_ids=[mentor.id])
    items = rating_form(seeded_engine, access=rater_access(seeded_engine, survey_id=survey["id"], actor=mentor))
    save_answer(seeded_engine, item_id=items[0]["item_id"], importance=2, frequency=6, difficulty=4, actor=mentor)
    save_answer(seeded_engine, item_id=items[1]["item_id"], not_relevant=True, actor=mentor)
    close_survey(seeded_engine, actor=lead, survey_id=survey["id"], expected_version=1)
    url = f"sqlite:///{seeded_sqlite_path}"

    result = run("--db", url, "survey-results", "--program", "460305", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["program"] == "460305" and {i["code"] for i in items} <= set(data["competencies"])
    first, second = data["competencies"][items[0]["code"]], data["competencies"][items[1]["code"]]
    assert first["raters"] == 1 and first["importance_median"] == 2.0 and first["frequency_median"] == 6.0
    assert first["difficulty_median"] == 4.0 and first["importance_in_effect"] == 2 and first["low_agreement"] is False
    assert second["not_relevant"] == 1 and second["importance_median"] is None
    text = run("--db", url, "survey-results", "--program", "460305")
    assert text.returncode == 0 and items[0]["code"] in text.stdout
    assert run("--db", url, "survey-results", "--program", "NOPE", "--json").returncode == 1
    assert run("--db", url, "survey-results").returncode == 2
