"""`reconciler catalog`: the models, methods, training types, regions and skus the tool
knows, from the catalog in use (the packaged one, or $RECONCILER_CATALOG)."""

from __future__ import annotations

from typing import Any

from reconciler.catalog.listing import select
from reconciler.catalog.load import load_catalog


def catalog(region: str | None = None, model: str | None = None) -> dict[str, Any]:
    """The catalog as plain data (``catalog.listing.select``), narrowed to ``region`` and
    ``model`` when given; CatalogError names the known ones for an unknown region or model."""
    return select(load_catalog(), region, model)
