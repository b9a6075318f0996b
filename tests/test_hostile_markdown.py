"""User text never renders as Markdown (#12 hole 3): hostile text in every field, every page, every role.

The demo database gets a Markdown/HTML payload in front of every user-text field (programme, course,
competency statement and notes, job role, unit, objective, assessment, standard prose and rejection
reason, alignment reason, display name, comments and replies). Every page is rendered for every role,
and every string Streamlit renders as Markdown (markdown, captions, alerts, headings, toasts and every
widget label, tab, expander and radio option) is checked: the payload may appear only escaped.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from services.comments import add_comment, reply
from services.programs import list_programs
from services.standards import list_standards
from services.users import get_actor
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from ui.nav import PAGES
from ui.safe import md_escape, md_prose

pytestmark = pytest.mark.apptest

PAYLOAD = ("![x](http://evil.example/t.png) [click](http://evil.example) <img src=x onerror=alert(1)> "
           "**bold** :red[x] $x$ www.evil.example mail@evil.example ")
FIELDS = {
    "program": ("name", "description"),
    "course": ("name", "description"),
    "competency": ("statement", "notes"),
    "job_role": ("name", "description"),
    "learning_unit": ("title", "content", "learning_tasks"),
    "objective": ("text",),
    "assessment_item": ("name", "method"),
    "course_standard": ("title", "prerequisites", "follow_on", "nature", "design_rationale", "teaching_methods",
                        "resources", "rejection_reason"),
    "alignment": ("reason",),
    "app_user": ("display_name", "organisation"),
}
# What Markdown would turn into a link, an image, HTML, a directive or maths if left unescaped. Bold is
# checked too, except in a prose field's preview, which renders its writer's formatting by design.
RENDERED = [
    re.compile(r"(?<!\\)\]\((?<!\\)http"),  # [text](http…) and ![alt](http…)
    re.compile(r"(?<!\\)<img"),
    # GFM autolink literals are found after escapes are resolved: a backslash does not stop them
    re.compile(r"(?i)https?\\?:"),
    re.compile(r"(?i)\bwww\\?\.evil"),
    re.compile(r"[\w.+-]\\?@"),
    re.compile(r"(?<!\\):red(?<!\\)\["),
    re.compile(r"(?<!\\)\$x(?<!\\)\$"),
]
BOLD = re.compile(r"(?<!\\)\*(?<!\\)\*bold")
PICKERS = {"standards": ("std_course",), "courses": ("course_selected",)}
MARKDOWN_PROTOS = {"Markdown", "Alert", "Heading", "Toast", "Metric"}
MARKDOWN_FIELDS = {"label", "help", "body"}


def _seed_hostile(engine) -> int:
    """Put the payload into every user-text field; returns the id of a course with a standard and comments."""
    with engine.begin() as conn:
        for table, columns in FIELDS.items():
            sets = ", ".join(f"{c} = :p || coalesce({c}, '')" for c in columns)
            conn.execute(text(f"UPDATE {table} SET {sets}"), {"p": PAYLOAD})
    program_id = list_programs(engine)[0]["id"]
    standard = list_standards(engine, program_id=program_id)[0]
    faculty, mentor = get_actor(engine, username="faculty"), get_actor(engine, username="mentor")
    for entity_type, entity_id in (("standard", standard["id"]), ("competency", None)):
        if entity_id is None:
            with engine.connect() as conn:
                entity_id = conn.execute(text("SELECT min(id) FROM competency WHERE program_id = :p"),
                                         {"p": program_id}).scalar_one()
        thread = add_comment(engine, actor=mentor, entity_type=entity_type, entity_id=entity_id,
                             body=PAYLOAD + "comment")
        reply(engine, actor=faculty, comment_id=thread["id"], body=PAYLOAD + "reply")
    return standard["course_id"]


def _repeated(value) -> bool:
    return not isinstance(value, (str, bytes)) and hasattr(value, "__len__") and not hasattr(value, "ListFields")


def _markdown_strings(at) -> list[tuple[str, str]]:
    """(where, source) of every string this run renders as Markdown."""
    found: list[tuple[str, str]] = []

    def visit(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            kind = type(proto).__name__
            for field, value in proto.ListFields():
                if field.type != field.TYPE_STRING:
                    if field.type == field.TYPE_MESSAGE and not _repeated(value):
                        for sub, sub_value in value.ListFields():  # Block.expandable.label, Block.tab.label …
                            if sub.name == "label" and sub.type == sub.TYPE_STRING:
                                found.append((f"{kind}.{field.name}.label", sub_value))
                    continue
                if field.name in MARKDOWN_FIELDS and (field.name != "body" or kind in MARKDOWN_PROTOS):
                    values = value if _repeated(value) else [value]
                    found.extend((f"{kind}.{field.name}", v) for v in values)
                elif kind == "Radio" and field.name == "options":
                    found.extend((f"{kind}.options", v) for v in value)
        for child in getattr(node, "children", {}).values():
            visit(child)

    visit(at._tree)
    for toast in at.toast:
        found.append(("Toast", toast.value))
    return found


def _rendered(source: str) -> list[str]:
    hits = [p.pattern for p in RENDERED if p.search(source)]
    if BOLD.search(source) and md_prose(PAYLOAD) not in source:
        hits.append("bold")
    return hits


def test_the_escape_helpers_leave_nothing_to_render():
    """md_escape leaves none of the payload's constructs; md_prose keeps only harmless formatting."""
    assert _rendered(md_escape(PAYLOAD)) == []
    assert _rendered(md_prose(PAYLOAD)) == []
    assert _rendered(PAYLOAD)  # the check does see the raw payload


@pytest.mark.parametrize("role", ["admin", "lead", "faculty", "mentor"])
def test_hostile_text_shows_as_text_on_every_page(app_db, role):
    """No page shows a link, image, HTML, directive or maths that came from user text, for any role."""
    course_id = _seed_hostile(app_db)
    at = login(role, lang="zh")
    assert not at.exception
    seen = 0
    failures = []
    for spec in PAGES:
        if role not in spec.roles:
            continue
        at.switch_page(spec.path).run()
        for key in PICKERS.get(spec.slug, ()):  # show the course whose standard carries the comments
            at.selectbox(key=key).set_value(course_id).run()
        assert not at.exception, (spec.slug, at.exception)
        for where, source in _markdown_strings(at):
            seen += "evil" in source
            if "evil" in source and _rendered(source):
                failures.append((spec.slug, where, source[:160], _rendered(source)))
    assert not failures, "\n".join(map(str, failures))
    assert seen >= 10  # the payload did reach many rendered strings (escaped)
