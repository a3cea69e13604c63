"""The OpenAPI 3.1 document covers every route with its auth and error responses."""

from openapi_spec_validator import validate


def test_the_document_is_valid_openapi_31_and_covers_every_route(api):
    from app import app

    doc = api.call("GET", "/v1/openapi.json").data
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    for path, methods in app.routes.items():
        for method in methods:
            operation = doc["paths"][path][method.lower()]
            assert "security" in operation and operation["responses"], (method, path)


def test_authenticated_routes_document_401_and_bodies_document_400_and_413(api):
    doc = api.call("GET", "/v1/openapi.json").data
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            if op["security"]:
                assert "401" in op["responses"], (method, path)
            if "requestBody" in op:
                assert {"400", "413"} <= set(op["responses"]), (method, path)
    create = doc["paths"]["/v1/tenants"]["post"]
    schema_ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert schema["additionalProperties"] is False and "plan" in schema["required"]
