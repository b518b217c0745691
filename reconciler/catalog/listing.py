"""What `reconciler catalog` prints: the catalog's models, methods, training types, regions and
skus, optionally narrowed to one region or one model, as text or JSON.

A newcomer writing a spec needs these values before `validate` can tell them one is wrong;
both outputs come from the same ``Catalog`` the offline checks and the emulator use.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from typing import Any, get_args

from reconciler.catalog.model import METHODS, TRAINING_TYPES, Capacity, Catalog, CatalogError
from reconciler.spec.models import Method

# The catalog knows Azure's methods; a job's `method` accepts only those the tool trains today.
SPEC_METHODS: tuple[str, ...] = get_args(Method)

WIDTH = 100


def select(catalog: Catalog, region: str | None, model: str | None) -> dict[str, Any]:
    """The catalog as plain data, narrowed to ``region`` and ``model`` when given.

    An unknown region or model is a CatalogError listing the known ones, so a typo is not
    mistaken for "nothing offered there".
    """
    if region is not None and region not in catalog.regions:
        raise CatalogError(
            f"error: region {region!r} is not in the catalog "
            f"(regions: {', '.join(sorted(catalog.regions))})"
        )
    if model is not None and model not in catalog.models:
        raise CatalogError(
            f"error: model {model!r} is not in the catalog (models: {', '.join(catalog.models)})"
        )
    models = []
    for info in catalog.models.values():
        if model is not None and info.id != model:
            continue
        training = {
            kind: sorted(r for r in info.training_regions.get(kind, ()) if _keep(r, region))
            for kind in TRAINING_TYPES
        }
        entry = {
            "id": info.id,
            "name": info.name,
            "version": info.version,
            "encoding": info.encoding,
            "max_example_tokens": info.max_example_tokens,
            "vision": info.vision,
            "methods": [m for m in METHODS if m in info.methods],
            "training_types": {kind: regions for kind, regions in training.items() if regions},
            "finetuned_skus": _skus(info.finetuned_skus, region),
            "base_skus": _skus(info.base_skus, region),
        }
        # Narrowed to a region, a model with nothing there is left out (it is not offered).
        if region is not None and not (
            entry["training_types"] or entry["finetuned_skus"] or entry["base_skus"]
        ):
            continue
        models.append(entry)
    return {
        "region": region,
        "methods": list(METHODS),
        "spec_methods": list(SPEC_METHODS),
        "training_types": list(TRAINING_TYPES),
        "regions": sorted(catalog.regions) if region is None else [region],
        "models": models,
    }


def _keep(candidate: str, region: str | None) -> bool:
    return region is None or candidate == region


def _skus(
    table: Mapping[str, Mapping[str, Capacity]], region: str | None
) -> dict[str, list[dict[str, Any]]]:
    """sku -> one entry per distinct capacity rule, with the regions where it holds."""
    grouped: dict[str, dict[Capacity, list[str]]] = {}
    for where, skus in table.items():
        if not _keep(where, region):
            continue
        for sku, capacity in skus.items():
            grouped.setdefault(sku, {}).setdefault(capacity, []).append(where)
    return {
        sku: [
            {"capacity": capacity.to_arm(), "regions": sorted(regions)}
            for capacity, regions in sorted(rules.items(), key=lambda item: item[0].minimum)
        ]
        for sku, rules in sorted(grouped.items())
    }


def render_json(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def render_text(data: Mapping[str, Any]) -> str:
    lines: list[str] = []
    if not data["models"]:
        where = f" in {data['region']}" if data["region"] else ""
        return f"No model of the catalog is offered{where}.\n"
    for model in data["models"]:
        if lines:
            lines.append("")
        vision = ", images" if model["vision"] else ""
        lines.append(
            f"{model['id']}  ({model['encoding']}, up to {model['max_example_tokens']} tokens "
            f"per example{vision})"
        )
        methods = [
            m if m in SPEC_METHODS else f"{m} (not yet accepted in specs)" for m in model["methods"]
        ]
        lines.append(f"  methods: {', '.join(methods) or 'none (not fine-tunable)'}")
        if model["training_types"]:
            lines.append("  training_type:")
            for kind, regions in model["training_types"].items():
                lines.extend(_wrapped(f"{kind}: ", regions))
        for key, title in (("finetuned_skus", "fine-tuned"), ("base_skus", "base model")):
            if not model[key]:
                continue
            lines.append(f"  deployment skus ({title}):")
            for sku, rules in model[key].items():
                for rule in rules:
                    head = f"{sku} {_capacity(rule['capacity'])}: "
                    lines.extend(_wrapped(head, rule["regions"]))
    return "\n".join(lines) + "\n"


def _capacity(capacity: Mapping[str, int]) -> str:
    low, high, step = capacity["minimum"], capacity["maximum"], capacity["step"]
    if step == 1:
        return f"capacity {low}..{high}"
    return f"capacity {low}..{high} step {step} ({low}, {low + step}, {low + 2 * step}, …)"


def _wrapped(head: str, regions: list[str]) -> list[str]:
    return textwrap.wrap(
        head + ", ".join(regions),
        width=WIDTH,
        initial_indent="    ",
        subsequent_indent="      ",
        break_on_hyphens=False,
    )
