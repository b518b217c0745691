"""The model catalog: what Azure offers per base model (fine-tuning, skus, quotas), as data."""

from reconciler.catalog.load import ENV_VAR, PACKAGED, catalog_path, load_catalog, parse_catalog
from reconciler.catalog.model import (
    METHODS,
    TRAINING_TYPES,
    Capacity,
    Catalog,
    CatalogError,
    ModelInfo,
    api_training_type,
    spec_training_type,
)

__all__ = [
    "ENV_VAR",
    "METHODS",
    "PACKAGED",
    "TRAINING_TYPES",
    "Capacity",
    "Catalog",
    "CatalogError",
    "ModelInfo",
    "api_training_type",
    "catalog_path",
    "load_catalog",
    "parse_catalog",
    "spec_training_type",
]
