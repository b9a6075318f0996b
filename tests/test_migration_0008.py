"""0008 (industry) adds the survey and change-mark tables and the job-role / competency columns with
defaults for existing rows, and downgrades cleanly."""

from __future__ import annotations

import json

from sqlalchemy import inspect, text

from services.migrate import current_revision, upgrade
from tests.test_migration_0002 import _downgrade, blank_engine  # noqa: F401  (the fixture)

NEW_TABLES = {"survey", "survey_item", "survey_rater", "survey_answer", "change_mark", "competency_link"}


def test_upgrade_fills_defaults_for_existing_rows_and_downgrade_removes_everything(blank_engine):
    upgrade(blank_engine, "0007_last_visits")
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO program (code, name, language, description, is_demo, created_at, updated_at, "
                          "version) VALUES ('P1', '专业', 'zh', '', false, '2026-11-30', '2026-11-30', 1)"))
        conn.execute(text("INSERT INTO job_role (program_id, name, description, external_code, external_uri, source, "
                          "sort_order, version) VALUES (1, '运维员', '', '', '', 'manual', 0, 1)"))
        conn.execute(text("INSERT INTO competency (program_id, kind, code, statement, notes, external_uri, sort_order, status, "
                          "created_at, updated_at, version) VALUES (1, 'competency', '1', '能接线', '', '', 0, "
                          "'accepted', '2026-11-30', '2026-11-30', 1)"))
    upgrade(blank_engine, "0008_industry")  # later revisions are tested on their own
    assert current_revision(blank_engine) == "0008_industry"
    assert set(inspect(blank_engine).get_table_names()) >= NEW_TABLES
    with blank_engine.connect() as conn:
        panels, kind = conn.execute(text("SELECT dacum_panels, kind FROM job_role")).one()
        assert (json.loads(panels) if isinstance(panels, str) else panels) == {} and kind == "job"
        assert conn.execute(text("SELECT cert_level FROM competency")).scalar_one() == ""
    _downgrade(blank_engine, "0007_last_visits")
    assert not NEW_TABLES & set(inspect(blank_engine).get_table_names())
    assert {"dacum_panels", "kind"}.isdisjoint({c["name"] for c in inspect(blank_engine).get_columns("job_role")})
    assert "cert_level" not in {c["name"] for c in inspect(blank_engine).get_columns("competency")}
    with blank_engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM job_role")).scalar_one() == "运维员"
