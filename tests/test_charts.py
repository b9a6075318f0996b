"""Coverage chart builders, tested on their figure data (traces, z values, customdata), not pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from services import charts, coverage
from tests import coverage_helpers as ch
from tests.demo_data import demo_sizes


@pytest.fixture
def result() -> coverage.CoverageResult:
    """Two areas, four competencies, three courses (one unscheduled), one job role."""
    inputs = ch.inputs(
        leaves=[(1, "1.1.1", 5, None), (2, "1.1.2", 3, None), (3, "1.1.3", None, None)],
        courses=[(11, "B2", 2, 32), (12, "A1", 1, 64), (13, "Z9", None, 16)],
        alignments=[(1, 1, 12, None, None, 3, "accepted"), (2, 1, 11, None, None, 1, "accepted"),
                    (3, 2, 11, None, None, 1, "proposed"), (4, 2, 13, None, None, 2, "rejected")],
        job_roles={7: "运维员"},
    )
    nodes = inputs.nodes.copy()
    extra = coverage.frame_from_rows(
        [(2_000_001, None, "area", "2", "第二领域", None, None, None, None, 0, "accepted"),
         (2_000_002, 2_000_001, "task", "2.1", "任务", None, None, None, 7, 0, "accepted"),
         (4, 2_000_002, "competency", "2.1.1", "能排除故障", "skill", 4, None, None, 0, "accepted")],
        coverage.NODE_COLUMNS, ints=("id", "parent_id", "importance", "required_level", "job_role_id", "sort_order"))
    inputs = replace(inputs, nodes=pd.concat([nodes, extra], ignore_index=True))
    inputs.alignments.loc[len(inputs.alignments)] = [5, 4, 13, np.nan, np.nan, 2, "accepted"]
    return coverage.coverage_from_inputs(inputs)


def test_heatmap_cells_order_hover_and_customdata(result):
    """z is the level matrix in framework × semester order; customdata maps a click back to ids."""
    figure = charts.heatmap_figure(result.by_competency, result.matrix, result.courses)
    heatmap, required, *_legend = figure.data
    assert heatmap.type == "heatmap" and required.type == "scatter"
    assert np.asarray(heatmap.z).tolist() == [[3, 1, 0], [0, 1, 0], [0, 0, 0], [0, 0, 2]]
    assert [x.split(" ")[0] for x in heatmap.x] == ["A1", "B2", "Z9"]
    assert [y.split(" ")[0] for y in heatmap.y] == ["1.1.1", "1.1.2", "1.1.3", "2.1.1"]
    custom = np.asarray(heatmap.customdata)
    assert custom.shape == (4, 3, 2)
    assert custom[0, 0].tolist() == [1, 12]  # competency 1 × course A1 (id 12)
    assert custom[3, 2].tolist() == [4, 13]
    assert "能完成操作" not in heatmap.y[0] and "statement 1.1.1" in heatmap.y[0]
    assert "Importance: 5" in heatmap.y[0] and "Importance: –" in heatmap.y[2]
    assert [t.split(" ")[0] for t in figure.layout.yaxis.ticktext] == ["1.1.1", "1.1.2", "1.1.3", "2.1.1"]
    assert list(required.text) == ["3", "2", "1", "3"]
    gap_of_marker = [charts.GAP_ORDER[int(i)] for i in required.marker.color]
    assert gap_of_marker == ["ok", "below_required", "uncovered", "below_required"]
    assert np.asarray(required.customdata).tolist() == [[1, -1], [2, -1], [3, -1], [4, -1]]
    assert len(figure.layout.shapes) == 1  # one line between the two areas
    assert [a.text.strip() for a in figure.layout.annotations] == ["1 area", "2 第二领域"]


def test_heatmap_shows_names_beside_codes_and_explains_the_required_column(result):
    """Ticks: code + start of statement / course name; hover: full statement, course name, level name; a legend."""
    comp = result.by_competency.copy()
    comp.loc[0, "statement"] = "能按照装配图完成工业机器人本体与末端执行器的机械安装和精度检查"
    courses = result.courses.copy()
    courses.loc[courses["code"] == "A1", "name"] = "工业机器人现场编程与调试"
    figure = charts.heatmap_figure(comp, result.matrix, courses, labels={"level_3": "3 掌握"})
    heatmap, required, *legend = figure.data
    row_tick = figure.layout.yaxis.ticktext[0]
    assert row_tick.startswith("1.1.1 能按照装配图") and row_tick.endswith("…")
    assert charts.text_width(row_tick) <= charts.ROW_TICK_WIDTH
    column_tick = figure.layout.xaxis.ticktext[0].split("<br>")
    assert column_tick[0] == "A1" and column_tick[1] == "工业机器人" and column_tick[2].endswith("…")
    assert len(column_tick) == 1 + charts.COLUMN_TICK_LINES
    hover = np.asarray(heatmap.text)
    assert hover.shape == np.asarray(heatmap.z).shape and heatmap.hovertemplate == "%{text}<extra></extra>"
    assert comp.loc[0, "statement"] in hover[0, 0] and "A1 工业机器人现场编程与调试" in hover[0, 0]
    assert "3 掌握" in hover[0, 0] and "Importance: 5" in hover[0, 0]
    assert "Below required" in required.hovertext[1]
    assert [t.name for t in legend] == ["Uncovered", "Below required", "Redundant", "Covered as required"]
    assert {t.legendgroup for t in legend} == {"required"} and all(t.x == (None,) for t in legend)
    assert legend[0].legendgrouptitle.text == charts.DEFAULT_LABELS["legend_required"]
    assert [t.marker.color for t in legend] == [charts.GAP_COLORS[g] for g in charts.GAP_ORDER]
    assert figure.layout.legend.itemclick is False  # a click on the legend never hides the matrix


def test_text_helpers_count_wide_characters_twice():
    """shorten / wrap measure display width: a CJK character is two columns; Latin wraps between words."""
    assert charts.text_width("ZH3021 编程") == 11
    assert charts.shorten("工业机器人现场编程", 8) == "工业机…" and charts.shorten("short", 8) == "short"
    assert charts.wrap("Industrial robot programming", 10, 2) == ["Industrial", "robot pro…"]
    assert charts.wrap("机械制图与CAD", 10, 2) == ["机械制图与", "CAD"]
    assert charts.wrap("", 10, 2) == []


def test_framework_kind_picks_a_treemap_when_sunburst_labels_cannot_fit(result):
    """Few leaves with short names: sunburst; many leaves or long area / task names: treemap; auto follows it."""
    comp = result.by_competency
    assert charts.framework_kind(comp) == "sunburst"
    assert charts.framework_figure(comp).data[0].type == "sunburst"
    many = pd.concat([comp] * (charts.SUNBURST_MAX_LEAVES // len(comp) + 1), ignore_index=True)
    assert len(many) > charts.SUNBURST_MAX_LEAVES and charts.framework_kind(many) == "treemap"
    assert charts.framework_kind(many.head(charts.SUNBURST_MAX_LEAVES)) == "sunburst"
    wordy = comp.assign(area="工业机器人系统安装与调试及周边设备的维护保养", task="按照装配图完成机械安装和精度检查与记录")
    assert charts.framework_kind(wordy) == "treemap"
    treemap = charts.framework_figure(wordy).data[0]
    assert treemap.type == "treemap"
    label = dict(zip(treemap.ids, treemap.labels, strict=True))["area:1"]
    assert "<br>" in label and all(charts.text_width(line) <= charts.TREEMAP_LABEL_WIDTH for line in label.split("<br>"))
    hover = dict(zip(treemap.ids, treemap.hovertext, strict=True))
    assert hover["area:1"] == "1 工业机器人系统安装与调试及周边设备的维护保养"
    sunburst = charts.framework_figure(wordy, kind="sunburst").data[0]
    assert all(charts.text_width(n) <= charts.SUNBURST_LABEL_WIDTH for n in sunburst.labels)
    assert sunburst.insidetextorientation == "radial"


def test_heatmap_follows_filtered_frames_and_labels(result):
    """Passing a part of the frames shows that part; labels translate every visible word."""
    comp = result.by_competency[result.by_competency["area_code"] == "2"]
    courses = result.courses[result.courses["code"] != "B2"]
    figure = charts.heatmap_figure(comp, result.matrix, courses, labels={"title_heatmap": "能力×课程", "required": "要求"})
    assert np.asarray(figure.data[0].z).tolist() == [[0, 2]]
    assert figure.layout.title.text == "能力×课程" and figure.data[1].x[0] == "要求"
    assert list(figure.layout.xaxis.categoryarray)[-1] == "要求"


def test_framework_sunburst_and_treemap(result):
    """Leaves are competencies coloured by gap, sized by importance; parents sum their children."""
    figure = charts.framework_figure(result.by_competency, kind="sunburst")
    trace = figure.data[0]
    assert trace.type == "sunburst" and trace.branchvalues == "total"
    ids = list(trace.ids)
    assert ids[:3] == ["programme", "area:1", "area:2"] and "task:2.1" in ids and "competency:4" in ids
    values = dict(zip(ids, trace.values, strict=True))
    assert values["programme"] == 5 + 3 + 1 + 4 and values["area:1"] == 9 and values["competency:3"] == 1
    colors = dict(zip(ids, trace.marker.colors, strict=True))
    assert colors["competency:3"] == charts.GAP_COLORS["uncovered"]
    assert colors["competency:1"] == charts.GAP_COLORS["ok"]
    assert dict(zip(ids, trace.customdata, strict=True))["competency:4"] == 4
    assert dict(zip(ids, trace.parents, strict=True))["competency:4"] == "task:2.1"
    assert charts.framework_figure(result.by_competency, kind="treemap").data[0].type == "treemap"


def test_gaps_by_area_bars(result):
    """One stacked bar trace per gap kind, counted per area in framework order."""
    figure = charts.gaps_by_area_figure(result.by_competency, labels={"gap_uncovered": "未覆盖"})
    assert [t.name for t in figure.data] == ["未覆盖", "Below required", "Redundant"]
    uncovered, below, redundant = (list(t.y) for t in figure.data)
    assert (uncovered, below, redundant) == ([1, 0], [1, 1], [0, 0])
    assert list(figure.data[0].customdata) == ["1", "2"] and figure.layout.barmode == "stack"


def test_sankey_role_area_course(result):
    """Role → area links count competencies; area → course links count covered competencies."""
    figure = charts.sankey_figure(result.by_competency, result.levels, result.courses)
    sankey = figure.data[0]
    keys = list(sankey.node.customdata)
    assert keys == ["role:No job role", "role:运维员", "area:1", "area:2", "course:12", "course:11", "course:13"]
    links = {(keys[s], keys[t]): v for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value,
                                                     strict=True)}
    assert links == {("role:No job role", "area:1"): 3, ("role:运维员", "area:2"): 1, ("area:1", "course:12"): 1,
                     ("area:1", "course:11"): 2, ("area:2", "course:13"): 1}


def test_cumulative_coverage_lines(result):
    """Three lines over the semesters, unscheduled courses last, values from by_semester."""
    figure = charts.cumulative_coverage_figure(result.by_semester, labels={"semester_n": "第{n}学期",
                                                                         "unscheduled": "未排课"})
    assert [t.name for t in figure.data] == ["Covered", "Meets required level", "Weighted coverage"]
    assert list(figure.data[0].x) == ["第1学期", "第2学期", "未排课"]
    assert list(figure.data[0].y) == pytest.approx([1 / 4, 2 / 4, 3 / 4])
    assert list(figure.data[1].y) == pytest.approx(result.by_semester["meets_required_ratio"].tolist())


def test_builders_accept_an_empty_programme():
    """No competencies and no courses: every builder still returns a figure."""
    empty = coverage.coverage_from_inputs(ch.inputs(leaves=[], courses=[], alignments=[]))
    assert np.asarray(charts.heatmap_figure(empty.by_competency, empty.matrix, empty.courses).data[0].z).size == 0
    assert charts.framework_figure(empty.by_competency).data[0].ids == ("programme",)
    assert charts.gaps_by_area_figure(empty.by_competency).data[0].y is not None
    assert charts.sankey_figure(empty.by_competency, empty.levels, empty.courses).data[0].link.value == ()
    assert charts.cumulative_coverage_figure(empty.by_semester).data[0].x == ()


def test_builders_on_the_demo(seeded_engine):
    """The demo programme's figures build and serialise."""
    program_id = coverage.program_id_for_code(seeded_engine, code="460305")
    r = coverage.compute_coverage(seeded_engine, program_id=program_id)
    figures = [charts.heatmap_figure(r.by_competency, r.matrix, r.courses), charts.framework_figure(r.by_competency),
               charts.gaps_by_area_figure(r.by_competency), charts.sankey_figure(r.by_competency, r.levels, r.courses),
               charts.cumulative_coverage_figure(r.by_semester)]
    assert np.asarray(figures[0].data[0].z).shape == (demo_sizes("460305")["competency"], 12)
    assert all(f.to_json() for f in figures)
    assert set(charts.LABEL_KEYS) == set(charts.DEFAULT_LABELS)
