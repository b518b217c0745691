"""A plan with nothing to do while a spec job failed says so: it never reads "Azure matches"."""

from __future__ import annotations

from reconciler.plan import plan, render_markdown, render_text
from reconciler.plan.model import Plan
from reconciler.plan.observed import JobStatus

from .plan_builders import desired, observed, observed_job


def failed_plan(status: JobStatus = JobStatus.FAILED) -> Plan:
    spec = desired(deployments={})
    meta = {"reconciler-fingerprint": spec.fingerprint("clippy"), "reconciler-job": "clippy"}
    state = observed(
        swc={"jobs": (observed_job("ftjob-1", status, metadata=meta, error_message="RAI."),)}
    )
    return plan(spec, state)


def test_text_summary_names_the_failed_job_and_how_to_retry_it() -> None:
    result = failed_plan()
    assert not result.has_changes and not result.has_errors  # exit codes stay as SPEC says
    text = render_text(result)
    assert "matches the spec" not in text
    lines = text.splitlines()
    assert lines[-2] == "No changes, but Azure does not match the spec: 1 job failed."
    assert "job.clippy failed in Azure" in lines[-1]
    assert "`--replace job.clippy`" in lines[-1]


def test_markdown_summary_names_the_failed_job() -> None:
    markdown = render_markdown(failed_plan(JobStatus.CANCELLED))
    assert "matches the spec" not in markdown
    assert "No changes, but Azure does not match the spec: 1 job failed." in markdown
    assert "job.clippy cancelled in Azure" in markdown
    assert "`--replace job.clippy`" in markdown


def test_a_trained_job_still_reads_as_matching() -> None:
    spec = desired(deployments={})
    meta = {"reconciler-fingerprint": spec.fingerprint("clippy"), "reconciler-job": "clippy"}
    job = observed_job("ftjob-1", JobStatus.SUCCEEDED, metadata=meta, fine_tuned_model="ft")
    text = render_text(plan(spec, observed(swc={"jobs": (job,)})))
    assert text.endswith("No changes. Azure matches the spec.\n")
