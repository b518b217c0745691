"""SPEC.md §5.1: the tool's own state (.reconciler/) is never written through a symlink."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.apply.lock import LocalFileLock, lock_path
from reconciler.cli import cli
from reconciler.datasets import inspect_dataset
from reconciler.state_dir import UnsafePathError, ensure_dir, write_atomic

PRECIOUS = "precious content, never truncated\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "specs").mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("RECONCILER_CACHE_DIR", raising=False)
    return root


def write_chat(path: Path, count: int = 12) -> Path:
    lines = (
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(count)
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_a_lock_file_committed_as_a_symlink_is_refused_and_its_target_untouched(
    repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "bashrc"
    target.write_text(PRECIOUS)
    path = lock_path(repo, "prod")
    path.parent.mkdir(parents=True)
    path.symlink_to(target)
    with pytest.raises(UnsafePathError, match=r"locks/prod.lock is a symlink"):
        LocalFileLock(path, "alice@ci").acquire(0)
    assert target.read_text() == PRECIOUS


def test_a_locks_folder_committed_as_a_symlink_is_refused(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".reconciler").mkdir()
    (repo / ".reconciler" / "locks").symlink_to(elsewhere)
    with pytest.raises(UnsafePathError, match=r"\.reconciler/locks is a symlink"):
        LocalFileLock(lock_path(repo, "prod"), anchor=repo).acquire(0)
    assert list(elsewhere.iterdir()) == []


def test_a_fifo_where_the_lock_file_goes_is_refused(repo: Path) -> None:
    path = lock_path(repo, "prod")
    path.parent.mkdir(parents=True)
    os.mkfifo(path)  # opening it to write would block without the non-blocking open
    with pytest.raises(UnsafePathError, match="not a file"):
        LocalFileLock(path).acquire(0)


def test_a_cache_committed_as_a_symlink_fails_validate_and_writes_nothing_there(
    repo: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".reconciler").mkdir()
    (repo / ".reconciler" / "cache").symlink_to(elsewhere)
    spec = repo / "specs"
    write_chat(spec / "train.jsonl")
    (spec / "main.yaml").write_text("stack: prod\ndatasets:\n  d: {path: train.jsonl}\n")
    result = CliRunner().invoke(cli, ["validate", str(spec)])
    assert result.exit_code == 1
    assert ".reconciler/cache is a symlink" in result.output
    assert "Traceback" not in result.output
    assert list(elsewhere.iterdir()) == []


def test_a_cache_subfolder_committed_as_a_symlink_is_refused(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache = repo / ".reconciler" / "cache"
    cache.mkdir(parents=True)
    (cache / "reports").symlink_to(elsewhere)
    data = write_chat(repo / "train.jsonl")
    with pytest.raises(UnsafePathError, match="cache/reports is a symlink"):
        inspect_dataset(data, root=repo)
    assert list(elsewhere.iterdir()) == []


def test_the_cache_lives_in_the_project_root_not_the_working_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = repo / "specs"
    write_chat(spec / "train.jsonl")
    (spec / "main.yaml").write_text("stack: prod\ndatasets:\n  d: {path: train.jsonl}\n")
    monkeypatch.chdir(spec)
    result = CliRunner().invoke(cli, ["validate", "."])
    assert result.exit_code == 0, result.output
    assert (repo / ".reconciler" / "cache" / "reports").is_dir()
    assert not (spec / ".reconciler").exists()


def test_an_entry_written_over_a_symlink_replaces_the_link_not_its_target(
    tmp_path: Path,
) -> None:
    target = tmp_path / "target"
    target.write_text(PRECIOUS)
    folder = ensure_dir(tmp_path, tmp_path / "cache" / "sha256")
    (folder / "entry.json").symlink_to(target)
    write_atomic(tmp_path, folder / "entry.json", b"{}")
    assert target.read_text() == PRECIOUS
    assert not (folder / "entry.json").is_symlink()
    assert (folder / "entry.json").read_bytes() == b"{}"
    assert [p.name for p in folder.iterdir()] == ["entry.json"]  # no temp file left


def test_the_emulator_default_data_dir_refuses_a_symlink(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / ".reconciler").symlink_to(elsewhere)
    result = CliRunner().invoke(cli, ["emulator", "serve", "--port", "0"])
    assert result.exit_code == 1
    assert ".reconciler is a symlink" in result.output
    assert list(elsewhere.iterdir()) == []


def test_the_emulator_replaces_a_symlinked_certificate_file_instead_of_writing_through_it(
    tmp_path: Path,
) -> None:
    from reconciler.emulator.server import _certificates

    data_dir = tmp_path / "emulator"
    data_dir.mkdir()
    target = tmp_path / "bashrc"
    target.write_text(PRECIOUS)
    for name in ("server.pem", "server-key.pem", "ca-key.pem.tmp"):
        (data_dir / name).symlink_to(target)
    _certificates(data_dir)
    assert target.read_text() == PRECIOUS
    assert not (data_dir / "server.pem").is_symlink()
    assert (data_dir / "server-key.pem").stat().st_mode & 0o777 == 0o600
