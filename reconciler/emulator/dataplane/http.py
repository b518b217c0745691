"""The request plumbing shared by every data-plane route: which URL style was called, the
account, authentication, bodies and query parameters, and how answers and errors are shaped.

Differences between the styles handled here, once:
- v1 (``/openai/v1/...``): every success is 200 with a JSON body; errors in OpenAI's shape.
- api-version (``/openai/...?api-version=``): the query parameter is required (404 without it,
  as Azure answers); creates answer 201 with ``Location``; a job or model DELETE answers 204;
  errors in Azure's shape.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.emulator import json_input
from reconciler.emulator.api_versions import Surface, check_data_plane
from reconciler.emulator.dataplane import job_records
from reconciler.emulator.dataplane.auth import check_caller
from reconciler.emulator.dataplane.errors import ApiError, bad_request, not_found
from reconciler.emulator.state import EmulatorState, SeedAccount

MAX_JSON_BYTES = 32 * 1024 * 1024
# Ids and cursors are tens of characters; a longer query value is garbage, refused as such.
MAX_QUERY_CHARS = 1024


class Style(Enum):
    V1 = "v1"
    AZURE = "api-version"

    @property
    def prefix(self) -> str:
        return "/openai/v1" if self is Style.V1 else "/openai"


@dataclass(frozen=True)
class Created:
    """A new object: 200 in v1; 201 with ``Location: <endpoint>/openai/<path>`` in api-version."""

    body: dict[str, Any]
    path: str


@dataclass(frozen=True)
class Deleted:
    """v1 answers the body with 200; api-version answers ``azure_status`` (204: no body)."""

    body: dict[str, Any]
    azure_status: int = 204


Reply = dict[str, Any] | Created | Deleted | Response


class Call:
    """One authenticated data-plane request on one account."""

    def __init__(
        self, state: EmulatorState, request: Request, account: SeedAccount, style: Style
    ) -> None:
        self.state = state
        self.request = request
        self.account = account
        self.style = style

    @property
    def name(self) -> str:
        return self.account.name

    @property
    def v1(self) -> bool:
        return self.style is Style.V1

    @property
    def api_version(self) -> str | None:
        return self.request.query_params.get("api-version")

    def now(self) -> float:
        return self.state.clock.now()

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def endpoint(self) -> str:
        url = self.request.url
        return f"{url.scheme}://{url.netloc}/dp/{self.name}/"

    async def json(self) -> dict[str, Any]:
        declared = self.request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_JSON_BYTES:
            raise bad_request("The request body is too large")
        raw = bytearray()
        async for chunk in self.request.stream():
            raw += chunk
            if len(raw) > MAX_JSON_BYTES:
                raise bad_request("The request body is too large")
        try:
            body = json_input.parse(bytes(raw))
        except json_input.JsonInputError as exc:
            raise bad_request(f"The request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object")
        return body

    def query_str(self, name: str) -> str | None:
        value = self.request.query_params.get(name)
        if value is not None and len(value) > MAX_QUERY_CHARS:
            raise bad_request(
                f"Query parameter {name} is longer than {MAX_QUERY_CHARS} characters", param=name
            )
        return value

    def query_int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.query_str(name)
        if raw is None or raw == "":
            return default
        try:
            # A few digits at most: int() of thousands is slow before it is refused.
            value = int(raw) if len(raw) <= 20 else low - 1
        except ValueError:
            raise bad_request(f"Query parameter {name} must be an integer", param=name) from None
        if not low <= value <= high:
            raise bad_request(
                f"Query parameter {name} must be between {low} and {high}", param=name
            )
        return value


# --- typed fields of a JSON body ---


def req_str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"'{name}' is required and must be a non-empty string", param=name)
    return value


def opt_str(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise bad_request(f"'{name}' must be a non-empty string", param=name)
    return value


def opt_int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"'{name}' must be an integer", param=name)
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        raise bad_request(f"'{name}' must be an integer", param=name)
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}", param=name)
    return int(value)


# --- pages ---


def page(
    items: list[dict[str, Any]], after: str | None, limit: int
) -> tuple[list[dict[str, Any]], bool]:
    """The ``limit`` items following the one whose id is ``after`` (from the start without it)."""
    start = 0
    if after:
        ids = [item["id"] for item in items]
        start = ids.index(after) + 1 if after in ids else len(items)
    chosen = items[start : start + limit]
    return chosen, start + limit < len(items)


def list_body(data: list[dict[str, Any]], has_more: bool, *, ids: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"object": "list", "data": data, "has_more": has_more}
    if ids:
        body["first_id"] = data[0]["id"] if data else None
        body["last_id"] = data[-1]["id"] if data else None
    return body


# --- the wrapper ---


def _error(style: Style, error: ApiError) -> Response:
    body = error.v1_body() if style is Style.V1 else error.azure_body()
    return JSONResponse(body, status_code=error.status)


def _render(call: Call, reply: Reply) -> Response:
    if isinstance(reply, Response):
        return reply
    if isinstance(reply, Created):
        if call.v1:
            return JSONResponse(reply.body)
        return JSONResponse(
            reply.body,
            status_code=201,
            headers={"Location": f"{call.endpoint()}openai/{reply.path}"},
        )
    if isinstance(reply, Deleted):
        if call.v1:
            return JSONResponse(reply.body)
        if reply.azure_status == 204:
            return Response(status_code=204)
        return JSONResponse(reply.body, status_code=reply.azure_status)
    return JSONResponse(reply)


Handler = Callable[[Call], Awaitable[Reply]]


def endpoint(
    state: EmulatorState, style: Style, handler: Handler, surface: Surface = Surface.AUTHORING
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            account = state.accounts.get(str(request.path_params.get("account", "")))
            if account is None:
                raise not_found("Resource not found")
            check_data_plane(
                request.query_params.get("api-version"), v1=style is Style.V1, surface=surface
            )
            check_caller(state, request, account, style is Style.V1)
            call = Call(state, request, account, style)
            job_records.settle(state, account.name)
            return _render(call, await handler(call))
        except ApiError as error:
            return _error(style, error)

    return run


def route(
    state: EmulatorState,
    style: Style,
    path: str,
    handler: Handler,
    methods: list[str],
    surface: Surface = Surface.AUTHORING,
) -> Route:
    return Route(f"{style.prefix}{path}", endpoint(state, style, handler, surface), methods=methods)


def both(state: EmulatorState, path: str, handler: Handler, methods: list[str]) -> list[BaseRoute]:
    """The same operation under both URL styles."""
    return [route(state, style, path, handler, methods) for style in (Style.V1, Style.AZURE)]


def fallbacks(state: EmulatorState) -> list[BaseRoute]:
    """404 in the right shape for any other path under the account's data plane."""

    async def missing(call: Call) -> Reply:
        raise not_found("Resource not found")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return [
        Route("/openai/v1/{rest:path}", endpoint(state, Style.V1, missing), methods=methods),
        Route("/{rest:path}", endpoint(state, Style.AZURE, missing), methods=methods),
    ]
