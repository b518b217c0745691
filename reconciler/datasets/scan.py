"""One pass over a dataset file: every check, every token count, the sha256 -- on every core.

A file of ``PARALLEL_MIN_BYTES`` or more is cut into ranges at line boundaries; worker
processes each parse, check, tokenize and digest whole ranges (``range_scan``) while this
process reads the file once more for its sha256, and the ranges' results are merged in line
order (``scan_merge``): the report is the one a single pass gives, problems, line numbers,
counts and digests alike. Processes, not threads: parsing and checking hold the GIL, and they
are a third of the work. A smaller file (or a machine with one CPU) is read in this process,
through the same code, in one range.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reconciler.confined import RefusedFile, RootedPath
from reconciler.datasets.canonical import canonical_digest
from reconciler.datasets.counting import default_workers
from reconciler.datasets.jsonline import decode_line
from reconciler.datasets.problems import ProblemCollector
from reconciler.datasets.range_scan import (
    RangeJob,
    RangeResult,
    detect_format,
    scan_lines,
    scan_range,
)
from reconciler.datasets.ranges import line_ranges
from reconciler.datasets.reader import FOREIGN_BOMS, UTF8_BOM, LineReader
from reconciler.datasets.report import Format
from reconciler.datasets.scan_merge import FileDigest, ScanCore, merge
from reconciler.datasets.tokens import load_encoding
from reconciler.errors import Diagnostic, Location, SpecError

PARALLEL_MIN_BYTES = 8 << 20
# Ranges small enough that the processes finish within a fraction of a second of each other,
# large enough that what each costs besides its lines (opening, a result to send) is nothing:
# about sixteen per process, between these sizes.
MIN_RANGE_BYTES = 1 << 20
MAX_RANGE_BYTES = 8 << 20
# How far the first lines are read for the one that decides the format (when not given).
FORMAT_SEARCH_BYTES = 16 << 20


@dataclass(frozen=True)
class ScanOptions:
    format: Format | None
    encoding: str
    max_example_tokens: int | None
    allow_images: bool
    workers: int | None = None

    def core_key(self) -> str:
        """What the result depends on besides the content and the token limit (``workers``
        changes nothing)."""
        images = "noimages"
        if self.allow_images:  # without Pillow, data-URI images go unchecked: another result
            images = "images" if importlib.util.find_spec("PIL") else "images-unchecked"
        return f"{self.format or 'auto'}-{self.encoding}-{images}"

    def key(self) -> str:
        limit = "none" if self.max_example_tokens is None else str(self.max_example_tokens)
        return f"{self.core_key()}-{limit}"


def scan(source: RootedPath, display: str, options: ScanOptions, tokenizer_dir: Path) -> ScanCore:
    """Read ``source`` and check everything; raises SpecError only if it cannot be read."""
    try:
        processes = options.workers if options.workers is not None else default_workers()
        size = source.stat().st_size
        core = None
        if processes > 1 and size >= PARALLEL_MIN_BYTES:
            core = _scan_parallel(source, size, options, tokenizer_dir, processes)
        return core if core is not None else _scan_here(source, options, tokenizer_dir)
    except RefusedFile as exc:
        raise SpecError([Diagnostic.error(str(exc), Location(display))]) from None
    except OSError as exc:
        raise SpecError(
            [Diagnostic.error(f"cannot read the file: {exc.strerror or exc}", Location(display))]
        ) from exc


def _job(
    source: RootedPath,
    span: tuple[int, int],
    options: ScanOptions,
    tokenizer_dir: Path,
    *,
    format: Format | None,
    format_line: int,
    workers: int,
) -> RangeJob:
    return RangeJob(
        source=source,
        start=span[0],
        end=span[1],
        format=format,
        format_line=format_line,
        encoding=options.encoding,
        allow_images=options.allow_images,
        tokenizer_dir=tokenizer_dir,
        workers=workers,
    )


def _scan_here(source: RootedPath, options: ScanOptions, tokenizer_dir: Path) -> ScanCore:
    """The whole file as one range, in this process, hashed as it is read."""
    encoding = load_encoding(options.encoding, tokenizer_dir)
    workers = options.workers if options.workers is not None else default_workers()
    job = _job(
        source,
        (0, 0),
        options,
        tokenizer_dir,
        format=options.format,
        format_line=0,
        workers=workers,
    )
    with source.open() as stream:
        reader = LineReader(stream)
        part = scan_lines(job, reader, encoding)

    def digest() -> FileDigest:
        return FileDigest(
            reader.sha256.hexdigest(), reader.size, reader.bytes_read, reader.foreign_encoding
        )

    return merge([part], digest, format=options.format)


def _scan_parallel(
    source: RootedPath, size: int, options: ScanOptions, tokenizer_dir: Path, processes: int
) -> ScanCore | None:
    """The file in ranges on ``processes`` processes; None when it is better read in one
    (a foreign byte-order mark, no line deciding the format early on, a single range)."""
    format, format_line, first_end = options.format, 0, 0
    with source.open() as probe:
        head = probe.read(4)
        if any(head.startswith(mark) for mark, _ in FOREIGN_BOMS):
            return None
        if format is None:
            found = _decide_format(probe)
            if found is None:
                return None
            format, format_line, first_end = found
        chunk = min(MAX_RANGE_BYTES, max(MIN_RANGE_BYTES, size // (16 * processes)))
        # The last ranges smaller: the processes then end within a small range of each other
        # instead of one waiting for the other's last big range.
        tail = max(MIN_RANGE_BYTES, chunk // 4)
        spans = line_ranges(
            probe, size, chunk, first_end, tail_bytes=processes * chunk, tail_chunk=tail
        )
    if len(spans) < 2:
        return None
    jobs = [
        _job(
            source,
            span,
            options,
            tokenizer_dir,
            # the first range decides the format itself, as a single pass would
            format=options.format if index == 0 else format,
            format_line=0 if index == 0 else format_line,
            workers=1,
        )
        for index, span in enumerate(spans)
    ]
    pool = ProcessPoolExecutor(processes, mp_context=_context())
    try:
        parts: Iterator[RangeResult] = pool.map(scan_range, jobs)  # forks now, ordered results
        hashing = _Hashing(source)  # this process reads the file for its sha256 meanwhile
        return merge(parts, hashing.result, format=options.format)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    """On Linux, fork (the workers inherit the loaded modules, and the tokenizer if loaded)
    unless other threads run here: a fork copies locks they may hold; then a fork server, whose
    workers import and load what they need. Elsewhere (macOS system libraries do not survive a
    fork), spawn."""
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    return multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")


class _Hashing:
    """The sha256 of the file's canonical bytes, read in a thread (hashlib and reads release
    the GIL, so this costs the workers little)."""

    def __init__(self, source: RootedPath) -> None:
        self._source = source
        self._digest: FileDigest | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dataset-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with self._source.open() as stream:
                digest = canonical_digest(stream)
            self._digest = FileDigest(digest.hexdigest(), digest.size, digest.raw_bytes)
        except BaseException as exc:  # raised where the result is asked for
            self._error = exc

    def result(self) -> FileDigest:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest


def _decide_format(stream: BinaryIO) -> tuple[Format, int, int] | None:
    """(format, line, offset after that line) of the first line that shows the format, as a
    single pass decides it; None if not found in the first ``FORMAT_SEARCH_BYTES``."""
    stream.seek(0)
    offset = 0
    number = 0
    quiet = ProblemCollector()
    while offset < FORMAT_SEARCH_BYTES:
        line = stream.readline(FORMAT_SEARCH_BYTES)
        if not line or not line.endswith(b"\n"):
            return None  # the end, or a line too long to look at here
        number += 1
        offset += len(line)
        content = line[:-2] if line.endswith(b"\r\n") else line[:-1]
        if number == 1 and content.startswith(UTF8_BOM):
            content = content[len(UTF8_BOM) :]
        if not content or content.isspace():
            continue
        example = decode_line(content, number, quiet)
        kind = detect_format(example) if example is not None else None
        if kind is not None:
            return kind, number, offset
    return None
