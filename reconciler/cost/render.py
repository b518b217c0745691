"""A plan's cost as people read it: one line per costed change, and the two total lines
(training, once; the monthly change) that text and markdown plans end their summary with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.cost.money import DETAILS_KEY, money, signed

if TYPE_CHECKING:  # the plan's renderers import this module while the plan package loads
    from reconciler.plan.model import Change, Plan


def change_cost(change: Change) -> str | None:
    """``$0.06 once: 30,000 billed tokens × …`` or ``unknown (why)``; None when the change
    costs nothing to note (no cost counted, or a monthly change of 0)."""
    cost = change.details.get(DETAILS_KEY)
    if not isinstance(cost, dict):
        return None
    basis = str(cost.get("basis") or "")
    if "training" in cost:
        amount = cost["training"]
        if amount is None:
            return f"unknown ({basis})"
        return f"{money(float(amount))} once: {basis}"
    amount = cost.get("monthly_delta")
    if amount is None:
        return f"unknown ({basis})"
    if float(amount) == 0:
        return None
    return f"{signed(float(amount))} a month: {basis}"


def _not_counted(plan: Plan, key: str) -> list[str]:
    return [
        c.address
        for c in plan.changes
        if isinstance(c.details.get(DETAILS_KEY), dict)
        and key in c.details[DETAILS_KEY]
        and c.details[DETAILS_KEY][key] is None
    ]


def cost_lines(plan: Plan, code: str = "") -> list[str]:
    """``Training cost: …`` and ``Monthly cost change: …`` (addresses wrapped in ``code``
    marks, for markdown); none for a plan without a cost."""
    cost = plan.cost
    if cost is None:
        return []

    def named(addresses: list[str]) -> str:
        return ", ".join(f"{code}{a}{code}" for a in addresses)

    training = f"Training cost: {money(cost.training)} once ({cost.currency}, prices as of "
    training += f"{cost.prices_as_of}"
    unknown = _not_counted(plan, "training")
    training += f"; unknown, not counted: {named(unknown)})" if unknown else ")"
    monthly = f"Monthly cost change: {signed(cost.monthly_delta)}"
    if cost.monthly_delta == 0:
        monthly = f"Monthly cost change: {money(0.0)}"
    unknown = _not_counted(plan, "monthly_delta")
    monthly += f" (unknown, not counted: {named(unknown)})" if unknown else ""
    return [training, monthly]
