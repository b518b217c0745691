"""What the wire log redacts: each header, query and body rule, on data."""

from __future__ import annotations

import copy
import io
import json

import httpx2
import pytest

from reconciler.azure.wire_log import (
    MAX_BODY_BYTES,
    REDACTED,
    multipart_summary,
    parse_json_body,
    redact_header,
    redact_headers,
    redact_json,
    redact_url,
)

SECRET = "s3cr3t-VALUE"


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", f"Bearer {SECRET}", "Bearer [REDACTED]"),
        ("authorization", f"Basic {SECRET}", "Basic [REDACTED]"),
        ("Authorization", SECRET, REDACTED),  # no scheme word: nothing kept
        ("Authorization", f"{SECRET} {SECRET}", REDACTED),  # not a scheme: nothing kept
        ("api-key", SECRET, REDACTED),
        ("x-ms-authorization-auxiliary", f"Bearer {SECRET}", "Bearer [REDACTED]"),
        ("Ocp-Apim-Subscription-Key", SECRET, REDACTED),
        ("Cookie", f"session={SECRET}", REDACTED),
        ("set-cookie", f"session={SECRET}; HttpOnly", REDACTED),
        ("x-custom-key-id", SECRET, REDACTED),
        ("X-Refresh-Token", SECRET, REDACTED),
        ("x-client-secret", SECRET, REDACTED),
        ("x-ms-content-signature", SECRET, REDACTED),
    ],
)
def test_secret_headers_are_redacted(name: str, value: str, shown: str) -> None:
    assert redact_header(name, value) == shown
    assert SECRET not in redact_headers([(name, value)])[name.lower()]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("content-type", "application/json"),
        ("x-ms-request-id", "2f0c6b8e-1"),
        ("retry-after", "1"),
        ("azure-asyncoperation", "https://management.azure.com/x/operationStatuses/1"),
        ("keep-alive", "timeout=5"),
    ],
)
def test_other_headers_are_kept(name: str, value: str) -> None:
    assert redact_header(name, value) == value


def test_header_names_are_lower_cased_and_repeats_joined() -> None:
    headers = redact_headers(
        [("Content-Type", "application/json"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")]
    )
    assert headers == {"content-type": "application/json", "set-cookie": f"{REDACTED}, {REDACTED}"}


@pytest.mark.parametrize("param", ["sig", "se", "st", "code", "token", "key", "secret"])
def test_secret_query_parameters_are_redacted(param: str) -> None:
    url = f"https://acct.blob.core.windows.net/c/f?sv=2022-11-02&{param}={SECRET}&api-version=1"
    shown = redact_url(url)
    assert SECRET not in shown
    assert f"{param}={REDACTED}" in shown
    assert shown.startswith("https://acct.blob.core.windows.net/c/f?sv=2022-11-02&")
    assert shown.endswith("&api-version=1")


@pytest.mark.parametrize("param", ["api-key", "Subscription-Key", "access_token", "client_secret"])
def test_query_parameters_named_like_credentials_are_redacted(param: str) -> None:
    assert SECRET not in redact_url(f"https://h/p?{param}={SECRET}")


def test_a_url_without_secrets_is_kept_as_sent() -> None:
    url = (
        "https://management.azure.com/subscriptions/s/resourceGroups/rg%20x/providers/"
        "Microsoft.CognitiveServices/accounts/a/deployments/d?api-version=2025-09-01&a=%2F"
    )
    assert redact_url(url) == url


def test_a_password_in_the_url_is_redacted() -> None:
    shown = redact_url(f"https://user:{SECRET}@proxy.example:8443/p?x=1")
    assert SECRET not in shown
    assert shown == f"https://user:{REDACTED}@proxy.example:8443/p?x=1"


def test_json_members_named_like_secrets_are_redacted_at_any_depth() -> None:
    body = {
        "name": "d",
        "properties": {
            "apiKey": SECRET,
            "keys": {"key1": SECRET, "key2": SECRET},
            "items": [{"Password": SECRET, "value": 1}, {"client_secret": [SECRET]}],
            "refresh_TOKEN": {"nested": SECRET},
        },
    }
    original = copy.deepcopy(body)
    shown = redact_json(body)
    assert SECRET not in json.dumps(shown)
    assert shown == {
        "name": "d",
        "properties": {
            "apiKey": REDACTED,
            "keys": {"key1": REDACTED, "key2": REDACTED},
            "items": [{"Password": REDACTED, "value": 1}, {"client_secret": REDACTED}],
            "refresh_TOKEN": REDACTED,
        },
    }
    assert body == original  # the SDK's data is never touched


def test_counts_and_cursors_named_like_tokens_are_kept() -> None:
    body = {"trained_tokens": 2342, "maxContextToken": "128000", "FineTuneTokensMaxValue": "2"}
    assert redact_json(body) == body
    url = "https://m.example/x?api-version=2025-09-01&$skipToken=20"
    assert redact_url(url) == url


def test_json_bodies_are_parsed_only_when_json_and_small() -> None:
    body = json.dumps({"model": "m", "api_key": SECRET}).encode()
    assert parse_json_body(body, "application/json; charset=utf-8") == {
        "model": "m",
        "api_key": REDACTED,
    }
    assert parse_json_body(body, "application/merge-patch+json") is not None
    assert parse_json_body(body, "application/octet-stream") is None
    assert parse_json_body(b"{not json", "application/json") is None
    assert parse_json_body(b"", "application/json") is None
    big = json.dumps({"x": "a" * MAX_BODY_BYTES}).encode()
    assert parse_json_body(big, "application/json") is None


def test_a_multipart_upload_is_summarised_without_reading_the_file() -> None:
    content = b'{"messages": []}\n' * 100  # 17 bytes a line
    upload = io.BytesIO(content)
    request = httpx2.Request(
        "POST",
        "https://acct.openai.azure.com/openai/v1/files",
        data={"purpose": "fine-tune", "api_key": SECRET},
        files={"file": ("train.jsonl", upload, "application/jsonl")},
    )
    summary = multipart_summary(request.stream)
    assert summary == {
        "fields": {"purpose": "fine-tune", "api_key": REDACTED},
        "files": {
            "file": {"filename": "train.jsonl", "content_type": "application/jsonl", "bytes": 1700}
        },
    }
    assert upload.tell() == 0
    assert content in b"".join(request.stream)  # the request still sends the whole file


class _Unsized(io.RawIOBase):
    """A reader that can say neither its length nor its position (like a progress wrapper)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_a_file_of_unknowable_size_is_logged_with_bytes_null() -> None:
    reader = io.BufferedReader(_Unsized(b"x" * 10))
    request = httpx2.Request(
        "POST", "https://h/files", data={"purpose": "fine-tune"}, files={"file": ("f", reader)}
    )
    summary = multipart_summary(request.stream)
    assert summary is not None
    assert summary["files"]["file"]["bytes"] is None
    assert b"x" * 10 in b"".join(request.stream)


def test_a_body_that_is_not_multipart_has_no_summary() -> None:
    assert multipart_summary(httpx2.Request("POST", "https://h/x", json={"a": 1}).stream) is None
