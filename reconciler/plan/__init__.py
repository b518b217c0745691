"""Plan: what the spec wants (Desired), what Azure holds (Observed), and the pure function
between them (`plan`), with drift detection and the text / JSON / markdown renderers.

Nothing in this package does I/O or imports an Azure SDK.
"""

from reconciler.plan.desired import (
    DatasetStats,
    Desired,
    DesiredAccount,
    DesiredDataset,
    DesiredDeployment,
    DesiredFile,
    DesiredJob,
    JobRef,
)
from reconciler.plan.drift import (
    DriftCause,
    DriftItem,
    DriftKind,
    DriftReport,
    drift,
    drift_json,
    drift_report,
)
from reconciler.plan.model import Action, Change, FieldChange, Plan, PlanIssue, ResourceType
from reconciler.plan.observed import (
    JobProgress,
    JobStatus,
    Observed,
    ObservedAccount,
    ObservedCheckpoint,
    ObservedDeployment,
    ObservedFile,
    ObservedJob,
    OfferedModel,
    OfferedSku,
    Usage,
    normalize_job_status,
)
from reconciler.plan.planner import plan
from reconciler.plan.render_drift import render_drift_json, render_drift_markdown, render_drift_text
from reconciler.plan.render_json import render_json
from reconciler.plan.render_markdown import render_markdown
from reconciler.plan.render_text import render_text

__all__ = [
    "Action",
    "Change",
    "DatasetStats",
    "Desired",
    "DesiredAccount",
    "DesiredDataset",
    "DesiredDeployment",
    "DesiredFile",
    "DesiredJob",
    "DriftCause",
    "DriftItem",
    "DriftKind",
    "DriftReport",
    "FieldChange",
    "JobProgress",
    "JobRef",
    "JobStatus",
    "Observed",
    "ObservedAccount",
    "ObservedCheckpoint",
    "ObservedDeployment",
    "ObservedFile",
    "ObservedJob",
    "OfferedModel",
    "OfferedSku",
    "Plan",
    "PlanIssue",
    "ResourceType",
    "Usage",
    "drift",
    "drift_json",
    "drift_report",
    "normalize_job_status",
    "plan",
    "render_drift_json",
    "render_drift_markdown",
    "render_drift_text",
    "render_json",
    "render_markdown",
    "render_text",
]
