"""A module's own world, built once and undone at the end.

`rolled_back(django_db_blocker)` is a block whose writes are all undone when it ends: a module-scoped fixture builds
its world inside it, before (and so outside) each test's own transaction; each test then runs in a savepoint of it
(pytest-django's own), so a test's writes go and the world stays for the next test of the module.
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # as a TestCase's own: a durable block inside a test is still allowed
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
