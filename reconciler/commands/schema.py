"""`reconciler schema`: the JSON Schema of the spec format (for editors and CI)."""

from __future__ import annotations

from pathlib import Path

from reconciler.spec.schema import schema_text, write_schema


def schema(out: Path | None = None) -> str | None:
    """The schema as text; with ``out``, written there instead (and None returned)."""
    if out is None:
        return schema_text()
    write_schema(out)
    return None
