"""Property-based fuzzing (hypothesis) of every parser, for a fixed example budget and a fixed seed.

Readers (any bytes, any extension), CSV text, the list-cell splitter, CASE JSON, backup JSON and the
control-character filter: each either gives its result or a clear rejection — never another exception.
"""

from __future__ import annotations

import csv
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.exports.backup import FORMAT, FORMAT_VERSION
from services.importing import analyse
from services.importing.readers import read_book
from services.importing.records import ImportRejected
from services.importing.restore import RestoreReport, read_backup
from services.importing.splits import may_hold_lists, may_split, single_item, split_statements
from services.textguard import CONTROL, CONTROL_CHAR, clean_tree, has_controls, strip_controls

BUDGET = settings(max_examples=150, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
EXTENSIONS = st.sampled_from(["csv", "tsv", "txt", "json", "xlsx", "xls", "ods", "bin", ""])
TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
                           lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
                           max_leaves=30)


@BUDGET
@given(data=st.binary(max_size=3000), ext=EXTENSIONS)
def test_any_bytes_are_read_or_rejected(data, ext):
    """Random bytes under any extension: a book without control characters, or ``ImportRejected``."""
    try:
        book = read_book(data, f"fuzz.{ext}" if ext else "fuzz")
    except ImportRejected as exc:
        assert exc.issues and exc.issues[0].key.startswith("import.error.")
        return
    for sheet in book.sheets:
        assert not any(isinstance(c, str) and has_controls(c) for row in sheet.rows for c in row)


@BUDGET
@given(rows=st.lists(st.lists(TEXT, min_size=2, max_size=2), min_size=1, max_size=12))
def test_csv_cells_come_back_as_written(rows):
    """A two-column CSV written by the csv module reads back cell for cell (control characters aside)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["code", "statement"], *rows])
    try:
        book = read_book(buffer.getvalue().encode("utf-8"), "fuzz.csv")
    except ImportRejected:
        return  # e.g. binary-looking control characters: refused, which is allowed
    if book.delimiter != ",":
        return  # a cell full of semicolons or tabs can out-vote the comma; the reading is then another one
    read = [list(map(str, r)) for r in book.sheets[0].rows]
    assert read[0] == ["code", "statement"]
    assert read[1:] == [[strip_controls(c) for c in row] for row in rows]


@BUDGET
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=300)
       | st.lists(st.sampled_from(["1.", "2、", "（3）", "①", "能完成", "；", "\n", " ", "a", "-"]), max_size=40)
       .map("".join))
def test_split_cells_never_raises_and_keeps_the_words(text):
    """The list-cell splitter returns None or non-empty items, each taken from the cell's text."""
    items = split_statements(text)
    if items is not None:
        assert items and all(isinstance(item, str) and item.strip() for item in items)
        squeezed = "".join(text.split())
        assert all("".join(item.split()) in squeezed for item in items)


@BUDGET
@given(texts=st.lists(st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=60)
                      | st.lists(st.sampled_from(["1.", "２、", "（3）", "①", "(一)", "•", "能完成", "\n", " ", "\u3000",
                                                  "a"]), max_size=12).map("".join), max_size=6))
def test_column_pre_test_never_misses_a_list_cell(texts):
    """``may_hold_lists`` (one search over a column) is False only if no cell of it can split or be a list of one."""
    texts = [t.strip() for t in texts]
    if not may_hold_lists(texts):
        assert not any(may_split(t) or single_item(t) is not None for t in texts)


@BUDGET
@given(text=st.text(max_size=200))
def test_control_char_search_finds_every_control(text):
    """The fast test of the reader and the flush guard (``CONTROL_CHAR``) hits whenever ``CONTROL`` does."""
    assert (CONTROL_CHAR.search(text) is None) == (CONTROL.search(text) is None)


CASE_ITEM = st.fixed_dictionaries({"identifier": TEXT, "fullStatement": TEXT},
                                  optional={"humanCodingScheme": TEXT, "CFItemType": TEXT,
                                            "uri": TEXT, "notes": JSON_VALUES})


@BUDGET
@given(items=st.lists(CASE_ITEM, max_size=8),
       associations=st.lists(st.fixed_dictionaries({
           "associationType": st.sampled_from(["isChildOf", "exactMatchOf", "other"]),
           "originNodeURI": st.fixed_dictionaries({"identifier": TEXT}),
           "destinationNodeURI": st.fixed_dictionaries({"identifier": TEXT})}), max_size=8),
       extra=JSON_VALUES)
def test_case_json_is_analysed_or_rejected(items, associations, extra):
    """CASE JSON with arbitrary items and associations: a preview (maybe with errors), never an exception."""
    doc = {"CFDocument": {"identifier": "d", "title": "t"}, "CFItems": items, "CFAssociations": associations,
           "extra": extra}
    preview = analyse(json.dumps(doc).encode(), "case.json", engine=None, program_code="F", kind="case", lang="en")
    assert preview.ok or preview.error_issues


@BUDGET
@given(value=JSON_VALUES, head=st.booleans())
def test_backup_json_is_read_or_reported(value, head):
    """Any JSON (with or without a backup's format header) gives a document or errors in the report."""
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "scope": "program", "programs": value} if head else value
    report = RestoreReport()
    out = read_backup(json.dumps(doc).encode(), report)
    assert (out is None) == bool(report.errors)


@BUDGET
@given(data=st.binary(max_size=2000))
def test_backup_bytes_are_read_or_reported(data):
    """Random bytes (and random bytes behind a zip signature) as a backup: errors, never an exception."""
    for raw in (data, b"PK\x03\x04" + data):
        report = RestoreReport()
        assert read_backup(raw, report) is None and report.errors


@BUDGET
@given(text=st.text(max_size=200))
def test_strip_controls_only_removes(text):
    """The filter leaves no control character, is idempotent and only ever removes characters."""
    out = strip_controls(text)
    assert not has_controls(out) and strip_controls(out) == out
    rest = iter(text)
    assert all(ch in rest for ch in out)  # a subsequence of the input


@BUDGET
@given(value=JSON_VALUES)
def test_clean_tree_reaches_every_string(value):
    """Every string of a JSON value (keys too) comes out without control characters."""
    cleaned, _ = clean_tree(json.loads(json.dumps(value)))
    assert not has_controls(json.dumps(cleaned, ensure_ascii=False))
