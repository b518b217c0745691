"""The admin API for tests and demos (``/_emulator/...``): simulated clock, faults, config and a
dump of the state. It is not Azure: no auth, and faults and latency do not apply to it."""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.emulator.faults import FaultSpecError, FaultTable, parse_faults
from reconciler.emulator.state import EmulatorState


def _error(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"code": "InvalidAdminRequest", "message": message}}, status)


async def _json(request: Request) -> tuple[Any, JSONResponse | None]:
    raw = await request.body()
    try:
        return json.loads(raw or b"null"), None
    except (ValueError, RecursionError):
        return None, _error("the body is not valid JSON")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def admin_routes(state: EmulatorState, faults: FaultTable) -> list[BaseRoute]:
    async def clock(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"now": state.clock.now(), "speed": state.config.speed})
        body, problem = await _json(request)
        if problem is not None:
            return problem
        advance = _number(body.get("advance")) if isinstance(body, dict) else None
        if advance is None or advance < 0 or advance > 10 * 365 * 86400:
            return _error('expected {"advance": SECONDS} with 0 <= SECONDS <= 10 years')
        state.clock.advance(advance)
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
            allowed = {"provision_seconds", "latency_ms", "arm_page_size"}
            if not isinstance(body, dict) or set(body) - allowed:
                return _error(
                    "expected an object with provision_seconds, latency_ms and/or arm_page_size"
                )
            if "arm_page_size" in body:
                size = _number(body["arm_page_size"])
                if size is None or size < 1 or size != int(size):
                    return _error("arm_page_size must be a positive integer")
                state.config.arm_page_size = int(size)
            if "provision_seconds" in body:
                value = _number(body["provision_seconds"])
                if value is None or value < 0:
                    return _error("provision_seconds must be a non-negative number")
                state.config.provision_seconds = value
            if "latency_ms" in body:
                value = _number(body["latency_ms"])
                if value is None or value < 0:
                    return _error("latency_ms must be a non-negative number")
                state.config.latency_ms = int(value)
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
