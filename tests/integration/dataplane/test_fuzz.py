"""Malformed requests to every data-plane route get the service's 4xx in the style's error
shape, never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.emulator.poison_support import TEXT, assert_still_serves, encode

from .dataplane_support import API_VERSION, DataPlane

V1_KEYS = {"message", "type", "param", "code"}
AZURE_KEYS = {"code", "message", "target", "details", "innererror"}

WRONG_TYPES = json.dumps(
    {
        "model": 5,
        "training_file": [],
        "validation_file": {},
        "seed": "x",
        "suffix": 3,
        "metadata": [1],
        "method": "supervised",
        "hyperparameters": {"n_epochs": "many"},
        "messages": "hi",
        "bytes": "big",
        "filename": {},
        "purpose": 3,
        "mime_type": 1,
        "part_ids": "x",
        "destinationResourceId": 7,
        "region": None,
        "trainingType": 1,
    }
).encode()

BODIES: dict[str, tuple[str, bytes]] = {
    "not json": ("application/json", b"not json"),
    "empty": ("application/json", b""),
    "array": ("application/json", b"[1, 2]"),
    "empty object": ("application/json", b"{}"),
    "wrong types": ("application/json", WRONG_TYPES),
    "nan and huge": ("application/json", b'{"seed": NaN, "bytes": 1e400, "part_ids": [1e400]}'),
    "not utf-8": ("application/json", b"\xff\xfe{}"),
    "plain text": ("text/plain", b"hello"),
    "multipart without boundary": ("multipart/form-data", b"garbage"),
    "multipart garbage": ("multipart/form-data; boundary=b", b"garbage"),
    "multipart truncated": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\nabc',
    ),
    "multipart no name": (
        "multipart/form-data; boundary=b",
        b"--b\r\nContent-Type: text/plain\r\n\r\nabc\r\n--b--\r\n",
    ),
    "multipart no file": (
        "multipart/form-data; boundary=b",
        b'--b\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--b--\r\n',
    ),
}


@dataclass(frozen=True)
class Ids:
    job: str  # succeeded
    checkpoint: str
    pending_upload: str  # 10 bytes declared, no parts
    cancelled_upload: str


@pytest.fixture(scope="module")
def ids(dp: DataPlane) -> Ids:
    job = dp.train()
    checkpoint = dp.v1().fine_tuning.jobs.checkpoints.list(job.id).data[-1].id
    uploads = dp.v1().uploads
    pending = uploads.create(
        bytes=10, filename="x", mime_type="application/jsonl", purpose="fine-tune"
    )
    cancelled = uploads.create(
        bytes=10, filename="x", mime_type="application/jsonl", purpose="fine-tune"
    )
    uploads.cancel(cancelled.id)
    return Ids(job.id, checkpoint, pending.id, cancelled.id)


@pytest.fixture(scope="module")
def raw(dp: DataPlane) -> Iterator[httpx2.Client]:
    with dp.raw() as client:
        yield client


def post_paths(ids: Ids) -> list[tuple[str, str]]:
    """(style, path) of every POST route, with ids that exist."""
    common = [
        "/files",
        "/uploads",
        f"/uploads/{ids.pending_upload}/parts",
        f"/uploads/{ids.pending_upload}/complete",
        f"/uploads/{ids.cancelled_upload}/cancel",
        "/fine_tuning/jobs",
        f"/fine_tuning/jobs/{ids.job}/cancel",
        f"/fine_tuning/jobs/{ids.job}/pause",
        f"/fine_tuning/jobs/{ids.job}/resume",
        f"/fine_tuning/jobs/{ids.job}/checkpoints/{ids.checkpoint}/copy",
    ]
    paths = [("v1", p) for p in [*common, "/chat/completions"]]
    paths += [("azure", p) for p in [*common, "/deployments/anything/chat/completions"]]
    return paths


def send(
    raw: httpx2.Client, style: str, method: str, path: str, **kwargs: object
) -> httpx2.Response:
    if style == "v1":
        return raw.request(method, f"/openai/v1{path}", **kwargs)  # type: ignore[arg-type]
    params = dict(kwargs.pop("params", {}) or {})  # type: ignore[call-overload]
    params["api-version"] = API_VERSION
    return raw.request(method, f"/openai{path}", params=params, **kwargs)  # type: ignore[arg-type]


def assert_refused(response: httpx2.Response, style: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    error = response.json()["error"]
    assert set(error) == (V1_KEYS if style == "v1" else AZURE_KEYS), error


@pytest.mark.parametrize("body", sorted(BODIES))
def test_malformed_bodies_to_every_post_route(
    dp: DataPlane, ids: Ids, raw: httpx2.Client, body: str
) -> None:
    content_type, content = BODIES[body]
    headers = {"content-type": content_type, "aoai-copy-ft-checkpoints": "preview"}
    for style, path in post_paths(ids):
        response = send(raw, style, "POST", path, content=content, headers=headers)
        assert_refused(response, style)
    assert_still_serves(dp.admin, dp.connection)
    # nothing was damaged: the pending upload still takes parts
    assert (
        dp.v1().uploads.parts.create(ids.pending_upload, data=b"").upload_id == ids.pending_upload
    )


BAD_QUERIES = [
    ("/files", {"limit": "abc"}),
    ("/files", {"limit": "0"}),
    ("/files", {"order": "sideways"}),
    ("/fine_tuning/jobs", {"limit": "abc"}),
    ("/fine_tuning/jobs", {"limit": "1000"}),
]


@pytest.mark.parametrize("style", ["v1", "azure"])
def test_malformed_queries(ids: Ids, raw: httpx2.Client, style: str) -> None:
    queries = [
        *BAD_QUERIES,
        (f"/fine_tuning/jobs/{ids.job}/events", {"limit": "-5"}),
        (f"/fine_tuning/jobs/{ids.job}/checkpoints", {"limit": "x"}),
    ]
    for path, params in queries:
        assert_refused(send(raw, style, "GET", path, params=params), style)


MISSING = [
    ("GET", "/files/file-nope"),
    ("DELETE", "/files/file-nope"),
    ("GET", "/files/file-nope/content"),
    ("GET", "/fine_tuning/jobs/ftjob-nope"),
    ("DELETE", "/fine_tuning/jobs/ftjob-nope"),
    ("GET", "/fine_tuning/jobs/ftjob-nope/events"),
    ("GET", "/fine_tuning/jobs/ftjob-nope/checkpoints"),
    ("POST", "/fine_tuning/jobs/ftjob-nope/pause"),
    ("POST", "/fine_tuning/jobs/ftjob-nope/resume"),
    ("POST", "/fine_tuning/jobs/ftjob-nope/cancel"),
    ("GET", "/models/not-a-model"),
    ("DELETE", "/models/not-a-model"),
    ("POST", "/uploads/upload_nope/cancel"),
    ("POST", "/uploads/upload_nope/complete"),
    ("PATCH", "/files"),
    ("GET", "/no/such/route"),
]


@pytest.mark.parametrize("style", ["v1", "azure"])
def test_unknown_objects_are_404(raw: httpx2.Client, style: str) -> None:
    for method, path in MISSING:
        response = send(raw, style, method, path, json={"part_ids": []})
        assert response.status_code == 404, (method, path, response.text)
        assert_refused(response, style)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too
    | TEXT,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
FIELDS = [
    "model",
    "training_file",
    "suffix",
    "seed",
    "method",
    "hyperparameters",
    "metadata",
    "trainingType",
    "filename",
    "purpose",
    "bytes",
    "mime_type",
    "messages",
    "part_ids",
]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=6),
    style=st.sampled_from(["v1", "azure"]),
)
def test_random_json_never_breaks_the_server(
    dp: DataPlane, raw: httpx2.Client, ids: Ids, body: dict[str, object], style: str
) -> None:
    for path in ("/fine_tuning/jobs", "/uploads", f"/uploads/{ids.pending_upload}/complete"):
        response = send(
            raw,
            style,
            "POST",
            path,
            content=encode(body),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code < 500, (path, body, response.text)
        if response.status_code >= 400:
            assert_refused(response, style)
    assert_still_serves(dp.admin, dp.connection)
