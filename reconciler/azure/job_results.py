"""Reading finished jobs' final metrics and loss curves (SPEC.md §5.8): per job, its
checkpoints list (unless observe has read it) and its results.csv, all jobs' reads at once,
through the account's data-plane client (its credential, retries and wire log)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from reconciler.azure import read
from reconciler.azure.clients import Clients
from reconciler.azure.lookup import data_plane_for
from reconciler.azure.observe import AccountAccess, Observation
from reconciler.plan.observed import ObservedJob
from reconciler.promotion.metrics import JobResults, final_results

MAX_PARALLEL_READS = 16


def read_job_results(
    clients: Clients, access: AccountAccess, job: ObservedJob, pool: ThreadPoolExecutor
) -> JobResults:
    """One job's results: its checkpoints and its results.csv, read at the same time."""
    client = data_plane_for(clients, access)
    listed = (
        None if job.checkpoints else pool.submit(read.list_checkpoints, client, access.name, job.id)
    )
    if job.result_files:
        text: str | None = read.file_text(client, access.name, job.result_files[0])
    else:  # a job listed without its result files: ask the job for them
        text = read.job_results_csv(client, access.name, job.id)
    checkpoints: list[Mapping[str, Any]] = (
        list(listed.result())
        if listed is not None
        else [{"step_number": c.step, "metrics": dict(c.metrics)} for c in job.checkpoints]
    )
    return final_results(job.id, checkpoints, text)


def add_results(
    observation: Observation, clients: Clients, wanted: Mapping[str, set[str]]
) -> Observation:
    """The observation with the results of the ``wanted`` jobs (account key -> job ids)."""
    accounts = dict(observation.observed.accounts)
    todo = [
        (key, job)
        for key in sorted(wanted)
        if key in accounts
        for job in accounts[key].jobs
        if job.id in wanted[key] and job.id not in accounts[key].results
    ]
    if not todo:
        return observation
    workers = max(1, min(MAX_PARALLEL_READS, len(todo)))
    # the job threads wait on `inner` (checkpoint lists), whose tasks wait on nothing
    with (
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="results-list") as inner,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="results") as pool,
    ):
        found = list(
            pool.map(
                lambda item: read_job_results(clients, observation.access[item[0]], item[1], inner),
                todo,
            )
        )
    for (key, _), results in zip(todo, found, strict=True):
        account = accounts[key]
        merged = {**account.results, results.job_id: results}
        accounts[key] = dataclasses.replace(account, results=merged)
    return Observation(type(observation.observed)(accounts), dict(observation.access))
