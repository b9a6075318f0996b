"""A backup carries the industry-side fields: a job role's source kind and DACUM panels, a requirement's level."""

from __future__ import annotations

import json
import shutil

from services import dacum, framework
from services.actor import SYSTEM
from services.db import make_engine
from services.exports import export_backup, restore_backup
from tests.exports.conftest import parsed, program_id
from tests.factories import make_program


def test_source_kind_panels_and_levels_survive_export_and_restore(engine, sqlite_template, tmp_path):
    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    shutil.copy(sqlite_template, tmp_path / "target.db")
    source = engine
    program = make_program(source, code="X1")
    cert = framework.create_job_role(source, actor=SYSTEM, program_id=program["id"], name="1+X 证书",
                                     kind="certificate")
    dacum.save_panels(source, actor=SYSTEM, job_role_id=cert["id"], expected_version=cert["version"],
                      panels={"tools": "示教器\n万用表"})
    area = framework.create_node(source, actor=SYSTEM, program_id=program["id"], kind="area", code="1",
                                 statement="编程", job_role_id=cert["id"])
    framework.create_node(source, actor=SYSTEM, program_id=program["id"], kind="competency", code="1.1",
                          statement="能完成示教编程", parent_id=area["id"], cert_level="中级")
    first = parsed(export_backup(source, actor=SYSTEM, program_id=program["id"]).content)
    role = first["programs"][0]["job_roles"][0]
    assert role["kind"] == "certificate" and role["dacum_panels"]["tools"] == ["示教器", "万用表"]
    assert [n["cert_level"] for n in first["programs"][0]["framework"]] == ["", "中级"]
    report = restore_backup(target, actor=SYSTEM, data=json.dumps(first).encode())
    assert report.ok, report.errors
    second = parsed(export_backup(target, actor=SYSTEM, program_id=program_id(target, "X1")).content)
    target.dispose()
    assert second["programs"][0]["job_roles"][0]["kind"] == "certificate"
    assert second["programs"][0]["job_roles"][0]["dacum_panels"] == role["dacum_panels"]
    assert [n["cert_level"] for n in second["programs"][0]["framework"]] == ["", "中级"]


def test_a_national_standards_weight_tables_survive_export_and_restore(engine, sqlite_template, tmp_path):
    """The 比重表 imported with a 国家职业技能标准 go with its source into the backup and back."""
    from services.importing.api import import_file
    from services.sources import skill_weight_tables
    from tests.importing.test_skill_weights import standard_workbook

    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    shutil.copy(sqlite_template, tmp_path / "target.db")
    assert import_file(engine, actor=SYSTEM, data=standard_workbook(), filename="国家标准.xlsx", program_code="NS",
                       kind="framework").ok
    first = parsed(export_backup(engine, actor=SYSTEM, program_id=program_id(engine, "NS")).content)
    [role] = first["programs"][0]["job_roles"]
    assert len(role["skill_weights"]) == 18 and role["skill_weights"][0] == {
        "part": "theory", "section": "基本要求", "item": "职业道德", "level": "五级", "weight": 5.0}
    report = restore_backup(target, actor=SYSTEM, data=json.dumps(first).encode())
    assert report.ok, report.errors
    def tables(db):
        return [{k: v for k, v in t.items() if k != "job_role_id"} for t in skill_weight_tables(
            db, program_id=program_id(db, "NS"))]

    assert tables(target) == tables(engine) and tables(target)[0]["parts"]["skill"]["levels"] == ["五级", "四级", "三级"]
    again = parsed(export_backup(target, actor=SYSTEM, program_id=program_id(target, "NS")).content)
    assert again["programs"][0]["job_roles"][0]["skill_weights"] == role["skill_weights"]
    target.dispose()
