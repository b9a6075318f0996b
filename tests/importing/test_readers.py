"""Readers: any file type, encoding and delimiter into sheets; broken files give clear errors."""

from __future__ import annotations

import codecs
import contextlib
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.importing import Limits, analyse
from services.importing.readers import cell_text, decode_text, read_book, sniff_delimiter
from services.importing.records import ImportRejected
from tests.importing.conftest import xlsx_bytes

CSV_ROWS = "编码,能力描述,重要程度\n1.10,能识读装配图,A\n1.1,能安装本体,B\n"


def rejected_key(data: bytes, filename: str, **kw) -> str:
    with pytest.raises(ImportRejected) as info:
        read_book(data, filename, **kw)
    return info.value.issues[0].key


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("gb18030", b""), ("gbk", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE), ("utf-16-le", b""),
])
def test_text_encodings_are_detected(encoding, prefix):
    """UTF-8 (with or without BOM), GB18030/GBK and UTF-16 (with or without BOM) all decode to the same cells."""
    book = read_book(prefix + CSV_ROWS.encode(encoding), "能力.csv")
    rows = book.sheets[0].rows
    assert rows[1] == ["1.10", "能识读装配图", "A"] and rows[2][0] == "1.1"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_sniffed(delimiter):
    """Comma, semicolon and tab files split into the same columns; quoted delimiters stay inside cells."""
    text = CSV_ROWS.replace(",", delimiter) + f'2.1{delimiter}"能完成A{delimiter}B"{delimiter}C\n'
    book = read_book(text.encode("utf-8"), "x.tsv" if delimiter == "\t" else "x.csv")
    assert book.delimiter == delimiter
    assert book.sheets[0].rows[3] == ["2.1", f"能完成A{delimiter}B", "C"]


def test_utf16_tsv_from_excel():
    """Excel's "Unicode text" export (UTF-16 LE with BOM, tab-separated) reads."""
    data = codecs.BOM_UTF16_LE + CSV_ROWS.replace(",", "\t").encode("utf-16-le")
    book = read_book(data, "export.txt")
    assert book.encoding == "utf-16" and book.sheets[0].rows[1][1] == "能识读装配图"


def test_wrong_encoding_is_an_error_not_mojibake():
    """Latin-1 text is neither UTF-8 nor plausible GB18030: a clear error, not garbled Chinese."""
    data = "code;statement\n1;Réaliser un examen général et établir un diagnostic précis\n".encode("latin-1")
    assert rejected_key(data, "fr.csv") == "import.error.encoding"


def test_bad_files_get_clear_errors():
    """Empty, random bytes named .xlsx, a truncated zip and a bad JSON each say what is wrong."""
    good = xlsx_bytes([["编码", "能力"], ["1", "能"]])
    assert rejected_key(b"", "x.xlsx") == "import.error.empty_file"
    assert rejected_key(bytes(range(256)) * 8, "x.xlsx") == "import.error.not_a_workbook"
    assert rejected_key(good[: len(good) // 2], "x.xlsx") == "import.error.corrupt_workbook"
    assert rejected_key(b'{"a": [1, 2', "x.json") == "import.error.json"
    assert rejected_key(b"\x00\x01\x02\x03binary", "x.bin") in ("import.error.binary", "import.error.encoding")


def test_sniffing_ignores_a_misleading_extension():
    """A CSV saved as .xlsx and an .xlsx saved as .xls still read."""
    assert read_book(CSV_ROWS.encode(), "really-a-csv.xlsx").fmt == "csv"
    assert read_book(xlsx_bytes([["a", "b"]]), "really.xls").fmt == "xlsx"


def _zip_with(member: str, size: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, b"\0" * size)
    return buffer.getvalue()


def test_zip_bomb_is_refused_from_the_directory():
    """A member compressed 1000:1, or contents over the decompressed limit, is refused before parsing."""
    bomb = _zip_with("xl/worksheets/sheet1.xml", 40 * 1024 * 1024)
    assert len(bomb) < 200_000
    assert rejected_key(bomb, "bomb.xlsx") == "import.error.zip_ratio"
    small_limit = Limits(max_decompressed_bytes=1024 * 1024)
    assert rejected_key(_zip_with("xl/sharedStrings.xml", 2 * 1024 * 1024), "big.xlsx",
                        limits=small_limit) == "import.error.zip_bomb"


def test_size_and_row_limits():
    """File size and rows per sheet are capped, with the numbers in the message."""
    assert rejected_key(b"a,b\n" * 100, "x.csv", limits=Limits(max_file_bytes=50)) == "import.error.file_too_large"
    data = xlsx_bytes([["编码", "能力"]] + [[str(i), "能"] for i in range(20)])
    with pytest.raises(ImportRejected) as info:
        read_book(data, "x.xlsx", limits=Limits(max_rows_per_sheet=10))
    issue = info.value.issues[0]
    assert issue.key == "import.error.too_many_rows" and issue.params == {"rows": 21, "limit": 10}
    assert "21" in issue.message("en") and "10" in issue.message("zh")


def test_codes_stay_text_and_numbers_lose_their_dot_zero():
    """"1.10" typed as text stays "1.10"; a whole number cell reads "3", not "3.0"."""
    book = read_book(xlsx_bytes([["编码", "学分"], ["1.10", 3.0], ["1.1", 2.5]]), "x.xlsx")
    rows = book.sheets[0].rows
    assert [cell_text(c) for c in rows[1]] == ["1.10", "3"] and cell_text(rows[2][1]) == "2.5"


def test_merged_ranges_are_reported_for_xlsx_xls_and_ods(real_data):
    """Merged cells come from calamine (.xlsx, .xls) and from content.xml (.ods)."""
    for name in ("merge_cells.xlsx", "merge_cells.xls", "merged_cells.ods"):
        book = read_book((real_data / "messy_excel/calamine" / name).read_bytes(), name)
        assert book.sheets[0].merged, name


def test_formula_without_value_is_flagged():
    """A formula saved without its result (written by a script) is marked, so the import can say which cell."""
    data = xlsx_bytes([["编码", "能力"], ["1.1", "=CONCAT(\"能\",\"安装\")"]])
    book = read_book(data, "f.xlsx")
    assert book.sheets[0].formula_cells == {(1, 1)}


def test_hidden_sheets_are_marked(real_data):
    book = read_book((real_data / "messy_excel/calamine/any_sheets.xlsx").read_bytes(), "any_sheets.xlsx")
    assert [(s.name, s.hidden) for s in book.sheets] == [("Visible", False), ("Hidden", True), ("VeryHidden", True)]


MESSY = ["messy_excel/calamine/" + n for n in (
    "any_sheets.xlsx", "has_x000D_.xlsx", "header-row.xlsx", "issue_174.xlsx", "issue_261.xlsx", "issue_553.xlsx",
    "merge_cells.xls", "merge_cells.xlsx", "merged_cells.ods", "merged_range.xlsx", "richtext-namespaced.xlsx")] + [
    "messy_excel/xlsx2csv/" + n for n in (
        "empty_row.xlsx", "input-weird.xlsx", "last-column-empty.xlsx", "sheets.xlsx", "skip_empty_lines.xlsx",
        "utf8.xlsx")] + ["messy_excel/bls_oews_national_M2024_dl.xlsx"]


@pytest.mark.parametrize("name", MESSY)
def test_messy_real_workbooks_never_crash(real_data, name):
    """The calamine / xlsx2csv / BLS stress files either analyse or give clear, located errors."""
    preview = analyse((real_data / name).read_bytes(), name.rsplit("/", 1)[-1], engine=None, program_code="X",
                      lang="en")
    data = preview.to_dict()
    for issue in data["errors"]:
        assert issue["message"] and not issue["message"].startswith("import."), issue
    assert data["kind"] is None or data["kind"] in data["kinds"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a.ods", "a.json", "a.tsv"]))
def test_fuzz_read_book_only_raises_import_rejected(data, name):
    """Arbitrary bytes under any name: sheets or ImportRejected, never another exception."""
    try:
        book = read_book(data, name)
    except ImportRejected as exc:
        assert exc.issues and exc.issues[0].key.startswith("import.error.")
    else:
        assert book.fmt


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), min_size=1,
                         max_size=5), min_size=1, max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_fuzz_csv_round_trip(rows, delimiter, encoding):
    """Any table written as CSV in a supported encoding decodes without error (GB18030 may reject odd text)."""
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    text = buffer.getvalue()
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        return
    try:
        decoded, _ = decode_text(raw)
    except ImportRejected:
        assert encoding == "gb18030"
        return
    assert decoded.replace("\r\n", "\n") == text.replace("\r\n", "\n").lstrip("\ufeff") or encoding == "gb18030"
    sniff_delimiter(decoded)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=40), st.floats(allow_nan=True), st.integers(), st.none(), st.booleans()))
def test_clean_text_matches_the_project_normaliser(value):
    """The fast cell normaliser gives exactly services.outline.normalize_text(cell_text(value))."""
    from services.importing.readers import clean_text
    from services.outline import normalize_text

    assert clean_text(value) == normalize_text(cell_text(value))


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60))
def test_fuzz_text_parsers_never_crash(text):
    """Leading-code splitting, header matching, mark and type parsing accept any text."""
    from services.importing.header import SYNONYMS, match_field
    from services.importing.kinds.courses import parse_course_type, parse_semester
    from services.importing.kinds.matrix import parse_course_header
    from services.importing.marks import detect_scheme, normalize_mark
    from services.importing.table import split_leading_code

    code, rest = split_leading_code(text)
    assert code is None or rest
    field, score = match_field(text, SYNONYMS)
    assert 0.0 <= score <= 1.0 and (field is None) == (score == 0.0)
    normalize_mark(text)
    detect_scheme([text, text[:1]])
    parse_course_header(text)
    for parser in (parse_course_type, parse_semester):
        with contextlib.suppress(ValueError):
            parser(text)
