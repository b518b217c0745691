"""SPEC §5.3 end to end, with the real SDKs against the emulator: rai_policy, version_upgrade
and spillover_to are written as the spec says, the deployment spilled to first; a changed one
is an in-place update; one the spec leaves out is neither compared nor reset; a content filter
the account lacks and a spillover target that is not there are plan errors at the spec line."""

from __future__ import annotations

import re
from typing import Any

from .apply_support import BASE, PROVIDER, SUB1, Admin, apply, deployment, fresh_plan
from .conftest import NewStack


def _props(admin: Admin, stack: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = admin.deployments(stack)[f"aoai-swc/{name}"]["properties"]
    return found


def test_fields_are_written_in_spillover_order_then_updated_in_place(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "spill",
        deployments={
            # the one that spills sorts first: only depends_on puts its target before it
            "spill-a-ptu": deployment(
                "swc",
                BASE,
                "GlobalProvisionedManaged",
                15,
                spillover_to="spill-b-std",
                rai_policy="strict-filter",
                version_upgrade="NoAutoUpgrade",
            ),
            "spill-b-std": deployment("swc", BASE, "GlobalStandard", 1),
        },
        accounts=("swc",),
    )
    plan = fresh_plan(stack.root)
    assert not plan.errors
    ptu = next(c for c in plan.changes if c.address == "deployment.spill-a-ptu")
    assert ptu.depends_on == ("deployment.spill-b-std",)
    admin.clear_requests()

    result = apply(stack.root)

    assert result.code == 0, result.text
    puts = [p.rsplit("/", 1)[1] for m, p in admin.mutations() if m == "PUT"]
    assert puts == ["spill-b-std", "spill-a-ptu"]
    props = _props(admin, "spill", "spill-a-ptu")
    assert props["raiPolicyName"] == "strict-filter"
    assert props["versionUpgradeOption"] == "NoAutoUpgrade"
    assert props["spilloverDeploymentName"] == "spill-b-std"
    assert not fresh_plan(stack.root).has_changes

    stack.deployments["spill-a-ptu"]["rai_policy"] = "Microsoft.Default"
    stack.write()
    plan = fresh_plan(stack.root)
    (change,) = [c for c in plan.changes if c.is_change]
    assert (change.address, change.action.value) == ("deployment.spill-a-ptu", "update")
    assert change.details["changed"] == [
        {"field": "rai_policy", "before": "strict-filter", "after": "Microsoft.Default"}
    ]
    result = apply(stack.root)
    assert result.code == 0, result.text
    assert "rai_policy strict-filter → Microsoft.Default" in result.out
    assert _props(admin, "spill", "spill-a-ptu")["raiPolicyName"] == "Microsoft.Default"

    # left out of the spec: not compared, and a capacity change keeps Azure's values
    for field in ("rai_policy", "version_upgrade", "spillover_to"):
        del stack.deployments["spill-a-ptu"][field]
    stack.write()
    admin.clear_requests()
    assert not fresh_plan(stack.root).has_changes
    # no deployment sets rai_policy: the account's content filters are not read
    assert not [p for _m, p in admin.requests() if p.endswith("/raiPolicies")]
    stack.deployments["spill-a-ptu"]["sku"]["capacity"] = 20
    stack.write()
    result = apply(stack.root)
    assert result.code == 0, result.text
    props = _props(admin, "spill", "spill-a-ptu")
    assert props["raiPolicyName"] == "Microsoft.Default"
    assert props["versionUpgradeOption"] == "NoAutoUpgrade"
    assert props["spilloverDeploymentName"] == "spill-b-std"


def test_unknown_content_filter_and_spillover_target_are_plan_errors(
    env: dict[str, str], admin: Admin, new_stack: NewStack
) -> None:
    stack = new_stack(
        "badset",
        deployments={
            "badset-ptu": deployment(
                "swc", BASE, "GlobalProvisionedManaged", 15, spillover_to="badset-sdt"
            ),
            "badset-std": deployment("swc", BASE, "GlobalStandard", 1, rai_policy="strict-filtre"),
        },
        accounts=("swc",),
    )
    admin.clear_requests()

    result = apply(stack.root)

    assert result.code == 1
    reads = [p for m, p in admin.requests() if m == "GET" and p.endswith("/raiPolicies")]
    assert reads == [f"/subscriptions/{SUB1}/resourceGroups/rg-ft/{PROVIDER}/aoai-swc/raiPolicies"]
    text = result.text
    assert re.search(
        r"stack\.yaml:\d+:\d+: error: deployment\.badset-std: rai_policy 'strict-filtre' is not "
        r"a content filter of account swc \(aoai-swc\); it has: Microsoft\.Default, "
        r"Microsoft\.DefaultV2, strict-filter; did you mean 'strict-filter'\?",
        text,
    ), text
    assert re.search(
        r"stack\.yaml:\d+:\d+: error: deployment\.badset-ptu: spillover_to badset-sdt: no "
        r"deployment of that name in account swc.*did you mean 'badset-std'\?",
        text,
    ), text
    assert "Traceback" not in text
    assert admin.mutations() == []
