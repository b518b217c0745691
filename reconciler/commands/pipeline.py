"""The steps every Azure-facing command shares: validate the spec, resolve it, observe, plan.

The CLI calls these and renders; apply calls them again before it acts (level-triggered).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reconciler.adopted_files import AdoptedFiles
from reconciler.azure import read
from reconciler.azure.clients import Clients
from reconciler.azure.job_results import add_results
from reconciler.azure.observe import Observation, add_catalog, observe
from reconciler.azure.target import (
    ENV_LOG_HTTP,
    Target,
    check_emulator_answers,
    resolve_target,
)
from reconciler.commands.validate import ValidationResult, validate
from reconciler.datasets.cache import Cache, cache_root
from reconciler.datasets.chat_fast import line_digest
from reconciler.datasets.digest_lookup import cached_digests
from reconciler.datasets.digest_set import DigestSet
from reconciler.datasets.git_history import digests_from_history
from reconciler.datasets.problems import ProblemCollector
from reconciler.errors import AzureError, Diagnostic, SpecError
from reconciler.kinds import accounts_of
from reconciler.kinds.job import JobAfter, JobBefore, trains_anew
from reconciler.plan import Action, Desired, Plan, ResourceType, plan
from reconciler.plan.from_spec import desired_from_spec
from reconciler.plan.jobs import previous_run
from reconciler.plan.promotion import wanted_results
from reconciler.plan.resolve import Resolver
from reconciler.spec import Spec

if TYPE_CHECKING:
    from reconciler.azure.wire_log import WireLog  # with its SDK hooks: loaded when logging


@dataclass
class Prepared:
    """A valid spec, resolved into the planner's Desired state."""

    spec: Spec
    validation: ValidationResult
    desired: Desired

    @property
    def warnings(self) -> list[Diagnostic]:
        return self.validation.diagnostics.warnings

    @property
    def api_key_envs(self) -> dict[str, str | None]:
        return {key: account.api_key_env for key, account in self.spec.accounts.items()}


def prepare(
    spec_dir: Path,
    *,
    on_warning: Callable[[Diagnostic], None] | None = None,
    allow_env: Iterable[str] = (),
) -> Prepared:
    """Validate (raising SpecError with every located problem) and resolve the spec.

    ``allow_env``: the variables ``--allow-env`` lets the spec read (``spec.env.EnvPolicy``).
    """
    result = validate(spec_dir, allow_env=allow_env, values_required=True)
    if on_warning is not None:
        for warning in result.diagnostics.warnings:
            on_warning(warning)
    if not result.ok or result.spec is None:
        raise SpecError(result.diagnostics.errors)
    desired = desired_from_spec(result.spec, result.datasets)
    return Prepared(result.spec, result, desired)


@dataclass
class Session:
    """A connection to Azure (or the emulator) for one command."""

    target: Target
    clients: Clients
    wire_log: WireLog | None = None
    # the plan `observe` computed to choose the catalog reads, for the observation it returned
    _planned: tuple[Desired, Observation, frozenset[str], Plan] | None = None

    @staticmethod
    def open(log_http: Path | None = None) -> Session:
        """``log_http``: append every HTTP exchange to this file (`--log-http`); without it,
        the file ``RECONCILER_LOG_HTTP`` names, if any (for CI, and for every way in: the CLI,
        a saved plan's apply, the library)."""
        target = resolve_target()
        check_emulator_answers(target)
        if log_http is None and os.environ.get(ENV_LOG_HTTP):
            log_http = Path(os.environ[ENV_LOG_HTTP])
        wire_log = None
        if log_http is not None:
            from reconciler.azure.wire_log import WireLog

            wire_log = WireLog(log_http)
        return Session(target, Clients(target, wire_log=wire_log), wire_log)

    def plan(
        self, prepared: Prepared, observation: Observation, replace: frozenset[str] = frozenset()
    ) -> Plan:
        """``compute_plan``, without computing again the plan `observe` made of the same
        observation (a no-op plan's planning is a tenth of its CPU)."""
        done = self._planned
        if (
            done is not None
            and done[0] is prepared.desired
            and done[1] is observation
            and done[2] == replace
        ):
            return done[3]
        return compute_plan(prepared, observation, replace)

    def close(self) -> None:
        try:
            self.clients.close()
        finally:
            if self.wire_log is not None:
                self.wire_log.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def observe(
        self,
        prepared: Prepared,
        replace: frozenset[str] = frozenset(),
        *,
        with_results: bool = True,
    ) -> Observation:
        """Read the stack's accounts; the region's catalog and quota usages only for accounts
        where the plan creates or changes a job or deployment (what plan-time checks need), so
        a no-op plan costs a small constant number of list calls per account."""
        try:
            observation = observe(
                prepared.desired,
                self.clients,
                api_key_envs=prepared.api_key_envs,
                with_catalog=frozenset(),
            )
            # files uploaded by hand that `reconciler import` recognised hold their content
            observation = AdoptedFiles.of_project(prepared.spec.project_root).mark(observation)
            planned = compute_plan(prepared, observation, replace)
            needing = accounts_to_check(planned)
            # final metrics of the jobs a promotion needs (SPEC §5.8): none for most plans
            # (`with_results=False`: drift, which decides nothing from them)
            wanted = (
                wanted_results(prepared.desired, observation.observed, planned)
                if with_results
                else None
            )
            if not needing and not wanted:
                self._planned = (prepared.desired, observation, replace, planned)
                return observation
            if needing:
                observation = add_catalog(observation, self.clients, needing)
            if wanted:
                observation = add_results(observation, self.clients, wanted)
            return observation
        except AzureError as exc:
            _locate(exc, prepared.spec)
            raise


def _locate(error: AzureError, spec: Spec) -> None:
    """An answer of Azure about one of the spec's accounts (not found, no access, …) points at
    that account's entry; errors without an answer (no credential, no connection) concern no
    spec line."""
    if error.account is None or error.status is None or error.account not in spec.accounts:
        return
    keys = (
        ("accounts", error.account, "name") if error.status == 404 else ("accounts", error.account)
    )
    error.locate(spec.location(*keys))


def accounts_to_check(result: Plan) -> frozenset[str]:
    """Accounts whose catalog and quota the checks of this plan's changes read."""
    checked = {Action.CREATE, Action.UPDATE, Action.REPLACE}
    found: set[str] = set()
    for change in result.changes:
        if change.type is ResourceType.FILE or change.action not in checked:
            continue
        found.update(accounts_of(change))
    return frozenset(found)


def example_history(
    prepared: Prepared, observation: Observation, result: Plan, clients: Clients
) -> dict[str, DigestSet | frozenset[bytes]]:
    """Example digests of the data of the jobs now serving, where a job is trained anew on
    changed data, so that a review can say how many examples were added and removed: from the
    local cache when that data was validated here (by its content sha256), else from the
    dataset file's git history (found by that sha256), else read from Azure (streamed, one
    file per changed dataset)."""
    known = prepared.desired.example_digests
    history: dict[str, DigestSet | frozenset[bytes]] = {}
    cache = Cache(cache_root(prepared.spec.project_root))
    resolver = Resolver(prepared.desired, observation.observed, frozenset())
    for change in result.changes:
        after, before = change.after, change.before
        if not isinstance(after, JobAfter) or not (before is None or isinstance(before, JobBefore)):
            continue
        if not trains_anew(change.action, before):
            continue
        account = observation.observed.accounts.get(after.account)
        access = observation.access.get(after.account)
        desired = prepared.desired.jobs[after.name]
        job = previous_run(resolver, desired)
        if account is None or access is None or job is None:
            continue
        for file_id, dataset in (
            (job.training_file, desired.training_data),
            (job.validation_file, desired.validation_data),
        ):
            observed = account.file(file_id) if file_id else None
            sha = observed.content() if observed else None
            if observed is None or sha is None or sha in known or sha in history:
                continue
            found: DigestSet | frozenset[bytes] | None = cached_digests(cache, sha)
            if found is None:
                found = _from_git(prepared, dataset, sha, observed.bytes)
            if found is not None:
                history[sha] = found
                continue
            from reconciler.azure.lookup import data_plane_for  # openai's client: this case only

            client = data_plane_for(clients, access)
            digests = set()
            quiet = ProblemCollector()  # a line that is not an example has no digest
            for line in read.iter_file_lines(client, access.name, observed.id):
                digest = line_digest(line.encode("utf-8", "surrogatepass"), quiet)
                if digest is not None:
                    digests.add(digest)
            history[sha] = frozenset(digests)
    return history


def _from_git(
    prepared: Prepared, dataset: str | None, sha256: str, size: int | None
) -> frozenset[bytes] | None:
    """The digests of the version of ``dataset``'s file holding ``sha256``, from git history;
    None for a split dataset (Azure holds a part of the file, not a version of it)."""
    spec = prepared.spec.datasets.get(dataset) if dataset else None
    if spec is None or spec.split is not None or size is None:
        return None
    return digests_from_history(prepared.spec.project_root, spec.path, sha256, size)


def plan_with_history(
    prepared: Prepared,
    observation: Observation,
    replace: frozenset[str],
    clients: Clients,
    planned: Plan | None = None,
) -> Plan:
    """The plan, with what changed in the data since the job now serving when a job is
    trained anew (for review in a pull request). ``planned``: the plan of this observation,
    if already computed."""
    result = planned if planned is not None else compute_plan(prepared, observation, replace)
    history = example_history(prepared, observation, result, clients)
    if not history:
        return result
    desired = desired_from_spec(prepared.spec, prepared.validation.datasets, history=history)
    return plan(desired, observation.observed, replace=replace)


def compute_plan(
    prepared: Prepared, observation: Observation, replace: frozenset[str] = frozenset()
) -> Plan:
    return plan(prepared.desired, observation.observed, replace=replace)
