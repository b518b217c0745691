from __future__ import annotations

import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.datasets.tokens import (
    _install_vocabulary,
    check_encoding_name,
    counter_for,
    load_encoding,
)
from reconciler.errors import SpecError

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"


def test_vocabulary_goes_where_tiktoken_looks_for_its_download(tmp_path: Path) -> None:
    _install_vocabulary("o200k_base", tmp_path)
    target = tmp_path / hashlib.sha1(O200K_URL.encode()).hexdigest()
    data = target.read_bytes()
    # the sha256 tiktoken itself checks for this file
    assert (
        hashlib.sha256(data).hexdigest()
        == "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
    )
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left


def test_a_corrupt_vocabulary_file_is_replaced(tmp_path: Path) -> None:
    target = tmp_path / hashlib.sha1(O200K_URL.encode()).hexdigest()
    target.write_bytes(b"garbage")
    _install_vocabulary("o200k_base", tmp_path)
    assert gzip.compress(target.read_bytes())[:2] == b"\x1f\x8b"
    assert target.stat().st_size > 1_000_000


def test_loading_leaves_the_environment_as_it_was(tmp_path: Path) -> None:
    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    encoding = load_encoding("cl100k_base", tmp_path)
    assert os.environ.get("TIKTOKEN_CACHE_DIR") == before
    assert encoding.name == "cl100k_base"
    assert encoding.encode_ordinary("hello world") == [15339, 1917]


def test_known_token_ids(o200k: Any) -> None:
    # o200k_base ids published in tiktoken's own tests
    assert o200k.encode_ordinary("hello world") == [24912, 2375]


def test_unknown_encoding_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown tokenizer encoding 'p50k'"):
        check_encoding_name("p50k")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=8))
def test_counts_equal_encode_ordinary(o200k: Any, texts: list[str]) -> None:
    assert counter_for(o200k)(texts) == [len(o200k.encode_ordinary(t)) for t in texts]


def test_special_tokens_and_lone_surrogates_count_like_encode_ordinary(o200k: Any) -> None:
    texts = ["<|endoftext|> is text here", "broken \ud800 surrogate", "", "🤗 ござる"]
    assert counter_for(o200k)(texts) == [len(o200k.encode_ordinary(t)) for t in texts]


def test_a_fresh_process_counts_without_the_network(tmp_path: Path, o200k: Any) -> None:
    # Any download attempt would go through this proxy, where nothing listens.
    env = {
        **os.environ,
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    env.pop("TIKTOKEN_CACHE_DIR", None)
    code = (
        "import sys; from pathlib import Path\n"
        "from reconciler.datasets.tokens import load_encoding\n"
        "enc = load_encoding('o200k_base', Path(sys.argv[1]))\n"
        "print(len(enc.encode_ordinary('hello world, offline')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "fresh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(o200k.encode_ordinary("hello world, offline"))
    assert (tmp_path / "fresh" / hashlib.sha1(O200K_URL.encode()).hexdigest()).is_file()
