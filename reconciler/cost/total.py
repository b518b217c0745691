"""A plan's cost as its JSON carries it (SPEC.md §5.5): `{"currency", "training",
"monthly_delta", "prices_as_of"}`; nothing else, so that it reads the same in every plan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlanCost:
    currency: str
    training: float  # once, for the jobs the plan trains (items of unknown price left out)
    monthly_delta: float  # hosting and provisioned throughput, per month, after minus before
    prices_as_of: str  # the oldest date of the prices these figures rest on

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "training": self.training,
            "monthly_delta": self.monthly_delta,
            "prices_as_of": self.prices_as_of,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> PlanCost:
        return PlanCost(
            currency=str(data["currency"]),
            training=float(data["training"]),
            monthly_delta=float(data["monthly_delta"]),
            prices_as_of=str(data["prices_as_of"]),
        )
