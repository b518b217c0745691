"""ARM long-running operations: one document per write, finished lazily from the simulated clock.

A write (PUT, capacity PATCH, DELETE) records an operation that ends ``provision_seconds`` of
simulated time later; nothing runs in the background: whoever reads next settles what is due
(see ``arm_deployments.settle``). While an operation on an account is in progress, every other
write to that account is refused with 409 RequestConflict, as the real provider does.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime
from typing import Any

from reconciler.emulator.state import PROVIDER, EmulatorState, SeedAccount

KIND = "arm_operation"
IN_PROGRESS = "InProgress"
SUCCEEDED = "Succeeded"
# Poll hints never exceed this many real seconds, so a slow simulated clock stays responsive.
_MAX_RETRY_AFTER = 10.0


def iso(sim_time: float) -> str:
    """ARM timestamps: ISO 8601 UTC with a trailing Z."""
    stamp = datetime.fromtimestamp(sim_time, UTC).isoformat(timespec="microseconds")
    return stamp.replace("+00:00", "Z")


def parse_iso(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def start_operation(
    state: EmulatorState, account: SeedAccount, deployment: str, action: str
) -> dict[str, Any]:
    now = state.clock.now()
    op_id = str(uuid.uuid4())
    doc: dict[str, Any] = {
        "id": op_id,
        "account": account.name,
        "deployment": deployment,
        "action": action,
        "status": IN_PROGRESS,
        "started_at": now,
        "done_at": now + max(0.0, state.config.provision_seconds),
        "ended_at": None,
    }
    state.store.put(KIND, f"{account.name}/{op_id}", doc)
    return doc


def operations_in_progress(state: EmulatorState, account: str) -> list[dict[str, Any]]:
    return [op for _, op in state.store.items(KIND, f"{account}/", status=IN_PROGRESS)]


def find_operation(state: EmulatorState, op_id: str) -> dict[str, Any] | None:
    for name in state.accounts:
        doc = state.store.get(KIND, f"{name}/{op_id}")
        if doc is not None:
            return doc
    return None


def finish(state: EmulatorState, op: dict[str, Any]) -> None:
    op["status"] = SUCCEEDED
    op["ended_at"] = op["done_at"]
    state.store.put(KIND, f"{op['account']}/{op['id']}", op)


def retry_after(state: EmulatorState, op: dict[str, Any]) -> str:
    """Real seconds until the operation ends, in whole seconds as Azure sends them (the spec
    types the header int32). Under a second reads "0": azure-core then waits its own
    polling_interval instead, which keeps tests with short provisioning fast."""
    remaining = (float(op["done_at"]) - state.clock.now()) / max(state.config.speed, 1e-9)
    return str(whole_seconds(min(remaining, _MAX_RETRY_AFTER)))


def whole_seconds(seconds: float) -> int:
    """A wait as Retry-After carries it: 0 under a second, else rounded up."""
    return 0 if seconds < 1 else math.ceil(seconds)


def _location_base(state: EmulatorState, account: SeedAccount) -> str:
    return (
        f"{state.base_url}/subscriptions/{account.subscription_id}/providers/{PROVIDER}"
        f"/locations/{account.location}"
    )


def status_url(state: EmulatorState, account: SeedAccount, op_id: str, api_version: str) -> str:
    return f"{_location_base(state, account)}/operationStatuses/{op_id}?api-version={api_version}"


def result_url(state: EmulatorState, account: SeedAccount, op_id: str, api_version: str) -> str:
    return f"{_location_base(state, account)}/operationResults/{op_id}?api-version={api_version}"


def status_body(state: EmulatorState, account: SeedAccount, op: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": (
            f"/subscriptions/{account.subscription_id}/providers/{PROVIDER}/locations/"
            f"{account.location}/operationStatuses/{op['id']}"
        ),
        "name": op["id"],
        "status": op["status"],
        "startTime": iso(float(op["started_at"])),
    }
    if op.get("ended_at") is not None:
        body["endTime"] = iso(float(op["ended_at"]))
    if op.get("error"):
        body["error"] = op["error"]
    return body
