"""`reconciler drift`'s steps: observe, judge, and read the Activity Log only when a deployment
is missing (then judge again with it): zero extra requests when nothing is missing, one query
per subscription and resource group when something is."""

from __future__ import annotations

from reconciler.azure.activity import add_activity
from reconciler.azure.observe import Observation
from reconciler.plan.drift import DriftReport, drift_report
from reconciler.workflow import Prepared, Session


def run_drift(prepared: Prepared, session: Session) -> tuple[Observation, DriftReport]:
    observation = session.observe(prepared)
    report = drift_report(prepared.desired, observation.observed)
    if report.activity_wanted:
        observation = add_activity(observation, session.clients, report.activity_wanted)
        report = drift_report(prepared.desired, observation.observed)
    return observation, report
