"""docs/RELIABILITY.md's browser load section, rendered from one recorded run (no browser needed)."""

from __future__ import annotations

import argparse

from tools.reliability import render

RUN = {"check": "browser_load", "db": "postgresql", "users": 20, "servers": 2, "seconds": 60, "think_s": 3,
       "accounts": {"faculty": 5, "mentor": 5}, "counts": {"save": 7, "decision": 9, "comment": 4, "conflict": 2},
       "actions": {"save objective": {"count": 7, "p50_ms": 900.0, "p95_ms": 2100.5}}, "server_errors": 0,
       "step_failures": 0, "lost": 0, "memory_mb": {"servers_rss": 500.0, "browser_rss": 3000.0, "all_rss": 3500.0},
       "browsers": 4, "protocol_users": 16,
       "actions_by_client": {"chromium": {"save objective": {"count": 3, "p50_ms": 1900.0, "p95_ms": 2100.5}},
                             "protocol": {"save objective": {"count": 4, "p50_ms": 900.0, "p95_ms": 1000.0}}}}
OPTIONS = argparse.Namespace(fault_repeats=10, load_workers=20, load_seconds=60.0)


def test_browser_load_section_names_users_servers_actions_and_lost_writes():
    """Users, servers, confirmed writes, p50 / p95 per action, errors and lost writes appear in the report."""
    report = render({}, [RUN], OPTIONS)
    section = report.split("## Browser load", 1)[1]
    assert ("20 users (4 in Chromium, 16 over the protocol; faculty ×5, mentor ×5) × 60 s on 2 app servers and "
            "postgresql") in section
    assert "7 saves, 9 decisions, 4 comments" in section
    assert "Server errors: 0; failed steps: 0; acknowledged writes lost: 0." in section
    assert "| chromium | save objective | 3 | 1900.0 | 2100.5 |" in section  # p50 / p95 per client
    assert "| protocol | save objective | 4 | 900.0 | 1000.0 |" in section
    assert "app servers 500.0 MB RSS" in section


def test_a_failed_step_is_named_in_the_report():
    """The first failed steps are listed with their action and error, so a failed run says why."""
    run = {**RUN, "step_failures": 1, "examples": {"step_failures": [
        {"kind": "step_failed", "action": "log in", "error": "TimeoutError: Timeout 180000ms exceeded."}]}}
    report = render({}, [run], OPTIONS)
    assert "- step failures: log in TimeoutError: Timeout 180000ms exceeded." in report


def test_a_lost_browser_write_counts_in_the_headline():
    """A write lost under browser load makes the report's headline non-zero."""
    report = render({}, [{**RUN, "lost": 2}], OPTIONS)
    assert "**Acknowledged writes lost: 2**" in report
