"""Deterministic train/validation split of a JSONL file, streaming.

Each line goes to validation when a keyed hash of (seed, line bytes) falls below the
``validation`` fraction. The result depends only on the file's lines and the seed -- not on
line order, file size or platform -- and identical lines always land on the same side, so a
split never leaks a duplicate from training into validation. When one side would be empty the
threshold moves just enough to give it the line(s) nearest to it, when the lines allow.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reconciler.confined import RefusedFile, RootedPath
from reconciler.datasets.cache import Cache, cache_root, stat_file, unchanged
from reconciler.datasets.reader import TOO_LONG, UTF8_BOM, LineReader
from reconciler.errors import Diagnostic, Location, SpecError, relpath
from reconciler.project import project_root
from reconciler.state_dir import ensure_dir

_SCALE = 1 << 64


def _line_hash(seed_key: bytes, line: bytes) -> int:
    digest = hashlib.blake2b(line, digest_size=8, key=seed_key).digest()
    return int.from_bytes(digest, "big")


@dataclass
class _Side:
    path: Path
    stream: BinaryIO
    sha256: hashlib._Hash
    lines: int = 0
    size: int = 0

    def write(self, data: bytes) -> None:
        self.stream.write(data)
        self.sha256.update(data)
        self.size += len(data)


@dataclass
class _Pass:
    train: _Side
    validation: _Side
    lowest_train: int | None = None  # hash of the train line nearest to validation
    highest_validation: int | None = None


def split_dataset(
    path: Path,
    validation: float,
    seed: int,
    out_dir: Path,
    *,
    cache_dir: Path | None = None,
    root: Path | None = None,
) -> tuple[Path, Path]:
    """Write ``<stem>.train.<sha>.jsonl`` and ``<stem>.validation.<sha>.jsonl`` into out_dir.

    ``<sha>`` is the start of each file's own sha256 (content-addressed: the same input and
    seed give the same names). Blank lines are dropped; a UTF-8 byte-order mark is kept on
    both outputs. A repeated call on an unchanged file returns the files already written.
    The input must resolve inside ``root`` (default: the project root of its folder); an
    ``out_dir`` inside the cache is made without following symlinks.
    """
    path, out_dir = Path(path), Path(out_dir)
    display = relpath(path)
    where = Location(display)
    if isinstance(validation, bool) or not isinstance(validation, int | float):
        raise SpecError([Diagnostic.error("split validation must be a number", where)])
    if not 0 < validation < 1:
        raise SpecError(
            [Diagnostic.error(f"split validation must be between 0 and 1, not {validation}", where)]
        )
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SpecError([Diagnostic.error("split seed must be an integer", where)])
    root = root if root is not None else project_root(path.parent)
    before = stat_file(path, display, root)
    cache = Cache(cache_dir if cache_dir is not None else cache_root(root))
    source = RootedPath(path, root)
    source_sha = cache.sha256_for(path, before)
    entry_name = f"{validation!r}-{seed}"
    if source_sha is not None:
        done = _cached(cache, f"{source_sha}-{entry_name}", out_dir)
        if done is not None:
            return done

    try:
        return _split(source, display, validation, seed, out_dir, cache, before, entry_name)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SpecError(
            [Diagnostic.error(f"cannot write the split into {out_dir}: {reason}", where)]
        ) from exc


def _split(
    source: RootedPath,
    display: str,
    validation: float,
    seed: int,
    out_dir: Path,
    cache: Cache,
    before: os.stat_result,
    entry_name: str,
) -> tuple[Path, Path]:
    seed_key = hashlib.sha256(f"reconciler-split:{seed}".encode()).digest()
    threshold = int(validation * _SCALE)
    _make_out_dir(out_dir, cache)
    path = source.path
    result, reader = _write(source, display, seed_key, threshold, out_dir)
    adjusted = threshold
    if result.validation.lines == 0 and result.lowest_train is not None:
        adjusted = result.lowest_train + 1
    elif result.train.lines == 0 and result.highest_validation is not None:
        adjusted = result.highest_validation
    if adjusted != threshold:
        second, _ = _write(source, display, seed_key, adjusted, out_dir)
        if second.train.lines and second.validation.lines:
            _discard(result)
            result = second
        else:  # every line is the same: one side stays empty
            _discard(second)
    stem = path.stem
    outputs: list[Path] = []
    for side, name in ((result.train, "train"), (result.validation, "validation")):
        sha = side.sha256.hexdigest()
        target = out_dir / f"{stem}.{name}.{sha[:16]}.jsonl"
        os.replace(side.path, target)
        outputs.append(target)
        cache.remember_sha256(target, target.stat(), sha, side.size)
    if reader.bytes_read == before.st_size and unchanged(path, before):
        source_sha = reader.sha256.hexdigest()
        cache.remember_sha256(path, before, source_sha, reader.bytes_read)
        cache.write_json(
            cache.entry("splits", f"{source_sha}-{entry_name}"),
            {
                "out_dir": str(out_dir.absolute()),
                "files": [[p.name, p.stat().st_size] for p in outputs],
            },
        )
    return outputs[0], outputs[1]


def _cached(cache: Cache, name: str, out_dir: Path) -> tuple[Path, Path] | None:
    entry = cache.read_json(cache.entry("splits", name))
    if entry is None or entry.get("out_dir") != str(out_dir.absolute()):
        return None
    files = entry.get("files")
    if not isinstance(files, list) or len(files) != 2:
        return None
    found: list[Path] = []
    for item in files:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        candidate = out_dir / Path(item[0]).name
        try:
            if candidate.stat().st_size != item[1]:
                return None
        except OSError:
            return None
        found.append(candidate)
    return found[0], found[1]


def _make_out_dir(out_dir: Path, cache: Cache) -> None:
    """``out_dir`` made; below the cache (where validate puts splits) never through a symlink."""
    inside_cache = os.path.abspath(out_dir).startswith(os.path.abspath(cache.root) + os.sep)
    if inside_cache:
        ensure_dir(cache.root, out_dir)
    else:
        out_dir.mkdir(parents=True, exist_ok=True)  # a folder the caller chose


def _open_side(out_dir: Path) -> _Side:
    fd, name = tempfile.mkstemp(dir=out_dir, prefix=".split-", suffix=".part")
    return _Side(Path(name), os.fdopen(fd, "wb"), hashlib.sha256())


def _discard(result: _Pass) -> None:
    for side in (result.train, result.validation):
        side.path.unlink(missing_ok=True)


def _write(
    source: RootedPath, display: str, seed_key: bytes, threshold: int, out_dir: Path
) -> tuple[_Pass, LineReader]:
    train = _open_side(out_dir)
    try:
        validation = _open_side(out_dir)
    except BaseException:
        train.stream.close()
        train.path.unlink(missing_ok=True)
        raise
    result = _Pass(train, validation)
    try:
        with result.train.stream, result.validation.stream, source.open() as stream:
            reader = LineReader(stream)
            started = False
            for number, raw in reader:
                if raw is TOO_LONG:
                    raise SpecError(
                        [Diagnostic.error("line too long to split", Location(display, number))]
                    )
                if not raw or raw.isspace():
                    continue
                if not started and reader.had_bom:
                    result.train.write(UTF8_BOM)
                    result.validation.write(UTF8_BOM)
                started = True
                value = _line_hash(seed_key, raw)
                if value < threshold:
                    side = result.validation
                    if result.highest_validation is None or value > result.highest_validation:
                        result.highest_validation = value
                else:
                    side = result.train
                    if result.lowest_train is None or value < result.lowest_train:
                        result.lowest_train = value
                side.write(raw + b"\n")
                side.lines += 1
            if reader.foreign_encoding is not None:
                raise SpecError(
                    [
                        Diagnostic.error(
                            f"the file is {reader.foreign_encoding}; save it as UTF-8",
                            Location(display, 1, 1),
                        )
                    ]
                )
    except RefusedFile as exc:
        _discard(result)
        raise SpecError([Diagnostic.error(str(exc), Location(display))]) from None
    except OSError as exc:
        _discard(result)
        raise SpecError(
            [Diagnostic.error(f"cannot split the file: {exc.strerror or exc}", Location(display))]
        ) from exc
    except BaseException:
        _discard(result)
        raise
    return result, reader
