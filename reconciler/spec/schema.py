"""The JSON Schema of a spec file, generated from the models (``reconciler schema``).

Editors pick it up from the modeline at the top of a spec file::

    # yaml-language-server: $schema=../schemas/reconciler.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reconciler.spec.hyperparameters import DEFAULT_METHOD, METHOD_HYPERPARAMETERS
from reconciler.spec.models import SECTIONS, SpecFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Where the committed copy lives, relative to the project root.
SCHEMA_FILE = Path("schemas") / "reconciler.schema.json"


def make_schema() -> dict[str, Any]:
    schema = SpecFile.model_json_schema()
    properties = schema.get("properties", {})
    for section in SECTIONS:
        for option in properties.get(section, {}).get("anyOf", []):
            # pydantic lists the name pattern as patternProperties; a name outside it is an
            # error too, as in `reconciler validate`.
            if "patternProperties" in option:
                option["additionalProperties"] = False
    schema["$defs"]["Job"]["allOf"] = _hyperparameters_per_method()
    return {"$schema": SCHEMA_DIALECT, **schema}


def _hyperparameters_per_method() -> list[dict[str, Any]]:
    """An editor flags a hyperparameter the job's method does not take, as validate does."""
    every = set().union(*METHOD_HYPERPARAMETERS.values())
    rules: list[dict[str, Any]] = []
    for method, taken in METHOD_HYPERPARAMETERS.items():
        refused = sorted(every - taken)
        if not refused:
            continue
        condition: dict[str, Any] = {"properties": {"method": {"const": method}}}
        if method != DEFAULT_METHOD:
            condition["required"] = ["method"]
        then = {"properties": {"hyperparameters": {"properties": dict.fromkeys(refused, False)}}}
        rules.append({"if": condition, "then": then})
    return rules


def schema_text() -> str:
    return json.dumps(make_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")
