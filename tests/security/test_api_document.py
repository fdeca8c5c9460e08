"""The OpenAPI document says what the API does: no two schemas share a name (one would silently replace the other:
the API tokens were documented with the QR token's schema), and every operation declares its error statuses with
the one error schema the handlers produce."""

import json

from ninja.openapi.schema import REF_TEMPLATE

from learncity.api import api
from learncity.core.api_contract import ErrorOut
from tests.people.factories import account_make
from tests.places.factories import DAZHOU, place

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def _operations():
    for bound in api._get_bound_routers():
        for view in bound.path_operations.values():
            yield from view.operations


def test_no_two_schemas_share_a_name():
    # Given every model the operations take (validated) and answer (serialised), with the models they contain
    found: dict[str, dict[str, str]] = {}
    for operation in _operations():
        models = [(m, "validation") for m in operation.models]
        models += [(m, "serialization") for m in operation.response_models.values() if hasattr(m, "model_json_schema")]
        for model, mode in models:
            for name, schema in model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode).get("$defs", {}).items():
                found.setdefault(name, {})[json.dumps(schema, sort_keys=True)] = operation.view_func.__module__

    # Then each name stands for one schema
    assert {name: sorted(set(where.values())) for name, where in found.items() if len(where) > 1} == {}


def test_the_documents_components_are_the_schemas_of_the_operations(client, db):
    document = client.get("/api/openapi.json").json()
    components = document["components"]["schemas"]

    assert {"ErrorOut", "ApiTokenOut", "ApiTokenCreatedOut", "CheckinTokenOut", "PlaceOut", "PlaceRefOut",
            "AccreditationIn", "InstitutionIn", "TargetsImportOut", "ImportOut"} <= set(components)
    assert "token" not in components["ApiTokenOut"]["properties"]
    assert "id" not in components["PlaceOut"]["properties"]
    assert components["ErrorOut"] == ErrorOut.model_json_schema(ref_template=REF_TEMPLATE, mode="serialization")
    listed = document["paths"]["/api/people/tokens"]["get"]["responses"]["200"]["content"]["application/json"]
    assert listed["schema"] == {"items": {"$ref": "#/components/schemas/ApiTokenOut"}, "title": "Response",
                                "type": "array"}


def test_every_operation_declares_its_errors_with_the_error_schema(client, db):
    document = client.get("/api/openapi.json").json()

    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation["responses"]
            expected = {"400", "403", "404"}
            if operation.get("security"):
                expected |= {"401"}
            if operation.get("parameters") or operation.get("requestBody"):
                expected |= {"422"}
            declared_errors = {code for code in responses if code.startswith("4") and code != "429"}
            assert declared_errors == expected, (method, path)
            for code in expected:
                assert responses[code]["content"]["application/json"]["schema"] == ERROR, (method, path, code)
            if operation.get("security"):
                assert responses["429"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/SigninLockedOut"}, (method, path)


def test_paging_parameters_are_bounded_in_the_document(client, db):
    document = client.get("/api/openapi.json").json()

    paged = [(path, {p["name"]: p["schema"] for p in item["get"].get("parameters", [])})
             for path, item in document["paths"].items() if "get" in item]
    bounded = {path: (params["limit"]["minimum"], params["limit"]["maximum"], params["offset"]["minimum"],
                      params["offset"]["maximum"]) for path, params in paged if "offset" in params}
    assert bounded.pop("/api/catalog/search") == (1, 100, 0, 10_000_000)
    assert len(bounded) >= 10  # every @paginate route
    assert set(bounded.values()) == {(1, 100_000, 0, 10_000_000)}


def test_the_errors_the_api_answers_are_the_declared_schema(client, db, api_as):
    admin = api_as(account_make("city_admin", place=place(DAZHOU)))
    answers = [
        client.get("/api/me"),  # 401
        admin.get("/api/places/99999999"),  # 404, a domain error
        admin.get("/api/places/", {"limit": 0}),  # 422
        admin.post("/api/people/tokens", "{not json", content_type="application/json"),  # 400
    ]

    assert [a.status_code for a in answers] == [401, 404, 422, 400]
    for answer in answers:
        body = answer.json()
        ErrorOut.model_validate(body)
        assert set(body) == {"code", "detail", "errors"}
    assert [a.json()["code"] for a in answers] == ["unauthorized", "not_found", "invalid_input", "bad_request"]
