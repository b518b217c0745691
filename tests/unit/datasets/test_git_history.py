"""An earlier version of a dataset read from git history, found by the sha256 Azure holds."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from reconciler.datasets import inspect_dataset
from reconciler.datasets.canonical import canonical_digest
from reconciler.datasets.git_history import digests_from_history


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def _lines(answers: range, crlf: bool = False) -> bytes:
    end = "\r\n" if crlf else "\n"
    return "".join(
        json.dumps(
            {
                "messages": [
                    {"role": "user", "content": f"Q{n}?"},
                    {"role": "assistant", "content": f"A{n}"},
                ]
            }
        )
        + end
        for n in answers
    ).encode()


def _identity(data: bytes, tmp: Path) -> tuple[str, int]:
    path = tmp / "identity.bin"
    path.write_bytes(data)
    with path.open("rb") as stream:
        digest = canonical_digest(stream)
    return digest.hexdigest(), digest.size


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "data").mkdir(parents=True)
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "t@example.com")
    _git(root, "config", "user.name", "t")
    return root


def _commit(root: Path, data: bytes, message: str) -> None:
    (root / "data" / "train.jsonl").write_bytes(data)
    _git(root, "add", "data/train.jsonl")
    _git(root, "commit", "-q", "-m", message)


def test_an_earlier_version_gives_the_digests_validation_gave_it(
    repo: Path, tmp_path: Path
) -> None:
    first, second, third = (
        _lines(range(0, 20)),
        _lines(range(5, 30), crlf=True),
        _lines(range(9, 40)),
    )
    for n, data in enumerate((first, second, third)):
        _commit(repo, data, f"v{n}")
    path = repo / "data" / "train.jsonl"
    for data in (first, second):  # the CRLF one is found by its canonical (LF) bytes
        sha, size = _identity(data, tmp_path)
        copy = tmp_path / "copy.jsonl"
        copy.write_bytes(data)
        validated = inspect_dataset(copy, cache_dir=tmp_path / "cache", root=tmp_path)
        found = digests_from_history(repo, path, sha, size)
        assert found is not None
        assert found == frozenset(validated.example_digests)


def test_content_never_committed_is_not_found(repo: Path, tmp_path: Path) -> None:
    _commit(repo, _lines(range(0, 20)), "v0")
    sha, size = _identity(_lines(range(0, 21)), tmp_path)
    assert digests_from_history(repo, repo / "data" / "train.jsonl", sha, size) is None


def test_outside_a_repository_or_the_root_nothing_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    data = _lines(range(0, 20))
    (folder / "train.jsonl").write_bytes(data)
    sha, size = _identity(data, tmp_path)
    assert digests_from_history(folder, folder / "train.jsonl", sha, size) is None
    assert digests_from_history(folder / "sub", folder / "train.jsonl", sha, size) is None
