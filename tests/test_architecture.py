"""Project invariants: dependencies point inward, pages are thin and keyed."""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("path", [ROOT / "app.py", *_python_files("pages")], ids=lambda p: p.name)
def test_every_stateful_widget_has_an_explicit_key(path):
    """Tests find widgets by key, so every stateful widget names one."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    missing = [f"{path.name}:{call.lineno} {call.func.attr}" for call in _widget_calls(tree)
               if not any(k.arg == "key" for k in call.keywords)]
    assert not missing, f"widgets without key: {missing}"


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
