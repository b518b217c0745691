"""Tenants and data-plane credentials end to end: the emulator takes only a management token of
the subscription's tenant in ARM, and in an account's data plane only a cognitive-services
token of the account's tenant or that account's key. The tool must ask for each token in the
right tenant, send the source tenant's management token with a cross-tenant deployment, and
send the key ``api_key_env`` names when there is one."""

from __future__ import annotations

import pytest

from reconciler.emulator.process import RunningEmulator

from .apply_support import (
    SUB2,
    Admin,
    apply,
    chat_lines,
    deployment,
    fresh_plan,
    job,
)
from .conftest import Converged, NewStack, TrainedStack

OTHER_ID = (
    f"/subscriptions/{SUB2}/resourceGroups/rg-other/providers/Microsoft.CognitiveServices"
    "/accounts/aoai-ncus-b"
)


def test_a_stack_trained_in_a_second_tenant_applies_with_that_tenants_tokens(
    env: dict[str, str], admin: Admin, new_stack: NewStack, converged: Converged
) -> None:
    # Files, a job and a deployment in aoai-ncus-b (tenant 2222..., no api_key_env: Entra
    # tokens of that tenant), and the model served from aoai-swc in the default tenant: a
    # cross-tenant deployment whose auxiliary token must be tenant 2222's management token.
    stack = new_stack(
        "tenants",
        datasets={"tenant-train": chat_lines("tenant parrots")},
        jobs={"tern": job("tenant-train", account="other", suffix="tern")},
        deployments={
            "tern-other": deployment("other", {"job": "tern"}),
            "tern-swc": deployment("swc", {"job": "tern"}),
        },
        accounts=("swc", "other"),
    )

    planned = fresh_plan(stack.root)
    assert {c.address for c in planned.changes if c.is_change} == {
        "file.tenant-train@other",
        "job.tern",
        "deployment.tern-other",
        "deployment.tern-swc",
    }

    first = apply(stack.root, wait=True)

    assert first.code == 0, first.text
    assert "4 done" in first.out
    trained = admin.jobs("tenants")
    assert len(trained) == 1
    deployments = admin.deployments("tenants")
    assert set(deployments) == {"aoai-ncus-b/tern-other", "aoai-swc/tern-swc"}
    swc = deployments["aoai-swc/tern-swc"]["properties"]["model"]
    assert swc["name"] == trained[0]["fine_tuned_model"]
    assert swc["sourceAccount"] == OTHER_ID  # cross-tenant
    assert "source" not in swc
    converged("tenants", stack.root)


def test_api_key_env_sends_the_key_it_names_for_that_account(
    env: dict[str, str],
    admin: Admin,
    emulator: RunningEmulator,
    trained_stack: TrainedStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack = trained_stack("keyed", "parrots", account="swc", suffix="keyed", accounts=("swc",))
    stack.accounts["swc"] = {**stack.accounts["swc"], "api_key_env": "AZURE_OPENAI_KEY_SWC"}
    stack.write()
    swc_key = emulator.connection.api_key("aoai-swc")
    ncus_key = emulator.connection.api_key("aoai-ncus")

    # Another account's key: the data plane refuses it, and the tool says so without the key.
    monkeypatch.setenv("AZURE_OPENAI_KEY_SWC", ncus_key)
    refused = apply(stack.root, wait=False)
    assert refused.code == 1, refused.text
    assert "Access denied due to invalid subscription key" in refused.err
    assert ncus_key not in refused.text and swc_key not in refused.text
    assert admin.files("keyed-train") == []

    monkeypatch.setenv("AZURE_OPENAI_KEY_SWC", swc_key)
    applied = apply(stack.root, wait=True)
    assert applied.code == 0, applied.text
    assert swc_key not in applied.text
    assert len(admin.files("keyed-train")) == 1
    (trained,) = admin.jobs("keyed")
    assert trained["fine_tuned_model"]  # --wait saw it through, over the key
    assert not fresh_plan(stack.root).has_changes
