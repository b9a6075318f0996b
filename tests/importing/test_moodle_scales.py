"""Moodle CSVs (issue #10 item 9): only competencies become competencies; scale rows become scale information."""

from __future__ import annotations

import csv
import io
from collections import Counter

from services.importing import analyse
from tests.importing.conftest import created, run_import
from tests.importing.test_exchange_formats import read, tree

MOODLE_HEADER = ["Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
                 "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
                 "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy"]


def moodle_csv(rows: list[dict]) -> bytes:
    """A tool_lpimportcsv file from rows given as {column name: value}."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MOODLE_HEADER)
    for row in rows:
        writer.writerow([row.get(name, "") for name in MOODLE_HEADER])
    return buffer.getvalue().encode("utf-8")


def _file_counts(real_data, path):
    """What a person counts in the CSV itself: rows that are not the framework row, by parent/child shape."""
    with (real_data / path).open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    flag = next(i for i, label in enumerate(header) if label.lower().replace(" ", "") == "isframework")
    return [r for r in rows if any(c.strip() for c in r) and r[flag].strip() != "1"]


def test_oecd_levels_are_a_scale_not_competencies(engine, real_data):
    """OECD: "Levels" with Level 1 … Level 5 (cross-referenced by the 39 behavioural indicators) is a scale.
    The tree keeps Competencies → 3 clusters → 15 competencies → 39 indicators (58 of the 64 node rows)."""
    rows = _file_counts(real_data, "moodle_lpimportcsv/moodle_core_example_OECD.csv")
    assert len(rows) == 64 and sum(1 for r in rows if r[0] == "levels") == 5
    data, name = read(real_data, "moodle_lpimportcsv/moodle_core_example_OECD.csv")
    preview, result = run_import(engine, data, name, lang="en")
    assert result.ok, result.errors
    # 4 levels deep: the root is the area, clusters and competencies become tasks, indicators competencies
    assert created(result) == {"area": 1, "task": 3 + 15, "competency": 39}
    nodes = tree(engine)
    assert len(nodes) == 58 and not any(code.startswith("level") for code in nodes)
    scale = preview.info["scales"][0]
    assert (scale["idnumber"], scale["name"], scale["row"]) == ("levels", "Levels", 3)
    assert scale["values"] == ["Level 1", "Level 2", "Level 3", "Level 4", "Level 5"]
    assert scale["levels"][0]["cross_referenced_by"] == 39 and "Assistants" in scale["levels"][0]["description"]
    framework_scale = preview.info["frameworks"][0]["scale"]
    assert framework_scale["values"] == ["Not yet competent", "Competent"]
    assert framework_scale["default"] == "Competent" and framework_scale["proficient"] == ["Competent"]
    warning = next(w for w in result.warnings if w["key"] == "import.warning.moodle_scale")
    assert warning["row"] == 3 and "Level 1" in warning["message"] and "3–8" in warning["message"]
    warning = next(w for w in result.warnings if w["key"] == "import.warning.moodle_framework_scale")
    assert warning["row"] == 2 and "Not yet competent, Competent" in warning["message"]


def test_other_moodle_files_keep_every_competency(sqlite_only, real_data):
    """The pharmacy example (210 rows: 1 framework + 209 nodes) has no scale group: every node imports."""
    rows = _file_counts(real_data, "moodle_lpimportcsv/jfruitet_example_pharmacy.csv")
    assert len(rows) == 209
    data, name = read(real_data, "moodle_lpimportcsv/jfruitet_example_pharmacy.csv")
    preview, result = run_import(sqlite_only, data, name)
    assert result.ok and sum(created(result).values()) == 209 and preview.info["scales"] == []
    for path in ("moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle.csv",
                 "moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle_liste_etoiles.csv"):
        data, name = read(real_data, path)
        dcg = analyse(data, name, engine=None, program_code="DCG")
        assert dcg.info["scales"] == [] and not any(w["key"] == "import.warning.moodle_scale" for w in dcg.warnings)
        assert Counter(n.kind for n in dcg.dataset.nodes)["area"] == 4  # the four AXE stay the areas


def test_chinese_level_group_and_a_competency_scale(sqlite_only):
    """A "等级" group (一级 … 三级) is a scale; a leaf-only group of real competencies stays; a competency with
    its own scale values stays a competency and its scale is recorded."""
    framework = {"ID number": "FW", "Short name": "机器人运维", "Is framework": "1", "Taxonomy": "domain,competency",
                 "Scale values": "未达到,达到", "Scale configuration": '[{"scaleid":"3"},{"id":2,"scaledefault":1}]'}
    rows = [framework,
            {"ID number": "LV", "Short name": "等级"},
            *({"Parent ID number": "LV", "ID number": f"LV{i}", "Short name": name} for i, name in
              enumerate(("一级", "二级", "三级"), start=1)),
            {"ID number": "A1", "Short name": "安装调试"},
            {"Parent ID number": "A1", "ID number": "A1.1", "Short name": "能识读机械装配图"},
            {"Parent ID number": "A1", "ID number": "A1.2", "Short name": "能完成示教编程",
             "Scale values": "差,中,好", "Scale configuration": '[{"scaleid":"5"},{"id":3,"proficient":1}]'}]
    preview, result = run_import(sqlite_only, moodle_csv(rows), "fw.csv")
    assert result.ok, result.errors
    assert set(tree(sqlite_only)) == {"A1", "A1.1", "A1.2"}
    scales = {s["idnumber"]: s for s in preview.info["scales"]}
    assert scales["LV"]["values"] == ["一级", "二级", "三级"] and not scales["LV"]["competency"]
    assert scales["A1.2"]["competency"] and scales["A1.2"]["proficient"] == ["好"]
    assert preview.info["frameworks"][0]["scale"]["default"] == "达到"


def _case_package() -> dict:
    """Two competencies under an area, three proficiency levels grouped under "熟练等级", linked by hasSkillLevel."""
    def item(identifier, statement, code=""):
        return {"identifier": identifier, "fullStatement": statement, "humanCodingScheme": code,
                "uri": f"local:{identifier}", "lastChangeDateTime": "2025-01-01T00:00:00Z"}

    def assoc(n, kind, origin, destination):
        return {"identifier": f"a{n}", "associationType": kind, "uri": f"local:a{n}",
                "originNodeURI": {"identifier": origin, "uri": f"local:{origin}", "title": origin},
                "destinationNodeURI": {"identifier": destination, "uri": f"local:{destination}", "title": destination},
                "lastChangeDateTime": "2025-01-01T00:00:00Z"}

    items = [item("area", "安装调试", "1"), item("c1", "能识读机械装配图", "1.1"), item("c2", "能完成示教编程", "1.2"),
             item("levels", "熟练等级"), item("l1", "初级"), item("l2", "中级"), item("l3", "高级")]
    associations = [assoc(1, "isChildOf", "area", "doc"), assoc(2, "isChildOf", "c1", "area"),
                    assoc(3, "isChildOf", "c2", "area"), assoc(4, "isChildOf", "levels", "doc"),
                    *(assoc(5 + i, "isChildOf", f"l{i + 1}", "levels") for i in range(3)),
                    assoc(10, "hasSkillLevel", "c1", "l1"), assoc(11, "hasSkillLevel", "c2", "l1"),
                    assoc(12, "hasSkillLevel", "c1", "l3")]  # nobody is assessed at 中级 yet
    return {"CFDocument": {"identifier": "doc", "uri": "local:doc", "creator": "t", "title": "框架",
                           "lastChangeDateTime": "2025-01-01T00:00:00Z"},
            "CFItems": items, "CFAssociations": associations}


def test_case_skill_levels_are_a_scale_not_competencies(sqlite_only):
    """CASE items that are only hasSkillLevel targets (初级/中级/高级, grouped under 熟练等级) are a scale."""
    import json

    preview, result = run_import(sqlite_only, json.dumps(_case_package(), ensure_ascii=False).encode(), "f.json")
    assert preview.kind == "case" and result.ok, result.errors
    assert set(tree(sqlite_only)) == {"1", "1.1", "1.2"}
    scales = preview.info["scales"]
    assert [s["statement"] for s in scales] == ["初级", "中级", "高级"] and scales[0]["group"] == "熟练等级"
    assert [s["competencies"] for s in scales] == [2, 0, 1] and any(w["key"] == "import.warning.case_skill_levels"
                                                  for w in result.warnings)
