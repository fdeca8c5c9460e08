"""What the intake tests share: a data folder of the test's own for uploaded files, and their own world (达州市,
which the demo city leaves empty; see factories.world_make): built once a module, in a transaction rolled back
after the module's last test (each test's own changes rolled back after it as before); the modules whose tests
commit (transaction=True) build it per test instead, by overriding `world`."""

import pytest

from tests.worlds import rolled_back

from .factories import World, world_forget, world_make


@pytest.fixture(autouse=True)
def intake_dir(settings, tmp_path):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    return settings.LEARNCITY_INTAKE_DIR


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The world of a module's tests, set up before (and so outside) each test's own transaction."""
    with rolled_back(django_db_blocker):
        yield world_make()


@pytest.fixture
def world(_module_world, db) -> World:
    world_forget(_module_world)
    return _module_world


@pytest.fixture
def staff(world):
    return world["staff"]


@pytest.fixture
def school(world):
    return world.school
