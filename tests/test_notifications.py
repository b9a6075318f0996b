"""Notifications (#11 item 3): a save that clears a signature tells the signer; list, count, mark read."""

from __future__ import annotations

import pytest

from services import notifications, standards, workflow
from services.errors import PermissionDenied
from services.i18n import translate
from tests.standard_factories import make_world, version_of


def test_a_save_during_review_notifies_whose_signature_it_cleared(engine):
    """The lead signed; the owner's save clears it: the lead gets one unread notification naming course and saver."""
    world = make_world(engine)
    sid = world.standard_id
    workflow.submit(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid))
    workflow.sign(engine, actor=world.lead, standard_id=sid, expected_version=version_of(engine, sid))
    notifications.mark_all_read(engine, actor=world.lead)  # the review request (#13)
    notifications.mark_all_read(engine, actor=world.owner)  # the lead's signature (#13)
    assert notifications.unread_count(engine, actor=world.lead) == 0
    result = standards.save_standard(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid),
                                     header={"resources": "新增实训室 B"})
    assert result["signoffs_cleared"]
    assert notifications.unread_count(engine, actor=world.lead) == 1
    assert notifications.unread_count(engine, actor=world.owner) == 0
    [note] = notifications.list_notifications(engine, actor=world.lead, unread_only=True)
    assert note["kind"] == "signoff_cleared" and note["entity_id"] == sid and not note["read"]
    text = translate(note["key"], "zh", **note["params"])
    assert world.owner.display_name in text and note["params"]["course"] in text
    with pytest.raises(PermissionDenied):
        notifications.mark_read(engine, actor=world.owner, notification_id=note["id"])
    assert notifications.mark_read(engine, actor=world.lead, notification_id=note["id"])["read"]
    assert notifications.unread_count(engine, actor=world.lead) == 0
    assert notifications.list_notifications(engine, actor=world.lead, unread_only=True) == []
    assert [n["kind"] for n in notifications.list_notifications(engine, actor=world.lead)] == [
        "signoff_cleared", "review_requested"]


def test_a_change_that_clears_nothing_notifies_nobody(engine):
    """A draft save, or a save before anyone signed, writes no notification."""
    world = make_world(engine)
    sid = world.standard_id
    standards.save_standard(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid),
                            header={"resources": "实训室 A"})
    workflow.submit(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid))
    standards.save_standard(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid),
                            header={"resources": "实训室 C"})
    for who in (world.lead, world.mentor, world.owner):
        kinds = {n["kind"] for n in notifications.list_notifications(engine, actor=who)}
        assert "signoff_cleared" not in kinds
    before = notifications.unread_count(engine, actor=world.mentor)
    made = notifications.create_notification(engine, user_id=world.mentor.id, kind="test", key="sidebar.unread",
                                             params={"n": 1})
    assert notifications.unread_count(engine, actor=world.mentor) == before + 1 and made["user_id"] == world.mentor.id
