"""SPEC.md §5.1: the project root, and no spec file or dataset read from outside it.

Each test builds a checkout (``repo/`` holding ``.git``) with the spec in ``repo/specs/prod``
and a secret outside it holding a canary; the canary must appear in no message.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reconciler.cli import cli
from reconciler.confined import RefusedFile, open_confined
from reconciler.datasets import inspect_dataset, sha256_file, split_dataset
from reconciler.project import project_root
from reconciler.spec import read_spec

from .support import CATALOG, ENV, has

CANARY = "CANARY-7f3a9c-https://x-access-token:ghs_secret@github.com"
STACK = "stack: prod\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp/repo`` (a checkout: it holds .git) with ``specs/prod``; ``tmp/secret`` outside."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "specs" / "prod").mkdir(parents=True)
    (tmp_path / "secret").write_text(CANARY + "\n")
    monkeypatch.chdir(root)
    return root


def spec_dir(repo: Path) -> Path:
    return repo / "specs" / "prod"


def validate_cli(target: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["validate", str(target)])
    return result.exit_code, result.output


def with_dataset(repo: Path, path: str) -> None:
    (spec_dir(repo) / "main.yaml").write_text(f"{STACK}datasets:\n  d:\n    path: '{path}'\n")


def write_chat(path: Path, count: int = 12) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}]}
        for i in range(count)
    )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


# -- the root ---------------------------------------------------------------------------------


def test_root_is_the_nearest_ancestor_holding_git_else_the_spec_dir(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "specs" / "prod").mkdir(parents=True)
    assert project_root(repo / "specs" / "prod") == (repo / "specs" / "prod").resolve()
    (repo / ".git").write_text("gitdir: /elsewhere\n")  # a worktree's .git is a file
    assert project_root(repo / "specs" / "prod") == repo.resolve()
    assert project_root(repo / "specs" / "prod" / "main.yaml") == repo.resolve()


def test_a_spec_dir_committed_as_a_link_to_another_checkout_is_not_a_root(
    tmp_path: Path,
) -> None:
    other = tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    (other / "x.yaml").write_text(CANARY)
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "specs").mkdir()
    (repo / "specs" / "prod").symlink_to(other)
    assert project_root(repo / "specs" / "prod") == repo.resolve()
    _, diagnostics = read_spec(repo / "specs" / "prod", environ=ENV, catalog=CATALOG)
    assert has(diagnostics, "the spec directory resolves outside its project root")
    assert CANARY not in str(diagnostics.items)


# -- spec files -------------------------------------------------------------------------------


def test_a_spec_file_linked_outside_the_root_is_refused_and_not_read(
    repo: Path, tmp_path: Path
) -> None:
    (spec_dir(repo) / "main.yaml").write_text(STACK)
    (spec_dir(repo) / "a.yaml").symlink_to(tmp_path / "secret")
    code, output = validate_cli(spec_dir(repo))
    assert code == 1
    assert "specs/prod/a.yaml: error: spec file specs/prod/a.yaml resolves outside" in output
    assert CANARY not in output and "ghs_" not in output


def test_a_spec_file_linked_inside_the_root_is_read(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "stack.yaml").write_text(STACK)
    (spec_dir(repo) / "stack.yaml").symlink_to(repo / "shared" / "stack.yaml")
    spec, diagnostics = read_spec(spec_dir(repo), environ=ENV, catalog=CATALOG)
    assert not diagnostics.has_errors, diagnostics.items
    assert spec.stack == "prod"


def test_a_linked_folder_is_not_walked(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text("stack: [not, read]\n")
    (spec_dir(repo) / "main.yaml").write_text(STACK)
    (spec_dir(repo) / "more").symlink_to(outside)
    spec, diagnostics = read_spec(spec_dir(repo), environ=ENV, catalog=CATALOG)
    assert not diagnostics.has_errors, diagnostics.items
    assert [p.name for p in spec.files] == ["main.yaml"]


# -- datasets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["../../../secret", "{tmp}/secret", "/proc/self/environ"],
    ids=["dot-dot", "absolute", "proc"],
)
def test_a_dataset_path_outside_the_root_is_an_error_at_the_path(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: str
) -> None:
    monkeypatch.setenv("CANARY_ENV", CANARY)  # what /proc/self/environ would give away
    with_dataset(repo, written.format(tmp=tmp_path))
    code, output = validate_cli(spec_dir(repo))
    assert code == 1
    assert "specs/prod/main.yaml:4:11: error: dataset file" in output
    assert "resolves outside the project root" in output
    assert CANARY not in output


def test_a_dataset_linked_outside_the_root_is_refused(repo: Path, tmp_path: Path) -> None:
    (spec_dir(repo) / "data.jsonl").symlink_to(tmp_path / "secret")
    with_dataset(repo, "data.jsonl")
    code, output = validate_cli(spec_dir(repo))
    assert code == 1
    assert "main.yaml:4:11: error: dataset file specs/prod/data.jsonl resolves outside" in output
    assert CANARY not in output


def test_a_fifo_dataset_is_refused_without_being_opened(repo: Path) -> None:
    os.mkfifo(spec_dir(repo) / "data.jsonl")  # opening it to read would block forever
    with_dataset(repo, "data.jsonl")
    code, output = validate_cli(spec_dir(repo))
    assert code == 1
    assert "main.yaml:4:11: error: dataset file specs/prod/data.jsonl is not a regular file" in (
        output
    )


def test_a_dataset_linked_inside_the_root_is_read(repo: Path, tmp_path: Path) -> None:
    write_chat(repo / "data" / "train.jsonl")
    (spec_dir(repo) / "train.jsonl").symlink_to(repo / "data" / "train.jsonl")
    with_dataset(repo, "train.jsonl")
    code, output = validate_cli(spec_dir(repo))
    assert code == 0, output
    assert "dataset d: 12 examples" in output


def test_every_dataset_reader_refuses_a_file_outside_its_root(repo: Path, tmp_path: Path) -> None:
    """The library entry points too (inspection, digest, split), not only the spec check."""
    write_chat(tmp_path / "outside.jsonl")
    link = repo / "data.jsonl"
    link.symlink_to(tmp_path / "outside.jsonl")
    cache = tmp_path / "cache"
    with pytest.raises(Exception, match="resolves outside the project root"):
        inspect_dataset(link, cache_dir=cache, root=repo)
    with pytest.raises(Exception, match="resolves outside the project root"):
        sha256_file(link, cache, root=repo)
    with pytest.raises(Exception, match="resolves outside the project root"):
        split_dataset(link, 0.2, 0, tmp_path / "parts", cache_dir=cache, root=repo)
    assert not (tmp_path / "parts").exists() or not any((tmp_path / "parts").iterdir())


def test_a_link_swapped_in_after_the_check_is_not_followed(repo: Path, tmp_path: Path) -> None:
    """The open walks the resolved path with O_NOFOLLOW: a folder on it replaced by a symlink
    between resolving and opening fails the open instead of escaping the root."""
    (repo / "data").mkdir()
    (repo / "data" / "x.jsonl").write_text("{}\n")
    real_resolve = os.path.realpath

    def resolve_then_swap(path: object, *args: object, **kwargs: object) -> str:
        resolved: str = real_resolve(path, *args, **kwargs)  # type: ignore[call-overload]
        if resolved.endswith("x.jsonl") and (repo / "data").is_dir():
            (repo / "data").rename(repo / "data.real")
            (tmp_path / "evil").mkdir()
            (tmp_path / "evil" / "x.jsonl").write_text(CANARY)
            (repo / "data").symlink_to(tmp_path / "evil")
        return resolved

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os.path, "realpath", resolve_then_swap)
        with pytest.raises(RefusedFile, match="changed while it was being opened"):
            open_confined(repo / "data" / "x.jsonl", repo)
