"""Digests: sha256 of a file (cached), and a short digest per example for comparisons."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec

from reconciler.confined import RefusedFile, open_confined
from reconciler.datasets.cache import Cache, cache_root, stat_file
from reconciler.datasets.canonical import canonical_digest
from reconciler.errors import Diagnostic, Location, SpecError, relpath
from reconciler.project import project_root

EXAMPLE_DIGEST_BYTES = 16


# The canonical JSON of an example: sorted keys, no spaces, UTF-8, by msgspec (C: five times
# the stdlib encoder's speed, and this runs once per example). msgspec refuses the lone
# surrogates a ``\ud800`` escape gives; such an example takes the stdlib's ASCII form after a
# NUL byte, which no msgspec output starts with, so the digest stays a function of the value.
# (Values never hold NaN or infinities, which msgspec would write as null: ``jsonline`` refuses
# them.)
_encode_sorted = msgspec.json.Encoder(order="sorted").encode
_stdlib_canonical = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=True
).encode
_sha256 = hashlib.sha256


def canonical_json(example: dict[str, Any]) -> bytes:
    """The bytes an example's digest is of; the same for every line holding the same JSON."""
    try:
        return _encode_sorted(example)
    except UnicodeEncodeError:
        return b"\x00" + _stdlib_canonical(example).encode("ascii")


def canonical_json_of_plain(example: msgspec.Struct) -> bytes:
    """``canonical_json`` of a plain chat example parsed into ``chat_fast``'s typed shape: the
    same bytes as of its dict, since msgspec writes a struct's fields as the dict's keys (set
    fields only, sorted) and its strings the same way (which tests check); it parsed the line
    itself, so no lone surrogate is in it."""
    return _encode_sorted(example)


def digest_of(canonical: bytes) -> bytes:
    # sha256 rather than blake2b: the CPU's SHA instructions make it a fifth faster here
    return _sha256(canonical).digest()[:EXAMPLE_DIGEST_BYTES]


def example_digest(example: dict[str, Any]) -> bytes:
    """16 bytes identifying an example by its canonical JSON (sorted keys, no spaces).

    Two lines holding the same JSON with different key order or spacing are the same example.
    """
    return digest_of(canonical_json(example))


def sha256_file(path: Path, cache_dir: Path | None = None, *, root: Path | None = None) -> str:
    """The sha256 (hex) of a file's canonical bytes (``canonical``: CRLF written as LF);
    remembered by (absolute path, size, mtime_ns).

    The file must resolve inside ``root`` (default: the project root of its folder).
    """
    path = Path(path)
    display = relpath(path)
    root = root if root is not None else project_root(path.parent)
    before = stat_file(path, display, root)
    cache = Cache(cache_dir if cache_dir is not None else cache_root(root))
    known = cache.sha256_for(path, before)
    if known is not None:
        return known
    try:
        with open_confined(path, root, "dataset file") as stream:
            digest = canonical_digest(stream)
    except RefusedFile as exc:
        raise SpecError([Diagnostic.error(str(exc), Location(display))]) from None
    except OSError as exc:
        raise SpecError(
            [Diagnostic.error(f"cannot read the file: {exc.strerror or exc}", Location(display))]
        ) from exc
    hexdigest = digest.hexdigest()
    cache.remember_sha256(path, before, hexdigest, digest.raw_bytes)
    return hexdigest
