"""Chart builders for survey results: the items of ``services.surveys.survey_results`` in, plotly Figures out.

Pure (no I/O, no streamlit). ``labels`` carries every visible word so pages translate; missing
keys fall back to ``DEFAULT_LABELS`` (English).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from services.surveys import LOW_AGREEMENT_IQR

DEFAULT_LABELS: dict[str, str] = {
    "competency": "Competency",
    "raters": "Raters",
    "importance": "Importance",
    "importance_n": "Importance {n}",
    "criticality": "Criticality (importance × frequency)",
    "iqr": "Disagreement (IQR of importance)",
    "mean_importance": "Mean importance",
    "low_agreement": "Low agreement",
    "agreement_ok": "Agreement",
    "threshold": "Flag above IQR {n}",
    "title_distribution": "Importance ratings per item",
    "title_criticality": "Items ranked by criticality",
    "title_disagreement": "Disagreement per item",
}
IMPORTANCE_COLORS = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_LABELS, **(labels or {})}


def results_frame(items: list[dict[str, Any]]) -> pd.DataFrame:
    """The items as a frame with one column per importance value (1–5) counting its answers."""
    rows = [{**{k: v for k, v in item.items() if k != "distribution"},
             **{f"n{v}": int((item.get("distribution") or {}).get(v, 0)) for v in range(1, 6)}} for item in items]
    return pd.DataFrame(rows)


def distribution_figure(items: list[dict[str, Any]], *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Stacked horizontal bars: per item (in survey order, first on top), how many raters gave each importance."""
    text = _labels(labels)
    frame = results_frame(items)
    fig = go.Figure()
    if frame.empty:
        return fig.update_layout(title=text["title_distribution"])
    names = frame["code"].astype(str).tolist()[::-1]
    for value, color in zip(range(1, 6), IMPORTANCE_COLORS, strict=True):
        fig.add_bar(y=names, x=frame[f"n{value}"].tolist()[::-1], orientation="h", marker_color=color,
                    name=text["importance_n"].format(n=value),
                    hovertext=frame["statement"].tolist()[::-1], hoverinfo="x+name+text")
    return fig.update_layout(barmode="stack", title=text["title_distribution"], xaxis_title=text["raters"],
                             yaxis_title=text["competency"], height=max(320, 28 * len(frame) + 140),
                             legend={"orientation": "h", "y": -0.3, "traceorder": "normal"})


def criticality_figure(items: list[dict[str, Any]], *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Horizontal bars of criticality, highest on top; low-agreement items in orange."""
    text = _labels(labels)
    frame = results_frame(items)
    if frame.empty or frame["criticality"].isna().all():
        return go.Figure().update_layout(title=text["title_criticality"])
    ranked = frame.dropna(subset=["criticality"]).sort_values("criticality", ascending=True)
    colors = ["#ff7f0e" if flag else "#1f77b4" for flag in ranked["low_agreement"]]
    fig = go.Figure(go.Bar(y=ranked["code"].astype(str), x=ranked["criticality"], orientation="h",
                           marker_color=colors, hovertext=ranked["statement"], hoverinfo="x+y+text"))
    return fig.update_layout(title=text["title_criticality"], xaxis_title=text["criticality"],
                             yaxis_title=text["competency"], height=max(320, 28 * len(ranked) + 140))


def disagreement_figure(items: list[dict[str, Any]], *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Scatter of mean importance (x) against the IQR of importance (y), with the flag threshold line."""
    text = _labels(labels)
    frame = results_frame(items)
    fig = go.Figure()
    if frame.empty or frame["importance_mean"].isna().all():
        return fig.update_layout(title=text["title_disagreement"])
    rated = frame.dropna(subset=["importance_mean"])
    for flag, name, color in ((False, text["agreement_ok"], "#1f77b4"), (True, text["low_agreement"], "#ff7f0e")):
        part = rated[rated["low_agreement"] == flag]
        fig.add_scatter(x=part["importance_mean"], y=part["importance_iqr"], mode="markers+text", name=name,
                        text=part["code"].astype(str), textposition="top center", marker={"color": color, "size": 10},
                        hovertext=part["statement"], hoverinfo="x+y+text")
    fig.add_hline(y=LOW_AGREEMENT_IQR, line_dash="dash", line_color="#999999",
                  annotation_text=text["threshold"].format(n=LOW_AGREEMENT_IQR))
    return fig.update_layout(title=text["title_disagreement"], xaxis_title=text["mean_importance"],
                             yaxis_title=text["iqr"], xaxis_range=[0.5, 5.5])
