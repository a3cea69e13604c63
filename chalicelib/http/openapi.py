"""The OpenAPI 3.1 document served at ``GET /v1/openapi.json``, generated from the route
table and the pydantic models, with every route's auth and error responses."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib.http.spec import ROUTES, RouteSpec
from chalicelib.http.validation import model_named

_ERROR_TEXT = {
    400: "Malformed request: bad JSON, wrong types, unknown fields.",
    401: "Missing, invalid or revoked key.",
    403: "Key scope, plan, admin-only route or suspended tenant.",
    404: "Not found (or another tenant's).",
    409: "State conflict.",
    413: "Body over 256 KB.",
    422: "Valid JSON that breaks a rule.",
    429: "Rate or quota exceeded.",
    503: "A component is down.",
}
_RATE_HEADERS = ("Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
_SECURITY = {
    "public": [],
    "admin": [{"adminKey": []}],
    "full": [{"apiKey": ["full"]}],
    "send": [{"apiKey": ["send"]}],
}


def _ref(model_path: str, schemas: dict[str, Any]) -> dict[str, str]:
    model = model_named(model_path)
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in schema.pop("$defs", {}).items():
        schemas[name] = sub
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(spec: RouteSpec, schemas: dict[str, Any]) -> dict[str, Any]:
    error_ref = _ref("chalicelib.http.schemas.ErrorReply", schemas)
    responses: dict[str, Any] = {str(spec.status): {"description": "Success"}}
    if spec.reply:
        responses[str(spec.status)]["content"] = {
            "application/json": {"schema": _ref(spec.reply, schemas)}
        }
    errors = set(spec.errors) | ({413, 400} if spec.body else set())
    errors |= {429} if spec.auth != "public" else set()  # the API rate limits
    for code in sorted(errors):
        responses[str(code)] = {
            "description": _ERROR_TEXT.get(code, "Error"),
            "content": {"application/json": {"schema": error_ref}},
        }
    if 429 in errors:
        responses["429"]["headers"] = {
            name: {"schema": {"type": "integer"}} for name in _RATE_HEADERS
        }
    op: dict[str, Any] = {
        "summary": spec.summary,
        "tags": [spec.tag],
        "responses": responses,
        "security": _SECURITY[spec.auth],
        "operationId": _operation_id(spec),
    }
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _path_params(spec.path)
    ]
    params += [
        {"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
        for q in spec.query
    ]
    if params:
        op["parameters"] = params
    if spec.body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(spec.body, schemas)}},
        }
    return op


def _operation_id(spec: RouteSpec) -> str:
    cleaned = spec.path.replace("{", "").replace("}", "").replace("-", "_")
    return spec.method.lower() + cleaned.replace("/", "_")


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for (path, method), spec in sorted(ROUTES.items()):
        paths.setdefault(path, {})[method.lower()] = _operation(spec, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "PenguinMails API", "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Tenant key pm_live_…; scopes full or send.",
                },
                "adminKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Platform admin key (operators only).",
                },
            },
        },
    }
