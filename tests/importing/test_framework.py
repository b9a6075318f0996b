"""Framework kind: layouts of 职业能力分析表 and competency lists, diff, commit, idempotence."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent, Competency, ImportRecord, Program
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import PermissionDenied
from services.importing import analyse, commit, list_imports
from tests.factories import make_user
from tests.importing.conftest import created, run_import, table_counts, updated, xlsx_bytes

ANALYSIS = [
    ["工业机器人技术专业职业能力分析表"],
    ["专业代码：460305", None, None, "制表：王老师"],
    ["序号", "工作领域", "工作任务", "职业能力", "重要程度", "类型"],
    [1, "1 工业机器人安装", "1.1 机械安装", "1.1.1 能识读机械装配图", "A", "技能"],
    [2, None, None, "1.1.2 能完成本体安装", "B", "技能"],
    [3, None, "1.2 电气安装", "1.2.1 能识读电气原理图", "核心", "知识"],
    [4, "2 工业机器人编程", "2.1 示教编程", "2.1.1 能完成示教编程", "A", "技能"],
    [5, None, None, "2.1.10 能编写码垛程序", 3, "素质"],
    [],
    ["注：重要程度 A—核心，B—重要，C—一般"],
]
MERGES = ["A1:F1", "B4:B6", "C4:C5", "B7:B8", "C7:C8"]


def nodes(engine, program="P1") -> dict[str, Competency]:
    with session_scope(engine) as session:
        pid = session.exec(select(Program.id).where(Program.code == program)).one()
        return {c.code: c for c in session.exec(select(Competency).where(Competency.program_id == pid)).all()}


def test_analysis_table_with_title_merges_outline_codes_and_legend(engine):
    """Title rows skipped, merged 工作领域/工作任务 filled down, "1.2.3 能…" codes kept as text, legend ignored."""
    data = xlsx_bytes(ANALYSIS, title="能力分析表", merges=MERGES)
    preview, result = run_import(engine, data, "分析表.xlsx", lang="zh")
    assert preview.kind == "framework" and preview.header_row == 3
    assert result.ok and created(result) == {"area": 2, "task": 3, "competency": 5}
    assert [(w["key"], w["row"]) for w in result.warnings] == [  # two title rows, the legend, one blank row
        ("import.warning.ignored_row", 1), ("import.warning.ignored_row", 2), ("import.warning.ignored_row", 10),
        ("import.warning.blank_rows", None)]
    got = nodes(engine)
    assert got["2.1.10"].statement == "能编写码垛程序" and "2.1.1" in got and got["2.1.10"].id != got["2.1.1"].id
    assert got["1.1.1"].parent_id == got["1.1"].id and got["1.1"].parent_id == got["1"].id
    assert (got["1.1.1"].importance, got["1.1.1"].comp_type, got["1.2.1"].comp_type) == (5, "skill", "knowledge")
    assert got["2.1.10"].comp_type == "quality" and got["1"].kind == "area" and got["2.1"].kind == "task"
    with session_scope(engine) as session:
        record = session.exec(select(ImportRecord)).one()
        assert record.kind == "framework" and record.counts["created"]["competency"] == 5
        # one audit event for the whole import (no longer one per imported row); the record lists the rows
        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type.in_(("competency", "import")))).all()
        assert [(e.entity_type, e.action, e.entity_id, e.username) for e in events] == \
            [("import", "import", record.id, "system")]
        ids = [n.id for n in got.values()]
        assert record.entities["created"] == {"program": [[record.program_id, record.program_id]],
                                              "competency": [[min(ids), max(ids)]]}
        assert events[0].at == record.at


def test_reimport_is_idempotent_and_never_deletes(engine):
    """The same file twice: 0 created, 0 updated. A shorter file reports not_in_file and deletes nothing."""
    data = xlsx_bytes(ANALYSIS, merges=MERGES)
    run_import(engine, data, "a.xlsx")
    before = table_counts(engine)
    _, again = run_import(engine, data, "a.xlsx")
    assert again.ok and created(again) == {} and updated(again) == {}
    assert again.counts["unchanged"]["competency"] == 5
    after = table_counts(engine)
    assert {k: v for k, v in after.items() if k not in ("import_record", "audit_event")} == \
        {k: v for k, v in before.items() if k not in ("import_record", "audit_event")}
    shorter = [r for r in ANALYSIS if not (r and r[0] == 5)]
    shorter[6] = [4, "2 工业机器人编程", "2.1 示教编程", "2.1.1 能完成示教编程（改）", "B", "技能"]
    preview, result = run_import(engine, xlsx_bytes(shorter, merges=["B4:B6", "C4:C5"]), "b.xlsx")
    assert result.ok and updated(result) == {"competency": 1}
    assert result.counts["not_in_file"]["competency"] == 1
    assert any(c["action"] == "not_in_file" and c["key"] == "2.1.10" for c in preview.changes)
    assert "2.1.10" in nodes(engine) and nodes(engine)["2.1.1"].importance == 3


def test_areas_and_tasks_without_codes_get_stable_derived_codes(engine):
    """No codes in 领域/任务 cells: derived from the children's outline codes, or by position — the same every time."""
    rows = [["工作领域", "工作任务", "职业能力"],
            ["机器人安装", "机械安装", "3.1.1 能识读装配图"],
            [None, None, "3.1.2 能安装本体"],
            [None, "电气安装", "能接线"],
            ["机器人编程", "示教编程", "能示教"]]
    _, _result = run_import(engine, xlsx_bytes(rows), "x.xlsx")
    got = nodes(engine)
    assert got["3.1"].statement == "机械安装" and got["3"].statement == "机器人安装"
    assert got["3.2"].statement == "电气安装" and got["3.2.1"].statement == "能接线"
    assert got["2"].statement == "机器人编程" and got["2.1"].statement == "示教编程"
    assert got["2.1.1"].statement == "能示教"
    _, again = run_import(engine, xlsx_bytes(rows), "x.xlsx")
    assert created(again) == {} and updated(again) == {}


def test_flat_list_with_parent_column_and_english_headers(sqlite_only):
    """Code | Parent | Statement | Type | Importance (fuzzy English headers) builds the tree from the parent column."""
    rows = [["Code", "Parent code", "Competency statment", "Type", "Importance"],
            ["A", "", "Install robots", "", ""],
            ["A.T1", "A", "Mechanical installation", "", ""],
            ["K-01", "A.T1", "Read assembly drawings", "knowledge", "H"],
            ["S-01", "A.T1", "Mount the robot", "skill", "2"]]
    preview, result = run_import(sqlite_only, xlsx_bytes(rows), "list.xlsx", lang="en")
    assert {c["field"] for c in preview.columns} >= {"code", "parent", "statement", "comp_type", "importance"}
    assert result.ok and created(result) == {"area": 1, "task": 1, "competency": 2}
    got = nodes(sqlite_only)
    assert got["K-01"].parent_id == got["A.T1"].id and got["K-01"].importance == 5 and got["S-01"].importance == 2


@pytest.mark.parametrize("encoding, delimiter, bom", [("gb18030", ",", b""), ("utf-8", ";", b"\xef\xbb\xbf"),
                                                      ("utf-16-le", "\t", b"\xff\xfe")])
def test_csv_variants_import_alike(sqlite_only, encoding, delimiter, bom):
    """GB18030 CSV, semicolon CSV with BOM and UTF-16 TSV give the same framework (outline parents)."""
    lines = [["编码", "能力描述", "重要程度"], ["1", "安装", ""], ["1.1", "机械安装", ""],
             ["1.1.1", "能识读装配图，并说明要求", "A"], ["1.1.10", "能安装", "C"]]
    text = "\r\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c else c for c in line) for line in lines)
    _, result = run_import(sqlite_only, bom + text.encode(encoding), "框架.tsv" if delimiter == "\t" else "框架.csv")
    assert result.ok, result.errors
    got = nodes(sqlite_only)
    assert got["1.1.10"].parent_id == got["1.1"].id and got["1.1.1"].statement == "能识读装配图，并说明要求"
    assert got["1"].kind == "area" and got["1.1"].kind == "task"


BAD = {
    "duplicate": [["编码", "能力描述"], ["1", "领域"], ["1.1", "能一"], ["1.1", "能二"]],
    "cycle": [["编码", "上级编码", "能力描述"], ["A", "B", "一"], ["B", "A", "二"], ["C", "", "三"]],
    "bad_values": [["编码", "能力描述", "重要程度", "类型"], ["1", "能一", "极高", "知识"],
                   ["2", "能二", "A", "态度好"]],
    "formula": [["编码", "能力描述"], ["1", '=CONCAT("能","一")']],
    "missing_parent": [["编码", "上级编码", "能力描述"], ["1.1", "9", "能一"]],
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_rows_reject_the_whole_import_and_change_nothing(engine, case):
    """Duplicate codes, cycles, bad values, formulas without values, unknown parents: errors, database unchanged."""
    before = table_counts(engine)
    _preview, result = run_import(engine, xlsx_bytes(BAD[case]), f"{case}.xlsx", lang="en")
    assert not result.ok and result.errors
    for issue in result.errors:
        assert issue["file"] == f"{case}.xlsx" and issue["sheet"] == "Sheet1" and issue["row"], issue
        assert not issue["message"].startswith("import.")
    assert table_counts(engine) == before
    keys = {e["key"] for e in result.errors}
    expected = {"duplicate": "import.error.duplicate_code", "cycle": "import.error.cycle",
                "bad_values": "import.error.importance", "formula": "import.error.formula_without_value",
                "missing_parent": "import.error.parent_missing"}[case]
    assert expected in keys
    if case == "bad_values":
        assert {e["column"] for e in result.errors} == {"重要程度", "类型"}


def _zip_bomb() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (30 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("data, name", [
    (b"", "empty.xlsx"), (bytes(range(256)) * 4, "random.xlsx"),
    (xlsx_bytes([["编码", "能力"], ["1", "能"]])[:900], "truncated.xlsx"),
    ("code;statement\n1;Réaliser un diagnostic précis\n".encode("latin-1"), "wrong-encoding.csv"),
    (_zip_bomb(), "bomb.xlsx"),
])
def test_unreadable_files_change_nothing(engine, data, name):
    """Empty, random, truncated, wrongly encoded and zip-bomb files are rejected whole; the database is unchanged."""
    before = table_counts(engine)
    preview, result = run_import(engine, data, name)
    assert preview.fatal and not result.ok and result.errors[0]["file"] == name
    assert table_counts(engine) == before


def test_skip_invalid_imports_valid_rows_and_returns_the_rest(sqlite_only):
    """--skip-invalid: valid rows go in, the invalid ones come back as a workbook with an error column."""
    import io

    import openpyxl

    rows = [["编码", "能力描述", "重要程度"], ["1", "领域", ""], ["1.1", "能一", "A"], ["1.2", "能二", "极高"],
            ["1.1", "重复", ""]]
    _, result = run_import(sqlite_only, xlsx_bytes(rows), "s.xlsx", skip_invalid=True, lang="en")
    assert result.ok and created(result) == {"area": 1, "competency": 1} and len(result.errors) == 2
    assert result.invalid_row_count == 2
    wb = openpyxl.load_workbook(io.BytesIO(result.invalid_rows_xlsx))
    values = [[c.value for c in row] for row in wb.active.iter_rows()]
    assert values[0] == ["编码", "能力描述", "重要程度", "Error"]
    assert values[1][:3] == ["1.2", "能二", "极高"] and "Importance" in values[1][3]
    assert values[2][0] == "1.1" and "twice" in values[2][3]


def test_commit_needs_import_permission(sqlite_only):
    """Only admins and leads may import; faculty get PermissionDenied and nothing is written."""
    faculty = make_user(sqlite_only, role="faculty")
    preview = analyse(xlsx_bytes(ANALYSIS, merges=MERGES), "a.xlsx", engine=sqlite_only, program_code="P1")
    before = table_counts(sqlite_only)
    with pytest.raises(PermissionDenied):
        commit(sqlite_only, actor=faculty, preview=preview)
    assert table_counts(sqlite_only) == before
    lead = make_user(sqlite_only, role="lead")
    result = commit(sqlite_only, actor=lead, preview=preview, progress_callback=lambda f, m: None)
    assert result.ok and list_imports(sqlite_only)[0]["username"] == lead.username


def test_progress_is_reported_and_the_preview_is_plain_data(sqlite_only):
    """The UI gets a JSON-safe preview and a progress callback from 0 to 1."""
    import json

    preview = analyse(xlsx_bytes(ANALYSIS, merges=MERGES), "a.xlsx", engine=sqlite_only, program_code="P1", lang="en")
    json.dumps(preview.to_dict())
    assert preview.to_dict()["columns"][1]["field"] == "area"
    seen = []
    commit(sqlite_only, actor=SYSTEM, preview=preview, progress_callback=lambda f, m: seen.append((f, m)))
    assert seen[-1][0] == 1.0 and all(isinstance(m, str) and m for _, m in seen)
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_user_mapping_and_header_row_override(sqlite_only):
    """The mapping step: header row and columns chosen by the user win over detection."""
    rows = [["清单"], ["A列", "B列", "C列"], ["x1", "能甲", "A"], ["x2", "能乙", "B"]]
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=sqlite_only, program_code="P1")
    assert preview.fatal
    preview = analyse(xlsx_bytes(rows), "m.xlsx", engine=sqlite_only, program_code="P1", kind="framework",
                      header_row=2, mapping={"A": "code", "B": "statement", "C": "importance"})
    assert preview.ok and preview.counts["created"]["competency"] == 2
    assert [c["field"] for c in preview.columns] == ["code", "statement", "importance"]


def test_nesting_depth_limit(sqlite_only):
    """Outline codes nested deeper than the limit are located errors; nothing is written."""
    from services.importing import Limits

    rows = [["编码", "能力描述"], ["1", "一"], ["1.1", "二"], ["1.1.1", "三"], ["1.1.1.1", "四"], ["1.1.1.1.1", "五"]]
    preview = analyse(xlsx_bytes(rows), "deep.xlsx", engine=sqlite_only, program_code="P1", lang="en",
                      limits=Limits(max_depth=3))
    assert not preview.ok
    assert [(e["row"], e["key"]) for e in preview.errors] == [(5, "import.error.too_deep"),
                                                               (6, "import.error.too_deep")]
    assert "limit of 3" in preview.errors[0]["message"]
    assert analyse(xlsx_bytes(rows), "deep.xlsx", engine=sqlite_only, program_code="P1").ok  # default limit 8
