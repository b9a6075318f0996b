"""AppTest: every page, as every role that may open it, in zh and in en, shows no text of the other script.

The walk reads what AppTest sees of a page: titles, headers, markdown, captions, alerts, toasts,
widget labels, help texts, placeholders and options, buttons, page links, tabs, expanders, metric
labels and dataframe column headers. Text that comes from the database (programme, course and
competency texts, user names, audit values …) is the users' own and is excused wherever it
appears inside a rendered string. The English run works on the English demo programme MECH-ENG,
the Chinese run on 460305. Plotly figures are left out (their labels come from
``coverage_view.chart_labels``, checked in tests/test_i18n.py); Streamlit's own frontend texts
(file uploader drop zone, data editor toolbar) never reach AppTest: see docs/architecture.md.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator

import pandas as pd
import pytest
from sqlalchemy import String, Text, select
from sqlalchemy.types import JSON

from models import metadata
from services.programs import get_program
from tests.apptest_support import app_db, login, shown  # noqa: F401 (fixture)
from ui.auth import PROGRAM_KEY
from ui.nav import pages_for

pytestmark = pytest.mark.apptest

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]+")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
# Latin words a Chinese page may show, each for a reason:
ALLOWED_LATIN = {
    # file formats and their extensions, named as users see them on their disks
    "docx", "xlsx", "xlsm", "xls", "ods", "csv", "tsv", "json", "zip", "CSV", "JSON", "ZIP", "Excel", "Word",
    "UTF", "UTC",
    # proper nouns: the product, interchange standards and the sources of the demo data
    "CoStandard", "Moodle", "CASE", "OpenSALT", "ESCO", "NET", "IMS", "DACUM",
    # a statistic named by its usual abbreviation (interquartile range), beside its Chinese name
    "IQR",
    # the language switch names each language in its own script, so anyone can find theirs
    "Language", "English",
}
# the same switch in the English UI: its label "语言 / Language" and the option "中文"
ALLOWED_CJK = {"语言", "中文"}
ROLES = ("admin", "lead", "faculty", "mentor")
PROGRAMME = {"zh": "460305", "en": "MECH-ENG"}


def walk(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def _strings(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def rendered_texts(at) -> Iterator[tuple[str, str]]:
    """(element type, text) of every visible string AppTest can read on the current page."""
    for node in walk(at._tree):
        kind = getattr(node, "type", type(node).__name__)
        if kind in ("plotly_chart", "json", "html"):
            continue
        if kind in ("dataframe", "table"):
            frame = node.value
            if isinstance(frame, pd.DataFrame):
                yield from ((kind, str(c)) for c in frame.columns)
            continue
        for attr in ("label", "help", "placeholder", "options", "delta"):
            try:
                value = getattr(node, attr, None)
            except Exception:  # noqa: BLE001 - a widget without that field
                continue
            for text in _strings(value):
                yield kind, text
        if kind in ("markdown", "caption", "title", "header", "subheader", "text", "error", "warning", "info",
                    "success", "toast", "exception", "metric"):
            try:
                value = node.value
            except Exception:  # noqa: BLE001
                continue
            if isinstance(value, str):
                yield kind, value


# columns holding vocabulary rather than users' words: the UI must translate their values
VOCABULARY_COLUMNS = {"role", "side", "status", "kind", "comp_type", "course_type", "dimension", "category", "action",
                      "entity_type", "language", "preferred_lang", "password_hash", "token_hash", "reason", "source",
                      "proposed_side", "target", "format"}


def _is_text(column) -> bool:
    if column.name in VOCABULARY_COLUMNS:
        return False
    column_type = getattr(column.type, "impl", column.type)  # SQLModel's AutoString wraps String
    return isinstance(column_type, (String, Text, JSON))


def database_strings(engine) -> list[str]:
    """Every text the users wrote (text columns and JSON values of every table), longest first."""
    found: set[str] = set()

    def add(value) -> None:
        if isinstance(value, str):
            if value.strip():
                found.add(value.strip())
                found.update(line.strip() for line in value.splitlines() if line.strip())
        elif isinstance(value, dict):
            for item in value.values():
                add(item)
        elif isinstance(value, list):
            for item in value:
                add(item)

    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if _is_text(c)]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                for value in row:
                    if isinstance(value, str) and value[:1] in "[{":
                        with contextlib.suppress(ValueError):
                            value = json.loads(value)
                    add(value)
    from services.occupations import occupations

    for occupation in occupations():  # the shipped ESCO / O*NET titles are third-party data, in English
        found.add(occupation["label"])
    return sorted(found, key=len, reverse=True)


def foreign_runs(text: str, lang: str) -> list[str]:
    """Runs of the other script in ``text``: CJK in the English UI, Latin words (≥ 3 letters) in the Chinese UI."""
    if lang == "en":
        return [run for run in CJK.findall(text) if run not in ALLOWED_CJK]
    return [w for w in LATIN_WORD.findall(text) if w not in ALLOWED_LATIN]


def offending(text: str, lang: str, data: list[str]) -> list[str]:
    """Foreign runs not explained by user data that the text shows."""
    bad = []
    text = shown(text)  # user text is escaped for Markdown; compare what a reader sees
    for run in foreign_runs(text, lang):
        if not any(run in d and d in text for d in data):
            bad.append(run)
    return bad


# pages whose demo state is short: the rating page of a mentor with no open survey (title, "nothing waiting")
SPARSE = {"rate": 3, "results": 3}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_speaks_one_language(app_db, role, lang):
    """Every page the role may open, in ``lang``, shows only ``lang`` text besides user data and the allow-list."""
    data = database_strings(app_db)
    at = login(role, lang=lang)
    program_id = get_program(app_db, code=PROGRAMME[lang])["id"]
    problems = []
    for spec in pages_for(role):
        at.switch_page(spec.path)
        # AppTest runs the page file alone (no sidebar, so no programme picker): the page picks the
        # programme from ?program=, as after a deep link
        at.query_params["program"] = PROGRAMME[lang]
        at.session_state["link_seen_program_id"] = None
        at.run()
        assert not at.exception, (spec.slug, at.exception)
        if spec.needs_program:
            assert at.session_state[PROGRAM_KEY] == program_id, spec.slug
        texts = list(rendered_texts(at))
        assert len([k for k, _ in texts if k == "title"]) >= 1 and len(texts) >= SPARSE.get(spec.slug, 5), \
            (spec.slug, texts)
        for kind, text in texts:
            bad = offending(text, lang, data)
            if bad:
                problems.append(f"{spec.slug} {kind}: {bad} in {text[:120]!r}")
    assert problems == [], "\n".join(dict.fromkeys(problems))


def test_the_checker_finds_foreign_text_and_excuses_user_data():
    """CJK in English, Latin words in Chinese, unless the run sits inside a database text the string shows."""
    data = ["工业机器人技术", "Wang (Faculty)"]
    assert offending("Programme 工业机器人技术 saved", "en", data) == []
    assert offending("Programme 已保存", "en", data) == ["已保存"]
    assert offending("负责人：Wang (Faculty)", "zh", data) == []
    assert offending("1 alignments 已保存", "zh", data) == ["alignments"]
    assert offending("导出 docx 文件（ZH3021）", "zh", data) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_domain_error_is_shown_in_the_users_language(app_db, lang):
    """"Programme 460305 already exists" and an empty name come out of the catalogs, not as the service's English."""
    at = login("lead", lang=lang)
    at.switch_page("pages/programs.py").run()
    at.text_input(key="program_add_code").input("460305")
    at.text_input(key="program_add_name").input("  ")
    at.button(key="program_add_submit").click().run()
    at.text_input(key="program_add_name").input("机电一体化技术" if lang == "zh" else "Mechatronics")
    at.button(key="program_add_submit").click().run()
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "460305" in errors[0]
    assert offending(errors[0], lang, []) == [], errors
    assert ("已存在" in errors[0]) if lang == "zh" else ("already exists" in errors[0])
