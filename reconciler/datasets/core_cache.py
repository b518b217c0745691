"""A ``ScanCore`` in the cache: JSON for what is small, binary files for what grows with the
data (per-example token counts, sorted example digests), read back only when used."""

from __future__ import annotations

from typing import Any, cast

from reconciler.datasets.cache import Cache
from reconciler.datasets.digest_set import WIDTH, DigestSet
from reconciler.datasets.problems import Problem
from reconciler.datasets.reinforcement import ItemFields
from reconciler.datasets.report import FORMATS, Format
from reconciler.datasets.scan_merge import ScanCore
from reconciler.datasets.stats import DatasetStats
from reconciler.errors import Severity


def digests_of(cache: Cache, name: str) -> DigestSet | None:
    """The example digests stored under ``name`` (read on first use), if the file is there."""
    entry = cache.binary("digests", name, ".bin")
    try:
        size = entry.lstat().st_size
    except OSError:
        return None
    if size % WIDTH:
        return None

    def load() -> bytes:
        data = cache.read_bytes(entry)
        if data is None:
            raise OSError(f"the cached example digests {entry} are gone")
        return data

    return DigestSet(load=load)


def store_core(cache: Cache, name: str, core: ScanCore) -> bool:
    """Write ``core`` under ``name``; True when all of it was written."""
    return (
        cache.write_bytes(cache.binary("digests", name, ".bin"), core.digests.packed)
        and cache.write_bytes(cache.binary("scans", name, ".tokens"), core.longest)
        and cache.write_json(cache.entry("scans", name), _to_json(core))
    )


def load_core(cache: Cache, name: str, sha256: str) -> ScanCore | None:
    """The core stored under ``name``, or None (missing, corrupt, or of other content)."""
    data = cache.read_json(cache.entry("scans", name))
    longest = cache.read_bytes(cache.binary("scans", name, ".tokens"))
    digests = digests_of(cache, name)
    if data is None or longest is None or digests is None or len(longest) % 8:
        return None
    try:
        examples, total, trained, low, mean, high = data["stats"]
        kind = data["format"]
        if kind not in FORMATS or data["sha256"] != sha256:
            return None
        return ScanCore(
            sha256=sha256,
            bytes=int(data["bytes"]),
            format=cast(Format, kind),
            stats=DatasetStats(
                int(examples), int(total), int(trained), int(low), float(mean), int(high)
            ),
            errors=_problems(data["errors"]),
            warnings=_problems(data["warnings"]),
            error_count=int(data["error_count"]),
            warning_count=int(data["warning_count"]),
            file_problems=_problems(data["file_problems"]),
            system_prompts=int(data["system_prompts"]),
            digests=digests,
            longest=longest,
            item_fields=None
            if data.get("item_fields") is None
            else ItemFields.from_json(data["item_fields"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


def _problems(rows: Any) -> tuple[Problem, ...]:
    return tuple(
        Problem(Severity(severity), str(message), int(line), int(col))
        for severity, message, line, col in rows
    )


def _rows(problems: tuple[Problem, ...]) -> list[list[Any]]:
    return [[p.severity.value, p.message, p.line, p.col] for p in problems]


def _to_json(core: ScanCore) -> dict[str, Any]:
    stats = core.stats
    return {
        "sha256": core.sha256,
        "bytes": core.bytes,
        "format": core.format,
        "stats": [
            stats.examples,
            stats.total_tokens,
            stats.trained_tokens,
            stats.min_tokens,
            stats.mean_tokens,
            stats.max_tokens,
        ],
        "errors": _rows(core.errors),
        "warnings": _rows(core.warnings),
        "error_count": core.error_count,
        "warning_count": core.warning_count,
        "file_problems": _rows(core.file_problems),
        "system_prompts": core.system_prompts,
        "item_fields": core.item_fields.to_json() if core.item_fields is not None else None,
    }
