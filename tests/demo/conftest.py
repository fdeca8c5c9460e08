"""A city built once for a module's tests, not once a test: the demo build is the slowest thing the tests do."""

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker):
    """A transaction open from the first test of the module that asks for it to the module's end, then rolled back:
    what a module-scoped fixture builds in it is shared by the module's tests (each still in its own savepoint,
    rolled back after it) and gone afterwards. Yields the blocker, to unblock the database while building."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield django_db_blocker
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
