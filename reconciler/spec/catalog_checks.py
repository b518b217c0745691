"""Checks against the model catalog.

An account's region is not in the spec (ARM reports it). Offline (``check_catalog``) only what
cannot work in any region is an error: an unknown model, a method or training type the model
never offers, a sku never offered for the model, a capacity that fits no region's limits. Once
the regions are known, ``check_regions`` adds what does not work in the account's region.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reconciler.catalog import TRAINING_TYPES, Capacity, Catalog, ModelInfo
from reconciler.errors import Diagnostic
from reconciler.model_ids import is_checkpoint_id, is_fine_tuned
from reconciler.quoting import quote
from reconciler.spec.errors import did_you_mean
from reconciler.spec.models import ModelRef

if TYPE_CHECKING:
    from reconciler.spec.load import Spec


# sku name -> (region, its capacity limits), of one model (base or fine-tuned)
_Offered = dict[str, list[tuple[str, Capacity]]]


def check_catalog(spec: Spec, catalog: Catalog) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for name in spec.jobs:
        out.extend(_job(spec, catalog, name))
    offered: dict[tuple[str, bool], _Offered] = {}  # the same few models, thousands of times
    for name in spec.deployments:
        out.extend(_deployment(spec, catalog, name, offered))
    return out


def _offered(info: ModelInfo, fine_tuned: bool) -> _Offered:
    table = info.finetuned_skus if fine_tuned else info.base_skus
    offered: _Offered = {}
    for region, skus in table.items():
        for sku_name, capacity in skus.items():
            offered.setdefault(sku_name, []).append((region, capacity))
    return offered


def unknown_model_message(catalog: Catalog, model: str) -> str:
    """'unknown model X; did you mean Y?' with the versioned id when only the name was given."""
    by_name = sorted(info.id for info in catalog.models.values() if info.name == model)
    if by_name:
        return (
            f"unknown model {quote(model)}: write the versioned id, e.g. '{by_name[-1]}'"
            if len(by_name) == 1
            else f"unknown model {quote(model)}: write a versioned id ({', '.join(by_name)})"
        )
    return f"unknown model {quote(model)}{did_you_mean(model, catalog.models)}"


def _job(spec: Spec, catalog: Catalog, name: str) -> list[Diagnostic]:
    job = spec.jobs[name]
    if isinstance(job.model, str):
        info = catalog.base_of(job.model)
        if info is None:
            return [
                Diagnostic.error(
                    f"jobs.{name}.model: {unknown_model_message(catalog, job.model)}",
                    spec.location("jobs", name, "model"),
                )
            ]
        where_model = spec.location("jobs", name, "model")
    else:
        # Continuing a chain: the rules of the model at its start apply; an unknown one is
        # reported at the job that names it.
        base = spec.base_model(name)
        info = catalog.base_of(base) if base is not None else None
        if info is None:
            return []
        where_model = spec.location("jobs", name, "model")
    if not info.fine_tunable:
        return [
            Diagnostic.error(
                f"jobs.{name}.model: model {info.id} cannot be fine-tuned", where_model
            )
        ]
    out: list[Diagnostic] = []
    if job.method not in info.methods:
        out.append(
            Diagnostic.error(
                f"jobs.{name}.method: model {info.id} does not support the {job.method} method "
                f"(supported: {', '.join(sorted(info.methods))})",
                spec.location("jobs", name, "method"),
            )
        )
    if not info.training_regions.get(job.training_type):
        offered = [t for t in TRAINING_TYPES if info.training_regions.get(t)]
        out.append(
            Diagnostic.error(
                f"jobs.{name}.training_type: model {info.id} does not offer "
                f"{job.training_type} training in any region (offered: {', '.join(offered)})",
                spec.location("jobs", name, "training_type"),
            )
        )
    return out


def _deployment(
    spec: Spec, catalog: Catalog, name: str, known: dict[tuple[str, bool], _Offered]
) -> list[Diagnostic]:
    deployment = spec.deployments[name]
    info: ModelInfo | None
    if isinstance(deployment.model, ModelRef):
        base = spec.base_model(deployment.model.job)
        info = catalog.base_of(base) if base is not None else None
        if info is None:
            return []  # reported at the job
        fine_tuned = True
    else:
        model = deployment.model
        if is_checkpoint_id(model):  # its base model is known only to the account holding it
            return []
        info = catalog.base_of(model)
        if info is None:
            return [
                Diagnostic.error(
                    f"deployments.{name}.model: {unknown_model_message(catalog, model)}",
                    spec.location("deployments", name, "model"),
                )
            ]
        fine_tuned = is_fine_tuned(model)
    kind = f"a fine-tuned {info.name}" if fine_tuned else info.id
    offered = known.get((info.id, fine_tuned))
    if offered is None:
        offered = known[(info.id, fine_tuned)] = _offered(info, fine_tuned)
    if not offered:
        return [
            Diagnostic.error(
                f"deployments.{name}.model: {kind} cannot be deployed in any region",
                spec.location("deployments", name, "model"),
            )
        ]
    sku = deployment.sku
    regions = offered.get(sku.name)
    if regions is None:
        return [
            Diagnostic.error(
                f"deployments.{name}.sku.name: sku {sku.name} is not offered for {kind} in any "
                f"region (offered: {', '.join(sorted(offered))})",
                spec.location("deployments", name, "sku", "name"),
            )
        ]
    return _capacity(spec, name, sku.name, sku.capacity, kind, regions)


def _capacity(
    spec: Spec,
    name: str,
    sku: str,
    capacity: int,
    kind: str,
    regions: list[tuple[str, Capacity]],
) -> list[Diagnostic]:
    problems: Mapping[str, str | None] = {
        region: limits.problem(capacity) for region, limits in regions
    }
    if any(problem is None for problem in problems.values()):
        return []  # fits somewhere; whether it fits the account's region is the planner's call
    distinct = sorted({problem for problem in problems.values() if problem is not None})
    if len(distinct) == 1:
        detail = distinct[0]
        if len(regions) > 1:
            detail += " in every region that offers it"
    else:
        detail = "; ".join(distinct[:3]) + " (no region's limits fit)"
    return [
        Diagnostic.error(
            f"deployments.{name}.sku.capacity: sku {sku} for {kind}: {detail}",
            spec.location("deployments", name, "sku", "capacity"),
        )
    ]


def check_regions(spec: Spec, catalog: Catalog, regions: Mapping[str, str]) -> list[Diagnostic]:
    """Problems given each account's region (``regions``: account name -> ARM location).

    Accounts missing from ``regions`` and models the catalog does not know are skipped (the
    offline checks report unknown models).
    """
    out: list[Diagnostic] = []
    for name, job in spec.jobs.items():
        region = regions.get(job.account)
        base = spec.base_model(name)
        if region is None or base is None or catalog.base_of(base) is None:
            continue
        problem = catalog.finetune_problem(base, region, job.method, job.training_type)
        if problem is not None:
            out.append(
                Diagnostic.error(
                    f"jobs.{name}: {problem} (account {quote(job.account)} is in {region})",
                    spec.location("jobs", name, "account"),
                )
            )
    for name, deployment in spec.deployments.items():
        region = regions.get(deployment.account)
        if region is None:
            continue
        if isinstance(deployment.model, ModelRef):
            model = spec.base_model(deployment.model.job)
            fine_tuned = True
        else:
            model = deployment.model
            fine_tuned = is_fine_tuned(model)
        if model is None or catalog.base_of(model) is None:
            continue
        sku = deployment.sku
        problem = catalog.capacity_problem(
            model, region, sku.name, sku.capacity, fine_tuned=fine_tuned
        )
        if problem is not None:
            out.append(
                Diagnostic.error(
                    f"deployments.{name}: {problem} (account {quote(deployment.account)} is in "
                    f"{region})",
                    spec.location("deployments", name, "sku"),
                )
            )
    return out
