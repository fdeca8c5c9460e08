"""core.followups: each follow-up declared once, answered by the one app named for it, loud when unanswered."""

import pytest

from learncity.core import followups


def test_every_declared_follow_up_is_answered_once_the_apps_are_ready():
    assert set(followups.answers()) == set(followups.FOLLOWUPS)


def test_the_answer_comes_from_the_app_declared_for_it():
    for name, function in followups.answers().items():
        owner = followups.FOLLOWUPS[name][0]
        assert function.__module__.startswith(f"learncity.{owner}."), (name, function.__module__)


def test_an_undeclared_follow_up_cannot_be_answered():
    with pytest.raises(LookupError, match="unknown follow-up 'nobody'"):
        followups.answer("nobody", "catalog", lambda: None)


def test_only_the_declared_app_may_answer():
    with pytest.raises(PermissionError, match="answered by 'creditbank', not 'catalog'"):
        followups.answer("learning_recorded", "catalog", lambda **kw: None)


def test_a_follow_up_nobody_answers_fails_loudly(monkeypatch):
    monkeypatch.setattr(followups, "_ANSWERS", {})

    with pytest.raises(LookupError, match="follow-up 'records_imported' has no answer"):
        followups.follow_up("records_imported", job=None)


def test_follow_up_passes_its_arguments_and_returns_the_answer(monkeypatch):
    monkeypatch.setattr(followups, "_ANSWERS", {})
    seen = []
    followups.answer("pii_rotated", "intake", lambda **kw: seen.append(kw) or 7)

    assert followups.follow_up("pii_rotated", reason="test") == 7
    assert seen == [{"reason": "test"}]
