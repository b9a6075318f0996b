"""The page registry: which pages exist, their stable URL slugs and which roles may open them.

The one place a page's roles are declared: app.py builds the menu from it and ``page_setup``
refuses other roles from it.
"""

from __future__ import annotations

from dataclasses import dataclass

ALL = ("admin", "lead", "faculty", "mentor")


@dataclass(frozen=True)
class PageSpec:
    path: str
    slug: str
    title_key: str
    icon: str
    roles: tuple[str, ...]
    section: str = "nav.section.work"
    needs_program: bool = True


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "home", "nav.home", ":material/home:", ALL),
    PageSpec("pages/competencies.py", "competencies", "nav.competencies", ":material/account_tree:", ALL),
    PageSpec("pages/courses.py", "courses", "nav.courses", ":material/menu_book:", ALL),
    PageSpec("pages/standards.py", "standards", "nav.standards", ":material/description:", ALL),
    PageSpec("pages/review.py", "review", "nav.review", ":material/rate_review:", ALL),
    PageSpec("pages/inbox.py", "inbox", "nav.inbox", ":material/inbox:", ALL, needs_program=False),
    PageSpec("pages/coverage.py", "coverage", "nav.coverage", ":material/grid_on:", ALL),
    PageSpec("pages/dacum.py", "dacum", "nav.dacum", ":material/view_kanban:", ALL, "nav.section.industry"),
    PageSpec("pages/surveys.py", "surveys", "nav.surveys", ":material/ballot:", ("admin", "lead", "mentor"),
             "nav.section.industry"),
    PageSpec("pages/sources.py", "sources", "nav.sources", ":material/hub:", ALL, "nav.section.industry"),
    PageSpec("pages/impact.py", "impact", "nav.impact", ":material/crisis_alert:", ALL, "nav.section.industry"),
    PageSpec("pages/rate.py", "rate", "nav.rate", ":material/star_rate:", ALL, "nav.section.industry"),
    PageSpec("pages/survey_results.py", "results", "nav.survey_results", ":material/bar_chart:", ALL,
             "nav.section.industry"),
    PageSpec("pages/import.py", "import", "nav.import", ":material/upload_file:", ("admin", "lead"),
             "nav.section.admin"),
    PageSpec("pages/exports.py", "exports", "nav.exports", ":material/download:", ALL, "nav.section.admin"),
    PageSpec("pages/audit.py", "audit", "nav.audit", ":material/history:", ("admin", "lead"), "nav.section.admin"),
    PageSpec("pages/programs.py", "programs", "nav.programs", ":material/school:", ("admin", "lead"),
             "nav.section.admin", needs_program=False),
    PageSpec("pages/users.py", "users", "nav.users", ":material/group:", ("admin",), "nav.section.admin",
             needs_program=False),
)


def spec_by_slug(slug: str) -> PageSpec:
    """The registry entry with URL slug ``slug``; ``LookupError`` if none."""
    for spec in PAGES:
        if spec.slug == slug:
            return spec
    raise LookupError(f"no page with slug {slug!r} (ui/nav.py PAGES)")


def pages_for(role: str) -> list[PageSpec]:
    """The pages a role is offered, in menu order."""
    return [p for p in PAGES if role in p.roles]


def spec_for(path: str) -> PageSpec:
    """The registry entry of a page file (``pages/x.py``, relative or absolute); ``LookupError`` if none."""
    normalized = path.replace("\\", "/")
    for spec in PAGES:
        if normalized == spec.path or normalized.endswith("/" + spec.path):
            return spec
    raise LookupError(f"{path} is not in the page registry (ui/nav.py PAGES)")
