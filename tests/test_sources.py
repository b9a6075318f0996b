"""岗课赛证 sources: a certificate with levels beside the job roles; coverage per source and per level."""

from __future__ import annotations

import pytest

from services import framework, sources
from services.alignments import propose_alignment
from services.courses import list_courses
from services.coverage import compute_coverage
from services.errors import ValidationFailed
from services.programs import get_program
from services.users import get_actor


def _certificate(engine, program_id, actor):
    cert = framework.create_job_role(engine, actor=actor, program_id=program_id, kind="certificate",
                                     name="1+X 工业机器人应用编程")
    area = framework.create_node(engine, actor=actor, program_id=program_id, kind="area", code="X1",
                                 statement="工业机器人编程", job_role_id=cert["id"])
    task = framework.create_node(engine, actor=actor, program_id=program_id, kind="task", code="X1.1",
                                 statement="示教编程", parent_id=area["id"], job_role_id=cert["id"])
    made = {}
    for n, level in enumerate(("初级", "中级", "高级"), start=1):
        made[level] = framework.create_node(engine, actor=actor, program_id=program_id, kind="competency",
                                            code=f"X1.1.{n}", statement=f"能完成{level}示教编程", parent_id=task["id"],
                                            comp_type="skill", importance=4, cert_level=level)
    return cert, made


def _without_links(engine, program_id):
    """Remove the demo's cross-source links: the coverage page counts each competency by its own alignments."""
    lead = get_actor(engine, username="lead")
    for link in framework.competency_links(engine, program_id=program_id):
        framework.unlink_competencies(engine, actor=lead, link_id=link["id"])


def test_certificate_coverage_by_level_next_to_the_job_roles(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    lead = get_actor(seeded_engine, username="lead")
    cert, made = _certificate(seeded_engine, program["id"], lead)
    course = list_courses(seeded_engine, program_id=program["id"]).iloc[0]
    propose_alignment(seeded_engine, actor=lead, level=3, competency_id=made["初级"]["id"], course_id=int(course["id"]),
                      accept=True)
    overview = sources.sources_overview(seeded_engine, program_id=program["id"])
    demo = [s for s in overview["sources"] if s["kind"] == "certificate" and s["id"] != cert["id"]]
    assert overview["by_kind"]["certificate"]["competencies"] == 3 + sum(s["competencies"] for s in demo)
    assert overview["by_kind"]["certificate"]["covered"] == 1 + sum(s["covered"] for s in demo)
    assert overview["by_kind"]["competition"]["competencies"] == 0
    entry = next(s for s in overview["sources"] if s["id"] == cert["id"])
    assert entry["kind"] == "certificate" and entry["levels"] == ["初级", "中级", "高级"]
    assert sorted(u["code"] for u in entry["uncovered"]) == ["X1.1.2", "X1.1.3"]
    middle = sources.sources_overview(seeded_engine, program_id=program["id"], level="中级")
    cert_mid = next(s for s in middle["sources"] if s["id"] == cert["id"])
    assert cert_mid["competencies"] == 2 and cert_mid["covered"] == 1 and cert_mid["coverage_ratio"] == 0.5
    assert [u["code"] for u in cert_mid["uncovered"]] == ["X1.1.2"]
    assert sources.levels_up_to("三级") == {"五级", "四级", "三级"}


def test_the_whole_programme_summary_agrees_with_the_coverage_page(seeded_engine):
    """Unfiltered and without links, the source summary reproduces the coverage metrics exactly (one definition)."""
    program = get_program(seeded_engine, code="460305")
    _without_links(seeded_engine, program["id"])
    metrics = compute_coverage(seeded_engine, program_id=program["id"]).metrics
    everything = sources.summary(sources.source_frame(seeded_engine, program_id=program["id"]))
    assert everything["competencies"] == metrics["competencies"] and everything["covered"] == metrics["covered"]
    assert everything["weighted_coverage"] == pytest.approx(metrics["weighted_coverage"])
    by_kind = sources.sources_overview(seeded_engine, program_id=program["id"])["by_kind"]
    assert sum(s["competencies"] for s in by_kind.values()) == metrics["competencies"]  # each in one kind


def test_unknown_source_kind_is_refused(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    with pytest.raises(ValidationFailed):
        framework.create_job_role(seeded_engine, actor=get_actor(seeded_engine, username="lead"),
                                  program_id=program["id"], name="x", kind="hobby")
    with pytest.raises(ValidationFailed):
        sources.filter_sources(sources.source_frame(seeded_engine, program_id=program["id"]), kind="hobby")


def test_a_link_lets_one_course_alignment_count_for_the_job_and_the_certificate(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    lead = get_actor(seeded_engine, username="lead")
    cert, made = _certificate(seeded_engine, program["id"], lead)
    coverage = compute_coverage(seeded_engine, program_id=program["id"]).by_competency
    covered_job = coverage[coverage["level"] == 3].iloc[0]
    before = next(s for s in sources.sources_overview(seeded_engine, program_id=program["id"])["sources"]
                  if s["id"] == cert["id"])
    assert before["covered"] == 0
    link = framework.link_competencies(seeded_engine, actor=lead, a_id=made["中级"]["id"], b_id=int(covered_job["id"]))
    assert framework.link_competencies(seeded_engine, actor=lead, a_id=int(covered_job["id"]),
                                       b_id=made["中级"]["id"]) == link  # once per pair
    after = next(s for s in sources.sources_overview(seeded_engine, program_id=program["id"])["sources"]
                 if s["id"] == cert["id"])
    assert after["covered"] == 1 and [u["code"] for u in after["uncovered"]] == ["X1.1.1", "X1.1.3"]
    frame = sources.source_frame(seeded_engine, program_id=program["id"])
    assert frame.loc[frame["code"] == "X1.1.2", "linked"].iloc[0] == [covered_job["code"]]
    # the job side is unchanged and the coverage page's own figures do not move
    assert compute_coverage(seeded_engine, program_id=program["id"], source_kind="job").metrics["covered"] == \
        sources.summary(frame[frame["source_kind"] == "job"])["covered"]
    with pytest.raises(ValidationFailed):
        framework.link_competencies(seeded_engine, actor=lead, a_id=made["中级"]["id"], b_id=made["中级"]["id"])
    framework.unlink_competencies(seeded_engine, actor=lead, link_id=link["id"])
    assert link["id"] not in {k["id"] for k in framework.competency_links(seeded_engine, program_id=program["id"])}


def test_the_sources_report_is_filtered_by_kind_and_level(seeded_engine):
    import io

    import openpyxl

    from services.exports.sources_xlsx import export_sources_xlsx

    program = get_program(seeded_engine, code="460305")
    lead = get_actor(seeded_engine, username="lead")
    _certificate(seeded_engine, program["id"], lead)
    report = export_sources_xlsx(seeded_engine, actor=lead, program_id=program["id"], lang="zh", level="中级",
                                 kinds=("certificate",))
    book = openpyxl.load_workbook(io.BytesIO(report.content))
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert {r[0] for r in rows} == {"证书"}  # the demo's certificate and this one, no job role
    assert ("证书", "1+X 工业机器人应用编程", "初级 / 中级 / 高级", 2, 0, 0, 0) in rows
    uncovered = list(book.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[4]) for r in uncovered if r[2].startswith("X")] == [("X1.1.1", "初级"), ("X1.1.2", "中级")]
    assert all(r[4] in ("初级", "中级") for r in uncovered)
    assert report.filename.startswith("460305-sources-")


def test_an_unknown_source_kind_and_a_too_long_level_are_refused_in_the_users_language(engine):
    """The kind error has its own message in both catalogs; a level over its 16 characters is refused, not cut."""
    from services.actor import SYSTEM
    from services.errors import error_lines
    from services.framework import create_node
    from services.i18n import translate
    from services.programs import create_program

    program = create_program(engine, actor=SYSTEM, code="LV", name="等级")
    for lang in ("zh", "en"):
        assert translate("industry.error.source_kind", lang) != "industry.error.source_kind"
    with pytest.raises(ValidationFailed) as caught:
        create_node(engine, actor=SYSTEM, program_id=program["id"], kind="competency", code="1", statement="能接线",
                    cert_level="中级" * 10)
    assert [e.field for e in caught.value.errors] == ["cert_level"], error_lines(caught.value, "en")
