"""The emulator as one ASGI app: ARM at the root, the data plane under ``/dp/{account}``, the
admin API under ``/_emulator``; faults and latency around everything but the admin API."""

from __future__ import annotations

import json
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.emulator.admin import admin_routes
from reconciler.emulator.arm import arm_routes
from reconciler.emulator.arm_activity import activity_routes
from reconciler.emulator.dataplane import dataplane_routes
from reconciler.emulator.faults import DroppedConnection, FaultMiddleware, FaultTable
from reconciler.emulator.state import EmulatorState

log = logging.getLogger("reconciler.emulator")

_DP_NOT_FOUND = {"error": {"code": "404", "message": "Resource not found"}}


class AccountGuard:
    """404 in the data plane's style for an account the seed does not hold."""

    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        account = scope.get("path_params", {}).get("account")
        if scope["type"] == "http" and account not in self.state.accounts:
            await JSONResponse(_DP_NOT_FOUND, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if request.url.path.startswith("/dp/"):
        if status == 404:
            return JSONResponse(_DP_NOT_FOUND, status_code=404)
        body = {"error": {"code": str(status), "message": f"HTTP {status}"}}
        return JSONResponse(body, status_code=status)
    codes = {404: "NotFound", 405: "MethodNotAllowed"}
    code = codes.get(status, f"Http{status}")
    message = (
        f"No HTTP resource was found that matches the request URI '{request.url.path}'."
        if status == 404
        else f"The requested resource does not support http method '{request.method}'."
        if status == 405
        else f"HTTP {status}"
    )
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _internal_error(request: Request, exc: Exception) -> Response:
    # A client that went away mid-request (killed, timed out) is no emulator bug.
    if not isinstance(exc, DroppedConnection | ClientDisconnect):
        log.error("emulator bug on %s %s", request.method, request.url.path, exc_info=exc)
    body = {
        "error": {
            "code": "InternalServerError",
            "message": f"The emulator failed unexpectedly ({type(exc).__name__}); "
            "this is a bug in the emulator.",
        }
    }
    return Response(json.dumps(body), status_code=500, media_type="application/json")


def build_app(state: EmulatorState, faults: FaultTable | None = None) -> Starlette:
    faults = faults or FaultTable()
    routes = [
        Mount("/_emulator", routes=admin_routes(state, faults)),
        Mount("/dp/{account}", app=AccountGuard(Router(routes=dataplane_routes(state)), state)),
        *activity_routes(state),
        *arm_routes(state),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(FaultMiddleware, table=faults, config=state.config)],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
