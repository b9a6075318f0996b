"""Industry-side commands: survey-results (aggregated verification survey results per competency)."""

from __future__ import annotations

import argparse

from cli.common import EXIT_OK, open_engine, print_json


def cmd_survey_results(args: argparse.Namespace) -> int:
    """Per competency code: raters, median and mean importance, frequency, difficulty, agreement flag and the
    importance now in effect, from the latest closed survey (definitions: docs/surveys.md)."""
    from services.surveys import program_survey_results

    engine = open_engine(args)
    results = program_survey_results(engine, program_code=args.program)
    if args.json:
        print_json(results)
        return EXIT_OK
    print(f"programme {results['program']}: {len(results['competencies'])} competencies rated")
    for code, r in results["competencies"].items():
        flag = "  LOW AGREEMENT" if r["low_agreement"] else ""
        print(f"  {code}: raters {r['raters']}, importance median {r['importance_median']} mean "
              f"{r['importance_mean']}, frequency {r['frequency_median']}, difficulty {r['difficulty_median']}, "
              f"in effect {r['importance_in_effect']}{flag}")
    return EXIT_OK


def register(add) -> None:
    p = add("survey-results", cmd_survey_results)
    p.add_argument("--program", required=True, metavar="CODE", help="programme code, e.g. 460305")
    p.add_argument("--json", action="store_true", help="print one JSON object")
