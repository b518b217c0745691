from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reconciler.datasets import DatasetReport, inspect_dataset
from reconciler.datasets.tokens import load_encoding


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def inspect(cache: Path) -> Any:
    def run(path: Path, **options: Any) -> DatasetReport:
        return inspect_dataset(path, cache_dir=cache, **options)

    return run


@pytest.fixture(scope="session")
def o200k(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_encoding("o200k_base", tmp_path_factory.mktemp("tiktoken"))
