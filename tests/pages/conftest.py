"""The page matrix's world, made once for the module: the demo city's objects on each side of the 鼓楼区 / 台江区
line and a signed-in session for each role, inside one transaction rolled back when the module is done. Each
test runs in a savepoint of it (pytest-django's own), so a test's writes go and the world stays; every request
starts from the role's saved session (a test that signs out or changes a password ends nobody else's)."""

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings

from tests.pages.support import ROLE_USERNAMES, World, world_build
from tests.worlds import rolled_back


@pytest.fixture(scope="session", autouse=True)
def _a_test_database_is_set_up(request):
    """The matrix's cases do not ask for `db` (see `client_of`), and pytest-django sets the test database up only
    when a collected test does: without one, the demo city would be built in the configured database itself."""
    if not any("db" in item.fixturenames or item.get_closest_marker("django_db") for item in request.session.items):
        pytest.fail("select a test that uses the database too (test_the_world_stands_on_each_side_of_the_line): "
                    "pytest-django sets the test database up only then", pytrace=False)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory, _worker_data_dir) -> World:
    intake_dir = tmp_path_factory.mktemp("pages-intake")
    with rolled_back(django_db_blocker), override_settings(
            DATA_DIR=_worker_data_dir, LEARNCITY_INTAKE_DIR=intake_dir,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        built = world_build(intake_dir)
        for role, username in ROLE_USERNAMES.items():
            if username is not None:
                client = Client()
                client.force_login(built.users[username])
                built.sessions[role] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        client = Client()  # the inspector (Role.INSPECTOR), declared on the governance pages
        client.force_login(built.inspector)
        built.sessions["inspector"] = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        yield built


@pytest.fixture
def client_of(world, settings):
    """client_of(role) -> a fresh client carrying the role's saved session (anonymous: none). No `db`: a test asks
    inside `rolled_back()`, a savepoint of the world's transaction (pytest-django's own per test would check every
    foreign key of the demo city at its end, a tenth of a second a case)."""
    settings.LEARNCITY_INTAKE_DIR = world.intake_dir  # the world's uploads are there

    def make(role: str) -> Client:
        client = Client()
        if world.sessions.get(role):
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
        return client

    return make
