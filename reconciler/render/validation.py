"""``reconciler validate``'s output: the problems, each dataset's statistics and the verdict as
text, or everything as one JSON document (SPEC.md §5.2)."""

from __future__ import annotations

import json
from pathlib import Path

from reconciler.commands.validate import ValidationResult
from reconciler.datasets import DatasetReport
from reconciler.errors import Diagnostic, capped, relpath


def _lines(lines: list[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def render_problems(result: ValidationResult, *, errors_only: bool = False) -> str:
    """Each problem (``path:line:col``), a file's first ones only (``capped``); ``errors_only``
    leaves out warnings and notes (``--quiet``, and the errors after a JSON document)."""
    diagnostics = result.diagnostics
    return _lines([str(d) for d in capped(diagnostics.errors if errors_only else diagnostics)])


def render_dataset_lines(result: ValidationResult) -> str:
    """One line per dataset read (a split's parts as ``NAME:train``), by name."""
    lines = []
    for name, report in sorted(result.datasets.items()):
        s = report.stats
        lines.append(
            f"dataset {name}: {s.examples} examples, {s.total_tokens} tokens "
            f"({s.trained_tokens} trained; per example {s.min_tokens}/{s.mean_tokens:.0f}/"
            f"{s.max_tokens} min/mean/max), sha256 {report.sha256[:12]}"
        )
    return _lines(lines)


def render_verdict(spec_dir: Path, result: ValidationResult) -> str:
    """The last line: the counts of errors and warnings, or "valid" (and how many notes)."""
    diagnostics = result.diagnostics
    errors, warnings = len(diagnostics.errors), len(diagnostics.warnings)
    notes = len(diagnostics.notes)
    if errors:
        return f"{spec_dir}: {errors} error(s), {warnings} warning(s)\n"
    return (
        f"{spec_dir}: valid ({warnings} warning(s)"
        + (f", {notes} note(s): values not known offline)" if notes else ")")
        + "\n"
    )


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, object]:
    """One problem for scripts: its place (``path:line:col``, also split up) and message."""
    where = diagnostic.location
    return {
        "place": str(where) if where is not None else None,
        "path": where.path if where is not None else None,
        "line": where.line if where is not None else 0,
        "col": where.col if where is not None else 0,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
    }


def dataset_json(report: DatasetReport) -> dict[str, object]:
    s = report.stats
    return {
        "path": relpath(report.path),
        "format": report.format,
        "sha256": report.sha256,
        "bytes": report.bytes,
        "examples": s.examples,
        "tokens": s.total_tokens,
        "trained_tokens": s.trained_tokens,
        "min_tokens": s.min_tokens,
        "mean_tokens": s.mean_tokens,
        "max_tokens": s.max_tokens,
    }


def render_validation_json(result: ValidationResult) -> str:
    """``validate --format json`` (SPEC.md §5.2): errors, warnings, notes (values not known
    offline) and each dataset's statistics, by name (a split's parts as ``NAME:train``)."""
    diagnostics = result.diagnostics
    doc = {
        "valid": result.ok,
        "errors": [diagnostic_json(d) for d in diagnostics.errors],
        "warnings": [diagnostic_json(d) for d in diagnostics.warnings],
        "notes": [diagnostic_json(d) for d in diagnostics.notes],
        "datasets": {name: dataset_json(r) for name, r in sorted(result.datasets.items())},
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
