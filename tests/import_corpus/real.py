"""Real third-party files (../shared/data/real) and what a person reads in each.

Counts were taken by reading the cells ourselves (python-calamine / csv / json dumps, see
docs/import_corpus.md), before the importer was run on any of them. A file that holds no
framework, course list or matrix (most calamine and xlsx2csv test files) must be refused
with a message rather than imported as something it is not.
"""

from __future__ import annotations

from tests.import_corpus.layouts import Layout

_NOT_AN_IMPORT = "a spreadsheet-library test file with no competency, course or matrix content: refuse it"
_ILLUSTRATE = ("Illustrate informally the time and space complexity of algorithms and use big-O notation formally to "
               "show asymptotic upper \nbounds and expected case bounds on time and space complexity, respectively.")


def _refuse(path: str, why: str = _NOT_AN_IMPORT) -> Layout:
    return Layout(_name(path), path.rsplit(".", 1)[-1], ("real",), {"refused": True}, path=path, note=why)


def _name(path: str) -> str:
    return f"real:{path.split('/')[0]}/{path.rsplit('/', 1)[-1]}"


def _case(path: str, nodes: int, competency: int | None = None, note: str = "", **extra) -> Layout:
    counts = {"nodes": nodes}
    if competency is not None:
        counts["competency"] = competency
    return Layout(_name(path), path.rsplit(".", 1)[-1], ("real",), {"kind": ("case",), "counts": counts, **extra},
                  path=path, note=note or f"CASE package: {nodes} CFItems")


def real_layouts() -> list[Layout]:
    """The import-relevant real files, each with a person's expectation."""
    calamine = "messy_excel/calamine/"
    out = [_refuse(calamine + f) for f in (
        "any_sheets.xlsx", "has_x000D_.xlsx", "header-row.xlsx", "issue_174.xlsx", "issue_261.xlsx", "issue_553.xlsx",
        "merge_cells.xls", "merge_cells.xlsx", "merged_cells.ods", "merged_range.xlsx", "richtext-namespaced.xlsx")]
    out.append(_refuse("messy_excel/xlsx2csv/empty_row.xlsx",
                       "a report header (Date, Agency, …) and a merged 'no data' row: nothing to import"))
    out += [
        Layout(_name("competvetsuivi/matrix_sample.xlsx"), "xlsx", ("real", "matrix"), {"kind": "matrix", "ok": False},
               path="competvetsuivi/matrix_sample.xlsx",
               note="EnvA competency × UC matrix (73 competency rows × 50 UC) whose cells hold coded sums "
                    "(1/10/100/1000 digits, see 'Légendes'): no standard mark scheme, so the import must ask, "
                    "never guess"),
        Layout(_name("competvetsuivi/CompetVetSuiviTestMatrixWithResults.ods"), "ods", ("real", "matrix"),
               {"kind": "matrix", "ok": False}, path="competvetsuivi/CompetVetSuiviTestMatrixWithResults.ods",
               note="the same matrix in ODS (285 competency rows × 50 UC) plus a 'Calculs' sheet: coded values, "
                    "the import must ask for the marks"),
        Layout(_name("competvetsuivi/matrix_comp.json"), "json", ("real",),
               {"either": [{"refused": True}, {"ok": None, "counts": {"area": 1, "task": 3, "competency": 19}}]},
               path="competvetsuivi/matrix_comp.json",
               note="a plugin's JSON fixture, not an exchange format: refuse it, or read it as what it is, 23 "
                    "competencies whose path (/COPREV/COPREV.1/…) makes 1 root, 3 groups and 19 leaves"),
        Layout(_name("competvetsuivi/matrix_ue.json"), "json", ("real",),
               {"either": [{"refused": True}, {"ok": None, "counts": {"course": 50, "competency": 0}}]},
               path="competvetsuivi/matrix_ue.json",
               note="a plugin's JSON list of 50 teaching units (UC51…): refuse it, or read 50 courses — never "
                    "competencies"),
        _refuse("opensalt/schema/case-v1p0-cfpackage-schema.json",
                "the CASE 1.0 JSON Schema itself (its properties name CFDocument / CFItems): not a framework"),
        _refuse("opensalt/schema/case-v1p1-cfpackage-schema.subset.json",
                "a subset of the CASE 1.1 JSON Schema: not a framework"),
        Layout(_name("moodle_lpimportcsv/moodle_core_example_OECD.csv"), "csv", ("real",),
               {"kind": ("moodle",), "counts": {"nodes": 58, "competency": 39},
                "contains": ["Analytical Thinking", "Delivery-related"]},
               path="moodle_lpimportcsv/moodle_core_example_OECD.csv",
               note="64 rows under the framework row; 'Levels' and 'Level 1'…'Level 5' describe the scale, "
                    "not competencies: 58 nodes, 39 leaves"),
        Layout(_name("moodle_lpimportcsv/jfruitet_example_pharmacy.csv"), "csv", ("real",),
               {"kind": ("moodle",), "counts": {"area": 6, "task": 25, "competency": 178},
                "contains": ["Practises professionally"]},
               path="moodle_lpimportcsv/jfruitet_example_pharmacy.csv",
               note="12-column Moodle CSV: framework row 'Pharmacy' + 209 competencies in 3 levels"),
        Layout(_name("moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle.csv"), "csv", ("real",),
               {"kind": ("moodle",), "ok": False}, path="moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle.csv",
               note="French Moodle headers, ';'-delimited: 844 rows but only 829 distinct ID numbers (14 used by "
                    "different rows) and 3 parents that do not exist: those rows must be reported as errors"),
        Layout(_name("moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle_liste_etoiles.csv"), "csv", ("real",),
               {"kind": ("moodle",), "ok": False},
               path="moodle_lpimportcsv/fxpar_DCG2019_referentiel_moodle_liste_etoiles.csv",
               note="the same with HTML lists: 846 rows, 831 distinct ID numbers, 3 missing parents"),
        _case("opensalt/case/AdoptedTestFramework.json", 1, contains=["Item 1"]),
        Layout(_name("opensalt/case/EmptyExternalFramework.json"), "json", ("real",),
               {"kind": ("case",), "ok": None, "counts": {"nodes": 0}},
               path="opensalt/case/EmptyExternalFramework.json", note="a CASE package with no items: nothing created"),
        _case("opensalt/case/ItemTypeTestFramework.json", 1),
        _case("opensalt/case/MarkdownFramework.json", 2),
        _case("opensalt/case/Ordering.json", 28, 24),
        _case("opensalt/case/SequenceNumberFramework.json", 2,
              contains=["First Added Item", "Second added item, but should be first"]),
        _case("opensalt/case/SmartLevelFramework.json", 14, 12),
        _case("opensalt/case/Utf8TestFramework.json", 1, contains=["Item 𝑑 1"]),
        _case("opensalt/case/math_cfs_sample_CCSS_Math.json", 703, 474),
        _case("opensalt/case/opensalt-framework-20c5134f.json", 16, 12,
              note="16 items, isChildOf tree of 12 leaves; 23 other associations are not tree links"),
        _case("opensalt/case/test_framework_case.json", 65, 49),
        Layout(_name("opensalt/xlsx/spreadsheet_import_sample.xlsx"), "xlsx", ("real",),
               {"kind": ("opensalt",), "counts": {"nodes": 4, "competency": 2}, "contains": ["Statement 4"]},
               path="opensalt/xlsx/spreadsheet_import_sample.xlsx",
               note="CF Doc / CF Item / CF Association: S → S.1, S.2 → S.2.1"),
        Layout(_name("opensalt/xlsx/tests_spreadsheet_import_sample.xlsx"), "xlsx", ("real",),
               {"kind": ("opensalt",), "counts": {"nodes": 4, "competency": 2}},
               path="opensalt/xlsx/tests_spreadsheet_import_sample.xlsx", note="the test-suite variant"),
        Layout(_name("opensalt/xlsx/test_framework.xlsx"), "xlsx", ("real",),
               {"kind": ("opensalt",), "counts": {"nodes": 5, "competency": 3}},
               path="opensalt/xlsx/test_framework.xlsx", note="5 items: 1 → 1.1, 1.2; 2 → 2.1"),
        Layout(_name("opensalt/xlsx/ccsso_ela.xlsx"), "xlsx", ("real",),
               {"kind": ("opensalt",), "counts": {"nodes": 1189, "competency": 791}},
               path="opensalt/xlsx/ccsso_ela.xlsx", note="CCSS ELA: 1189 items, smartLevel tree with 791 leaves"),
        Layout(_name("opensalt/csv/sample_case.csv"), "csv", ("real",),
               {"kind": ("opensalt", "framework", "case"), "counts": {"nodes": 10}},
               path="opensalt/csv/sample_case.csv", note="OpenSALT CSV: 10 items with an 'Is Child Of' column"),
        Layout(_name("opensalt/csv/test_items.csv"), "csv", ("real", "flat"),
               {"kind": ("opensalt", "framework", "case"), "counts": {"nodes": 99}},
               path="opensalt/csv/test_items.csv", note="99 standards, parent column empty: a flat list"),
        Layout(_name("opensalt/csv/ccsso_ela_item.csv"), "csv", ("real",),
               {"kind": ("opensalt", "framework", "case"), "counts": {"nodes": 1189, "competency": 791}},
               path="opensalt/csv/ccsso_ela_item.csv", note="the CF Item sheet as CSV: smartLevel gives the tree"),
        Layout(_name("ubc_curriculum_map/import-plos-sample.xlsx"), "xlsx", ("real", "english"),
               {"kind": "framework", "counts": {"competency": 11}, "contains": [_ILLUSTRATE]},
               path="ubc_curriculum_map/import-plos-sample.xlsx",
               note="one sheet per PLO category (6 + 5 outcomes); outcome text with line breaks kept as written"),
        Layout(_name("ubc_curriculum_map/import-clos-sample.csv"), "csv", ("real", "english", "exact"),
               {"kind": "framework", "counts": {"competency": 6}, "contains": [_ILLUSTRATE]},
               path="ubc_curriculum_map/import-clos-sample.csv", note="6 outcomes in multi-line quoted cells"),
        Layout(_name("cn_accreditation_templates/理论课程导入模板.xls"), "xls", ("real", "notes"),
               {"kind": "courses", "counts": {"course": 1},
                "courses": {"理论课程1": {"code": "llkc", "credits": 3, "hours_theory": 16, "hours_practice": 32,
                                       "course_type": "public_basic"}}},
               path="cn_accreditation_templates/理论课程导入模板.xls",
               note="a 注意 row merged across, then 课程层次 … 习题学时; hours 48 = 理论16 + 实验0 + 实践16 + 上机16 "
                    "+ 习题0; numbers stored as text"),
        Layout(_name("cn_accreditation_templates/理论课培养计划导入模板.xlsx"), "xlsx", ("real", "title", "header"),
               {"kind": "courses", "counts": {"course": 2},
                "courses": {"课程1": {"code": "0332A0012", "credits": 4.5, "hours_theory": 62, "hours_practice": 10,
                                    "course_type": "professional_basic", "semester": 4},
                            "课程2": {"code": "0322A003ae", "credits": 1, "hours_theory": 16, "semester": 1}}},
               path="cn_accreditation_templates/理论课培养计划导入模板.xlsx",
               note="title + 注意 rows, 4-row merged header (教学安排 over 理论/实践/… 学时, 各学期周学时分配 over "
                    "学年/学期/周数), 2 courses"),
        Layout(_name("cn_accreditation_templates/实践课培养计划导入模板.xlsx"), "xlsx", ("real", "title", "header"),
               {"kind": "courses", "counts": {"course": 2},
                "courses": {"课程1": {"code": "31461014c", "credits": 1}, "课程2": {"code": "13461013", "credits": 3}}},
               path="cn_accreditation_templates/实践课培养计划导入模板.xlsx",
               note="practice courses: title + 注意 rows, 4-row header, 所属模块 merged over both rows"),
        Layout(_name("cn_accreditation_templates/毕业要求指标点导入.xls"), "xls", ("real", "notes"),
               {"kind": "framework", "counts": {"area": 2, "competency": 7},
                "contains": ["指标点一", "掌握图学、工程力学、材料学..."]},
               path="cn_accreditation_templates/毕业要求指标点导入.xls",
               note="注意 row; 毕业要求 merged down over its 指标点 (2 requirements, 7 indicators), each indicator "
                    "merged over its course/weight rows"),
        _refuse("cn_accreditation_templates/课程目标达成度1.xlsx",
                "an attainment-calculation template: a title and a header, no rows to import"),
        _refuse("cn_accreditation_templates/课程目标达成度5.xlsx",
                "the same template for 5 assessment methods: no rows to import"),
    ]
    return out
