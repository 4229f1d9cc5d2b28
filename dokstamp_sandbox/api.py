"""The sandbox's FastAPI application: auth routes, resource routes and error bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl

import orjson
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dokstamp_sandbox import writes
from dokstamp_sandbox.api_schema import TENANT_HEADER, UUIDS_BODY, body_schema, list_parameters
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
from dokstamp_sandbox.validation import WRITE_RULES

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


def create_app(
    *, db_path: Path, options: SandboxOptions, static_tokens: Mapping[str, str]
) -> FastAPI:
    """The ASGI app serving one (already created) sandbox database."""
    db = Database(db_path)
    authenticator = Authenticator(db, static_tokens=static_tokens)
    # Large list pages are read and encoded by one thread, one page at a time: the event loop
    # stays free for other connections, and pages do not fight each other for the GIL (with the
    # general thread pool, 8 concurrent 1000-row pages cost ~2.7x the CPU of the same pages read
    # one after the other).
    page_reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-pages")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        page_reader.shutdown(wait=True)
        db.close()

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

    async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(fn, *args, **kwargs)

    async def read_large(fn: Callable[[], bytes]) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(page_reader, fn)

    async def caller(request: Request) -> Principal:
        authorization = request.headers.get("authorization")
        # A known token is answered from memory on the loop; only a new one needs the database.
        known = authenticator.remembered(authorization)
        if known is not None:
            return known
        return await run(authenticator.principal, authorization)

    async def tenant(request: Request) -> Principal:
        principal = await caller(request)
        domain = request.headers.get("x-tenant")
        if not domain:
            raise Unauthenticated
        if domain.strip() != principal.tenant_domain:
            raise Forbidden
        return principal

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> Response:
        return _json(error.body(success_flag=options.success_flag), error.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> Response:
        mapped: ApiError = NotFound() if error.status_code == 404 else ApiError(str(error.detail))
        if error.status_code == 405:
            mapped = MethodNotAllowed("The method is not supported for this route.")
        status = mapped.status if error.status_code in (404, 405) else error.status_code
        return _json(mapped.body(success_flag=options.success_flag), status)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_: Request, error: RequestValidationError) -> Response:
        fields = {
            ".".join(str(part) for part in item["loc"][1:]) or "request": [str(item["msg"])]
            for item in error.errors()
        }
        failed = ValidationFailed(fields)
        return _json(failed.body(success_flag=options.success_flag), failed.status)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> Response:
        body = ApiError("Server Error").body(success_flag=options.success_flag)
        return _json(body, 500)

    # --- authentication -------------------------------------------------------------------
    form_body = {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["grant_type", "client_id", "client_secret"],
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "client_id": {"type": "string"},
                        "client_secret": {"type": "string"},
                    },
                }
            }
        },
    }

    @app.post("/oauth/token", tags=["auth"], openapi_extra={"requestBody": form_body})
    async def oauth_token(request: Request) -> Response:
        """Client credentials grant: a 12 h Bearer token for the client's tenant."""
        body = await _body(request)
        form = {key: value for key, value in body.items() if isinstance(value, str)}
        return _json(await run(authenticator.client_credentials, form))

    login_body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["email", "password"],
                    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
                }
            }
        },
    }

    @app.post("/auth/login", tags=["auth"], openapi_extra={"requestBody": login_body})
    async def login(request: Request) -> Response:
        """User login: access + refresh token (1 year)."""
        values = _required_strings(await _body(request), "email", "password")
        return _json(await run(authenticator.login, **values))

    refresh_body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["refresh_token"],
                    "properties": {"refresh_token": {"type": "string"}},
                }
            }
        },
    }

    @app.post("/auth/refresh", tags=["auth"], openapi_extra={"requestBody": refresh_body})
    async def refresh(request: Request) -> Response:
        """New tokens for a refresh token; the old refresh token stops working."""
        values = _required_strings(await _body(request), "refresh_token")
        return _json(await run(authenticator.refresh, values["refresh_token"]))

    @app.post("/auth/logout", tags=["auth"], openapi_extra={"security": _BEARER})
    async def logout(request: Request) -> Response:
        """Revoke the calling token."""
        principal = await caller(request)
        await run(authenticator.logout, principal)
        return _json({"message": "Successfully logged out"})

    @app.get("/auth/me", tags=["auth"], openapi_extra={"security": _BEARER})
    async def me(request: Request) -> Response:
        """The calling user (or API client) and the tenant its token is bound to."""
        principal = await caller(request)
        return _json(await run(authenticator.me, principal))

    for resource in RESOURCES.values():
        _add_resource_routes(
            app, resource, db=db, options=options, tenant=tenant, run=run, read_large=read_large
        )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = FastAPI.openapi(app)
            schema.setdefault("components", {})["securitySchemes"] = {
                "bearer": {"type": "http", "scheme": "bearer"}
            }
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _add_resource_routes(
    app: FastAPI,
    resource: Resource,
    *,
    db: Database,
    options: SandboxOptions,
    tenant: Callable[[Request], Any],
    run: Callable[..., Any],
    read_large: Callable[[Callable[[], bytes]], Awaitable[bytes]],
) -> None:
    """GET list and one; and, for writable resources, POST, PATCH/PUT, DELETE, batch destroy."""
    name = resource.name
    single = name.removesuffix("s")
    path_extra = {"parameters": [TENANT_HEADER], "security": _BEARER}

    def base_url(request: Request) -> str:
        return f"{str(request.base_url).rstrip('/')}/{name}"

    async def list_resource(request: Request) -> Response:
        principal = await tenant(request)
        query = parse_list_query(
            request.query_params.multi_items(), resource=resource, options=options
        )
        url = base_url(request)

        def read_page() -> bytes:
            page = list_page(
                db, resource, tenant_id=principal.tenant_id, query=query, url=url, options=options
            )
            return orjson.dumps(page)

        # A page of up to INLINE_PAGE_ROWS rows is read on the event loop: under the GIL a
        # worker thread buys no parallelism for it, and the hops and GIL hand-offs cost ~30-50%
        # more CPU once several requests are in flight. Larger pages go to the page reader
        # thread, so one of them does not hold up the other connections for long.
        if query.per_page <= INLINE_PAGE_ROWS:
            content = read_page()
        else:
            content = await read_large(read_page)
        return Response(content, media_type="application/json")

    async def get_one(request: Request, uuid: str) -> Response:
        principal = await tenant(request)

        def read() -> dict[str, Any]:
            with db.snapshot() as connection:
                row = writes.read_one(
                    connection, resource, tenant_id=principal.tenant_id, uuid=uuid
                )
            return {"data": resource.render(row, options)}

        return _json(await run(read))

    app.add_api_route(
        f"/{name}",
        list_resource,
        methods=["GET"],
        tags=[name],
        operation_id=f"list_{name}",
        summary=f"List {name} (paginated)",
        openapi_extra={"parameters": list_parameters(resource), "security": _BEARER},
    )
    rules = WRITE_RULES.get(name)
    if rules is not None:

        async def create(request: Request) -> Response:
            principal = await tenant(request)
            body = await _body(request)
            row = await run(writes.create, db, resource, tenant_id=principal.tenant_id, body=body)
            return _json({"data": resource.render(row, options)}, 201)

        async def destroy_batch(request: Request) -> Response:
            principal = await tenant(request)
            body = await _body(request)
            await run(
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
            openapi_extra={**path_extra, "requestBody": body_schema(rules, partial=False)},
        )
        app.add_api_route(
            f"/{name}/batch/destroy",
            destroy_batch,
            methods=["DELETE"],
            status_code=204,
            tags=[name],
            operation_id=f"destroy_{name}",
            summary=f"Soft-delete several {name} (all or none)",
            openapi_extra={**path_extra, "requestBody": UUIDS_BODY},
        )

    app.add_api_route(
        f"/{name}/{{uuid}}",
        get_one,
        methods=["GET"],
        tags=[name],
        operation_id=f"get_{single}",
        summary=f"Get one {single}",
        openapi_extra=path_extra,
    )
    if rules is None:
        return

    async def change(request: Request, uuid: str) -> Response:
        principal = await tenant(request)
        body = await _body(request)
        row = await run(
            writes.update, db, resource, tenant_id=principal.tenant_id, uuid=uuid, body=body
        )
        return _json({"data": resource.render(row, options)})

    async def remove(request: Request, uuid: str) -> Response:
        principal = await tenant(request)
        await run(
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
            openapi_extra={**path_extra, "requestBody": body_schema(rules, partial=True)},
        )
    app.add_api_route(
        f"/{name}/{{uuid}}",
        remove,
        methods=["DELETE"],
        status_code=204,
        tags=[name],
        operation_id=f"delete_{single}",
        summary=f"Soft-delete a {single}",
        openapi_extra=path_extra,
    )
