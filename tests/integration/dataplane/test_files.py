"""Files through the real openai clients: upload, processing, errors, list, get, content, delete."""

from __future__ import annotations

import json
from types import SimpleNamespace

import openai
import pytest

from .dataplane_support import DataPlane, chat_lines, jsonl


def test_upload_is_pending_then_processed(dp: DataPlane) -> None:
    client = dp.v1()
    data = jsonl(chat_lines(12))
    uploaded = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    assert uploaded.model_dump()["status"] == "pending"  # Azure's status, beyond OpenAI's enum
    assert uploaded.id.startswith("file-")
    assert (uploaded.bytes, uploaded.filename, uploaded.purpose) == (
        len(data),
        "train.jsonl",
        "fine-tune",
    )
    dp.advance(10)
    got = client.files.retrieve(uploaded.id)
    assert got.status == "processed"
    assert got.status_details is None
    assert client.files.content(uploaded.id).content == data


def test_azure_upload_answers_201_with_location(dp: DataPlane) -> None:
    client = dp.azure()
    raw = client.files.with_raw_response.create(
        file=("puppy.jsonl", jsonl(chat_lines(10))), purpose="fine-tune"
    )
    assert raw.status_code == 201
    created = raw.parse()
    assert raw.headers["location"].endswith(f"/dp/aoai-swc/openai/files/{created.id}")
    body = json.loads(raw.text)
    assert {"status", "purpose", "filename", "id", "created_at", "object"} <= set(body)
    assert body["object"] == "file" and body["status"] == "pending"


BAD_FILES = {
    "not utf-8": (jsonl(chat_lines(12)) + b"\xff\xfe\n", "not UTF-8"),
    "not an object": (jsonl([*chat_lines(12), "[1, 2]"]), "Line 13: expected a JSON object"),
    "not json": (jsonl([*chat_lines(3), "{oops"]), "Line 4: invalid JSON"),
    "no messages": (jsonl([*chat_lines(12), json.dumps({"prompt": "x"})]), "missing 'messages'"),
    "too few": (jsonl(chat_lines(9)), "9 example(s); at least 10"),
    "weight on user": (
        jsonl(
            [
                *chat_lines(11),
                json.dumps(
                    {
                        "messages": [
                            {"role": "user", "content": "q", "weight": 1},
                            {"role": "assistant", "content": "a"},
                        ]
                    }
                ),
            ]
        ),
        "weight is only allowed on assistant messages",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_jsonl_ends_in_error_with_details(dp: DataPlane, case: str) -> None:
    data, expected = BAD_FILES[case]
    uploaded = dp.upload(data, name=f"{case}.jsonl")
    assert uploaded.status == "error"
    assert uploaded.status_details is not None
    assert expected in uploaded.status_details


def test_byte_order_mark_is_accepted(dp: DataPlane) -> None:
    uploaded = dp.upload(b"\xef\xbb\xbf" + jsonl(chat_lines(10)))
    assert uploaded.status == "processed"


def test_list_shapes_differ_by_style(dp: DataPlane) -> None:
    first = dp.upload(jsonl(chat_lines(10)), name="a.jsonl", process=False)
    second = dp.upload(jsonl(chat_lines(11)), name="b.jsonl", process=False)
    with dp.raw() as raw:
        v1 = raw.get("/openai/v1/files", params={"limit": 1}).json()
        azure = raw.get("/openai/files", params={"api-version": "2025-04-01-preview"}).json()
    # v1: newest first, with paging fields
    assert v1["object"] == "list"
    assert [f["id"] for f in v1["data"]] == [second.id]
    assert v1["has_more"] is True
    assert v1["first_id"] == v1["last_id"] == second.id
    # api-version: no paging fields, everything
    assert set(azure) == {"object", "data"}
    ids = [f["id"] for f in azure["data"]]
    assert first.id in ids and second.id in ids
    page = dp.v1().files.list(limit=1, after=second.id)
    assert [f.id for f in page.data] == [first.id]


def test_delete_then_not_found_in_both_shapes(dp: DataPlane) -> None:
    uploaded = dp.upload(jsonl(chat_lines(10)))
    deleted = dp.azure().files.delete(uploaded.id)
    assert deleted.deleted is True and deleted.id == uploaded.id
    with pytest.raises(openai.NotFoundError) as v1_error:
        dp.v1().files.retrieve(uploaded.id)
    assert v1_error.value.body["type"] == "invalid_request_error"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as azure_error:
        dp.azure().files.retrieve(uploaded.id)
    body = azure_error.value.body
    assert isinstance(body, dict)
    assert body["code"] == "notFound"
    assert set(body) == {"code", "message", "target", "details", "innererror"}


def test_content_streams_large_file_intact(dp: DataPlane) -> None:
    # 3 MB: several chunks of the streamed answer.
    lines = (
        chat_lines(10)
        + [json.dumps({"messages": [{"role": "assistant", "content": "x" * 1000}]})] * 3000
    )
    data = jsonl(lines)
    uploaded = dp.upload(data, process=False)
    assert dp.azure().files.content(uploaded.id).content == data


def test_upload_refuses_unknown_purpose(dp: DataPlane) -> None:
    with pytest.raises(openai.BadRequestError) as error:
        dp.v1().files.create(file=("x.jsonl", b"{}\n"), purpose="nonsense")  # type: ignore[arg-type]
    assert error.value.body["param"] == "purpose"  # type: ignore[index]


def test_file_objects_have_the_published_keys(dp: DataPlane, published: SimpleNamespace) -> None:
    uploaded = dp.upload(jsonl(chat_lines(10)))
    schemas = published.schema_properties()
    with dp.raw() as raw:
        v1 = raw.get(f"/openai/v1/files/{uploaded.id}").json()
        azure = raw.get(
            f"/openai/files/{uploaded.id}", params={"api-version": "2025-04-01-preview"}
        )
        listed = raw.get("/openai/files", params={"api-version": "2025-04-01-preview"}).json()
    assert set(v1) <= set(schemas["v1"]["AzureOpenAIFile"])
    assert set(azure.json()) <= set(schemas["2025-04-01-preview"]["File"])
    assert set(listed) <= set(published.example("openai/2025-04-01-preview.get_files.json"))
    for item in listed["data"]:
        assert set(item) <= set(schemas["2025-04-01-preview"]["File"])
