"""Dataset validation: streaming JSONL checks per format, exact token counts, sha256, split.

Public API (see each function's docstring)::

    inspect_dataset(path, *, format, encoding, max_example_tokens, allow_images, cache_dir)
        -> DatasetReport
    split_dataset(path, validation, seed, out_dir) -> (train_path, validation_path)
    shared_examples(train_report, validation_report) -> int
    sha256_file(path, cache_dir=None) -> str
    cache_root() -> Path
"""

from reconciler.datasets.cache import cache_root
from reconciler.datasets.digest import sha256_file
from reconciler.datasets.inspect import inspect_dataset, shared_examples
from reconciler.datasets.report import DatasetReport
from reconciler.datasets.split import split_dataset
from reconciler.datasets.stats import DatasetStats

__all__ = [
    "DatasetReport",
    "DatasetStats",
    "cache_root",
    "inspect_dataset",
    "sha256_file",
    "shared_examples",
    "split_dataset",
]
