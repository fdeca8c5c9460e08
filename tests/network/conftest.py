"""The tests' own city in 达州市 (tests/portal/world.py), built once per module."""

from tests.portal.world import world_fixtures

world_built, world = world_fixtures()
