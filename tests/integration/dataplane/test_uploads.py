"""The uploads API (large files in parts) through the real openai clients."""

from __future__ import annotations

import hashlib

import openai
import pytest

from .dataplane_support import DataPlane, chat_lines, jsonl


def test_chunked_upload_produces_a_processed_file(dp: DataPlane) -> None:
    data = jsonl(chat_lines(15))
    client = dp.v1()
    upload = client.uploads.upload_file_chunked(
        file=data,
        filename="big.jsonl",
        bytes=len(data),
        mime_type="application/jsonl",
        purpose="fine-tune",
        part_size=300,  # a line spans several parts: processing reads the parts as one stream
        md5=hashlib.md5(data).hexdigest(),
    )
    assert upload.status == "completed"
    assert upload.file is not None
    assert (upload.file.bytes, upload.file.filename) == (len(data), "big.jsonl")
    dp.advance(10)
    processed = client.files.retrieve(upload.file.id)
    assert processed.status == "processed"
    assert client.files.content(upload.file.id).content == data


def test_parts_are_joined_in_the_order_given(dp: DataPlane) -> None:
    data = jsonl(chat_lines(10))
    head, tail = data[:100], data[100:]
    client = dp.azure()
    upload = client.uploads.create(
        bytes=len(data), filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune"
    )
    assert upload.status == "pending"
    assert upload.expires_at - upload.created_at == 3600
    second = client.uploads.parts.create(upload.id, data=tail)
    first = client.uploads.parts.create(upload.id, data=head)
    assert first.object == "upload.part" and first.upload_id == upload.id
    done = client.uploads.complete(upload.id, part_ids=[first.id, second.id])
    assert done.file is not None
    assert client.files.content(done.file.id).content == data


def test_complete_refuses_a_byte_count_mismatch(dp: DataPlane) -> None:
    client = dp.v1()
    upload = client.uploads.create(
        bytes=50, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune"
    )
    part = client.uploads.parts.create(upload.id, data=b"x" * 40)
    with pytest.raises(openai.BadRequestError) as error:
        client.uploads.complete(upload.id, part_ids=[part.id])
    assert "40 bytes" in error.value.message
    with pytest.raises(openai.BadRequestError):
        client.uploads.complete(upload.id, part_ids=["part_unknown"])
    with pytest.raises(openai.BadRequestError):
        client.uploads.complete(upload.id, part_ids=[part.id], md5="0" * 32)


def test_cancel_then_no_more_parts(dp: DataPlane) -> None:
    client = dp.v1()
    upload = client.uploads.create(
        bytes=10, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune"
    )
    client.uploads.parts.create(upload.id, data=b"0123456789")
    cancelled = client.uploads.cancel(upload.id)
    assert cancelled.status == "cancelled"
    with pytest.raises(openai.BadRequestError) as error:
        client.uploads.parts.create(upload.id, data=b"more")
    assert "cancelled" in error.value.message


def test_upload_expires_after_an_hour(dp: DataPlane) -> None:
    client = dp.v1()
    upload = client.uploads.create(
        bytes=4, filename="x.jsonl", mime_type="application/jsonl", purpose="fine-tune"
    )
    dp.advance(3601)
    with pytest.raises(openai.BadRequestError) as error:
        client.uploads.parts.create(upload.id, data=b"late")
    assert "expired" in error.value.message


def test_upload_size_limit_is_8_gb(dp: DataPlane) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        dp.v1().uploads.create(
            bytes=8 * 1024**3 + 1,
            filename="x.jsonl",
            mime_type="application/jsonl",
            purpose="fine-tune",
        )
    assert error.value.body["param"] == "bytes"  # type: ignore[index]


def test_unknown_upload_is_not_found(dp: DataPlane) -> None:
    with pytest.raises(openai.NotFoundError):
        dp.v1().uploads.cancel("upload_doesnotexist")


def test_a_part_over_64_mb_is_refused(dp: DataPlane) -> None:
    client = dp.v1()
    upload = client.uploads.create(
        bytes=64 * 1024**2 + 1, filename="x", mime_type="application/jsonl", purpose="fine-tune"
    )
    with pytest.raises(openai.BadRequestError) as error:
        client.uploads.parts.create(upload.id, data=b"\n" * (64 * 1024**2 + 1))
    assert "64 MB" in error.value.message
    part = client.uploads.parts.create(upload.id, data=b"\n" * (64 * 1024**2))
    assert part.upload_id == upload.id
