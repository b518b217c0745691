"""Files uploaded by hand whose content `reconciler import` recognised: account + file id → sha256.

Azure stays the state (DESIGN.md principle 1): what is recorded here is a *fact about an
immutable object*, not a decision. A file in Azure OpenAI never changes its bytes, and the
files API can neither rename nor tag one, so a file whose name carries no sha256 can only be
known by its content, and knowing that costs a download. `import` downloads and hashes such a
file once and records the result here; the observation of every later command marks that file
as holding that content (``ObservedFile.content_sha256``), and the file kind's identity
(`kinds.file.identify`) then treats it like a file named after its sha256.

Where: ``<cache>/adopted/<sha1 of the account's ARM id>.json`` (the cache of
``datasets.cache.cache_root``: ``$RECONCILER_CACHE_DIR`` or ``<project root>/.reconciler/cache``),
``{"account": ARM id, "files": {file id: {"sha256", "bytes"}}}``. Keyed by the ARM id because
file ids are unique per account, not across accounts.

Failure mode: the record is local. Where it is missing (another machine, a CI runner, a cleared
cache) the hand-made file is not recognised and plan uploads the content again under a
sha256 name: one more file in Azure, the same training; run `import` there again to avoid it.
A recorded file that was deleted in Azure is simply not observed any more. A record is used
only while Azure reports the file with the size that was hashed (``bytes``, unless Azure does
not say), as a guard against a stale or hand-edited entry.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reconciler.azure.observe import Observation
from reconciler.datasets.cache import Cache, cache_root
from reconciler.plan.observed import ObservedAccount, ObservedFile

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
FOLDER = "adopted"


@dataclass(frozen=True)
class Recognised:
    """A file of an account whose canonical bytes have this sha256 (``bytes``: its size in
    Azure when it was hashed)."""

    file_id: str
    sha256: str
    bytes: int | None


class AdoptedFiles:
    """The records of one cache folder."""

    def __init__(self, root: Path) -> None:
        self._cache = Cache(root)

    @staticmethod
    def of_project(project: Path) -> AdoptedFiles:
        return AdoptedFiles(cache_root(project))

    def _entry(self, arm_id: str) -> Path:
        key = hashlib.sha1(arm_id.lower().encode("utf-8")).hexdigest()
        return self._cache.entry(FOLDER, key)

    def of_account(self, arm_id: str) -> dict[str, Recognised]:
        """file id → what is known of it; an unreadable or foreign entry counts as empty."""
        data = self._cache.read_json(self._entry(arm_id))
        if data is None or str(data.get("account", "")).lower() != arm_id.lower():
            return {}
        files = data.get("files")
        found: dict[str, Recognised] = {}
        if not isinstance(files, dict):
            return found
        for file_id, record in files.items():
            if not isinstance(record, dict):
                continue
            sha, size = record.get("sha256"), record.get("bytes")
            if not isinstance(sha, str) or not _SHA256.match(sha):
                continue
            if size is not None and (not isinstance(size, int) or isinstance(size, bool)):
                continue
            found[str(file_id)] = Recognised(str(file_id), sha, size)
        return found

    def record(self, arm_id: str, recognised: list[Recognised]) -> bool:
        """Add these files to the account's records; False when the cache could not be
        written (then a later plan does not know them: said by the caller)."""
        known = self.of_account(arm_id)
        for item in recognised:
            known[item.file_id] = item
        files = {
            file_id: {"sha256": item.sha256, "bytes": item.bytes}
            for file_id, item in sorted(known.items())
        }
        return self._cache.write_json(self._entry(arm_id), {"account": arm_id, "files": files})

    def mark(self, observation: Observation) -> Observation:
        """The observation with every recorded file marked with its content's sha256."""
        accounts = dict(observation.observed.accounts)
        changed = False
        for key, account in accounts.items():
            known = self.of_account(account.arm_id) if account.files else {}
            if not known:
                continue
            accounts[key] = _marked(account, known)
            changed = True
        if not changed:
            return observation
        observed = dataclasses.replace(observation.observed, accounts=accounts)
        return dataclasses.replace(observation, observed=observed)


def _marked(account: ObservedAccount, known: Mapping[str, Recognised]) -> ObservedAccount:
    files = []
    for observed in account.files:
        record = known.get(observed.id)
        if record is not None and observed.content_sha256 is None and _same_size(observed, record):
            observed = dataclasses.replace(observed, content_sha256=record.sha256)
        files.append(observed)
    return dataclasses.replace(account, files=tuple(files))


def _same_size(observed: ObservedFile, record: Recognised) -> bool:
    # Azure may report `bytes: null`; silence is no difference (as in kinds.file.size_matches)
    return observed.bytes is None or record.bytes is None or observed.bytes == record.bytes


def mark_files(files: list[ObservedFile], file_id: str, sha256: str) -> list[ObservedFile]:
    """``files`` with the one of id ``file_id`` marked as holding ``sha256`` (a file's bytes
    never change: what the plan knew of that id still holds when apply reads again)."""
    return [
        dataclasses.replace(f, content_sha256=sha256)
        if f.id == file_id and f.content_sha256 is None
        else f
        for f in files
    ]
