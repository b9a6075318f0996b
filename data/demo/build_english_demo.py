"""Build the English demo programme from the real ESCO v1.2.0 and O*NET 29.2 files.

Build tool kept for provenance; the app only loads the JSON it writes.

Reads   <project>/../shared/data/real  (override with the env var COSTANDARD_REAL_DATA)
Writes  data/esco_onet/*.csv                        -- the source rows actually used (filtered copies)
        data/demo/mech_industrial_maintenance.json  -- the demo programme (format: data/demo/FORMAT.md)

Run:    .venv/bin/python data/demo/build_english_demo.py
Needs pandas and openpyxl. The output is deterministic: same inputs give byte-identical files.

Where the statements come from
  * job roles: ESCO occupations (occupations_en.csv) and O*NET occupations (derived subset);
  * competencies: ESCO skill labels linked to the role's occupation (derived long csv), ESCO
    transversal skills (transversalSkillsCollection_en.csv), O*NET task statements and O*NET
    skills (element name + Content Model description).
Only the first letter of ESCO labels is capitalised; otherwise statements are verbatim.
Work areas, task names, courses and alignments are demo content written by the CoStandard team.

Importance (1-5)
  * ESCO essential skill: 5 if essential for >= 10 of the 150 occupations in the derived file
    (a widely shared core skill), else 4;
  * ESCO optional skill: 3 if linked to >= 10 of those occupations, else 2;
  * O*NET skill: the real IM (importance) rating of the occupation, rounded half up;
  * O*NET task: the repository holds no Task Ratings file (no IM for tasks), so Task Type is
    used instead: Core -> 4, Supplemental -> 3;
  * ESCO transversal skill: set by the team (not linked to occupations in the data).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
REAL = Path(os.environ.get("COSTANDARD_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
OUT_CSV = ROOT / "data" / "esco_onet"
OUT_JSON = ROOT / "data" / "demo" / "mech_industrial_maintenance.json"

ESCO_DIR = "esco_v1.2.0"
ESCO_LONG = "derived/esco_v1.2.0_manufacturing_occupation_skills_long.csv"
ONET_OCC = "derived/onet_29.2_occupations_manufacturing_subset.csv"
ONET_TASKS = "derived/onet_29.2_task_statements_manufacturing_subset.csv"
ONET_SKILLS = "derived/onet_29.2_skills_manufacturing_subset.csv"
ONET_CONTENT_MODEL = "onet_29.2_xlsx/Content_Model_Reference.xlsx"
# Looked up in this order; the first collection holding a label gives its URI and type.
ESCO_COLLECTIONS = (
    "transversalSkillsCollection_en.csv",
    "digitalSkillsCollection_en.csv",
    "greenSkillsCollection_en.csv",
)
ESCO_HIERARCHY = "skillsHierarchy_en.csv"

ESSENTIAL_TOP_THRESHOLD = 10  # essential for >= this many occupations -> importance 5
OPTIONAL_TOP_THRESHOLD = 10  # linked to >= this many occupations -> importance 3
TASK_TYPE_IMPORTANCE = {"Core": 4, "Supplemental": 3}

# ---------------------------------------------------------------------------------------------
# Selection (what the demo uses)
# ---------------------------------------------------------------------------------------------

# key, source, ESCO preferredLabel or O*NET-SOC code
ROLES = [
    ("R1", "esco", "mechatronics engineering technician"),
    ("R2", "onet", "49-9041.00"),
    ("R3", "esco", "industrial robot controller"),
]

# ESCO labels that are knowledge concepts but are in none of the collections (so carry no
# skillType in the available files). ESCO labels knowledge as noun phrases, skills as verbs.
ESCO_KNOWLEDGE_LABELS = {
    "mechanical engineering",
    "electrical engineering",
    "mechatronics",
    "pneumatics",
    "production processes",
    "quality standards",
}


def esco(label: str, role: str | None = None) -> dict:
    """An ESCO skill linked to the role's occupation (role defaults to the task's)."""
    return {"src": "esco", "id": label, "role": role}


def transversal(label: str, importance: int) -> dict:
    return {"src": "esco_transversal", "id": label, "importance": importance, "role": None}


def onet_task(task_id: int, role: str | None = None) -> dict:
    return {"src": "onet_task", "id": task_id, "role": role}


def onet_skill(element_id: str, role: str | None = None) -> dict:
    return {"src": "onet_skill", "id": element_id, "role": role}


# (area statement, [(task statement, job role key, [competencies])])
FRAMEWORK = [
    ("Install and commission mechatronic systems", [
        ("Interpret technical documentation", "R1", [
            esco("read engineering drawings"),
            esco("read assembly drawings"),
            esco("interpret circuit diagrams"),
            esco("mechanical engineering"),
            esco("electrical engineering"),
            esco("CAD software"),
        ]),
        ("Assemble mechatronic units", "R1", [
            esco("assemble mechatronic units"),
            esco("fasten components"),
            esco("align components"),
            esco("mechatronics"),
            esco("pneumatics"),
        ]),
        ("Test and commission mechatronic systems", "R1", [
            esco("install mechatronic equipment"),
            esco("test mechatronic units"),
            esco("perform test run"),
            esco("record test data"),
            esco("control engineering"),
        ]),
    ]),
    ("Maintain and repair industrial machinery", [
        ("Carry out preventive maintenance", "R2", [
            onet_task(11820),
            onet_task(11816),
            onet_task(11815),
            onet_skill("2.B.3.j"),
        ]),
        ("Diagnose and repair machine faults", "R2", [
            onet_task(11818),
            onet_task(11821),
            onet_task(11813),
            onet_task(11814),
            onet_task(11817),
            onet_task(11819),
            onet_task(11825),
            onet_skill("2.B.3.k"),
            onet_skill("2.B.3.l"),
            onet_skill("2.A.2.a"),
        ]),
        ("Install and set up machinery", "R2", [
            onet_task(11823),
            onet_task(11827),
            onet_skill("2.B.3.d"),
        ]),
    ]),
    ("Operate and program automated production systems", [
        ("Set up machine and robot controls", "R3", [
            esco("set up the controller of a machine"),
            esco("set up machine controls"),
            esco("automation technology"),
            esco("set up automotive robot"),
        ]),
        ("Monitor automated production", "R3", [
            esco("monitor automated machines"),
            esco("adjust manufacturing equipment"),
            esco("production processes"),
            esco("sensors"),
        ]),
        ("Maintain robotic and control equipment", "R3", [
            esco("maintain robotic equipment"),
            esco("maintain control systems for automated equipment"),
            esco("robotic components"),
            esco("solve technical problems"),
        ]),
    ]),
    ("Work safely, to quality standards and in a team", [
        ("Apply health and safety rules", "R3", [
            esco("wear appropriate protective gear"),
            esco("perform risk analysis"),
            esco("follow standards for machinery safety", role="R1"),
            transversal("comply with regulations", 4),
        ]),
        ("Assure product quality", "R1", [
            esco("inspect quality of products"),
            esco("quality standards"),
            onet_skill("2.B.3.m", role="R2"),
            transversal("attend to detail", 3),
        ]),
        ("Document work and cooperate", "R1", [
            onet_task(11822, role="R2"),
            esco("write technical reports"),
            esco("liaise with engineers"),
            transversal("work in teams", 3),
        ]),
    ]),
]

# code, name, type, credits, theory h, practice h, semester, owners, description
COURSES = [
    ("MEC101", "Technical Mathematics and Physics", "public_basic", 3, 48, 0, 1, [],
     "Algebra, trigonometry and applied physics (mechanics, electricity) for technicians."),
    ("MEC102", "Technical English and Communication", "public_basic", 2, 32, 0, 1, [],
     "Reading manuals, writing short reports and talking with colleagues and customers."),
    ("MEC103", "Engineering Drawing and CAD", "professional_basic", 4, 32, 32, 1, ["faculty"],
     "Projections, tolerances, assembly drawings, circuit diagrams and 2D/3D CAD."),
    ("MEC104", "Electrical and Electronic Fundamentals", "professional_basic", 4, 40, 24, 2, ["faculty2"],
     "DC/AC circuits, components, sensors and measurement with multimeters and oscilloscopes."),
    ("MEC105", "Fluid Power: Pneumatics and Hydraulics", "professional_basic", 3, 24, 24, 2, ["faculty"],
     "Pneumatic and hydraulic components and circuits on trainer boards; basic servicing."),
    ("MEC201", "PLC and Automation Technology", "professional_core", 4, 32, 32, 2, ["faculty2"],
     "PLC hardware and programming, sensors and actuators, simple automated stations."),
    ("MEC202", "Mechatronic Systems Assembly and Commissioning", "professional_core", 5, 32, 48, 3, ["faculty"],
     "Assembling, wiring, testing and commissioning a modular mechatronic production line."),
    ("MEC203", "Machinery Maintenance and Fault Diagnosis", "professional_core", 5, 32, 48, 3, ["faculty"],
     "Preventive maintenance, fault finding with test instruments, repair and test runs."),
    ("MEC204", "Industrial Robot Operation and Programming", "professional_core", 4, 24, 40, 3, ["faculty2"],
     "Robot and controller set-up, teach-in programming, monitoring and routine maintenance."),
    ("MEC205", "Maintenance Practice Project and Industrial Placement", "practice", 8, 0, 240, 4,
     ["faculty", "faculty2"],
     "Twelve-week placement in a partner plant's maintenance team with a documented project."),
]

A, P, R = "accepted", "proposed", "rejected"
S, E = "school", "enterprise"

# course -> [(competency key, level, status, side, reason)]; key = (source, id)
ALIGNMENTS = {
    "MEC101": [
        (("esco", "mechanical engineering"), 1, A, S, ""),
        (("esco", "electrical engineering"), 1, A, S, ""),
        (("esco_transversal", "attend to detail"), 1, A, S, ""),
    ],
    "MEC102": [],  # deliberately no alignment (gap demo: a course linked to nothing)
    "MEC103": [
        (("esco", "read engineering drawings"), 3, A, S, ""),
        (("esco", "read assembly drawings"), 3, A, S, ""),
        (("esco", "interpret circuit diagrams"), 2, A, S, ""),
        (("esco", "CAD software"), 3, A, S, ""),
        (("esco", "mechanical engineering"), 2, A, S, ""),
        (("onet_task", 11823), 2, A, E, ""),
        (("esco_transversal", "attend to detail"), 2, A, S, ""),
    ],
    "MEC104": [
        (("esco", "electrical engineering"), 3, A, S, ""),
        (("esco", "interpret circuit diagrams"), 3, A, S, ""),
        (("onet_task", 11818), 2, A, S, ""),
        (("esco", "sensors"), 2, A, S, ""),
        (("esco", "wear appropriate protective gear"), 2, A, S, ""),
        (("esco_transversal", "comply with regulations"), 2, P, S, ""),
        (("esco_transversal", "work in teams"), 1, A, S, ""),
    ],
    "MEC105": [
        (("esco", "pneumatics"), 3, A, S, ""),
        (("esco", "mechanical engineering"), 2, A, S, ""),
        (("esco", "mechatronics"), 1, A, S, ""),
        (("esco", "assemble mechatronic units"), 1, R, S,
         "The course only builds fluid-power circuits on trainer boards; complete mechatronic units "
         "are assembled in MEC202."),
        (("esco", "fasten components"), 2, A, S, ""),
        (("onet_task", 11820), 2, A, E, ""),
        (("onet_skill", "2.B.3.j"), 2, P, E, ""),
        (("onet_skill", "2.B.3.k"), 2, A, S, ""),
    ],
    "MEC201": [
        (("esco", "automation technology"), 3, A, S, ""),
        (("esco", "control engineering"), 1, A, S, ""),
        (("esco", "set up machine controls"), 2, A, S, ""),
        (("onet_task", 11827), 1, A, S, ""),
        (("esco", "set up the controller of a machine"), 2, A, S, ""),
        (("esco", "sensors"), 3, A, S, ""),
        (("esco", "monitor automated machines"), 2, A, S, ""),
        (("esco", "install mechatronic equipment"), 2, A, S, ""),
        (("onet_skill", "2.B.3.d"), 2, A, S, ""),
        (("esco", "production processes"), 1, P, E, ""),
        (("esco", "interpret circuit diagrams"), 2, A, S, ""),
        (("onet_skill", "2.B.3.k"), 2, A, S, ""),
    ],
    "MEC202": [
        (("esco", "assemble mechatronic units"), 3, A, S, ""),
        (("esco", "fasten components"), 3, A, S, ""),
        (("esco", "align components"), 3, A, S, ""),
        (("esco", "mechatronics"), 3, A, S, ""),
        (("esco", "install mechatronic equipment"), 3, A, S, ""),
        (("esco", "test mechatronic units"), 3, A, S, ""),
        (("esco", "perform test run"), 3, A, S, ""),
        (("esco", "record test data"), 3, A, S, ""),
        (("esco", "quality standards"), 1, A, S, ""),
        (("esco", "inspect quality of products"), 2, A, S, ""),
        (("esco", "follow standards for machinery safety"), 2, A, S, ""),
        (("esco", "read assembly drawings"), 2, A, S, ""),
        (("esco", "pneumatics"), 2, A, S, ""),
        (("esco", "control engineering"), 1, P, E, ""),
        (("esco_transversal", "work in teams"), 2, A, S, ""),
        (("esco", "write technical reports"), 2, P, S, ""),
    ],
    "MEC203": [
        (("onet_task", 11820), 3, A, S, ""),
        (("onet_task", 11816), 3, A, S, ""),
        (("onet_task", 11815), 3, A, S, ""),
        (("onet_skill", "2.B.3.j"), 3, A, S, ""),
        (("onet_task", 11818), 3, A, S, ""),
        (("onet_task", 11821), 3, A, S, ""),
        (("onet_task", 11813), 3, A, S, ""),
        (("onet_task", 11814), 3, A, S, ""),
        (("onet_task", 11817), 3, A, S, ""),
        (("onet_task", 11819), 2, A, S, ""),
        (("onet_skill", "2.B.3.k"), 3, A, S, ""),
        (("onet_skill", "2.B.3.l"), 3, A, S, ""),
        (("onet_task", 11822), 2, A, E, ""),
        (("esco", "wear appropriate protective gear"), 3, A, S, ""),
        (("onet_skill", "2.B.3.m"), 2, A, S, ""),
        (("onet_skill", "2.B.3.d"), 2, P, E, ""),
        (("esco", "maintain robotic equipment"), 1, A, S, ""),
    ],
    "MEC204": [
        (("esco", "set up the controller of a machine"), 3, A, S, ""),
        (("esco", "set up automotive robot"), 3, A, S, ""),
        (("esco", "monitor automated machines"), 3, A, S, ""),
        (("esco", "adjust manufacturing equipment"), 2, A, S, ""),
        (("esco", "maintain robotic equipment"), 2, A, S, ""),
        (("esco", "maintain control systems for automated equipment"), 1, A, S, ""),
        (("esco", "robotic components"), 3, A, S, ""),
        (("esco", "wear appropriate protective gear"), 2, A, S, ""),
        (("esco", "production processes"), 2, A, S, ""),
        (("esco", "automation technology"), 2, A, S, ""),
        (("esco", "perform test run"), 2, P, S, ""),
        (("esco", "follow standards for machinery safety"), 3, A, S, ""),
        (("onet_task", 11827), 1, A, S, ""),
        (("esco_transversal", "comply with regulations"), 2, A, S, ""),
    ],
    "MEC205": [
        (("onet_task", 11815), 3, A, E, ""),
        (("onet_task", 11814), 3, A, E, ""),
        (("onet_skill", "2.B.3.l"), 3, A, E, ""),
        (("onet_task", 11819), 3, A, E, ""),
        (("onet_task", 11822), 3, A, E, ""),
        (("esco", "maintain robotic equipment"), 3, A, E, ""),
        (("esco", "adjust manufacturing equipment"), 3, A, E, ""),
        (("esco", "inspect quality of products"), 3, A, E, ""),
        (("onet_skill", "2.B.3.m"), 3, A, E, ""),
        (("esco", "record test data"), 2, A, E, ""),
        (("esco", "write technical reports"), 3, A, S, ""),
        (("esco_transversal", "work in teams"), 3, A, E, ""),
        (("esco_transversal", "comply with regulations"), 3, A, E, ""),
        (("esco_transversal", "attend to detail"), 2, P, E, ""),
        (("esco", "monitor automated machines"), 2, A, E, ""),
        (("esco", "set up machine controls"), 2, R, E,
         "At the partner plants robot cells and machine controls are set up by the plant's own "
         "engineers; placement students only observe the set-up."),
        (("onet_task", 11821), 2, A, E, ""),
    ],
}

# One short draft standard (course MEC203). Alignment keys as above.
STANDARD_MEC203 = {
    "course": "MEC203",
    "status": "draft",
    "department": "School of Intelligent Manufacturing",
    "author_name": "Course team MEC203",
    "author_date": "2026-09-01",
    "reviewer_name": "",
    "reviewer_date": "",
    "prerequisites": "MEC103 Engineering Drawing and CAD; MEC104 Electrical and Electronic Fundamentals; "
                     "MEC105 Fluid Power: Pneumatics and Hydraulics",
    "follow_on": "MEC205 Maintenance Practice Project and Industrial Placement",
    "nature": "Professional core course of the Mechatronics and Industrial Maintenance Technician "
              "programme, third semester, 80 hours (32 theory, 48 practice).",
    "design_rationale": "Built on the O*NET tasks of Industrial Machinery Mechanics (49-9041.00): the "
                        "units follow the maintenance cycle inspect - diagnose - repair - verify - record.",
    "teaching_methods": "Work-based projects on the maintenance workshop's machines; demonstration, guided "
                        "practice, fault-finding exercises with prepared faults, job sheets.",
    "resources": "Maintenance workshop with gearbox, conveyor and pump test rigs; multimeters, "
                 "oscilloscopes, vibration pen; manufacturers' manuals.",
    "objectives": [
        ("K1", "knowledge",
         "Explain wear, lubrication and typical failure modes of machine elements and the purpose of "
         "preventive maintenance plans.",
         [(("onet_task", 11816), 2, A, S)]),
        ("S1", "skill",
         "Diagnose malfunctions of industrial machinery using test instruments, error messages and "
         "information from operators.",
         [(("onet_task", 11818), 3, A, S), (("onet_task", 11821), 3, A, S)]),
        ("S2", "skill",
         "Disassemble, repair and reassemble machinery and verify the repair with a test run.",
         [(("onet_task", 11813), 3, A, S), (("onet_task", 11817), 3, A, S), (("onet_task", 11819), 2, A, S)]),
        ("Q1", "quality",
         "Work safely with personal protective equipment and record every maintenance job completely.",
         [(("esco", "wear appropriate protective gear"), 2, A, S), (("onet_task", 11822), 2, P, E)]),
    ],
    "units": [
        ("Unit 1 Preventive maintenance",
         "Maintenance plans, lubrication, inspection of wear parts, cleaning and adjustment.",
         "Carry out the weekly maintenance plan of the conveyor rig and complete the job sheet.",
         8, 12,
         [(("onet_task", 11820), 3, A, S), (("onet_task", 11816), 3, A, S)]),
        ("Unit 2 Fault diagnosis with test instruments",
         "Systematic fault finding, measuring with multimeter and oscilloscope, reading error codes.",
         "Locate three prepared faults on the gearbox and pump rigs and document the diagnosis.",
         12, 16,
         [(("onet_task", 11818), 3, A, S), (("onet_task", 11821), 3, A, S), (("onet_skill", "2.B.3.k"), 3, A, S)]),
        ("Unit 3 Repair, reassembly and test run",
         "Disassembly, replacement of bearings and seals, reassembly, alignment, test run and hand-over.",
         "Overhaul the pump rig, run it under load and hand it over with a repair report.",
         12, 20,
         [(("onet_task", 11813), 3, A, S), (("onet_task", 11814), 3, A, S), (("onet_task", 11817), 3, A, S),
          (("onet_task", 11819), 2, P, E)]),
    ],
    "assessment": [
        ("Process assessment: maintenance job sheets", "process", 50,
         "Each unit's job sheets, rated against the maintenance checklist."),
        ("Practical test: fault finding on a test rig", "summative", 30,
         "Individual 90-minute fault-finding task with a prepared fault."),
        ("Written test", "summative", 20, "Short questions on maintenance plans, failure modes and safety."),
    ],
}

PROGRAM = {
    "code": "MECH-ENG",
    "name": "Mechatronics and Industrial Maintenance Technician",
    "language": "en",
    "description": (
        "Three-year vocational programme for technicians who install, commission, operate and maintain "
        "mechatronic and automated production equipment. Demo data: job roles and competency statements "
        "come from ESCO v1.2.0 (European Commission) and O*NET 29.2 (USDOL/ETA, CC BY 4.0), filtered; "
        "see data/SOURCES.md."
    ),
}


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def read_csv(rel: str) -> pd.DataFrame:
    return pd.read_csv(REAL / rel, dtype=str, keep_default_na=False)


def round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def build() -> None:
    occupations = read_csv(f"{ESCO_DIR}/occupations_en.csv")
    long = read_csv(ESCO_LONG)
    onet_occ = read_csv(ONET_OCC)
    onet_tasks = read_csv(ONET_TASKS)
    onet_skills = read_csv(ONET_SKILLS)
    content_model = pd.read_excel(REAL / ONET_CONTENT_MODEL, dtype=str, engine="openpyxl").fillna("")

    collections = {name: read_csv(f"{ESCO_DIR}/{name}") for name in ESCO_COLLECTIONS}
    hierarchy = read_csv(f"{ESCO_DIR}/{ESCO_HIERARCHY}")

    # Breadth of each ESCO skill across the 150 occupations of the derived file.
    essential_count = long[long.relation_type == "essential"].groupby("skill_label").occupation_uri.nunique()
    any_count = long.groupby("skill_label").occupation_uri.nunique()

    # ---- job roles ---------------------------------------------------------------------------
    roles: dict[str, dict] = {}
    used_esco_occ_idx: list[int] = []
    used_onet_occ_idx: list[int] = []
    for key, source, ident in ROLES:
        if source == "esco":
            hit = occupations[occupations.preferredLabel == ident]
            assert len(hit) == 1, ident
            row = hit.iloc[0]
            used_esco_occ_idx.append(hit.index[0])
            roles[key] = {
                "key": key, "name": cap(row.preferredLabel), "description": row.description.strip(),
                "external_code": row.code, "external_uri": row.conceptUri, "source": "esco",
                "_occupation_uri": row.conceptUri,
            }
        else:
            hit = onet_occ[onet_occ["O*NET-SOC Code"] == ident]
            assert len(hit) == 1, ident
            row = hit.iloc[0]
            used_onet_occ_idx.append(hit.index[0])
            roles[key] = {
                "key": key, "name": row.Title, "description": row.Description.strip(),
                "external_code": ident, "external_uri": "", "source": "onet", "_soc": ident,
            }

    # ---- ESCO skill URI / type lookup --------------------------------------------------------
    def lookup_esco(label: str) -> tuple[str, str | None, str | None, int | None]:
        """(uri, skillType, file, row index) from the collections, else the skills hierarchy."""
        for name in ESCO_COLLECTIONS:
            df = collections[name]
            hit = df[df.preferredLabel == label]
            if len(hit):
                assert hit.conceptUri.nunique() == 1, label
                return hit.conceptUri.iloc[0], hit.skillType.iloc[0], name, hit.index[0]
        for level in range(4):
            hit = hierarchy[hierarchy[f"Level {level} preferred term"] == label]
            if len(hit):
                return hit[f"Level {level} URI"].iloc[0], None, ESCO_HIERARCHY, hit.index[0]
        return "", None, None, None

    used_long_idx: list[int] = []
    used_coll_idx: dict[str, list[int]] = {name: [] for name in (*ESCO_COLLECTIONS, ESCO_HIERARCHY)}
    used_task_idx: list[int] = []
    used_skill_idx: list[int] = []
    used_cm_idx: list[int] = []

    def make_competency(spec: dict, task_role: str) -> dict:
        role_key = spec["role"] or task_role
        role = roles[role_key]
        src, ident = spec["src"], spec["id"]
        if src == "esco":
            hit = long[(long.occupation_uri == role["_occupation_uri"]) & (long.skill_label == ident)]
            assert len(hit) == 1, (role_key, ident)
            used_long_idx.append(hit.index[0])
            relation = hit.relation_type.iloc[0]
            uri, skill_type, coll, idx = lookup_esco(ident)
            if coll:
                used_coll_idx[coll].append(idx)
            if skill_type is None:
                skill_type = "knowledge" if ident in ESCO_KNOWLEDGE_LABELS else "skill/competence"
            else:
                assert (skill_type == "knowledge") == (ident in ESCO_KNOWLEDGE_LABELS) or \
                    ident not in ESCO_KNOWLEDGE_LABELS, ident
            if relation == "essential":
                importance = 5 if essential_count.get(ident, 0) >= ESSENTIAL_TOP_THRESHOLD else 4
            else:
                importance = 3 if any_count.get(ident, 0) >= OPTIONAL_TOP_THRESHOLD else 2
            comp_type = "knowledge" if skill_type == "knowledge" else "skill"
            statement, side = cap(ident), "enterprise"
        elif src == "esco_transversal":
            df = collections["transversalSkillsCollection_en.csv"]
            hit = df[df.preferredLabel == ident]
            assert len(hit) == 1, ident
            used_coll_idx["transversalSkillsCollection_en.csv"].append(hit.index[0])
            uri, comp_type, importance = hit.conceptUri.iloc[0], "quality", spec["importance"]
            statement, side = cap(ident), "school"
        elif src == "onet_task":
            hit = onet_tasks[(onet_tasks["O*NET-SOC Code"] == role["_soc"]) & (onet_tasks["Task ID"] == str(ident))]
            assert len(hit) == 1, ident
            used_task_idx.append(hit.index[0])
            importance = TASK_TYPE_IMPORTANCE[hit["Task Type"].iloc[0]]
            uri, comp_type, statement, side = "", "skill", hit.Task.iloc[0], "enterprise"
        elif src == "onet_skill":
            hit = onet_skills[(onet_skills["O*NET-SOC Code"] == role["_soc"]) & (onet_skills["Element ID"] == ident)
                              & (onet_skills["Scale ID"] == "IM")]
            assert len(hit) == 1, ident
            used_skill_idx.append(hit.index[0])
            cm = content_model[content_model["Element ID"] == ident]
            assert len(cm) == 1, ident
            used_cm_idx.append(cm.index[0])
            importance = round_half_up(float(hit["Data Value"].iloc[0]))
            uri, comp_type, side = "", "skill", "enterprise"
            statement = f"{cm['Element Name'].iloc[0]}: {cm['Description'].iloc[0].strip()}"
        else:  # pragma: no cover
            raise ValueError(src)
        assert 1 <= importance <= 5
        comp = {"kind": "competency", "statement": statement, "type": comp_type, "importance": importance,
                "required_level": None, "side": side, "external_uri": uri}
        if spec["role"] and spec["role"] != task_role:
            comp["job_role"] = spec["role"]
        return comp

    # ---- framework ---------------------------------------------------------------------------
    framework = []
    code_of: dict[tuple, str] = {}
    for a, (area_statement, tasks) in enumerate(FRAMEWORK, start=1):
        area = {"code": str(a), "kind": "area", "statement": area_statement, "children": []}
        for t, (task_statement, role_key, comps) in enumerate(tasks, start=1):
            task = {"code": f"{a}.{t}", "kind": "task", "statement": task_statement, "job_role": role_key,
                    "children": []}
            for c, spec in enumerate(comps, start=1):
                code = f"{a}.{t}.{c}"
                key = (spec["src"], spec["id"])
                assert key not in code_of, key
                code_of[key] = code
                comp = make_competency(spec, role_key)
                task["children"].append({"code": code, **comp})
            area["children"].append(task)
        framework.append(area)

    # ---- courses, alignments, standard -------------------------------------------------------
    courses = [
        {"code": code, "name": name, "type": ctype, "credits": credits, "hours_theory": ht,
         "hours_practice": hp, "semester": sem, "owners": owners, "description": desc}
        for code, name, ctype, credits, ht, hp, sem, owners, desc in COURSES
    ]
    course_codes = [c["code"] for c in courses]

    def code_sort_key(code: str) -> tuple[int, ...]:
        return tuple(int(part) for part in code.split("."))

    alignments = []
    for course in course_codes:
        rows = []
        for key, level, status, side, reason in ALIGNMENTS[course]:
            rows.append({"course": course, "competency": code_of[key], "level": level, "status": status,
                         "side": side, "reason": reason})
        assert len({r["competency"] for r in rows}) == len(rows), course
        alignments.extend(sorted(rows, key=lambda r: code_sort_key(r["competency"])))

    def links(items) -> list[dict]:
        return [{"competency": code_of[key], "level": level, "status": status, "side": side}
                for key, level, status, side in items]

    s = STANDARD_MEC203
    standard = {k: s[k] for k in ("course", "status", "department", "author_name", "author_date",
                                  "reviewer_name", "reviewer_date", "prerequisites", "follow_on", "nature",
                                  "design_rationale", "teaching_methods", "resources")}
    standard["objectives"] = [{"code": code, "dimension": dim, "text": text, "alignments": links(items)}
                              for code, dim, text, items in s["objectives"]]
    standard["units"] = [{"title": title, "content": content, "learning_tasks": tasks_, "hours_theory": ht,
                          "hours_practice": hp, "alignments": links(items)}
                         for title, content, tasks_, ht, hp, items in s["units"]]
    standard["assessment"] = [{"name": name, "category": cat, "weight": weight, "method": method}
                              for name, cat, weight, method in s["assessment"]]
    course = next(c for c in courses if c["code"] == standard["course"])
    assert sum(u["hours_theory"] for u in standard["units"]) == course["hours_theory"]
    assert sum(u["hours_practice"] for u in standard["units"]) == course["hours_practice"]
    assert sum(a["weight"] for a in standard["assessment"]) == 100

    doc = {
        "program": PROGRAM,
        "job_roles": [{k: v for k, v in r.items() if not k.startswith("_")} for r in roles.values()],
        "framework": framework,
        "courses": courses,
        "alignments": alignments,
        "standards": [standard],
    }
    OUT_JSON.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # ---- copied subsets ----------------------------------------------------------------------
    OUT_CSV.mkdir(parents=True, exist_ok=True)

    def write(df: pd.DataFrame, idx: list[int], name: str) -> None:
        sub = df.loc[sorted(set(idx))]
        sub.to_csv(OUT_CSV / name, index=False, lineterminator="\n")
        print(f"{name}: {len(sub)} rows")

    write(occupations, used_esco_occ_idx, "esco_occupations_subset.csv")
    write(long, used_long_idx, "esco_occupation_skills_subset.csv")
    parts = []
    for name in ESCO_COLLECTIONS:
        df = collections[name].loc[sorted(set(used_coll_idx[name]))]
        parts.append(df.assign(source_file=name)[["source_file", *list(collections["digitalSkillsCollection_en.csv"].columns)]])
    skills = pd.concat(parts, ignore_index=True)
    skills.to_csv(OUT_CSV / "esco_skills_subset.csv", index=False, lineterminator="\n")
    print(f"esco_skills_subset.csv: {len(skills)} rows")
    assert not used_coll_idx[ESCO_HIERARCHY], "hierarchy match: add an esco_skills_hierarchy_subset.csv"
    write(onet_occ, used_onet_occ_idx, "onet_occupations_subset.csv")
    write(onet_tasks, used_task_idx, "onet_tasks_subset.csv")
    write(onet_skills, used_skill_idx, "onet_skills_subset.csv")
    write(content_model, used_cm_idx, "onet_content_model_subset.csv")
    print(f"wrote {OUT_JSON.relative_to(ROOT)}")


if __name__ == "__main__":
    build()
