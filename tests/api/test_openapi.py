"""The API describes itself: the OpenAPI schema lists every route, and the docs page renders for anyone."""

import json

from tests.api.support import operations

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def test_the_schema_is_json_listing_every_route(client, db):
    # When anyone, signed in or not, asks for the schema
    response = client.get("/api/openapi.json")

    # Then it is valid JSON, OpenAPI 3, and lists exactly the routes the routers serve
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/json"
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "learncity API"
    listed = {(method.upper(), path) for path, item in schema["paths"].items() for method in item
              if method in HTTP_METHODS}
    assert listed == operations()
    assert {("GET", "/api/me"), ("POST", "/api/places/communities"), ("DELETE", "/api/people/tokens/{pk}")} <= listed


def test_every_route_in_the_schema_requires_a_token_or_a_session_but_the_public_checks(client, db):
    schema = client.get("/api/openapi.json").json()

    assert schema["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"},
        "SessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        "ProviderKeyAuth": {"type": "http", "scheme": "bearer"},
    }
    people = [{"BearerToken": []}, {"SessionAuth": []}]
    # the intake routes also take an institution's provider key (Bearer lcp_…), and only they do
    unprotected = [(method, path) for path, item in schema["paths"].items() for method, op in item.items()
                   if method in HTTP_METHODS and op.get("security") != (
                       [{"ProviderKeyAuth": []}, *people] if path.startswith("/api/intake/") else people)]
    # an issued transcript is checked by whoever holds it (an employer, a school), without signing in; the
    # learning city's published indicators are public (aggregates only, small cells suppressed); the city's events
    # and venues are public information, shown on its public pages (no personal data: of sign-ups only the count)
    assert sorted(unprotected) == [("get", "/api/catalog/events"), ("get", "/api/catalog/events/{pk}"),
                                   ("get", "/api/catalog/venues"), ("get", "/api/catalog/venues/{pk}"),
                                   ("get", "/api/credits/verify/{token}"),
                                   ("get", "/api/monitoring/public/indicators/{code}"),
                                   ("get", "/api/monitoring/public/overview")]


def test_the_docs_page_renders_for_anonymous(client, db):
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "text/html"
    page = response.content.decode()
    assert "<title>learncity API</title>" in page
    assert '"url": "/api/openapi.json"' in page
