"""Capture docs/screenshots/import_reading_{zh,en}.png: the import page's reading of a messy sheet.

Run with ``.venv/bin/python tools/screenshot_import_reading.py``. Uploads a 职业能力分析表 as
programme offices keep it (title row, wrapped header cells, a cell holding two numbered statements,
a blank row, a note merged across the table, a signature line) and shoots the page with the
"how the sheet was read" panel open, in Chinese and in English.
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
    ["序号", "工作\n领域", "工作\n任务", "职业\n能力", "重要\n程度"],
    [1, "9 智能产线运维", "9.1 产线点检", "1.能完成产线日常点检；\n2.能记录并上报点检异常。", "★★★"],
    [2, None, "9.2 故障排除", "（1）能识读产线报警信息（2）能排除传送带常见故障", "★★"],
    [None, None, None, None, None],
    [3, "10 工作站集成", "10.1 系统集成", "能根据工艺要求\n完成工作站布局与外围设备接线", "★★★"],
    ["注：重要程度 ★★★—核心能力，★★—重要能力，★—一般能力。"],
    ["制表人：张三", None, "审核人：李四", None, "日期：2024年6月"],
]
MERGES = ["A1:E1", "B3:B4", "A7:E7"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with demo_app() as app:
        base, chromium, workdir = app.base, app.chromium, app.workdir
        upload = workdir / "职业能力分析表.xlsx"
        upload.write_bytes(xlsx_bytes(ROWS, merges=MERGES, title="能力分析"))
        for lang in ("zh", "en"):
            context = chromium.new_context(viewport={"width": 1400, "height": 1000},
                                           locale="zh-CN" if lang == "zh" else "en-US")
            page = context.new_page()
            log_in(page, base, "lead")
            set_language(page, lang)
            page.locator("[data-testid=stSidebarNav] a[href$='/import']").first.click()
            wait_idle(page)
            page.locator(".st-key-import_file input[type=file]").set_input_files(str(upload))
            page.wait_for_selector(".st-key-import_row_roles", timeout=30_000)
            wait_idle(page)
            whole_page_screenshot(page, OUT / f"import_reading_{lang}.png")
            context.close()


if __name__ == "__main__":
    main()
