"""Capture docs/screenshots/import_preview_zh.png: the import page after uploading a framework workbook.

Run with ``.venv/bin/python tools/screenshot_import.py``. Serves a seeded demo database,
logs in as the programme lead, uploads a generated 职业能力分析表 (title row, merged
工作领域/工作任务 cells, outline codes, one bad importance value) and shoots the preview.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser_support import (  # noqa: E402
    demo_app,
    log_in,
    set_language,
    wait_idle,
    whole_page_screenshot,
)
from tests.workbooks import xlsx_bytes  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
ROWS = [
    ["工业机器人技术专业职业能力分析表（补充）"],
    ["序号", "工作领域", "工作任务", "职业能力", "重要程度", "类型"],
    [1, "9 智能产线运维", "9.1 产线点检", "9.1.1 能完成产线日常点检", "A", "技能"],
    [2, None, None, "9.1.2 能记录并上报点检异常", "B", "素质"],
    [3, None, "9.2 故障排除", "9.2.1 能识读产线报警信息", "A", "知识"],
    [4, None, None, "9.2.2 能排除传送带常见故障", "很重要", "技能"],
    [],
    ["注：重要程度 A—核心，B—重要，C—一般"],
]
MERGES = ["A1:F1", "B3:B6", "C3:C4", "C5:C6"]


def workbook() -> bytes:
    return xlsx_bytes(ROWS, merges=MERGES, title="能力分析")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app() as app:
        base, chromium, workdir = app.base, app.chromium, app.workdir
        upload = workdir / "职业能力分析表.xlsx"
        upload.write_bytes(workbook())
        page = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN").new_page()
        log_in(page, base, "lead")
        set_language(page, "zh")
        page.locator("[data-testid=stSidebarNav] a[href$='/import']").first.click()
        wait_idle(page)
        page.locator(".st-key-import_file input[type=file]").set_input_files(str(upload))
        page.wait_for_selector(".st-key-import_commit", timeout=30_000)
        wait_idle(page)
        whole_page_screenshot(page, OUT / "import_preview_zh.png")


if __name__ == "__main__":
    main()
