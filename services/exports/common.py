"""What every exporter shares: the result type, file names, progress, the formula guard, fonts.

Formula injection (OWASP "CSV injection"): a cell whose text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return can run as a formula when a spreadsheet opens the file.
Excel exports write every text with ``write_string`` in a workbook whose
``strings_to_formulas`` option is off, so such text stays text (cell type "s"); CSV exports
prefix it with a single quote (``csv_safe``), which spreadsheets show but do not evaluate.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import xlsxwriter
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Course, CourseStandard, Program
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound, ValidationFailed, field_error
from services.i18n import normalize_lang, translate
from services.permissions import require

Progress = Callable[[float, str], None]

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "json": "application/json",
    "zip": "application/zip",
}

# Chinese documents use 宋体 (SimSun) for text and 黑体 (SimHei) for headings, as every Windows/WPS
# has them; the .docx names Noto Serif / Sans CJK SC (fonts-noto-cjk) as their alternatives.
CJK_FONT = "宋体"
CJK_HEADING_FONT = "黑体"
CJK_FALLBACKS = {CJK_FONT: "Noto Serif CJK SC", CJK_HEADING_FONT: "Noto Sans CJK SC"}
LATIN_FONT = "Times New Roman"
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


@dataclass(frozen=True)
class ExportFile:
    """An export ready for a download button or a file: bytes, suggested file name, media type."""

    content: bytes
    filename: str
    media_type: str

    def __bytes__(self) -> bytes:
        return self.content


def t(key: str, lang: str, **params: Any) -> str:
    """Translated label printed into a document (``locales/*.exports.json``)."""
    return translate(key, normalize_lang(lang), **params)


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet could evaluate: it starts with = + - @, a tab or a CR."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: object) -> str:
    """A CSV field that cannot run as a formula: risky text gets a leading single quote."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if is_formula_like(text) else text


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# characters Windows refuses in a file name (plus whitespace, which shells and mail clients mangle)
_WINDOWS_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\s]+')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
NAME_PART_MAX = 60


def _name_part(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKC", text)
    return _UNSAFE_NAME.sub("-", ascii_text).strip("-.") or "x"


def safe_name_part(text: str) -> str:
    """One part of a file name, valid on Windows, macOS and Linux: letters of any script are kept;
    ``< > : " / \\ | ? *``, control characters and whitespace become ``-``; no leading or trailing
    dot or dash; a reserved device name (CON, NUL, COM1 …) gets a leading underscore."""
    part = _WINDOWS_UNSAFE.sub("-", unicodedata.normalize("NFC", str(text)))
    part = re.sub(r"-{2,}", "-", part).strip("-. ")[:NAME_PART_MAX].strip("-. ") or "x"
    return f"_{part}" if part.split(".")[0].upper() in _WINDOWS_RESERVED else part


def export_filename(*, program_code: str, kind: str, ext: str, course_code: str | None = None,
                    on: date | None = None) -> str:
    """``<programme>[-<course>]-<kind>-<YYYY-MM-DD>.<ext>``, ASCII only, safe on every file system."""
    day = (on or datetime.now(UTC).date()).isoformat()
    parts = [_name_part(program_code)]
    if course_code:
        parts.append(_name_part(course_code))
    parts += [kind, day]
    return "-".join(parts) + f".{ext}"


def standard_filename(*, program_code: str, course_code: str, status: str, lang: str, ext: str,
                      on: date | None = None) -> str:
    """The one name of a course-standard export, in ``lang``, carrying status and language, e.g.
    ``460305-ZH3021-课程标准-审核中-zh-2026-12-01.docx`` or
    ``460305-ZH3021-course-standard-in-review-en-2026-12-01.docx``: the zh and en files, and the files
    of a draft and of its approved version, never share a name (so one download never replaces another)."""
    lang = check_lang(lang)
    day = (on or datetime.now(UTC).date()).isoformat()
    parts = [program_code, course_code, t("export.filename.standard", lang), t(f"export.filename.status.{status}", lang),
             lang, day]
    return "-".join(safe_name_part(p) for p in parts) + f".{_name_part(ext)}"


class ProgressReporter:
    """Calls ``progress(fraction, message)`` with fractions that only grow, at most every 1 %."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._last = -1.0

    def __call__(self, fraction: float, message: str = "") -> None:
        if self._progress is None:
            return
        fraction = min(max(fraction, 0.0), 1.0)
        if fraction >= 1.0 or fraction - self._last >= 0.01:
            self._last = fraction
            self._progress(fraction, message)


def require_export(actor: Actor | None) -> None:
    """Any signed-in role may export (``export.run``)."""
    require(actor, "export.run")


def program_by_code(engine: Engine, code: str) -> dict[str, Any]:
    """``{"id", "code", "name", "language", "description"}`` of a programme; ``NotFound`` otherwise."""
    with session_scope(engine) as session:
        program = session.exec(select(Program).where(Program.code == code)).first()
        if program is None:
            raise NotFound(f"programme {code} not found", code=code)
        return {"id": program.id, "code": program.code, "name": program.name, "language": program.language,
                "description": program.description, "updated_at": program.updated_at}


def program_code_of(engine: Engine, program_id: int) -> str:
    """The code of a programme; ``NotFound`` otherwise."""
    with session_scope(engine) as session:
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"programme {program_id} not found")
        return program.code


def current_standard_id(engine: Engine, *, program_code: str, course_code: str) -> int:
    """The id of a course's current standard (its highest revision); ``NotFound`` otherwise."""
    with session_scope(engine) as session:
        row = session.exec(
            select(CourseStandard.id).join(Course, Course.id == CourseStandard.course_id)
            .join(Program, Program.id == Course.program_id)
            .where(Program.code == program_code, Course.code == course_code)
            .order_by(CourseStandard.revision.desc())).first()
        if row is None:
            exists = session.exec(select(Course.id).join(Program, Program.id == Course.program_id)
                                  .where(Program.code == program_code, Course.code == course_code)).first()
            what = f"course {course_code} has no standard" if exists else f"course {course_code} not found in {program_code}"
            raise NotFound(what, code=course_code)
        return row


def check_lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise ValidationFailed([field_error("lang", "error.field.export_language", message=f"language: zh or en, not {lang!r}")])
    return lang


# --------------------------------------------------------------------------- xlsx helpers


def new_workbook(buffer: io.BytesIO, *, constant_memory: bool = False) -> xlsxwriter.Workbook:
    """An xlsxwriter workbook that never turns text into formulas, numbers or links."""
    options = dict(XLSX_OPTIONS)
    if constant_memory:
        options["constant_memory"] = True  # rows are flushed to a temp file as soon as the next one starts
    else:
        options["in_memory"] = True
    return xlsxwriter.Workbook(buffer, options)


def write_cell(ws, row: int, col: int, value: object, fmt=None) -> None:
    """Text always as a string cell (never a formula), numbers as numbers, blanks as blanks."""
    if value is None or (isinstance(value, float) and value != value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def display_width(text: str) -> int:
    """Columns a text takes in a fixed-width view: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _print_width(text: str) -> float:
    """Width in Excel character units at 10.5 pt: a CJK glyph takes two, a Latin glyph about 0.7."""
    return sum(2.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.7 for ch in text)


def text_lines(text: str, width_chars: float) -> int:
    """How many lines ``text`` wraps to in a column ``width_chars`` wide (Excel character units)."""
    usable = max(width_chars - 1.5, 1.0)
    total = 0
    for paragraph in str(text or "").split("\n"):
        total += max(1, math.ceil(_print_width(paragraph) / usable))
    return total


def fitted_width(values: Iterable[object], *, minimum: float = 6, maximum: float = 60) -> float:
    """A column width that fits the longest value (CJK counted double) within bounds."""
    longest = max((display_width(str(v)) for v in values if v is not None), default=0)
    return float(min(max(longest + 2, minimum), maximum))


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of an aware timestamp (``None`` stays ``None``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def short_date(value: datetime | str | None) -> str:
    """``YYYY-MM-DD`` of a timestamp (local dates such as ``author_date`` are kept as typed)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value)
