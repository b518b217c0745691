"""The method and hyperparameters of a job request, checked, and ``auto`` resolved.

What the service picks for ``auto`` (documented here because the job reports the values):
- n_epochs: 3, raised so that epochs x examples reaches 100 (at most 25 epochs), lowered so that
  it stays under 25,000 (at least 1 epoch);
- batch_size: about 0.2 % of the examples, between 1 and 256;
- learning_rate_multiplier: 1.0 below batch size 8, else 2.0;
- beta (dpo): 0.1; prompt_loss_weight (Azure, when asked): 0.01.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from reconciler.catalog import METHODS
from reconciler.emulator.dataplane.errors import bad_request

_LIMITS: dict[str, tuple[float, float, bool]] = {  # name -> (min, max, integer)
    "n_epochs": (1, 50, True),
    "batch_size": (1, 256, True),
    "learning_rate_multiplier": (1e-9, 100.0, False),
    "beta": (1e-9, 2.0, False),
    "l2_multiplier": (0.0, 100.0, False),  # 2025-04-01-preview's dpo; range chosen
    "prompt_loss_weight": (0.0, 1.0, False),
    # OpenAI's published FineTuneReinforcementHyperparameters: above 0.00001, at most 10
    "compute_multiplier": (0.0000100001, 10.0, False),
    "eval_interval": (1, 10_000, True),
    "eval_samples": (1, 10_000, True),
}
_PER_METHOD = {
    "supervised": ("n_epochs", "batch_size", "learning_rate_multiplier", "prompt_loss_weight"),
    "dpo": (
        "n_epochs",
        "batch_size",
        "learning_rate_multiplier",
        "beta",
        "l2_multiplier",
        "prompt_loss_weight",
    ),
    "reinforcement": (
        "n_epochs",
        "batch_size",
        "learning_rate_multiplier",
        "compute_multiplier",
        "eval_interval",
        "eval_samples",
        "reasoning_effort",
    ),
}


@dataclass(frozen=True)
class MethodRequest:
    type: str
    hyperparameters: dict[str, Any]  # as asked: numbers or "auto"
    extra: dict[str, Any]  # other keys of method.<type> (e.g. a reinforcement grader)


def _check_value(name: str, value: Any, where: str) -> Any:
    if name == "reasoning_effort":
        if value not in ("default", "low", "medium", "high"):
            raise bad_request(f"{where} must be default, low, medium or high", param=where)
        return value
    if value == "auto":
        return value
    low, high, integer = _LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad_request(f"{where} must be a number or 'auto'", param=where)
    if integer and (isinstance(value, float) and not value.is_integer()):
        raise bad_request(f"{where} must be an integer or 'auto'", param=where)
    if not low <= value <= high:
        raise bad_request(f"{where} must be between {low:g} and {high:g}", param=where)
    return int(value) if integer else float(value)


def _hyperparameters(raw: Any, method: str, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise bad_request(f"{where} must be an object", param=where)
    allowed = _PER_METHOD[method]
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in allowed:
            raise bad_request(
                f"{where}.{name} is not a hyperparameter of the {method} method", param=where
            )
        if value is not None:
            out[name] = _check_value(name, value, f"{where}.{name}")
    return out


def parse_method(body: dict[str, Any]) -> MethodRequest:
    """From ``method{type, <type>{hyperparameters}}`` and/or the legacy top-level
    ``hyperparameters``."""
    raw = body.get("method")
    if raw is None:
        raw = {"type": "supervised"}
    if not isinstance(raw, dict):
        raise bad_request("method must be an object", param="method")
    kind = raw.get("type", "supervised")
    if kind not in METHODS:
        raise bad_request(f"method.type must be one of {', '.join(METHODS)}", param="method.type")
    section = raw.get(kind)
    if section is not None and not isinstance(section, dict):
        raise bad_request(f"method.{kind} must be an object", param=f"method.{kind}")
    section = section or {}
    legacy = _hyperparameters(body.get("hyperparameters"), kind, "hyperparameters")
    asked = _hyperparameters(section.get("hyperparameters"), kind, f"method.{kind}.hyperparameters")
    extra = {k: v for k, v in section.items() if k != "hyperparameters"}
    if kind == "reinforcement" and not isinstance(extra.get("grader"), dict):
        raise bad_request(
            "method.reinforcement.grader is required", param="method.reinforcement.grader"
        )
    return MethodRequest(kind, {**legacy, **asked}, extra)


def resolve(method: MethodRequest, examples: int) -> dict[str, Any]:
    """Concrete values for every hyperparameter of the method (``auto`` or absent resolved)."""
    asked = method.hyperparameters
    out: dict[str, Any] = {}
    n = max(1, examples)
    epochs = asked.get("n_epochs", "auto")
    if epochs == "auto":
        epochs = 3
        if n * epochs < 100:
            epochs = min(25, math.ceil(100 / n))
        elif n * epochs > 25_000:
            epochs = max(1, 25_000 // n)
    batch = asked.get("batch_size", "auto")
    if batch == "auto":
        batch = min(256, max(1, round(n * 0.002)))
    lr = asked.get("learning_rate_multiplier", "auto")
    if lr == "auto":
        lr = 1.0 if batch < 8 else 2.0
    out.update(n_epochs=epochs, batch_size=batch, learning_rate_multiplier=lr)
    if method.type == "dpo":
        beta = asked.get("beta", "auto")
        out["beta"] = 0.1 if beta == "auto" else beta
    if "prompt_loss_weight" in asked:
        weight = asked["prompt_loss_weight"]
        out["prompt_loss_weight"] = 0.01 if weight == "auto" else weight
    for name in (
        "l2_multiplier",
        "compute_multiplier",
        "eval_interval",
        "eval_samples",
        "reasoning_effort",
    ):
        if name in asked and asked[name] != "auto":
            out[name] = asked[name]
    return out


def method_json(method: MethodRequest, resolved: dict[str, Any]) -> dict[str, Any]:
    return {"type": method.type, method.type: {**method.extra, "hyperparameters": resolved}}
