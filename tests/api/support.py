"""Helpers for the API tests: the routes the API serves, walked from the Ninja API object itself (not from a
list kept by hand), and fresh resident ID numbers."""

import datetime
import re

from django.urls import reverse

from learncity.api import api
from learncity.people import idcard
from learncity.people.models import LearnerProfile
from learncity.people.services import id_number_hash

GULOU, TAIJIANG = "350102", "350103"  # the districts of `district_admin` and `district_admin_2`

# The docs page and the schema are public by design; tests/api/test_openapi.py covers them.
EXCLUDED_URL_NAMES = {"openapi-json", "openapi-view"}


def path_template(route: str) -> str:
    """A Django route ("places/<code>", "x/<int:pk>") as a Ninja path template under the API's root."""
    root = reverse("api:api-root")
    return re.sub(r"/+", "/", root + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))


def operations() -> set[tuple[str, str]]:
    """(method, path template) of every operation of every router mounted on the API."""
    routes = set()
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            template = path_template(f"{bound.prefix}/{path}")
            for operation in view.operations:
                routes.update((method, template) for method in operation.methods)
    return routes


def api_routes() -> set[tuple[str, str]]:
    """Every operation, plus any other URL the API serves (a plain Django view there answers GET), except
    the explicitly excluded docs page and schema."""
    routes = operations()
    operation_paths = {p for _, p in routes}
    for pattern in api.urls[0]:
        if pattern.name in EXCLUDED_URL_NAMES:
            continue
        template = path_template(str(pattern.pattern))
        if template not in operation_paths:
            routes.add(("GET", template))
    return routes


def fresh_id_number(region: str, birth: datetime.date = datetime.date(1990, 5, 17)) -> str:
    """A valid resident ID number of the region that no learner profile holds yet."""
    for seq in range(1000):
        number = idcard.make(region, birth, seq)
        if not LearnerProfile.objects.filter(id_number_hash=id_number_hash(number)).exists():
            return number
    raise AssertionError(f"no free ID number in {region}")
