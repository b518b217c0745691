"""The admin API for tests and demos (``/_emulator/...``): simulated clock, faults, config and a
dump of the state. It is not Azure: no auth, and faults and latency do not apply to it."""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.emulator import json_input
from reconciler.emulator.clock import MAX_ADVANCE_SECONDS
from reconciler.emulator.faults import FaultSpecError, FaultTable, parse_faults
from reconciler.emulator.state import (
    MAX_ARM_PAGE_SIZE,
    MAX_LATENCY_MS,
    MAX_PROVISION_SECONDS,
    EmulatorState,
)

MAX_BODY_BYTES = 1024 * 1024  # admin bodies are a few hundred bytes


class AdminRequestError(ValueError):
    pass


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"code": "InvalidAdminRequest", "message": message}}, status)


async def _json(request: Request) -> tuple[Any, JSONResponse | None]:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None, _error(f"the body is larger than {MAX_BODY_BYTES} bytes", 413)
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            return None, _error(f"the body is larger than {MAX_BODY_BYTES} bytes", 413)
    try:
        return json_input.parse(bytes(raw) or b"null"), None
    except json_input.JsonInputError as exc:
        return None, _error(str(exc))


def _number(value: Any) -> float | None:
    """A finite number (json_input refuses the others; this keeps the check local too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _bounded(body: dict[str, Any], name: str, high: float, *, integer: bool, low: float) -> float:
    value = _number(body[name])
    if value is None or not low <= value <= high or (integer and not value.is_integer()):
        kind = "an integer" if integer else "a number"
        raise AdminRequestError(f"{name} must be {kind} from {low:g} to {high:g}")
    return value


def _config_changes(body: Any) -> dict[str, float]:
    """Every change a config body asks for, all checked before any is applied."""
    allowed = {"provision_seconds", "latency_ms", "arm_page_size"}
    if not isinstance(body, dict) or set(body) - allowed:
        raise AdminRequestError(
            "expected an object with provision_seconds, latency_ms and/or arm_page_size"
        )
    limits = {
        "arm_page_size": (1, MAX_ARM_PAGE_SIZE, True),
        "provision_seconds": (0, MAX_PROVISION_SECONDS, False),
        "latency_ms": (0, MAX_LATENCY_MS, True),
    }
    return {
        name: _bounded(body, name, high, integer=integer, low=low)
        for name, (low, high, integer) in limits.items()
        if name in body
    }


def admin_routes(state: EmulatorState, faults: FaultTable) -> list[BaseRoute]:
    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"now": state.clock.now(), "speed": state.config.speed})
        body, problem = await _json(request)
        if problem is not None:
            return problem
        advance = _number(body.get("advance")) if isinstance(body, dict) else None
        if advance is None or not 0 <= advance <= MAX_ADVANCE_SECONDS:
            return _error('expected {"advance": SECONDS} with 0 <= SECONDS <= 10 years')
        try:
            state.clock.advance(advance)
        except ValueError as exc:
            return _error(str(exc))
        return JSONResponse({"now": state.clock.now(), "advanced": advance})

    async def fault_list(request: Request) -> Response:
        if request.method == "DELETE":
            faults.clear()
            return JSONResponse({"faults": []})
        if request.method == "GET":
            return JSONResponse({"faults": faults.describe()})
        body, problem = await _json(request)
        if problem is not None:
            return problem
        try:
            faults.add(parse_faults(body))
        except FaultSpecError as exc:
            return _error(str(exc))
        return JSONResponse({"faults": faults.describe()})

    async def config(request: Request) -> Response:
        if request.method == "POST":
            body, problem = await _json(request)
            if problem is not None:
                return problem
            try:
                changes = _config_changes(body)
            except AdminRequestError as exc:
                return _error(str(exc))
            if "arm_page_size" in changes:
                state.config.arm_page_size = int(changes["arm_page_size"])
            if "provision_seconds" in changes:
                state.config.provision_seconds = changes["provision_seconds"]
            if "latency_ms" in changes:
                state.config.latency_ms = int(changes["latency_ms"])
        return JSONResponse(
            {
                "speed": state.config.speed,
                "latency_ms": state.config.latency_ms,
                "provision_seconds": state.config.provision_seconds,
                "arm_page_size": state.config.arm_page_size,
            }
        )

    async def request_log(request: Request) -> Response:
        if request.method == "DELETE":
            faults.clear_requests()
            return JSONResponse({"requests": []})
        return JSONResponse({"requests": [{"method": m, "path": p} for m, p in faults.requests()]})

    async def dump(request: Request) -> Response:
        return JSONResponse(await run_in_threadpool(state_dump, state))

    return [
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/faults", fault_list, methods=["GET", "POST", "DELETE"]),
        Route("/config", config, methods=["GET", "POST"]),
        Route("/state", dump, methods=["GET"]),
        Route("/requests", request_log, methods=["GET", "DELETE"]),
    ]


def state_dump(state: EmulatorState) -> dict[str, Any]:
    """Everything the emulator holds, by kind and key (no token or key: those live only in
    connection.json)."""
    with state.store.transaction():
        kinds = {kind: dict(state.store.items(kind)) for kind in state.store.kinds()}
    return {
        "now": state.clock.now(),
        "config": {
            "speed": state.config.speed,
            "latency_ms": state.config.latency_ms,
            "provision_seconds": state.config.provision_seconds,
        },
        "accounts": [
            {
                "subscription_id": a.subscription_id,
                "resource_group": a.resource_group,
                "name": a.name,
                "location": a.location,
                "kind": a.kind,
                "tenant_id": a.tenant_id,
                "id": a.arm_id,
                "endpoint": state.account_endpoint(a.name),
            }
            for a in state.accounts.values()
        ],
        "quotas": [
            {"subscription_id": s, "location": loc, "name": n, "limit": limit}
            for (s, loc, n), limit in state.quotas.items()
        ],
        "kinds": kinds,
    }
