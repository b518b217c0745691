"""What a kind decides about one resource, and the reason a change carries.

A `Decision` is the answer of a kind's `decide`: the action (what apply does), a closed reason
code of that kind (why, for people: never read to decide) with the facts its text needs, and the
declared fields that differ. The planner turns it into a `Change`; apply acts on the action of
the decision it makes again on a fresh read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from reconciler.plan.model import Action, Because, Facts, FieldChange

R = TypeVar("R", bound=StrEnum)


@dataclass(frozen=True)
class Decision(Generic[R]):
    action: Action
    reason: R
    facts: Facts = field(default_factory=dict)
    changed: tuple[FieldChange, ...] = ()

    @property
    def because(self) -> Because:
        return Because(self.reason, self.facts)
