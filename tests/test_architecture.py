"""Project invariants: dependencies point inward, pages and ui/ are thin, keyed and translated."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATEFUL_WIDGETS = {
    "text_input", "text_area", "number_input", "selectbox", "multiselect", "radio", "checkbox", "toggle",
    "slider", "select_slider", "date_input", "time_input", "file_uploader", "data_editor", "button",
    "download_button", "form_submit_button", "color_picker", "pills", "segmented_control", "dataframe",
}


def _python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("path", _python_files("services", "models"), ids=lambda p: str(p.relative_to(ROOT)))
def test_services_and_models_never_import_streamlit(path):
    """services/ and models/ stay free of streamlit so pages, CLI and tests share them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        assert not any(n == "streamlit" or n.startswith("streamlit.") for n in names), f"{path} imports streamlit"


def _widget_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in STATEFUL_WIDGETS:
            yield node


UI_FILES = [ROOT / "app.py", *_python_files("pages"), *_python_files("ui")]


def _ui_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", UI_FILES, ids=_ui_id)
def test_every_stateful_widget_has_an_explicit_key(path):
    """Tests find widgets by key, so every stateful widget names one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = [f"{path.name}:{call.lineno} {call.func.attr}" for call in _widget_calls(tree)
               if not any(k.arg == "key" for k in call.keywords)]
    assert not missing, f"widgets without key: {missing}"


@pytest.mark.parametrize("path", [p for p in UI_FILES if p.name != "widgets.py"], ids=_ui_id)
def test_a_write_is_confirmed_through_flash_toast(path):
    """A toast sent in the run that wrote is lost when a request sent meanwhile cuts that run off (the write done,
    never said): pages confirm through ``ui.widgets.flash_toast``, which keeps it until a run has sent it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    direct = [f"{path.name}:{node.lineno}" for node in ast.walk(tree) if isinstance(node, ast.Call)
              and isinstance(node.func, ast.Attribute) and node.func.attr == "toast"]
    assert not direct, f"st.toast called directly: {direct}"


@pytest.mark.parametrize("path", _python_files("pages"), ids=lambda p: p.name)
def test_pages_start_with_page_setup_and_hold_no_sql(path):
    """A page is a storyboard: page_setup() first, no SQL or ORM sessions of its own."""
    source = path.read_text(encoding="utf-8")
    assert "page_setup(" in source
    import re

    for forbidden in (r"\bsession_scope\b", r"\bsqlmodel\b", r"\bsqlalchemy\b", r"(?<![\w.])select\(",
                      r"\bSession\(", r"\bexecute\("):
        assert not re.search(forbidden, source), f"{path.name} uses {forbidden}"
    assert len(source.splitlines()) <= 200, f"{path.name} is too long for a page"


# the one thing ui/ may take from the database layer: the Engine type it passes to services
ALLOWED_DB_IMPORTS = {("sqlalchemy.engine", "Engine")}
SQL_PATTERNS = (r"\bsession_scope\b", r"(?<![\w.])select\(", r"\bSession\(", r"\bexecute\(", r"\.exec\(")


@pytest.mark.parametrize("path", UI_FILES, ids=_ui_id)
def test_ui_and_pages_hold_no_sql_and_no_orm(path):
    """Pages and ui/ reach data only through services: no sqlmodel, no SQLAlchemy beyond the Engine type,
    no ORM table classes, no sessions or statements of their own."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    import models

    tables = {name for name in getattr(models, "__all__", dir(models))
              if hasattr(getattr(models, name, None), "__table__")}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad = [a.name for a in node.names if a.name.split(".")[0] in ("sqlmodel", "sqlalchemy")]
            assert not bad, f"{_ui_id(path)}:{node.lineno} imports {bad}"
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in ("sqlmodel", "sqlalchemy"):
                bad = [a.name for a in node.names if (node.module, a.name) not in ALLOWED_DB_IMPORTS]
                assert not bad, f"{_ui_id(path)}:{node.lineno} imports {bad} from {node.module}"
            if root == "models":
                bad = sorted({a.name for a in node.names} & tables)
                assert not bad, f"{_ui_id(path)}:{node.lineno} imports ORM tables {bad}"
    for pattern in SQL_PATTERNS:
        assert not re.search(pattern, source), f"{_ui_id(path)} uses {pattern}"


# calls whose first argument (or label/help/placeholder) a user reads
TEXT_CALLS = {
    "write", "markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success", "toast",
    "text", "expander", "metric", "popover", "dialog", *STATEFUL_WIDGETS,
}
TEXT_KEYWORDS = ("label", "help", "placeholder", "body", "caption")
WORDS = re.compile(r"[A-Za-z\u4e00-\u9fff]{2,}")
MARKUP = re.compile(r"<[^>]*>|&\w+;|:material/\w+:")


def _literal_text(node: ast.AST) -> str:
    """The literal words of a string argument (markup, entities and icons removed); '' if none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    else:
        return ""
    return " ".join(WORDS.findall(MARKUP.sub(" ", text)))


@pytest.mark.parametrize("path", UI_FILES, ids=_ui_id)
def test_every_user_visible_string_goes_through_t(path):
    """No literal words in what a widget or message shows: the text comes from ``t()`` (both catalogs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in TEXT_CALLS):
            continue
        shown = [*call.args[:1], *(k.value for k in call.keywords if k.arg in TEXT_KEYWORDS)]
        found += [f"{call.lineno} {call.func.attr}: {words}" for words in map(_literal_text, shown) if words]
    assert not found, f"{_ui_id(path)} shows untranslated text: {found}"


def _calls_named(tree: ast.AST, name: str):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            yield node


def test_every_alignment_row_is_built_by_the_alignment_rules():
    """One write path: every ``Alignment(...)`` in services/ takes its columns from ``alignment_rules.new_row``
    (the import's bulk insert builds its shared columns from ``new_row`` too), so target key, provenance and
    review columns cannot drift between the editor, the import, restore and the demo seed."""
    found, stray = 0, []
    for path in _python_files("services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _calls_named(tree, "Alignment"):
            found += 1
            built = (not call.args and len(call.keywords) == 1 and call.keywords[0].arg is None
                     and isinstance(call.keywords[0].value, ast.Call)
                     and getattr(call.keywords[0].value.func, "id", None) == "new_row")
            if not built:
                stray.append(f"{_ui_id(path)}:{call.lineno}")
    assert found >= 5 and not stray, f"Alignment rows built without new_row: {stray}"
    commit = (ROOT / "services/importing/commit.py").read_text(encoding="utf-8")
    assert "template = new_row(" in commit


# The one table of which module owns which record: (owning module, its row builder). Every ``Model(...)`` in
# services/ is ``Model(**builder(...))`` with that builder, imported from that module; a record without a builder
# (bookkeeping the owner alone writes) is constructed in its owning module only. A new table must be listed.
RECORD_OWNERS: dict[str, tuple[str, str | None]] = {
    "Program": ("services.programs", "new_program_row"),
    "User": ("services.users", "new_user_row"),
    "JobRole": ("services.framework", "new_job_role_row"),
    "Competency": ("services.framework", "new_node_row"),
    "CompetencyLink": ("services.framework", "new_link_row"),
    "Course": ("services.courses", "new_course_row"),
    "CourseOwner": ("services.courses", "new_owner_row"),
    "CourseStandard": ("services.standards.create", "new_standard_row"),
    "StandardVersion": ("services.standards.save", "new_version_row"),
    "Objective": ("services.standards.save", "new_objective_row"),
    "LearningUnit": ("services.standards.save", "new_unit_row"),
    "AssessmentItem": ("services.standards.save", "new_assessment_row"),
    "Alignment": ("services.alignment_rules", "new_row"),
    "Comment": ("services.comments", "new_comment_row"),
    "SuggestionDecision": ("services.suggestions", "new_decision_row"),
    "Rating": ("services.surveys", "new_rating_row"),
    "Survey": ("services.surveys", "new_survey_row"),
    "SurveyItem": ("services.surveys", "new_survey_item_row"),
    "SurveyRater": ("services.surveys", "new_rater_row"),
    "SurveyAnswer": ("services.surveys", "new_answer_row"),
    "ChangeMark": ("services.impact", "new_mark_row"),
    "CoverageSnapshot": ("services.coverage.snapshots", "new_snapshot_row"),
    "SkillWeight": ("services.importing.weights", "new_skill_weight_row"),
    "AuditEvent": ("services.audit", "new_event_row"),
    "ImportRecord": ("services.importing.commit", None),
    "Notification": ("services.notifications", None),
    "LastVisit": ("services.notifications", None),
    "UserSession": ("services.sessions", None),
    "LoginAttempt": ("services.login", None),
}


def _module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imported_names(tree: ast.AST) -> dict[str, str]:
    """name → module it is imported from (``from M import name``), anywhere in the file."""
    return {a.asname or a.name: node.module for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module for a in node.names}


def _builder_call(call: ast.Call) -> str | None:
    """The builder's name when ``call`` is ``Model(**builder(...))`` (or ``Model(**module.builder(...))``)."""
    if call.args or len(call.keywords) != 1 or call.keywords[0].arg is not None:
        return None
    inner = call.keywords[0].value
    if not isinstance(inner, ast.Call):
        return None
    return getattr(inner.func, "id", None) or getattr(inner.func, "attr", None)


def test_every_table_has_an_owning_module_with_its_builder():
    """Every table of models/ is listed in ``RECORD_OWNERS``, and each listed builder is a function of its module."""
    import importlib

    import models

    tables = {name for name in dir(models) if hasattr(getattr(models, name), "__table__")}
    assert tables == set(RECORD_OWNERS), f"tables without an owner: {sorted(tables - set(RECORD_OWNERS))}"
    for model, (module, builder) in RECORD_OWNERS.items():
        if builder is not None:
            assert callable(getattr(importlib.import_module(module), builder, None)), f"{module}.{builder} ({model})"


@pytest.mark.parametrize("model", sorted(RECORD_OWNERS))
def test_every_row_is_built_by_its_owning_module(model):
    """One write path: every ``Model(...)`` in services/ is ``Model(**builder(...))`` with the builder of the module
    owning the record (imported from it), so editor, import, restore, new revisions and the demo seed share one
    set of defaults, provenance and checks; a record without a builder is built in its owning module only."""
    module, builder = RECORD_OWNERS[model]
    stray = []
    for path in _python_files("services"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = list(_calls_named(tree, model))
        if not calls:
            continue
        here, imported = _module_of(path), _imported_names(tree)
        for call in calls:
            if builder is None:
                ok = here == module
            else:
                name = _builder_call(call)
                ok = name == builder and (here == module or imported.get(builder) == module
                                          or imported.get(module.rsplit(".", 1)[-1]) == module.rsplit(".", 1)[0])
            if not ok:
                stray.append(f"{_ui_id(path)}:{call.lineno}")
    assert not stray, f"{model} rows built outside {module}{f'.{builder}' if builder else ''}: {stray}"


def test_the_builders_are_used_by_restore_and_the_demo_seed():
    """Restore and the demo seed build their rows through the owners' builders (none constructs a row itself)."""
    for name in ("services/importing/restore.py", "services/demo.py"):
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        built = [model for model in RECORD_OWNERS for call in _calls_named(tree, model) if _builder_call(call)]
        direct = [f"{model}:{call.lineno}" for model in RECORD_OWNERS for call in _calls_named(tree, model)
                  if not _builder_call(call)]
        assert built and not direct, f"{name}: {direct}"


def test_which_alignments_count_is_spelled_once():
    """"Not rejected" (and "only accepted") is written in services/vocabulary.py alone: no other module or page
    compares a status with the literal "rejected"."""
    offenders = []
    for path in [*_python_files("services", "pages", "ui"), ROOT / "app.py"]:
        if path.name == "vocabulary.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare) and any(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops):
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Constant) and s.value == "rejected" for s in sides):
                    offenders.append(f"{_ui_id(path)}:{node.lineno}")
    assert not offenders, f"status compared with 'rejected' outside services/vocabulary.py: {offenders}"


# The import's bulk writer and its planner, per table: the function writing its rows, the owner's builder they come
# from, the function planning them and the owner's rule it reports refusals with (services/importing/plan.py).
IMPORT_PATHS = {
    "JobRole": ("_write_job_roles", "_plan_job_roles", "job_role_errors"),
    "Competency": ("_write_nodes", "_plan_nodes", "node_errors"),
    "Course": ("_write_courses", "_new_course", "course_errors"),
    "Rating": ("_write_ratings", "_plan_ratings", "rating_errors"),
}


def _function(tree: ast.AST, name: str) -> ast.FunctionDef:
    return next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)


def _built_by(node: ast.AST, builder: str, assigned: dict[str, ast.AST]) -> bool:
    """``node`` (or the expression the name ``node`` was assigned) is ``[builder(...) for …]``."""
    if isinstance(node, ast.Name) and node.id in assigned:
        node = assigned[node.id]
    return (isinstance(node, ast.ListComp) and isinstance(node.elt, ast.Call)
            and getattr(node.elt.func, "id", None) == builder)


@pytest.mark.parametrize("model", sorted(IMPORT_PATHS))
def test_the_import_writes_its_rows_through_the_owners_builder_and_rule(model):
    """The bulk import builds no job-role, node, course or rating row by hand: each ``insert_rows`` of its writer
    is fed ``[builder(...) for …]`` (the nodes' column-wise insert takes its shared columns from a template row of
    the builder, the per-row ones the planner checked), and the planner reports refusals with the owner's rule,
    so the preview names the cell and the writer never meets a ``ValidationFailed``."""
    module, builder = RECORD_OWNERS[model]
    writer_name, planner_name, rule = IMPORT_PATHS[model]
    commit = ast.parse((ROOT / "services/importing/commit.py").read_text(encoding="utf-8"))
    assert _imported_names(commit).get(builder) == module, f"commit.py does not import {builder} from {module}"
    writer = _function(commit, writer_name)
    assigned = {t.id: n.value for n in ast.walk(writer) if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}
    inserts = [c for c in ast.walk(writer) if isinstance(c, ast.Call) and getattr(c.func, "attr", None)
               in ("insert_rows", "insert_columns")]
    assert inserts, f"{writer_name} inserts nothing"
    for call in inserts:
        if call.func.attr == "insert_rows":
            assert _built_by(call.args[1], builder, assigned), f"{writer_name}:{call.lineno} rows not from {builder}"
        else:  # column-wise: the shared columns come from the builder's template row
            template = assigned.get("template")
            assert isinstance(template, ast.Call) and getattr(template.func, "id", None) == builder, writer_name
            shared = next(k.value for k in call.keywords if k.arg == "shared")
            assert isinstance(shared, ast.Name) and "template.items()" in ast.unparse(assigned[shared.id])
    plan = ast.parse((ROOT / "services/importing/plan.py").read_text(encoding="utf-8"))
    owner_rule_module = _imported_names(plan).get(rule)
    assert owner_rule_module == module, f"plan.py does not take {rule} from {module}"
    assert any(getattr(c.func, "id", None) == rule for c in _calls(_function(plan, planner_name))), planner_name
    owner = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
    assert _rule_reached(owner, builder, rule), f"{module}.{builder} does not apply {rule}: two rules, not one"


def _calls(tree: ast.AST):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def _rule_reached(tree: ast.AST, start: str, rule: str, depth: int = 3) -> bool:
    """``start`` calls ``rule``, directly or through functions of the same module (``_validate`` → ``course_errors``)."""
    names = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    frontier, seen = {start}, set()
    for _ in range(depth):
        called = {getattr(c.func, "id", None) for name in frontier for c in _calls(_function(tree, name))}
        if rule in called:
            return True
        seen |= frontier
        frontier = (called & names) - seen
    return False
