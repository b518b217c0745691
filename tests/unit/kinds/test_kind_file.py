"""The file kind: which files hold a content, which one is used, and what to do about it."""

from __future__ import annotations

import dataclasses
import hashlib

from reconciler.kinds import file
from reconciler.kinds.file import FileAfter, FileBefore, FileReason
from reconciler.plan.desired import DesiredFile
from reconciler.plan.model import Action, ResourceType
from reconciler.plan.observed import ObservedFile
from reconciler.plan.render_reason import reason_text

SHA = hashlib.sha256(b"train").hexdigest()
DESIRED = DesiredFile("train", "swc", SHA, 1000, "data/train.jsonl", f"train.{SHA}.jsonl")


def _file(file_id: str, status: str, created_at: int = 0, **fields: object) -> ObservedFile:
    values: dict[str, object] = {"filename": f"train.{SHA}.jsonl", "bytes": 1000}
    values.update(fields)
    return ObservedFile(file_id, status=status, created_at=created_at, **values)  # type: ignore[arg-type]


def _decide(
    files: list[ObservedFile], *, needed: bool = True, replace: bool = False
) -> file.FileDecision:
    return file.decide(DESIRED, "aoai-swc", files, needed=needed, replace=replace)


def test_identity_is_the_sha256_in_the_name_the_size_and_the_purpose() -> None:
    held = _file("file-a", "processed")
    unsized = _file("file-b", "processed", bytes=None)  # Azure may report bytes: null
    others = [
        _file("file-c", "processed", filename="train.jsonl"),
        _file("file-d", "processed", bytes=999),
        _file("file-e", "processed", purpose="assistants"),
        _file("file-f", "deleted"),
    ]
    assert file.identify(SHA, 1000, [held, unsized, *others]) == [held, unsized]


def test_a_processed_file_is_used_before_a_pending_one() -> None:
    files = [_file("file-new", "pending", 20), _file("file-old", "processed", 10)]
    decision = _decide(files)
    assert (decision.action, decision.reason) == (Action.NO_OP, FileReason.PRESENT)
    assert decision.use == files[1]


def test_a_pending_file_is_waited_for() -> None:
    files = [_file("file-a", "error", 30), _file("file-b", "uploaded", 10)]
    decision = _decide(files)
    assert (decision.action, decision.reason) == (Action.WAIT, FileReason.PROCESSING)
    assert decision.use == files[1]


def test_a_rejected_file_is_seen_but_never_used() -> None:
    rejected = _file("file-a", "error", status_details="bad line 3")
    decision = _decide([rejected, _file("file-b", "deleted", 2)])
    assert (decision.action, decision.reason) == (Action.CREATE, FileReason.REJECTED)
    assert decision.seen == rejected and decision.use is None
    text = reason_text(ResourceType.FILE, decision.because)
    assert text == "file-a in aoai-swc was rejected (bad line 3); uploading again"


def test_no_file_means_an_upload() -> None:
    decision = _decide([])
    assert (decision.action, decision.reason) == (Action.CREATE, FileReason.ABSENT)
    assert decision.seen is None and decision.use is None


def test_replace_uploads_again_whatever_is_there() -> None:
    decision = _decide([_file("file-a", "processed")], replace=True)
    assert (decision.action, decision.reason) == (Action.CREATE, FileReason.REPLACE_ASKED)
    assert decision.use is None


def test_content_no_job_needs_is_not_uploaded() -> None:
    for files in ([], [_file("file-a", "pending")], [_file("file-a", "error")]):
        decision = _decide(files, needed=False)
        assert (decision.action, decision.reason) == (Action.NO_OP, FileReason.NOT_NEEDED)
    # a processed file is reported as present, needed or not
    assert _decide([_file("file-a", "processed")], needed=False).reason is FileReason.PRESENT


def test_payloads_round_trip() -> None:
    after = FileAfter.of(DESIRED, "aoai-swc")
    assert FileAfter.from_json(after.to_json()) == after
    before = FileBefore.of(_file("file-a", "error", status_details="why"))
    assert FileBefore.from_json(before.to_json()) == before


def test_a_file_hashed_on_import_is_known_by_that_hash_whatever_its_name_and_size() -> None:
    # a CRLF copy uploaded by hand: another size, the same canonical content
    by_hand = _file("file-h", "processed", filename="my upload.jsonl", bytes=1040)
    by_hand = dataclasses.replace(by_hand, content_sha256=SHA)
    not_hashed = _file("file-n", "processed", filename="my upload.jsonl")
    other = dataclasses.replace(by_hand, id="file-o", content_sha256="0" * 64)
    assert file.identify(SHA, 1000, [by_hand, not_hashed, other]) == [by_hand]
    decision = _decide([by_hand])
    assert (decision.action, decision.reason) == (Action.NO_OP, FileReason.PRESENT)
    assert decision.use == by_hand
