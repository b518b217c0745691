"""The sha256 of a file in Azure, of its canonical bytes, streamed: for `reconciler import`.

Memory stays bounded by one block whatever the file's size; a file longer than the content it
is compared with is abandoned as soon as that is known (its size in the list may be null).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from reconciler.azure.errors import mapped
from reconciler.azure.path_segments import path_segments
from reconciler.datasets.canonical import BLOCK_BYTES, CanonicalDigest

if TYPE_CHECKING:
    import openai


@dataclass(frozen=True)
class FileDigest:
    sha256: str  # of the canonical bytes (CRLF line endings read as LF), as datasets are hashed
    raw_bytes: int  # as the service holds it


def canonical_sha256(
    client: openai.OpenAI, account: str, file_id: str, *, max_bytes: int
) -> FileDigest | None:
    """The digest of the file's content; None when it holds more than ``max_bytes`` bytes
    (then it cannot be the content looked for, and the rest is not downloaded)."""
    path_segments(file_id=file_id)
    digest = CanonicalDigest()
    with (
        mapped(f"download file {file_id} in {account}"),
        client.files.with_streaming_response.content(file_id) as response,
    ):
        for block in response.iter_bytes(BLOCK_BYTES):
            if digest.raw_bytes + len(block) > max_bytes:
                return None
            digest.update(block)
    digest.finish()
    return FileDigest(digest.hexdigest(), digest.raw_bytes)
