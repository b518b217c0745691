"""The sku names the spec accepts (and its errors list) are the ones docs/spec.md lists."""

from __future__ import annotations

import re
from pathlib import Path

from reconciler.spec.models import SKU_NAMES

DOCS = Path(__file__).resolve().parents[3] / "docs" / "spec.md"


def test_the_docs_sku_row_lists_exactly_the_accepted_sku_names() -> None:
    (row,) = [
        line
        for line in DOCS.read_text(encoding="utf-8").splitlines()
        if line.startswith("| `sku` |")
    ]
    listed = re.findall(r"`([A-Z][A-Za-z]+)`", row)
    assert sorted(listed) == sorted(SKU_NAMES)
    assert len(listed) == len(set(listed))
