"""Shared fixtures. The demo city (福州市, 300 residents) is built once per test database and every test
runs inside a transaction that is rolled back, so tests see the same city and leave it as they found it."""

import os

import pytest
from django.test import Client

from learncity.core.scopes import forget_scope

DEMO_RESIDENTS = 300
# The suite runs on several workers (pytest-xdist, `make test`): each has its own test database and, through
# `_test_settings`, its own data folder; the demo password is fixed so no worker writes it into the shared one.
os.environ.setdefault("LEARNCITY_DEMO_PASSWORD", "test-demo-password")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, _worker_data_dir):
    from django.test import override_settings

    from learncity.demo.builder import demo_build

    # The demo's provider files go through the intake path under DATA_DIR/intake/<job id>/: each worker's own, or
    # two workers building their cities at once write and remove the same job 1's file.
    with django_db_blocker.unblock(), override_settings(DATA_DIR=_worker_data_dir,
                                                        LEARNCITY_INTAKE_DIR=_worker_data_dir / "intake"):
        demo_build(residents=DEMO_RESIDENTS)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory, _worker_data_dir):
    from django.core.cache import cache

    # Cache keys carry version numbers kept in the database, which each test's rollback takes back: a page cached
    # by one test must not answer the next.
    cache.clear()
    settings.LEARNCITY_CACHE_STATUS_HEADER = True  # X-Cache: hit/miss, which the cache tests read
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DATA_DIR = _worker_data_dir
    # Import jobs keep their files under DATA_DIR/intake/<job id>/: never the developer's own data folder.
    settings.LEARNCITY_INTAKE_DIR = tmp_path_factory.mktemp("intake")
    # Pages render {% static %} without a collected manifest in tests; the served app uses the manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "default": {**settings.STORAGES["default"],
                                     "OPTIONS": {"location": _worker_data_dir / "media"}},
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture(scope="session")
def _worker_data_dir(tmp_path_factory):
    """This worker's data folder (uploads, evidence files): never the developer's own, nor another worker's."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture
def city(db):
    from learncity.places.models import Place

    return Place.objects.get(code="350100")


@pytest.fixture
def users(db):
    """The demo city's users by username: city_admin, district_admin (鼓楼区), district_admin_2 (台江区),
    staff (an institution in 鼓楼区), reporter, expert, auditor, learner, admin (superuser)."""
    from learncity.people.models import User

    found = {u.username: u for u in User.objects.all()}
    for u in found.values():
        forget_scope(u)
    return found


@pytest.fixture
def client_as(db):
    """client_as(user) -> a Django test client signed in as that user (or anonymous for None)."""

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def api_as(db):
    """api_as(user) -> a client whose requests carry a fresh personal bearer token of that user."""
    from learncity.people.services import api_token_create

    def make(user):
        if user is None:
            return Client()
        _, token = api_token_create(actor=user, name="test")
        return Client(headers={"Authorization": f"Bearer {token}"})

    return make


@pytest.fixture
def admin_api(users, api_as):
    """A client of the API as the city administrator (a personal bearer token)."""
    return api_as(users["city_admin"])
