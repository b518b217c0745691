"""``write.upload_file`` sends a dataset's canonical bytes (LF), streamed, with their length."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import openai
import pytest

from reconciler.azure import write
from reconciler.confined import RootedPath
from reconciler.datasets.upload_source import ChangedSinceValidation

from .dataplane_support import DataPlane, chat_lines, jsonl


@pytest.mark.parametrize("files_api_max", [write.FILES_API_MAX_BYTES, 0])
def test_a_crlf_file_is_uploaded_as_its_lf_bytes(
    dp: DataPlane, tmp_path: Path, files_api_max: int
) -> None:
    canonical = jsonl(chat_lines(12))
    path = tmp_path / "data.jsonl"
    path.write_bytes(canonical.replace(b"\n", b"\r\n"))
    sent: list[Any] = []
    client = openai.OpenAI(
        base_url=f"{dp.endpoint()}/openai/v1",
        api_key=dp.connection.api_key("aoai-swc"),
        http_client=openai.DefaultHttpxClient(
            verify=dp.ssl, event_hooks={"request": [sent.append]}
        ),
        max_retries=0,
    )
    sha = hashlib.sha256(canonical).hexdigest()
    progress: list[tuple[int, int]] = []
    uploaded = write.upload_file(
        client,
        "aoai-swc",
        RootedPath(path, tmp_path),
        f"data.{sha}.jsonl",
        sha256=sha,
        size=len(canonical),
        on_progress=lambda done, total: progress.append((done, total)),
        part_bytes=500,
        files_api_max=files_api_max,
    )
    assert uploaded["bytes"] == len(canonical)
    assert client.files.content(str(uploaded["id"])).content == canonical
    assert progress[-1] == (len(canonical), len(canonical))
    bodies = [r for r in sent if r.method == "POST" and not r.url.path.endswith("/complete")]
    for request in bodies:  # never chunked: each body carries its length
        assert "content-length" in request.headers
        assert "transfer-encoding" not in request.headers


@pytest.mark.parametrize("files_api_max", [write.FILES_API_MAX_BYTES, 0])
def test_a_file_changed_since_validation_never_becomes_a_file(
    dp: DataPlane, tmp_path: Path, files_api_max: int
) -> None:
    validated = jsonl(chat_lines(12))
    path = tmp_path / "data.jsonl"
    path.write_bytes(validated.replace(b"fine", b"FINE"))  # edited after validation
    client = openai.OpenAI(
        base_url=f"{dp.endpoint()}/openai/v1",
        api_key=dp.connection.api_key("aoai-swc"),
        http_client=openai.DefaultHttpxClient(verify=dp.ssl),
        max_retries=0,
    )
    before = {f.id for f in client.files.list()}
    sha = hashlib.sha256(validated).hexdigest()
    with pytest.raises(ChangedSinceValidation):
        write.upload_file(
            client,
            "aoai-swc",
            RootedPath(path, tmp_path),
            f"data.{sha}.jsonl",
            sha256=sha,
            size=len(validated),
            part_bytes=500,
            files_api_max=files_api_max,
        )
    # The single POST stopped before its body ended; the parts were never completed.
    assert {f.id for f in client.files.list()} == before
