"""The results of a file's ranges merged, in line order, into what one pass would have found.

``ScanCore`` is everything a validation finds except the per-model token limit: it depends on
the content, the format, the tokenizer and whether images are allowed, so validating the same
file for another base model of the same tokenizer (another limit) reuses it without reading or
tokenizing the file again; ``ScanCore.result(limit)`` adds the limit's errors from the tokens
of each example's longest conversation, kept as a compact array.
"""

from __future__ import annotations

import builtins
import heapq
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reconciler.azure_limits import (
    FILES_API_MAX_BYTES,
    MAX_IMAGE_EXAMPLES,
    MIN_TRAINING_EXAMPLES,
    UPLOADS_API_MAX_BYTES,
)
from reconciler.azure_limits import size_text as limit_text
from reconciler.datasets.digest_merge import MergedDigests, merge_ranges
from reconciler.datasets.digest_set import DigestSet, merged_groups
from reconciler.datasets.problems import Problem, ProblemCollector
from reconciler.datasets.range_scan import LINE_BYTES, SYSTEM_HASH_BYTES, RangeResult, size_text
from reconciler.datasets.reinforcement import ItemFields
from reconciler.datasets.report import Format, ScanResult
from reconciler.datasets.stats import DatasetStats
from reconciler.errors import Severity

RECOMMENDED_MIN = 50
RECOMMENDED = 100
DIGEST_BYTES = 16


@dataclass(frozen=True)
class FileDigest:
    """The sha256 and size of the file's canonical bytes, and the bytes read from disk."""

    sha256: str
    size: int
    bytes_read: int
    foreign_encoding: str | None = None


@dataclass(frozen=True)
class ScanCore:
    sha256: str
    bytes: int
    format: Format
    stats: DatasetStats
    errors: tuple[Problem, ...]  # the lowest lines (at most the collector's limit)
    warnings: tuple[Problem, ...]
    error_count: int
    warning_count: int
    file_problems: tuple[Problem, ...]
    system_prompts: int
    digests: DigestSet
    longest: builtins.bytes  # array('I') of (line, tokens of the longest conversation) per example
    bytes_read: int = 0
    item_fields: ItemFields | None = None  # reinforcement data: the fields each line has

    def result(self, limit: int | None) -> ScanResult:
        """The validation result for a per-example token limit (None: no limit)."""
        collector = ProblemCollector()
        collector.absorb(self.errors, self.warnings, self.error_count, self.warning_count)
        if limit is not None:
            pairs = array("I")
            pairs.frombytes(self.longest)
            which = "its longer conversation has" if self.format == "preference" else "example has"
            for index in range(0, len(pairs), 2):
                tokens = pairs[index + 1]
                if tokens > limit:
                    collector.error(
                        f"{which} {tokens:,} tokens; the base model takes at most "
                        f"{limit:,} per example",
                        pairs[index],
                    )
        return ScanResult(
            sha256=self.sha256,
            bytes=self.bytes,
            format=self.format,
            stats=self.stats,
            problems=collector.select(list(self.file_problems)),
            example_digests=self.digests,
            system_prompts=self.system_prompts,
            bytes_read=self.bytes_read,
            item_fields=self.item_fields,
        )


class _Merger:
    def __init__(self, format: Format | None, format_line: int) -> None:
        self.format = format
        self.format_line = format_line
        self.problems = ProblemCollector()
        self.base = 0  # lines of the ranges merged so far
        self.examples = 0
        self.pending_blanks: list[int] = []
        self.count = self.total = self.trained = self.low = self.high = 0
        self.image_examples = 0
        self.unchecked_images = 0
        self.without_system = 0
        self.without_system_line = 0
        self.systems: list[bytes] = []
        self.digests: list[tuple[bytes, int]] = []  # each range's records, lines before it
        self.longest = array("I")
        self.item_fields: ItemFields | None = None

    def add(self, part: RangeResult) -> None:
        base = self.base
        if part.examples:
            # A blank line followed by more data is an error (only the very last may be blank).
            for blank in self.pending_blanks:
                self.problems.error("blank line; one JSON object per line", blank)
            self.pending_blanks = []
        self.problems.absorb(part.errors, part.warnings, part.error_count, part.warning_count, base)
        self.pending_blanks.extend(base + line for line in part.trailing_blanks)
        if self.format is None and part.format is not None:
            self.format, self.format_line = part.format, base + part.format_line
        self.examples += part.examples
        count, total, trained, low, high = part.stats
        if count:
            self.low = low if not self.count else min(self.low, low)
            self.high = max(self.high, high)
            self.count += count
            self.total += total
            self.trained += trained
        self.image_examples += part.image_examples
        self.unchecked_images += part.unchecked_images
        self.without_system += part.without_system
        if part.without_system_line and not self.without_system_line:
            self.without_system_line = base + part.without_system_line
        self.systems.append(_shift_lines(part.systems, SYSTEM_HASH_BYTES, base))
        self.digests.append((part.digests, base))
        pairs = array("I")
        pairs.frombytes(part.longest)
        for index in range(0, len(pairs), 2):
            pairs[index] += base
        self.longest.extend(pairs)
        if part.item_fields is not None:
            fields = part.item_fields.shifted(base)
            self.item_fields = fields if self.item_fields is None else self.item_fields.then(fields)
        self.base += part.lines

    def finish(self, file: FileDigest) -> ScanCore:
        problems = self.problems
        file_problems: list[Problem] = []
        merged = MergedDigests()
        distinct_systems = 0
        if file.foreign_encoding is not None:
            file_problems.append(
                Problem(
                    Severity.ERROR,
                    f"the file is {file.foreign_encoding} (byte-order mark found); "
                    "save it as UTF-8",
                    1,
                    1,
                )
            )
        else:
            for blank in self.pending_blanks[:-1]:
                problems.error("blank line; one JSON object per line", blank)
            merged = merge_ranges(self.digests, DIGEST_BYTES, LINE_BYTES)
            for first, others in merged.duplicates:
                for line in others:
                    problems.warning(f"duplicate of the example on line {first}", line)
            first_lines: list[int] = []
            for _, lines in merged_groups(self.systems, SYSTEM_HASH_BYTES, LINE_BYTES):
                distinct_systems += 1
                first_lines = heapq.nsmallest(2, [*first_lines, lines[0]])
            file_problems.extend(self._file_problems(file.size, distinct_systems, first_lines))
        mean = self.total / self.count if self.count else 0.0
        return ScanCore(
            sha256=file.sha256,
            bytes=file.size,
            format=self.format or "chat",
            stats=DatasetStats(self.count, self.total, self.trained, self.low, mean, self.high),
            errors=tuple(problems.kept_errors()),
            warnings=tuple(problems.kept_warnings()),
            error_count=problems.error_count,
            warning_count=problems.warning_count,
            file_problems=tuple(file_problems),
            system_prompts=distinct_systems,
            digests=DigestSet(merged.packed),  # not copied (6 MB for a 1 GB file)
            longest=self.longest.tobytes(),
            bytes_read=file.bytes_read,
            item_fields=self.item_fields,
        )

    def _file_problems(
        self, size: int, distinct_systems: int, first_lines: list[int]
    ) -> list[Problem]:
        found: list[Problem] = []
        if size > UPLOADS_API_MAX_BYTES:
            found.append(
                Problem(
                    Severity.ERROR,
                    f"the file is {size_text(size)}; uploads take at most "
                    f"{limit_text(UPLOADS_API_MAX_BYTES)}",
                )
            )
        elif size > FILES_API_MAX_BYTES:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"the file is {size_text(size)}, over the {limit_text(FILES_API_MAX_BYTES)} a "
                    "single upload takes; it will be uploaded in parts through the uploads API "
                    f"(up to {limit_text(UPLOADS_API_MAX_BYTES)})",
                )
            )
        found.extend(_count_problems(self.examples))
        if distinct_systems > 1:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{distinct_systems:,} different system messages (lines {first_lines[0]} "
                    f"and {first_lines[1]} differ); the docs advise one system message, the "
                    "same in training and at inference",
                )
            )
        if distinct_systems and self.without_system:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{self.without_system:,} examples have no system message (the first on line "
                    f"{self.without_system_line}) while others have one; use the same system "
                    "message everywhere, as at inference",
                )
            )
        if self.image_examples > MAX_IMAGE_EXAMPLES:
            found.append(
                Problem(
                    Severity.ERROR,
                    f"{self.image_examples:,} examples hold images; "
                    f"at most {MAX_IMAGE_EXAMPLES:,} are allowed",
                )
            )
        if self.unchecked_images:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{self.unchecked_images} data-URI images were not "
                    "checked: Pillow is not installed",
                )
            )
        return found


def merge(
    parts: Iterable[RangeResult],
    file: Callable[[], FileDigest],
    *,
    format: Format | None,
    format_line: int = 0,
) -> ScanCore:
    """The ranges' results (in file order) as one. ``file()`` gives the file's sha256 and size
    once every part is in (it may be read while they are scanned); ``format`` is the given
    format, or the one a line before the second range decided (at ``format_line``)."""
    merger = _Merger(format, format_line)
    for part in parts:
        merger.add(part)
    return merger.finish(file())


def _shift_lines(packed: bytes, key_width: int, base: int) -> bytes:
    """``key + line`` records with ``base`` added to each line (their order stays)."""
    if not base or not packed:
        return packed
    width = key_width + LINE_BYTES
    out = bytearray(packed)
    for start in range(key_width, len(out), width):
        line = int.from_bytes(out[start : start + LINE_BYTES], "big") + base
        out[start : start + LINE_BYTES] = line.to_bytes(LINE_BYTES, "big")
    return bytes(out)


def _count_problems(n: int) -> list[Problem]:
    if n < MIN_TRAINING_EXAMPLES:
        noun = "example" if n == 1 else "examples"
        return [
            Problem(
                Severity.ERROR, f"{n} {noun}; fine-tuning needs at least {MIN_TRAINING_EXAMPLES}"
            )
        ]
    if n < RECOMMENDED_MIN:
        return [
            Problem(
                Severity.WARNING,
                f"only {n} examples; fine-tuning usually starts to help from "
                f"{RECOMMENDED_MIN} to {RECOMMENDED}, and the docs recommend at least "
                f"{RECOMMENDED}",
            )
        ]
    if n < RECOMMENDED:
        return [
            Problem(
                Severity.WARNING,
                f"{n} examples; the docs recommend at least {RECOMMENDED} "
                "(hundreds to thousands to teach a new skill)",
            )
        ]
    return []
