"""Coverage restricted to one 岗课赛证 source kind and / or level (issue 14): the service layer the coverage
page, the matrix and gap exports and ``manage.py export`` share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services import coverage, sources
from services.actor import SYSTEM
from services.alignments import propose_alignment
from services.courses import list_courses
from services.errors import ValidationFailed
from services.exports import export_gaps_xlsx, export_matrix_xlsx
from services.programs import get_program
from services.users import get_actor
from tests.exports.conftest import workbook
from tests.test_sources import _certificate, _without_links

ROOT = Path(__file__).resolve().parents[1]


def _with_certificate(engine):
    program = get_program(engine, code="460305")
    lead = get_actor(engine, username="lead")
    _, made = _certificate(engine, program["id"], lead)
    course = list_courses(engine, program_id=program["id"]).iloc[0]
    propose_alignment(engine, actor=lead, level=3, competency_id=made["初级"]["id"], course_id=int(course["id"]),
                      accept=True)
    return program["id"], made


@pytest.mark.parametrize("level", [None, "中级"])
def test_certificate_filter_gives_exactly_the_certificate_requirements(seeded_engine, level):
    """By certificate: the certificate's requirements and nothing else, with the 岗课赛证 page's figures."""
    program_id, made = _with_certificate(seeded_engine)
    _without_links(seeded_engine, program_id)
    result = coverage.compute_coverage(seeded_engine, program_id=program_id, source_kind="certificate", level=level)
    frame = sources.source_frame(seeded_engine, program_id=program_id)
    expected = sources.filter_sources(frame, kind="certificate", level=level)
    assert sorted(result.by_competency["id"].astype(int)) == sorted(expected["id"].astype(int))
    wanted = {"初级", "中级"} if level else {"初级", "中级", "高级"}
    assert {made[lv]["id"] for lv in wanted} <= set(result.by_competency["id"].astype(int))
    assert made["高级"]["id"] in set(result.by_competency["id"].astype(int)) or level
    figures = sources.sources_overview(seeded_engine, program_id=program_id, level=level)["by_kind"]["certificate"]
    m = result.metrics
    assert (m["competencies"], m["covered"]) == (figures["competencies"], figures["covered"])
    assert m["coverage_ratio"] == pytest.approx(figures["coverage_ratio"])
    assert m["weighted_coverage"] == pytest.approx(figures["weighted_coverage"])
    uncovered = set(result.gaps.loc[result.gaps["kind"] == "uncovered", "code"])
    assert uncovered == {u["code"] for u in figures["uncovered"]}
    assert (result.source_kind, result.level) == ("certificate", level or "")


def test_job_filter_leaves_out_the_certificate_and_all_is_the_default(seeded_engine):
    program_id, made = _with_certificate(seeded_engine)
    everything = coverage.compute_coverage(seeded_engine, program_id=program_id)
    jobs = coverage.compute_coverage(seeded_engine, program_id=program_id, source_kind="job")
    certificates = sources.filter_sources(sources.source_frame(seeded_engine, program_id=program_id), kind="certificate")
    assert everything.metrics["competencies"] == jobs.metrics["competencies"] + len(certificates)
    assert not set(jobs.by_competency["id"].astype(int)) & {c["id"] for c in made.values()}
    assert list(jobs.matrix.index) == list(jobs.by_competency["code"])
    assert coverage.compute_coverage(seeded_engine, program_id=program_id, source_kind="competition").metrics[
        "competencies"] == 0
    # the level alone keeps every requirement without a level (the demo's job roles) and the lower certificate ones
    basic = coverage.compute_coverage(seeded_engine, program_id=program_id, level="初级")
    assert basic.metrics["competencies"] == jobs.metrics["competencies"] + int((certificates["cert_level"] == "初级").sum())


def test_unknown_source_kind_or_level_is_refused(seeded_engine):
    program_id = get_program(seeded_engine, code="460305")["id"]
    for bad in ({"source_kind": "club"}, {"level": "特级"}):
        with pytest.raises(ValidationFailed):
            coverage.compute_coverage(seeded_engine, program_id=program_id, **bad)


def test_matrix_and_gap_exports_take_the_filter(seeded_engine):
    program_id, made = _with_certificate(seeded_engine)
    codes = {c["code"] for c in made.values()}

    def matrix_codes(**filters):
        sheet = workbook(export_matrix_xlsx(seeded_engine, actor=SYSTEM, program_id=program_id, **filters).content)
        return {str(c.value) for row in sheet.worksheets[0].iter_rows() for c in row if c.value is not None}

    assert codes <= matrix_codes()
    assert codes <= matrix_codes(source_kind="certificate")
    assert not codes & matrix_codes(source_kind="job")
    assert {"X1.1.1", "X1.1.2"} <= matrix_codes(source_kind="certificate", level="中级")
    assert "X1.1.3" not in matrix_codes(source_kind="certificate", level="中级")

    def gap_codes(**filters):
        sheet = workbook(export_gaps_xlsx(seeded_engine, actor=SYSTEM, program_id=program_id, **filters).content)
        return {str(c.value) for row in sheet.worksheets[0].iter_rows() for c in row if c.value is not None}

    # the workbooks say what they count
    def note(export, **filters):
        return workbook(export(seeded_engine, actor=SYSTEM, program_id=program_id, **filters).content
                        ).worksheets[0]["A2"].value
    for export in (export_matrix_xlsx, export_gaps_xlsx):
        assert "仅统计" not in note(export)
        filtered = note(export, source_kind="certificate", level="中级")
        assert "仅统计：证书" in filtered and "中级及以下" in filtered, filtered

    cert_gaps = gap_codes(source_kind="certificate")
    assert {"X1.1.2", "X1.1.3"} <= cert_gaps and "X1.1.1" not in cert_gaps
    assert not codes & gap_codes(source_kind="job")


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


def test_cli_export_source_kind_and_level(seeded_sqlite_path, tmp_path):
    """``--source-kind`` / ``--level``: 0 written; 1 for an unknown programme; 2 for a bad value or another kind."""
    db = f"sqlite:///{seeded_sqlite_path}"
    rows = {}
    for kind in ("job", "competition"):
        out = tmp_path / f"matrix-{kind}.xlsx"
        done = manage("--db", db, "export", "matrix", "--program", "460305", "--source-kind", kind, "--level", "中级",
                      "--out", str(out), "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["ok"] and out.stat().st_size > 0
        rows[kind] = workbook(out.read_bytes()).worksheets[0].max_row
    assert rows["job"] > rows["competition"]  # the demo holds job roles and a certificate: no competition rows
    gaps = tmp_path / "gaps.xlsx"
    assert manage("--db", db, "export", "gaps", "--program", "460305", "--source-kind", "certificate",
                  "--out", str(gaps)).returncode == 0
    rejected = manage("--db", db, "export", "gaps", "--program", "NOPE", "--source-kind", "job",
                      "--out", str(tmp_path / "x.xlsx"))
    assert rejected.returncode == 1 and not (tmp_path / "x.xlsx").exists()
    assert manage("--db", db, "export", "matrix", "--program", "460305", "--source-kind", "club").returncode == 2
    assert manage("--db", db, "export", "matrix", "--program", "460305", "--level", "特级").returncode == 2
    wrong = manage("--db", db, "export", "moodle", "--program", "460305", "--source-kind", "job",
                   "--out", str(tmp_path / "m.csv"))
    assert wrong.returncode == 2 and "--source-kind" in wrong.stderr


@pytest.mark.parametrize("level", [None, "中级"])
def test_the_per_source_summary_counts_links_and_names_what_only_a_link_covers(seeded_engine, level):
    """The demo certificate (data/demo): covered by its own alignments, plus the requirements whose linked job
    competency a course covers — those are listed with the job competency that carries them."""
    from tests.demo_data import demo_file

    program_id = get_program(seeded_engine, code="460305")["id"]
    cert = demo_file("460305")["certificates"][0]
    wanted = sources.levels_up_to(level) if level else {"初级", "中级", "高级"}
    rows = {str(r[2]).split(" ", 1)[0]: r[3] for r in cert["rows"] if r[3] in wanted}
    aligned = {a["requirement"] for a in cert["alignments"]} & set(rows)
    job = coverage.compute_coverage(seeded_engine, program_id=program_id, source_kind="job").by_competency
    job_level = dict(zip(job["code"], job["level"], strict=True))
    through = {req: code for req, code in cert["links"] if req in rows and req not in aligned and job_level[code] > 0}
    assert through  # the demo shows the case

    summary = sources.coverage_by_source(seeded_engine, program_id=program_id, level=level)
    by_kind = {k["kind"]: k for k in summary["kinds"]}
    assert list(by_kind) == ["job", "certificate", "competition"] and summary["links"] == len(cert["links"])
    certificate = by_kind["certificate"]
    assert (certificate["total"], certificate["covered_own"], certificate["covered"]) == (
        len(rows), len(aligned), len(aligned) + len(through))
    assert {r["code"]: [x["code"] for x in r["linked"]] for r in certificate["through_links"]} == {
        req: [code] for req, code in through.items()}
    assert all(x["source"] == "工业视觉系统运维员" for r in certificate["through_links"] for x in r["linked"])
    assert by_kind["competition"] == {"kind": "competition", "total": 0, "covered_own": 0, "covered": 0,
                                      "through_links": []}
    # the figures match the 岗课赛证 page's per-kind ones, which count links the same way
    page = sources.sources_overview(seeded_engine, program_id=program_id, level=level)["by_kind"]["certificate"]
    assert (page["competencies"], page["covered"]) == (certificate["total"], certificate["covered"])
