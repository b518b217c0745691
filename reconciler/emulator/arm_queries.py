"""Questions the data plane asks about ARM state (deployments), answered with settled state."""

from __future__ import annotations

from typing import Any

from reconciler.emulator import arm_deployments
from reconciler.emulator.state import EmulatorState


def deployments_of_model(state: EmulatorState, model_id: str) -> list[str]:
    """``account/deployment`` of every deployment serving ``model_id``, in any account."""
    found = []
    for account in state.accounts.values():
        arm_deployments.settle(state, account)
        for doc_key, doc in state.store.items(arm_deployments.KIND, f"{account.name}/"):
            if doc["properties"]["model"]["name"] == model_id:
                found.append(doc_key)
    return found


def live_deployment(state: EmulatorState, account: str, deployment: str) -> dict[str, Any] | None:
    """The deployment as ARM would serve it now (None if absent or unknown account).

    Use this rather than reading the store: it finishes provisioning that is due and removes a
    fine-tuned deployment idle for 15 days before answering. The stored document also carries
    ``_base`` (the base model id behind a fine-tuned deployment)."""
    seeded = state.accounts.get(account)
    if seeded is None:
        return None
    arm_deployments.settle(state, seeded)
    return state.store.get(arm_deployments.KIND, arm_deployments.key(account, deployment))
