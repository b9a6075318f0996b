"""Survey results: a closed survey's aggregates per item, the items to discuss and three charts."""

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.survey_charts import DEFAULT_LABELS, criticality_figure, disagreement_figure, distribution_figure
from services.surveys import list_surveys, survey_results
from ui.context import page_setup
from ui.i18n import show_error, t

ctx = page_setup()
st.title(t("results.title"))

closed = [s for s in list_surveys(ctx.engine, program_id=ctx.program_id) if s["status"] == "closed"]
if not closed:
    st.info(t("survey_results.none"))
    st.stop()
names = {s["id"]: f"{s['title']} · {s['job_role']} · {(s['closed_at'] or '')[:10]}" for s in closed}
survey_id = st.selectbox(t("survey_results.pick"), list(names), format_func=names.__getitem__,
                         key="survey_results_pick")
try:
    results = survey_results(ctx.engine, survey_id=survey_id)
except DomainError as exc:
    show_error(exc)
    st.stop()
items = results["items"]

c1, c2, c3, c4 = st.columns(4)
c1.metric(t("survey_results.items"), len(items))
c2.metric(t("survey_results.max_raters"), max((i["raters"] for i in items), default=0))
c3.metric(t("survey_results.flagged"), sum(1 for i in items if i["low_agreement"]))
c4.metric(t("survey_results.changed"), sum(1 for i in items if i["applied_importance"] is not None
                                            and i["applied_importance"] != i["previous_importance"]))
st.caption(t("survey_results.formula"))

flagged = [i for i in items if i["low_agreement"]]
if flagged:
    st.warning(t("survey_results.discuss", codes="、".join(i["code"] for i in flagged)))


def _num(value):
    return "" if value is None else f"{value:g}"


st.dataframe(pd.DataFrame([{
    t("field.code"): i["code"], t("field.statement"): i["statement"], t("survey_results.col.raters"): i["raters"],
    t("survey_results.col.not_relevant"): i["not_relevant"],
    t("survey_results.col.imp_median"): _num(i["importance_median"]),
    t("survey_results.col.imp_mean"): _num(i["importance_mean"]), t("survey_results.col.iqr"): _num(i["importance_iqr"]),
    t("survey_results.col.freq"): _num(i["frequency_median"]), t("survey_results.col.diff"): _num(i["difficulty_median"]),
    t("survey_results.col.criticality"): _num(i["criticality"]),
    t("survey_results.col.flag"): "⚠" if i["low_agreement"] else "",
    t("survey_results.col.previous"): _num(i["previous_importance"]),
    t("survey_results.col.now"): _num(i["importance_now"]),
} for i in items]), hide_index=True, width="stretch", key="survey_results_table")

labels = {k: t(f"survey_results.chart.{k}") for k in DEFAULT_LABELS}
tab1, tab2, tab3 = st.tabs([t("survey_results.tab.distribution"), t("survey_results.tab.criticality"),
                            t("survey_results.tab.disagreement")])
tab1.plotly_chart(distribution_figure(items, labels=labels), key="survey_chart_distribution")
tab2.plotly_chart(criticality_figure(items, labels=labels), key="survey_chart_criticality")
tab3.plotly_chart(disagreement_figure(items, labels=labels), key="survey_chart_disagreement")
