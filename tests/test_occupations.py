"""A job role seeded from a shipped ESCO or O*NET occupation, through the import engine."""

from __future__ import annotations

import pytest

from services.actor import SYSTEM
from services.errors import NotFound, PermissionDenied
from services.framework import framework_frame, list_job_roles
from services.occupations import search_occupations, seed_job_role
from services.programs import get_program
from services.users import get_actor


def test_search_finds_esco_and_onet_occupations_by_label_alt_label_and_code():
    assert [o["label"] for o in search_occupations("mechatronics")] == ["mechatronics engineering technician"]
    assert {o["source"] for o in search_occupations("")} == {"esco", "onet"}
    assert search_occupations("49-9041")[0]["label"] == "Industrial Machinery Mechanics"
    assert search_occupations("robot operative")[0]["label"] == "industrial robot controller"  # an alt label
    assert search_occupations("no such job") == []


def test_an_esco_seeded_job_role_brings_its_essential_and_optional_skills(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    occupation = search_occupations("mechatronics")[0]
    result = seed_job_role(seeded_engine, actor=get_actor(seeded_engine, username="lead"), program_code="460305",
                           source="esco", occupation_id=occupation["id"])
    assert result["ok"] and result["created"]["competency"] == occupation["items"]
    role = next(r for r in list_job_roles(seeded_engine, program_id=program["id"])
                if r["name"] == "mechatronics engineering technician")
    assert role["external_uri"] == occupation["id"] and role["source"] == "esco"
    frame = framework_frame(seeded_engine, program_id=program["id"])
    leaves = frame[(frame["kind"] == "competency") & (frame["job_role_id"] == role["id"])]
    assert len(leaves) == occupation["items"] and set(leaves["importance"].dropna()) <= {3, 5}
    again = seed_job_role(seeded_engine, actor=SYSTEM, program_code="460305", source="esco",
                          occupation_id=occupation["id"])
    assert again["ok"] and not any(again["created"].values())  # the same occupation twice adds nothing


def test_onet_tasks_seed_a_role_and_mentors_and_unknown_occupations_are_refused(seeded_engine):
    result = seed_job_role(seeded_engine, actor=SYSTEM, program_code="460305", source="onet",
                           occupation_id="49-9041.00")
    assert result["ok"] and result["created"]["competency"] == search_occupations("49-9041")[0]["items"]
    with pytest.raises(PermissionDenied):
        seed_job_role(seeded_engine, actor=get_actor(seeded_engine, username="mentor"), program_code="460305",
                      source="esco", occupation_id=search_occupations("mechatronics")[0]["id"])
    with pytest.raises(NotFound):
        seed_job_role(seeded_engine, actor=SYSTEM, program_code="460305", source="esco", occupation_id="x")
