"""Azure Resource Manager routes for Microsoft.CognitiveServices: accounts, deployments (as
long-running operations), models, skus, usages and operation status."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from reconciler.emulator import (
    activity_log,
    api_versions,
    arm_deployments,
    arm_listings,
    arm_rai_policies,
    json_input,
    lro,
)
from reconciler.emulator.arm_errors import (
    ArmError,
    account_not_found,
    bad_request,
    resource_group_not_found,
    subscription_not_found,
)
from reconciler.emulator.auth import bearer_token, check_arm_token, check_linked_tenants
from reconciler.emulator.seed import normalize_location
from reconciler.emulator.state import PROVIDER, EmulatorState, SeedAccount

MAX_BODY_BYTES = 4 * 1024 * 1024  # ARM's request size limit
_SKIP_TOKEN_DIGITS = 9  # our tokens are offsets into a list

_SUB = "/subscriptions/{subscription}"
_PROVIDER = f"/providers/{PROVIDER}"
_ACCOUNT = f"{_SUB}/resourceGroups/{{group}}{_PROVIDER}/accounts/{{account}}"
_LOCATION = f"{_SUB}{_PROVIDER}/locations/{{location}}"

Handler = Callable[["ArmCall"], Response]


class ArmCall:
    """One authenticated ARM request: path parameters, api-version, parsed body."""

    def __init__(self, request: Request, state: EmulatorState, body: Any) -> None:
        self.request = request
        self.state = state
        self.body = body
        self.params: dict[str, str] = dict(request.path_params)
        self.api_version = request.query_params["api-version"]

    def subscription(self) -> str:
        sub = self.params["subscription"]
        if not any(a.subscription_id.lower() == sub.lower() for a in self.state.accounts.values()):
            raise subscription_not_found(sub)
        return next(
            a.subscription_id
            for a in self.state.accounts.values()
            if a.subscription_id.lower() == sub.lower()
        )

    def group(self) -> str:
        sub = self.subscription()
        group = self.params["group"]
        in_sub = [a for a in self.state.accounts.values() if a.subscription_id == sub]
        if not any(a.resource_group.lower() == group.lower() for a in in_sub):
            raise resource_group_not_found(group)
        return group

    def account(self) -> SeedAccount:
        sub = self.subscription()
        group = self.group()
        name = self.params["account"]
        for account in self.state.accounts.values():
            if (
                account.subscription_id == sub
                and account.resource_group.lower() == group.lower()
                and account.name.lower() == name.lower()
            ):
                return account
        raise account_not_found(name, group)

    def location(self) -> str:
        return normalize_location(self.params["location"])

    def log(self, account: SeedAccount, operation: str, status_code: int) -> None:
        """Record a deployment write or delete in the Activity Log, by the token's identity."""
        token = self.state.identities.token(bearer_token(self.request) or "")
        assert token is not None  # check_arm_token let the request in
        activity_log.record_request(
            self.state,
            account,
            self.params["deployment"],
            operation,
            tenant=token.tenant,
            method=self.request.method,
            status_code=status_code,
        )


def _page(call: ArmCall, items: list[dict[str, Any]]) -> JSONResponse:
    token = call.request.query_params.get("$skipToken", "0")
    # ASCII digits only ("²".isdigit() is true and int() refuses it), and few of them.
    if not (token.isascii() and token.isdigit() and len(token) <= _SKIP_TOKEN_DIGITS):
        raise bad_request(f"The $skipToken '{token[:40]}' is invalid.", target="$skipToken")
    offset = int(token)
    size = max(1, call.state.config.arm_page_size)
    body: dict[str, Any] = {"value": items[offset : offset + size]}
    if offset + size < len(items):
        url = call.request.url
        body["nextLink"] = (
            f"{call.state.base_url}{url.path}?api-version={call.api_version}"
            f"&$skipToken={offset + size}"
        )
    return JSONResponse(body)


def _lro_headers(
    call: ArmCall, account: SeedAccount, op: dict[str, Any], *, location: bool
) -> dict[str, str]:
    headers = {
        "Azure-AsyncOperation": lro.status_url(call.state, account, op["id"], call.api_version),
        "Retry-After": lro.retry_after(call.state, op),
    }
    if location:
        headers["Location"] = lro.result_url(call.state, account, op["id"], call.api_version)
    return headers


# --- accounts -----------------------------------------------------------------------------


def list_accounts(call: ArmCall) -> Response:
    sub = call.subscription()
    group = call.group() if "group" in call.params else None
    found = [
        arm_listings.account_json(call.state, a)
        for a in call.state.accounts.values()
        if a.subscription_id == sub and (group is None or a.resource_group.lower() == group.lower())
    ]
    return _page(call, found)


def get_account(call: ArmCall) -> Response:
    return JSONResponse(arm_listings.account_json(call.state, call.account()))


def account_usages(call: ArmCall) -> Response:
    account = call.account()
    return JSONResponse(
        {"value": arm_listings.usages(call.state, account.subscription_id, account.location)}
    )


def account_models(call: ArmCall) -> Response:
    return _page(call, arm_listings.account_models(call.state, call.account()))


def list_rai_policies(call: ArmCall) -> Response:
    return _page(call, arm_rai_policies.list_all(call.account()))


# --- deployments --------------------------------------------------------------------------


def list_deployments(call: ArmCall) -> Response:
    return _page(call, arm_deployments.list_all(call.state, call.account()))


def get_deployment(call: ArmCall) -> Response:
    doc = arm_deployments.get(call.state, call.account(), call.params["deployment"])
    return JSONResponse(doc, headers={"ETag": doc["etag"]})


def put_deployment(call: ArmCall) -> Response:
    account = call.account()
    request = arm_deployments.parse_put_body(call.body)
    linked = (request.model.source, request.model.source_account)
    check_linked_tenants(call.request, call.state, account, linked)
    created, doc, op = arm_deployments.create_or_update(
        call.state, account, call.params["deployment"], request
    )
    call.log(account, activity_log.WRITE, 201 if created else 200)
    return JSONResponse(
        doc,
        status_code=201 if created else 200,
        headers=_lro_headers(call, account, op, location=False),
    )


def patch_deployment(call: ArmCall) -> Response:
    account = call.account()
    request = arm_deployments.parse_patch_body(call.body)
    doc, op = arm_deployments.patch(call.state, account, call.params["deployment"], request)
    call.log(account, activity_log.WRITE, 200 if op is None else 202)
    if op is None:
        return JSONResponse(doc)
    return Response(status_code=202, headers=_lro_headers(call, account, op, location=True))


def delete_deployment(call: ArmCall) -> Response:
    account = call.account()
    op = arm_deployments.delete(call.state, account, call.params["deployment"])
    call.log(account, activity_log.DELETE, 204 if op is None else 202)
    if op is None:
        return Response(status_code=204)
    return Response(status_code=202, headers=_lro_headers(call, account, op, location=True))


def deployment_skus(call: ArmCall) -> Response:
    skus = arm_listings.deployment_skus(call.state, call.account(), call.params["deployment"])
    return JSONResponse({"value": skus})


# --- locations ----------------------------------------------------------------------------


def location_models(call: ArmCall) -> Response:
    call.subscription()
    return _page(call, arm_listings.location_models(call.state, call.location()))


def location_usages(call: ArmCall) -> Response:
    sub = call.subscription()
    return JSONResponse({"value": arm_listings.usages(call.state, sub, call.location())})


def _operation(call: ArmCall) -> tuple[SeedAccount, dict[str, Any]]:
    sub = call.subscription()
    op_id = call.params["operation"]
    op = lro.find_operation(call.state, op_id)
    account = call.state.accounts.get(op["account"]) if op else None
    if op is None or account is None or account.subscription_id != sub:
        raise ArmError(404, "OperationNotFound", f"The operation '{op_id[:80]}' was not found.")
    arm_deployments.settle(call.state, account)
    found = lro.find_operation(call.state, op_id)
    return account, found or op


def operation_status(call: ArmCall) -> Response:
    account, op = _operation(call)
    headers = {}
    if op["status"] == lro.IN_PROGRESS:
        headers["Retry-After"] = lro.retry_after(call.state, op)
    return JSONResponse(lro.status_body(call.state, account, op), headers=headers)


def operation_result(call: ArmCall) -> Response:
    account, op = _operation(call)
    if op["status"] == lro.IN_PROGRESS:
        return Response(
            status_code=202,
            headers={
                "Location": lro.result_url(call.state, account, op["id"], call.api_version),
                "Retry-After": lro.retry_after(call.state, op),
            },
        )
    if op["action"] == "delete":
        return Response(status_code=204)
    doc = call.state.store.get(
        arm_deployments.KIND, arm_deployments.key(account.name, op["deployment"])
    )
    if doc is None:
        return Response(status_code=204)
    return JSONResponse(arm_deployments.public(doc))


# --- plumbing -----------------------------------------------------------------------------


async def _read_body(request: Request) -> Any:
    if request.method not in ("PUT", "PATCH", "POST"):
        return None
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise ArmError(413, "RequestEntityTooLarge", "The request content is too large.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ArmError(413, "RequestEntityTooLarge", "The request content is too large.")
    if not raw.strip():
        raise bad_request(
            "The request content was invalid and could not be deserialized: the body is empty."
        )
    try:
        return json_input.parse(raw)
    except json_input.JsonInputError as exc:
        raise bad_request(
            f"The request content was invalid and could not be deserialized: {exc}"
        ) from None


def _endpoint(state: EmulatorState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            check_arm_token(request, state)
            api_versions.check_arm(request.query_params.get("api-version"))
            body = await _read_body(request)
            call = ArmCall(request, state, body)
            return await run_in_threadpool(handler, call)
        except ArmError as error:
            return error.response()

    return endpoint


def arm_routes(state: EmulatorState) -> list[BaseRoute]:
    def route(path: str, handler: Handler, methods: list[str]) -> Route:
        return Route(path, _endpoint(state, handler), methods=methods)

    deployment = f"{_ACCOUNT}/deployments/{{deployment}}"
    return [
        route(f"{_SUB}{_PROVIDER}/accounts", list_accounts, ["GET"]),
        route(f"{_SUB}/resourceGroups/{{group}}{_PROVIDER}/accounts", list_accounts, ["GET"]),
        route(_ACCOUNT, get_account, ["GET"]),
        route(f"{_ACCOUNT}/usages", account_usages, ["GET"]),
        route(f"{_ACCOUNT}/models", account_models, ["GET"]),
        route(f"{_ACCOUNT}/raiPolicies", list_rai_policies, ["GET"]),
        route(f"{_ACCOUNT}/deployments", list_deployments, ["GET"]),
        route(deployment, get_deployment, ["GET"]),
        route(deployment, put_deployment, ["PUT"]),
        route(deployment, patch_deployment, ["PATCH"]),
        route(deployment, delete_deployment, ["DELETE"]),
        route(f"{deployment}/skus", deployment_skus, ["GET"]),
        route(f"{_LOCATION}/models", location_models, ["GET"]),
        route(f"{_LOCATION}/usages", location_usages, ["GET"]),
        route(f"{_LOCATION}/operationStatuses/{{operation}}", operation_status, ["GET"]),
        route(f"{_LOCATION}/operationResults/{{operation}}", operation_result, ["GET"]),
    ]
