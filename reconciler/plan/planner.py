"""`plan(desired, observed) -> Plan`: the pure heart of the tool (DESIGN.md principle 2).

No network, no clock, no files: the same inputs give the same plan, byte for byte. Work goes
resource type by resource type: which jobs exist (fingerprints), which uploads the jobs to be
created still need, the jobs, the deployments (which serve a job's model once it exists), then
Azure's rules (catalog, sku, capacity, quota) over the result. What an observed object is and
what to do about it is each kind's decision (`reconciler.kinds`), the same apply makes again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

# the module, not its function: reconciler.cost.estimate imports the kinds, which import this
# package, so either may be loaded first
from reconciler.cost import estimate as cost_estimate
from reconciler.plan.checkpoint_copies import plan_copies, with_copies
from reconciler.plan.checks import check_deployments, check_jobs
from reconciler.plan.deployments import plan_deployments
from reconciler.plan.desired import Desired
from reconciler.plan.files import plan_files
from reconciler.plan.jobs import plan_jobs
from reconciler.plan.model import Change, Plan, PlanIssue
from reconciler.plan.observed import Observed
from reconciler.plan.resolve import Resolver
from reconciler.quoting import quote
from reconciler.spec.errors import did_you_mean

if TYPE_CHECKING:
    from reconciler.cost.prices import PriceTable


def plan(
    desired: Desired,
    observed: Observed,
    *,
    replace: frozenset[str] = frozenset(),
    prices: PriceTable | None = None,
) -> Plan:
    """What to do so that Azure matches the spec; `replace` forces (re)creation of addresses;
    its cost is counted with `prices` (default: the packaged price table, package data)."""
    issues: list[PlanIssue] = []
    for key in sorted(desired.accounts):
        if key not in observed.accounts:
            account = desired.accounts[key]
            issues.append(
                PlanIssue(
                    f"account {key} ({account.name}) was not read from Azure",
                    None,
                    account.location,
                )
            )
    resolver = Resolver(desired, observed, replace)
    file_changes = plan_files(resolver)
    job_changes = plan_jobs(resolver, file_changes, issues)
    deployment_plans = plan_deployments(resolver, job_changes, issues)
    copy_changes = plan_copies(resolver, job_changes, issues)
    check_jobs(resolver, issues)
    check_deployments(resolver, deployment_plans, issues)

    changes: list[Change] = [
        *file_changes.values(),
        *job_changes.values(),
        *copy_changes.values(),
        *(with_copies(desired, p.change, copy_changes) for p in deployment_plans),
    ]
    known = {c.address for c in changes}
    for address in sorted(replace - known):
        # a bare name (`--replace clippy`) is the usual slip: suggest among the full addresses
        hint = next(
            (f"; did you mean {quote(a)}?" for a in sorted(known) if a.endswith(f".{address}")),
            did_you_mean(address, known),
        )
        issues.append(
            PlanIssue(f"--replace {address}: no such file, job or deployment in this plan{hint}")
        )
    result = Plan(
        stack=desired.stack,
        changes=tuple(changes),
        errors=tuple(issues),
        observed_digest=observed.digest(),
    )
    return cost_estimate.priced(result, prices)
