"""Panels around the standard editor: alignments, checklist, comments, workflow bar, history, downloads."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from services.alignments import (
    alignments_for_standard,
    change_level,
    decide_alignment,
    propose_alignment,
    remove_alignment,
    search_competencies,
)
from services.checks import checklist, finding_text, task_table
from services.comments import (
    add_comment,
    count_unresolved,
    reopen_thread,
    reply,
    resolve_thread,
)
from services.errors import DomainError
from services.exports import export_standard_docx, export_standard_xlsx
from services.history import diff_versions, list_versions, note_text, restore_version
from services.standards import SECTIONS
from services.workflow import reject, sign, start_revision, submit
from ui.i18n import current_lang, enum_label, error_lines, show_error, t, tm
from ui.safe import md_escape
from ui.standard_editor import follow_own_change, rebase
from ui.suggestion_panel import suggestion_panel
from ui.widgets import clear_next_run, flash_toast, fresh_text


def _target_label(table: str, row: dict[str, Any]) -> str:
    if table == "objectives":
        return f"{row.get('code') or ''} {str(row.get('text') or '')[:40]}".strip()
    return str(row.get("title") or "")


# --------------------------------------------------------------------------- alignments


def alignment_panel(ctx, standard_id: int, content: dict[str, Any], actions: dict[str, bool],
                    threads: list[dict[str, Any]]) -> None:
    """One expander per objective and unit: its alignments with provenance, add / change level / remove / decide;
    ``threads`` are the standard's comment threads (``standard_threads``, read once per run for both panels)."""
    for line in st.session_state.pop("std_flash_error", []):
        st.error(line)
    links = alignments_for_standard(ctx.engine, standard_id=standard_id, actor=ctx.actor)
    counts = count_unresolved(threads)["by_target"]
    for table in ("objectives", "units"):
        st.markdown("**" + t(f"standards.section.{table}") + "**")
        for row in content[table]:
            if row.get("id") is None:
                continue
            target = f"{table[:-1]}:{row['id']}"
            mine = [a for a in links if a["target"] == target]
            badge = t("standards.page.open_comments", n=counts[target]) if counts.get(target) else ""
            with st.expander(f"{md_escape(_target_label(table, row))} · {t('standards.page.n_links', n=len(mine))} "
                             f"{badge}"):
                _links(ctx, standard_id, mine, actions)
                if actions["propose_alignment"]:
                    _add_link(ctx, standard_id, table, row["id"])
                suggestion_panel(ctx, standard_id, table, row, actions)
                _threads_for(ctx, threads, target, table[:-1], row["id"], actions)


def _links(ctx, standard_id: int, links: list[dict[str, Any]], actions: dict[str, bool]) -> None:
    for a in links:
        key = a["id"]
        st.markdown(tm("standards.page.link_line", code=a["code"], statement=a["statement"], level=a["level"],
                      status=enum_label("alignment_status", a["status"]), side=enum_label("side", a["proposed_side"]),
                      who=a["proposed_by"] or "—", coverage=a["coverage_level"]))
        if a["reason"]:
            st.caption(tm("standards.page.reason_line", reason=a["reason"]))
        if not (actions["propose_alignment"] or actions["decide_alignments"]):
            continue
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
        try:
            if actions["propose_alignment"]:
                # Only a click changes the level: the callback runs once, with the version this row showed.
                # the key names the version shown, so a change by someone else shows as a fresh control
                c1.segmented_control(t("field.level"), [1, 2, 3], default=a["level"],
                                     key=f"std_lvl_{key}_{a['version']}",
                                     on_change=_change_level, args=(ctx, standard_id, key, a["version"]))
                if c2.button(t("standards.page.remove"), key=f"std_rm_{key}"):
                    _after(ctx, standard_id, remove_alignment(ctx.engine, actor=ctx.actor, alignment_id=key,
                                                              expected_version=a["version"]), "link_removed")
            if actions["decide_alignments"] and a["may_decide"]:  # the alignment rules decide who may
                if c3.button(t("review.accept"), key=f"std_acc_{key}"):
                    _after(ctx, standard_id, decide_alignment(ctx.engine, actor=ctx.actor, alignment_id=key,
                                                              expected_version=a["version"], decision="accept"),
                           "link_accepted")
                reason = c4.text_input(t("review.reason"), key=f"std_rej_reason_{key}")
                if c4.button(t("review.reject"), key=f"std_rej_{key}"):
                    _after(ctx, standard_id, decide_alignment(ctx.engine, actor=ctx.actor, alignment_id=key,
                                                              expected_version=a["version"], decision="reject",
                                                              reason=reason), "link_rejected")
        except DomainError as exc:
            show_error(exc)


def _change_level(ctx, standard_id: int, alignment_id: int, version: int) -> None:
    level = st.session_state.get(f"std_lvl_{alignment_id}_{version}")
    if not level:
        return
    try:
        result = change_level(ctx.engine, actor=ctx.actor, alignment_id=alignment_id, expected_version=version,
                              level=int(level))
        flash_toast("standards.page.done.link_level")  # first: it needs no st call
        follow_own_change(ctx.engine, standard_id, result.get("standard"))
    except DomainError as exc:
        st.session_state["std_flash_error"] = error_lines(exc)


def _after(ctx, standard_id: int, result: dict[str, Any], done: str) -> None:
    flash_toast(f"standards.page.done.{done}")  # first: a flash needs no st call, the rest may stop the run
    if (result.get("standard") or {}).get("signoffs_cleared"):  # never clear a signature without a word
        flash_toast("standards.page.signoffs_cleared_by_change", icon=":material/warning:")
    follow_own_change(ctx.engine, standard_id, result.get("standard"))
    st.rerun()


def _add_link(ctx, standard_id: int, table: str, row_id: int) -> None:
    key = f"{table[:-1]}_{row_id}"
    query = st.text_input(t("standards.page.search"), key=f"std_q_{key}", placeholder=t("standards.page.search_hint"))
    if not query.strip():
        return
    hits = search_competencies(ctx.engine, program_id=ctx.program_id, query=query, limit=15)
    if not hits:
        st.caption(t("standards.page.no_hits"))
        return
    labels = {h["code"]: t("standards.page.hit", code=h["code"], statement=h["statement"],
                           coverage=h["coverage_level"], required=h.get("required_level") or "—") for h in hits}
    c1, c2, c3 = st.columns([4, 1, 1])
    code = c1.selectbox(t("standards.page.competency"), list(labels), key=f"std_pick_{key}", format_func=labels.get)
    level = c2.selectbox(t("field.level"), [1, 2, 3], index=1, key=f"std_newlvl_{key}")
    if c3.button(t("action.add"), key=f"std_add_{key}"):
        target = {"unit_id": row_id} if table == "units" else {"objective_id": row_id}
        try:
            _after(ctx, standard_id, propose_alignment(ctx.engine, actor=ctx.actor, code=code, level=level, **target),
                   "link_added")
        except DomainError as exc:
            show_error(exc)


# --------------------------------------------------------------------------- checklist and task table


def checklist_panel(ctx, standard_id: int, mine: dict[str, Any]) -> None:
    """The live checklist on the unsaved content; each finding names the item it is about."""
    try:
        result = checklist(ctx.engine, standard_id=standard_id, content=mine)
    except Exception:  # noqa: BLE001 - half-typed rows: fall back to the saved standard
        result = checklist(ctx.engine, standard_id=standard_id)
    st.caption(tm("standards.page.check_counts", errors=result["errors"], warnings=result["warnings"]))
    lang = current_lang()
    for check in result["checks"]:
        icon = ":green[:material/check_circle:]" if check["ok"] else (
            ":red[:material/cancel:]" if check["severity"] == "error" else ":orange[:material/warning:]")
        st.markdown(f"{icon} {t(check['key'])}")
        for f in (f for f in result["findings"] if f["check"] == check["check"]):
            where = _finding_target(f, mine)
            st.markdown(f"&nbsp;&nbsp;&nbsp;&nbsp;– {enum_severity(f['severity'])} · {md_escape(where)}: "
                        f"{md_escape(finding_text(f, lang))}")


def _finding_target(finding: dict[str, Any], content: dict[str, Any] | None) -> str:
    kind, target = finding["target_type"], finding["target_id"]
    if kind == "section":
        return t(f"standards.section.{target}")
    rows = {r.get("id"): r for r in (content or {}).get(f"{kind}s", [])}
    row = rows.get(target)
    label = (row.get("code") if kind == "objective" else row.get("title")) if row else None
    label = label or finding["params"].get("code", target)
    return t(f"standards.page.target.{kind}", label=label)


def enum_severity(severity: str) -> str:
    return t(f"checks.severity.{severity}")


def task_table_panel(ctx, standard_id: int) -> None:
    frame = task_table(ctx.engine, standard_id=standard_id)
    if frame.empty:
        st.info(t("standards.page.no_tasks"))
        return
    shown = pd.DataFrame({
        t("standards.page.col.task"): frame["task_code"].astype(str) + " " + frame["task"].astype(str),
        t("field.code"): frame["code"], t("field.statement"): frame["statement"],
        t("field.level"): frame["level"],
        t("field.status"): frame["alignment_status"].map(
            lambda v: enum_label("alignment_status", v) if isinstance(v, str) and v else "—"),
        t("standards.page.col.targets"): frame["targets"].astype(str),
    })
    st.dataframe(shown, hide_index=True, width="stretch", key="std_task_table")


# --------------------------------------------------------------------------- comments


def _thread(ctx, th: dict[str, Any], actions: dict[str, bool], prefix: str) -> None:
    state = t("standards.page.resolved") if th["resolved"] else t("standards.page.open")
    with st.container(border=True):
        st.markdown(f"**{md_escape(th['author'])}** ({enum_label('side', th['author_side'])}) · {state}")
        st.text(th["body"])
        for r in th["replies"]:
            st.markdown(f"↳ **{md_escape(r['author'])}**: {md_escape(r['body'])}")
        if not actions["comment"]:
            return
        key = f"{prefix}_{th['id']}"
        c1, c2 = st.columns([4, 1])
        text = c1.text_input(t("standards.page.reply"), key=fresh_text(f"std_reply_{key}"))
        try:
            if c2.button(t("standards.page.send"), key=f"std_send_{key}") and text.strip():
                reply(ctx.engine, actor=ctx.actor, comment_id=th["id"], body=text)
                clear_next_run(f"std_reply_{key}")
                st.rerun()
            flip = reopen_thread if th["resolved"] else resolve_thread
            label = t("standards.page.reopen") if th["resolved"] else t("standards.page.resolve")
            if c2.button(label, key=f"std_flip_{key}"):
                flip(ctx.engine, actor=ctx.actor, comment_id=th["id"], expected_version=th["version"])
                st.rerun()
        except DomainError as exc:
            show_error(exc)


def _threads_for(ctx, threads: list[dict[str, Any]], target: str, entity_type: str, entity_id: int,
                 actions: dict[str, bool], section: str | None = None) -> None:
    """The threads on ``target`` (out of the standard's ``threads``) and a box to start one."""
    for th in (th for th in threads if th["target"] == target):
        _thread(ctx, th, actions, target.replace(":", "_"))
    if actions["comment"]:
        key = target.replace(":", "_")
        text = st.text_input(t("standards.page.new_comment"), key=fresh_text(f"std_new_{key}"))
        if st.button(t("standards.page.comment"), key=f"std_post_{key}") and text.strip():
            try:
                add_comment(ctx.engine, actor=ctx.actor, entity_type=entity_type, entity_id=entity_id, body=text,
                            section=section)
                clear_next_run(f"std_new_{key}")
                st.rerun()
            except DomainError as exc:
                show_error(exc)


def comments_panel(ctx, standard_id: int, actions: dict[str, bool], threads: list[dict[str, Any]]) -> None:
    """Threads on the whole standard or one section; unit and objective threads sit beside their row."""
    st.caption(tm("standards.page.unresolved", n=count_unresolved(threads)["total"]))
    options = ["standard", *SECTIONS]
    # labels built in this run (a lambda would translate whenever it is called, in whatever language is current)
    labels = {s: t("standards.page.whole") if s == "standard" else t(f"standards.section.{s}") for s in options}
    where = st.selectbox(t("standards.page.comment_on"), options, key="std_comment_target",
                         format_func=labels.__getitem__)
    if where == "standard":
        _threads_for(ctx, threads, "standard", "standard", standard_id, actions)
    else:
        _threads_for(ctx, threads, f"section:{where}", "section", standard_id, actions, section=where)


# --------------------------------------------------------------------------- workflow, history, downloads


def _signature(state: dict[str, Any], side: str) -> str:
    who = state[f"{side}_signed_by"]
    if who and state.get(f"{side}_signed_at"):
        who = f"{who} · {str(state[f'{side}_signed_at'])[:10]}"
    return t("standards.page.signed_line", side=t(f"standards.page.{side}_sign"),
             who=who or t("standards.page.unsigned"))


def workflow_bar(ctx, state: dict[str, Any], actions: dict[str, bool]) -> None:
    """Status and both sign-offs in one line (names in full, wrapped), then the transitions the
    actor may take now in one row; each says what it did ("已提交审核", "已签字（学校）")."""
    status = enum_label("standard_status", state["status"])
    st.markdown(t("standards.page.status_line", status=status, school=_signature(state, "school"),
                  enterprise=_signature(state, "enterprise")))
    if state["frozen"]:
        st.info(tm("standards.page.frozen", revision=state["revision"]))
    if state["rejection_reason"] and state["status"] == "draft":
        st.warning(tm("standards.page.rejected", reason=state["rejection_reason"]))
    sid, version = state["standard_id"], state["version"]
    bar = st.container(horizontal=True, vertical_alignment="center", key="std_wf_bar")
    try:
        if actions["submit"] and bar.button(t("standards.page.submit"), key="std_wf_submit", type="primary"):
            _moved(ctx, sid, submit(ctx.engine, actor=ctx.actor, standard_id=sid, expected_version=version), "submit")
        if actions["sign_school"] and bar.button(t("standards.page.sign_school"), key="std_wf_sign_school",
                                                 type="primary"):
            _moved(ctx, sid, sign(ctx.engine, actor=ctx.actor, standard_id=sid, expected_version=version,
                                  side="school" if ctx.actor.is_admin else None), "sign_school")
        if actions["sign_enterprise"] and bar.button(t("standards.page.sign_enterprise"),
                                                     key="std_wf_sign_enterprise", type="primary"):
            _moved(ctx, sid, sign(ctx.engine, actor=ctx.actor, standard_id=sid, expected_version=version,
                                  side="enterprise" if ctx.actor.is_admin else None), "sign_enterprise")
        if actions["start_revision"] and bar.button(t("standards.page.start_revision"), key="std_wf_revision"):
            start_revision(ctx.engine, actor=ctx.actor, standard_id=sid)
            _moved(ctx, sid, {}, "start_revision")
        if actions["reject"]:
            with bar.popover(t("standards.page.reject_open"), key="std_wf_reject_pop"), \
                    st.form("std_wf_reject_form", border=False):
                reason = st.text_input(t("review.reason"), key="std_wf_reason")
                if st.form_submit_button(t("standards.page.send_back"), key="std_wf_reject"):
                    _moved(ctx, sid, reject(ctx.engine, actor=ctx.actor, standard_id=sid, expected_version=version,
                                            reason=reason), "reject")
    except DomainError as exc:
        show_error(exc)


def _moved(ctx, standard_id: int, result: dict[str, Any], action: str) -> None:
    flash_toast(f"standards.page.done.{action}", icon=":material/check_circle:")  # first: it needs no st call
    if result.get("status") == "approved":
        flash_toast("standards.page.done.approved", icon=":material/verified:")
    rebase(ctx.engine, standard_id)
    st.rerun()


def _diff_html(ops: list[dict[str, str]]) -> str:
    out = []
    for op in ops:
        if op["old"] and op["op"] != "equal":
            out.append(f"<del style='background:#fdd'>{html.escape(op['old'])}</del>")
        if op["new"] and op["op"] != "equal":
            out.append(f"<ins style='background:#dfd'>{html.escape(op['new'])}</ins>")
        if op["op"] == "equal":
            out.append(html.escape(op["old"]))
    return "".join(out)


def history_panel(ctx, state: dict[str, Any], actions: dict[str, bool]) -> None:
    """Versions, a diff of any two (prose inline, table rows by change) and restore as a new version."""
    sid = state["standard_id"]
    versions = list_versions(ctx.engine, standard_id=sid)
    st.dataframe(pd.DataFrame([{t("standards.page.version"): v["number"],
                                t("field.updated_at"): v["created_at"][:16].replace("T", " "),
                                t("standards.page.author"): v["author"], t("standards.page.note"): note_text(v["note"], current_lang())}
                               for v in versions]), hide_index=True, width="stretch", key="std_versions")
    numbers = [v["number"] for v in versions if v["has_content"]]
    if len(numbers) < 1:
        return
    c1, c2 = st.columns(2)
    a = c1.selectbox(t("standards.page.diff_old"), numbers, index=min(1, len(numbers) - 1), key="std_diff_a")
    b = c2.selectbox(t("standards.page.diff_new"), numbers, index=0, key="std_diff_b")
    diff = diff_versions(ctx.engine, standard_id=sid, a=a, b=b)
    if diff["identical"]:
        st.info(t("standards.page.identical"))
    for h in diff["header"]:
        st.markdown("**" + t(f"standards.page.field.{h['field']}") + "**")
        st.markdown(_diff_html(h["ops"]), unsafe_allow_html=True)
    for table in ("objectives", "units", "assessment", "alignments"):
        section = diff[table]
        lines = [f":green[:material/add:] {md_escape(_row_text(r))}" for r in section["added"]]
        lines += [f":red[:material/remove:] {md_escape(_row_text(r))}" for r in section["removed"]]
        for r in section["changed"]:
            fields = "; ".join(f"{_field_label(f)}: {_value(f, v['old'])} → {_value(f, v['new'])}"
                               for f, v in r["fields"].items())
            what = f"{r.get('label') or r.get('target', '')} {r.get('code', '')}".strip()
            lines.append(f":blue[:material/edit:] {md_escape(what)} — {md_escape(fields)}")
        if lines:
            title = t("field.alignments") if table == "alignments" else t(f"standards.section.{table}")
            st.markdown(f"**{title}**\n\n" + "\n".join(f"- {line}" for line in lines))
    if actions["restore"]:
        pick = st.selectbox(t("standards.page.restore_pick"), numbers, key="std_restore_pick")
        if st.button(t("standards.page.restore"), key="std_restore"):
            try:
                result = restore_version(ctx.engine, actor=ctx.actor, standard_id=sid, version_number=pick,
                                         expected_version=state["version"])
                flash_toast("standards.page.restored", number=pick)  # first: it needs no st call
                rebase(ctx.engine, sid, result)
                st.rerun()
            except DomainError as exc:
                show_error(exc)


def _field_label(field: str) -> str:
    label = t(f"standards.page.col.{field}")
    return field if label.endswith(f".{field}") else label


_ENUM_FIELDS = {"dimension": "dimension", "status": "alignment_status", "proposed_side": "side"}


def _value(field: str, value: Any) -> str:
    """A changed value as people read it: enums translated, blanks as —, whole numbers without .0."""
    if value is None or value == "":
        return "—"
    if field in _ENUM_FIELDS:
        return enum_label(_ENUM_FIELDS[field], value)
    if field == "category":
        return t(f"standards.page.category.{value}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_text(row: dict[str, Any]) -> str:
    if "code" in row and "target" in row:
        return f"{row['target']} → {row['code']} ({row.get('level')})"
    if row.get("title") or row.get("name"):
        return str(row.get("title") or row.get("name"))
    return f"{row.get('code') or ''} {row.get('text') or ''}".strip() or "—"


def downloads(ctx, standard_id: int) -> None:
    lang = current_lang()
    if not st.toggle(t("standards.page.prepare_downloads"), key="std_dl_prepare"):
        return
    c1, c2 = st.columns(2)
    try:
        xlsx = export_standard_xlsx(ctx.engine, actor=ctx.actor, standard_id=standard_id, lang=lang)
        docx = export_standard_docx(ctx.engine, actor=ctx.actor, standard_id=standard_id, lang=lang)
    except DomainError as exc:
        show_error(exc)
        return
    c1.download_button(t("standards.page.download_xlsx"), xlsx.content, xlsx.filename, xlsx.media_type,
                       key="std_dl_xlsx")
    c2.download_button(t("standards.page.download_docx"), docx.content, docx.filename, docx.media_type,
                       key="std_dl_docx")
