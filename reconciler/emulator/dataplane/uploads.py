"""Routes of the uploads API (large files in parts): POST /uploads, /uploads/{id}/parts,
/uploads/{id}/complete, /uploads/{id}/cancel.

Up to 8 GB in parts of up to 64 MB, each streamed to disk; an upload expires an hour after it
is created. Completing keeps the parts on disk as the segments of the new file, in the order of
``part_ids`` (no copy, nothing whole in memory); parts not named are discarded.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute

from reconciler.azure_limits import UPLOAD_PART_MAX_BYTES, UPLOADS_API_MAX_BYTES, size_text
from reconciler.emulator.dataplane import file_records
from reconciler.emulator.dataplane.errors import bad_request, not_found, wrong_state
from reconciler.emulator.dataplane.http import Call, Created, Reply, both, opt_str, req_str
from reconciler.emulator.dataplane.ids import new_id
from reconciler.emulator.dataplane.multipart_stream import read_multipart
from reconciler.emulator.state import EmulatorState

KIND = "upload"
EXPIRY_SECONDS = 3600


def _key(account: str, upload_id: str) -> str:
    return f"{account}/{upload_id}"


def _dir(account: str, upload_id: str) -> str:
    return f"{account}/uploads/{upload_id}"


def _status(doc: dict[str, Any], now: float) -> str:
    if doc["status"] == "pending" and now >= float(doc["expires_at"]):
        return "expired"
    return str(doc["status"])


def _render(state: EmulatorState, account: str, doc: dict[str, Any], now: float) -> dict[str, Any]:
    file_body = None
    if doc.get("file_id"):
        file_doc = state.store.get(file_records.KIND, file_records.key(account, doc["file_id"]))
        if file_doc is not None:
            file_body = file_records.render(file_doc, now)
    return {
        "id": doc["id"],
        "object": "upload",
        "bytes": doc["bytes"],
        "created_at": int(doc["created_at"]),
        "filename": doc["filename"],
        "purpose": doc["purpose"],
        "status": _status(doc, now),
        "expires_at": int(doc["expires_at"]),
        "file": file_body,
    }


def _get(call: Call) -> dict[str, Any]:
    upload_id = call.param("upload_id")
    doc = call.state.store.get(KIND, _key(call.name, upload_id))
    if doc is None:
        raise not_found(f"Upload with id '{upload_id}' not found.", param="upload_id")
    return doc


def _require_pending(doc: dict[str, Any], now: float) -> None:
    current = _status(doc, now)
    if current != "pending":
        raise wrong_state(f"Upload {doc['id']} is {current}; it no longer accepts changes.")


async def create(call: Call) -> Reply:
    body = await call.json()
    filename = req_str(body, "filename")
    purpose = req_str(body, "purpose")
    if purpose not in file_records.PURPOSES:
        raise bad_request(
            f"'purpose' must be one of: {', '.join(sorted(file_records.PURPOSES))}", param="purpose"
        )
    size = body.get("bytes")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise bad_request("'bytes' is required and must be a non-negative integer", param="bytes")
    if size > UPLOADS_API_MAX_BYTES:
        raise bad_request(
            f"An upload can hold at most {size_text(UPLOADS_API_MAX_BYTES)}.", param="bytes"
        )
    mime_type = req_str(body, "mime_type")
    now = call.now()
    upload_id = new_id("upload_")
    doc = {
        "id": upload_id,
        "bytes": size,
        "created_at": now,
        "expires_at": now + EXPIRY_SECONDS,
        "filename": filename,
        "purpose": purpose,
        "mime_type": mime_type,
        "status": "pending",
        "parts": {},
        "file_id": None,
    }
    call.state.store.put(KIND, _key(call.name, upload_id), doc)
    return Created(_render(call.state, call.name, doc, now), f"uploads/{upload_id}")


async def add_part(call: Call) -> Reply:
    _require_pending(_get(call), call.now())
    upload_id = call.param("upload_id")
    part_id = new_id("part_")
    rel = f"{_dir(call.name, upload_id)}/{part_id}"
    dest = call.state.store.blob_dir / rel
    form = await read_multipart(
        call.request.headers.get("content-type"),
        call.request.stream(),
        file_field="data",
        dest=dest,
        max_file_bytes=UPLOAD_PART_MAX_BYTES,
        too_large="A part can hold at most 64 MB.",
    )
    now = call.now()
    with call.state.store.transaction():
        doc = _get(call)
        try:
            _require_pending(doc, now)
            if sum(p["bytes"] for p in doc["parts"].values()) + form.size > UPLOADS_API_MAX_BYTES:
                raise bad_request("The parts of an upload can hold at most 8 GB in total.")
        except Exception:
            dest.unlink(missing_ok=True)
            raise
        doc["parts"][part_id] = {"bytes": form.size, "created_at": now, "path": rel}
        call.state.store.put(KIND, _key(call.name, upload_id), doc)
    part = {"id": part_id, "object": "upload.part", "created_at": int(now), "upload_id": upload_id}
    return Created(part, f"uploads/{upload_id}/parts/{part_id}")


def _md5(paths: list[Path]) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    for path in paths:
        with open(path, "rb") as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
    return digest.hexdigest()


async def complete(call: Call) -> Reply:
    body = await call.json()
    part_ids = body.get("part_ids")
    if not isinstance(part_ids, list) or not all(isinstance(p, str) for p in part_ids):
        raise bad_request("'part_ids' is required and must be a list of part ids", param="part_ids")
    md5 = opt_str(body, "md5")
    doc = _get(call)
    now = call.now()
    _require_pending(doc, now)
    if len(set(part_ids)) != len(part_ids):
        raise bad_request("'part_ids' names a part more than once", param="part_ids")
    unknown = [p for p in part_ids if p not in doc["parts"]]
    if unknown:
        raise bad_request(f"Unknown part id(s): {', '.join(unknown)}", param="part_ids")
    total = sum(int(doc["parts"][p]["bytes"]) for p in part_ids)
    if total != doc["bytes"]:
        raise bad_request(
            f"The parts hold {total} bytes but the upload was created for {doc['bytes']} bytes.",
            param="part_ids",
        )
    segments = [str(doc["parts"][p]["path"]) for p in part_ids]
    paths = [call.state.store.blob_dir / rel for rel in segments]
    if md5 and md5.lower() != await run_in_threadpool(_md5, paths):
        raise bad_request("The md5 checksum does not match the uploaded bytes.", param="md5")
    check = await run_in_threadpool(file_records.check_for, doc["purpose"], paths)
    file_id = new_id("file-")
    with call.state.store.transaction():
        doc = _get(call)
        _require_pending(doc, now)
        for part_id, part in doc["parts"].items():
            if part_id not in part_ids:
                (call.state.store.blob_dir / part["path"]).unlink(missing_ok=True)
        file_doc = file_records.new_file_doc(
            file_id=file_id,
            filename=doc["filename"],
            purpose=doc["purpose"],
            size=total,
            segments=segments,
            created_at=now,
            ready_at=now + file_records.processing_seconds(total),
            check=check,
        )
        call.state.store.put(file_records.KIND, file_records.key(call.name, file_id), file_doc)
        doc["status"] = "completed"
        doc["file_id"] = file_id
        call.state.store.put(KIND, _key(call.name, doc["id"]), doc)
    return _render(call.state, call.name, doc, now)


async def cancel(call: Call) -> Reply:
    now = call.now()
    with call.state.store.transaction():
        doc = _get(call)
        _require_pending(doc, now)
        doc["status"] = "cancelled"
        call.state.store.put(KIND, _key(call.name, doc["id"]), doc)
    directory = call.state.store.blob_dir / _dir(call.name, doc["id"])
    await run_in_threadpool(shutil.rmtree, directory, True)
    return _render(call.state, call.name, doc, now)


def routes(state: EmulatorState) -> list[BaseRoute]:
    return [
        *both(state, "/uploads", create, ["POST"]),
        *both(state, "/uploads/{upload_id}/parts", add_part, ["POST"]),
        *both(state, "/uploads/{upload_id}/complete", complete, ["POST"]),
        *both(state, "/uploads/{upload_id}/cancel", cancel, ["POST"]),
    ]
