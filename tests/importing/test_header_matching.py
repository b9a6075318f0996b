"""Header matching's synonym index never changes a result: it is checked against the plain algorithm
(every synonym compared with every label) on all synonym variants and on random labels."""

from __future__ import annotations

import difflib
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from services.importing.header import (
    _BRACKETED,
    COURSE_SYNONYMS,
    RATING_SYNONYMS,
    SYNONYMS,
    _match,
    field_set_key,
    match_field,
    norm_label,
)
from services.importing.kinds import framework, matrix

FIELD_SETS = [SYNONYMS, COURSE_SYNONYMS, RATING_SYNONYMS, matrix.FIELDS, framework.FIELDS]


def reference_match(label: str, fields: dict[str, tuple[str, ...]]) -> tuple[str | None, float]:
    """The matching rules written out plainly: exact, then contained, then difflib similarity ≥ 0.84."""
    if not label:
        return None, 0.0
    variants = [norm_label(label)]
    without_notes = norm_label(_BRACKETED.sub("", unicodedata.normalize("NFKC", label).lower()))
    if without_notes and without_notes != variants[0]:
        variants.append(without_notes)
    best: tuple[str | None, float] = (None, 0.0)
    for number, variant in enumerate(variants):
        if not variant:
            continue
        for name, synonyms in fields.items():
            for syn in (norm_label(s) for s in synonyms):
                if not syn:
                    continue
                if variant == syn:
                    score = 1.0 if number == 0 else 0.95
                elif len(syn) >= 2 and syn in variant and (len(syn) / len(variant) >= 0.4 or variant.startswith(syn)):
                    score = 0.8 + 0.1 * len(syn) / len(variant)
                else:
                    ratio = difflib.SequenceMatcher(None, variant, syn).ratio()
                    score = ratio * 0.9 if ratio >= 0.84 else 0.0
                if score > best[1]:
                    best = (name, score)
    return best


def _variants() -> list[str]:
    out = set()
    for fields in FIELD_SETS:
        for synonyms in fields.values():
            for s in synonyms:
                out.update({s, s.upper() + "（备注）", s[:-1], s + "x", "课程" + s, s + s[:2], s[1:], s[::-1],
                            f"{s} / 合计", f"1.{s}"})
    return sorted(out)[::4]  # a quarter of them: the plain algorithm is slow


def test_every_synonym_variant_matches_as_the_plain_algorithm_does():
    labels = [*_variants(), "课程1（KC001）", "能完成第3项操作", "1.1.1", "●", "Course Name (CODE)", "Parent ID number"]
    for fields in FIELD_SETS:
        key = field_set_key(fields)
        for label in labels:
            assert _match(label, key) == reference_match(label, fields), label


ALPHABET = "".join(sorted({ch for fields in FIELD_SETS for syns in fields.values() for s in syns for ch in s}
                          | set(" ()（）/·12")))


@settings(max_examples=150, deadline=None)
@given(label=st.text(alphabet=ALPHABET, min_size=1, max_size=16), which=st.integers(0, len(FIELD_SETS) - 1))
def test_random_labels_match_as_the_plain_algorithm_does(label, which):
    fields = FIELD_SETS[which]
    assert _match(label, field_set_key(fields)) == reference_match(label, fields)


def test_header_labels_map_to_fields():
    assert match_field("课程名称", COURSE_SYNONYMS)[0] == "name"
    assert match_field("职业能力要求（知识、技能）", SYNONYMS)[0] == "statement"
    assert match_field("Parent ID number", SYNONYMS) == ("parent", 1.0)
    assert match_field("教学安排 / 实践学时", COURSE_SYNONYMS)[0] == "hours_practice"
    assert match_field("●", SYNONYMS) == (None, 0.0)
