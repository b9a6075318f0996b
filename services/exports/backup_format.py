"""The backup file's format, shared by the writer (``services.exports.backup``) and the reader
(``services.importing.restore``): its name and version, the record kinds a restore counts, the standard's
text fields it carries, the JSON schema a file must meet, and the small conversions both sides use.

A backup holds no database ids: every reference is a natural key (programme code, competency code,
course code, (course, revision), a unit's / objective's / assessment item's position in its standard,
a survey rater's ``ref`` within its survey, username).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from models import enums
from services.vocabulary import STANDARD_FIELDS, SURVEY_FIGURES, SURVEY_ITEM_AGGREGATES

FORMAT = "costandard-backup"
FORMAT_VERSION = 1
ARCHIVE_MEMBER = "backup.json"
COUNT_KEYS = ("user", "program", "job_role", "area", "task", "competency", "course", "course_owner", "standard",
              "standard_version", "objective", "unit", "assessment", "alignment", "suggestion_decision", "comment",
              "rating", "coverage_snapshot", "survey", "survey_item", "survey_rater", "survey_answer", "change_mark",
              "competency_link", "skill_weight")
STANDARD_TEXT_FIELDS = (*STANDARD_FIELDS, "rejection_reason")
SURVEY_ITEM_COLUMNS = ("sort_order", *SURVEY_ITEM_AGGREGATES)  # a survey item's columns besides its competency
# sections a programme may lack (backups written before they were kept): read as empty
OPTIONAL_SECTIONS = ("suggestion_decisions", "surveys", "change_marks", "competency_links")


def parse_ts(value: str | None) -> datetime | None:
    """An ISO timestamp of the file as an aware datetime (naive ones are UTC); None stays None."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def entity_kind(entity_type: str) -> str:
    """The kind of row a comment's ``entity_type`` points at ("section:<name>" is a section of a standard)."""
    return "standard" if entity_type.startswith("section:") else entity_type


# --------------------------------------------------------------------------- the schema


def _obj(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_INT = {"type": "integer"}
_NINT = {"type": ["integer", "null"]}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}
_TS = {"type": "string", "format": "date-time"}
_NTS = {"type": ["string", "null"]}
_USER = _NSTR


def _enum(values, nullable: bool = False) -> dict[str, Any]:
    return {"enum": [*values, *([None] if nullable else [])]}


def _scale(high: int) -> dict[str, Any]:
    return {"type": ["integer", "null"], "minimum": 1, "maximum": high}



BACKUP_SCHEMA: dict[str, Any] = _obj(["format", "format_version", "scope", "users", "programs"], {
    "format": {"const": FORMAT}, "format_version": {"const": FORMAT_VERSION},
    "scope": _enum(("program", "database")), "includes_password_hashes": _BOOL,
    "users": {"type": "array", "items": _obj(["username", "display_name", "role", "side"], {
        "username": {"type": "string", "minLength": 1, "maxLength": 64}, "display_name": _STR,
        "role": _enum(enums.ROLES), "side": _enum(enums.SIDES), "organisation": _STR, "email": _STR, "is_active": _BOOL, "is_demo": _BOOL,
        "preferred_lang": _NSTR, "created_at": _NTS, "version": _INT, "password_hash": _STR})},
    "comments": {"type": "array"},
    "programs": {"type": "array", "items": _obj(
        ["code", "name", "job_roles", "framework", "courses", "alignments", "comments", "ratings", "coverage_snapshots"], {
            "code": {"type": "string", "minLength": 1, "maxLength": 32}, "name": _STR, "language": _STR,
            "description": _STR, "is_demo": _BOOL, "created_at": _NTS, "updated_at": _NTS, "version": _INT,
            "job_roles": {"type": "array", "items": _obj(["name"], {
                "name": _STR, "description": _STR, "external_code": _STR, "external_uri": _STR, "source": _STR,
                "sort_order": _INT, "kind": _enum(enums.SOURCE_KINDS), "dacum_panels": {"type": "object"},
                "skill_weights": {"type": "array", "items": _obj(["part", "item", "level", "weight"], {
                    "part": _enum(("theory", "skill")), "section": {"type": "string", "maxLength": 200},
                    "item": {"type": "string", "minLength": 1, "maxLength": 500},
                    "level": {"type": "string", "minLength": 1, "maxLength": 16},
                    "weight": {"type": "number", "minimum": 0, "maximum": 100}})},
                "version": _INT})},
            "framework": {"type": "array", "items": _obj(["code", "kind", "statement"], {
                "code": {"type": "string", "minLength": 1}, "parent": _NSTR, "kind": _enum(enums.NODE_KINDS),
                "statement": _STR, "comp_type": _enum(enums.COMPETENCY_TYPES, nullable=True),
                "importance": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
                "required_level": {"type": ["integer", "null"], "minimum": 1, "maximum": 3},
                "job_role": _NSTR, "external_uri": _STR, "notes": _STR, "sort_order": _INT, "cert_level": _STR,
                "status": _enum(enums.NODE_STATUSES), "proposed_by": _USER, "proposed_side": _enum(enums.SIDES, nullable=True),
                "confirmed_by": _USER, "created_at": _NTS, "updated_at": _NTS, "version": _INT})},
            "courses": {"type": "array", "items": _obj(["code", "name", "standards"], {
                "code": {"type": "string", "minLength": 1}, "name": _STR, "course_type": _enum(enums.COURSE_TYPES),
                "credits": _NUM, "hours_theory": _INT, "hours_practice": _INT, "semester": _NINT,
                "description": _STR, "owners": {"type": "array", "items": _STR},
                "standards": {"type": "array", "items": _obj(["revision", "status", "objectives", "units",
                                                              "assessment", "versions"], {
                    "revision": _INT, "status": _enum(enums.STANDARD_STATUSES),
                    **{name: _STR for name in STANDARD_TEXT_FIELDS},
                    "versions": {"type": "array", "items": _obj(["number", "content"], {
                        "number": _INT, "content": {"type": "object"}, "author": _USER, "note": _STR,
                        "created_at": _NTS})},
                    "objectives": {"type": "array", "items": _obj(["dimension", "text"], {
                        "dimension": _enum(enums.OBJECTIVE_DIMENSIONS), "code": _STR, "text": _STR, "sort_order": _INT})},
                    "units": {"type": "array", "items": _obj(["title"], {
                        "title": _STR, "content": _STR, "learning_tasks": _STR, "hours_theory": _INT,
                        "hours_practice": _INT, "sort_order": _INT})},
                    "assessment": {"type": "array", "items": _obj(["name", "weight"], {
                        "name": _STR, "category": _enum(enums.ASSESSMENT_CATEGORIES), "weight": _NUM, "method": _STR,
                        "sort_order": _INT})},
                })},
            })},
            "alignments": {"type": "array", "items": _obj(["competency", "course", "target", "level"], {
                "competency": _STR, "course": _STR, "target": {"type": "string", "pattern":
                                                               r"^(course|(unit|objective):[0-9]+:[0-9]+)$"},
                "level": {"type": "integer", "minimum": 1, "maximum": 3}, "status": _enum(enums.ALIGNMENT_STATUSES),
                "source": _STR, "proposed_by": _USER, "proposed_side": _enum(enums.SIDES, nullable=True),
                "decided_by": _USER, "decided_at": _NTS, "reason": _STR, "version": _INT})},
            # optional: backups written before suggestion decisions were kept have none
            "suggestion_decisions": {"type": "array", "items": _obj(["competency", "course", "target", "decision"], {
                "competency": _STR, "course": _STR, "target": {"type": "string", "pattern":
                                                               r"^(unit|objective):[0-9]+:[0-9]+$"},
                "decision": _enum(enums.SUGGESTION_DECISIONS), "text": _STR, "score": _NUM, "alignment": _BOOL,
                "decided_by": _USER, "decided_side": _enum(enums.SIDES, nullable=True), "decided_at": _NTS,
                "version": _INT})},
            "comments": {"type": "array", "items": _obj(["ref", "entity_type", "body"], {
                "ref": _INT, "parent": _NINT, "entity_type": _STR, "entity": _NSTR, "author": _USER, "body": _STR,
                "resolved": _BOOL, "resolved_by": _USER, "resolved_at": _NTS, "created_at": _NTS})},
            "ratings": {"type": "array", "items": _obj(["competency", "rater"], {
                "competency": _STR, "rater": _STR, "rater_user": _USER,
                "importance": _scale(5), "frequency": _scale(7), "difficulty": _scale(5), "comment": _STR})},
            "coverage_snapshots": {"type": "array", "items": _obj(["created_at", "metrics", "by_competency"], {
                "created_at": _TS, "reason": _STR, "label": _STR, "confirmed_only": _BOOL,
                "metrics": {"type": "object"}, "by_competency": {"type": "array"}})},
            # optional, like the three below: backups written before surveys and change marks were kept have none
            "surveys": {"type": "array", "items": _obj(["job_role", "title", "status", "items", "raters", "answers"], {
                "job_role": _STR, "title": _STR, "status": _enum(enums.SURVEY_STATUSES), "apply_importance": _BOOL,
                "opened_by": _USER, "opened_at": _NTS, "closed_by": _USER, "closed_at": _NTS, "version": _INT,
                "items": {"type": "array", "items": _obj(["competency"], {
                    "competency": _STR, "sort_order": _INT, "raters": _INT, "not_relevant": _INT,
                    **{name: {"type": ["number", "null"]} for name in SURVEY_FIGURES},
                    "low_agreement": _BOOL,
                    "previous_importance": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
                    "applied_importance": {"type": ["integer", "null"], "minimum": 1, "maximum": 5}})},
                "raters": {"type": "array", "items": _obj(["ref", "name", "side"], {
                    "ref": _INT, "user": _USER, "name": _STR, "side": _enum(enums.SIDES), "link": _BOOL,
                    "token_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "expires_at": _NTS,
                    "revoked_at": _NTS, "invited_by": _USER, "created_at": _NTS})},
                "answers": {"type": "array", "items": _obj(["competency", "rater"], {
                    "competency": _STR, "rater": _INT, "importance": _scale(5), "frequency": _scale(7),
                    "difficulty": _scale(5), "not_relevant": _BOOL, "updated_at": _NTS, "version": _INT})},
            })},
            "change_marks": {"type": "array", "items": _obj(["competency", "reason", "note"], {
                "competency": _STR, "reason": _enum(enums.CHANGE_REASONS), "note": _STR, "marked_by": _USER,
                "marked_side": _enum(enums.SIDES, nullable=True), "marked_at": _NTS, "resolved_at": _NTS,
                "resolved_by": _USER, "version": _INT})},
            "competency_links": {"type": "array", "items": _obj(["low", "high"], {
                "low": _STR, "high": _STR, "created_by": _USER, "created_at": _NTS})},
        })},
})
