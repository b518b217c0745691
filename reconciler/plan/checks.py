"""Azure's rules, checked at plan time against the live catalog and usages (DESIGN.md §5).

A plan that would fail at apply is an error now, at the spec line that causes it: a base model
not offered for fine-tuning in the job's region, a sku not offered for the model there (a
fine-tuned model deploys by its base model's fine-tuned skus), a capacity off the sku's
minimum / maximum / step, or more capacity than the quota has left. An account whose catalog or
usages were not read (None) is not checked.

Quota is counted per subscription, region and usage name: what the usage holds now, minus the
capacity this plan releases (deletes, replaces, updates free the old capacity), plus what it
adds, must stay within the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reconciler.model_ids import base_of_fine_tuned, is_fine_tuned
from reconciler.plan.deployments import DeploymentPlan, same_sku
from reconciler.plan.model import Action, PlanIssue
from reconciler.plan.observed import ObservedAccount, ObservedDeployment, OfferedSku
from reconciler.plan.resolve import JobState, Resolver, translate_training_type


def check_jobs(resolver: Resolver, issues: list[PlanIssue]) -> None:
    for resolution in resolver.jobs():
        if resolution.state not in (JobState.CREATE, JobState.WAIT_PARENT):
            continue
        job = resolution.job
        account = resolver.account(job.account)
        if account is None or account.catalog is None:
            continue
        model = resolver.desired.base_model(job.name)
        base = base_of_fine_tuned(model) or model
        offered = account.offered(base)
        where = f"in {account.location} ({account.name})"
        if offered is None or not offered.fine_tunable:
            issues.append(
                PlanIssue(
                    f"{base} is not offered for fine-tuning {where}",
                    job.address,
                    job.where("model"),
                )
            )
            continue
        types = {translate_training_type(t) for t in offered.training_types}
        if types and job.training_type not in types:
            issues.append(
                PlanIssue(
                    f"training type {job.training_type} is not offered for {base} {where} "
                    f"(offered: {', '.join(sorted(t for t in types if t))})",
                    job.address,
                    job.where("training_type", "model"),
                )
            )


def _sku(skus: dict[str, OfferedSku], name: str) -> tuple[str, OfferedSku] | None:
    for offered_name, sku in skus.items():
        if same_sku(offered_name, name):
            return offered_name, sku
    return None


def _usage_of(
    account: ObservedAccount, model_name: str, model_version: str, sku_name: str
) -> str | None:
    """The usage an observed deployment's capacity counts against, if the catalog tells."""
    model_id = f"{model_name}-{model_version}" if model_version else model_name
    fine_tuned = is_fine_tuned(model_name)
    base = base_of_fine_tuned(model_name) if fine_tuned else model_id
    offered = account.offered(base) if base else None
    if offered is None:
        return None
    found = _sku(dict(offered.finetune_skus if fine_tuned else offered.skus), sku_name)
    return found[1].usage_name if found else None


@dataclass
class _Use:
    current: float
    limit: float
    account: ObservedAccount
    added: int = 0
    released: int = 0
    growing: list[tuple[str, int]] = field(default_factory=list)  # (address, more capacity)
    first: DeploymentPlan | None = None


def check_deployments(
    resolver: Resolver, plans: list[DeploymentPlan], issues: list[PlanIssue]
) -> None:
    uses: dict[tuple[str, str, str], _Use] = {}

    def use_of(account: ObservedAccount, usage: str | None) -> _Use | None:
        if usage is None or account.usages is None or usage not in account.usages:
            return None
        key = (account.subscription_id, account.location.lower(), usage)
        if key not in uses:
            known = account.usages[usage]
            uses[key] = _Use(known.current, known.limit, account)
        return uses[key]

    for plan in sorted(plans, key=lambda p: p.change.address):
        change, account, desired, existing = plan.change, plan.account, plan.desired, plan.observed
        if change.action is Action.NO_OP:
            continue
        new_usage: str | None = None
        if desired is not None and plan.target is not None and account.catalog is not None:
            new_usage = _check_offer(plan, issues)
        old_usage: str | None = None
        if existing is not None and account.catalog is not None:
            old_usage = _usage_of(
                account, existing.model_name, existing.model_version, existing.sku_name
            )
            if (
                old_usage is None
                and desired is not None
                and same_sku(existing.sku_name, desired.sku_name)
            ):
                old_usage = new_usage  # e.g. a checkpoint id the catalog cannot place
        released = _released(change.action, existing)
        if released:
            use = use_of(account, old_usage)
            if use is not None:
                use.released += released
        if desired is not None and change.action is not Action.DELETE:
            use = use_of(account, new_usage)
            if use is not None:
                use.added += desired.capacity
                more = desired.capacity - (released if old_usage == new_usage else 0)
                if more > 0:
                    use.growing.append((change.address, more))
                    use.first = use.first or plan
    for (_, region, usage), use in sorted(uses.items()):
        needed = use.current - use.released + use.added
        if use.added <= use.released or needed <= use.limit or use.first is None:
            continue
        first = use.first
        assert first.desired is not None
        growing = ", ".join(f"{address} +{more}" for address, more in use.growing)
        issues.append(
            PlanIssue(
                f"not enough quota for {usage} in {region}: limit {_num(use.limit)}, "
                f"{_num(use.current)} in use, this plan needs {use.added - use.released} more "
                f"({growing}), {_num(needed - use.limit)} over the limit; lower the capacity "
                "or ask Azure for more quota",
                first.change.address,
                first.desired.where("sku.capacity", "sku"),
            )
        )


def _released(action: Action, existing: ObservedDeployment | None) -> int:
    if existing is None:
        return 0
    if action in (Action.DELETE, Action.REPLACE, Action.UPDATE, Action.WAIT):
        return existing.capacity
    return 0


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _check_offer(plan: DeploymentPlan, issues: list[PlanIssue]) -> str | None:
    """Sku and capacity against the region's offer; the usage name when the sku is offered."""
    desired, target, account = plan.desired, plan.target, plan.account
    assert desired is not None and target is not None
    if target.base_model is None:
        return None  # a bare checkpoint id given as a model string: its base is unknown
    base = target.base_model
    offered = account.offered(base)
    what = f"fine-tuned models of {base}" if target.fine_tuned else base
    where = f"in {account.location} ({account.name})"
    skus = dict(offered.finetune_skus if target.fine_tuned else offered.skus) if offered else {}
    if not skus:
        issues.append(
            PlanIssue(
                f"{what} cannot be deployed {where}"
                if target.fine_tuned
                else f"{base} is not offered {where}",
                desired.address,
                desired.where("model"),
            )
        )
        return None
    found = _sku(skus, desired.sku_name)
    if found is None:
        issues.append(
            PlanIssue(
                f"sku {desired.sku_name} is not offered for {what} {where} "
                f"(offered: {', '.join(sorted(skus))})",
                desired.address,
                desired.where("sku.name", "sku"),
            )
        )
        return None
    sku_name, sku = found
    problem = sku.problem(desired.capacity)
    if problem is not None:
        issues.append(
            PlanIssue(
                f"{problem} for sku {sku_name} of {what} {where}",
                desired.address,
                desired.where("sku.capacity", "sku"),
            )
        )
    return sku.usage_name
