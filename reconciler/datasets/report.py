"""What validating a dataset found: the report, and its path-independent cached form."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from reconciler.datasets.digest_set import DigestSet
from reconciler.datasets.problems import Problem, Selection
from reconciler.datasets.reinforcement import ItemFields
from reconciler.datasets.stats import DatasetStats
from reconciler.errors import Diagnostic, Severity

Format = Literal["chat", "preference", "reinforcement"]
FORMATS: tuple[Format, ...] = ("chat", "preference", "reinforcement")


@dataclass
class DatasetReport:
    path: Path
    # What the file was read within (the project root, or the cache for a split's parts):
    # whoever reads it again (apply's upload) stays inside the same root.
    root: Path
    sha256: str
    bytes: int
    format: Format
    stats: DatasetStats
    diagnostics: list[Diagnostic]
    # sorted packed digests; read from the cache only when used (``digest_set``)
    example_digests: DigestSet
    system_prompts: int
    from_cache: bool = field(default=False, compare=False)
    # reinforcement data: the fields each line has, for the grader's {{item.X}} (else None)
    item_fields: ItemFields | None = None

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]


@dataclass(frozen=True)
class ScanResult:
    """Everything a validation found, without the file's path (so it can be cached by hash)."""

    sha256: str
    bytes: int
    format: Format
    stats: DatasetStats
    problems: Selection
    example_digests: DigestSet
    system_prompts: int
    # Read from the file on disk, to check the whole file was hashed (not stored: 0 from cache).
    bytes_read: int = 0
    item_fields: ItemFields | None = None

    def report(
        self, path: Path, root: Path, display: str, *, from_cache: bool = False
    ) -> DatasetReport:
        return DatasetReport(
            path=path,
            root=root,
            sha256=self.sha256,
            bytes=self.bytes,
            format=self.format,
            stats=self.stats,
            diagnostics=self.problems.diagnostics(display),
            example_digests=self.example_digests,
            system_prompts=self.system_prompts,
            from_cache=from_cache,
            item_fields=self.item_fields,
        )

    def to_json(self) -> dict[str, Any]:
        stats = self.stats
        return {
            "sha256": self.sha256,
            "bytes": self.bytes,
            "format": self.format,
            "stats": [
                stats.examples,
                stats.total_tokens,
                stats.trained_tokens,
                stats.min_tokens,
                stats.mean_tokens,
                stats.max_tokens,
            ],
            "problems": [[p.severity.value, p.message, p.line, p.col] for p in self.problems.shown],
            "more": [self.problems.more, self.problems.more_severity.value],
            "system_prompts": self.system_prompts,
            "item_fields": self.item_fields.to_json() if self.item_fields is not None else None,
        }

    @staticmethod
    def from_json(data: dict[str, Any], digests: DigestSet) -> ScanResult | None:
        """The result stored by ``to_json`` (its example digests are kept apart, in a binary
        file: ``digests``), or None if the entry is not one (corrupt cache)."""
        try:
            examples, total, trained, low, mean, high = data["stats"]
            stats = DatasetStats(
                int(examples), int(total), int(trained), int(low), float(mean), int(high)
            )
            shown = tuple(
                Problem(Severity(severity), str(message), int(line), int(col))
                for severity, message, line, col in data["problems"]
            )
            more, more_severity = data["more"]
            kind = data["format"]
            sha256 = data["sha256"]
            if kind not in FORMATS or not isinstance(sha256, str):
                return None
            fields = data.get("item_fields")
            item_fields = ItemFields.from_json(fields) if fields is not None else None
            return ScanResult(
                sha256=sha256,
                bytes=int(data["bytes"]),
                format=cast(Format, kind),
                stats=stats,
                problems=Selection(shown, int(more), Severity(more_severity)),
                example_digests=digests,
                system_prompts=int(data["system_prompts"]),
                item_fields=item_fields,
            )
        except (KeyError, TypeError, ValueError):
            return None
