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
    plural = {k for k in used if f"{k}.one" in keys and f"{k}.other" in keys}  # t(key, count=n)
    assert sorted(used - keys - plural) == []


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


def test_every_domain_error_has_a_message_in_both_languages():
    """Conflict, Deleted, Busy, NotFound, PermissionDenied… each have their own translated message."""
    from services import errors
    from services.i18n import translate

    kinds = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.DomainError)]
    assert {errors.Deleted, errors.Busy, errors.Conflict} <= set(kinds)
    for kind in kinds:
        for lang in ("zh", "en"):
            assert translate(kind.key, lang) != kind.key, (kind.__name__, lang)


def test_plural_forms_follow_the_count():
    """``count`` picks ``key.one`` / ``key.other`` in English; Chinese has one form; plain keys ignore it."""
    assert translate("competencies.children", "en", count=1) == "1 child node"
    assert translate("competencies.children", "en", count=2) == "2 child nodes"
    assert translate("competencies.children", "en", count=0) == "0 child nodes"
    assert translate("competencies.children", "zh", count=1) == "下级节点 1 个"
    assert translate("home.metric.courses", "en", count=1) == "Courses"
    en = catalog("en")
    for key in [k for k in en if k.endswith(".one")]:
        base = key.removesuffix(".one")
        assert f"{base}.other" in en and base not in en, base
        assert "{count}" in en[key] and "{count}" in en[f"{base}.other"], base


LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
# Latin words the Chinese catalog may use: formats, standards and products by their names, units
ZH_LATIN_OK = {"docx", "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "json", "zip", "CSV", "JSON", "ZIP", "Excel",
               "Word", "WPS", "LibreOffice", "UTF", "UTC", "CoStandard", "Moodle", "CASE", "OpenSALT", "ESCO", "NET",
               "Language", "English", "URL", "PostgreSQL", "SQLite", "IMS", "Chromium", "Streamlit", "Draft",
               "review", "Approved", "DACUM", "GBK", "BOM", "IQR"}
# Chinese messages about a file format or the command line name its fields, sheets and options as
# the file or the tool spells them (a user looks for exactly that word)
ZH_LATIN_KEYS = {"import.error.case_item", "import.error.case_package", "import.error.esco_layout",
                 "import.error.esco_row", "import.error.marks_ambiguous", "import.error.marks_option",
                 "import.error.marks_unknown", "import.error.moodle_idnumber", "import.error.onet_layout",
                 "import.error.onet_task_ratings", "import.error.opensalt_items", "import.error.standard_layout",
                 "import.warning.case_empty", "import.warning.case_several_parents.one",
                 "import.warning.case_several_parents.other", "import.warning.case_skill_levels", "import.warning.moodle_no_framework",
                 "lint.en.vague_verb", "dacum.lint.en.vague_verb"}
# English texts that quote Chinese on purpose: the values a spreadsheet may hold, the Chinese rules a
# linter applies to a Chinese objective, the language switch, a Chinese sheet name to look for
EN_CJK_OK = {"import.error.assessment_category", "import.error.comp_type", "import.error.importance",
             "import.error.objective_dimension", "import.error.standard_layout", "import.page.marks.strength",
             "sidebar.language", "lint.zh.student_as_object", "lint.zh.vague_verb", "dacum.lint.zh.vague_verb", "enum.language.zh"}


def test_catalog_texts_stay_in_their_language():
    """No Chinese in English texts and no English words in Chinese texts (placeholders, `code` and the lists above aside).

    AppTest cannot see the sidebar app.py draws, nor texts of states a smoke run does not reach: this
    checks every string the UI can show at its source.
    """
    def visible(text: str) -> str:
        return re.sub(r"`[^`]*`|\{\w+\}|%\{[^}]*\}|<[^>]+>|:material/\w+:|:[a-z]+(?:-[a-z]+)?\[|&\w+;|https?://\S+|\w+\.(?:json|csv|xlsx|docx|zip)\b",
                      " ", text)

    zh, en = catalog("zh"), catalog("en")
    zh_bad = {k: w for k, v in zh.items() if k not in ZH_LATIN_KEYS and
              (w := [x for x in LATIN_WORD.findall(visible(v)) if x not in ZH_LATIN_OK])}
    en_bad = {k: v for k, v in en.items() if k not in EN_CJK_OK and CJK.search(visible(v))}
    assert zh_bad == {} and en_bad == {}
