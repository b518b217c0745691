"""The file kind: a dataset's content in one account, known by the sha256 in its filename.

Identity: a `fine-tune` file whose name carries the content's sha256 and whose size matches
(Azure may report `bytes: null`; silence is no difference), unless it is deleted or being
deleted. Among those, a processed one is *used*; a pending one is used once processed; one the
service rejected (`error`) is *seen* (the plan says "rejected; uploading again") but never used.
The planner decides over the observed files, apply over the list it reads right before an
upload: the same `decide`, so both pick the same file or both upload.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from reconciler.kinds.decision import Decision
from reconciler.plan.desired import DesiredFile
from reconciler.plan.model import Action, ResourceType
from reconciler.plan.naming import FINE_TUNE_PURPOSE
from reconciler.plan.observed import FileState, ObservedFile

TYPE = ResourceType.FILE


class FileReason(StrEnum):
    REPLACE_ASKED = "replace-asked"  # --replace: upload again whatever is there
    PRESENT = "present"  # a processed file holds the content
    NOT_NEEDED = "not-needed"  # not processed, but no job to be created needs it
    PROCESSING = "processing"  # uploaded, the service still processes it
    REJECTED = "rejected"  # the service rejected the only upload: upload again
    ABSENT = "absent"  # no file holds the content


@dataclass(frozen=True)
class FileAfter:
    """The content to be in the account (what apply uploads)."""

    account: str
    account_name: str
    dataset: str
    filename: str
    sha256: str
    bytes: int
    path: str

    @staticmethod
    def of(desired: DesiredFile, account_name: str) -> FileAfter:
        return FileAfter(
            desired.account,
            account_name,
            desired.dataset,
            desired.filename,
            desired.sha256,
            desired.bytes,
            desired.path,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "account_name": self.account_name,
            "dataset": self.dataset,
            "filename": self.filename,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "path": self.path,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> FileAfter:
        return FileAfter(
            account=str(data["account"]),
            account_name=str(data["account_name"]),
            dataset=str(data["dataset"]),
            filename=str(data["filename"]),
            sha256=str(data["sha256"]),
            bytes=int(data["bytes"]),
            path=str(data.get("path") or ""),
        )


@dataclass(frozen=True)
class FileBefore:
    """The file seen holding the content."""

    id: str
    filename: str
    bytes: int | None
    status: str
    status_details: str | None

    @staticmethod
    def of(observed: ObservedFile) -> FileBefore:
        return FileBefore(
            observed.id,
            observed.filename,
            observed.bytes,
            observed.status,
            observed.status_details,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filename": self.filename,
            "bytes": self.bytes,
            "status": self.status,
            "status_details": self.status_details,
        }

    @staticmethod
    def from_json(data: Mapping[str, Any]) -> FileBefore:
        size, details = data.get("bytes"), data.get("status_details")
        return FileBefore(
            id=str(data["id"]),
            filename=str(data.get("filename") or ""),
            bytes=int(size) if size is not None else None,
            status=str(data.get("status") or ""),
            status_details=str(details) if details is not None else None,
        )


@dataclass(frozen=True)
class FileDecision(Decision[FileReason]):
    seen: ObservedFile | None = None  # the best file holding the content, rejected included
    use: ObservedFile | None = None  # the file to use (processed or pending), never a rejected one


_STATE_RANK = {FileState.READY: 2, FileState.PENDING: 1, FileState.ERROR: 0}
_USABLE = (FileState.READY, FileState.PENDING)


def size_matches(reported: int | None, size: int) -> bool:
    """A file's reported size agrees with the content's: Azure may report `bytes: null`, and
    silence must not make the same content look different (it would be uploaded again); the
    sha256 in the name still decides."""
    return reported is None or reported == size


def identify(sha256: str, size: int, files: Iterable[ObservedFile]) -> list[ObservedFile]:
    """The files that hold this content (rejected ones included, deleted ones not): by the
    sha256 in the name, or by the hash `reconciler import` computed of a file uploaded by hand
    (that hash is of the canonical bytes, so a CRLF upload of an LF dataset matches although
    its size differs: the hash decides)."""
    wanted = sha256.lower()
    return [
        observed
        for observed in files
        if observed.purpose == FINE_TUNE_PURPOSE
        and (observed.content_sha256 is not None or size_matches(observed.bytes, size))
        and observed.state is not FileState.GONE
        and observed.content() == wanted
    ]


def seen(sha256: str, size: int, files: Iterable[ObservedFile]) -> ObservedFile | None:
    """The best file holding this content: processed, else pending, else rejected; then the
    newest."""
    found = identify(sha256, size, files)
    if not found:
        return None
    return max(found, key=lambda f: (_STATE_RANK[f.state], f.created_at or 0, f.id))


def decide(
    desired: DesiredFile,
    account_name: str,
    files: Iterable[ObservedFile],
    *,
    needed: bool,
    replace: bool,
) -> FileDecision:
    """What to do about one content in one account. `needed`: a job to be created trains on
    it; `replace`: `--replace` asks for a new upload."""
    held = seen(desired.sha256, desired.bytes, files)
    use = held if held is not None and held.state in _USABLE else None

    def decision(action: Action, reason: FileReason, **facts: Any) -> FileDecision:
        facts["account_name"] = account_name
        return FileDecision(action, reason, facts, seen=held, use=use)

    if replace:
        return FileDecision(
            Action.CREATE,
            FileReason.REPLACE_ASKED,
            {"account_name": account_name},
            seen=held,
            use=None,
        )
    if held is not None and held.state is FileState.READY:
        return decision(Action.NO_OP, FileReason.PRESENT, file_id=held.id)
    if not needed:
        if held is None:
            return decision(Action.NO_OP, FileReason.NOT_NEEDED)
        return decision(Action.NO_OP, FileReason.NOT_NEEDED, file_id=held.id, status=held.status)
    if held is not None and held.state is FileState.PENDING:
        return decision(Action.WAIT, FileReason.PROCESSING, file_id=held.id, status=held.status)
    if held is not None:
        return decision(
            Action.CREATE, FileReason.REJECTED, file_id=held.id, why=held.status_details
        )
    return decision(Action.CREATE, FileReason.ABSENT)


__all__ = [
    "TYPE",
    "DesiredFile",
    "FileAfter",
    "FileBefore",
    "FileDecision",
    "FileReason",
    "ObservedFile",
    "decide",
    "identify",
    "seen",
    "size_matches",
]
