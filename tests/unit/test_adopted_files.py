"""The record of files recognised by `reconciler import`, and how observations are marked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from reconciler.adopted_files import AdoptedFiles, Recognised, mark_files
from reconciler.apply.steps_files import upload_decision
from reconciler.azure.observe import Observation
from reconciler.kinds.file import FileAfter, FileBefore, FileReason
from reconciler.plan.desired import DesiredFile
from reconciler.plan.model import Action, Because, Change, ResourceType
from reconciler.plan.observed import Observed, ObservedAccount, ObservedFile

SHA = hashlib.sha256(b"train").hexdigest()
ARM = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/a"


def _observation(*files: ObservedFile, arm_id: str = ARM) -> Observation:
    account = ObservedAccount("swc", arm_id, "aoai-swc", "swedencentral", files=files)
    return Observation(Observed({"swc": account}))


def _files(observation: Observation) -> dict[str, str | None]:
    return {f.id: f.content_sha256 for f in observation.observed.accounts["swc"].files}


def test_a_recorded_file_is_marked_with_its_content_in_its_account_only(tmp_path: Path) -> None:
    store = AdoptedFiles(tmp_path)
    assert store.record(ARM, [Recognised("file-a", SHA, 1040)])
    seen = _observation(
        ObservedFile("file-a", "up.jsonl", 1040), ObservedFile("file-b", "b.jsonl", 1040)
    )
    assert _files(store.mark(seen)) == {"file-a": SHA, "file-b": None}
    # the ARM id is compared without case, as Azure does; another account knows nothing
    assert _files(
        store.mark(_observation(ObservedFile("file-a", "up.jsonl", 1040), arm_id=ARM.upper()))
    ) == {"file-a": SHA}
    other = _observation(ObservedFile("file-a", "up.jsonl", 1040), arm_id=ARM + "x")
    assert _files(store.mark(other)) == {"file-a": None}


def test_records_add_up_and_a_size_that_changed_is_not_trusted(tmp_path: Path) -> None:
    store = AdoptedFiles(tmp_path)
    store.record(ARM, [Recognised("file-a", SHA, 10)])
    store.record(ARM, [Recognised("file-b", SHA, None)])
    assert set(store.of_account(ARM)) == {"file-a", "file-b"}
    seen = _observation(
        ObservedFile("file-a", "a.jsonl", 11),  # not the file that was hashed
        ObservedFile("file-b", "b.jsonl", 99),  # its size was not known: the id decides
    )
    assert _files(store.mark(seen)) == {"file-a": None, "file-b": SHA}


def test_an_unreadable_or_malformed_record_counts_as_none(tmp_path: Path) -> None:
    store = AdoptedFiles(tmp_path)
    store.record(ARM, [Recognised("file-a", SHA, 10)])
    (entry,) = (tmp_path / "adopted").iterdir()
    entry.write_text("{not json", encoding="utf-8")
    assert store.of_account(ARM) == {}
    bad = {"file-a": {"sha256": "xyz", "bytes": 10}, "file-b": {"sha256": SHA, "bytes": "10"}}
    entry.write_text(json.dumps({"account": ARM, "files": bad}), encoding="utf-8")
    assert store.of_account(ARM) == {}
    entry.write_text(json.dumps({"account": "another", "files": {}}), encoding="utf-8")
    assert store.of_account(ARM) == {}


def test_apply_marks_the_file_the_plan_saw_holding_the_content() -> None:
    files = [ObservedFile("file-a", "a.jsonl", 10), ObservedFile("file-b", "b.jsonl", 10)]
    marked = mark_files(files, "file-b", SHA)
    assert [f.content_sha256 for f in marked] == [None, SHA]


def test_apply_reading_again_uses_the_hand_made_file_the_plan_waited_for() -> None:
    """The plan waited for a recognised file still being processed; apply's fresh list does
    not carry the mark, but the file of that id still holds the content: no upload."""
    desired = DesiredFile("train", "swc", SHA, 1000, "data/train.jsonl", f"train.{SHA}.jsonl")
    before = FileBefore("file-h", "up.jsonl", 1040, "pending", None)
    change = Change(
        "file.train@swc",
        ResourceType.FILE,
        Action.WAIT,
        Because(FileReason.PROCESSING),
        before,
        FileAfter.of(desired, "aoai-swc"),
    )
    fresh = [ObservedFile("file-h", "up.jsonl", 1040, status="processed")]
    decision = upload_decision(change, fresh, frozenset())
    assert decision.action is Action.NO_OP and decision.use is not None
    assert decision.use.id == "file-h"
