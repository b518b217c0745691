"""Plan-time checks of a deployment's SPEC §5.3 fields, and the order spillover needs.

`rai_policy` must name a content filter of the deployment's account (Azure's
`GET …/accounts/{a}/raiPolicies`, read only for accounts where a deployment sets it).

`spillover_to` names the deployment that takes a provisioned deployment's overflow. Azure's
spillover doc (MicrosoftDocs/azure-ai-docs, articles/ai-foundry/openai/how-to/
spillover-traffic-management.md) sets the rules checked here: the deployment that spills is a
provisioned one, the one it spills to is a standard (pay-as-you-go) one in the same resource, and
their data processing levels match (global with global, data zone with data zone). The target is
a deployment of the spec in that account, or one that exists there and stays; when the spec
creates or changes it, it is written first (a `depends_on` edge), and a cycle is an error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from reconciler.plan.desired import DesiredDeployment
from reconciler.plan.model import Action, PlanIssue
from reconciler.plan.observed import ObservedAccount
from reconciler.spec.errors import did_you_mean

if TYPE_CHECKING:
    from reconciler.plan.deployments import DeploymentPlan
    from reconciler.plan.resolve import Resolver


def is_provisioned(sku_name: str) -> bool:
    return "provisioned" in sku_name.lower()


def processing_level(sku_name: str) -> str:
    """Where a sku processes data: global, data zone or the account's region."""
    lowered = sku_name.lower()
    if lowered.startswith("global"):
        return "global"
    if lowered.startswith("datazone"):
        return "data zone"
    return "regional"


def check_rai_policy(
    desired: DesiredDeployment, account: ObservedAccount, issues: list[PlanIssue]
) -> None:
    policy = desired.rai_policy
    if policy is None or account.rai_policies is None or policy in account.rai_policies:
        return
    known = ", ".join(account.rai_policies) or "none"
    issues.append(
        PlanIssue(
            f"rai_policy {policy!r} is not a content filter of account {desired.account} "
            f"({account.name}); it has: {known}{did_you_mean(policy, account.rai_policies)}",
            desired.address,
            desired.where("rai_policy"),
        )
    )


def order_spillover(
    resolver: Resolver, plans: Sequence[DeploymentPlan], issues: list[PlanIssue]
) -> list[DeploymentPlan]:
    """Check every `spillover_to`; the plans with a deployment ordered after the one it spills
    to when the spec writes that one in this plan."""
    desired = resolver.desired
    in_account: dict[tuple[str, str], DesiredDeployment] = {
        (d.account, d.azure_name): d for d in desired.deployments.values()
    }
    by_address = {p.change.address: p for p in plans}
    cyclic = _cycles(desired.deployments, in_account, issues)
    out: list[DeploymentPlan] = []
    for plan in plans:
        wanted = plan.desired
        if wanted is None or wanted.spillover_to is None:
            out.append(plan)
            continue
        target_sku = _check_target(resolver, wanted, in_account, by_address, issues)
        if target_sku is not None and wanted.address not in cyclic:
            _check_skus(wanted, target_sku, issues)
        target = in_account.get((wanted.account, wanted.spillover_to))
        first = by_address.get(target.address) if target is not None else None
        if first is not None and first.change.is_change and wanted.address not in cyclic:
            depends = tuple(dict.fromkeys((*plan.change.depends_on, first.change.address)))
            plan = dataclasses.replace(
                plan, change=dataclasses.replace(plan.change, depends_on=depends)
            )
        out.append(plan)
    return out


def _check_target(
    resolver: Resolver,
    wanted: DesiredDeployment,
    in_account: Mapping[tuple[str, str], DesiredDeployment],
    by_address: Mapping[str, DeploymentPlan],
    issues: list[PlanIssue],
) -> str | None:
    """The sku of the deployment `wanted` spills to; None (and an error) when there is none."""
    name = str(wanted.spillover_to)
    where = wanted.where("spillover_to")

    def error(message: str) -> None:
        issues.append(PlanIssue(message, wanted.address, where))

    if name == wanted.azure_name:
        error(f"spillover_to names this deployment itself ({name}); it must name another one")
        return None
    spec_target = in_account.get((wanted.account, name))
    if spec_target is not None:
        return spec_target.sku_name
    account = resolver.account(wanted.account)
    existing = account.deployment(name) if account is not None else None
    if existing is not None:
        leaving = next(
            (
                p
                for p in by_address.values()
                if p.desired is None and p.change.action is Action.DELETE and p.observed is existing
            ),
            None,
        )
        if leaving is not None:
            error(
                f"spillover_to {name}: this plan deletes that deployment ({leaving.change.address}"
                " left the spec); keep it in the spec or spill to another"
            )
            return None
        return existing.sku_name
    elsewhere = sorted(
        d.account
        for d in resolver.desired.deployments.values()
        if d.azure_name == name and d.account != wanted.account
    )
    if elsewhere:
        error(
            f"spillover_to {name}: that deployment is in account {elsewhere[0]}, not "
            f"{wanted.account}; Azure spills over only within one account"
        )
        return None
    names = sorted(
        {d.azure_name for d in resolver.desired.deployments.values() if d.account == wanted.account}
        | {d.name for d in (account.deployments if account is not None else ())}
    )
    known = f"{did_you_mean(name, names)}" if names else ""
    error(
        f"spillover_to {name}: no deployment of that name in account {wanted.account}, "
        f"neither in the spec nor in Azure{known}"
    )
    return None


def _check_skus(wanted: DesiredDeployment, target_sku: str, issues: list[PlanIssue]) -> None:
    name = wanted.spillover_to
    if not is_provisioned(wanted.sku_name):
        problem = (
            f"spillover_to is for provisioned deployments; this one's sku is {wanted.sku_name}"
        )
    elif is_provisioned(target_sku):
        problem = (
            f"spillover_to {name}: the deployment spilled to must be a standard one, not "
            f"provisioned ({target_sku})"
        )
    elif processing_level(wanted.sku_name) != processing_level(target_sku):
        problem = (
            f"spillover_to {name}: its sku {target_sku} processes data at another level "
            f"({processing_level(target_sku)}) than {wanted.sku_name} "
            f"({processing_level(wanted.sku_name)}); Azure needs them to match"
        )
    else:
        return
    issues.append(PlanIssue(problem, wanted.address, wanted.where("spillover_to")))


def _cycles(
    deployments: Mapping[str, DesiredDeployment],
    in_account: Mapping[tuple[str, str], DesiredDeployment],
    issues: list[PlanIssue],
) -> set[str]:
    """The addresses on a spillover cycle (each cycle reported once, at its first entry)."""
    cyclic: set[str] = set()
    for key in sorted(deployments):
        start = deployments[key]
        if start.spillover_to == start.azure_name:
            continue  # reported as spilling to itself
        path: list[DesiredDeployment] = []
        current: DesiredDeployment | None = start
        while current is not None and current.spillover_to is not None:
            if current in path:
                break
            path.append(current)
            current = in_account.get((current.account, current.spillover_to))
        if current is None or current.address != start.address or not path:
            continue
        if start.address in cyclic:
            continue
        cyclic.update(d.address for d in path)
        chain = " -> ".join([*(d.azure_name for d in path), start.azure_name])
        issues.append(
            PlanIssue(
                f"spillover cycle: {chain}; a deployment cannot spill back into itself",
                start.address,
                start.where("spillover_to"),
            )
        )
    return cyclic
