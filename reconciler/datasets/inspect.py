"""``inspect_dataset``: validate a dataset and count its tokens, cached by content."""

from __future__ import annotations

from pathlib import Path

from reconciler.confined import RootedPath
from reconciler.datasets.cache import Cache, cache_root, stat_file
from reconciler.datasets.core_cache import digests_of, load_core, store_core
from reconciler.datasets.report import FORMATS, DatasetReport, ScanResult
from reconciler.datasets.scan import ScanOptions, scan
from reconciler.datasets.tokens import check_encoding_name
from reconciler.errors import Diagnostic, Location, SpecError, relpath
from reconciler.project import project_root
from reconciler.state_dir import ensure_dir

# Part of every cached result's key: bump it when a check, a count or the layout changes.
VALIDATOR_VERSION = 4


def inspect_dataset(
    path: Path,
    *,
    format: str | None = None,
    encoding: str = "o200k_base",
    max_example_tokens: int | None = None,
    allow_images: bool = False,
    cache_dir: Path | None = None,
    workers: int | None = None,
    root: Path | None = None,
) -> DatasetReport:
    """Check a JSONL dataset line by line and count its tokens, in one streaming pass.

    ``format`` is "chat", "preference" or "reinforcement" (never detected: its lines look like
    chat), or None to let the first line that shows one decide.
    ``encoding`` is the base model's tokenizer; ``max_example_tokens`` its per-example limit
    (None: no limit check); ``allow_images`` whether it takes images. ``workers`` is the
    number of processes that read a large file in ranges (default: the CPU count; 1 reads it
    in this process).

    Problems in the data are the report's diagnostics. Raises SpecError only when the file
    cannot be read at all, or for an option that is not valid.

    The sha256 is remembered by (absolute path, size, mtime_ns) and the result by (sha256,
    options) under ``cache_dir`` (default ``cache_root()``): a second call on an unchanged
    file reads two cache entries and not the file (nor loads the tokenizer). The token counts
    are kept by (sha256, format, encoding, images): another ``max_example_tokens`` does not
    read the file again either.

    The file must resolve to a regular file inside ``root`` (default: the project root of its
    folder); otherwise SpecError, and nothing of it is read.
    """
    path = Path(path)
    display = relpath(path)
    options = _options(display, format, encoding, max_example_tokens, allow_images, workers)
    root = root if root is not None else project_root(path.parent)
    cache = Cache(cache_dir if cache_dir is not None else cache_root(root))
    before = stat_file(path, display, root)
    key = f"v{VALIDATOR_VERSION}-{options.key()}"
    core_key = f"v{VALIDATOR_VERSION}-{options.core_key()}"
    sha256 = cache.sha256_for(path, before)
    if sha256 is not None:
        digests = digests_of(cache, f"{sha256}-{core_key}")
        stored = cache.read_json(cache.entry("reports", f"{sha256}-{key}"))
        cached = (
            ScanResult.from_json(stored, digests)
            if stored is not None and digests is not None
            else None
        )
        if cached is not None and cached.sha256 == sha256:
            return cached.report(path, root, display, from_cache=True)
        # Validated before with another token limit (another base model of this tokenizer):
        # the limit's errors come from the stored counts, nothing is read or tokenized again.
        core = load_core(cache, f"{sha256}-{core_key}", sha256)
        if core is not None:
            result = core.result(options.max_example_tokens)
            cache.write_json(cache.entry("reports", f"{sha256}-{key}"), result.to_json())
            return result.report(path, root, display, from_cache=True)
    core = scan(RootedPath(path, root), display, options, _tokenizer_dir(cache))
    result = core.result(options.max_example_tokens)
    cache.remember_sha256(path, before, core.sha256, core.bytes_read)
    if store_core(cache, f"{core.sha256}-{core_key}", core):
        cache.write_json(cache.entry("reports", f"{core.sha256}-{key}"), result.to_json())
    return result.report(path, root, display)


def _tokenizer_dir(cache: Cache) -> Path:
    """``<cache>/tiktoken``, a real folder (a symlink there is an UnsafePathError)."""
    folder = cache.root / "tiktoken"
    try:
        return ensure_dir(cache.root, folder)
    except OSError:
        return folder  # the tokenizer falls back to a per-user temp folder


def _options(
    display: str,
    format: str | None,
    encoding: str,
    max_example_tokens: int | None,
    allow_images: bool,
    workers: int | None,
) -> ScanOptions:
    where = Location(display)
    if format is not None and format not in FORMATS:
        raise SpecError(
            [
                Diagnostic.error(
                    f"unknown dataset format {format!r}; use chat, preference or reinforcement",
                    where,
                )
            ]
        )
    check_encoding_name(encoding)
    if max_example_tokens is not None and (
        isinstance(max_example_tokens, bool)
        or not isinstance(max_example_tokens, int)
        or max_example_tokens <= 0
    ):
        raise SpecError(
            [
                Diagnostic.error(
                    f"max_example_tokens must be a positive integer: {max_example_tokens!r}", where
                )
            ]
        )
    return ScanOptions(
        format=format,
        encoding=encoding,
        max_example_tokens=max_example_tokens,
        allow_images=bool(allow_images),
        workers=workers,
    )


def shared_examples(train: DatasetReport, validation: DatasetReport) -> int:
    """How many distinct examples appear in both (same canonical JSON)."""
    return len(train.example_digests & validation.example_digests)
