"""Follow-ups: the one way a lower app sets off work in a higher one. Every follow-up is listed here.

Layers run one way (docs/architecture.md): catalog may not import creditbank, intake may not import monitoring.
Yet a learning record made in catalog is recognised by the credit bank as it is made, and an import that added
records refreshes the dashboards. Instead of a hidden signal (the project has none: a signal is where audit trails
silently stop) or a function-local import that hides the cycle, such a follow-up is declared in `FOLLOWUPS` by
name, with the one app that answers it; that app registers its function in its AppConfig.ready(); the lower app
calls `follow_up(name, …)`, synchronously, inside its own transaction. A follow-up nobody answers is an error,
not a silent no-op, and tests/core/test_followups.py holds the registrations to this list.
"""

from collections.abc import Callable

# name: (the app that answers, what it does)
FOLLOWUPS: dict[str, tuple[str, str]] = {
    "learning_recorded": ("creditbank", "recognise a new learning record against the standards, in the same "
                                        "transaction (catalog's check-in and completion)"),
    "records_imported": ("monitoring", "queue the dashboards' refresh after an import job added records "
                                       "(intake's task runner and `learncity import`)"),
    "pii_rotation_blockers": ("intake", "the import jobs queued or running, locked, which a rotation of the "
                                        "personal-data key must wait for (people.rotation)"),
    "pii_rotated": ("intake", "forget the staged rows' ID hashes made under the old key; returns how many "
                              "(people.rotation, in its transaction)"),
}

_ANSWERS: dict[str, Callable] = {}


def answer(name: str, app_label: str, function: Callable) -> None:
    """Register `function` as the answer to follow-up `name` (from the answering app's AppConfig.ready)."""
    if name not in FOLLOWUPS:
        raise LookupError(f"unknown follow-up {name!r}: declare it in core.followups.FOLLOWUPS")
    owner = FOLLOWUPS[name][0]
    if app_label != owner:
        raise PermissionError(f"follow-up {name!r} is answered by {owner!r}, not {app_label!r}")
    _ANSWERS[name] = function


def follow_up(name: str, /, **kwargs):
    """Run the answer to follow-up `name` with `kwargs` and return what it returns."""
    try:
        function = _ANSWERS[name]
    except KeyError:
        raise LookupError(f"follow-up {name!r} has no answer: is {FOLLOWUPS.get(name, ('?',))[0]!r} "
                          "in INSTALLED_APPS?") from None
    return function(**kwargs)


def answers() -> dict[str, Callable]:
    return dict(_ANSWERS)
