"""One byte range of a dataset checked line by line: parsing, checks, token counts, digests.

A range is scanned on its own (in a worker process, ``parallel_scan``); what needs the whole
file -- line numbers, duplicates across ranges, blank lines at a range's end, the per-model
token limit -- is returned in a compact form for ``scan_merge`` to finish in line order, so
that the report is the one a single pass over the file gives.

Line numbers in a ``RangeResult`` count from the range's first line (1); the merge adds the
lines of the ranges before it.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from reconciler.confined import RootedPath
from reconciler.datasets import reader as reader_module
from reconciler.datasets.chat import check_chat
from reconciler.datasets.chat_fast import FastChat
from reconciler.datasets.counting import TokenPipeline
from reconciler.datasets.digest import example_digest
from reconciler.datasets.images import ImageChecker
from reconciler.datasets.jsonline import decode_line
from reconciler.datasets.messages import ROLES, LineChecker, Recipe
from reconciler.datasets.preference import PREFERENCE_KEYS, check_preference
from reconciler.datasets.problems import Problem, ProblemCollector
from reconciler.datasets.ranges import RangeStream
from reconciler.datasets.reader import TOO_LONG, LineReader
from reconciler.datasets.reinforcement import (
    REINFORCEMENT_ROLES,
    FieldTracker,
    ItemFields,
    check_reinforcement,
)
from reconciler.datasets.report import Format
from reconciler.datasets.stats import StatsAccumulator
from reconciler.datasets.text_memo import TextMemo
from reconciler.datasets.tokens import counter_for, load_encoding

Checker = Callable[[dict[str, Any], LineChecker], Recipe | None]
_CHECKERS: dict[Format, Checker] = {
    "chat": check_chat,
    "preference": check_preference,
    "reinforcement": check_reinforcement,
}
# Reinforcement lines carry chat `messages` (a prompt): detected as chat, they are what it reads.
_PROMPTS = ("chat", "reinforcement")

# A line the fast path does not take is parsed twice (msgspec, then the stdlib): after this
# many in a row (a tool-calling dataset, say), the rest of the range goes to the general path.
FAST_MISSES_TO_GIVE_UP = 64
LINE_BYTES = 4  # line numbers in packed records, big-endian (sorts as numbers)
SYSTEM_HASH_BYTES = 8


def detect_format(example: dict[str, Any]) -> Format | None:
    if "messages" in example:
        return "chat"
    if any(key in example for key in PREFERENCE_KEYS):
        return "preference"
    return None


def size_text(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    return f"{size:,} bytes"


def system_hash(texts: list[str]) -> bytes:
    """The same in every process (``hash()`` of a str is not: it is seeded per process)."""
    joined = "\x00".join(texts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=SYSTEM_HASH_BYTES).digest()


@dataclass(frozen=True)
class RangeJob:
    source: RootedPath
    start: int
    end: int
    format: Format | None  # given, or decided by a line before this range
    format_line: int  # the (whole-file) line that decided it; 0 when it was given
    encoding: str
    allow_images: bool
    tokenizer_dir: Path
    workers: int = 1  # token-counting threads inside this scan


@dataclass
class RangeResult:
    lines: int = 0  # every line, blank ones too: the next range's first line number follows
    examples: int = 0  # non-blank lines
    trailing_blanks: list[int] = field(default_factory=list)  # after its last non-blank line
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0
    format: Format | None = None
    format_line: int = 0
    stats: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)  # examples, total, trained, low, high
    image_examples: int = 0
    unchecked_images: int = 0
    without_system: int = 0
    without_system_line: int = 0
    systems: bytes = b""  # sorted (system hash, first line) records
    digests: bytes = b""  # sorted (example digest, line) records of the valid examples
    longest: bytes = b""  # array('I') of (line, tokens of its longest conversation) pairs
    item_fields: ItemFields | None = None  # reinforcement data: the fields each line has


class RangeScanner:
    def __init__(self, job: RangeJob, encoding: Any) -> None:
        self.problems = ProblemCollector()
        self.images = ImageChecker()
        self.allow_images = job.allow_images
        count = counter_for(encoding)
        # Reinforcement is never detected (its lines look like chat): it is known from the start.
        roles = list(REINFORCEMENT_ROLES if job.format == "reinforcement" else ROLES)
        role_tokens = dict(zip(roles, count(roles), strict=True))
        self.fields = FieldTracker() if job.format == "reinforcement" else None
        memo = TextMemo(count)
        self.checker = LineChecker(
            self.problems,
            self.images,
            allow_images=job.allow_images,
            role_tokens=role_tokens,
            memo=memo,
        )
        self.fast = FastChat(role_tokens, memo)
        self.fast_misses = 0  # lines in a row the fast path did not take
        self.pipeline = TokenPipeline(count, self._counted, workers=job.workers)
        self.stats = StatsAccumulator()
        self.format: Format | None = job.format
        self.format_line = job.format_line
        self.decided_here = 0  # the line of this range that decided the format
        self.lines = 0
        self.blank_lines: list[int] = []
        self.digests: list[bytes] = []
        self.system_first: dict[bytes, int] = {}
        self._last_system: list[str] = []
        self._last_system_hash = b""
        self.without_system = 0
        self.without_system_line = 0
        self.image_examples = 0
        self.longest = array("I")

    def line(self, number: int, raw: bytes | None) -> None:
        if raw is TOO_LONG:
            self._blank_lines_end()
            self.lines += 1
            self.problems.error(
                f"line is longer than {size_text(reader_module.MAX_LINE_BYTES)}; not checked",
                number,
            )
            return
        if not raw or raw.isspace():
            self.blank_lines.append(number)
            return
        self._blank_lines_end()
        self.lines += 1
        if self.format == "chat" and self.fast_misses < FAST_MISSES_TO_GIVE_UP:
            fast = self.fast.check(raw, number)
            if fast is not None:
                plain, digest, systems = fast
                self.digests.append(digest + number.to_bytes(LINE_BYTES, "big"))
                self._system(systems, number)
                self.pipeline.add(plain)
                self.fast_misses = 0
                return
            self.fast_misses += 1
        example = decode_line(raw, number, self.problems)
        if example is None:
            return
        kind = detect_format(example)
        if self.format is None:
            if kind is None:
                self.problems.error(
                    "cannot tell the format: chat data has 'messages'; preference data has "
                    "'input', 'preferred_output' and 'non_preferred_output'",
                    number,
                )
                return
            self.format, self.format_line, self.decided_here = kind, number, number
        elif kind is not None and kind != self.format and (kind, self.format) != _PROMPTS:
            why = (
                f"line {self.format_line} is {self.format} data"
                if self.format_line
                else f"the dataset's format is {self.format}"
            )
            self.problems.error(f"this is {kind} data but {why}; a file holds one format", number)
            return
        checker = self.checker
        checker.start(number)
        if self.fields is not None:
            self.fields.add(example, number)
        recipe = _CHECKERS[self.format](example, checker)
        if checker.image_count:
            self.image_examples += 1
        if recipe is None:
            return
        try:
            digest = example_digest(example)
        except (RecursionError, ValueError):  # deep nesting in a part we do not inspect
            self.problems.error("nested too deeply to check", number)
            return
        self.digests.append(digest + number.to_bytes(LINE_BYTES, "big"))
        self._system(checker.system_texts, number)
        self.pipeline.add(recipe)

    def _blank_lines_end(self) -> None:
        """Blank lines followed by more data are errors (only the last line may be blank)."""
        for blank in self.blank_lines:
            self.problems.error("blank line; one JSON object per line", blank)
        self.blank_lines.clear()

    def _system(self, texts: list[str], number: int) -> None:
        if not texts:
            self.without_system += 1
            if not self.without_system_line:
                self.without_system_line = number
            return
        if texts != self._last_system:  # most examples repeat the one system prompt
            self._last_system, self._last_system_hash = texts, system_hash(texts)
        self.system_first.setdefault(self._last_system_hash, number)

    def _counted(self, recipe: Recipe, tokens: int, trained: int, longest: int) -> None:
        self.stats.add(tokens, trained)
        self.longest.append(recipe.line)
        self.longest.append(longest)

    def result(self, lines: int) -> RangeResult:
        self.pipeline.finish()
        collector = self.problems
        stats = self.stats
        return RangeResult(
            lines=lines,
            examples=self.lines,
            trailing_blanks=list(self.blank_lines),
            errors=collector.kept_errors(),
            warnings=collector.kept_warnings(),
            error_count=collector.error_count,
            warning_count=collector.warning_count,
            format=self.format if self.decided_here else None,
            format_line=self.decided_here,
            stats=(stats.examples, stats.total, stats.trained, stats.low, stats.high),
            image_examples=self.image_examples,
            unchecked_images=self.images.unchecked_for_lack_of_pillow,
            without_system=self.without_system,
            without_system_line=self.without_system_line,
            systems=b"".join(
                sorted(h + n.to_bytes(LINE_BYTES, "big") for h, n in self.system_first.items())
            ),
            digests=b"".join(sorted(self.digests)),
            longest=self.longest.tobytes(),
            item_fields=self.fields.result() if self.fields is not None else None,
        )


def scan_lines(job: RangeJob, reader: LineReader, encoding: Any) -> RangeResult:
    """Every line ``reader`` yields checked and counted (``reader`` may be of a whole file)."""
    state = RangeScanner(job, encoding)
    last = 0
    try:
        for number, raw in reader:
            state.line(number, raw)
            last = number
        return state.result(last)
    finally:
        state.pipeline.close()  # stops the threads if anything went wrong


def scan_range(job: RangeJob) -> RangeResult:
    """Read and check ``[job.start, job.end)`` of the file (in a worker process)."""
    encoding = load_encoding(job.encoding, job.tokenizer_dir)  # inherited when forked
    with RangeStream(job.source.open(), job.start, job.end) as stream:
        reader = LineReader(cast(BinaryIO, stream), at_file_start=job.start == 0, hashed=False)
        return scan_lines(job, reader, encoding)
