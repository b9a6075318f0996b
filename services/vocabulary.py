"""Shared vocabulary (issue #11): the names several modules must agree on, written once.

- The course standard's own fields: the short header block (title, department, who wrote and
  reviewed it, when) and the prose sections. The editor, history, workflow, backup, import,
  template, exports and catalogs all use these lists; ``tests/test_invariants.py`` checks each
  field reaches every one of them.
- Which alignment statuses count: every alignment that is not rejected, or with
  ``confirmed_only`` only accepted ones (coverage's two modes, docs/coverage.md).
"""

from __future__ import annotations

from typing import Any

from models.enums import ALIGNMENT_STATUSES

# Short, single-line fields of the standard's header block, in the order the school template shows them.
STANDARD_HEADER_FIELDS = ("title", "department", "author_name", "author_date", "reviewer_name", "reviewer_date")
# Multi-line prose sections of the standard.
STANDARD_PROSE_FIELDS = ("prerequisites", "follow_on", "nature", "design_rationale", "teaching_methods", "resources")
# Every text field a user writes on the standard row itself (what services.standards calls its header).
STANDARD_FIELDS = (*STANDARD_HEADER_FIELDS, *STANDARD_PROSE_FIELDS)

# A closed survey's figures per item (``SurveyItem`` columns, written by services.surveys, carried by backups):
# the statistics, then every aggregate column.
SURVEY_FIGURES = ("importance_median", "importance_mean", "importance_iqr", "frequency_median", "frequency_mean",
                  "difficulty_median", "difficulty_mean", "criticality")
SURVEY_ITEM_AGGREGATES = ("raters", "not_relevant", *SURVEY_FIGURES, "low_agreement", "previous_importance",
                          "applied_importance")

PROPOSED, ACCEPTED, REJECTED = ALIGNMENT_STATUSES
# The statuses of a decided alignment (a decision names who and when).
ALIGNMENT_DECIDED = (ACCEPTED, REJECTED)


def counted_alignments(status: Any, *, confirmed_only: bool = False) -> Any:
    """The condition "this alignment counts" on a status column: SQL (``Alignment.status``) or a pandas Series.

    Not rejected by default; only accepted with ``confirmed_only``. Works on a plain status
    string too, giving a bool.
    """
    return status == ACCEPTED if confirmed_only else status != REJECTED


def alignment_counts(alignment: dict[str, Any], *, confirmed_only: bool = False) -> bool:
    """Whether an alignment dict (``{"status": …}``) counts; a dict without a status is a proposal."""
    return bool(counted_alignments(alignment.get("status", PROPOSED), confirmed_only=confirmed_only))
