"""Both catalogs keep the same keys, and every key the code uses exists."""

from __future__ import annotations

import json
import re
from pathlib import Path

from models.enums import (
    ALIGNMENT_STATUSES,
    CHANGE_REASONS,
    COMPETENCY_TYPES,
    COURSE_TYPES,
    NODE_KINDS,
    NODE_STATUSES,
    OBJECTIVE_DIMENSIONS,
    ROLES,
    SIDES,
    SOURCE_KINDS,
    STANDARD_STATUSES,
    SURVEY_STATUSES,
)
from services.i18n import LOCALES_DIR, catalog, catalog_files, label, normalize_lang, translate
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parent.parent


def test_zh_and_en_catalogs_have_the_same_keys_in_every_part():
    """Each catalog part exists in both languages with identical keys."""
    zh_parts = {p.name.removeprefix("zh"): p for p in catalog_files("zh")}
    en_parts = {p.name.removeprefix("en"): p for p in catalog_files("en")}
    assert zh_parts.keys() == en_parts.keys()
    seen: dict[str, str] = {}
    for suffix, zh_path in zh_parts.items():
        zh = json.loads(zh_path.read_text(encoding="utf-8"))
        en = json.loads(en_parts[suffix].read_text(encoding="utf-8"))
        assert set(zh) == set(en), f"{suffix}: only zh {set(zh) - set(en)}, only en {set(en) - set(zh)}"
        for key in zh:
            assert key not in seen, f"{key} defined in {seen.get(key)} and {suffix}"
            seen[key] = suffix
        for key in zh:
            assert set(re.findall(r"{(\w+)}", zh[key])) == set(re.findall(r"{(\w+)}", en[key])), key
            assert zh[key].strip() and en[key].strip(), key


def test_every_literal_key_used_in_code_exists():
    """t("…") and translate("…") calls only use keys present in the catalogs."""
    keys = set(catalog("en"))
    pattern = re.compile(r"""\b(?:t|translate)\(\s*["']([a-z0-9_.]+)["']""")
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), *ROOT.rglob("services/**/*.py")]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    used |= {spec.title_key for spec in PAGES} | {spec.section for spec in PAGES}
    assert used, "no translation keys found: the scan is broken"
    assert sorted(used - keys) == []


def test_every_enumeration_value_has_a_label_in_both_languages():
    """Roles, sides, kinds, statuses and types all have translated labels."""
    vocab = {"role": ROLES, "side": SIDES, "kind": NODE_KINDS, "comp_type": COMPETENCY_TYPES,
             "node_status": NODE_STATUSES, "course_type": COURSE_TYPES, "standard_status": STANDARD_STATUSES,
             "alignment_status": ALIGNMENT_STATUSES, "dimension": OBJECTIVE_DIMENSIONS,
             "survey_status": SURVEY_STATUSES, "change_reason": CHANGE_REASONS,
             "source_kind": SOURCE_KINDS}
    for kind, values in vocab.items():
        for value in values:
            for lang in ("zh", "en"):
                assert label(kind, value, lang) != f"enum.{kind}.{value}", (kind, value, lang)
    assert label("role", "mentor", "zh") == "企业导师"
    assert label("role", "mentor", "en") == "Industry mentor"


def test_language_normalisation_and_placeholders():
    """Browser locales map to zh/en; placeholders are filled."""
    assert normalize_lang("zh-CN") == "zh" and normalize_lang("zh_TW") == "zh"
    assert normalize_lang("en-GB") == "en" and normalize_lang("fr-FR") == "en" and normalize_lang(None) == "zh"
    assert translate("home.metric.courses", "en") == "Courses"
    assert translate("courses.owners", "zh", owners="王老师") == "课程负责人：王老师"
    assert translate("no.such.key", "en") == "no.such.key"
    assert LOCALES_DIR.is_dir()
