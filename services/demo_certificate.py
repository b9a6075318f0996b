"""The demo's certificate source (岗课赛证), loaded the way a lead would load one.

A ``certificates`` entry of a demo file (data/demo/FORMAT.md) is written out as the workbook a
1+X standard is typed into — a title row, 工作领域 | 工作任务 | 职业技能要求 | 等级 with the work areas
and tasks merged down their rows, plus a 岗位 column naming the certificate — and goes through the
import engine (kind ``framework``); the job role it creates becomes a certificate
(``framework.update_job_role``), the demo courses' alignments are proposed and accepted
(``alignments.propose_alignment``) and the links to job competencies are made
(``framework.link_competencies``): the same services a user's import and the 岗课赛证 page call.
"""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Competency, Course, JobRole, Program
from services import framework
from services.alignments import propose_alignment
from services.db import session_scope
from services.errors import ValidationFailed
from services.importing.api import import_file
from services.users import get_actor

HEADER = ("工作领域", "工作任务", "职业技能要求", "等级", "岗位")


def certificate_workbook(spec: dict[str, Any]) -> bytes:
    """The certificate's requirement table as an .xlsx laid out as the published standards are (pure)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "职业技能等级要求"
    sheet.append([spec.get("title", spec["name"])])
    sheet.append(list(HEADER))
    rows = spec["rows"]
    for row in rows:
        sheet.append([*row, spec["name"]])
    first = 3
    for column in (1, 2):  # an area or task cell spans its rows until the next one starts
        start = None
        for n, row in enumerate(rows):
            if row[column - 1]:
                if start is not None and n - 1 > start:
                    sheet.merge_cells(start_row=first + start, end_row=first + n - 1, start_column=column,
                                      end_column=column)
                start = n
        if start is not None and len(rows) - 1 > start:
            sheet.merge_cells(start_row=first + start, end_row=first + len(rows) - 1, start_column=column,
                              end_column=column)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def requirement_codes(spec: dict[str, Any]) -> list[str]:
    """The requirement codes of a certificate entry, as its rows write them (``V1.1.1 能…`` → ``V1.1.1``)."""
    return [str(row[2]).split(" ", 1)[0] for row in spec["rows"]]


def seed_certificate(engine: Engine, *, program_code: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Import one demo certificate, make its job role a certificate, align and link it (see the module)."""
    actor = get_actor(engine, username=spec.get("imported_by", "lead"))
    result = import_file(engine, actor=actor, data=certificate_workbook(spec), filename=spec["file"],
                         program_code=program_code, kind="framework")
    if not result.ok:
        raise ValidationFailed([e["message"] for e in result.errors] or ["certificate import rejected"])
    with session_scope(engine) as session:
        program_id = session.exec(select(Program.id).where(Program.code == program_code)).one()
        role = session.exec(select(JobRole).where(JobRole.program_id == program_id,
                                                  JobRole.name == spec["name"])).one()
        role_id, version = role.id, role.version
        ids = dict(session.exec(select(Competency.code, Competency.id)
                                .where(Competency.program_id == program_id)).all())
        courses = dict(session.exec(select(Course.code, Course.id).where(Course.program_id == program_id)).all())
    framework.update_job_role(engine, actor=actor, job_role_id=role_id, expected_version=version,
                              changes={"kind": "certificate", "description": spec.get("description", "")})
    for a in spec.get("alignments", []):
        propose_alignment(engine, actor=actor, level=a["level"], competency_id=ids[a["requirement"]],
                          course_id=courses[a["course"]], accept=True)
    for requirement, job_code in spec.get("links", []):
        framework.link_competencies(engine, actor=actor, a_id=ids[requirement], b_id=ids[job_code])
    return {"job_role_id": role_id, "requirements": len(spec["rows"])}
