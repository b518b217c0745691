"""Fixtures for spec tests: a working folder, and a reader for spec folders written from strings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from reconciler.errors import Diagnostics
from reconciler.spec import Spec, read_spec

from .support import CATALOG, ENV, write_tree


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp_path as the working directory, so locations print relative to it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


Reader = Callable[..., tuple[Spec, Diagnostics]]


@pytest.fixture
def read(in_tmp: Path) -> Reader:
    """Write files (dedented) into a fresh spec folder and read it with the test catalog."""

    def run(files: dict[str, str], env: dict[str, str] | None = None) -> tuple[Spec, Diagnostics]:
        write_tree(in_tmp / "spec", files)
        return read_spec(Path("spec"), environ=ENV if env is None else env, catalog=CATALOG)

    return run
