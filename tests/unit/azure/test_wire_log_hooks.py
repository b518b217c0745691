"""The data-plane hooks on an httpx2 client, with httpx2's in-process transport standing in for
the network (answers streamed in chunks, as from a socket): what is logged, and that the client
receives exactly what was sent to it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2

from reconciler.azure.wire_log import MAX_BODY_BYTES, REDACTED, WireLog, data_plane_event_hooks

SECRET = "sk-very-secret"


class Chunks(httpx2.SyncByteStream):
    """A body delivered in pieces, unread until the client reads it."""

    def __init__(self, data: bytes, size: int = 4096) -> None:
        self._parts = [data[i : i + size] for i in range(0, len(data), size)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._parts


def streamed(status: int, data: bytes, headers: dict[str, str]) -> httpx2.Response:
    return httpx2.Response(status, headers=headers, stream=Chunks(data))


JSON = {"content-type": "application/json"}


def client_for(log: WireLog, answer: Callable[[httpx2.Request], httpx2.Response]) -> httpx2.Client:
    return httpx2.Client(
        transport=httpx2.MockTransport(answer), event_hooks=data_plane_event_hooks(log)
    )


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_json_exchange_is_logged_redacted_and_paired(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)
    answer = {"id": "ftjob-1", "status": "queued", "client_secret": SECRET}

    def serve(request: httpx2.Request) -> httpx2.Response:
        return streamed(201, json.dumps(answer).encode(), {**JSON, "x-ms-request-id": "r-1"})

    with client_for(log, serve) as client:
        got = client.post(
            f"https://acct.openai.azure.com/openai/v1/fine_tuning/jobs?api-key={SECRET}",
            json={"model": "gpt-4.1-mini", "api_key": SECRET},
            headers={"Authorization": f"Bearer {SECRET}", "api-key": SECRET},
        )
    log.close()
    assert got.json() == answer  # the client's answer is untouched by the log
    request, response = records(path)
    assert SECRET not in path.read_text(encoding="utf-8")
    assert (request["kind"], response["kind"]) == ("request", "response")
    assert request["seq"] == response["seq"] and request["pid"] == response["pid"]
    assert request["url"].endswith(f"/fine_tuning/jobs?api-key={REDACTED}")
    assert request["headers"]["authorization"] == "Bearer [REDACTED]"
    assert request["headers"]["api-key"] == REDACTED
    assert request["body"] == {"model": "gpt-4.1-mini", "api_key": REDACTED}
    assert request["body_bytes"] == int(request["headers"]["content-length"])
    assert request["multipart"] is None
    assert response["status"] == 201
    assert response["headers"]["x-ms-request-id"] == "r-1"
    assert response["body"] == {"id": "ftjob-1", "status": "queued", "client_secret": REDACTED}


def test_a_compressed_answer_is_logged_decoded_and_delivered_intact(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)
    body = json.dumps({"object": "list", "data": [{"id": f"file-{i}"} for i in range(50)]})
    wire = gzip.compress(body.encode())

    def serve(request: httpx2.Request) -> httpx2.Response:
        return streamed(200, wire, {**JSON, "content-encoding": "gzip"})

    with client_for(log, serve) as client:
        got = client.get("https://acct.openai.azure.com/openai/v1/files")
    log.close()
    assert got.text == body
    response = records(path)[1]
    assert response["body"] == json.loads(body)
    assert response["body_bytes"] == len(wire)  # as received


def test_large_or_binary_answers_are_logged_as_their_size(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)
    big = json.dumps({"data": "x" * MAX_BODY_BYTES}).encode()
    binary = b"\x00\x01" * 1000

    def serve(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/big"):
            return streamed(200, big, JSON)
        return streamed(200, binary, {"content-type": "application/octet-stream"})

    with client_for(log, serve) as client:
        assert client.get("https://h/big").content == big
        assert client.get("https://h/content").content == binary
    log.close()
    answers = [r for r in records(path) if r["kind"] == "response"]
    assert [(r["body"], r["body_bytes"]) for r in answers] == [
        (None, len(big)),
        (None, len(binary)),
    ]


def test_a_streamed_answer_is_logged_when_closed_or_when_the_log_closes(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)

    def serve(request: httpx2.Request) -> httpx2.Response:
        return streamed(200, b'{"ok": true}', JSON)

    with client_for(log, serve) as client:
        with client.stream("GET", "https://h/closed-unread"):
            pass  # closed without reading: nothing is known of the body
        forgotten = client.send(client.build_request("GET", "https://h/never-closed"), stream=True)
        assert [r["kind"] for r in records(path)] == ["request", "response", "request"]
        log.close()  # the SDK never closed it: written now, with what is known
        assert not forgotten.is_stream_consumed
        forgotten.close()
    answers = [r for r in records(path) if r["kind"] == "response"]
    assert [(r["body"], r["body_bytes"]) for r in answers] == [(None, None), (None, None)]
    assert len(records(path)) == 4  # closing after the log closed writes nothing more


def test_an_answer_already_read_is_logged_at_once(tmp_path: Path) -> None:
    path = tmp_path / "wire.jsonl"
    log = WireLog(path)

    def serve(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"ok": True})  # made with its body read

    with client_for(log, serve) as client:
        assert client.get("https://h/x").json() == {"ok": True}
    response = records(path)[1]
    assert (response["body"], response["body_bytes"]) == ({"ok": True}, len(b'{"ok":true}'))
    log.close()
