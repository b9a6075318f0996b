"""Plain data passed between the import stages: issues, parsed rows and the dataset.

Every stage speaks these types: a reader turns bytes into sheets, a kind turns sheets into a
``Dataset`` of rows keyed by code, the planner compares the dataset with the database and
the committer writes the plan. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.i18n import translate

ENTITY_KEYS = ("area", "task", "competency", "course", "alignment", "standard", "rating")


class Term(str):
    """An issue parameter that is itself a translation key (a reason, a field): translated with the message."""


class Reason:
    """An issue parameter that is an owning module's field error (``services.errors.FieldError``): shown in the
    message's language as the editor shows it."""

    __slots__ = ("error",)

    def __init__(self, error: Any) -> None:
        self.error = error

    def text(self, lang: str) -> str:
        from services.errors import field_error_text

        return field_error_text(self.error, lang)

    def __str__(self) -> str:
        return str(self.error.message)


@dataclass
class Issue:
    """One error or warning, located in the file; ``key`` is a translation key of locales/*.import.json."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # the header label, or the column letter when there is none

    def message(self, lang: str) -> str:
        params = self.params
        if any(v.__class__ is Term or v.__class__ is Reason for v in params.values()):
            params = {k: translate(v, lang) if v.__class__ is Term else v.text(lang) if v.__class__ is Reason else v
                      for k, v in params.items()}
        return translate(self.key, lang, **params)

    def as_dict(self, lang: str) -> dict[str, Any]:
        """The record the UI and the command line show: file, sheet, row, column, message."""
        return {"file": self.file, "sheet": self.sheet, "row": self.row, "column": self.column,
                "message": self.message(lang), "key": self.key}


class ImportRejected(Exception):
    """The file cannot be read at all (not a row-level problem): carries the issues that say why."""

    def __init__(self, *issues: Issue) -> None:
        super().__init__("; ".join(i.key for i in issues))
        self.issues = list(issues)


@dataclass
class Origin:
    """Where a parsed row came from, and its raw cells (for the --skip-invalid workbook)."""

    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # the column that places the row in the tree (its kind, parent or statement)
    # field → the label of the column it was read from (one dict per table, shared by its rows); None: unknown
    columns: dict[str, str] | None = None
    # field → the row holding it, where a sheet lists one record's fields a row each (a key/value sheet)
    rows: dict[str, int] | None = None


@dataclass
class NodeIn:
    """A framework node from the file. ``parent`` is the parent's code (in the file or the database)."""

    code: str | None
    statement: str
    kind: str | None = None  # None: decided by the tree's shape
    parent: str | None = None
    comp_type: str | None = None
    importance: int | None = None
    required_level: int | None = None
    notes: str = ""
    external_uri: str = ""
    cert_level: str = ""  # a certificate requirement's level as written (初级 / 中级 / 高级, 五级 … 一级)
    job_role: str | None = None
    sort_order: int = 0
    code_derived: bool = False  # no code in the file: derived from children or position
    origin: Origin = field(default_factory=Origin)
    fields: frozenset[str] = frozenset()  # the fields the file supplies (others are left alone)


@dataclass
class CourseIn:
    code: str | None
    name: str
    course_type: str | None = None
    credits: float | None = None
    hours_theory: int | None = None
    hours_practice: int | None = None
    semester: int | None = None
    description: str | None = None
    origin: Origin = field(default_factory=Origin)
    fields: frozenset[str] = frozenset()
    reference_only: bool = False  # a matrix header: match an existing course, create if unknown, never update
    ref: str | None = None  # the key alignments use for this course (a matrix header); defaults to the code
    create_if_missing: bool = True  # False for a matrix column without marks: match it, never create it


@dataclass
class AlignmentIn:
    """A course-level alignment; ``competency`` and ``course`` are keys into the dataset (see ``Dataset``)."""

    competency: str
    course: str
    level: int
    origin: Origin = field(default_factory=Origin)


@dataclass
class RatingIn:
    competency: str
    rater: str
    importance: int | None = None
    frequency: int | None = None
    difficulty: int | None = None
    comment: str = ""
    origin: Origin = field(default_factory=Origin)
    fields: frozenset[str] = frozenset()


@dataclass
class JobRoleIn:
    name: str
    description: str = ""
    external_code: str = ""
    external_uri: str = ""
    source: str = "import"


@dataclass
class StandardIn:
    """A course standard from the template workbook (kinds/standard.py)."""

    course: str
    fields: dict[str, Any]
    objectives: list[dict[str, Any]]
    units: list[dict[str, Any]]
    assessment: list[dict[str, Any]]
    origin: Origin = field(default_factory=Origin)


@dataclass
class InvalidRow:
    """A row left out because of an error: written back to a workbook under --skip-invalid."""

    sheet: str | None
    row: int | None
    header: list[str]
    values: list[Any]
    messages: list[Issue]


@dataclass
class Dataset:
    """Everything a file says, keyed by code.

    ``nodes`` is keyed by code; nodes the file gives without a code get a derived one.
    Matrix and rating rows may name a competency the file itself does not contain (an
    existing one): ``node_refs`` maps such keys to a code or statement to look up.
    """

    kind: str
    nodes: list[NodeIn] = field(default_factory=list)
    courses: list[CourseIn] = field(default_factory=list)
    alignments: list[AlignmentIn] = field(default_factory=list)
    ratings: list[RatingIn] = field(default_factory=list)
    job_roles: list[JobRoleIn] = field(default_factory=list)
    standards: list[StandardIn] = field(default_factory=list)
    # a 国家职业技能标准's weight tables (services/importing/weights.py): cells for the file's one job role
    skill_weights: list[dict[str, Any]] = field(default_factory=list)
    node_refs: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    invalid_rows: list[InvalidRow] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    # entity keys whose database rows absent from the file are reported as not_in_file
    complete_for: tuple[str, ...] = ()
    update_existing_nodes: bool = True  # False for matrix rows: match or create, never overwrite
