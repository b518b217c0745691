"""Azure Resource Manager refusals, in ARM's error shape ``{"error": {code, message, target?,
details?}}``, with the codes the real Microsoft.CognitiveServices provider answers.

Codes seen from the real service (issue threads of azd, Terraform and sample repos):
RequestConflict, InvalidResourceProperties (sku not offered), InvalidCapacity, InsufficientQuota,
CannotChangeDeploymentModel, DeploymentModelNotSupported, ResourceNotFound,
MissingApiVersionParameter, AuthenticationFailed / InvalidAuthenticationToken.
Chosen here where no real example was found: DeploymentNotFound (404 of a deployment),
ModelNotFound (a fine-tuned model the source account does not hold), InvalidRequestContent
(malformed bodies, as ARM's front door answers).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from reconciler.emulator.state import SeedAccount


class ArmError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.details = details
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.details:
            error["details"] = self.details
        return {"error": error}

    def response(self) -> JSONResponse:
        headers = {"x-ms-failure-cause": "service" if self.status >= 500 else "gateway"}
        headers.update(self.headers)
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def bad_request(message: str, *, target: str | None = None) -> ArmError:
    return ArmError(400, "InvalidRequestContent", message, target=target)


def invalid_property(message: str, *, target: str | None = None) -> ArmError:
    return ArmError(400, "InvalidResourceProperties", message, target=target)


def subscription_not_found(subscription_id: str) -> ArmError:
    return ArmError(
        404, "SubscriptionNotFound", f"The subscription '{subscription_id}' could not be found."
    )


def resource_group_not_found(resource_group: str) -> ArmError:
    return ArmError(
        404, "ResourceGroupNotFound", f"Resource group '{resource_group}' could not be found."
    )


def account_not_found(name: str, resource_group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource 'Microsoft.CognitiveServices/accounts/{name}' under resource group "
        f"'{resource_group}' was not found. For more details please go to "
        "https://aka.ms/ARMResourceNotFoundFix",
    )


def deployment_not_found(name: str) -> ArmError:
    return ArmError(404, "DeploymentNotFound", f"The specified deployment '{name}' does not exist.")


def request_conflict(account: SeedAccount) -> ArmError:
    return ArmError(
        409,
        "RequestConflict",
        f"Another operation is being performed on the parent resource '{account.arm_id}'. "
        "Please try again later.",
    )
