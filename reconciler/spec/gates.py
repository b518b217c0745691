"""Rules on deployments' promotion gates (SPEC.md §5.8) that need the job they gate: a gate
bounds a job's final metrics, so it needs a `{job: …}` model, and each metric must be one the
job can report (reward metrics only for reinforcement, valid_*/full_valid_* only with
validation data). Whether the job reported it is known once it has trained (the planner)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reconciler.errors import Diagnostic
from reconciler.promotion.names import unreported_by_spec
from reconciler.quoting import quote
from reconciler.spec.models import ModelRef

if TYPE_CHECKING:
    from reconciler.spec.load import Spec


def check_gates(spec: Spec) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name, deployment in spec.deployments.items():
        gate = deployment.gate
        if gate is None:
            continue
        model = deployment.model
        if not isinstance(model, ModelRef):
            out.append(
                Diagnostic.error(
                    f"deployments.{name}.gate: a gate bounds the final metrics of a job of "
                    "this spec; this deployment serves the model id "
                    f"{quote(model)}, which no job of the spec trains: deploy {{job: NAME}}, or "
                    "remove the gate",
                    spec.key_location("deployments", name, "gate"),
                )
            )
            continue
        if model.checkpoint is not None:
            out.append(
                Diagnostic.error(
                    f"deployments.{name}.gate: a gate bounds the final metrics of job "
                    f"{model.job}, and this deployment serves its checkpoint of epoch "
                    f"{model.checkpoint}: gate a deployment of the job's final model",
                    spec.key_location("deployments", name, "gate"),
                )
            )
            continue
        job = spec.jobs.get(model.job)
        if job is None:
            continue  # an unknown job is reported by the references check
        for metric in gate.bounds():
            why = unreported_by_spec(metric, job.method, job.validation_data is not None)
            if why is not None:
                out.append(
                    Diagnostic.error(
                        f"deployments.{name}.gate.{metric}: job {model.job} does not report "
                        f"this metric: {why}",
                        spec.key_location("deployments", name, "gate", metric),
                    )
                )
    return out
