"""The Activity Log's ARM route (Microsoft.Insights ``ActivityLogs_List``): authenticated like
every ARM call, its own api-version (2015-04-01), the subscription's deployments settled first
(so the service's removals due by now are in the log), paged with ``nextLink``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.emulator import activity_log, arm_deployments
from reconciler.emulator.arm_errors import ArmError, bad_request, subscription_not_found
from reconciler.emulator.auth import check_arm_token
from reconciler.emulator.state import EmulatorState

PATH = "/subscriptions/{subscription}/providers/Microsoft.Insights/eventtypes/management/values"
_SKIP_TOKEN_DIGITS = 9


def _check_api_version(version: str | None) -> None:
    if not version:
        raise ArmError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version != activity_log.API_VERSION:
        raise ArmError(
            400,
            "InvalidApiVersionParameter",
            f"The api-version '{version[:40]}' is invalid. The supported versions are "
            f"'{activity_log.API_VERSION}'.",
        )


def _list(request: Request, state: EmulatorState) -> Response:
    wanted = str(request.path_params["subscription"]).lower()
    accounts = [a for a in state.accounts.values() if a.subscription_id.lower() == wanted]
    if not accounts:
        raise subscription_not_found(str(request.path_params["subscription"]))
    subscription = accounts[0].subscription_id
    text = request.query_params.get("$filter")
    query = activity_log.parse_filter(text)
    for account in accounts:
        arm_deployments.settle(state, account)
    found = activity_log.events(state, subscription, query)
    token = request.query_params.get("$skipToken", "0")
    if not (token.isascii() and token.isdigit() and len(token) <= _SKIP_TOKEN_DIGITS):
        raise bad_request(f"The $skipToken '{token[:40]}' is invalid.", target="$skipToken")
    offset = int(token)
    size = max(1, state.config.arm_page_size)
    body: dict[str, object] = {"value": found[offset : offset + size]}
    if offset + size < len(found):
        body["nextLink"] = (
            f"{state.base_url}{request.url.path}?api-version={activity_log.API_VERSION}"
            f"&$filter={quote(str(text), safe='')}&$skipToken={offset + size}"
        )
    return JSONResponse(body)


def _endpoint(state: EmulatorState) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            check_arm_token(request, state)
            _check_api_version(request.query_params.get("api-version"))
            return await run_in_threadpool(_list, request, state)
        except ArmError as error:
            return error.response()

    return endpoint


def activity_routes(state: EmulatorState) -> list[BaseRoute]:
    # ARM paths are case-insensitive: the SDK writes Microsoft.Insights, the spec lower case.
    return [
        Route(PATH, _endpoint(state), methods=["GET"]),
        Route(
            PATH.replace("Microsoft.Insights", "microsoft.insights"),
            _endpoint(state),
            methods=["GET"],
        ),
    ]
