"""Rules across entries: names that must exist, splits, training chains, unique Azure names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reconciler.errors import Diagnostic
from reconciler.quoting import quote
from reconciler.spec.errors import did_you_mean
from reconciler.spec.models import Hyperparameters, ModelRef

if TYPE_CHECKING:
    from reconciler.spec.load import Spec

SPLIT_PARTS = ("train", "validation")
# The service keeps the final model and the checkpoints of the two epochs before it.
KEPT_EPOCHS = 3
# What each method trains on (SPEC.md §1: supervised on chat data, dpo on preference data).
# Reinforcement (SPEC.md §5.4) trains on prompts: messages ending with a user or developer turn.
METHOD_FORMATS = {"supervised": "chat", "dpo": "preference", "reinforcement": "reinforcement"}


def parse_dataset_ref(reference: str) -> tuple[str, str | None]:
    """``"gozaru:train"`` -> ``("gozaru", "train")``; ``"clippy"`` -> ``("clippy", None)``."""
    name, sep, part = reference.partition(":")
    return (name, part) if sep else (name, None)


class _AnyName(frozenset[str]):
    """A section's names when a spec file could not be read: any name may be one of them."""

    def __contains__(self, name: object) -> bool:
        return True


def check_references(
    spec: Spec, defined: Mapping[str, frozenset[str]], *, names_known: bool = True
) -> list[Diagnostic]:
    """Problems in how entries refer to each other.

    ``defined`` holds every name written in each section, valid or not: a reference to an entry
    that has its own errors is not reported again. Without ``names_known`` (a spec file could
    not be read as YAML, so it may define any name) no reference is reported as unknown.
    """
    if not names_known:
        defined = {section: _AnyName(names) for section, names in defined.items()}
    out: list[Diagnostic] = []
    for name, job in spec.jobs.items():
        out.extend(_account(spec, defined, "jobs", name, job.account))
        out.extend(_dataset(spec, defined, name, "training_data", job.training_data))
        if job.validation_data is not None:
            out.extend(_dataset(spec, defined, name, "validation_data", job.validation_data))
        out.extend(_declared_format(spec, name))
        if isinstance(job.model, ModelRef):
            out.extend(_model_ref(spec, defined, "jobs", name, job.model))
    out.extend(_cycles(spec))
    for name, deployment in spec.deployments.items():
        out.extend(_account(spec, defined, "deployments", name, deployment.account))
        if isinstance(deployment.model, ModelRef):
            out.extend(_model_ref(spec, defined, "deployments", name, deployment.model))
    out.extend(_same_azure_account(spec))
    out.extend(_same_deployment_name(spec))
    return out


def _account(
    spec: Spec, defined: Mapping[str, frozenset[str]], section: str, name: str, account: str
) -> list[Diagnostic]:
    if account in defined["accounts"]:
        return []
    hint = did_you_mean(account, defined["accounts"])
    return [
        Diagnostic.error(
            f"{section}.{name}.account: unknown account {quote(account)}{hint}",
            spec.location(section, name, "account"),
        )
    ]


def _dataset(
    spec: Spec, defined: Mapping[str, frozenset[str]], job: str, key: str, reference: str
) -> list[Diagnostic]:
    where = spec.location("jobs", job, key)
    dataset, part = parse_dataset_ref(reference)
    if dataset not in defined["datasets"]:
        hint = did_you_mean(dataset, defined["datasets"])
        message = f"jobs.{job}.{key}: unknown dataset {quote(dataset)}{hint}"
        return [Diagnostic.error(message, where)]
    if part is None:
        return []
    if part not in SPLIT_PARTS:
        hint = did_you_mean(part, SPLIT_PARTS)
        return [
            Diagnostic.error(
                f"jobs.{job}.{key}: {quote(reference)} names no part of a dataset: write "
                f"{dataset}:train or {dataset}:validation{hint}",
                where,
            )
        ]
    found = spec.datasets.get(dataset)
    if found is not None and found.split is None:
        return [
            Diagnostic.error(
                f"jobs.{job}.{key}: {quote(reference)} needs a split, but dataset "
                f"{quote(dataset)} has no `split: {{validation: FRACTION, seed: N}}`",
                where,
            )
        ]
    return []


def _declared_format(spec: Spec, job_name: str) -> list[Diagnostic]:
    """A dataset declared with the wrong format for the job's method (detected ones: validate)."""
    job = spec.jobs[job_name]
    wanted = METHOD_FORMATS[job.method]
    out: list[Diagnostic] = []
    for key in ("training_data", "validation_data"):
        reference = getattr(job, key)
        if reference is None:
            continue
        dataset = spec.datasets.get(parse_dataset_ref(reference)[0])
        if dataset is not None and dataset.format is not None and dataset.format != wanted:
            out.append(
                Diagnostic.error(
                    f"jobs.{job_name}.{key}: method {job.method} trains on {wanted} data, but "
                    f"dataset {quote(reference)} is declared as {dataset.format}",
                    spec.location("jobs", job_name, key),
                )
            )
    return out


def _model_ref(
    spec: Spec, defined: Mapping[str, frozenset[str]], section: str, name: str, ref: ModelRef
) -> list[Diagnostic]:
    if ref.job not in defined["jobs"]:
        hint = did_you_mean(ref.job, defined["jobs"])
        return [
            Diagnostic.error(
                f"{section}.{name}.model: unknown job {quote(ref.job)}{hint}",
                spec.location(section, name, "model", "job"),
            )
        ]
    source = spec.jobs.get(ref.job)
    if ref.checkpoint is None or source is None:
        return []
    epochs = _epochs(source.hyperparameters)
    if epochs is None:
        return []
    where = spec.location(section, name, "model", "checkpoint")
    if ref.checkpoint > epochs:
        return [
            Diagnostic.error(
                f"{section}.{name}.model: job {quote(ref.job)} trains {epochs} epoch"
                f"{'s' if epochs != 1 else ''}; there is no checkpoint {ref.checkpoint}",
                where,
            )
        ]
    if ref.checkpoint <= epochs - KEPT_EPOCHS:
        return [
            Diagnostic.error(
                f"{section}.{name}.model: the service keeps only the checkpoints of the last "
                f"{KEPT_EPOCHS} epochs of job {quote(ref.job)} ({epochs - KEPT_EPOCHS + 1} to "
                f"{epochs}); checkpoint {ref.checkpoint} will not exist",
                where,
            )
        ]
    return []


def _epochs(hyperparameters: Hyperparameters) -> int | None:
    epochs = hyperparameters.n_epochs
    return epochs if isinstance(epochs, int) else None


def _cycles(spec: Spec) -> list[Diagnostic]:
    """Jobs that continue from each other in a circle can never start."""
    out: list[Diagnostic] = []
    reported: set[str] = set()
    for start in spec.jobs:
        path: list[str] = []
        current: str | None = start
        while current is not None and current in spec.jobs and current not in path:
            path.append(current)
            model = spec.jobs[current].model
            current = model.job if isinstance(model, ModelRef) else None
        if current is None or current not in path:
            continue
        cycle = path[path.index(current) :]
        if reported.intersection(cycle):
            continue
        reported.update(cycle)
        # Name the cycle from its first member in spec order, so the message is stable.
        first = min(cycle, key=list(spec.jobs).index)
        turn = cycle.index(first)
        ordered = cycle[turn:] + cycle[:turn]
        shown = " -> ".join([*ordered, ordered[0]])
        out.append(
            Diagnostic.error(
                f"jobs.{first}.model: continuous-training cycle: {shown}",
                spec.location("jobs", first, "model", "job"),
            )
        )
    return out


def _same_azure_account(spec: Spec) -> list[Diagnostic]:
    """Two logical accounts for one Azure resource would see each other's deployments."""
    out: list[Diagnostic] = []
    seen: dict[tuple[str, str, str], str] = {}
    for name, account in spec.accounts.items():
        identity = (
            account.subscription_id.casefold(),
            account.resource_group.casefold(),
            account.name.casefold(),
        )
        first = seen.setdefault(identity, name)
        if first != name:
            out.append(
                Diagnostic.error(
                    f"accounts.{name} is the same Azure resource as account {quote(first)} "
                    f"(at {spec.key_location('accounts', first)}); define it once",
                    spec.key_location("accounts", name),
                )
            )
    return out


def _same_deployment_name(spec: Spec) -> list[Diagnostic]:
    """Azure names deployments per account, case-insensitively."""
    out: list[Diagnostic] = []
    seen: dict[tuple[str, str], str] = {}
    for name, deployment in spec.deployments.items():
        key = (deployment.account, deployment.name.casefold())
        first = seen.setdefault(key, name)
        if first != name:
            out.append(
                Diagnostic.error(
                    f"deployments.{name}: Azure deployment name {quote(deployment.name)} is "
                    f"also used by deployment {quote(first)} (at "
                    f"{spec.key_location('deployments', first)}) in account "
                    f"{quote(deployment.account)}",
                    spec.location("deployments", name, "name"),
                )
            )
    return out
