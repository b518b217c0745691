"""The published limits, and how messages write them."""

from __future__ import annotations

import pytest

from reconciler import azure_limits
from reconciler.azure_limits import size_text


def test_the_published_values() -> None:
    # quotas-limits.md: 512 MB per file; openapi.yaml /uploads: 8 GB per upload, 64 MB per part
    assert azure_limits.FILES_API_MAX_BYTES == 512 * 2**20
    assert azure_limits.UPLOADS_API_MAX_BYTES == 8 * 2**30
    assert azure_limits.UPLOAD_PART_MAX_BYTES == 64 * 2**20
    # fine-tuning-vision.md's "Image dataset requirements" table and its 10-example minimum
    assert azure_limits.MIN_TRAINING_EXAMPLES == 10
    assert azure_limits.MAX_IMAGE_EXAMPLES == 50_000
    assert azure_limits.MAX_IMAGES_PER_EXAMPLE == 64
    assert azure_limits.MAX_IMAGE_BYTES == 10 * 2**20


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (azure_limits.FILES_API_MAX_BYTES, "512 MB"),
        (azure_limits.UPLOADS_API_MAX_BYTES, "8 GB"),
        (azure_limits.MAX_IMAGE_BYTES, "10 MB"),
        (3 * 2**19, "1.5 MB"),
        (1000, "1000 bytes"),
    ],
)
def test_size_text_writes_limits_as_the_docs_do(size: int, text: str) -> None:
    assert size_text(size) == text
