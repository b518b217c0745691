"""Saved plans: `plan --out FILE` writes one, `apply FILE` carries it out if still current.

The file is the plan JSON (SPEC.md §3, with its `observed_digest`) plus where its spec lives and
the `--replace` addresses it was made with. Apply re-observes Azure and re-plans from the same
spec: if the observed digest or the recomputed changes differ, the plan is stale and nothing is
done (as Terraform refuses a saved plan whose prior state has changed).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError, StalePlanError
from reconciler.plan.model import Change, Plan

KIND = "reconciler-saved-plan"


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    spec_dir: Path
    replace: frozenset[str]


def save_plan(path: Path, plan: Plan, spec_dir: Path, replace: frozenset[str]) -> None:
    doc: dict[str, Any] = plan.to_json()
    doc["saved"] = {
        "kind": KIND,
        "spec_dir": str(spec_dir.resolve()),
        "replace": sorted(replace),
    }
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    # atomic: an interrupted write never leaves half a plan that apply would misread
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def is_saved_plan(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with path.open("rb") as f:
            head = f.read(1)
        return head == b"{"
    except OSError:
        return False


def load_saved_plan(path: Path) -> SavedPlan:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        saved = doc["saved"]
        if saved.get("kind") != KIND:
            raise KeyError("kind")
        return SavedPlan(
            plan=Plan.from_json(doc),
            spec_dir=Path(saved["spec_dir"]),
            replace=frozenset(saved.get("replace") or ()),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReconcilerError(
            f"{path}: error: not a saved plan of `reconciler plan --out` ({exc})"
        ) from None


def _acted_on(change: Change) -> dict[str, Any]:
    """What apply acts on; `details` is display-only (progress, review notes) and may differ."""
    doc = change.to_json()
    doc.pop("details", None)
    doc.pop("reason", None)
    return doc


def check_current(saved: Plan, fresh: Plan) -> None:
    """Refuse a saved plan that no longer describes what apply would do now."""
    if saved.observed_digest != fresh.observed_digest:
        raise StalePlanError(
            "error: plan is stale: Azure has changed since the plan was made "
            "(observed state differs); run `reconciler plan` again"
        )
    if [_acted_on(c) for c in saved.changes] != [_acted_on(c) for c in fresh.changes]:
        raise StalePlanError(
            "error: plan is stale: the spec or its data changed since the plan was made; "
            "run `reconciler plan` again"
        )
