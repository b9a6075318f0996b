"""Rate a survey: one item per screen (works at phone width), through an account or a personal invitation link."""

import streamlit as st

from services.errors import DomainError
from services.surveys import FREQUENCY_LEVELS, rater_access, rating_form, save_answer, surveys_to_fill
from ui.context import get_engine, page_setup
from ui.i18n import show_error, t
from ui.survey import invite_token

token = invite_token()
if token:  # a personal link: no account, the link alone opens this one survey
    engine, who = get_engine(), {"token": token}
    st.title(t("rate.title"))
    try:
        access = rater_access(engine, token=token)
    except DomainError as exc:
        show_error(exc)
        st.stop()
else:
    ctx = page_setup()
    engine, who = ctx.engine, {"actor": ctx.actor}
    st.title(t("rate.title"))
    todo = surveys_to_fill(engine, actor=ctx.actor, program_id=ctx.program_id)
    if not todo:
        st.info(t("rate.nothing"))
        st.stop()
    names = {s["id"]: t("rate.survey_option", title=s["title"], answered=s["answered"], items=s["items"])
             for s in todo}
    survey_id = st.selectbox(t("rate.pick"), list(names), format_func=names.__getitem__, key="rate_survey")
    try:
        access = rater_access(engine, survey_id=survey_id, actor=ctx.actor)
    except DomainError as exc:
        show_error(exc)
        st.stop()

st.caption(t("rate.intro", name=access.name, title=access.title, role=access.job_role))
items = rating_form(engine, access=access)
answered = sum(1 for i in items if i["answer"])
pos_key = f"rate_pos_{access.survey_id}_{access.rater_id}"
if pos_key not in st.session_state:
    st.session_state[pos_key] = next((n for n, i in enumerate(items) if not i["answer"]), len(items))
pos = st.session_state[pos_key]
st.progress(answered / len(items) if items else 1.0,
            text=t("rate.progress", answered=answered, total=len(items)))

if pos >= len(items):
    st.success(t("rate.done", total=len(items)))
    if st.button(t("rate.review"), key="rate_review", width="stretch"):
        st.session_state[pos_key] = 0
        st.rerun()
    st.stop()

item = items[pos]
iid, prev = item["item_id"], item["answer"] or {}
st.markdown(t("rate.item_header", n=pos + 1, total=len(items)))
st.subheader(f"{item['code']}  {item['statement']}")


def _index(value, options):
    return options.index(value) if value in options else None


not_relevant = st.toggle(t("rate.not_relevant"), value=bool(prev.get("not_relevant")), key=f"rate_nr_{iid}")
scales = {}
for scale, options in (("importance", list(range(1, 6))), ("frequency", list(FREQUENCY_LEVELS)),
                       ("difficulty", list(range(1, 6)))):
    shown = {v: t(f"survey.{scale}.{v}") for v in options}
    scales[scale] = st.radio(t(f"rate.{scale}"), options, index=_index(prev.get(scale), options),
                             format_func=shown.__getitem__, key=f"rate_{scale}_{iid}", disabled=not_relevant)

left, right = st.columns(2)
if left.button(t("rate.back"), key="rate_back", disabled=pos == 0, width="stretch"):
    st.session_state[pos_key] = pos - 1
    st.rerun()
if right.button(t("rate.save_next"), type="primary", key="rate_save", width="stretch"):
    if not not_relevant and any(v is None for v in scales.values()):
        st.error(t("rate.answer_all"))
    else:
        try:
            save_answer(engine, item_id=iid, not_relevant=not_relevant, survey_id=access.survey_id,
                        **({} if not_relevant else scales), **who)
            st.session_state[pos_key] = pos + 1
            st.rerun()
        except DomainError as exc:
            show_error(exc)
