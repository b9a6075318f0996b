"""Course standards (课程标准): one revision as a document, its snapshot, saving and creating.

A package split along those seams: ``read`` (list, document, snapshot, editor frames),
``save`` (``save_standard`` and the version / sign-off bookkeeping other writers share),
``create`` (a first revision, copying rows between revisions) and ``common`` (vocabulary,
value coercion, loading and locking). Callers import from ``services.standards``.

Read side: ``list_standards`` and ``standard_document`` (pages and exports share them) and
``standard_content``, the JSON snapshot of everything in a revision (alignments keyed by
competency code) that versions, diffs, restores and merges work on.

Write side: ``save_standard`` applies one editor save in one transaction. Rows with an ``id``
are updated, rows without are created, rows left out are deleted (only tables that are
passed are touched). The standard's version is bumped with ``services.versioning``; a stale
``expected_version`` raises ``Conflict`` whose ``current`` holds the current content, so the
page can show both and merge (``services.history.merge_content``). Every save stores a
``StandardVersion``.

Rules:
- Approved revisions are frozen (``standards.error.frozen``): a change starts a new revision.
- Editing needs ``standard.edit`` (admins, leads, faculty who own the course). Mentors
  comment and decide alignments (``services.alignments``) but do not edit the text.
- A content change while the standard is in review clears the sign-offs given so far:
  a signature is for the content that was reviewed.
- Alignments saved with the text start as ``proposed`` by the saver's side; changing the
  level of a decided alignment re-opens it for the other side. Statuses change only
  through ``services.alignments``.
"""

from services.standards.common import (
    ASSESSMENT_FIELDS,
    HEADER_LIMITS,
    MAX_HOURS,
    OBJECTIVE_FIELDS,
    SECTIONS,
    TABLE_FIELDS,
    UNIT_FIELDS,
    ensure_editable,
    invalid,
    load_standard,
    lock_standard,
)
from services.standards.create import copy_rows, create_standard
from services.standards.read import (
    DIMENSION_ORDER,
    current_standard,
    editing_snapshot,
    editor_frames,
    list_standards,
    save_args_from_content,
    standard_content,
    standard_document,
)
from services.standards.save import reattach_comments, record_content_change, save_standard, write_version
from services.vocabulary import STANDARD_FIELDS as HEADER_FIELDS

__all__ = [
    "ASSESSMENT_FIELDS", "DIMENSION_ORDER", "HEADER_FIELDS", "HEADER_LIMITS", "MAX_HOURS", "OBJECTIVE_FIELDS",
    "SECTIONS", "TABLE_FIELDS", "UNIT_FIELDS", "copy_rows", "create_standard", "current_standard",
    "editing_snapshot", "editor_frames", "ensure_editable", "invalid", "list_standards", "load_standard",
    "lock_standard", "reattach_comments", "record_content_change", "save_args_from_content", "save_standard",
    "standard_content", "standard_document", "write_version",
]
