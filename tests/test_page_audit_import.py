"""AppTest: the audit log after a bulk import — one event for the import, and filtered by a type the
import touched, one entry naming the file (not one row per imported competency)."""

from __future__ import annotations

import pytest

from services.importing import import_file
from services.users import get_actor
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from tests.workbooks import xlsx_bytes

pytestmark = pytest.mark.apptest
ROWS = [["工作领域", "工作任务", "能力编码", "职业能力"],
        *[["9 智能产线运维", "9.1 产线点检", f"9.1.{i}", f"能完成第{i}项点检"] for i in range(1, 31)]]


def test_audit_page_shows_an_import_once_and_by_entity_type(app_db):
    lead = get_actor(app_db, username="lead")
    result = import_file(app_db, actor=lead, data=xlsx_bytes(ROWS), filename="点检.xlsx", program_code="460305")
    assert result.ok and result.counts["created"]["competency"] == 30
    at = login("lead")
    at.switch_page("pages/audit.py").run()
    assert not at.exception, at.exception
    table = at.dataframe(key="audit_table").value
    summaries = [s for s in table.iloc[:, 6] if "点检.xlsx" in str(s)]
    assert len(summaries) == 1  # the import's one event, not one per row
    at.selectbox(key="audit_entity_type").select("competency").run()
    assert not at.exception, at.exception
    table = at.dataframe(key="audit_table").value
    imported = [s for s in table.iloc[:, 6] if "点检.xlsx" in str(s)]
    assert len(imported) == 1 and "created 32" in imported[0]  # 30 competencies, the area and the task
