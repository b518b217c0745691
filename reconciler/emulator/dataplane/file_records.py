"""Files as stored: a document (kind "file", key "<account>/<file-id>") plus its bytes on disk as
one or more segments under ``store.blob_dir`` (an upload's parts stay as they came).

Processing takes simulated time (``processing_seconds``): a file reads ``pending`` until then,
and ``processed`` or ``error`` (with ``status_details``) after.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from reconciler.emulator.dataplane.jsonl_check import FileCheck, check_file
from reconciler.emulator.state import EmulatorState

KIND = "file"
FINE_TUNE = "fine-tune"
RESULTS = "fine-tune-results"
PURPOSES = frozenset({"fine-tune", "assistants", "batch", "vision", "user_data", "evals"})
PROCESS_BASE_SECONDS = 2.0
PROCESS_BYTES_PER_SECOND = 20e6


def key(account: str, file_id: str) -> str:
    return f"{account}/{file_id}"


def processing_seconds(size: int) -> float:
    return PROCESS_BASE_SECONDS + size / PROCESS_BYTES_PER_SECOND


def segment_paths(state: EmulatorState, doc: dict[str, Any]) -> list[Path]:
    return [state.store.blob_dir / rel for rel in doc["segments"]]


def new_file_doc(
    *,
    file_id: str,
    filename: str,
    purpose: str,
    size: int,
    segments: list[str],
    created_at: float,
    ready_at: float,
    check: FileCheck | None,
) -> dict[str, Any]:
    return {
        "id": file_id,
        "filename": filename,
        "purpose": purpose,
        "bytes": size,
        "created_at": created_at,
        "ready_at": ready_at,
        "segments": segments,
        "check": check.to_json() if check is not None else None,
    }


def check_for(purpose: str, paths: list[Path]) -> FileCheck | None:
    """Fine-tuning files are checked; other purposes are stored as they are."""
    return check_file(paths) if purpose == FINE_TUNE else None


def status(doc: dict[str, Any], now: float) -> str:
    if now < float(doc["ready_at"]):
        return "pending"
    check = doc.get("check")
    return "error" if check and check.get("error") else "processed"


def render(doc: dict[str, Any], now: float) -> dict[str, Any]:
    current = status(doc, now)
    check = doc.get("check") or {}
    return {
        "id": doc["id"],
        "object": "file",
        "bytes": doc["bytes"],
        "created_at": int(doc["created_at"]),
        "filename": doc["filename"],
        "purpose": doc["purpose"],
        "status": current,
        "status_details": check.get("error") if current == "error" else None,
    }


def remove_blobs(state: EmulatorState, doc: dict[str, Any]) -> None:
    dirs: set[Path] = set()
    for path in segment_paths(state, doc):
        path.unlink(missing_ok=True)
        dirs.add(path.parent)
    for directory in dirs:
        # An upload's directory goes with its last part.
        if directory != state.store.blob_dir and directory.name.startswith("upload_"):
            shutil.rmtree(directory, ignore_errors=True)
