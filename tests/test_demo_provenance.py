"""The English demo is rebuilt from the real ESCO / O*NET files, byte for byte."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "data" / "demo" / "build_english_demo.py"


def test_english_demo_regenerates_identically_from_real_data(real_data, tmp_path, monkeypatch):
    """data/demo/mech_industrial_maintenance.json and data/esco_onet/* come from the real files."""
    spec = importlib.util.spec_from_file_location("build_english_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setenv("COSTANDARD_REAL_DATA", str(real_data))
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT_JSON", tmp_path / "demo.json")
    monkeypatch.setattr(module, "OUT_CSV", tmp_path / "csv")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    try:
        module.build()
    except ValueError as exc:  # relative_to(ROOT) in the final print only
        pytest.fail(str(exc))
    committed = (ROOT / "data" / "demo" / "mech_industrial_maintenance.json").read_text("utf-8")
    assert (tmp_path / "demo.json").read_text("utf-8") == committed
    for csv in sorted((tmp_path / "csv").glob("*.csv")):
        assert csv.read_text("utf-8") == (ROOT / "data" / "esco_onet" / csv.name).read_text("utf-8"), csv.name
