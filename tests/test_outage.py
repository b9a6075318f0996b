"""Database outages (#12 hole 4): a clear message, the user's input kept, recovery by itself."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from services.db import is_outage, make_engine, session_scope
from services.i18n import translate
from services.programs import get_program
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from tests.conftest import PG_ADMIN_URL


class Outage:
    """While switched on, every new database connection fails the way a stopped server does."""

    def __init__(self, monkeypatch) -> None:
        self.on = False
        real_connect = Engine.connect

        def connect(engine, *args, **kwargs):
            if self.on:
                import psycopg

                raise OperationalError("connect", {}, psycopg.OperationalError(
                    'connection to server at "127.0.0.1", port 5432 failed: Connection refused'))
            return real_connect(engine, *args, **kwargs)

        monkeypatch.setattr(Engine, "connect", connect)


def _form_script() -> None:
    """A form like every page's: typed text, a Save that calls a service, inside the outage guard."""
    import streamlit as st

    from services.db import make_engine
    from services.programs import list_programs
    from ui.outage import outage_guard

    with outage_guard():
        name = st.text_input("name", key="typed_name")
        notes = st.text_area("notes", key="typed_notes")
        if st.button("save", key="save"):
            st.session_state["saved"] = (name, notes, len(list_programs(make_engine())))
        st.write("page end")


@pytest.mark.apptest
def test_outage_shows_the_message_keeps_the_input_and_recovers(app_db, monkeypatch):
    """Saving while the database is down: the translated message, no traceback, the typed text still there."""
    from streamlit.testing.v1 import AppTest

    outage = Outage(monkeypatch)
    at = AppTest.from_function(_form_script, default_timeout=30)
    at.session_state["lang"] = "en"
    at.run()
    at.text_input(key="typed_name").input("typed while the server was down")
    at.text_area(key="typed_notes").input("more text")
    outage.on = True
    at.button(key="save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("db.outage", "en")]
    assert "saved" not in at.session_state
    at.button(key="save").click().run()  # still down: the same message, the input still kept
    assert [e.value for e in at.error] == [translate("db.outage", "en")]
    assert at.session_state["typed_name"] == "typed while the server was down"
    outage.on = False
    at.run()  # back: the page works again by itself, the typed text still in its fields
    assert not at.exception and not at.error and at.markdown[-1].value == "page end"
    assert at.text_input(key="typed_name").value == "typed while the server was down"
    assert at.text_area(key="typed_notes").value == "more text"
    at.button(key="save").click().run()
    assert at.session_state["saved"][:2] == ("typed while the server was down", "more text")


@pytest.mark.apptest
def test_a_page_keeps_what_was_typed_through_an_outage(app_db, monkeypatch):
    """Programmes page: Save while the database is down shows the message; the edit survives and saves later."""
    outage = Outage(monkeypatch)
    at = login("lead", lang="en")
    at.switch_page("pages/programs.py").run()
    program_id = at.session_state["program_id"]
    original = get_program(app_db, program_id=program_id)["name"]
    at.text_input(key="program_edit_name").input("Renamed while the server was down")
    at.text_area(key="program_edit_description").input("typed text")
    outage.on = True
    at.button(key="program_edit_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [translate("db.outage", "en")]
    assert at.session_state["program_edit_name"] == "Renamed while the server was down"
    assert at.session_state["auth"]["username"] == "lead"  # still logged in
    outage.on = False
    at.run()  # back: the page works again by itself, the typed text in its fields
    assert not at.exception and not at.error
    assert at.text_input(key="program_edit_name").value == "Renamed while the server was down"
    assert at.text_area(key="program_edit_description").value == "typed text"
    assert get_program(app_db, program_id=program_id)["name"] == original  # nothing was saved meanwhile
    at.button(key="program_edit_save").click().run()
    assert not at.exception and not at.error
    assert get_program(app_db, program_id=program_id)["name"] == "Renamed while the server was down"


@pytest.mark.apptest
@pytest.mark.parametrize("role", ["admin", "mentor"])
def test_every_page_shows_the_outage_message_then_works_again(app_db, monkeypatch, role):
    """Every page the role may open: the translated outage message while down, the page itself once back."""
    from ui.nav import PAGES

    outage = Outage(monkeypatch)
    at = login(role, lang="zh")
    for spec in (s for s in PAGES if role in s.roles):
        at.switch_page(spec.path).run()
        titles = [t.value for t in at.title]
        outage.on = True
        at.run()
        assert not at.exception, spec.slug
        assert [e.value for e in at.error] == [translate("db.outage", "zh")], spec.slug
        outage.on = False
        at.run()
        assert not at.exception and [t.value for t in at.title] == titles, spec.slug


def test_outage_errors_are_told_apart_from_other_database_errors(tmp_path):
    """A refused PostgreSQL port and an SQLite file that cannot be opened are outages; bad SQL is not."""
    closed_port = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/test", connect_args={"connect_timeout": 2})
    with pytest.raises(OperationalError) as refused:
        closed_port.connect()
    assert is_outage(refused.value)
    missing_dir = create_engine(f"sqlite:///{tmp_path / 'gone' / 'x.db'}")
    with pytest.raises(OperationalError) as unopenable:
        missing_dir.connect()
    assert is_outage(unopenable.value)
    engine = make_engine(f"sqlite:///{tmp_path / 'ok.db'}")
    with pytest.raises(OperationalError) as bad_sql, engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table"))
    assert not is_outage(bad_sql.value)
    assert not is_outage(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_outage(ValueError("not a database error"))


def test_postgresql_connections_come_back_after_the_server_dropped_them(pg_engine):
    """pool_pre_ping: after every server connection was killed (a restart), the next transaction just works."""
    with session_scope(pg_engine) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                   "WHERE datname = :n AND pid <> pg_backend_pid()"),
                              {"n": pg_engine.url.database}).scalar_one()
    admin.dispose()
    assert killed >= 1  # the pooled connection was among them
    with session_scope(pg_engine) as session:
        assert session.execute(text("SELECT 1")).scalar_one() == 1
