"""Alignment suggestions on SQLite and PostgreSQL: ranking, matched terms, accept / reject, index refresh, drafts."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlmodel import select

from models import Alignment, AuditEvent, SuggestionDecision
from services import alignments, courses, drafting, framework, standards, suggestions, workflow
from services.actor import SYSTEM, Actor
from services.checks import lint_objective
from services.db import session_scope
from services.errors import PermissionDenied, ValidationFailed
from tests.factories import make_course, make_program, make_user

FRAMEWORK = {
    ("1", "工业机器人安装调试"): {
        ("1.1", "机械系统安装"): [("1.1.1", "能识读工业机器人机械装配图", "skill", 5),
                                 ("1.1.2", "掌握减速器等传动机构的工作原理", "knowledge", 3)],
        ("1.2", "电气系统接线"): [("1.2.1", "能识读电气原理图与接线图", "skill", 5),
                                 ("1.2.2", "能使用万用表完成线路检测", "skill", 2)],
    },
    ("2", "工业机器人编程"): {
        ("2.1", "示教编程"): [("2.1.1", "能使用示教器完成机器人手动操纵", "skill", 5),
                              ("2.1.2", "能编写搬运类示教程序", "skill", 4),
                              ("2.1.3", "具有遵守安全规范的职业素养", "quality", 3)],
    },
}


@dataclass
class World:
    program_id: int
    course_id: int
    standard_id: int
    nodes: dict[str, dict]
    owner: Actor
    other: Actor  # faculty who does not own the course
    lead: Actor

    def unit(self, engine, n: int) -> dict:
        return standards.standard_content(engine, self.standard_id)["units"][n]

    def objective(self, engine, n: int) -> dict:
        return standards.standard_content(engine, self.standard_id)["objectives"][n]


def make_suggestion_world(engine) -> World:
    """A robotics programme (7 competencies), an owned course and a draft standard of 2 units, 1 objective."""
    program = make_program(engine)
    nodes: dict[str, dict] = {}
    for (area_code, area_text), tasks in FRAMEWORK.items():
        area = framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code=area_code,
                                     statement=area_text)
        for (task_code, task_text), leaves in tasks.items():
            task = framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="task",
                                         code=task_code, statement=task_text, parent_id=area["id"])
            for code, statement, comp_type, importance in leaves:
                nodes[code] = framework.create_node(engine, actor=SYSTEM, program_id=program["id"],
                                                    kind="competency", code=code, statement=statement,
                                                    parent_id=task["id"], comp_type=comp_type,
                                                    importance=importance)
    owner, other, lead = make_user(engine, role="faculty"), make_user(engine, role="faculty"), make_user(engine,
                                                                                                        role="lead")
    course = make_course(engine, program["id"])
    courses.set_course_owners(engine, actor=SYSTEM, course_id=course["id"], user_ids=[owner.id])
    created = standards.create_standard(engine, actor=owner, course_id=course["id"])
    standards.save_standard(
        engine, actor=owner, standard_id=created["standard_id"], expected_version=created["version"],
        units=[{"title": "项目一 示教器手动操纵", "content": "示教器的使用；机器人手动操纵", "learning_tasks": "",
                "hours_theory": 32, "hours_practice": 0},
               {"title": "项目二 电气接线", "content": "识读电气原理图与接线图，万用表检测", "learning_tasks": "",
                "hours_theory": 0, "hours_practice": 32}],
        objectives=[{"dimension": "skill", "code": "S1", "text": "能够编写搬运类示教程序"}])
    return World(program_id=program["id"], course_id=course["id"], standard_id=created["standard_id"], nodes=nodes,
                 owner=owner, other=other, lead=lead)


@pytest.fixture
def world(engine) -> World:
    suggestions.clear_cache()
    return make_suggestion_world(engine)


# --------------------------------------------------------------------------- ranking and terms


def test_text_ranks_the_matching_competency_first_with_its_terms(engine, world):
    """A text about the teach pendant ranks 2.1.1 first; matched terms are parts of its statement."""
    rows = suggestions.suggest_for_text(engine, program_id=world.program_id, text="使用示教器进行手动操纵", top=3)
    assert rows[0]["code"] == "2.1.1"
    assert rows[0]["score"] > rows[1]["score"] >= rows[2]["score"]
    assert "示教器" in "".join(rows[0]["matched"]) and "手动操纵" in rows[0]["matched"]
    assert all(term in rows[0]["statement"] for term in rows[0]["matched"])
    assert rows[0]["suggested_level"] == 3 and rows[0]["task"] == "示教编程"
    assert set(rows[0]["parts"]) >= {"statement", "words", "context"}


def test_unit_suggestions_leave_out_aligned_competencies(engine, world):
    """A unit already aligned to 1.2.1 is not offered 1.2.1 again, but 1.2.2 still comes up."""
    unit = world.unit(engine, 1)
    first = suggestions.suggest_for_target(engine, unit_id=unit["id"])
    assert [r["code"] for r in first["suggestions"]][:2] == ["1.2.1", "1.2.2"]
    alignments.propose_alignment(engine, actor=world.owner, unit_id=unit["id"], code="1.2.1", level=2)
    again = suggestions.suggest_for_target(engine, unit_id=unit["id"])
    codes = [r["code"] for r in again["suggestions"]]
    assert "1.2.1" not in codes and codes[0] == "1.2.2"


def test_empty_text_gives_no_suggestions_and_bad_top_is_rejected(engine, world):
    """Nothing to match is an empty list; top below 1 is a validation error."""
    assert suggestions.suggest_for_text(engine, program_id=world.program_id, text="  ") == []
    with pytest.raises(ValidationFailed):
        suggestions.suggest_for_text(engine, program_id=world.program_id, text="示教器", top=0)


# --------------------------------------------------------------------------- accept / reject


def test_accept_creates_a_proposed_alignment_and_records_the_decision(engine, world):
    """Accepting goes through the alignment service: proposed, by the owner's side, at the required level."""
    unit = world.unit(engine, 0)
    result = suggestions.accept_suggestion(engine, actor=world.owner, competency_id=world.nodes["2.1.1"]["id"],
                                           unit_id=unit["id"], score=0.7)
    link = result["alignment"]
    assert (link["status"], link["proposed_side"], link["level"], link["target"]) == (
        "proposed", "school", 3, f"unit:{unit['id']}")
    assert result["decision"]["decision"] == "accept" and result["decision"]["alignment_id"] == link["id"]
    with session_scope(engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.entity_type == "suggestion")).first().action == "accept"


def test_accept_at_a_chosen_level_and_permissions_of_the_alignment_service(engine, world):
    """The user may pick the level; faculty who do not own the course may neither accept nor reject."""
    unit = world.unit(engine, 0)
    result = suggestions.accept_suggestion(engine, actor=world.owner, competency_id=world.nodes["2.1.2"]["id"],
                                           unit_id=unit["id"], level=1)
    assert result["alignment"]["level"] == 1
    with pytest.raises(PermissionDenied):
        suggestions.accept_suggestion(engine, actor=world.other, competency_id=world.nodes["1.1.1"]["id"],
                                      unit_id=unit["id"])
    with pytest.raises(PermissionDenied):
        suggestions.reject_suggestion(engine, actor=world.other, competency_id=world.nodes["1.1.1"]["id"],
                                      unit_id=unit["id"])
    with session_scope(engine) as s:
        assert len(s.exec(select(SuggestionDecision)).all()) == 1


def test_rejected_pair_is_never_suggested_again_and_persists(engine, world):
    """A rejected suggestion is gone from the unit's list (also after a cache clear) but stays for others."""
    unit, other_unit = world.unit(engine, 0), world.unit(engine, 1)
    target = world.nodes["2.1.1"]["id"]
    suggestions.reject_suggestion(engine, actor=world.owner, competency_id=target, unit_id=unit["id"],
                                  reason="covered elsewhere")
    suggestions.clear_cache()
    codes = [r["code"] for r in suggestions.suggest_for_target(engine, unit_id=unit["id"])["suggestions"]]
    assert "2.1.1" not in codes
    decisions = suggestions.decisions(engine, program_id=world.program_id)
    assert [(d["code"], d["decision"], d["target"]) for d in decisions] == [("2.1.1", "reject", f"unit:{unit['id']}")]
    assert decisions[0]["text"].startswith("项目一")
    # the pair is excluded only for the unit that rejected it
    other = suggestions.suggest_for_target(engine, unit_id=other_unit["id"], top=7)["suggestions"]
    assert "2.1.1" in [r["code"] for r in other]


def test_deciding_again_replaces_the_decision(engine, world):
    """Reject then accept the same pair: one decision row, now 'accept', with a proposed alignment."""
    objective = world.objective(engine, 0)
    comp = world.nodes["2.1.1"]["id"]
    suggestions.reject_suggestion(engine, actor=world.owner, competency_id=comp, objective_id=objective["id"])
    suggestions.accept_suggestion(engine, actor=world.owner, competency_id=comp, objective_id=objective["id"])
    with session_scope(engine) as s:
        rows = s.exec(select(SuggestionDecision)).all()
        assert [(r.decision, r.version) for r in rows] == [("accept", 2)]
        assert s.exec(select(Alignment).where(Alignment.objective_id == objective["id"])).one().status == "proposed"


def test_decisions_are_evidence_for_similar_texts(engine, world):
    """An accepted text lifts its competency for a similar text; a rejected one pushes it down."""
    text = "机器人手动操纵"
    comp = world.nodes["2.1.2"]["id"]

    def score() -> float:
        rows = suggestions.suggest_for_text(engine, program_id=world.program_id, text=text, top=7)
        # a competency pushed below zero is no longer suggested at all
        return next((r["score"] for r in rows if r["code"] == "2.1.2"), float("-inf"))

    before = score()
    unit = world.unit(engine, 0)  # "项目一 示教器手动操纵 …"
    suggestions.accept_suggestion(engine, actor=world.owner, competency_id=comp, unit_id=unit["id"])
    lifted = score()
    assert lifted > before
    rows = suggestions.suggest_for_text(engine, program_id=world.program_id, text=text, top=7)
    assert next(r for r in rows if r["code"] == "2.1.2")["evidence"] == {"accepted": 1, "rejected": 0}
    suggestions.reject_suggestion(engine, actor=world.owner, competency_id=comp, unit_id=unit["id"])
    assert score() < before


def test_index_refreshes_when_a_statement_changes(engine, world):
    """Editing a statement changes the fingerprint: the next suggestion sees the new wording."""
    query = "PLC梯形图编程"
    assert "1.2.2" not in [r["code"] for r in
                           suggestions.suggest_for_text(engine, program_id=world.program_id, text=query, top=1)]
    first = suggestions.competency_index(engine, program_id=world.program_id)
    node = world.nodes["1.2.2"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"statement": "能完成PLC梯形图编程与调试"})
    rows = suggestions.suggest_for_text(engine, program_id=world.program_id, text=query, top=1)
    assert rows[0]["code"] == "1.2.2" and "PLC梯形图编程" in rows[0]["matched"]
    assert suggestions.competency_index(engine, program_id=world.program_id) is not first
    # unchanged data: the cached index is reused
    assert suggestions.competency_index(engine, program_id=world.program_id) is \
        suggestions.competency_index(engine, program_id=world.program_id)


def test_retired_competencies_are_not_suggested(engine, world):
    """A competency retired in the framework drops out of the index."""
    node = world.nodes["2.1.1"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    rows = suggestions.suggest_for_text(engine, program_id=world.program_id, text="示教器手动操纵", top=7)
    assert "2.1.1" not in [r["code"] for r in rows]


# --------------------------------------------------------------------------- standard and competency views


def test_whole_standard_table_and_competency_direction(engine, world):
    """Every unit and objective gets suggestions in one table; a competency finds the units that may build it."""
    table = suggestions.suggest_for_standard(engine, standard_id=world.standard_id, per_target=2)
    targets = {r["target"] for r in table}
    content = standards.standard_content(engine, world.standard_id)
    assert targets == {f"unit:{u['id']}" for u in content["units"]} | {f"objective:{o['id']}"
                                                                         for o in content["objectives"]}
    assert all(sum(1 for r in table if r["target"] == t) <= 2 for t in targets)
    objective_row = next(r for r in table if r["target_type"] == "objective")
    assert objective_row["code"] == "2.1.2"

    found = suggestions.suggest_targets_for_competency(engine, competency_id=world.nodes["1.2.1"]["id"])
    assert found["suggestions"][0]["target"] == f"unit:{content['units'][1]['id']}"
    assert found["suggested_level"] == 3 and found["suggestions"][0]["course_id"] == world.course_id
    assert "识读电气原理图与接线图" in found["suggestions"][0]["matched"]  # terms of the unit text
    alignments.propose_alignment(engine, actor=world.owner, unit_id=content["units"][1]["id"], code="1.2.1", level=2)
    again = suggestions.suggest_targets_for_competency(engine, competency_id=world.nodes["1.2.1"]["id"])
    assert f"unit:{content['units'][1]['id']}" not in [r["target"] for r in again["suggestions"]]


def _table_rows(engine, world) -> list[dict]:
    return suggestions.suggest_for_standard(engine, standard_id=world.standard_id, per_target=2)


def _ticks(rows: list[dict], **by_index) -> list[dict]:
    """The review table as the editor returns it: every row, with the ticks given by index ("accept", level)."""
    out = []
    for n, r in enumerate(rows):
        tick = by_index.get(f"r{n}", ())
        out.append({"target": r["target"], "competency_id": r["competency_id"], "level": tick[1] if len(tick) > 1
                    else r["suggested_level"], "accept": "accept" in tick, "reject": "reject" in tick})
    return out


def test_review_choices_match_rows_by_key_and_refuse_contradictions(world, engine):
    """Ticks become accepted / rejected rows (level as edited); both ticks or a vanished row are refused by row."""
    rows = _table_rows(engine, world)
    edited = _ticks(rows, r0=("accept", 1), r1=("reject",))
    choices = suggestions.review_choices(rows, list(reversed(edited)))  # order does not matter, keys do
    assert [(c["competency_id"], c["level"]) for c in choices["accepted"]] == [(rows[0]["competency_id"], 1)]
    assert [c["competency_id"] for c in choices["rejected"]] == [rows[1]["competency_id"]]
    assert choices["accepted"][0]["unit_id"] == rows[0]["unit_id"]
    assert suggestions.review_choices(rows, _ticks(rows)) == {"accepted": [], "rejected": []}
    with pytest.raises(ValidationFailed) as both:
        suggestions.review_choices(rows, _ticks(rows, r2=("accept", "reject")))
    assert both.value.errors[0].row == 3 and both.value.errors[0].params["code"] == rows[2]["code"]
    with pytest.raises(ValidationFailed) as changed:
        suggestions.review_choices(rows[1:], _ticks(rows, r0=("accept",)))
    assert changed.value.errors[0].params["key"] == "suggest.error.table_changed"


def test_review_saves_the_whole_table_in_one_transaction(engine, world):
    """Accepted rows become proposed alignments at their level with one new standard version; rejected rows are
    stored and no longer suggested; nothing else changes."""
    rows = _table_rows(engine, world)
    version = workflow.workflow_state(engine, standard_id=world.standard_id)["version"]
    choices = suggestions.review_choices(rows, _ticks(rows, r0=("accept", 1), r2=("accept",), r1=("reject",)))
    result = suggestions.review_standard_suggestions(engine, actor=world.owner, standard_id=world.standard_id,
                                                     **choices)
    assert (result["accepted"], result["rejected"]) == (2, 1)
    assert result["standard"]["version"] == version + 1
    links = {(a["target"], a["competency_id"]): a for a in
             alignments.alignments_for_standard(engine, standard_id=world.standard_id)}
    first = links[(rows[0]["target"], rows[0]["competency_id"])]
    assert (first["status"], first["level"], first["proposed_side"]) == ("proposed", 1, "school")
    assert links[(rows[2]["target"], rows[2]["competency_id"])]["level"] == rows[2]["suggested_level"]
    assert (rows[1]["target"], rows[1]["competency_id"]) not in links
    decided = {(d["target"], d["competency_id"]): d["decision"]
               for d in suggestions.decisions(engine, program_id=world.program_id)}
    assert decided == {(rows[0]["target"], rows[0]["competency_id"]): "accept",
                       (rows[2]["target"], rows[2]["competency_id"]): "accept",
                       (rows[1]["target"], rows[1]["competency_id"]): "reject"}
    again = {(r["target"], r["competency_id"]) for r in _table_rows(engine, world)}
    assert not again & {(rows[n]["target"], rows[n]["competency_id"]) for n in range(3)}


def test_a_refused_review_row_leaves_nothing_written(engine, world):
    """A row the alignment service refuses (a duplicate; a faculty member who does not own the course) rolls the
    whole save back."""
    rows = _table_rows(engine, world)
    alignments.propose_alignment(engine, actor=world.owner, level=2, competency_id=rows[1]["competency_id"],
                                 unit_id=rows[1]["unit_id"], objective_id=rows[1]["objective_id"])
    choices = suggestions.review_choices(rows, _ticks(rows, r0=("accept",), r1=("accept",), r2=("reject",)))
    before = alignments.alignments_for_standard(engine, standard_id=world.standard_id)
    with pytest.raises(ValidationFailed) as duplicate:
        suggestions.review_standard_suggestions(engine, actor=world.owner, standard_id=world.standard_id, **choices)
    assert duplicate.value.key == "alignments.error.duplicate"
    with pytest.raises(PermissionDenied):
        suggestions.review_standard_suggestions(engine, actor=world.other, standard_id=world.standard_id,
                                                accepted=[], rejected=choices["rejected"])
    assert alignments.alignments_for_standard(engine, standard_id=world.standard_id) == before
    assert suggestions.decisions(engine, program_id=world.program_id) == []
    other = standards.create_standard(engine, actor=world.lead,
                                      course_id=make_course(engine, world.program_id)["id"])
    with pytest.raises(ValidationFailed) as elsewhere:
        suggestions.review_standard_suggestions(engine, actor=world.lead, standard_id=other["standard_id"],
                                                accepted=choices["accepted"][:1])
    assert elsewhere.value.key == "suggest.error.other_standard"


# --------------------------------------------------------------------------- drafting


def test_drafts_objectives_from_aligned_competencies_and_applies_on_request(engine, world):
    """Skill → 能力目标, knowledge → 知识目标 (lint-clean), task-table rows; nothing saved until applied."""
    unit = world.unit(engine, 1)
    for code in ("1.1.2", "1.2.1", "2.1.3"):
        alignments.propose_alignment(engine, actor=world.owner, unit_id=unit["id"], code=code, level=2)
    draft = drafting.draft_for_standard(engine, standard_id=world.standard_id, unit_id=unit["id"])
    assert [(r["area"], r["task"], r["code"]) for r in draft["task_table"]] == [
        ("工业机器人安装调试", "机械系统安装", "1.1.2"), ("工业机器人安装调试", "电气系统接线", "1.2.1"),
        ("工业机器人编程", "示教编程", "2.1.3")]
    assert [(o["dimension"], o["code"], o["text"], o["source_code"]) for o in draft["objectives"]] == [
        ("knowledge", "K1", "能够说明减速器等传动机构的工作原理", "1.1.2"),
        ("skill", "S2", "能够识读电气原理图与接线图", "1.2.1")]
    assert all(o["lint"] == [] == lint_objective(o["text"]) for o in draft["objectives"])
    assert len(standards.standard_content(engine, world.standard_id)["objectives"]) == 1  # a draft writes nothing

    version = standards.current_standard(engine, course_id=world.course_id)["version"]
    drafting.apply_objective_drafts(engine, actor=world.owner, standard_id=world.standard_id,
                                    expected_version=version, drafts=draft["objectives"][:1])
    objectives = standards.standard_content(engine, world.standard_id)["objectives"]
    added = next(o for o in objectives if o["code"] == "K1")
    assert added["text"] == "能够说明减速器等传动机构的工作原理"
    assert [(a["code"], a["status"]) for a in added["alignments"]] == [("1.1.2", "proposed")]
    # the applied one is covered now, so the next draft leaves it out
    again = drafting.draft_for_standard(engine, standard_id=world.standard_id)
    assert "1.1.2" not in [o["source_code"] for o in again["objectives"]]


@pytest.mark.parametrize(("statement", "comp_type", "expected"), [
    ("能识读机械装配图", "skill", ("skill", "能够识读机械装配图")),
    ("会使用万用表。", "skill", ("skill", "能够使用万用表")),
    ("掌握PLC的工作原理", "knowledge", ("knowledge", "能够说明PLC的工作原理")),
    ("了解安全规范", "knowledge", ("knowledge", "能够说明安全规范")),
    ("熟悉RobotStudio", "skill", ("skill", "能够运用RobotStudio")),
    ("具有安全意识", "quality", None),
    ("Install and commission automation systems", "skill",
     ("skill", "Learners can install and commission automation systems")),
    ("Knowledge of PLC programming", "knowledge", ("knowledge", "Learners can explain PLC programming")),
    ("mechatronics", "knowledge", ("knowledge", "Learners can explain mechatronics")),
])
def test_phrasing_puts_the_learner_first_with_a_measurable_verb(statement, comp_type, expected):
    """Drafted wording passes the objective lint (no 使学生, no bare 了解 / understand)."""
    assert drafting.phrase_objective(statement, comp_type) == expected
    if expected:
        assert lint_objective(expected[1]) == []
