"""Observe: what Azure holds for a stack's accounts, as the planner's `Observed`.

Per account: GET account (endpoint, region), list deployments, list files, list jobs (pages
followed); for the stack's jobs that the plan needs, their checkpoints or latest events; and,
once per subscription and region, the model catalog and quota usages. Never one GET per
resource (DESIGN.md principle 4). The lists of all accounts are issued at once (a thread per
account, and its deployments and jobs lists beside its files list): a no-op plan waits about
two round trips (the accounts of a resource group, then the data-plane lists), whatever the
number of accounts.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from reconciler.azure import read
from reconciler.azure.checkpoint_copy import copy_status
from reconciler.azure.clients import Clients
from reconciler.catalog import Catalog, ModelInfo, load_catalog, spec_training_type
from reconciler.errors import AzureError, NotFoundError
from reconciler.model_ids import suffix_of
from reconciler.plan.checkpoint_copies import copied_checkpoint
from reconciler.plan.desired import Desired, DesiredAccount, JobRef
from reconciler.plan.naming import META_FINGERPRINT, META_JOB, META_STACK
from reconciler.plan.observed import (
    JobProgress,
    Observed,
    ObservedAccount,
    ObservedCheckpoint,
    ObservedCopy,
    ObservedDeployment,
    ObservedFile,
    ObservedJob,
    OfferedModel,
    OfferedSku,
    Usage,
    normalize_job_status,
)

if TYPE_CHECKING:
    import openai

T = TypeVar("T")
# accounts read at once; each has up to three lists in flight (deployments, files, jobs)
MAX_PARALLEL_ACCOUNTS = 64
LISTS_PER_ACCOUNT = 3


@dataclass(frozen=True)
class AccountAccess:
    """What apply needs to reach an observed account again."""

    key: str
    subscription_id: str
    resource_group: str
    name: str
    endpoint: str
    tenant_id: str | None
    api_key_env: str | None


@dataclass
class Observation:
    observed: Observed
    access: dict[str, AccountAccess] = field(default_factory=dict)


class _Once:
    """Per-key memo so that two accounts in one region share one catalog and usages read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: dict[tuple[str, ...], threading.Event] = {}
        self._values: dict[tuple[str, ...], Any] = {}
        self._errors: dict[tuple[str, ...], BaseException] = {}

    def get(self, key: tuple[str, ...], compute: Callable[[], T]) -> T:
        with self._lock:
            event = self._events.get(key)
            owner = event is None
            if owner:
                event = self._events[key] = threading.Event()
        assert event is not None
        if owner:
            try:
                self._values[key] = compute()
            except BaseException as exc:
                self._errors[key] = exc
            finally:
                event.set()
        event.wait()
        if key in self._errors:
            raise self._errors[key]
        value: T = self._values[key]
        return value


def _capacity(raw: Mapping[str, Any] | None) -> OfferedSku | None:
    if not raw:
        return None
    capacity = raw.get("capacity") or {}
    return OfferedSku(
        minimum=int(capacity.get("minimum") or 1),
        maximum=int(capacity.get("maximum") or 0),
        step=int(capacity.get("step") or 1),
        default=int(capacity.get("default") or 0),
        usage_name=raw.get("usageName"),
    )


def _flag(value: object) -> bool | None:
    """A capability value: ARM publishes the strings "true"/"false"; anything else is silence."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _finetune_flag(model: Mapping[str, Any], name: str) -> bool | None:
    """`finetuneCapabilities.<name>` where ARM reports it, else `capabilities.<name>`.

    `ListAccountModels.json` (2025-09-01) lists gpt-4o 2024-08-06 with `capabilities.fineTune:
    "false"` and `finetuneCapabilities.fineTune: "true"`: the fine-tuning block is the one that
    speaks for fine-tuning.
    """
    finetune = model.get("finetuneCapabilities")
    if isinstance(finetune, Mapping) and name in finetune:
        return _flag(finetune[name])
    capabilities = model.get("capabilities")
    if name == "fineTune" and isinstance(capabilities, Mapping):
        return _flag(capabilities.get(name))
    return None


def _catalog_offer(info: ModelInfo | None, region: str, catalog: Catalog) -> OfferedModel:
    """What the package catalog (the docs) says of a base model's fine-tuning in a region."""
    if info is None:
        return OfferedModel(name="", version="")
    finetune_skus = {
        sku_name: OfferedSku(
            c.minimum,
            c.maximum,
            c.step,
            c.default,
            catalog.usage_name(info.id, sku_name, fine_tuned=True),
        )
        for sku_name, c in info.finetuned_skus.get(region, {}).items()
    }
    types = tuple(sorted(t for t, regions in info.training_regions.items() if region in regions))
    return OfferedModel(
        name=info.name,
        version=info.version,
        fine_tunable=bool(info.methods) and info.fine_tunable_in(region),
        finetune_skus=finetune_skus,
        training_types=types,
    )


def offered_models(
    entries: list[dict[str, Any]], region: str, catalog: Catalog
) -> list[OfferedModel]:
    """ARM `locations/{loc}/models` (the shape of `ListLocationModels.json`) as OfferedModels.

    ARM publishes per base model its skus and string capabilities only: nothing in it says which
    skus, capacities or training types a *fine-tuned* model has. Those come from the package
    catalog (the docs). What ARM says explicitly narrows them (`fineTune: "false"`: not
    trainable here; `finetuneCapabilities.inference: "false"`: fine-tuned models of it cannot be
    deployed here); what it does not say never becomes a refusal, including a catalog model that
    the region's list leaves out.
    """
    out: list[OfferedModel] = []
    listed: set[str] = set()
    for entry in entries:
        model = entry.get("model") or {}
        name, version = str(model.get("name") or ""), str(model.get("version") or "")
        if not name:
            continue
        skus = {
            str(s["name"]): sku
            for s in model.get("skus") or ()
            if s.get("name") and (sku := _capacity(s)) is not None
        }
        info = catalog.model(f"{name}-{version}")
        documented = _catalog_offer(info, region, catalog)
        tunable = _finetune_flag(model, "fineTune")
        deployable = _finetune_flag(model, "inference") if "finetuneCapabilities" in model else None
        listed.add(f"{name}-{version}")
        out.append(
            OfferedModel(
                name=name,
                version=version,
                skus=skus,
                fine_tunable=documented.fine_tunable if tunable is None else tunable,
                finetune_skus={} if deployable is False else documented.finetune_skus,
                training_types=documented.training_types,
            )
        )
    for info in catalog.models_in_region(region):
        if info.id not in listed:
            out.append(_catalog_offer(info, region, catalog))
    return out


def usages_of(entries: list[dict[str, Any]]) -> dict[str, Usage]:
    out: dict[str, Usage] = {}
    for entry in entries:
        name = (entry.get("name") or {}).get("value")
        if name:
            out[str(name)] = Usage(
                float(entry.get("currentValue") or 0), float(entry.get("limit") or 0)
            )
    return out


def observed_deployment(raw: Mapping[str, Any]) -> ObservedDeployment:
    sku = raw.get("sku") or {}
    props = raw.get("properties") or {}
    model = props.get("model") or {}
    extra = {k: v for k, v in props.items() if k not in _TYPED_PROPERTIES and v is not None}
    return ObservedDeployment(
        name=str(raw.get("name") or ""),
        sku_name=str(sku.get("name") or ""),
        capacity=int(sku.get("capacity") or 0),
        model_name=str(model.get("name") or ""),
        model_version=str(model.get("version") or ""),
        model_format=str(model.get("format") or "OpenAI"),
        source=model.get("source"),
        source_account=model.get("sourceAccount"),
        tags={str(k): str(v) for k, v in (raw.get("tags") or {}).items()},
        provisioning_state=str(props.get("provisioningState") or "Succeeded"),
        etag=raw.get("etag"),
        rai_policy=_opt_text(props.get("raiPolicyName")),
        version_upgrade=_opt_text(props.get("versionUpgradeOption")),
        spillover_to=_opt_text(props.get("spilloverDeploymentName")),
        extra=extra,
    )


# deployment properties read into ObservedDeployment's own fields
_TYPED_PROPERTIES = frozenset(
    {
        "model",
        "provisioningState",
        "raiPolicyName",
        "versionUpgradeOption",
        "spilloverDeploymentName",
    }
)


def _opt_text(value: object) -> str | None:
    return str(value) if value else None


def wants_rai_policies(desired: Desired, account: str) -> bool:
    """The account's content filters are read only when a deployment of it sets rai_policy."""
    return any(
        d.account == account and d.rai_policy is not None for d in desired.deployments.values()
    )


def observed_file(raw: Mapping[str, Any]) -> ObservedFile:
    details = raw.get("status_details")
    return ObservedFile(
        id=str(raw["id"]),
        filename=str(raw.get("filename") or ""),
        bytes=int(raw["bytes"]) if raw.get("bytes") is not None else None,
        purpose=str(raw.get("purpose") or ""),
        status=str(raw.get("status") or "processed"),
        status_details=str(details) if details else None,
        created_at=int(raw["created_at"]) if raw.get("created_at") is not None else None,
    )


def _hyperparameters(raw: Mapping[str, Any]) -> dict[str, int | float | str]:
    method = raw.get("method") or {}
    kind = method.get("type")
    found: dict[str, Any] = dict(raw.get("hyperparameters") or {})
    if kind and isinstance(method.get(kind), dict):
        found.update(method[kind].get("hyperparameters") or {})
    return {
        str(k): v for k, v in found.items() if v is not None and isinstance(v, int | float | str)
    }


def _progress(raw: Mapping[str, Any], events: list[dict[str, Any]]) -> JobProgress | None:
    metrics = [e for e in events if e.get("type") == "metrics" and isinstance(e.get("data"), dict)]
    if not metrics:
        return None
    latest = max(
        metrics, key=lambda e: (int(e.get("created_at") or 0), int(e["data"].get("step") or 0))
    )
    data = latest["data"]
    n_epochs = _hyperparameters(raw).get("n_epochs")
    return JobProgress(
        step=int(data["step"]) if data.get("step") is not None else None,
        total_steps=int(data["total_steps"]) if data.get("total_steps") is not None else None,
        epoch=int(data["epoch"]) if data.get("epoch") is not None else None,
        n_epochs=int(n_epochs) if isinstance(n_epochs, int | float) and n_epochs > 0 else None,
        train_loss=float(data["train_loss"]) if data.get("train_loss") is not None else None,
    )


def _grader(method: Mapping[str, Any]) -> dict[str, Any] | None:
    section = method.get("reinforcement")
    grader = section.get("grader") if isinstance(section, dict) else None
    return dict(grader) if isinstance(grader, dict) else None


def observed_job(
    raw: Mapping[str, Any],
    checkpoints: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> ObservedJob:
    method = raw.get("method") or {}
    error = raw.get("error") or {}
    training_type = raw.get("trainingType") or raw.get("training_type")
    if isinstance(training_type, str):
        training_type = spec_training_type(training_type)
    steps: list[ObservedCheckpoint] = []
    for c in sorted(checkpoints or (), key=lambda c: int(c.get("step_number") or 0)):
        steps.append(
            ObservedCheckpoint(
                id=str(c["id"]),
                model_id=c.get("fine_tuned_model_checkpoint"),
                step=int(c.get("step_number") or 0),
                metrics={
                    str(k): float(v)
                    for k, v in (c.get("metrics") or {}).items()
                    if isinstance(v, int | float)
                },
            )
        )
    return ObservedJob(
        id=str(raw["id"]),
        status=normalize_job_status(str(raw.get("status") or "")),
        model=str(raw.get("model") or ""),
        fine_tuned_model=raw.get("fine_tuned_model"),
        training_file=raw.get("training_file"),
        validation_file=raw.get("validation_file"),
        hyperparameters=_hyperparameters(raw),
        method=method.get("type"),
        grader=_grader(method),
        seed=raw.get("seed"),
        # v1 jobs report `user_provided_suffix`; the api-version style reports `suffix`
        suffix=raw.get("user_provided_suffix")
        or raw.get("suffix")
        or _suffix_of(raw.get("fine_tuned_model")),
        training_type=str(training_type) if training_type else None,
        metadata={str(k): str(v) for k, v in (raw.get("metadata") or {}).items()},
        error_message=(error.get("message") or None) if isinstance(error, dict) else None,
        created_at=raw.get("created_at"),
        finished_at=raw.get("finished_at"),
        estimated_finish=raw.get("estimated_finish"),
        trained_tokens=raw.get("trained_tokens"),
        progress=_progress(raw, events or []),
        checkpoints=tuple(steps),
        result_files=tuple(str(f) for f in raw.get("result_files") or () if f),
    )


def _suffix_of(model: object) -> str | None:
    return suffix_of(model) if isinstance(model, str) else None


def _checkpoint_jobs(desired: Desired, account: str) -> tuple[frozenset[str], frozenset[str]]:
    """The spec jobs of this account whose checkpoints the plan uses: (names, fingerprints).

    Checkpoints are listed per job, so they are read only for the runs of these jobs (the one
    with the fingerprint, and earlier ones by name, which a deployment may still serve), not
    for every job in the account.
    """
    refs = [d.model for d in desired.deployments.values()]
    refs += [j.model for j in desired.jobs.values()]
    names = {
        r.job
        for r in refs
        if isinstance(r, JobRef)
        and r.checkpoint is not None
        and r.job in desired.jobs
        and desired.jobs[r.job].account == account
    }
    return frozenset(names), frozenset(desired.fingerprint(n) for n in names)


def _public_network_access(raw_account: Mapping[str, Any]) -> str | None:
    value = (raw_account.get("properties") or {}).get("publicNetworkAccess")
    return str(value) if value else None


def _copies(
    data_plane: Callable[[], openai.OpenAI],
    account_name: str,
    desired: Desired,
    account: str,
    ours: list[dict[str, Any]],
    checkpoints: Mapping[str, list[dict[str, Any]]],
) -> dict[str, tuple[ObservedCopy, ...]]:
    """Where the checkpoints of this account's jobs that the spec deploys elsewhere were copied
    (one GET per kept checkpoint of those jobs: at most three per job)."""
    names = {
        ref.job
        for d in desired.deployments.values()
        if (ref := copied_checkpoint(desired, d)) is not None
        and desired.jobs[ref.job].account == account
    }
    if not names:
        return {}
    fingerprints = {desired.fingerprint(n) for n in names}
    data = data_plane()
    found: dict[str, tuple[ObservedCopy, ...]] = {}
    for job in ours:
        meta = job.get("metadata") or {}
        if meta.get(META_JOB) not in names and meta.get(META_FINGERPRINT) not in fingerprints:
            continue
        for checkpoint in checkpoints.get(job["id"], ()):
            checkpoint_id = str(checkpoint.get("id") or "")
            status = copy_status(data, account_name, job["id"], checkpoint_id)
            if status:
                found[checkpoint_id] = status
    return found


@contextmanager
def _about(account_key: str) -> Iterator[None]:
    """Errors of calls inside name the spec's account they were about (for its place)."""
    try:
        yield
    except AzureError as exc:
        if exc.account is None:
            exc.account = account_key
        raise


def observe(
    desired: Desired,
    clients: Clients,
    *,
    api_key_envs: Mapping[str, str | None] | None = None,
    with_catalog: frozenset[str] | None = None,
) -> Observation:
    """Read every account of the stack, in parallel.

    `with_catalog` names the accounts whose region's model catalog and quota usages are read
    too (None: all), through `add_catalog`, which a caller may also use later for a plan that
    turns out to need them.
    """
    regional = _Once()
    api_key_envs = api_key_envs or {}

    def one(account: DesiredAccount) -> tuple[ObservedAccount, AccountAccess]:
        with _about(account.key):
            return read_account(account)

    def read_account(account: DesiredAccount) -> tuple[ObservedAccount, AccountAccess]:
        arm = clients.arm_reader(account.subscription_id, account.tenant_id)
        # needs only names from the spec: sent while the resource group's accounts are listed
        listed_deployments = lists.submit(
            read.list_deployments, arm, account.resource_group, account.name
        )
        listed_rai = (
            lists.submit(read.list_rai_policies, arm, account.resource_group, account.name)
            if wants_rai_policies(desired, account.key)
            else None
        )
        group = regional.get(
            ("accounts", account.subscription_id, account.resource_group),
            lambda: {
                str(a.get("name", "")).lower(): a
                for a in read.list_accounts(arm, account.resource_group)
            },
        )
        raw_account = group.get(account.name.lower())
        if raw_account is None:
            raise NotFoundError(
                f"no account {account.name} in resource group {account.resource_group} of "
                f"subscription {account.subscription_id}",
                operation=f"find account {account.key}",
                status=404,
            )
        location = str(raw_account.get("location") or "")
        endpoint = str((raw_account.get("properties") or {}).get("endpoint") or "")
        where = f"{account.key} ({account.name})"
        access = AccountAccess(
            key=account.key,
            subscription_id=account.subscription_id,
            resource_group=account.resource_group,
            name=account.name,
            endpoint=endpoint,
            tenant_id=account.tenant_id,
            api_key_env=api_key_envs.get(account.key),
        )
        data = clients.data_plane_reader(
            endpoint, api_key_env=access.api_key_env, where=where, tenant_id=account.tenant_id
        )
        listed_jobs = lists.submit(read.list_jobs, data, account.name)
        files = read.list_files(data, account.name)
        jobs = listed_jobs.result()
        deployments = listed_deployments.result()
        rai_policies = (
            tuple(sorted(str(p.get("name") or "") for p in listed_rai.result()))
            if listed_rai is not None
            else None
        )
        ours = [j for j in jobs if (j.get("metadata") or {}).get(META_STACK) == desired.stack]
        checkpoints: dict[str, list[dict[str, Any]]] = {}
        events: dict[str, list[dict[str, Any]]] = {}
        names, fingerprints = _checkpoint_jobs(desired, account.key)
        for job in ours:
            meta = job.get("metadata") or {}
            wanted = meta.get(META_JOB) in names or meta.get(META_FINGERPRINT) in fingerprints
            if wanted and job.get("status") == "succeeded":
                checkpoints[job["id"]] = read.list_checkpoints(data, account.name, job["id"])
        copies = _copies(
            lambda: clients.data_plane(
                endpoint, api_key_env=access.api_key_env, where=where, tenant_id=account.tenant_id
            ),
            account.name,
            desired,
            account.key,
            ours,
            checkpoints,
        )
        for job in ours:
            if normalize_job_status(str(job.get("status") or "")).active:
                events[job["id"]] = read.list_events(data, account.name, job["id"], limit=100)
        observed = ObservedAccount(
            key=account.key,
            arm_id=str(raw_account.get("id") or ""),
            name=account.name,
            location=location,
            endpoint=endpoint,
            files=tuple(observed_file(f) for f in files),
            jobs=tuple(
                observed_job(j, checkpoints.get(j["id"]), events.get(j["id"])) for j in jobs
            ),
            deployments=tuple(observed_deployment(d) for d in deployments),
            public_network_access=_public_network_access(raw_account),
            copies=copies,
            rai_policies=rai_policies,
        )
        return observed, access

    accounts = sorted(desired.accounts.values(), key=lambda a: a.key)
    workers = max(1, min(MAX_PARALLEL_ACCOUNTS, len(accounts)))
    # the account threads wait on `lists`, whose tasks wait on nothing: no deadlock
    with (
        ThreadPoolExecutor(
            max_workers=workers * LISTS_PER_ACCOUNT, thread_name_prefix="observe-list"
        ) as lists,
        ThreadPoolExecutor(max_workers=workers, thread_name_prefix="observe") as pool,
    ):
        results = list(pool.map(one, accounts))
    observation = Observation(Observed({o.key: o for o, _ in results}))
    observation.access = {a.key: a for _, a in results}
    wanted = frozenset(observation.access) if with_catalog is None else with_catalog
    return add_catalog(observation, clients, wanted) if wanted else observation


def add_catalog(
    observation: Observation, clients: Clients, accounts: frozenset[str]
) -> Observation:
    """The observation with the catalog and usages of these accounts' regions read (once per
    subscription and region)."""
    catalog = load_catalog()
    regional = _Once()
    current = dict(observation.observed.accounts)

    def one(key: str) -> ObservedAccount:
        with _about(key):
            return read_catalog(key)

    def read_catalog(key: str) -> ObservedAccount:
        seen = current[key]
        access = observation.access[key]
        arm = clients.arm_reader(access.subscription_id, access.tenant_id)
        region = (access.subscription_id, seen.location)
        models = regional.get(
            ("models", *region), lambda: read.list_location_models(arm, seen.location)
        )
        usages = regional.get(("usages", *region), lambda: read.list_usages(arm, seen.location))
        return dataclasses.replace(
            seen,
            catalog=tuple(offered_models(models, seen.location, catalog)),
            usages=usages_of(usages),
        )

    wanted = sorted(k for k in accounts if k in current and current[k].catalog is None)
    if wanted:
        workers = max(1, min(MAX_PARALLEL_ACCOUNTS, len(wanted)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="catalog") as pool:
            for key, account in zip(wanted, pool.map(one, wanted), strict=True):
                current[key] = account
    return Observation(Observed(current), dict(observation.access))


__all__ = ["AccountAccess", "Observation", "add_catalog", "observe"]
