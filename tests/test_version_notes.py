"""Version notes (#13): the services' own notes are shown translated, a user's note as written."""

from __future__ import annotations

import pytest

from services.history import note_text


@pytest.mark.parametrize(("note", "zh", "en"), [
    ("save", "保存", "Saved"),
    ("", "保存", "Saved"),
    ("demo", "演示数据", "Demo data"),
    ("restored version 3", "恢复第 3 版", "Restored version 3"),
    ("alignment 2.1.3 accepted", "对应 2.1.3：已确认", "Alignment 2.1.3: Accepted"),
    ("alignment 2.1.3 level 2", "对应 2.1.3：程度改为 2", "Alignment 2.1.3: level 2"),
    ("alignment 1.1 removed", "删除对应 1.1", "Alignment 1.1 removed"),
    ("revision 2 from approved revision 1", "由已批准的第 1 次修订开始第 2 次修订",
     "Revision 2 started from approved revision 1"),
])
def test_service_notes_are_translated(note, zh, en):
    """Each note a service writes reads in the user's language."""
    assert (note_text(note, "zh"), note_text(note, "en")) == (zh, en)


def test_a_users_own_note_is_kept_as_written():
    """A note that is no service's pattern stays as the user wrote it, in both languages."""
    assert note_text("first draft 初稿", "en") == note_text("first draft 初稿", "zh") == "first draft 初稿"
