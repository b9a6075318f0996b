"""0012 adds the weight tables of 国家职业技能标准 sources (``skill_weight``) and downgrades cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from services.migrate import current_revision, upgrade
from tests.test_migration_0002 import _downgrade, blank_engine  # noqa: F401  (the fixture)


def test_upgrade_adds_the_weight_table_and_downgrade_removes_it(blank_engine):
    upgrade(blank_engine, "0011_user_email")
    with blank_engine.begin() as conn:
        conn.execute(text("INSERT INTO program (code, name, language, description, is_demo, created_at, updated_at, "
                          "version) VALUES ('P1', '专业', 'zh', '', false, '2026-11-30', '2026-11-30', 1)"))
        conn.execute(text("INSERT INTO job_role (program_id, name, description, external_code, external_uri, source, "
                          "sort_order, version, dacum_panels, kind) VALUES (1, '国家标准', '', '', '', 'manual', 0, 1, "
                          "'{}', 'certificate')"))
    upgrade(blank_engine, "0012_skill_weights")  # later revisions are tested on their own
    assert current_revision(blank_engine) == "0012_skill_weights"
    assert "skill_weight" in inspect(blank_engine).get_table_names()
    insert = text("INSERT INTO skill_weight (program_id, job_role_id, part, section, item, level, weight, sort_order) "
                  "VALUES (1, 1, 'skill', '技能要求', '设备安装', '五级', 40.0, 0)")
    with blank_engine.begin() as conn:
        conn.execute(insert)
    with pytest.raises(IntegrityError), blank_engine.begin() as conn:  # one cell per item and level
        conn.execute(insert)
    with blank_engine.begin() as conn:
        conn.execute(text("DELETE FROM job_role"))  # the source's weights go with it
        assert conn.execute(text("SELECT count(*) FROM skill_weight")).scalar_one() == 0
    _downgrade(blank_engine, "0011_user_email")
    assert "skill_weight" not in inspect(blank_engine).get_table_names()
    with blank_engine.connect() as conn:
        assert conn.execute(text("SELECT code FROM program")).scalar_one() == "P1"
