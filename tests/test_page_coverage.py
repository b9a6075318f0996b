"""AppTest: the coverage page (issue 4) — metrics, drill-down, gap filters, downloads, snapshots, empty state."""

from __future__ import annotations

import pytest

from services import coverage
from services.actor import SYSTEM
from services.i18n import translate
from services.programs import create_program, get_program
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)

pytestmark = pytest.mark.apptest
PAGE = "pages/coverage.py"


def table_with(at, column: str):
    """The first data frame on the page that has ``column`` (data frames are not found by key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def open_page(role: str = "lead", lang: str = "zh"):
    at = login(role, lang=lang)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headline_metrics_for_the_demo(app_db, lang):
    """A lead sees coverage, weighted coverage and every gap count in both languages."""
    at = open_page("lead", lang)
    assert at.title[0].value == translate("coverage.title", lang)
    metrics = {m.label: m.value for m in at.metric}
    program_id = get_program(app_db, code="460305")["id"]
    expected = coverage.compute_coverage(app_db, program_id=program_id).metrics
    assert metrics[translate("coverage.metric.coverage_ratio", lang)] == f"{expected['coverage_ratio']:.1%}"
    assert metrics[translate("coverage.metric.weighted_coverage", lang)] == f"{expected['weighted_coverage']:.1%}"
    for kind in ("uncovered", "below_required", "redundant", "under_invested", "over_invested", "orphan_courses"):
        assert metrics[translate(f"coverage.metric.{kind}", lang)] == str(expected[kind]), kind
    assert not at.error


def test_drill_down_by_selectbox_shows_alignment_rows(app_db):
    """Picking a competency lists the alignments behind it, with who proposed them."""
    at = open_page("lead", "en")
    program_id = get_program(app_db, code="460305")["id"]
    result = coverage.compute_coverage(app_db, program_id=program_id)
    covered = result.by_competency[result.by_competency["level"] > 0].iloc[0]
    at.selectbox(key="coverage_drill_competency").set_value(int(covered["id"])).run()
    assert not at.exception
    table = table_with(at, translate("coverage.col.proposed_by", "en"))
    expected = coverage.alignment_details(app_db, program_id=program_id, competency_id=int(covered["id"]))
    assert len(table) == len(expected) > 0
    assert translate("coverage.col.proposed_by", "en") in table.columns


def test_gap_filter_changes_the_row_count(app_db):
    """Filtering the gap table by type leaves only gaps of that type."""
    at = open_page("lead", "en")
    kind = translate("coverage.col.kind", "en")
    before = len(table_with(at, kind))
    at.multiselect(key="coverage_gap_kinds").set_value(["uncovered"]).run()
    after = table_with(at, kind)
    assert 0 < len(after) < before
    assert set(after[kind]) == {translate("coverage.gap.uncovered", "en")}


def test_download_buttons_are_offered(app_db):
    """The gap report and the coverage matrix are built on request, then offered for download."""
    at = open_page("faculty", "zh")
    assert not at.get("download_button")  # nothing built before the user asks
    at.selectbox(key="coverage_marks").set_value("irm")
    at.toggle(key="coverage_prepare_downloads").set_value(True).run()
    assert not at.exception
    for key in ("coverage_download_gaps", "coverage_download_matrix"):
        assert at.get("download_button") and any(getattr(b, "key", None) == key or key in str(b.proto)
                                                 for b in at.get("download_button")), key


def test_lead_takes_a_snapshot_and_it_is_listed(app_db):
    """A lead takes a labelled snapshot; it appears in the list and as the metrics' reference."""
    at = open_page("lead", "en")
    at.text_input(key="coverage_snap_label").input("before review")
    at.button(key="coverage_snap_take").click().run()
    assert not at.exception and not at.error
    listed = table_with(at, translate("coverage.col.created_by", "en"))
    assert list(listed[translate("coverage.col.label", "en")]) == ["before review"]
    at.run()
    assert any(m.delta for m in at.metric)


def test_faculty_cannot_take_snapshots(app_db):
    """Only admins and leads get the snapshot button."""
    at = open_page("faculty", "en")
    with pytest.raises(KeyError):
        at.button(key="coverage_snap_take")


def test_empty_state_for_a_programme_without_alignments(app_db):
    """A new programme shows what to do next instead of empty charts."""
    program = create_program(app_db, actor=SYSTEM, code="460399", name="新专业")
    at = login("lead", lang="en")
    at.session_state["program_id"] = program["id"]
    at.switch_page(PAGE).run()
    assert not at.exception
    assert [i.value for i in at.info] == [translate("coverage.empty", "en")]
    assert len(at.metric) == 0 and len(at.tabs) == 0


def test_source_filter_changes_the_counts(app_db):
    """岗课赛证 (issue 14): choosing certificates counts only the certificate's requirements; its uncovered
    ones are the gaps; a source with no requirements shows an empty view, not an error."""
    from services import sources
    from services.users import get_actor
    from tests.test_sources import _certificate

    program_id = get_program(app_db, code="460305")["id"]
    _, made = _certificate(app_db, program_id, get_actor(app_db, username="lead"))
    at = open_page("lead", "en")
    everything = coverage.compute_coverage(app_db, program_id=program_id).metrics
    uncovered = translate("coverage.metric.uncovered", "en")
    assert {m.label: m.value for m in at.metric}[uncovered] == str(everything["uncovered"])
    at.selectbox(key="coverage_source_kind").set_value("certificate").run()
    assert not at.exception, at.exception
    result = coverage.compute_coverage(app_db, program_id=program_id, source_kind="certificate")
    certificate = result.metrics
    frame = sources.source_frame(app_db, program_id=program_id)
    requirements = set(sources.filter_sources(frame, kind="certificate")["code"])  # the demo's and this one
    assert certificate["competencies"] == len(requirements) and {c["code"] for c in made.values()} <= requirements
    assert {m.label: m.value for m in at.metric}[uncovered] == str(certificate["uncovered"]) != str(
        everything["uncovered"])
    gaps = table_with(at, translate("coverage.col.kind", "en"))
    # requirement gaps are the certificate's; course-side rows (orphans) carry no competency code
    codes = set(gaps[translate("coverage.col.code", "en")].dropna())
    assert {c["code"] for c in made.values()} <= codes <= requirements
    at.selectbox(key="coverage_source_level").set_value("初级").run()
    assert not at.exception, at.exception
    basic = coverage.compute_coverage(app_db, program_id=program_id, source_kind="certificate", level="初级").metrics
    assert {m.label: m.value for m in at.metric}[uncovered] == str(basic["uncovered"]) != str(certificate["uncovered"])
    at.selectbox(key="coverage_source_kind").set_value("competition").run()
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric}[uncovered] == "0"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sources_tab_shows_each_kind_and_what_only_a_link_covers(app_db, lang):
    """A lead sees covered / total per source kind and the certificate skills covered only through a job competency."""
    from services.sources import coverage_by_source

    at = open_page("lead", lang)
    program_id = get_program(app_db, code="460305")["id"]
    summary = {k["kind"]: k for k in coverage_by_source(app_db, program_id=program_id)["kinds"]}
    metrics = {m.label: m.value for m in at.metric}
    cert = summary["certificate"]
    assert metrics[translate("enum.source_kind.certificate", lang)] == f"{cert['covered']} / {cert['total']}"
    assert cert["covered"] > cert["covered_own"] > 0
    table = table_with(at, translate("coverage.sources.col.through", lang))
    assert list(table[translate("coverage.col.code", lang)]) == [r["code"] for r in cert["through_links"]]
    assert all(r["linked"][0]["code"] in text for r, text in zip(
        cert["through_links"], table[translate("coverage.sources.col.through", lang)], strict=True))
    assert not at.error
