"""The live checklist and the objective-wording linter (pure rules, then on real standards)."""

from __future__ import annotations

import copy

import pytest

from services import checks, framework, standards
from services.actor import SYSTEM
from services.checks import CHECKS, check_content, finding_text, lint_objective, summarize
from services.i18n import catalog
from tests.standard_factories import demo_standard_id, make_world, version_of

# --------------------------------------------------------------------------- wording lint


@pytest.mark.parametrize(("text", "keys"), [
    ("使学生了解工业机器人的发展历史与应用现状", {"lint.zh.student_as_object", "lint.zh.vague_verb"}),
    ("培养学生的安全意识", {"lint.zh.student_as_object"}),
    ("提高学生编写PLC程序的能力", {"lint.zh.student_as_object"}),
    ("熟悉PLC的功能与性能指标", {"lint.zh.vague_verb"}),
    ("了解智能制造技能大赛", {"lint.zh.vague_verb"}),
    ("理解坐标系的概念", {"lint.zh.vague_verb"}),
    ("能够说明工业机器人运动指令的含义", set()),
    ("了解常用传感器，能够正确选用并安装", set()),
    ("熟悉安全规程并能完成开关机操作", set()),
    ("具有遵守6S管理规范的职业素养", set()),
    ("Understand the basics of PLCs.", {"lint.en.vague_verb"}),
    ("Know the safety rules of the workshop", {"lint.en.vague_verb"}),
    ("Learn about hydraulic systems", {"lint.en.vague_verb"}),
    ("Appreciate the value of teamwork", {"lint.en.vague_verb"}),
    ("Be familiar with maintenance plans", {"lint.en.vague_verb"}),
    ("Help students appreciate quality", {"lint.en.student_as_object", "lint.en.vague_verb"}),
    ("Understand wiring diagrams and install sensors accordingly", set()),
    ("Diagnose malfunctions of industrial machinery using test instruments", set()),
    ("Explain wear and lubrication of machine elements", set()),
    ("Apply knowledge of pneumatics to configure a cylinder circuit", set()),
    ("", set()),
])
def test_objective_wording_lint(text, keys):
    """Chinese and English rules: the school as subject, and vague verbs without a measurable one."""
    assert {p["key"] for p in lint_objective(text)} == keys


def test_lint_does_not_mistake_nouns_with_neng_for_the_verb():
    """能 inside 功能 / 技能 / 智能 / 能力 is not 能 (can): 了解 stays vague."""
    assert lint_objective("了解智能产线的功能和技能要求与能力结构")[0]["params"] == {"phrase": "了解"}


# --------------------------------------------------------------------------- checklist rules (pure)


def _content(**overrides) -> dict:
    content = {
        "meta": {"course_hours": 64, "course_hours_theory": 32, "course_hours_practice": 32},
        "header": {"nature": "n", "design_rationale": "d", "teaching_methods": "t", "resources": "r"},
        "objectives": [
            {"id": 1, "dimension": "knowledge", "code": "K1", "text": "能够说明原理",
             "alignments": [{"code": "1.1.1", "level": 2, "status": "accepted"}]},
            {"id": 2, "dimension": "skill", "code": "S1", "text": "能够完成调试",
             "alignments": [{"code": "1.1.2", "level": 3, "status": "accepted"}]},
            {"id": 3, "dimension": "quality", "code": "Q1", "text": "具有安全意识",
             "alignments": [{"code": "1.2.1", "level": 2, "status": "accepted"}]},
        ],
        "units": [
            {"id": 10, "title": "U1", "hours_theory": 16, "hours_practice": 16,
             "alignments": [{"code": "1.1.1", "level": 3, "status": "accepted"}]},
            {"id": 11, "title": "U2", "hours_theory": 16, "hours_practice": 16,
             "alignments": [{"code": "1.2.1", "level": 2, "status": "accepted"}]},
        ],
        "assessment": [{"id": 20, "name": "A", "weight": 60}, {"id": 21, "name": "B", "weight": 40.0}],
    }
    content.update(overrides)
    return content


FRAMEWORK = {"1.1.1": {"id": 101, "kind": "competency", "status": "accepted"},
             "1.1.2": {"id": 102, "kind": "competency", "status": "accepted"},
             "1.2.1": {"id": 103, "kind": "competency", "status": "accepted"}}


def _keys(findings) -> list[str]:
    return [f["key"] for f in findings]


def test_a_complete_standard_passes_every_check():
    """No finding at all for a standard that adds up, is aligned and well worded."""
    findings = check_content(_content(), framework=FRAMEWORK, plan_codes={"1.1.1", "1.1.2", "1.2.1"})
    assert findings == []
    view = summarize(findings)
    assert view["blocking"] is False and [c["check"] for c in view["checks"]] == list(CHECKS)
    assert all(c["ok"] for c in view["checks"])


def test_hours_and_weights_mismatches_are_blocking_errors():
    """Unit hours ≠ course hours and weights ≠ 100 are errors targeting their sections."""
    content = _content()
    content["units"][0]["hours_practice"] = 10
    content["assessment"][1]["weight"] = 30
    findings = check_content(content)
    errors = [f for f in findings if f["severity"] == "error"]
    assert [(f["key"], f["target_type"], f["target_id"]) for f in errors] == [
        ("checks.hours_mismatch", "section", "units"), ("checks.weights_mismatch", "section", "assessment")]
    assert errors[0]["params"] == {"units_total": 58, "course_hours": 64} and errors[1]["params"] == {"total": "90"}
    assert summarize(findings)["blocking"] is True


def test_right_total_with_wrong_theory_practice_split_is_a_warning():
    """Hours add up but theory/practice differ from the course: warning only."""
    content = _content()
    content["units"][0].update(hours_theory=20, hours_practice=12)
    findings = check_content(content)
    assert _keys(findings) == ["checks.hours_split_mismatch"] and findings[0]["severity"] == "warning"


def test_weights_may_be_decimals_that_add_up():
    """33.33 + 33.33 + 33.34 is 100."""
    content = _content(assessment=[{"id": i, "name": str(i), "weight": w} for i, w in enumerate((33.33, 33.33, 33.34))])
    assert check_content(content) == []


def test_unaligned_units_and_objectives_are_flagged_with_their_ids():
    """An orphan unit or objective (or one whose links were all rejected) links to that row."""
    content = _content()
    content["units"][1]["alignments"] = []
    content["objectives"][0]["alignments"] = [{"code": "1.1.1", "level": 2, "status": "rejected"}]
    findings = check_content(content)
    assert [(f["key"], f["target_type"], f["target_id"]) for f in findings] == [
        ("checks.unit_not_aligned", "unit", 11), ("checks.objective_not_aligned", "objective", 1)]


def test_task_table_is_checked_against_the_framework_and_the_plan():
    """Retired, unconfirmed and unknown competencies; plan codes missing from or extra to the standard."""
    content = _content()
    content["units"][0]["alignments"].append({"code": "9.9.9", "level": 1, "status": "accepted"})
    content["units"][1]["alignments"].append({"code": "1.2.2", "level": 1, "status": "accepted"})
    content["objectives"][0]["alignments"].append({"code": "1.2.3", "level": 1, "status": "accepted"})
    fw = {**FRAMEWORK, "1.2.2": {"id": 104, "kind": "competency", "status": "retired"},
          "1.2.3": {"id": 105, "kind": "competency", "status": "proposed"},
          "1.3.1": {"id": 106, "kind": "competency", "status": "accepted"}}
    findings = check_content(content, framework=fw, plan_codes={"1.1.1", "1.1.2", "1.2.1", "1.2.2", "1.2.3", "1.3.1"})
    got = [(f["key"], f["target_type"], f["target_id"], f["params"]["code"]) for f in findings]
    assert ("checks.competency_unknown", "unit", 10, "9.9.9") in got
    assert ("checks.competency_retired", "unit", 11, "1.2.2") in got
    assert ("checks.competency_not_accepted", "objective", 1, "1.2.3") in got
    assert ("checks.plan_competency_missing", "competency", 106, "1.3.1") in got
    assert ("checks.competency_not_in_plan", "competency", None, "9.9.9") in got
    assert all(f["severity"] == "warning" for f in findings)


def test_open_proposals_missing_dimensions_and_empty_sections_are_warnings():
    """Proposals still open, a missing quality objective and an empty section are listed."""
    content = _content()
    content["units"][0]["alignments"][0]["status"] = "proposed"
    content["objectives"] = content["objectives"][:2]
    content["units"][1]["alignments"].append({"code": "1.1.2", "level": 1})  # unsaved edit: no status yet
    content["header"]["resources"] = "  "
    findings = check_content(content)
    assert _keys(findings) == ["checks.open_proposals", "checks.dimension_missing.quality",
                               "checks.section_empty.resources"]
    assert findings[0]["params"] == {"count": 2}
    assert (findings[2]["target_type"], findings[2]["target_id"]) == ("section", "resources")


def test_every_finding_key_is_translated_in_both_languages():
    """All keys a finding can carry exist in zh and en, and render with their params."""
    content = _content(objectives=[{"id": 1, "dimension": "x", "code": "K", "text": "使学生了解", "alignments": []},
                                   {"id": 2, "dimension": "x", "code": "E", "text": "Help students understand it",
                                    "alignments": []}],
                       assessment=[], header={})
    content["units"][0].update(hours_theory=1, alignments=[{"code": "9", "status": "proposed"},
                                                           {"code": "1.2.2", "status": "accepted"},
                                                           {"code": "1.2.3", "status": "accepted"}])
    content["units"][1]["alignments"] = []
    content["meta"]["course_hours_theory"] = 99
    fw = {"1.2.2": {"id": 1, "kind": "competency", "status": "retired"},
          "1.2.3": {"id": 2, "kind": "competency", "status": "proposed"}}
    findings = check_content(content, framework=fw, plan_codes={"7.7.7"})
    content["units"][0]["hours_theory"] = 16
    content["units"][0]["hours_practice"] = 16
    content["units"][1]["hours_theory"] = 32
    content["units"][1]["hours_practice"] = 0
    findings += check_content(content)
    keys = {f["key"] for f in findings}
    expected = {"checks.hours_mismatch", "checks.hours_split_mismatch", "checks.weights_mismatch",
                "checks.unit_not_aligned", "checks.objective_not_aligned", "checks.competency_unknown",
                "checks.competency_retired", "checks.competency_not_accepted", "checks.plan_competency_missing",
                "checks.competency_not_in_plan", "checks.open_proposals", "lint.zh.student_as_object",
                "lint.zh.vague_verb", "lint.en.student_as_object", "lint.en.vague_verb",
                *(f"checks.dimension_missing.{d}" for d in ("knowledge", "skill", "quality")),
                *(f"checks.section_empty.{s}" for s in checks.REQUIRED_SECTIONS)}
    assert keys == expected
    keys |= {f"checks.rule.{c}" for c in CHECKS} | {"checks.severity.error", "checks.severity.warning"}
    for lang in ("zh", "en"):
        assert keys <= set(catalog(lang)), sorted(keys - set(catalog(lang)))
        for finding in findings:
            text = finding_text(finding, lang)
            assert "{" not in text and text != finding["key"]


# --------------------------------------------------------------------------- on real standards


def test_demo_lint_catches_the_bad_objective_and_the_orphan_unit(seeded_engine):
    """ZH3021 K3 「使学生了解…」 is flagged twice; ZJ2011's HMI unit has no alignment; nothing blocks."""
    zh3021 = checks.checklist(seeded_engine, standard_id=demo_standard_id(seeded_engine, "ZH3021"))
    wording = [f for f in zh3021["findings"] if f["check"] == "wording"]
    assert {f["key"] for f in wording} == {"lint.zh.student_as_object", "lint.zh.vague_verb"}
    assert {f["params"]["code"] for f in wording} == {"K3"} and wording[0]["target_type"] == "objective"
    assert finding_text(wording[0], "zh").startswith("目标 K3")
    zj2011 = checks.checklist(seeded_engine, standard_id=demo_standard_id(seeded_engine, "ZJ2011"))
    orphans = [f for f in zj2011["findings"] if f["key"] == "checks.unit_not_aligned"]
    assert [f["params"]["title"] for f in orphans] == ["项目五 触摸屏组态与PLC监控"]
    assert orphans[0]["target_type"] == "unit" and isinstance(orphans[0]["target_id"], int)
    assert zh3021["errors"] == zj2011["errors"] == 0
    assert not any(f["check"] == "wording" for f in zj2011["findings"])


def test_english_demo_standard_has_no_wording_findings(seeded_engine):
    """The English demo objectives use measurable verbs."""
    result = checks.checklist(seeded_engine, standard_id=demo_standard_id(seeded_engine, "MEC203", "MECH-ENG"))
    assert not [f for f in result["findings"] if f["check"] == "wording"] and result["errors"] == 0


def test_checklist_runs_on_unsaved_content(engine):
    """The page passes the editor's content: hours typed but not saved are checked live."""
    world = make_world(engine)
    saved = checks.checklist(engine, standard_id=world.standard_id)
    assert saved["errors"] == 0 and [f["key"] for f in saved["findings"]] == ["checks.open_proposals"]
    draft = copy.deepcopy(standards.standard_content(engine, world.standard_id))
    draft["units"][0]["hours_practice"] = 0
    draft["meta"] = {"course_hours": 1}  # ignored: meta always comes from the saved standard
    live = checks.checklist(engine, standard_id=world.standard_id, content=draft)
    assert [f["key"] for f in live["findings"]] == ["checks.hours_mismatch", "checks.open_proposals"]
    assert live["blocking"]
    assert live["findings"][0]["params"] == {"units_total": 48, "course_hours": 64}


def test_checklist_flags_a_competency_retired_after_it_was_aligned(engine):
    """Retiring an aligned competency in the framework shows up in the standard's checklist."""
    world = make_world(engine)
    node = world.nodes["1.2.1"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    result = checks.checklist(engine, standard_id=world.standard_id)
    retired = [f for f in result["findings"] if f["key"] == "checks.competency_retired"]
    assert retired and {f["params"]["code"] for f in retired} == {"1.2.1"} and not result["blocking"]


def test_task_table_rows_come_from_the_framework_in_code_order(engine):
    """Area | task | competency with statements, highest level and the items that build each."""
    world = make_world(engine)
    table = checks.task_table(engine, standard_id=world.standard_id)
    assert list(table.columns) == checks.TASK_TABLE_COLUMNS
    assert list(table["code"]) == ["1.1.1", "1.1.2", "1.2.1"]
    first = table.iloc[0]
    assert (first["area_code"], first["area"], first["task_code"], first["task"]) == ("1", "领域一", "1.1", "任务1")
    assert first["statement"] == "能完成第1项操作" and first["level"] == 3
    assert first["targets"] == "单元一 认识与选用; K1" and first["alignment_status"] == "proposed"


def test_task_table_orders_codes_naturally(engine):
    """1.2 < 1.10 (code_sort_key), and rejected links do not appear."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    content["units"][0]["alignments"][0]["status"] = "rejected"
    nodes = [{"id": 1, "parent_id": None, "kind": "area", "code": "1", "statement": "A"},
             {"id": 2, "parent_id": 1, "kind": "task", "code": "1.10", "statement": "T10"},
             {"id": 3, "parent_id": 1, "kind": "task", "code": "1.2", "statement": "T2"},
             {"id": 4, "parent_id": 2, "kind": "competency", "code": "1.1.1", "statement": "c"},
             {"id": 5, "parent_id": 3, "kind": "competency", "code": "1.1.2", "statement": "c"},
             {"id": 6, "parent_id": 3, "kind": "competency", "code": "1.2.1", "statement": "c"}]
    table = checks.build_task_table(content, nodes)
    assert list(table["task_code"]) == ["1.2", "1.2", "1.10"]
    assert list(table["code"]) == ["1.1.2", "1.2.1", "1.1.1"]
    assert table.loc[table["code"] == "1.1.1", "targets"].item() == "K1"


def test_saved_fix_clears_the_finding(engine):
    """Fixing the hours in a save makes the checklist green again."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    args = standards.save_args_from_content(content)
    args["units"][0]["hours_theory"] = 10
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(engine, world.standard_id), units=args["units"])
    assert checks.checklist(engine, standard_id=world.standard_id)["blocking"]
    args["units"][0]["hours_theory"] = 16
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(engine, world.standard_id), units=args["units"])
    assert not checks.checklist(engine, standard_id=world.standard_id)["blocking"]
