"""What Azure offers per base model: fine-tuning methods, training regions, deployment skus, quotas.

The data lives in ``catalog.yaml`` (see ``load.py``); these types answer the questions both the
emulator and the offline checks ask, so both agree on Azure's rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from reconciler.errors import ReconcilerError
from reconciler.model_ids import base_of_fine_tuned, parse_fine_tuned

TRAINING_TYPES = ("standard", "globalstandard", "developer")
METHODS = ("supervised", "dpo", "reinforcement")


class CatalogError(ReconcilerError):
    """The catalog file is unreadable or inconsistent, or a question names something unknown."""


def api_training_type(training_type: str) -> str:
    """The ``trainingType`` value the fine-tuning API expects for a spec training type."""
    return "developerTier" if training_type == "developer" else training_type


def spec_training_type(api_value: str) -> str:
    """The spec's (and the catalog's) name for a ``trainingType`` the API reports, any case:
    ``developerTier`` is ``developer``."""
    lowered = api_value.lower()
    return "developer" if lowered in ("developertier", "developer") else lowered


def _listing(values: Iterable[object]) -> str:
    items = sorted(str(v) for v in values)
    return ", ".join(items) if items else "none"


def allowed_capacities(minimum: int, maximum: int, step: int) -> str:
    """The capacities a sku allows, as people read them: "25, 50, 75, … 500"."""
    values = range(minimum, maximum + 1, max(step, 1))
    if len(values) <= 4:
        return ", ".join(str(v) for v in values)
    return f"{values[0]}, {values[1]}, {values[2]}, … {values[-1]}"


def off_step(capacity: int, minimum: int, maximum: int, step: int) -> str:
    """Why a capacity between minimum and maximum is refused: it is not on the sku's steps."""
    below = capacity - (capacity - minimum) % step
    nearest = [v for v in (below, below + step) if minimum <= v <= maximum]
    hint = f"; nearest: {' or '.join(str(v) for v in nearest)}" if nearest else ""
    return (
        f"capacity {capacity} is not allowed: the capacity must be one of "
        f"{allowed_capacities(minimum, maximum, step)} (steps of {step}{hint})"
    )


@dataclass(frozen=True)
class Capacity:
    """A sku's allowed capacity: minimum plus a multiple of step, up to maximum."""

    minimum: int
    maximum: int
    step: int
    default: int

    def problem(self, capacity: int) -> str | None:
        if capacity < self.minimum:
            return f"capacity {capacity} is below the minimum {self.minimum}"
        if capacity > self.maximum:
            return f"capacity {capacity} is above the maximum {self.maximum}"
        if (capacity - self.minimum) % self.step != 0:
            return off_step(capacity, self.minimum, self.maximum, self.step)
        return None

    def to_arm(self) -> dict[str, int]:
        """The ``capacity`` object of ARM's model and deployment-sku listings."""
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            "step": self.step,
            "default": self.default,
        }


@dataclass(frozen=True)
class ModelInfo:
    id: str
    name: str
    version: str
    encoding: str
    max_example_tokens: int
    vision: bool
    methods: frozenset[str]
    training_regions: Mapping[str, frozenset[str]]
    base_skus: Mapping[str, Mapping[str, Capacity]]
    finetuned_skus: Mapping[str, Mapping[str, Capacity]]
    # Extras for the emulator's ARM model listing; not part of any rule.
    input_tokens: int = 0
    output_tokens: int = 0
    lifecycle_status: str = "GenerallyAvailable"

    def __hash__(self) -> int:
        # The mapping fields are unhashable; a model is identified by its id.
        return hash(self.id)

    @property
    def fine_tunable(self) -> bool:
        return bool(self.methods) and any(self.training_regions.values())

    def fine_tunable_in(self, region: str) -> bool:
        return any(region in regions for regions in self.training_regions.values())


def _is_fine_tuned(model: str) -> bool:
    """A fine-tuned model id that names its base (a checkpoint id does not: callers that
    resolved one to its base pass ``fine_tuned=True``)."""
    return parse_fine_tuned(model) is not None


def _base_id(model: str) -> str:
    return base_of_fine_tuned(model) or model


@dataclass(frozen=True)
class Catalog:
    regions: frozenset[str]
    models: Mapping[str, ModelInfo]
    default_quota: Mapping[str, int]
    # sku name -> usage-name template; "{name}" stands for the base model's name.
    base_usage: Mapping[str, str] = field(default_factory=dict)
    finetuned_usage: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def model(self, model_id: str) -> ModelInfo | None:
        return self.models.get(model_id)

    def base_of(self, model: str) -> ModelInfo | None:
        return self.models.get(_base_id(model))

    def finetune_problem(
        self, model_id: str, region: str, method: str, training_type: str
    ) -> str | None:
        """Why a job on ``model_id`` (base or fine-tuned) cannot run in ``region``, or None."""
        info = self.base_of(model_id)
        if info is None:
            return f"model {model_id} is not in the catalog of models that can be fine-tuned"
        if not info.fine_tunable:
            return f"model {info.id} cannot be fine-tuned"
        if method not in info.methods:
            return (
                f"model {info.id} does not support the {method} method "
                f"(supported: {_listing(info.methods)})"
            )
        if training_type not in TRAINING_TYPES:
            return f"unknown training type {training_type} (one of: {', '.join(TRAINING_TYPES)})"
        regions = info.training_regions.get(training_type, frozenset())
        if not regions:
            offered = [t for t in TRAINING_TYPES if info.training_regions.get(t)]
            return (
                f"model {info.id} does not offer {training_type} training "
                f"(offered: {', '.join(offered) or 'none'})"
            )
        if region not in regions:
            return (
                f"model {info.id} cannot be fine-tuned with {training_type} training in "
                f"{region} (regions: {_listing(regions)})"
            )
        return None

    def _skus_table(
        self, model: str, fine_tuned: bool | None
    ) -> tuple[ModelInfo | None, Mapping[str, Mapping[str, Capacity]]]:
        info = self.base_of(model)
        if info is None:
            return None, {}
        tuned = _is_fine_tuned(model) if fine_tuned is None else fine_tuned
        return info, info.finetuned_skus if tuned else info.base_skus

    def deploy_skus(
        self, model: str, region: str, *, fine_tuned: bool | None = None
    ) -> Mapping[str, Capacity]:
        """Skus a deployment of ``model`` may use in ``region`` (empty when none).

        ``fine_tuned`` overrides what the id says, for callers that resolved a checkpoint id
        or a deployment's model to its base id and know it is a fine-tuned model.
        """
        _, table = self._skus_table(model, fine_tuned)
        return table.get(region, {})

    def capacity_problem(
        self,
        model: str,
        region: str,
        sku: str,
        capacity: int,
        *,
        fine_tuned: bool | None = None,
    ) -> str | None:
        info, table = self._skus_table(model, fine_tuned)
        if info is None:
            return f"model {model} is not in the catalog"
        tuned = _is_fine_tuned(model) if fine_tuned is None else fine_tuned
        kind = "a fine-tuned " if tuned else ""
        skus = table.get(region)
        if not skus:
            offered = sorted(r for r, s in table.items() if s)
            return (
                f"{kind}{info.name} model cannot be deployed in {region} "
                f"(regions: {', '.join(offered) or 'none'})"
            )
        limits = skus.get(sku)
        if limits is None:
            return (
                f"sku {sku} is not offered for {kind}{info.name} in {region} "
                f"(skus: {_listing(skus)})"
            )
        found = limits.problem(capacity)
        return f"sku {sku}: {found}" if found else None

    def usage_name(self, model: str, sku: str, *, fine_tuned: bool | None = None) -> str:
        """The ARM usage (quota) name a deployment of ``model`` with ``sku`` counts against."""
        info = self.base_of(model)
        if info is None:
            raise CatalogError(f"model {model} is not in the catalog")
        tuned = _is_fine_tuned(model) if fine_tuned is None else fine_tuned
        templates = self.finetuned_usage if tuned else self.base_usage
        template = templates.get(sku)
        if template is None:
            kind = "fine-tuned" if tuned else "base"
            raise CatalogError(f"no usage name for sku {sku} of {kind} models in the catalog")
        return template.replace("{name}", info.name)

    def usage_name_or_general(self, model: str, sku: str, *, fine_tuned: bool | None = None) -> str:
        """``usage_name``, or for a sku the table does not list ARM's general form for
        token-based skus, ``OpenAI.<sku>.<model name>[-finetune]`` (see catalog.yaml)."""
        try:
            return self.usage_name(model, sku, fine_tuned=fine_tuned)
        except CatalogError:
            info = self.base_of(model)
            if info is None:
                raise
            tuned = _is_fine_tuned(model) if fine_tuned is None else fine_tuned
            return f"OpenAI.{sku}.{info.name}" + ("-finetune" if tuned else "")

    def models_in_region(self, region: str) -> list[ModelInfo]:
        """Models deployable or trainable in ``region``, in catalog order (ARM model listing)."""
        return [
            info
            for info in self.models.values()
            if info.base_skus.get(region)
            or info.finetuned_skus.get(region)
            or info.fine_tunable_in(region)
        ]
