"""What the intake tests share: a data folder of the test's own for uploaded files, and the demo staff member with
their community school."""

import pytest


@pytest.fixture(autouse=True)
def intake_dir(settings, tmp_path):
    settings.LEARNCITY_INTAKE_DIR = tmp_path / "intake"
    return settings.LEARNCITY_INTAKE_DIR


@pytest.fixture
def staff(users):
    return users["staff"]


@pytest.fixture
def school(staff):
    return staff.role_assignments.get().institution
