"""Digests: sha256 of a file (cached), and a short digest per example for comparisons."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from reconciler.confined import RefusedFile, open_confined
from reconciler.datasets.cache import Cache, cache_root, stat_file
from reconciler.datasets.canonical import canonical_digest
from reconciler.errors import Diagnostic, Location, SpecError, relpath
from reconciler.project import project_root

EXAMPLE_DIGEST_BYTES = 16


# ASCII output: about three times faster than ensure_ascii=False in CPython's encoder, and it
# turns lone surrogates into escapes instead of failing to encode.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode


def example_digest(example: dict[str, Any]) -> bytes:
    """16 bytes identifying an example by its canonical JSON (sorted keys, no spaces).

    Two lines holding the same JSON with different key order or spacing are the same example.
    """
    data = _canonical(example).encode("ascii")
    return hashlib.blake2b(data, digest_size=EXAMPLE_DIGEST_BYTES).digest()


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
