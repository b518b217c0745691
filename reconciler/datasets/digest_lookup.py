"""Example digests of earlier dataset contents, found in the local cache by content sha256.

A plan after a data change says how many examples the new data adds and removes against the
data of the job now serving. That data was validated here when it was the spec's (validation
stores its example digests by content), so the cache usually holds them: reading them costs a
file of 16 bytes per example instead of downloading the old training file.
"""

from __future__ import annotations

from reconciler.datasets.cache import Cache
from reconciler.datasets.core_cache import digests_of
from reconciler.datasets.digest_set import DigestSet
from reconciler.datasets.inspect import VALIDATOR_VERSION


def cached_digests(cache: Cache, sha256: str) -> DigestSet | None:
    """The example digests of the content ``sha256`` from any validation of it (they depend
    on the content only: the options in the entry's name change counts, not digests)."""
    folder = cache.root / "digests"
    # sha256 is 64 hex digits (observed from a file name we wrote): no glob characters in it
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    for entry in sorted(folder.glob(f"{sha256}-v{VALIDATOR_VERSION}-*.bin")):
        found = digests_of(cache, entry.name.removesuffix(".bin"))
        if found is not None:
            return found
    return None
