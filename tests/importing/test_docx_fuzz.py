"""Property-based fuzzing (hypothesis) of the Word reader, for a fixed example budget and seed.

Any bytes, and a good file with bytes changed, are read or refused with ``ImportRejected`` — never another
exception; a unit's text written into a table cell reads back exactly (control characters aside).
"""

from __future__ import annotations

import io
import random

from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.importing.docx_standard import read_standard_docx
from services.importing.records import ImportRejected
from services.textguard import has_controls, strip_controls
from tests.importing.docx_fixtures import school_docx

BUDGET = settings(max_examples=60, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GOOD = school_docx()
CELL_TEXT = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40).filter(
    lambda s: s.strip())


def _texts(reading) -> list[str]:
    return [*(o["text"] for o in reading.objectives), *(u["content"] for u in reading.units),
            *reading.header.values()]


@BUDGET
@given(data=st.binary(max_size=3000), ext=st.sampled_from(["docx", "docm", "doc", "dotx"]))
def test_any_bytes_are_read_or_refused(data, ext):
    """Random bytes under any Word extension: ``ImportRejected`` with an import error key (or a reading)."""
    try:
        reading = read_standard_docx(data, f"fuzz.{ext}")
    except ImportRejected as exc:
        assert exc.issues and exc.issues[0].key.startswith("import.error.")
        return
    assert not any(has_controls(t) for t in _texts(reading))


@BUDGET
@given(seed=st.integers(0, 10_000), changes=st.integers(1, 40))
def test_a_damaged_good_file_is_read_or_refused(seed, changes):
    """A good school file with bytes overwritten: read (without control characters) or refused, never a crash."""
    rng = random.Random(seed)
    data = bytearray(GOOD)
    for _ in range(changes):
        data[rng.randrange(len(data))] = rng.randrange(256)
    try:
        reading = read_standard_docx(bytes(data), "damaged.docx")
    except ImportRejected as exc:
        assert exc.issues[0].file == "damaged.docx"
        return
    assert not any(has_controls(t) for t in _texts(reading))


@BUDGET
@given(text=CELL_TEXT)
def test_unit_content_reads_back_as_written(text):
    """Any text in a unit's 内容 cell comes back exactly (surrounding spaces and control characters aside)."""
    document = Document()
    document.add_paragraph("一、课程内容与要求")
    table = document.add_table(rows=2, cols=4)
    for col, label in enumerate(("序号", "学习单元", "内容与要求", "学时")):
        table.cell(0, col).text = label
    for col, value in enumerate(("1", "单元一", text, "4")):
        table.cell(1, col).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    reading = read_standard_docx(buffer.getvalue(), "fuzz.docx")
    assert [u["content"] for u in reading.units] == [strip_controls(text).strip()]
