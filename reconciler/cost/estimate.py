"""The arithmetic of a plan's cost: pure, over the plan's changes and a price table.

What is counted (docs/cost.md says the same for people):

- training, once, for each job the plan trains anew (created now, or once the job it continues
  from has its model): supervised and DPO at billed tokens (the dataset's tokens x epochs, the
  job's ``stats.billed_tokens_estimate``) x the price per 1M tokens of its base model and
  training type. Reinforcement fine-tuning is billed per hour of training, which nobody knows
  before the job runs: its rate (and the per-job cap where training pauses) is shown, its
  total is not counted. With ``n_epochs: auto`` the service chooses the epochs: not counted.
- monthly, for each deployment the plan creates, updates, replaces or deletes (or will create
  once its job has trained): hosting per hour for a fine-tuned model on a token sku, PTU per
  hour x capacity on a provisioned sku, each x hours per month; after minus before. A base
  model on a token sku has no hourly fee (billed per token, not counted here).

An item whose price is unknown is left out of the totals and named in its change's
``details.cost`` (``null`` amount and why): never counted as 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler.cost.money import DETAILS_KEY, money
from reconciler.cost.prices import PriceKind, PriceTable, packaged_prices
from reconciler.cost.total import PlanCost
from reconciler.kinds.deployment import DeploymentAfter, DeploymentBefore
from reconciler.kinds.job import JobAfter, JobBefore, trains_anew
from reconciler.model_ids import base_of_fine_tuned, is_fine_tuned
from reconciler.plan.model import Action, Change, Plan, ResourceType

_MONEY_DIGITS = 4  # JSON figures: float noise cut, small training costs still visible


@dataclass(frozen=True)
class Item:
    """One change's part of the cost: an amount (None: unknown) and how it was counted."""

    address: str
    training: bool  # True: once, for training; False: per month
    amount: float | None
    basis: str
    as_of: tuple[str, ...] = ()  # the dates of the prices it rests on

    def to_json(self) -> dict[str, Any]:
        key = "training" if self.training else "monthly_delta"
        amount = None if self.amount is None else round(self.amount, _MONEY_DIGITS)
        return {key: amount, "basis": self.basis}


# -- training ------------------------------------------------------------------------------


def _job_base(changes: Mapping[str, Change], change: Change) -> str | None:
    """The base model a job trains from: its own model, or, for a job that continues from
    another, that one's base (following the chain through the plan)."""
    seen: set[str] = set()
    current: Change | None = change
    while current is not None and current.address not in seen:
        seen.add(current.address)
        after = current.after
        if not isinstance(after, JobAfter):
            return None
        if after.model is not None:
            return base_of_fine_tuned(after.model) or (
                None if is_fine_tuned(after.model) else after.model
            )
        if after.from_job is None:
            return None
        current = changes.get(f"job.{after.from_job.job}")
    return None


def _training_item(table: PriceTable, changes: Mapping[str, Change], change: Change) -> Item:
    after = change.after
    assert isinstance(after, JobAfter)
    base = _job_base(changes, change)
    model = base or "a model not known yet"
    if after.method == "reinforcement":
        price = table.find(PriceKind.REINFORCEMENT, "*", base)
        if price is None or price.amount is None:
            why = f"reinforcement fine-tuning of {model}: no published price per training hour"
            return Item(change.address, True, None, why)
        cap = f"; billing pauses at {money(price.billing_cap)} a job" if price.billing_cap else ""
        why = (
            f"reinforcement fine-tuning of {model}: {money(price.amount)} per training hour"
            f"{cap}; the hours are known only once it trains"
        )
        return Item(change.address, True, None, why, (price.as_of,))
    stats = change.details.get("stats")
    tokens = stats.get("billed_tokens_estimate") if isinstance(stats, dict) else None
    if not isinstance(tokens, int):
        why = "billed tokens not known (n_epochs is chosen by the service, or no token count)"
        return Item(change.address, True, None, why)
    price = table.find(PriceKind.TRAINING, after.training_type, base)
    if price is None or price.amount is None:
        why = f"no published price for {after.training_type} training of {model}"
        return Item(change.address, True, None, why)
    basis = (
        f"{tokens:,} billed tokens × {money(price.amount)} per 1M "
        f"({model}, {after.training_type} training)"
    )
    return Item(change.address, True, tokens * price.amount / 1e6, basis, (price.as_of,))


# -- deployments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rate:
    monthly: float | None
    basis: str
    as_of: tuple[str, ...] = ()


def _deployment_base(changes: Mapping[str, Change], model_name: str, job: str | None) -> str | None:
    if job is not None:
        found = changes.get(f"job.{job}")
        if found is not None:
            return _job_base(changes, found)
    return base_of_fine_tuned(model_name) or (None if is_fine_tuned(model_name) else model_name)


def _rate(table: PriceTable, sku: str, capacity: int, fine_tuned: bool, base: str | None) -> _Rate:
    """What a deployment costs a month while it exists."""
    hours = table.hours_per_month
    provisioned = table.find(PriceKind.PROVISIONED, sku, base)
    if provisioned is not None or "provisioned" in sku.lower():
        if provisioned is None or provisioned.amount is None:
            return _Rate(None, f"{sku} ×{capacity}: no published price per PTU hour")
        basis = f"{sku}: {capacity} PTU × {money(provisioned.amount)} per PTU hour × {hours:g} h"
        return _Rate(capacity * provisioned.amount * hours, basis, (provisioned.as_of,))
    if not fine_tuned:
        return _Rate(0.0, f"{sku}: a base model is billed per token, no hourly fee")
    hosting = table.find(PriceKind.HOSTING, sku, base)
    if hosting is None or hosting.amount is None:
        return _Rate(None, f"{sku}: no published hosting price for a fine-tuned model")
    basis = f"{sku} hosting {money(hosting.amount)} per hour × {hours:g} h"
    return _Rate(hosting.amount * hours, basis, (hosting.as_of,))


def _after_rate(table: PriceTable, changes: Mapping[str, Change], after: DeploymentAfter) -> _Rate:
    name = (after.model or {}).get("name", "")
    fine_tuned = after.job is not None or is_fine_tuned(name)
    base = _deployment_base(changes, name, after.job)
    return _rate(table, after.sku_name, after.capacity, fine_tuned, base)


def _before_rate(
    table: PriceTable, changes: Mapping[str, Change], before: DeploymentBefore
) -> _Rate:
    name = before.model.get("name", "")
    base = _deployment_base(changes, name, None)
    return _rate(table, before.sku_name, before.capacity, is_fine_tuned(name), base)


def _deployment_item(
    table: PriceTable, changes: Mapping[str, Change], change: Change
) -> Item | None:
    before = change.before if isinstance(change.before, DeploymentBefore) else None
    after = change.after if isinstance(change.after, DeploymentAfter) else None
    if change.action is Action.DELETE:
        after = None
    elif change.action is Action.CREATE:
        before = None
    if before is None and after is None:
        return None
    rates: list[tuple[str, _Rate]] = []
    if before is not None:
        rates.append(("-", _before_rate(table, changes, before)))
    if after is not None:
        rates.append(("+", _after_rate(table, changes, after)))
    if len(rates) == 2 and rates[0][1] == rates[1][1]:
        return None  # the same sku, capacity and kind of model: nothing changes in cost
    as_of = tuple(d for _, rate in rates for d in rate.as_of)
    unknown = [rate.basis for _, rate in rates if rate.monthly is None]
    if unknown:
        return Item(change.address, False, None, "; ".join(unknown), as_of)
    amount = sum(rate.monthly or 0.0 for sign, rate in rates if sign == "+") - sum(
        rate.monthly or 0.0 for sign, rate in rates if sign == "-"
    )
    basis = "; ".join(
        f"{sign}{rate.basis}" if len(rates) == 2 else rate.basis for sign, rate in rates
    )
    return Item(change.address, False, amount, basis, as_of)


# -- the plan ------------------------------------------------------------------------------


#: deployment actions that change nothing in Azure (a blocked promotion keeps what it serves)
_UNCHANGED = (Action.NO_OP, Action.BLOCKED)


def items(plan: Plan, table: PriceTable) -> list[Item]:
    """Each change's part of the cost, in the plan's order."""
    changes = {c.address: c for c in plan.changes}
    found: list[Item] = []
    for change in plan.changes:
        if change.type is ResourceType.JOB:
            before = change.before if isinstance(change.before, JobBefore) else None
            if trains_anew(change.action, before) and isinstance(change.after, JobAfter):
                found.append(_training_item(table, changes, change))
        elif change.type is ResourceType.DEPLOYMENT and change.action not in _UNCHANGED:
            item = _deployment_item(table, changes, change)
            if item is not None:
                found.append(item)
    return found


def total(found: Sequence[Item], table: PriceTable) -> PlanCost:
    training = sum(i.amount for i in found if i.training and i.amount is not None)
    monthly = sum(i.amount for i in found if not i.training and i.amount is not None)
    dates = [d for i in found for d in i.as_of]
    return PlanCost(
        currency=table.currency,
        training=round(float(training), _MONEY_DIGITS),
        monthly_delta=round(float(monthly), _MONEY_DIGITS) + 0.0,  # never -0.0
        prices_as_of=min(dates) if dates else table.as_of,
    )


def priced(plan: Plan, table: PriceTable | None = None) -> Plan:
    """``plan`` with its ``cost`` and each costed change's ``details.cost``, counted with
    ``table`` (default: the packaged prices); a cost counted before is counted again."""
    table = table or packaged_prices()
    bare = tuple(_without_cost(c) for c in plan.changes)
    plan = replace(plan, changes=bare)
    found = items(plan, table)
    by_address = {i.address: i for i in found}
    changes = tuple(
        replace(c, details={**c.details, DETAILS_KEY: by_address[c.address].to_json()})
        if c.address in by_address
        else c
        for c in bare
    )
    return replace(plan, changes=changes, cost=total(found, table))


def _without_cost(change: Change) -> Change:
    if DETAILS_KEY not in change.details:
        return change
    return replace(change, details={k: v for k, v in change.details.items() if k != DETAILS_KEY})
