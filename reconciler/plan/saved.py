"""Saved plans: `plan --out FILE` writes one, `apply FILE` carries it out if still current.

The file is the plan JSON (SPEC.md §3, with its `observed_digest`) plus where its spec lives, the
`--replace` addresses it was made with and a digest of what the spec asked for. Apply re-observes
Azure and re-plans from the same spec: if the observed digest or the recomputed changes differ,
the plan is stale and nothing is done (as Terraform refuses a saved plan whose prior state has
changed); the spec digest says which side moved. `show PLANFILE` renders one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.errors import ReconcilerError, StalePlanError
from reconciler.plan.desired import Desired
from reconciler.plan.model import Change, Plan
from reconciler.plan.naming import canonical_json, sha256_hex
from reconciler.quoting import cut

KIND = "reconciler-saved-plan"
WHAT_IT_IS = (
    "a plan file is what `reconciler plan --out FILE` writes; to use a spec, give its directory"
)


@dataclass(frozen=True)
class SavedPlan:
    plan: Plan
    spec_dir: Path
    replace: frozenset[str]
    # What the spec asked for when the plan was made (None in files saved before it was kept).
    spec_digest: str | None = None


def spec_digest(desired: Desired) -> str:
    """sha256 of everything the spec asks for, with its datasets' contents."""
    return sha256_hex(canonical_json(desired.to_json()))


def save_plan(
    path: Path,
    plan: Plan,
    spec_dir: Path,
    replace: frozenset[str],
    desired: Desired | None = None,
) -> None:
    doc: dict[str, Any] = plan.to_json()
    doc["saved"] = {
        "kind": KIND,
        "spec_dir": str(spec_dir.resolve()),
        "replace": sorted(replace),
    }
    if desired is not None:
        doc["saved"]["spec_digest"] = spec_digest(desired)
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


def saved_plan_of(target: Path) -> SavedPlan | None:
    """The saved plan ``target`` names, or None when it names a spec directory (or nothing:
    the spec loader then says the directory is not found). A file is a plan file or an error
    saying what a plan file is."""
    if target.is_dir() or not target.exists():
        return None
    return load_saved_plan(target)


def load_saved_plan(path: Path) -> SavedPlan:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _not_a_plan(path, "it is not text") from None
    except OSError as exc:
        raise _not_a_plan(path, f"cannot read it: {exc.strerror or exc}") from None
    try:
        doc = json.loads(text)
    except ValueError:
        raise _not_a_plan(path, "it is not JSON") from None
    saved = doc.get("saved") if isinstance(doc, dict) else None
    if not isinstance(saved, dict) or saved.get("kind") != KIND:
        raise _not_a_plan(path, "it is JSON, but not a saved plan")
    try:
        digest = saved.get("spec_digest")
        return SavedPlan(
            plan=Plan.from_json(doc),
            spec_dir=Path(saved["spec_dir"]),
            replace=frozenset(saved.get("replace") or ()),
            spec_digest=digest if isinstance(digest, str) else None,
        )
    except (ValueError, KeyError, TypeError) as exc:
        reason = f"it is a saved plan, but damaged or from another version ({cut(str(exc))})"
        raise _not_a_plan(path, reason) from None


def _not_a_plan(path: Path, reason: str) -> ReconcilerError:
    return ReconcilerError(f"{path}: error: not a plan file: {reason}; {WHAT_IT_IS}")


def _acted_on(change: Change) -> dict[str, Any]:
    """What apply acts on; `details` is display-only (progress, review notes) and may differ."""
    doc = change.to_json()
    doc.pop("details", None)
    doc.pop("reason", None)
    return doc


def check_current(saved: Plan, fresh: Plan, *, spec_changed: bool | None = None) -> None:
    """Refuse a saved plan that no longer describes what apply would do now.

    ``spec_changed``: whether what the spec asks for differs from when the plan was made (None
    when the plan file does not say). The observed state depends on the spec too (which
    accounts and collections are read), so a changed spec is named as the cause first.
    """
    digest_moved = saved.observed_digest != fresh.observed_digest
    changes_moved = [_acted_on(c) for c in saved.changes] != [_acted_on(c) for c in fresh.changes]
    if not digest_moved and not changes_moved:
        return
    if spec_changed or (spec_changed is None and not digest_moved):
        raise StalePlanError(
            "error: plan is stale: the spec or its data changed since the plan was made; "
            "run `reconciler plan` again"
        )
    if digest_moved:
        unchanged = "" if spec_changed is None else "; the spec has not"
        raise StalePlanError(
            "error: plan is stale: Azure has changed since the plan was made "
            f"(observed state differs{unchanged}); run `reconciler plan` again"
        )
    raise StalePlanError(
        "error: plan is stale: the spec and what was read from Azure are as they were, but "
        "apply would now make other changes than the plan lists; run `reconciler plan` again"
    )
