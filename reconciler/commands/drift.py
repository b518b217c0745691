"""`reconciler drift`: what in Azure moved away from the spec, outside reconciler."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reconciler.commands.pipeline import Session, prepare
from reconciler.errors import Diagnostic
from reconciler.plan import Observed
from reconciler.plan import drift as find_drift
from reconciler.plan.drift import DriftItem


@dataclass(frozen=True)
class DriftReport:
    stack: str
    items: list[DriftItem]
    observed: Observed

    @property
    def observed_digest(self) -> str:
        return self.observed.digest()


def find(
    spec_dir: Path,
    *,
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
    on_warning: Callable[[Diagnostic], None] | None = None,
) -> DriftReport:
    """Read Azure and compare it with the spec; work still under way is not drift."""
    prepared = prepare(spec_dir, on_warning=on_warning, allow_env=allow_env)
    with Session.open(log_http) as session:
        observation = session.observe(prepared)
    items = find_drift(prepared.desired, observation.observed)
    return DriftReport(prepared.desired.stack, items, observation.observed)
