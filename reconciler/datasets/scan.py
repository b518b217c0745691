"""One pass over a dataset file: every check, every token count, the sha256."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.azure_limits import (
    FILES_API_MAX_BYTES,
    MAX_IMAGE_EXAMPLES,
    MIN_TRAINING_EXAMPLES,
    UPLOADS_API_MAX_BYTES,
    size_text,
)
from reconciler.confined import RefusedFile, RootedPath
from reconciler.datasets import reader as reader_module
from reconciler.datasets.chat import check_chat
from reconciler.datasets.counting import TokenPipeline
from reconciler.datasets.digest import example_digest
from reconciler.datasets.images import ImageChecker
from reconciler.datasets.jsonline import decode_line
from reconciler.datasets.messages import ROLES, LineChecker, Recipe
from reconciler.datasets.preference import PREFERENCE_KEYS, check_preference
from reconciler.datasets.problems import Problem, ProblemCollector
from reconciler.datasets.reader import TOO_LONG, LineReader
from reconciler.datasets.reinforcement import (
    REINFORCEMENT_ROLES,
    FieldTracker,
    check_reinforcement,
)
from reconciler.datasets.report import Format, ScanResult
from reconciler.datasets.stats import StatsAccumulator
from reconciler.datasets.tokens import counter_for, load_encoding
from reconciler.errors import Diagnostic, Location, Severity, SpecError

# Reinforcement lines carry chat `messages` (a prompt): detected as chat, they are what it reads.
_PROMPTS = ("chat", "reinforcement")
RECOMMENDED_MIN = 50
RECOMMENDED = 100

Checker = Callable[[dict[str, Any], LineChecker], Recipe | None]
_CHECKERS: dict[Format, Checker] = {
    "chat": check_chat,
    "preference": check_preference,
    "reinforcement": check_reinforcement,
}


@dataclass(frozen=True)
class ScanOptions:
    format: Format | None
    encoding: str
    max_example_tokens: int | None
    allow_images: bool
    workers: int | None = None

    def key(self) -> str:
        """What the result depends on besides the content (``workers`` changes nothing)."""
        limit = "none" if self.max_example_tokens is None else str(self.max_example_tokens)
        images = "noimages"
        if self.allow_images:  # without Pillow, data-URI images go unchecked: another result
            images = "images" if importlib.util.find_spec("PIL") else "images-unchecked"
        return f"{self.format or 'auto'}-{self.encoding}-{limit}-{images}"


def detect_format(example: dict[str, Any]) -> Format | None:
    if "messages" in example:
        return "chat"
    if any(key in example for key in PREFERENCE_KEYS):
        return "preference"
    return None


class _Scan:
    def __init__(self, options: ScanOptions, tokenizer_dir: Path) -> None:
        self.options = options
        self.problems = ProblemCollector()
        self.images = ImageChecker()
        encoding = load_encoding(options.encoding, tokenizer_dir)
        count = counter_for(encoding)
        # Reinforcement is never detected (its lines look like chat): it is known from the start.
        roles = list(REINFORCEMENT_ROLES if options.format == "reinforcement" else ROLES)
        role_tokens = dict(zip(roles, count(roles), strict=True))
        self.fields = FieldTracker() if options.format == "reinforcement" else None
        memo: dict[str, int] = {}
        self.checker = LineChecker(
            self.problems,
            self.images,
            allow_images=options.allow_images,
            role_tokens=role_tokens,
            memo=memo,
        )
        self.pipeline = TokenPipeline(count, self._counted, memo, workers=options.workers)
        self.stats = StatsAccumulator()
        self.format: Format | None = options.format
        self.format_line = 0  # the line that decided the format, 0 when it was given
        self.lines = 0  # non-blank lines: the examples the file holds, valid or not
        self.blank_lines: list[int] = []
        self.digests: dict[bytes, int] = {}
        self.system_first: dict[int, int] = {}  # hash of an example's system text -> first line
        self.without_system = 0
        self.without_system_line = 0
        self.image_examples = 0

    def line(self, number: int, raw: bytes | None) -> None:
        if raw is TOO_LONG:
            self._blank_lines_end()
            self.lines += 1
            self.problems.error(
                f"line is longer than {_size(reader_module.MAX_LINE_BYTES)}; not checked", number
            )
            return
        if not raw or raw.isspace():
            self.blank_lines.append(number)
            return
        self._blank_lines_end()
        self.lines += 1
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
            self.format, self.format_line = kind, number
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
        first = self.digests.setdefault(digest, number)
        if first != number:
            self.problems.warning(f"duplicate of the example on line {first}", number)
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
        self.system_first.setdefault(hash("\x00".join(texts)), number)

    def _counted(self, recipe: Recipe, tokens: int, trained: int, longest: int) -> None:
        self.stats.add(tokens, trained)
        limit = self.options.max_example_tokens
        if limit is not None and longest > limit:
            which = "its longer conversation has" if len(recipe.consts) > 1 else "example has"
            self.problems.error(
                f"{which} {longest:,} tokens; the base model takes at most {limit:,} per example",
                recipe.line,
            )

    def finish(self, reader: LineReader) -> list[Problem]:
        """Count what remains; the file-level problems."""
        self.pipeline.finish()
        found: list[Problem] = []
        if reader.foreign_encoding is not None:
            found.append(
                Problem(
                    Severity.ERROR,
                    f"the file is {reader.foreign_encoding} (byte-order mark found); "
                    "save it as UTF-8",
                    1,
                    1,
                )
            )
            return found
        for blank in self.blank_lines[:-1]:  # the very last line may be blank, no other
            self.problems.error("blank line; one JSON object per line", blank)
        size = reader.size
        if size > UPLOADS_API_MAX_BYTES:
            found.append(
                Problem(
                    Severity.ERROR,
                    f"the file is {_size(size)}; uploads take at most "
                    f"{size_text(UPLOADS_API_MAX_BYTES)}",
                )
            )
        elif size > FILES_API_MAX_BYTES:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"the file is {_size(size)}, over the {size_text(FILES_API_MAX_BYTES)} a "
                    "single upload takes; it will be uploaded in parts through the uploads API "
                    f"(up to {size_text(UPLOADS_API_MAX_BYTES)})",
                )
            )
        found.extend(self._count_problems())
        found.extend(self._system_problems())
        if self.image_examples > MAX_IMAGE_EXAMPLES:
            found.append(
                Problem(
                    Severity.ERROR,
                    f"{self.image_examples:,} examples hold images; "
                    f"at most {MAX_IMAGE_EXAMPLES:,} are allowed",
                )
            )
        if self.images.unchecked_for_lack_of_pillow:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{self.images.unchecked_for_lack_of_pillow} data-URI images were not "
                    "checked: Pillow is not installed",
                )
            )
        return found

    def _count_problems(self) -> list[Problem]:
        n = self.lines
        if n < MIN_TRAINING_EXAMPLES:
            noun = "example" if n == 1 else "examples"
            return [
                Problem(
                    Severity.ERROR,
                    f"{n} {noun}; fine-tuning needs at least {MIN_TRAINING_EXAMPLES}",
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

    def _system_problems(self) -> list[Problem]:
        found: list[Problem] = []
        distinct = len(self.system_first)
        if distinct > 1:
            first_lines = sorted(self.system_first.values())[:2]
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{distinct:,} different system messages (lines {first_lines[0]} and "
                    f"{first_lines[1]} differ); the docs advise one system message, the same "
                    "in training and at inference",
                )
            )
        if distinct and self.without_system:
            found.append(
                Problem(
                    Severity.WARNING,
                    f"{self.without_system:,} examples have no system message (the first on line "
                    f"{self.without_system_line}) while others have one; use the same system "
                    "message everywhere, as at inference",
                )
            )
        return found


def scan(source: RootedPath, display: str, options: ScanOptions, tokenizer_dir: Path) -> ScanResult:
    """Read ``source`` once and check everything; raises SpecError only if it cannot be read."""
    state = _Scan(options, tokenizer_dir)
    try:
        with source.open() as stream:
            reader = LineReader(stream)
            try:
                for number, raw in reader:
                    state.line(number, raw)
                file_problems = state.finish(reader)
            finally:
                state.pipeline.close()  # stops the workers if anything went wrong
    except RefusedFile as exc:
        raise SpecError([Diagnostic.error(str(exc), Location(display))]) from None
    except OSError as exc:
        raise SpecError(
            [Diagnostic.error(f"cannot read the file: {exc.strerror or exc}", Location(display))]
        ) from exc
    return ScanResult(
        sha256=reader.sha256.hexdigest(),
        bytes=reader.size,
        bytes_read=reader.bytes_read,
        format=state.format or "chat",
        stats=state.stats.result(),
        problems=state.problems.select(file_problems),
        example_digests=frozenset(state.digests),
        system_prompts=len(state.system_first),
        item_fields=state.fields.result() if state.fields is not None else None,
    )


def _size(size: int) -> str:
    if size >= 1024**3:
        return f"{size / 1024**3:.1f} GB"
    if size >= 1024**2:
        return f"{size / 1024**2:.0f} MB"
    return f"{size:,} bytes"
