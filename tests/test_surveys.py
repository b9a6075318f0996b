"""Verification surveys: aggregation rules, invitations, own-answers-only, closing sets importance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services import framework, surveys
from services.actor import SYSTEM
from services.coverage import compute_coverage
from services.errors import Conflict, PermissionDenied, ValidationFailed
from services.history import audit_events
from services.notifications import list_notifications
from tests.factories import make_framework, make_program, make_user


def test_aggregate_median_mean_iqr_and_criticality():
    """Three raters: the statistics follow the documented formulas; "not relevant" is counted apart."""
    answers = [{"importance": 5, "frequency": 6, "difficulty": 2}, {"importance": 4, "frequency": 4, "difficulty": 3},
               {"importance": 2, "frequency": 5, "difficulty": 4}, {"not_relevant": True}]
    out = surveys.aggregate(answers)
    assert out["raters"] == 4 and out["not_relevant"] == 1
    assert out["importance_median"] == 4.0 and out["importance_mean"] == pytest.approx(11 / 3, abs=1e-3)
    # quartiles of [2, 4, 5] by linear interpolation: 3.0 and 4.5
    assert out["importance_iqr"] == 1.5 and out["low_agreement"] is True
    assert out["criticality"] == pytest.approx(round(11 / 3 * 5.0, 3))
    assert out["importance"] == 4


def test_aggregate_rounds_half_up_and_agreeing_raters_are_not_flagged():
    out = surveys.aggregate([{"importance": 4, "frequency": 3, "difficulty": 1},
                             {"importance": 5, "frequency": 3, "difficulty": 1}])
    assert out["importance_median"] == 4.5 and out["importance"] == 5
    assert out["importance_iqr"] == 0.5 and out["low_agreement"] is False
    nobody = surveys.aggregate([{"not_relevant": True}])
    assert nobody["importance"] is None and nobody["criticality"] is None and nobody["low_agreement"] is False


def _setup(engine):
    program = make_program(engine)
    nodes = make_framework(engine, program["id"], tasks=1, per_task=3, importance=3)
    role = framework.create_job_role(engine, actor=SYSTEM, program_id=program["id"], name="运维员")
    framework.update_node(engine, actor=SYSTEM, node_id=nodes["1.1"]["id"], expected_version=nodes["1.1"]["version"],
                          changes={"job_role_id": role["id"]})
    lead = make_user(engine, role="lead")
    m1, m2 = make_user(engine, role="mentor"), make_user(engine, role="mentor")
    return program, nodes, role, lead, m1, m2


def _answer_all(engine, access, values, **who):
    for item in surveys.rating_form(engine, access=access):
        surveys.save_answer(engine, item_id=item["item_id"], **values, **who)


def test_two_mentors_rate_close_and_coverage_weights_follow(engine):
    """The whole flow on both databases: invite, rate, only own answers, close, importance set, audited."""
    program, nodes, role, lead, m1, m2 = _setup(engine)
    survey = surveys.open_survey(engine, actor=lead, job_role_id=role["id"])
    assert survey["items"] == 3
    surveys.invite_users(engine, actor=lead, survey_id=survey["id"], user_ids=[m1.id, m2.id])
    invited = [n for n in list_notifications(engine, actor=m1) if n["kind"] == "survey_invitation"]
    assert [n["entity_id"] for n in invited] == [survey["id"]]
    a1 = surveys.rater_access(engine, survey_id=survey["id"], actor=m1)
    a2 = surveys.rater_access(engine, survey_id=survey["id"], actor=m2)
    _answer_all(engine, a1, {"importance": 5, "frequency": 7, "difficulty": 2}, actor=m1)
    _answer_all(engine, a2, {"importance": 4, "frequency": 5, "difficulty": 3}, actor=m2)
    assert {i["answer"]["importance"] for i in surveys.rating_form(engine, access=a2)} == {4}
    assert [s["answered"] for s in surveys.surveys_to_fill(engine, actor=m1)] == [3]
    with pytest.raises(Conflict):
        surveys.survey_results(engine, survey_id=survey["id"])
    weighted_before = compute_coverage(engine, program_id=program["id"]).by_competency
    assert set(weighted_before["importance"].dropna()) == {3}

    closed = surveys.close_survey(engine, actor=lead, survey_id=survey["id"], expected_version=1)
    assert closed == {"id": survey["id"], "items": 3, "importance_changed": 3, "low_agreement": 0}
    results = surveys.survey_results(engine, survey_id=survey["id"])
    first = results["items"][0]
    assert first["raters"] == 2 and first["importance_median"] == 4.5 and first["previous_importance"] == 3
    assert first["applied_importance"] == 5 and first["importance_now"] == 5
    assert first["distribution"] == {1: 0, 2: 0, 3: 0, 4: 1, 5: 1}
    assert first["criticality"] == pytest.approx(4.5 * 6.0)
    after = compute_coverage(engine, program_id=program["id"]).by_competency
    assert set(after["importance"].dropna()) == {5}
    node = framework.get_node(engine, node_id=nodes["1.1.1"]["id"])
    assert node["importance"] == 5
    history = audit_events(engine, actor=SYSTEM, entity_type="competency", entity_id=nodes["1.1.1"]["id"])
    assert any(b == {"importance": 3} and a == {"importance": 5} for b, a in zip(history["before"], history["after"],
                                                                                 strict=True))
    # a manual override after the survey still works
    framework.update_node(engine, actor=lead, node_id=node["id"], expected_version=node["version"],
                          changes={"importance": 2})
    assert framework.get_node(engine, node_id=node["id"])["importance"] == 2
    with pytest.raises(Conflict):
        surveys.save_answer(engine, item_id=first["item_id"], importance=1, frequency=1, difficulty=1, actor=m1)
    cli = surveys.program_survey_results(engine, program_code=program["code"])["competencies"]
    assert cli["1.1.1"]["importance_in_effect"] == 2 and cli["1.1.1"]["raters"] == 2


def test_invitation_link_is_scoped_expiring_and_revocable(engine):
    _, _, role, lead, m1, _ = _setup(engine)
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    survey = surveys.open_survey(engine, actor=lead, job_role_id=role["id"])
    other = surveys.open_survey(engine, actor=lead, job_role_id=role["id"], title="second")
    link = surveys.create_invitation_link(engine, actor=lead, survey_id=survey["id"], name="赵师傅", days=7, now=now)
    assert len(link["token"]) >= 32 and link["link"] is True
    access = surveys.rater_access(engine, token=link["token"], now=now + timedelta(days=1))
    assert access.survey_id == survey["id"] and access.name == "赵师傅"
    item = surveys.rating_form(engine, access=access)[0]
    surveys.save_answer(engine, item_id=item["item_id"], not_relevant=True, token=link["token"],
                        now=now + timedelta(days=1))
    other_item = surveys.rating_form(engine, access=surveys.RaterAccess(other["id"], 0, "", "", ""))[0]
    with pytest.raises(PermissionDenied):
        surveys.save_answer(engine, item_id=other_item["item_id"], not_relevant=True, token=link["token"],
                            now=now + timedelta(days=1))
    with pytest.raises(PermissionDenied) as expired:
        surveys.rater_access(engine, token=link["token"], now=now + timedelta(days=8))
    assert expired.value.key == "survey.error.link_expired"
    surveys.revoke_invitation(engine, actor=lead, rater_id=link["id"])
    with pytest.raises(PermissionDenied) as revoked:
        surveys.rater_access(engine, token=link["token"], now=now + timedelta(days=1))
    assert revoked.value.key == "survey.error.link_revoked"
    with pytest.raises(PermissionDenied):
        surveys.rater_access(engine, token="not-a-token")
    with pytest.raises(PermissionDenied):  # an account not invited
        surveys.rater_access(engine, survey_id=survey["id"], actor=m1)


def test_bad_answers_and_roles_are_refused(engine):
    _, _, role, lead, m1, _ = _setup(engine)
    faculty = make_user(engine, role="faculty")
    with pytest.raises(PermissionDenied):
        surveys.open_survey(engine, actor=faculty, job_role_id=role["id"])
    survey = surveys.open_survey(engine, actor=lead, job_role_id=role["id"])
    surveys.invite_users(engine, actor=lead, survey_id=survey["id"], user_ids=[m1.id, m1.id])
    assert len(surveys.survey_raters(engine, actor=lead, survey_id=survey["id"])) == 1
    access = surveys.rater_access(engine, survey_id=survey["id"], actor=m1)
    item = surveys.rating_form(engine, access=access)[0]
    with pytest.raises(ValidationFailed) as bad:
        surveys.save_answer(engine, item_id=item["item_id"], importance=6, frequency=0, difficulty=3, actor=m1)
    assert {e.field for e in bad.value.errors} == {"importance", "frequency"}
    assert surveys.rating_form(engine, access=access)[0]["answer"] is None
    with pytest.raises(Conflict):
        surveys.close_survey(engine, actor=lead, survey_id=survey["id"], expected_version=7)


def test_demo_programme_has_a_closed_survey_that_keeps_the_files_importance(seeded_engine):
    """The demo seed writes a closed survey through the service; medians round to the file's importance."""
    import json

    from services.demo import DEMO_DIR, _all_nodes
    from services.programs import get_program

    program = get_program(seeded_engine, code="460305")
    [survey] = surveys.list_surveys(seeded_engine, program_id=program["id"])
    assert survey["status"] == "closed" and survey["raters"] == 5 and survey["finished"] == 5
    data = json.loads((DEMO_DIR / "460305_industrial_robotics.json").read_text(encoding="utf-8"))
    in_file = {n["code"]: n.get("importance") for n in _all_nodes(data["framework"])}
    items = surveys.survey_results(seeded_engine, survey_id=survey["id"])["items"]
    assert {i["code"]: i["importance_now"] for i in items} == {i["code"]: in_file[i["code"]] for i in items}
    assert [i["code"] for i in items if i["low_agreement"]] == data["surveys"][0]["discuss"]
    assert all(i["raters"] == 5 and i["criticality"] is not None for i in items)


def test_a_survey_can_cover_the_roles_tasks_too(engine):
    _, nodes, role, lead, m1, _ = _setup(engine)
    survey = surveys.open_survey(engine, actor=lead, job_role_id=role["id"], include_tasks=True)
    surveys.invite_users(engine, actor=lead, survey_id=survey["id"], user_ids=[m1.id])
    form = surveys.rating_form(engine, access=surveys.rater_access(engine, survey_id=survey["id"], actor=m1))
    assert [i["code"] for i in form] == ["1.1", "1.1.1", "1.1.2", "1.1.3"]
    _answer_all(engine, surveys.rater_access(engine, survey_id=survey["id"], actor=m1),
                {"importance": 4, "frequency": 3, "difficulty": 2}, actor=m1)
    surveys.close_survey(engine, actor=lead, survey_id=survey["id"], expected_version=1)
    assert framework.get_node(engine, node_id=nodes["1.1"]["id"])["importance"] == 4
