"""The import layout corpus (issue #10): the yardstick for the import engine.

Each case is a spreadsheet laid out the way programme offices really lay them out (title and
metadata rows, merged and wrapped multi-row headers, note / legend / signature rows, blank
rows, 小计 / 合计 rows, numbered statements in one cell, matrices with summary rows and
columns, transposed matrices, values as real plans write them, exact Chinese punctuation),
in .xlsx, .xls, .ods and GB18030 CSV, plus the import-relevant real third-party files
(tests/data/real when vendored, else ../shared/data/real; a missing file skips its case with a
message locally and fails it in CI). The ``expected`` record of every case was written from how
a person reads the sheet, before the importer was run on it; it is never copied from the
engine's output and never weakened. The layouts the engine still misses are listed by name in
tests/import_corpus/known_misses.py and marked ``xfail(strict=True)``: any other miss fails the
suite, and a listed layout that starts passing fails too until it is removed from the list.
``python -m bench.import_corpus`` prints the full comparison ("N of M layouts imported right").

The generator itself is checked by the ``test_corpus_*`` tests, which must always pass.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from types import SimpleNamespace

import pytest
from python_calamine import CalamineWorkbook

from services.importing.records import AlignmentIn, CourseIn, Dataset, NodeIn
from tests.conftest import IN_CI
from tests.import_corpus import RULES, check, real_layouts, run, synthetic_layouts
from tests.import_corpus.known_misses import KNOWN_MISSES
from tests.import_corpus.layouts import ROBOT
from tests.import_corpus.paths import locate, searched

SYNTHETIC = synthetic_layouts()
REAL = real_layouts()
FORMATS = ("xlsx", "xls", "ods", "csv")


def _known_miss(layout, request) -> None:
    """A layout listed in known_misses.py is expected to fail (strictly: passing means the list is stale)."""
    if layout.name in KNOWN_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known miss of issue #10 (known_misses.py); "
                                              "python -m bench.import_corpus shows what differs"))


def _report(layout, misses: list[str]) -> str:
    lines = [f"{layout.name} ({layout.filename}; rules: {', '.join(layout.rules)}): {layout.note}",
             "expected vs got:"]
    lines += [f"  - {miss}" for miss in misses]
    return "\n".join(lines)


@pytest.mark.parametrize("layout", SYNTHETIC, ids=lambda layout: layout.name)
def test_layout_imports_as_a_person_reads_it(layout, request):
    """The engine reads a generated layout the way a person reads it (kind, counts, exact values)."""
    _known_miss(layout, request)
    preview = run(layout, layout.build())
    misses = check(layout, preview)
    assert not misses, _report(layout, misses)


@pytest.mark.parametrize("layout", REAL, ids=lambda layout: layout.name)
def test_real_file_imports_as_a_person_reads_it(layout, request):
    """A real third-party file is imported as what it is, or refused when it is not an import."""
    _known_miss(layout, request)
    if locate(layout.path) is None:
        message = f"real file {layout.path} not found in {searched()}"
        if IN_CI:
            pytest.fail(message + " (CI must provide COSTANDARD_REAL_DATA)", pytrace=False)
        pytest.skip(message + "; set COSTANDARD_REAL_DATA to run this case")
    preview = run(layout, layout.build())
    misses = check(layout, preview)
    assert not misses, _report(layout, misses)


# ---- the generator itself ------------------------------------------------------------------

def _open_rows(layout, data: bytes) -> list[list]:
    if layout.fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("gb18030"))))
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book.get_sheet_by_name(book.sheet_names[0]).to_python()


@pytest.mark.parametrize("layout", SYNTHETIC, ids=lambda layout: layout.name)
def test_corpus_layout_builds_and_opens(layout):
    """Every layout builds to bytes that calamine (or a GB18030 CSV reader) opens, with the drawn cells."""
    data = layout.build()
    assert data
    rows = _open_rows(layout, data)
    grid = layout.drawn[0].grid
    assert len(rows) == len(grid.rows)
    covered = grid.covered()
    for r, row in enumerate(grid.rows):
        for c, value in enumerate(row):
            if value is None or (r, c) in covered:
                continue
            got = rows[r][c]
            if isinstance(value, (int, float)):
                assert float(got) == float(value), (layout.name, r + 1, c + 1)
            else:
                assert str(got) == value, (layout.name, r + 1, c + 1)


def test_corpus_size_rules_and_formats():
    """At least 40 layouts; every rule a–i has three or more, in at least two formats; all four formats used."""
    assert len(SYNTHETIC) >= 40
    names = [layout.name for layout in SYNTHETIC + REAL]
    assert len(names) == len(set(names))
    assert len({layout.filename for layout in SYNTHETIC}) == len(SYNTHETIC)
    per_rule = Counter(tag for layout in SYNTHETIC for tag in layout.rules)
    for letter, tag in RULES.items():
        assert per_rule[tag] >= 3, f"rule {letter} ({tag}) has {per_rule[tag]} layouts"
        formats = {layout.fmt for layout in SYNTHETIC if tag in layout.rules}
        assert len(formats) >= 2, f"rule {letter} ({tag}) only in {formats}"
    assert {layout.fmt for layout in SYNTHETIC} == set(FORMATS)
    for tag in ("clean", "flat", "english"):
        assert per_rule[tag] >= 2


def test_corpus_expectations_are_complete():
    """Every case states a kind (or a refusal) and counts; synthetic ones also exact values and the reading."""
    for layout in SYNTHETIC + REAL:
        for exp in layout.expected.get("either", [layout.expected]):
            assert exp.get("refused") or exp.get("kind") or exp.get("counts"), layout.name
    for layout in SYNTHETIC + REAL:
        exp = layout.expected
        if "either" in exp:
            continue
        assert exp.get("refused") or exp.get("kind"), layout.name
        assert exp.get("refused") or exp.get("counts") or exp.get("ok") is False, layout.name
    for layout in SYNTHETIC:
        exp = layout.expected
        assert exp.get("ok") is False or any(k in exp for k in ("tasks", "courses", "alignments")), layout.name
        assert exp["reading"] and any(sheet["header_rows"] for sheet in exp["reading"]), layout.name
        reasons = {i["reason"] for sheet in exp["reading"] for i in sheet["ignored"]}
        assert reasons <= {"title", "note", "legend", "signature", "subtotal", "total", "summary", "section",
                           "blank"}, layout.name


def _fake_preview(dataset: Dataset, created: dict[str, int], *, ok: bool = True, kind: str = "framework"):
    return SimpleNamespace(kind=kind, ok=ok, errors=[], counts={"created": created}, dataset=dataset,
                           to_dict=dict)


def test_corpus_check_accepts_a_right_reading_and_names_each_difference():
    """The checker passes a preview that matches a layout and reports a changed statement, count and level."""
    layout = next(x for x in SYNTHETIC if x.name == "fw_clean_xlsx")
    nodes = []
    for a, (area, tasks) in enumerate(ROBOT, 1):
        nodes.append(NodeIn(code=f"A{a}", statement=area, kind="area"))
        for t, (task, comps) in enumerate(tasks, 1):
            nodes.append(NodeIn(code=f"A{a}T{t}", statement=task, kind="task", parent=f"A{a}"))
            for c, (statement, imp) in enumerate(comps, 1):
                nodes.append(NodeIn(code=f"A{a}T{t}C{c}", statement=statement, kind="competency",
                                    parent=f"A{a}T{t}", importance={"A": 5, "B": 3, "C": 1}[imp],
                                    sort_order=len(nodes)))
    for i, node in enumerate(nodes):
        node.sort_order = i
    created = {"area": 3, "task": 5, "competency": 10}
    assert check(layout, _fake_preview(Dataset(kind="framework", nodes=nodes), created)) == []
    nodes[2].statement += "。"  # 能识读机器人安装图纸, the first competency of 机器人本体安装
    nodes[5].importance = 1  # 能按电气图完成控制柜接线 is A (5)
    misses = check(layout, _fake_preview(Dataset(kind="framework", nodes=nodes), {**created, "area": 4}))
    assert "counts.area: expected 3, got 4" in misses
    assert any(m.startswith("tasks[机器人本体安装]: missing ['能识读机器人安装图纸']") for m in misses)
    assert "importance[能识读机器人安装图纸]: no node with this statement" in misses
    assert "importance[能按电气图完成控制柜接线]: expected 5, got 1" in misses

    matrix = next(x for x in SYNTHETIC if x.name == "mx_clean_xlsx")
    dataset = Dataset(kind="matrix",
                      nodes=[NodeIn(code="1.1.1", statement="能识读机器人安装图纸", kind="competency")],
                      courses=[CourseIn(code="ZH3001", name="工业机器人现场编程", ref="工业机器人现场编程（ZH3001）")],
                      alignments=[AlignmentIn(competency="1.1.1", course="工业机器人现场编程（ZH3001）", level=2)])
    misses = check(matrix, _fake_preview(dataset, {"competency": 6, "course": 4, "alignment": 14}, kind="matrix"))
    assert "alignments[能识读机器人安装图纸 → ZH3001]: expected level 3, got [2]" in misses
    assert "alignments: no link '能完成机器人本体的吊装与固定' → 'ZH3001'" in misses


def test_corpus_check_reads_the_optional_reading_report_only_when_present():
    """Without a "reading" key nothing about skipped rows is checked; with one, each difference is named."""
    layout = next(x for x in SYNTHETIC if x.name == "fw_everything_xlsx")
    wanted = layout.expected["reading"][0]
    assert wanted["header_rows"] == [3] and wanted["splits"][0]["row"] == 4
    reasons = [(i["row"], i["reason"]) for i in wanted["ignored"]]
    assert reasons == [(1, "title"), (2, "title"), (6, "blank"), (9, "blank"), (11, "note"), (12, "signature")]
    without = check(layout, _fake_preview(None, {}, ok=True))
    assert without and not [m for m in without if m.startswith("reading")]  # counts differ, reading unchecked
    wrong = [{"sheet": wanted["sheet"], "header_rows": [1], "transposed": False,
              "ignored": [{"row": 1, "reason": "title"}, {"row": 11, "reason": "legend"}],
              "splits": [{"row": 4, "column": "D", "parts": ["能识读机器人安装图纸"]}]}]
    preview = _fake_preview(None, {}, ok=True)
    preview.to_dict = lambda: {"reading": wrong}
    misses = check(layout, preview)
    assert f"reading[{wanted['sheet']}].header_rows: expected [3], got [1]" in misses
    assert f"reading[{wanted['sheet']}!11]: expected reason note, got legend" in misses
    assert any(m.startswith(f"reading[{wanted['sheet']}!12]: expected ignored as signature") for m in misses)
    assert any(m.startswith(f"reading[{wanted['sheet']}!D4].splits") for m in misses)


def test_corpus_check_accepts_any_of_several_right_readings():
    """An "either" expectation passes when one alternative matches and lists every alternative's misses otherwise."""
    layout = next(x for x in REAL if x.name == "real:competvetsuivi/matrix_ue.json")
    as_courses = _fake_preview(Dataset(kind="courses"), {"course": 50, "competency": 0}, kind="courses")
    assert check(layout, as_courses) == []
    refused = _fake_preview(None, {}, ok=False, kind=None)
    assert check(layout, refused) == []
    as_competencies = _fake_preview(Dataset(kind="framework"), {"competency": 50})
    misses = check(layout, as_competencies)
    assert any(m.startswith("either[0] refused:") for m in misses)
    assert "either[1] counts.course: expected 50, got 0" in misses
    assert "either[1] counts.competency: expected 0, got 50" in misses


def test_corpus_report_ends_with_the_figure(capsys):
    """``python -m bench.import_corpus`` exits 0 and ends with "N of M layouts imported right"."""
    from bench.import_corpus import main

    assert main(["--no-real", "-k", "_clean_"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    right, _, rest = last.partition(" of ")
    assert right.isdigit() and rest == "4 layouts imported right", last
    assert main(["--no-real", "-k", "_clean_", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["total"] == 4 and {r["name"] for r in report["layouts"]} == {
        "fw_clean_xlsx", "fw_clean_csv", "cp_clean_xlsx", "mx_clean_xlsx"}


@pytest.mark.parametrize("name, first_cell", [("mx_transposed_csv", (1, "C")), ("mx_transposed_ticks_xls", (1, "C"))])
def test_a_code_only_matrix_into_an_empty_programme_is_refused_naming_the_header_cells(name, first_cell):
    """Without the framework the codes name nothing: refused, and each message names the code's own
    header cell as the sheet shows it (a transposed sheet: the code heads a column)."""
    from services.importing import analyse

    layout = next(x for x in SYNTHETIC if x.name == name)
    preview = analyse(layout.build(), layout.filename, engine=None, program_code="T1", lang="zh")
    assert not preview.ok
    unknown = [e for e in preview.errors if e["key"] == "import.error.unknown_competency"]
    assert len(unknown) == 6, preview.errors
    assert (unknown[0]["row"], unknown[0]["column"]) == first_cell
    assert [e["column"] for e in unknown] == ["C", "D", "E", "F", "G", "H"]
