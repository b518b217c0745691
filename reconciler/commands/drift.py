"""`reconciler drift`: what in Azure moved away from the spec, outside reconciler.

Observe, judge, and read the Activity Log only when a deployment is missing (then judge again
with it): zero extra requests when nothing is missing, one query per subscription and resource
group when something is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reconciler.azure.activity import add_activity
from reconciler.azure.observe import Observation
from reconciler.commands.pipeline import Prepared, Session, prepare
from reconciler.errors import Diagnostic
from reconciler.plan.drift import DriftReport, drift_report


@dataclass(frozen=True)
class DriftRun:
    report: DriftReport
    observed_digest: str


def run_drift(prepared: Prepared, session: Session) -> tuple[Observation, DriftReport]:
    observation = session.observe(prepared, with_results=False)
    report = drift_report(prepared.desired, observation.observed)
    if report.activity_wanted:
        observation = add_activity(observation, session.clients, report.activity_wanted)
        report = drift_report(prepared.desired, observation.observed)
    return observation, report


def find(
    spec_dir: Path,
    *,
    log_http: Path | None = None,
    allow_env: Iterable[str] = (),
    on_warning: Callable[[Diagnostic], None] | None = None,
) -> DriftRun:
    """Read Azure and compare it with the spec; work still under way is not drift."""
    prepared = prepare(spec_dir, on_warning=on_warning, allow_env=allow_env)
    with Session.open(log_http) as session:
        observation, report = run_drift(prepared, session)
    return DriftRun(report, observation.observed.digest())
