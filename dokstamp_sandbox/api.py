"""The sandbox's FastAPI application: auth routes, resource routes and error bodies.

``create_app`` wires it in named steps: the shared state of one server (``_Server``), the error
handlers, the auth routes, each resource's routes, and the OpenAPI security scheme.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dokstamp_sandbox import writes
from dokstamp_sandbox.api_schema import (
    CLIENT_CREDENTIALS_BODY,
    LOGIN_BODY,
    REFRESH_BODY,
    TENANT_HEADER,
    UUIDS_BODY,
    body_schema,
    list_parameters,
)
from dokstamp_sandbox.auth import Authenticator, Principal
from dokstamp_sandbox.database import Database
from dokstamp_sandbox.errors import (
    ApiError,
    Forbidden,
    MalformedRequest,
    MethodNotAllowed,
    NotFound,
    Unauthenticated,
    ValidationFailed,
)
from dokstamp_sandbox.listing import list_page, parse_list_query
from dokstamp_sandbox.options import SandboxOptions
from dokstamp_sandbox.resources import RESOURCES, Resource
from dokstamp_sandbox.traffic import TrafficMiddleware
from dokstamp_sandbox.validation import WRITE_RULES, FieldRule

T = TypeVar("T")
# List pages up to this many rows (about 10 ms of work) are served on the event loop, larger
# ones by the page reader thread.
INLINE_PAGE_ROWS = 1000
_BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


def _json(body: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


async def _body(request: Request) -> dict[str, Any]:
    """The request body as a mapping: JSON object or form fields; 400 if it is malformed."""
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
        parsed = orjson.loads(raw)
    except (orjson.JSONDecodeError, UnicodeDecodeError, ValueError) as error:
        raise MalformedRequest("The request body is not valid JSON.") from error
    if not isinstance(parsed, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    return parsed


def _required_strings(body: Mapping[str, Any], *names: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for name in names:
        value = body.get(name)
        words = name.replace("_", " ")
        if value is None or (isinstance(value, str) and not value.strip()):
            errors[name] = [f"The {words} field is required."]
        elif not isinstance(value, str):
            errors[name] = [f"The {words} must be a string."]
        else:
            values[name] = value
    if errors:
        raise ValidationFailed(errors)
    return values


@dataclass
class _Server:
    """What every route of one sandbox shares: its database, sign-in and options, and the thread
    that reads large list pages."""

    db: Database
    options: SandboxOptions
    authenticator: Authenticator
    # Large list pages are read and encoded by one thread, one page at a time: the event loop
    # stays free for other connections, and pages do not fight each other for the GIL (with the
    # general thread pool, 8 concurrent 1000-row pages cost ~2.7x the CPU of the same pages read
    # one after the other).
    page_reader: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="sandbox-pages"
        )
    )

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``fn`` on the general thread pool (database work off the event loop)."""
        return await run_in_threadpool(fn, *args, **kwargs)

    async def read_large(self, fn: Callable[[], bytes]) -> bytes:
        """``fn`` on the page reader thread."""
        return await asyncio.get_running_loop().run_in_executor(self.page_reader, fn)

    async def caller(self, request: Request) -> Principal:
        """Who sent the request (401 without a valid token)."""
        authorization = request.headers.get("authorization")
        # A known token is answered from memory on the loop; only a new one needs the database.
        known = self.authenticator.remembered(authorization)
        if known is not None:
            return known
        return await self.run(self.authenticator.principal, authorization)

    async def tenant(self, request: Request) -> Principal:
        """The caller, checked against the X-Tenant header (401 without it, 403 for another)."""
        principal = await self.caller(request)
        domain = request.headers.get("x-tenant")
        if not domain:
            raise Unauthenticated
        if domain.strip() != principal.tenant_domain:
            raise Forbidden
        return principal

    def close(self) -> None:
        self.page_reader.shutdown(wait=True)
        self.db.close()

    def error(self, error: ApiError, status: int | None = None) -> Response:
        """The error body in the configured shape (with or without a ``success`` flag)."""
        body = error.body(success_flag=self.options.success_flag)
        return _json(body, error.status if status is None else status)


def create_app(
    *, db_path: Path, options: SandboxOptions, static_tokens: Mapping[str, str]
) -> FastAPI:
    """The ASGI app serving one (already created) sandbox database."""
    db = Database(db_path)
    server = _Server(db, options, Authenticator(db, static_tokens=static_tokens))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        server.close()

    app = FastAPI(
        title="DokStamp sandbox",
        version="1.0",
        description="A local DokStamp-compatible API over SQLite (dokstamp_sandbox/DECISIONS.md).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.db = db
    app.state.options = options
    app.add_middleware(TrafficMiddleware, options=options)
    _add_error_handlers(app, server)
    _add_auth_routes(app, server)
    for resource in RESOURCES.values():
        _add_resource_routes(app, resource, server)
    _declare_bearer_security(app)
    return app


def _add_error_handlers(app: FastAPI, server: _Server) -> None:
    """Every error answers in DokStamp's body shape, including FastAPI's own 404/405/422."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> Response:
        return server.error(error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        mapped: ApiError = NotFound() if error.status_code == 404 else ApiError(str(error.detail))
        if error.status_code == 405:
            mapped = MethodNotAllowed("The method is not supported for this route.")
        status = mapped.status if error.status_code in (404, 405) else error.status_code
        return server.error(mapped, status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, error: RequestValidationError) -> Response:
        fields = {
            ".".join(str(part) for part in item["loc"][1:]) or "request": [str(item["msg"])]
            for item in error.errors()
        }
        return server.error(ValidationFailed(fields))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> Response:
        return server.error(ApiError("Server Error"), 500)


def _add_auth_routes(app: FastAPI, server: _Server) -> None:
    """Client credentials, user login, refresh, logout and ``/auth/me``."""
    authenticator = server.authenticator

    @app.post("/oauth/token", tags=["auth"], openapi_extra={"requestBody": CLIENT_CREDENTIALS_BODY})
    async def oauth_token(request: Request) -> Response:
        """Client credentials grant: a 12 h Bearer token for the client's tenant."""
        body = await _body(request)
        form = {key: value for key, value in body.items() if isinstance(value, str)}
        return _json(await server.run(authenticator.client_credentials, form))

    @app.post("/auth/login", tags=["auth"], openapi_extra={"requestBody": LOGIN_BODY})
    async def login(request: Request) -> Response:
        """User login: access + refresh token (1 year)."""
        values = _required_strings(await _body(request), "email", "password")
        return _json(await server.run(authenticator.login, **values))

    @app.post("/auth/refresh", tags=["auth"], openapi_extra={"requestBody": REFRESH_BODY})
    async def refresh(request: Request) -> Response:
        """New tokens for a refresh token; the old refresh token stops working."""
        values = _required_strings(await _body(request), "refresh_token")
        return _json(await server.run(authenticator.refresh, values["refresh_token"]))

    @app.post("/auth/logout", tags=["auth"], openapi_extra={"security": _BEARER})
    async def logout(request: Request) -> Response:
        """Revoke the calling token."""
        principal = await server.caller(request)
        await server.run(authenticator.logout, principal)
        return _json({"message": "Successfully logged out"})

    @app.get("/auth/me", tags=["auth"], openapi_extra={"security": _BEARER})
    async def me(request: Request) -> Response:
        """The calling user (or API client) and the tenant its token is bound to."""
        principal = await server.caller(request)
        return _json(await server.run(authenticator.me, principal))


def _declare_bearer_security(app: FastAPI) -> None:
    """The OpenAPI document names the Bearer scheme the routes' ``security`` refers to."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"}
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_resource_routes(app: FastAPI, resource: Resource, server: _Server) -> None:
    """GET list and one; and, for writable resources, POST, PATCH/PUT, DELETE, batch destroy.

    In this order, so the OpenAPI document lists each resource's operations as before.
    """
    rules = WRITE_RULES.get(resource.name)
    _add_list_route(app, resource, server)
    if rules is not None:
        _add_collection_writes(app, resource, rules, server)
    _add_get_route(app, resource, server)
    if rules is not None:
        _add_item_writes(app, resource, rules, server)


def _path_extra() -> dict[str, Any]:
    return {"parameters": [TENANT_HEADER], "security": _BEARER}


def _add_list_route(app: FastAPI, resource: Resource, server: _Server) -> None:
    name = resource.name

    async def list_resource(request: Request) -> Response:
        principal = await server.tenant(request)
        query = parse_list_query(
            request.query_params.multi_items(), resource=resource, options=server.options
        )
        url = f"{str(request.base_url).rstrip('/')}/{name}"

        def read_page() -> bytes:
            page = list_page(
                server.db,
                resource,
                tenant_id=principal.tenant_id,
                query=query,
                url=url,
                options=server.options,
            )
            return orjson.dumps(page)

        # A page of up to INLINE_PAGE_ROWS rows is read on the event loop: under the GIL a
        # worker thread buys no parallelism for it, and the hops and GIL hand-offs cost ~30-50%
        # more CPU once several requests are in flight. Larger pages go to the page reader
        # thread, so one of them does not hold up the other connections for long.
        if query.per_page <= INLINE_PAGE_ROWS:
            content = read_page()
        else:
            content = await server.read_large(read_page)
        return Response(content, media_type="application/json")

    app.add_api_route(
        f"/{name}",
        list_resource,
        methods=["GET"],
        tags=[name],
        operation_id=f"list_{name}",
        summary=f"List {name} (paginated)",
        openapi_extra={"parameters": list_parameters(resource), "security": _BEARER},
    )


def _add_get_route(app: FastAPI, resource: Resource, server: _Server) -> None:
    single = resource.name.removesuffix("s")

    async def get_one(request: Request, uuid: str) -> Response:
        principal = await server.tenant(request)

        def read() -> dict[str, Any]:
            with server.db.snapshot() as connection:
                row = writes.read_one(
                    connection, resource, tenant_id=principal.tenant_id, uuid=uuid
                )
            return {"data": resource.render(row, server.options)}

        return _json(await server.run(read))

    app.add_api_route(
        f"/{resource.name}/{{uuid}}",
        get_one,
        methods=["GET"],
        tags=[resource.name],
        operation_id=f"get_{single}",
        summary=f"Get one {single}",
        openapi_extra=_path_extra(),
    )


def _add_collection_writes(
    app: FastAPI, resource: Resource, rules: tuple[FieldRule, ...], server: _Server
) -> None:
    """POST /{name} and DELETE /{name}/batch/destroy."""
    name, single = resource.name, resource.name.removesuffix("s")
    db, options = server.db, server.options

    async def create(request: Request) -> Response:
        principal = await server.tenant(request)
        body = await _body(request)
        row = await server.run(
            writes.create, db, resource, tenant_id=principal.tenant_id, body=body
        )
        return _json({"data": resource.render(row, options)}, 201)

    async def destroy_batch(request: Request) -> Response:
        principal = await server.tenant(request)
        body = await _body(request)
        await server.run(
            writes.batch_destroy,
            db,
            resource,
            tenant_id=principal.tenant_id,
            body=body,
            protected_status=options.protected_delete_status,
        )
        return Response(status_code=204)

    app.add_api_route(
        f"/{name}",
        create,
        methods=["POST"],
        status_code=201,
        tags=[name],
        operation_id=f"create_{single}",
        summary=f"Create a {single}",
        openapi_extra={**_path_extra(), "requestBody": body_schema(rules, partial=False)},
    )
    app.add_api_route(
        f"/{name}/batch/destroy",
        destroy_batch,
        methods=["DELETE"],
        status_code=204,
        tags=[name],
        operation_id=f"destroy_{name}",
        summary=f"Soft-delete several {name} (all or none)",
        openapi_extra={**_path_extra(), "requestBody": UUIDS_BODY},
    )


def _add_item_writes(
    app: FastAPI, resource: Resource, rules: tuple[FieldRule, ...], server: _Server
) -> None:
    """PATCH and PUT (both partial) and DELETE on /{name}/{uuid}."""
    name, single = resource.name, resource.name.removesuffix("s")
    db, options = server.db, server.options

    async def change(request: Request, uuid: str) -> Response:
        principal = await server.tenant(request)
        body = await _body(request)
        row = await server.run(
            writes.update, db, resource, tenant_id=principal.tenant_id, uuid=uuid, body=body
        )
        return _json({"data": resource.render(row, options)})

    async def remove(request: Request, uuid: str) -> Response:
        principal = await server.tenant(request)
        await server.run(
            writes.delete,
            db,
            resource,
            tenant_id=principal.tenant_id,
            uuid=uuid,
            protected_status=options.protected_delete_status,
        )
        return Response(status_code=204)

    for method in ("PATCH", "PUT"):
        app.add_api_route(
            f"/{name}/{{uuid}}",
            change,
            methods=[method],
            tags=[name],
            operation_id=f"{method.lower()}_{single}",
            summary=f"Update a {single} (partial; PUT behaves as PATCH)",
            openapi_extra={**_path_extra(), "requestBody": body_schema(rules, partial=True)},
        )
    app.add_api_route(
        f"/{name}/{{uuid}}",
        remove,
        methods=["DELETE"],
        status_code=204,
        tags=[name],
        operation_id=f"delete_{single}",
        summary=f"Soft-delete a {single}",
        openapi_extra=_path_extra(),
    )
