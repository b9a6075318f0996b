"""The pieces every exporter shares: formula guard, file names, progress."""

from __future__ import annotations

import re
from datetime import date

import pytest

from services.exports.common import ProgressReporter, csv_safe, display_width, export_filename, is_formula_like


@pytest.mark.parametrize("text", ["=1+1", "+41 20", "-2", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_like_text_is_recognised_and_quoted_for_csv(text):
    """Text starting with = + - @ tab or CR gets a leading single quote in CSV."""
    assert is_formula_like(text)
    assert csv_safe(text) == "'" + text


@pytest.mark.parametrize("value, expected", [("能识读装配图", "能识读装配图"), ("1.2.3", "1.2.3"), (3, "3"), (None, ""),
                                             ("a=b", "a=b"), ("", "")])
def test_harmless_values_are_unchanged(value, expected):
    """Ordinary text, numbers and blanks pass through."""
    assert csv_safe(value) == expected
    assert not is_formula_like(expected)


def test_file_names_carry_programme_course_and_date_in_ascii():
    """``<programme>-<course>-<kind>-<date>.<ext>``, unsafe characters replaced."""
    on = date(2026, 9, 1)
    assert export_filename(program_code="460305", course_code="ZH3021", kind="standard", ext="docx", on=on) == \
        "460305-ZH3021-standard-2026-09-01.docx"
    name = export_filename(program_code="MECH/ENG 专业", kind="matrix", ext="xlsx", on=on)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and name.startswith("MECH-ENG") and name.endswith("2026-09-01.xlsx")
    assert export_filename(program_code="460305", kind="backup", ext="json").endswith(f"{date.today().year}"[:2] and ".json")


def test_progress_only_grows_and_ends_at_one():
    """The reporter drops tiny steps but always passes 1.0."""
    seen = []
    report = ProgressReporter(lambda f, m: seen.append(f))
    for i in range(1000):
        report(i / 1000)
    report(1.0, "done")
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) <= 102
    ProgressReporter(None)(0.5)  # no callback: nothing happens


def test_cjk_characters_count_double_for_widths():
    assert display_width("ZH3021") == 6 and display_width("课程") == 4
