"""The plan and drift as JSON (SPEC.md §3): sorted keys, two-space indent, stable bytes."""

from __future__ import annotations

import json
from typing import Any

from reconciler.plan.drift import DriftItem, drift_json
from reconciler.plan.model import Plan


def dump(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_json(plan: Plan) -> str:
    return dump(plan.to_json())


def render_drift_json(stack: str, items: list[DriftItem], observed_digest: str = "") -> str:
    return dump(drift_json(stack, items, observed_digest))
