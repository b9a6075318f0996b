"""Display helpers of the coverage page (services/coverage_view.py): pure, on the demo programme."""

from __future__ import annotations

import io

import numpy as np
import pytest
from openpyxl import load_workbook

from services import charts, coverage
from services import coverage_view as view
from services.actor import SYSTEM
from services.programs import get_program


@pytest.fixture
def demo(seeded_engine):
    program_id = get_program(seeded_engine, code="460305")["id"]
    return seeded_engine, program_id, coverage.compute_coverage(seeded_engine, program_id=program_id)


def test_clickable_heatmap_puts_each_cells_ids_on_a_selectable_marker(demo):
    """Every cell gets an invisible marker with [competency_id, course_id]; the heatmap stops hovering."""
    _, _, result = demo
    figure = view.clickable_heatmap(charts.heatmap_figure(result.by_competency, result.matrix, result.courses))
    markers = figure.data[-1]
    n_rows, n_cols = len(result.by_competency), len(result.courses)
    assert np.asarray(markers.customdata).shape == (n_rows * n_cols, 2)
    first = np.asarray(markers.customdata)[1]
    assert list(first) == [result.by_competency["id"].iat[0], result.courses["id"].iat[1]]
    assert figure.data[0].hoverinfo == "skip"


def test_clicked_cell_reads_streamlit_selection_events():
    """Streamlit sends customdata as {"0": …, "1": …}; −1 (the required column) means the whole row."""
    point = {"customdata": {"0": 3, "1": 2}}
    assert view.clicked_cell({"selection": {"points": [point]}}) == (3, 2)
    assert view.clicked_cell({"selection": {"points": [{"customdata": [3, -1]}]}}) == (3, None)
    assert view.clicked_cell({"selection": {"points": []}}) is None and view.clicked_cell(None) is None


def test_metric_cards_show_changes_against_the_values_on_screen(demo):
    """Ratios change in percentage points, counts as signed integers; no snapshot, no change."""
    _, _, result = demo
    cards = {c.key: c for row in view.metric_cards(result.metrics, None) for c in row}
    assert cards["coverage_ratio"].delta is None and cards["uncovered"].value == str(result.metrics["uncovered"])
    latest = {"metrics": {"coverage_ratio": {"before": result.metrics["coverage_ratio"] - 0.05},
                          "redundant": {"before": result.metrics["redundant"]},
                          "uncovered": {"before": result.metrics["uncovered"] + 2}}}
    cards = {c.key: c for row in view.metric_cards(result.metrics, latest) for c in row}
    assert cards["coverage_ratio"].delta == "+5.0 pp" and cards["uncovered"].delta == "-2"
    assert cards["redundant"].delta == "0" and cards["redundant"].delta_arrow == "off"
    assert cards["uncovered"].delta_color == "inverse"


def test_tables_are_translated(demo):
    """Gap rows and drill-down rows carry translated headers and values."""
    engine, program_id, result = demo
    gaps = view.gaps_table(result.gaps, "zh")
    assert "缺口类型" in gaps.columns and len(gaps) == len(result.gaps)
    comp_id = int(result.by_competency.loc[result.by_competency["level"] > 0, "id"].iat[0])
    details = view.details_table(coverage.alignment_details(engine, program_id=program_id, competency_id=comp_id), "en")
    assert {"Course", "Proposed by", "Status"} <= set(details.columns) and len(details) > 0


def test_reports_use_the_rows_on_screen(demo):
    """The gap report holds exactly the filtered rows; the matrix uses the chosen marks."""
    _, _, result = demo
    shown = coverage.filter_gaps(result.gaps, kinds=["uncovered"])
    report = view.gap_report(result, shown, actor=SYSTEM, lang="en")
    assert report.filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert sheet.max_row - 3 == len(shown)
    matrix = view.matrix_report(result, actor=SYSTEM, marks="irm", lang="zh")
    cells = {c.value for row in load_workbook(io.BytesIO(matrix.content)).worksheets[0].iter_rows() for c in row}
    assert "M" in cells or "R" in cells
