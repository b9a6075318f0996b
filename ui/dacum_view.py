"""The DACUM chart as HTML: duties as rows (a shaded box), tasks as cards along the row, the side panels."""

from __future__ import annotations

from html import escape
from typing import Any

from models.enums import DACUM_PANELS
from ui.i18n import t

_CSS = """
<style>
.dacum {{ font-size: {size}px; }}
.dacum-row {{ display: flex; gap: 8px; margin-bottom: 10px; align-items: stretch; }}
.dacum-duty {{ flex: 0 0 {duty}px; background: #D9E1F2; border: 2px solid #2F5597; border-radius: 6px;
  padding: 8px; font-weight: 600; }}
.dacum-tasks {{ display: flex; flex-wrap: wrap; gap: 8px; flex: 1; }}
.dacum-card {{ flex: 0 0 {card}px; border: 1px solid #8EA9DB; border-radius: 6px; padding: 8px; background: #fff; }}
.dacum-code {{ color: #2F5597; font-weight: 600; margin-right: 4px; }}
.dacum-meta {{ color: #777; font-size: 0.8em; }}
.dacum-empty {{ color: #999; font-style: italic; padding: 8px; }}
.dacum-panels {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 8px; margin-top: 12px; }}
.dacum-panel {{ border: 1px solid #BFBFBF; border-radius: 6px; padding: 8px; background: #F7F7F7; }}
.dacum-panel h4 {{ margin: 0 0 4px 0; font-size: 1em; }}
.dacum-panel ul {{ margin: 0; padding-left: 1.2em; }}
</style>
"""


def chart_html(chart: dict[str, Any], *, large: bool = False) -> str:
    """The chart as one HTML block (every text escaped); ``large`` is the projector size."""
    size, duty, card = (22, 260, 240) if large else (14, 180, 170)
    parts = [_CSS.format(size=size, duty=duty, card=card), '<div class="dacum">']
    for d in chart["duties"]:
        cards = "".join(
            f'<div class="dacum-card"><span class="dacum-code">{escape(task["code"])}</span>'
            f'{escape(task["statement"])}<div class="dacum-meta">'
            f'{escape(t("dacum.card_competencies", n=task["competencies"]))}</div></div>'
            for task in d["tasks"]) or f'<div class="dacum-empty">{escape(t("dacum.no_tasks"))}</div>'
        parts.append(f'<div class="dacum-row"><div class="dacum-duty"><span class="dacum-code">'
                     f'{escape(d["code"])}</span>{escape(d["statement"])}</div>'
                     f'<div class="dacum-tasks">{cards}</div></div>')
    panels = chart["role"]["dacum_panels"]
    parts.append('<div class="dacum-panels">')
    for name in DACUM_PANELS:
        items = "".join(f"<li>{escape(e)}</li>" for e in panels.get(name, [])) or "<li>—</li>"
        parts.append(f'<div class="dacum-panel"><h4>{escape(t(f"dacum.panel.{name}"))}</h4><ul>{items}</ul></div>')
    parts.append("</div></div>")
    return "".join(parts)
