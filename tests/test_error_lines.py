"""#11 item 1: domain errors read in the user's language through the one formatter (services.errors.error_lines)."""

from __future__ import annotations

import re

import pytest

from services import courses, programs
from services.actor import SYSTEM
from services.errors import ValidationFailed, error_lines
from tests.factories import make_program

LATIN = re.compile(r"[A-Za-z]{3,}")


def _lines(call) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        call()
    return error_lines(info.value, "zh")


def test_programme_and_course_errors_are_chinese_and_name_the_field(sqlite_engine):
    """A duplicate code or a blank name reads as Chinese, naming the field by its label."""
    program = make_program(sqlite_engine, code="P9")
    lines = _lines(lambda: programs.create_program(sqlite_engine, actor=SYSTEM, code="P9", name="重复"))
    assert lines == ["专业编码 P9 已存在，请换一个编码。"]
    lines = _lines(lambda: programs.create_program(sqlite_engine, actor=SYSTEM, code="", name=" "))
    assert "「编码」须为 1–32 个字符。" in lines and "「名称」必填。" in lines
    course = dict(code="C1", name="课程", course_type="professional_core", credits=2, hours_theory=16,
                  hours_practice=16, semester=1)
    courses.create_course(sqlite_engine, actor=SYSTEM, program_id=program["id"], **course)
    lines = _lines(lambda: courses.create_course(sqlite_engine, actor=SYSTEM, program_id=program["id"], **course))
    assert lines == ["本专业已有课程代码 C1，请换一个代码。"]
    bad = {**course, "code": "C2", "credits": 99, "semester": 13}
    lines = _lines(lambda: courses.create_course(sqlite_engine, actor=SYSTEM, program_id=program["id"], **bad))
    assert len(lines) == 2 and not any(LATIN.search(line) for line in lines), lines
