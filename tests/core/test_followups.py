"""core.followups: each follow-up declared once, answered by the one app named for it, loud when unanswered."""

import subprocess
import sys

import pytest
from django.apps import apps
from django.utils.module_loading import import_string

from learncity.core import followups

# What start-up must not import: the follow-ups' answers, the place page's parts, and what they pull in.
LAZY = ("learncity.creditbank.services", "learncity.intake.services", "learncity.monitoring.tasks",
        "learncity.network.views", "openpyxl")


def test_every_declared_follow_up_is_answered_by_the_app_declared_for_it():
    found = followups.answers()

    assert set(found) == set(followups.FOLLOWUPS)
    for name, path in found.items():
        owner = followups.FOLLOWUPS[name][0]
        assert path.startswith(f"learncity.{owner}."), (name, path)
        assert callable(import_string(path))


def test_answers_are_not_imported_at_start_up():
    # an app names its answer by its dotted path: a process that never records learning never loads the credit
    # bank's services for it (importing the answers in AppConfig.ready cost every worker and command ~10 MiB)
    script = ("import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'learncity.settings'; django.setup(); "
              f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == ""


@pytest.fixture
def configs(monkeypatch):
    """The app configs' follow-ups, replaceable in a test (and the answers' cache emptied before and after)."""
    followups._answer.cache_clear()
    yield apps.get_app_config
    followups._answer.cache_clear()


def test_an_undeclared_follow_up_cannot_be_answered(configs, monkeypatch):
    monkeypatch.setattr(configs("catalog"), "followups", {"nobody": "learncity.catalog.services.search"},
                        raising=False)

    with pytest.raises(LookupError, match="catalog answers unknown follow-up 'nobody'"):
        followups.answers()


def test_only_the_declared_app_may_answer(configs, monkeypatch):
    monkeypatch.setattr(configs("catalog"), "followups",
                        {"learning_recorded": "learncity.catalog.services.learning_record_create"}, raising=False)

    with pytest.raises(PermissionError, match="answered by 'creditbank', not 'catalog'"):
        followups.answers()


def test_a_follow_up_nobody_answers_fails_loudly(configs, monkeypatch):
    monkeypatch.setattr(configs("monitoring"), "followups", {})

    with pytest.raises(LookupError, match="follow-up 'records_imported' has no answer"):
        followups.follow_up("records_imported")


def test_follow_up_passes_its_arguments_and_returns_the_answer(configs, monkeypatch):
    seen = []
    monkeypatch.setattr(followups, "import_string", lambda path: lambda **kw: seen.append((path, kw)) or 7)

    assert followups.follow_up("pii_rotated", reason="test") == 7
    assert seen == [("learncity.intake.services.staged_hashes_forget", {"reason": "test"})]
