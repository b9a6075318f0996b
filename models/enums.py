"""Controlled vocabularies stored as plain strings (portable across SQLite and PostgreSQL)."""

ROLES = ("admin", "lead", "faculty", "mentor")
SIDES = ("school", "enterprise")
NODE_KINDS = ("area", "task", "competency")
COMPETENCY_TYPES = ("knowledge", "skill", "quality")
NODE_STATUSES = ("proposed", "accepted", "retired")
COURSE_TYPES = ("public_basic", "professional_basic", "professional_core", "practice", "elective")
STANDARD_STATUSES = ("draft", "in_review", "approved")
OBJECTIVE_DIMENSIONS = ("knowledge", "skill", "quality")
ALIGNMENT_STATUSES = ("proposed", "accepted", "rejected")
SUGGESTION_DECISIONS = ("accept", "reject")
ASSESSMENT_CATEGORIES = ("process", "summative")
ENTITY_TYPES = (
    "program", "job_role", "competency", "course", "standard", "objective",
    "unit", "assessment", "alignment", "comment", "user", "rating", "import",
    "survey", "change_mark",
)
SURVEY_STATUSES = ("open", "closed")
CHANGE_REASONS = ("equipment", "process", "trend", "other")
DACUM_PANELS = ("knowledge", "tools", "behaviours", "trends")
SOURCE_KINDS = ("job", "certificate", "competition")
# levels in their order, low to high: 1+X certificates, then 国家职业技能标准 grades
LEVEL_ORDER = ("初级", "中级", "高级", "五级", "四级", "三级", "二级", "一级")
