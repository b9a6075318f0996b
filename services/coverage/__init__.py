"""Coverage and gap analytics of a programme (issue 4; definitions in docs/coverage.md).

Loading takes one SQL query per table; everything else is vectorised pandas/numpy over
those frames, so a programme with 50,000 alignments is computed in a fraction of a second.
Results are plain DataFrames and dicts (no ORM objects) that pages, ``manage.py`` and
snapshots share. ``compute_coverage`` caches per programme in this process and checks a
cheap data version on every call, so a write from any process invalidates the cache.

A package split along those seams: ``load`` (the inputs and the data version), ``compute``
(metrics, gaps, cache, JSON, drill-down) and ``snapshots``. Callers import from ``services.coverage``.
"""

from services.coverage.compute import (
    BY_COMPETENCY_COLUMNS,
    COURSE_COLUMNS,
    DEFAULT_REDUNDANT_THRESHOLD,
    DETAIL_COLUMNS,
    GAP_COLUMNS,
    GAP_KINDS,
    GAP_TABLE_KINDS,
    HEADLINE_METRICS,
    OVER_INVESTMENT_RATIO,
    UNDER_INVESTMENT_RATIO,
    CoverageResult,
    alignment_details,
    check_source_filter,
    clear_cache,
    compute_coverage,
    coverage_from_inputs,
    filter_gaps,
    leaf_frame,
    program_id_for_code,
    restrict_to_sources,
    result_json,
)
from services.coverage.load import (
    LEAF_COLUMNS,
    NODE_COLUMNS,
    CoverageInputs,
    data_version,
    frame_from_rows,
    load_inputs,
)
from services.coverage.snapshots import (
    SNAPSHOT_FIELDS,
    compare_snapshots,
    latest_snapshot_delta,
    list_snapshots,
    take_snapshot,
)
from services.outline import code_sort_key

__all__ = [
    "BY_COMPETENCY_COLUMNS", "COURSE_COLUMNS", "DEFAULT_REDUNDANT_THRESHOLD", "DETAIL_COLUMNS", "GAP_COLUMNS",
    "GAP_KINDS", "GAP_TABLE_KINDS", "HEADLINE_METRICS", "LEAF_COLUMNS", "NODE_COLUMNS", "OVER_INVESTMENT_RATIO",
    "SNAPSHOT_FIELDS", "UNDER_INVESTMENT_RATIO", "CoverageInputs", "CoverageResult", "alignment_details", "check_source_filter",
    "clear_cache", "code_sort_key", "compare_snapshots", "compute_coverage", "coverage_from_inputs",
    "data_version", "filter_gaps", "frame_from_rows", "latest_snapshot_delta", "leaf_frame", "list_snapshots",
    "load_inputs", "program_id_for_code", "restrict_to_sources", "result_json", "take_snapshot",
]
