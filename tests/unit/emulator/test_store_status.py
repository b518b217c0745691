"""The store's status filter: what it returns is what filtering the parsed documents returns."""

from __future__ import annotations

from pathlib import Path

from reconciler.emulator.store import Store


def test_only_the_documents_of_that_status_in_insertion_order(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    docs = {
        "acct/op-1": {"status": "Succeeded", "n": 1},
        "acct/op-2": {"status": "InProgress", "n": 2},
        "other/op-3": {"status": "InProgress", "n": 3},
        "acct/op-4": {"n": 4},
        "acct/op-5": {"status": "InProgress", "nested": {"status": "Succeeded"}},
        "acct/op-6": {"status": "inprogress"},
    }
    for key, doc in docs.items():
        store.put("op", key, doc)
    store.put("deployment", "acct/d", {"status": "InProgress"})
    found = store.items("op", "acct/", status="InProgress")
    assert found == [
        (k, d) for k, d in store.items("op", "acct/") if d.get("status") == "InProgress"
    ]
    assert [key for key, _ in found] == ["acct/op-2", "acct/op-5"]
    store.put("op", "acct/op-2", {"status": "Succeeded", "n": 2})  # finished: no longer found
    assert [key for key, _ in store.items("op", "acct/", status="InProgress")] == ["acct/op-5"]
