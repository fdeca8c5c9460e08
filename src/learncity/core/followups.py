"""Follow-ups: the one way a lower app sets off work in a higher one. Every follow-up is listed here.

Layers run one way (docs/architecture.md): catalog may not import creditbank, intake may not import monitoring.
Yet a learning record made in catalog is recognised by the credit bank as it is made, and an import that added
records refreshes the dashboards. Instead of a hidden signal (the project has none: a signal is where audit trails
silently stop) or a function-local import that hides the cycle, such a follow-up is declared in `FOLLOWUPS` by
name, with the one app that answers it; that app names its function in its AppConfig:

    class CreditbankConfig(AppConfig):
        followups = {"learning_recorded": "learncity.creditbank.services.record_recognise_auto"}

and the lower app calls `follow_up(name, …)`, synchronously, inside its own transaction. The answer is imported
when first called, not at start-up (a worker that never records learning never loads the credit bank's services).
A follow-up nobody answers, or answered by another app than the one declared, is an error, not a silent no-op;
tests/core/test_followups.py holds the registrations to this list.
"""

from collections.abc import Callable
from functools import cache

from django.apps import apps
from django.utils.module_loading import import_string

# name: (the app that answers, what it does)
FOLLOWUPS: dict[str, tuple[str, str]] = {
    "learning_recorded": ("creditbank", "recognise a new learning record against the standards, in the same "
                                        "transaction (catalog's check-in and completion)"),
    "volunteering_recorded": ("catalog", "make the learning record of a volunteer's service entry, in the same "
                                         "transaction (pools.volunteer_service_record)"),
    "records_imported": ("monitoring", "queue the dashboards' refresh after an import job added records "
                                       "(intake's task runner and `learncity import`)"),
    "pii_rotation_blockers": ("intake", "the import jobs queued or running, locked, which a rotation of the "
                                        "personal-data key must wait for (people.rotation)"),
    "pii_rotated": ("intake", "forget the staged rows' ID hashes made under the old key; returns how many "
                              "(people.rotation, in its transaction)"),
}


def answers() -> dict[str, str]:
    """Every follow-up's answer as the app names it ({name: dotted path}), checked against FOLLOWUPS."""
    found: dict[str, str] = {}
    for config in apps.get_app_configs():
        for name, path in getattr(config, "followups", {}).items():
            if name not in FOLLOWUPS:
                raise LookupError(f"{config.label} answers unknown follow-up {name!r}: declare it in "
                                  "core.followups.FOLLOWUPS")
            owner = FOLLOWUPS[name][0]
            if config.label != owner:
                raise PermissionError(f"follow-up {name!r} is answered by {owner!r}, not {config.label!r}")
            found[name] = path
    return found


@cache
def _answer(name: str) -> Callable:
    try:
        path = answers()[name]
    except KeyError:
        raise LookupError(f"follow-up {name!r} has no answer: is {FOLLOWUPS.get(name, ('?',))[0]!r} "
                          "in INSTALLED_APPS?") from None
    return import_string(path)


def follow_up(name: str, /, **kwargs):
    """Run the answer to follow-up `name` with `kwargs` and return what it returns."""
    return _answer(name)(**kwargs)
