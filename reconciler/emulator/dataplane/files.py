"""Routes: POST/GET /files, GET/DELETE /files/{id}, GET /files/{id}/content."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.responses import StreamingResponse
from starlette.routing import BaseRoute

from reconciler.azure_limits import FILES_API_MAX_BYTES, size_text
from reconciler.emulator.dataplane import file_records
from reconciler.emulator.dataplane.errors import bad_request, not_found
from reconciler.emulator.dataplane.http import Call, Created, Deleted, Reply, both, list_body, page
from reconciler.emulator.dataplane.ids import new_id
from reconciler.emulator.dataplane.multipart_stream import read_multipart
from reconciler.emulator.state import EmulatorState

CHUNK = 1024 * 1024


def get_doc(call: Call, file_id: str) -> dict[str, Any]:
    doc = call.state.store.get(file_records.KIND, file_records.key(call.name, file_id))
    if doc is None:
        raise not_found(f"File with id '{file_id}' not found.", param="file_id")
    return doc


async def upload(call: Call) -> Reply:
    file_id = new_id("file-")
    rel = f"{call.name}/{file_id}"
    dest = call.state.store.blob_dir / rel
    form = await read_multipart(
        call.request.headers.get("content-type"),
        call.request.stream(),
        file_field="file",
        dest=dest,
        max_file_bytes=FILES_API_MAX_BYTES,
        too_large=f"The file is larger than {size_text(FILES_API_MAX_BYTES)}; upload it in "
        "parts with the uploads API.",
    )
    purpose = form.fields.get("purpose")
    if purpose not in file_records.PURPOSES:
        dest.unlink(missing_ok=True)
        allowed = ", ".join(sorted(file_records.PURPOSES))
        raise bad_request(f"'purpose' is required and must be one of: {allowed}", param="purpose")
    filename = form.filename or "file"
    check = await run_in_threadpool(file_records.check_for, purpose, [dest])
    now = call.now()
    doc = file_records.new_file_doc(
        file_id=file_id,
        filename=filename,
        purpose=purpose,
        size=form.size,
        segments=[rel],
        created_at=now,
        ready_at=now + file_records.processing_seconds(form.size),
        check=check,
    )
    call.state.store.put(file_records.KIND, file_records.key(call.name, file_id), doc)
    return Created(file_records.render(doc, now), f"files/{file_id}")


async def list_files(call: Call) -> Reply:
    now = call.now()
    purpose = call.query_str("purpose")
    order = call.query_str("order") or "desc"
    if order not in ("asc", "desc"):
        raise bad_request("Query parameter order must be asc or desc", param="order")
    docs = call.state.store.list(file_records.KIND, f"{call.name}/")
    items = [file_records.render(d, now) for d in docs if purpose in (None, d["purpose"])]
    if order == "desc":
        items.reverse()
    limit = call.query_int("limit", 10_000, 1, 10_000)
    chosen, more = page(items, call.query_str("after"), limit)
    if call.v1:
        return list_body(chosen, more, ids=True)
    return {"object": "list", "data": chosen}


async def get_file(call: Call) -> Reply:
    return file_records.render(get_doc(call, call.param("file_id")), call.now())


async def delete_file(call: Call) -> Reply:
    file_id = call.param("file_id")
    with call.state.store.transaction():
        doc = get_doc(call, file_id)
        call.state.store.delete(file_records.KIND, file_records.key(call.name, file_id))
    await run_in_threadpool(file_records.remove_blobs, call.state, doc)
    return Deleted({"id": file_id, "object": "file", "deleted": True}, azure_status=200)


async def content(call: Call) -> Reply:
    doc = get_doc(call, call.param("file_id"))
    paths = file_records.segment_paths(call.state, doc)

    def chunks() -> Iterator[bytes]:
        for path in paths:
            with open(path, "rb") as handle:
                while block := handle.read(CHUNK):
                    yield block

    media = "text/csv" if doc["filename"].endswith(".csv") else "application/octet-stream"
    return StreamingResponse(
        iterate_in_threadpool(chunks()),
        media_type=media,
        headers={"Content-Length": str(doc["bytes"])},
    )


def routes(state: EmulatorState) -> list[BaseRoute]:
    return [
        *both(state, "/files", upload, ["POST"]),
        *both(state, "/files", list_files, ["GET"]),
        *both(state, "/files/{file_id}", get_file, ["GET"]),
        *both(state, "/files/{file_id}", delete_file, ["DELETE"]),
        *both(state, "/files/{file_id}/content", content, ["GET"]),
    ]
