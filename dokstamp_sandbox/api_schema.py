"""OpenAPI fragments the routes declare: list parameters, write bodies, the tenant header."""

from __future__ import annotations

from typing import Any

from dokstamp_sandbox.resources import Resource
from dokstamp_sandbox.validation import FieldRule

TENANT_HEADER: dict[str, Any] = {
    "name": "X-Tenant",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "The tenant's domain (GET /auth/me: data.tenant.domain).",
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def list_parameters(resource: Resource) -> list[dict[str, Any]]:
    """page, per_page, where[...] per filter and sort[...] for one list endpoint."""
    parameters = [
        TENANT_HEADER,
        _query("page", {"type": "integer", "minimum": 1}, "1-based page number (default 1)."),
        _query(
            "per_page",
            {"type": "integer", "minimum": 1},
            "Rows per page (default 15; capped at the server's maximum, see meta.per_page).",
        ),
    ]
    for key, spec in resource.filters.items():
        kind = "uuid" if spec.reference else "value"
        parameters.append(
            _query(
                f"where[{key}]",
                {"type": "string"},
                f"Equality filter on the {kind}; `null` matches rows where it is empty.",
            )
        )
    if resource.sorts:
        parameters.append(
            _query("sort[column]", {"type": "string", "enum": sorted(resource.sorts)}, "Sort key.")
        )
        parameters.append(
            _query("sort[order]", {"type": "string", "enum": ["asc", "desc"]}, "Default asc.")
        )
    return parameters


def _field_schema(rule: FieldRule) -> dict[str, Any]:
    if rule.kind == "reference":
        return {"type": "string", "format": "uuid"}
    if rule.kind == "choice":
        return {"type": "string", "enum": list(rule.choices)}
    if rule.kind == "decimal":
        schema: dict[str, Any] = {"type": "number"}
    elif rule.kind == "integer":
        schema = {"type": "integer"}
    elif rule.kind == "date":
        return {"type": "string", "format": "date"}
    elif rule.kind == "datetime":
        return {"type": "string", "format": "date-time"}
    elif rule.kind == "email":
        return {"type": "string", "format": "email", "maxLength": rule.max_length}
    else:
        return {"type": "string", "maxLength": rule.max_length}
    if rule.minimum is not None:
        schema["minimum"] = float(rule.minimum)
    if rule.maximum is not None:
        schema["maximum"] = float(rule.maximum)
    return schema


def body_schema(rules: tuple[FieldRule, ...], *, partial: bool) -> dict[str, Any]:
    """The JSON request body of a create (required fields listed) or a partial update."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            rule.name: {**_field_schema(rule), "nullable": rule.nullable and not rule.required}
            for rule in rules
        },
    }
    required = [rule.name for rule in rules if rule.required]
    if required and not partial:
        schema["required"] = required
    return {"required": not partial, "content": {"application/json": {"schema": schema}}}


UUIDS_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["uuids"],
                "properties": {
                    "uuids": {"type": "array", "items": {"type": "string", "format": "uuid"}}
                },
            }
        }
    },
}


def _object_body(
    media_type: str, properties: dict[str, Any], required: list[str]
) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {media_type: {"schema": schema}}}


# The auth routes' bodies (their handlers read the raw request, so FastAPI cannot infer them).
CLIENT_CREDENTIALS_BODY: dict[str, Any] = _object_body(
    "application/x-www-form-urlencoded",
    {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    },
    ["grant_type", "client_id", "client_secret"],
)
LOGIN_BODY: dict[str, Any] = _object_body(
    "application/json",
    {"email": {"type": "string"}, "password": {"type": "string"}},
    ["email", "password"],
)
REFRESH_BODY: dict[str, Any] = _object_body(
    "application/json", {"refresh_token": {"type": "string"}}, ["refresh_token"]
)
